//! The kinds cfsynth ships: `Accounts`, `Stack`, and the `cfn` resource entry.

mod accounts;
mod cfn;
mod pipeline;
mod stack;

pub use accounts::{AccountSpec, AccountsKind, AccountsSpec};
pub use cfn::{CfnResource, CfnSpec, Policy};
pub use pipeline::{PipelineKind, PipelineSpec};
pub use stack::{StackKind, StackSpec};
