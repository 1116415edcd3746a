//! The kinds cfsynth ships: `Accounts`, `Stack`, `Pipeline`, `Portfolio`,
//! `LakePermissions`, the `cfn` resource entry and the typed resource entries
//! ([`resources`]).

mod accounts;
mod cfn;
pub mod glue;
mod lake_permissions;
mod pipeline;
mod portfolio;
pub mod resources;
mod stack;

pub use accounts::{AccountSpec, AccountsKind, AccountsSpec};
pub use cfn::{CfnResource, CfnSpec, Policy};
pub use lake_permissions::{
    LakeColumnsSpec, LakeGrantSpec, LakePermissionSpec, LakePermissionsKind, LakePermissionsSpec,
    LakeTableSpec, LocationSpec, PersonaSpec, TagAssignmentSpec, TagGrantSpec, TaggedResourceSpec,
    TaggedSpec,
};
pub use pipeline::{PipelineKind, PipelineSpec};
pub use portfolio::{
    LaunchRoleSpec, LaunchStatementSpec, PortfolioKind, PortfolioProductSpec, PortfolioSpec,
    ProductOutputSpec, ProductParameterSpec, ProductStackSpec, ProductSupportSpec,
    ProductVersionSpec, TagUpdatesSpec,
};
pub use stack::{StackKind, StackSpec};
