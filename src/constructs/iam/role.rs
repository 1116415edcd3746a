//! IAM roles, managed policies, and the [`Grantee`] side of grants.

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::policy::{PolicyDocument, Principal, Statement, add_statement};
use crate::app::{App, ResourceHandle};
use crate::constructs::Scope;
use crate::l1::iam::{managed_policy, policy, role};
use crate::template::{Expr, Val, sub};

/// Something that can be granted permissions: it has a principal for resource policies,
/// lives in an account, and (when cfsynth manages it) an identity policy to extend.
pub trait Grantee {
    /// The principal to name in resource policies (key, bucket, topic policies).
    fn principal(&self) -> Principal;

    /// The account the grantee belongs to.
    fn account(&self) -> &str;

    /// Adds a statement to the grantee's own identity policy. A role cfsynth does not
    /// manage here (e.g. one created by another account's bootstrap stack) has its own
    /// policy elsewhere, so only the resource policy grants it access.
    fn add_to_policy(&self, app: &mut App, statement: Statement);
}

/// Properties of a [`Role`].
#[derive(Clone, PartialEq, Debug, Default)]
pub struct RoleProps {
    /// Who may assume the role (services, accounts, roles).
    pub assumed_by: Vec<Principal>,
    /// Conditions on assuming it: operator → key → value(s).
    pub assume_conditions: IndexMap<String, IndexMap<String, Json>>,
    /// A fixed physical name, for roles that another account must know in advance.
    pub name: Option<String>,
    /// What the role is for.
    pub description: Option<String>,
    /// Managed policies to attach, by ARN.
    pub managed_policy_arns: Vec<Val<String>>,
    /// The ARN of a permissions boundary policy.
    pub permissions_boundary: Option<Val<String>>,
    /// Maximum session duration in seconds (3,600 to 43,200).
    pub max_session_duration: Option<i64>,
}

/// An IAM role. Grants add statements to its default policy, a separate
/// `AWS::IAM::Policy` resource (so that a key policy can name the role and the role's
/// policy can name the key without a dependency cycle).
#[derive(Clone, PartialEq, Debug)]
pub struct Role {
    handle: ResourceHandle,
    scope: Scope,
    account: String,
}

impl Role {
    /// Creates a role in `scope`, with the logical ID `<Scope>Role`.
    pub fn new(app: &mut App, scope: &Scope, props: RoleProps) -> Role {
        let mut trust = Statement::allow(["sts:AssumeRole"]);
        trust.principals = props.assumed_by;
        trust.conditions = props.assume_conditions;
        let mut resource = role::Role::new(PolicyDocument::of([trust]).into_json());
        resource.role_name = props.name.map(Val::Lit);
        resource.description = props.description.map(Val::Lit);
        if !props.managed_policy_arns.is_empty() {
            resource.managed_policy_arns = Some(Val::Lit(props.managed_policy_arns));
        }
        resource.permissions_boundary = props.permissions_boundary;
        resource.max_session_duration = props.max_session_duration.map(Val::Lit);
        let handle = scope.add(app, "Role", &resource);
        Role {
            handle,
            scope: scope.clone(),
            account: scope.account(app).to_owned(),
        }
    }

    /// The role's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.handle.get_att("Arn")
    }

    /// The role's name.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The role resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }

    /// The logical ID of the role's default policy, once a grant created it. Resources
    /// that use the role should `DependsOn` it, so the permissions exist before they run.
    pub fn default_policy_id(&self, app: &App) -> Option<String> {
        let id = self.scope.logical_id("RoleDefaultPolicy");
        app.stack(self.handle.stack())
            .template
            .resources
            .contains_key(&id)
            .then_some(id)
    }
}

impl Grantee for Role {
    fn principal(&self) -> Principal {
        Principal::arn(self.arn())
    }

    fn account(&self) -> &str {
        &self.account
    }

    fn add_to_policy(&self, app: &mut App, statement: Statement) {
        let policy_handle = match self.default_policy_id(app) {
            Some(id) => ResourceHandle::new(self.handle.stack(), id),
            None => {
                let mut policy = policy::Policy::new(PolicyDocument::new().into_json(), "default");
                policy.roles = Some(Val::Lit(vec![Val::Expr(self.name())]));
                self.scope.add(app, "RoleDefaultPolicy", &policy)
            }
        };
        if let Some(resource) = app.resource_mut(&policy_handle)
            && let Some(document) = resource.properties.get_mut("PolicyDocument")
        {
            add_statement(document, statement);
        }
    }
}

/// A role that another stack or account creates under a fixed name: cfsynth names it in
/// resource policies by ARN and never changes its identity policy.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RoleRef {
    account: String,
    name: String,
}

impl RoleRef {
    /// The role `name` in `account`.
    pub fn new(account: impl Into<String>, name: impl Into<String>) -> RoleRef {
        RoleRef {
            account: account.into(),
            name: name.into(),
        }
    }

    /// `arn:${AWS::Partition}:iam::<account>:role/<name>`.
    pub fn arn(&self) -> Expr<String> {
        sub(format!(
            "arn:${{AWS::Partition}}:iam::{}:role/{}",
            self.account, self.name
        ))
    }

    /// The role name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Grantee for RoleRef {
    fn principal(&self) -> Principal {
        Principal::arn(self.arn())
    }

    fn account(&self) -> &str {
        &self.account
    }

    fn add_to_policy(&self, _app: &mut App, _statement: Statement) {
        // Its identity policy belongs to the stack that creates it.
    }
}

/// A customer-managed policy attached to roles.
#[derive(Clone, PartialEq, Debug)]
pub struct ManagedPolicy {
    handle: ResourceHandle,
}

impl ManagedPolicy {
    /// Creates a managed policy with `document`, attached to `roles`.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        document: &PolicyDocument,
        roles: &[&Role],
        description: Option<String>,
    ) -> ManagedPolicy {
        let mut policy = managed_policy::ManagedPolicy::new(document.to_json());
        policy.description = description.map(Val::Lit);
        if !roles.is_empty() {
            policy.roles = Some(Val::Lit(
                roles.iter().map(|role| Val::Expr(role.name())).collect(),
            ));
        }
        ManagedPolicy {
            handle: scope.add(app, "ManagedPolicy", &policy),
        }
    }

    /// The policy's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.handle.ref_()
    }
}
