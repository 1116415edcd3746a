//! IAM: typed policy documents, roles, managed policies and the grantee side of grants.

mod policy;
mod role;

pub use policy::{
    Effect, PolicyDocument, Principal, Statement, account_root_arn, add_statement, merge_statement,
};
pub use role::{Grantee, ManagedPolicy, Role, RoleProps, RoleRef};
