//! The `iam/role` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::policy::{StatementSpec, statements};
use super::{check_length, invalid, scope_of, template_string};
use crate::constructs::iam::{Grantee, Principal, Role, RoleProps};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::{BuildContext, Located, ResourceEntry, ResourceKind};
use crate::template::{Val, sub};

/// The longest role name IAM accepts.
const MAX_ROLE_NAME_LEN: usize = 64;
/// The longest role description IAM accepts.
const MAX_DESCRIPTION_LEN: usize = 1000;

/// An IAM role: who may assume it, and what it may do (statements, managed policies,
/// a permissions boundary). Logical IDs `<Name>Role` and, with statements,
/// `<Name>RoleDefaultPolicy`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleSpec {
    /// The role's name in the stack, kebab-case: its logical IDs start with the PascalCase
    /// of it (`deployer` → `DeployerRole`), and other entries (`iam/managed-policy`
    /// `roles`) refer to it by it.
    pub name: Located<String>,
    /// Who may assume the role: service principals (`codebuild.amazonaws.com`), accounts
    /// (12-digit ids or aliases from `kind: Accounts`), or IAM role ARNs.
    pub assumed_by: Vec<Located<String>>,
    /// Managed policies to attach: names of AWS managed policies (`ReadOnlyAccess`,
    /// `service-role/AWSCodeDeployRoleForECS`) or policy ARNs.
    #[serde(default)]
    pub managed_policies: Vec<Located<String>>,
    /// The ARN of a managed policy that bounds the role's permissions.
    #[serde(default)]
    pub boundary: Option<Located<String>>,
    /// A fixed physical name (up to 64 letters, digits and `+=,.@_-`), for a role that
    /// others must know in advance; deploying it needs `CAPABILITY_NAMED_IAM`. Default:
    /// CloudFormation generates one.
    #[serde(default)]
    pub role_name: Option<Located<String>>,
    /// What the role is for.
    #[serde(default)]
    pub description: Option<Located<String>>,
    /// What the role may do, as IAM policy statements (in the role's own policy).
    #[serde(default)]
    pub statements: Vec<Located<StatementSpec>>,
}

/// The `iam/role` resource entry.
pub struct IamRole;

impl ResourceKind for IamRole {
    type Spec = RoleSpec;
    const KEY: &'static str = "iam/role";

