//! The construct library (L2): secure-by-default building blocks made of L1 resources,
//! with least-privilege policies generated from what each construct does.
//!
//! A construct is created in a [`Scope`] (a stack and a path inside it) of an
//! [`App`] and returns a handle whose methods give typed references
//! (`arn()`, `name()`, …) and grants (`bucket.grant_read(app, &role)`).

pub mod codebuild;
mod error;
pub mod events;
pub mod glue;
pub mod iam;
pub mod kms;
pub mod lakeformation;
pub mod logs;
pub mod notifications;
pub mod pipeline;
pub mod s3;
pub mod servicecatalog;
pub mod sns;

pub use error::ConstructError;

use crate::app::{App, ResourceHandle, StackId, logical_id};
use crate::template::{Resource, ResourceType};

/// Where a construct lives: a stack, and a path of construct names inside it
/// (e.g. `products-api/artifacts`). Logical IDs are the PascalCase of the path plus a
/// suffix naming the resource type, so they are readable and stable.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Scope {
    /// The stack.
    pub stack: StackId,
    /// The construct path inside the stack; empty at the stack's root.
    pub path: String,
}

impl Scope {
    /// The root scope of a stack.
    pub fn root(stack: StackId) -> Scope {
        Scope {
            stack,
            path: String::new(),
        }
    }

    /// A child scope.
    pub fn child(&self, name: &str) -> Scope {
        let path = if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.path)
        };
        Scope {
            stack: self.stack,
            path,
        }
    }

    /// The logical ID for a resource of this scope: PascalCase of the path and `suffix`.
    pub fn logical_id(&self, suffix: &str) -> String {
        let parts: Vec<&str> = self.path.split('/').chain([suffix]).collect();
        logical_id(&parts)
    }

    /// Adds a typed resource with the logical ID `logical_id(suffix)`.
    pub fn add<R: ResourceType>(
        &self,
        app: &mut App,
        suffix: &str,
        resource: &R,
    ) -> ResourceHandle {
        self.add_resource(app, suffix, Resource::new(resource))
    }

    /// Adds a resource (with attributes already set) with the logical ID `logical_id(suffix)`.
    pub fn add_resource(&self, app: &mut App, suffix: &str, resource: Resource) -> ResourceHandle {
        let owner = if self.path.is_empty() {
            suffix
        } else {
            &self.path
        };
        let owner = owner.to_owned();
        app.add_resource(self.stack, &owner, self.logical_id(suffix), resource)
    }

    /// The account the scope's stack deploys into.
    pub fn account<'a>(&self, app: &'a App) -> &'a str {
        app.env(self.stack).account()
    }
}
