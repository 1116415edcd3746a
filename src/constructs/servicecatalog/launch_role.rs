//! The launch role: what Service Catalog assumes to create a product's resources, so the
//! people who launch products need no permissions on those resources themselves.

use crate::app::App;
use crate::constructs::iam::{Grantee, Principal, Role, RoleProps, Statement};
use crate::constructs::{ConstructError, Scope};

/// The service that assumes launch roles.
pub const SERVICE_CATALOG: &str = "servicecatalog.amazonaws.com";

/// The most characters of an IAM role name.
const MAX_ROLE_NAME: usize = 64;

/// Properties of a [`LaunchRole`].
#[derive(Clone, PartialEq, Debug)]
pub struct LaunchRoleProps {
    /// The role name, the same in every account (the launch constraint names it:
    /// `LocalRoleName`).
    pub name: String,
    /// What the products' templates create, and nothing else: no statement may allow
    /// every action (`*`) or every action of a service (`s3:*`).
    pub statements: Vec<Statement>,
    /// What the role is for.
    pub description: Option<String>,
}

/// A launch role (`<Scope>Role` and its policy `<Scope>RoleDefaultPolicy`): trusted by
/// Service Catalog only, allowed to manage the stacks Service Catalog provisions
/// (`SC-*`) and to read product templates, plus the statements given.
#[derive(Clone, PartialEq, Debug)]
pub struct LaunchRole {
    role: Role,
    name: String,
}

/// Whether an action allows every action (`*`) or every action of a service (`s3:*`).
pub fn is_every_action(action: &str) -> bool {
    action == "*" || action.ends_with(":*")
}

/// Checks a launch role name: IAM's characters and length.
pub fn check_role_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > MAX_ROLE_NAME
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        return Err(format!(
            "`{name}` is not an IAM role name: 1 to {MAX_ROLE_NAME} letters, digits and `+=,.@_-`"
        ));
    }
    Ok(())
}

/// The statements every launch role has: managing the stacks Service Catalog provisions
/// in its own account, validating templates, and reading the template copies Service
/// Catalog keeps (tagged `servicecatalog:provisioning`).
pub fn provisioning_statements() -> Vec<Statement> {
    vec![
        Statement::allow([
            "cloudformation:CreateStack",
            "cloudformation:UpdateStack",
            "cloudformation:DeleteStack",
            "cloudformation:DescribeStacks",
            "cloudformation:DescribeStackEvents",
            "cloudformation:ListStackResources",
            "cloudformation:SetStackPolicy",
            "cloudformation:CreateChangeSet",
            "cloudformation:DescribeChangeSet",
            "cloudformation:ExecuteChangeSet",
            "cloudformation:ListChangeSets",
            "cloudformation:DeleteChangeSet",
            "cloudformation:TagResource",
            "cloudformation:UntagResource",
        ])
        .sid("ManageProvisionedStacks")
        .on([crate::template::sub(
            "arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/SC-*",
        )]),
        Statement::allow([
            "cloudformation:ValidateTemplate",
            "cloudformation:GetTemplateSummary",
        ])
        .sid("ValidateTemplates")
        .on(["*"]),
        Statement::allow(["s3:GetObject"])
            .sid("ReadProductTemplates")
            .on(["*"])
            .when(
                "StringEquals",
                "s3:ExistingObjectTag/servicecatalog:provisioning",
                "true",
            ),
    ]
}

impl LaunchRole {
    /// Creates the role in `scope`. Fails on a bad role name and on statements that allow
    /// every action.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: LaunchRoleProps,
    ) -> Result<LaunchRole, ConstructError> {
        check_role_name(&props.name)
            .map_err(|message| ConstructError::invalid(&scope.path, message))?;
        if let Some(action) = props
            .statements
            .iter()
            .filter(|statement| statement.effect == crate::constructs::iam::Effect::Allow)
            .flat_map(|statement| &statement.actions)
            .find(|action| is_every_action(action))
        {
            return Err(ConstructError::invalid(
                &scope.path,
                format!(
                    "the launch role may not allow `{action}`: list the actions the products' templates need"
                ),
            ));
        }
        let role = Role::new(
            app,
            scope,
            RoleProps {
                assumed_by: vec![Principal::service(SERVICE_CATALOG)],
                name: Some(props.name.clone()),
                description: props.description,
                ..RoleProps::default()
            },
        );
        for statement in provisioning_statements()
            .into_iter()
            .chain(props.statements)
        {
            role.add_to_policy(app, statement);
        }
        Ok(LaunchRole {
            role,
            name: props.name,
        })
    }

    /// The role name (what the launch constraint names).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role.
    pub fn role(&self) -> &Role {
        &self.role
    }
}