    fn name(spec: &RoleSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn build(&self, entry: &ResourceEntry<RoleSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        if spec.assumed_by.is_empty() {
            diagnostics.push(
                Diagnostic::error(codes::INVALID_VALUE, "nobody can assume this role")
                    .at(&spec.name.span)
                    .help("list who may assume it in `assumedBy`, e.g. `assumedBy: [codebuild.amazonaws.com]`"),
            );
        }
        let mut assumed_by = Vec::with_capacity(spec.assumed_by.len());
        for principal in &spec.assumed_by {
            match parse_principal(principal, cx) {
                Ok(principal) => assumed_by.push(principal),
                Err(errors) => diagnostics.extend(errors),
            }
        }
        let mut managed_policy_arns = Vec::with_capacity(spec.managed_policies.len());
        for policy in &spec.managed_policies {
            match managed_policy_arn(policy) {
                Ok(arn) => managed_policy_arns.push(arn),
                Err(errors) => diagnostics.extend(errors),
            }
        }
        if let Some(boundary) = &spec.boundary
            && !is_policy_arn(boundary)
        {
            diagnostics.push(invalid(
                boundary,
                format!("`{boundary}` is not a managed policy ARN"),
                "an ARN such as `arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary`",
            ));
        }
        if let Some(name) = &spec.role_name
            && !is_role_name(name)
        {
            diagnostics.push(invalid(
                name,
                format!("`{name}` is not a valid IAM role name"),
                "1 to 64 letters, digits and `+=,.@_-`",
            ));
        }
        check_length(
            spec.description.as_ref(),
            "description",
            MAX_DESCRIPTION_LEN,
            &mut diagnostics,
        );
        let statements = match statements(&spec.statements) {
            Ok(statements) => statements,
            Err(errors) => {
                diagnostics.extend(errors);
                Vec::new()
            }
        };
        if !diagnostics.is_empty() {
            return diagnostics;
        }
        let props = RoleProps {
            assumed_by,
            name: spec.role_name.as_ref().map(|name| name.value.clone()),
            description: spec.description.as_ref().map(|text| text.value.clone()),
            managed_policy_arns,
            permissions_boundary: spec
                .boundary
                .as_ref()
                .map(|boundary| template_string(boundary)),
            ..RoleProps::default()
        };
        let role = cx.construct(&scope, origin, |app| {
            let role = Role::new(app, &scope, props);
            for statement in statements {
                role.add_to_policy(app, statement);
            }
            role
        });
        cx.publish(entry, &spec.name, role);
        diagnostics
    }
}

/// A principal as written: a service principal, a role (or user) ARN, or an account id or
/// alias.
fn parse_principal(
    text: &Located<String>,
    cx: &BuildContext<'_>,
) -> Result<Principal, Diagnostics> {
    if text.starts_with("arn:") {
        return if is_principal_arn(text) {
            Ok(Principal::arn(template_string(text)))
        } else {
            Err(invalid(
                text,
                format!("`{text}` is not the ARN of an IAM role, user or account"),
                "an ARN such as `arn:aws:iam::111111111111:role/deployer`",
            )
            .into())
        };
    }
    if text.contains('.') {
        return if is_service_principal(text) {
            Ok(Principal::service(text.as_str()))
        } else {
            Err(invalid(
                text,
                format!("`{text}` is not a service principal"),
                "`<service>.amazonaws.com`, e.g. `codebuild.amazonaws.com`",
            )
            .into())
        };
    }
    cx.accounts().account_id(text).map(Principal::account)
}

/// `<service>.amazonaws.com` (or `.amazonaws.com.cn`).
fn is_service_principal(text: &str) -> bool {
    let service = text
        .strip_suffix(".amazonaws.com")
        .or_else(|| text.strip_suffix(".amazonaws.com.cn"));
    service.is_some_and(|service| {
        !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    })
}

/// `arn:<partition>:iam::<account>:role/…`, `…:user/…` or `…:root`; the partition and
/// account may be `${AWS::Partition}` and `${AWS::AccountId}`.
fn is_principal_arn(text: &str) -> bool {
    let text = text
        .replace("${AWS::Partition}", "aws")
        .replace("${AWS::AccountId}", "000000000000");
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let ["arn", partition, "iam", "", account, resource] = parts.as_slice() else {
        return false;
    };
    ["aws", "aws-cn", "aws-us-gov"].contains(partition)
        && crate::manifest::is_account_id(account)
        && (*resource == "root"
            || ["role/", "user/"]
                .iter()
                .any(|kind| resource.len() > kind.len() && resource.starts_with(kind)))
}

/// `arn:…:iam::…:policy/…`.
fn is_policy_arn(text: &str) -> bool {
    text.starts_with("arn:") && text.contains(":iam::") && text.contains(":policy/")
}

/// 1 to 64 of letters, digits and `+=,.@_-`.
pub(crate) fn is_role_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_ROLE_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// The ARN of a managed policy written as an ARN, or as the name (with its path) of an AWS
/// managed policy.
fn managed_policy_arn(policy: &Located<String>) -> Result<Val<String>, Diagnostics> {
    if policy.starts_with("arn:") {
        return if is_policy_arn(policy) {
            Ok(template_string(policy))
        } else {
            Err(invalid(
                policy,
                format!("`{policy}` is not a managed policy ARN"),
                "an ARN such as `arn:aws:iam::aws:policy/ReadOnlyAccess`, or the name of an AWS managed policy",
            )
            .into())
        };
    }
    let well_formed = !policy.is_empty()
        && !policy.starts_with('/')
        && policy
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
    if !well_formed {
        return Err(invalid(
            policy,
            format!("`{policy}` is not the name of an AWS managed policy"),
            "a name such as `ReadOnlyAccess` or `service-role/AWSCodeDeployRoleForECS`, or a policy ARN",
        )
        .into());
    }
    Ok(Val::Expr(sub(format!(
        "arn:${{AWS::Partition}}:iam::aws:policy/{policy}"
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_are_recognised() {
        assert!(is_service_principal("codebuild.amazonaws.com"));
        assert!(is_service_principal("states.eu-west-1.amazonaws.com"));
        assert!(!is_service_principal("codebuild.amazonaws.con"));
        assert!(is_principal_arn("arn:aws:iam::111111111111:role/deployer"));
        assert!(is_principal_arn(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/path/deployer"
        ));
        assert!(is_principal_arn("arn:aws-cn:iam::111111111111:root"));
        assert!(!is_principal_arn("arn:aws:iam::111111111111:policy/x"));
        assert!(!is_principal_arn("arn:aws:s3:::bucket"));
        assert!(!is_principal_arn("arn:aws:iam::1111:role/x"));
    }

    #[test]
    fn role_names_follow_iam_rules() {
        assert!(is_role_name("build+deploy@team_1.x-y"));
        assert!(!is_role_name(""));
        assert!(!is_role_name("has space"));
        assert!(!is_role_name(&"r".repeat(65)));
    }
}
