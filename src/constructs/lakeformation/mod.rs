//! Lake Formation: data lake administrators, LF-tags and their assignments, registered S3
//! locations, and grants of permissions to principals (IAM roles and users, or other
//! accounts) on the catalog, databases, tables or every table (`TableWildcard`), columns
//! or all but some (`ColumnWildcard` with `ExcludedColumnNames`), data locations, LF-tags
//! and LF-tag expressions (`LFTagPolicy`).
//!
//! Grants are checked before anything is emitted: each kind of resource takes only some
//! permissions ([`LakeResource::valid_permissions`]: `SELECT` only on columns,
//! `DATA_LOCATION_ACCESS` only on locations, …), grantable permissions are granted ones,
//! LF-tag values are declared ones, and an expression has at most
//! [`MAX_EXPRESSION_TAGS`] LF-tags.
//!
//! ```
//! use cfsynth::app::{App, Environment, StackRole};
//! use cfsynth::constructs::Scope;
//! use cfsynth::constructs::lakeformation::{
//!     ColumnSelector, Grant, LakePermissions, LakePermissionsProps, LakePrincipal, LakeResource,
//!     Permission,
//! };
//!
//! let env = Environment::new("222222222222", "eu-west-1").unwrap();
//! let mut app = App::new();
//! let stack = app.add_stack("sales-lake", env, StackRole::Application);
//! let analyst = LakePrincipal::parse("arn:${AWS::Partition}:iam::222222222222:role/analyst").unwrap();
//! LakePermissions::new(&mut app, &Scope::root(stack), LakePermissionsProps {
//!     grants: vec![Grant {
//!         name: "analyst-customers".into(),
//!         principal: analyst,
//!         resource: LakeResource::Columns {
//!             database: "sales".into(),
//!             table: "customers".into(),
//!             columns: ColumnSelector::AllExcept(vec!["email".into()]),
//!         },
//!         permissions: vec![Permission::Select],
//!         grantable: vec![],
//!     }],
//!     ..LakePermissionsProps::default()
//! }).unwrap();
//! let body = &app.synth().unwrap().stacks[0].body;
//! assert!(body.contains("ExcludedColumnNames"));
//! ```

mod permissions;
mod resource;

pub use crate::l1::lake_formation::principal_permissions::Permission;
pub use permissions::{
    DataLocation, Grant, LakePermissions, LakePermissionsProps, MAX_TAG_VALUES,
    MAX_TAGS_PER_RESOURCE, TagAssignment, TagProblem, TagTarget, check_tag_value,
};
pub use resource::{
    ColumnSelector, LakePrincipal, LakeResource, MAX_EXPRESSION_TAGS, MAX_GRANT_TAG_VALUES,
    PERMISSIONS, TableSelector, TagPolicyTarget, permission_name,
};
