//! `kind: Accounts`: account aliases and per-account defaults.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::app::{AccountRoles, EnvError, Environment};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::env::{bad_account, is_account_id, unknown_region};
use crate::manifest::kinds::resources::is_role_name;
use crate::manifest::{Blueprint, BuildContext, Document, EnvPolicy, Located, check_kebab_case};

/// Names for AWS accounts: `env.account` of any document may be one of these aliases
/// instead of a 12-digit id, and gets the alias's default region when it has none.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountsSpec {
    /// Alias (kebab-case) → account.
    pub accounts: IndexMap<Located<String>, AccountSpec>,
}

/// One aliased account.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// The 12-digit account id (quote it when it starts with 0).
    pub id: Located<String>,
    /// The default region of environments in this account, e.g. `eu-west-1`.
    #[serde(default)]
    pub region: Option<Located<String>>,
    /// The role `cfsynth deploy` assumes in this account instead of `cfsynth-deploy`, the
    /// one `cfsynth bootstrap` creates: a role name (`path/name` allowed) or the ARN of a
    /// role of this account.
    #[serde(default, rename = "deployRole")]
    pub deploy_role: Option<Located<String>>,
    /// The role CloudFormation deploys this account's stacks with (the change set's service
    /// role): a role name or the ARN of a role of this account. Without it, stacks deployed
    /// through a `deployRole` use that role's own permissions.
    #[serde(default, rename = "executionRole")]
    pub execution_role: Option<Located<String>>,
}

impl AccountSpec {
    fn roles(&self) -> Option<AccountRoles> {
        let value = |role: &Option<Located<String>>| role.as_ref().map(|role| role.value.clone());
        (self.deploy_role.is_some() || self.execution_role.is_some()).then(|| AccountRoles {
            deploy: value(&self.deploy_role),
            execution: value(&self.execution_role),
        })
    }
}

/// The `Accounts` kind: declares its aliases before any document is built.
pub struct AccountsKind;

impl Blueprint for AccountsKind {
    type Spec = AccountsSpec;
    const KIND: &'static str = "Accounts";
    const ENV: EnvPolicy = EnvPolicy::Forbidden;

    fn declare(&self, doc: &Document<AccountsSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        for (alias, account) in &doc.spec.accounts {
            let checked = check_kebab_case(alias, "account alias").and_then(|()| check(account));
            let declared = checked.and_then(|()| {
                cx.accounts_mut()
                    .declare(alias, account.id.value.clone(), account.region.clone())
            });
            match declared {
                Ok(()) => {
                    if let Some(roles) = account.roles() {
                        diagnostics.extend(set_roles(cx, alias, account, roles));
                    }
                    if let (Some(execution), None) = (&account.execution_role, &account.deploy_role)
                    {
                        diagnostics.push(unpassable(execution));
                    }
                }
                Err(errors) => {
                    diagnostics.extend(errors);
                    cx.accounts_mut().mark_invalid(alias);
                }
            }
        }
        diagnostics
    }

    fn build(&self, _doc: &Document<AccountsSpec>, _cx: &mut BuildContext<'_>) -> Diagnostics {
        Diagnostics::new()
    }
}

/// An account id of 12 digits, a known default region, and roles of that account.
fn check(account: &AccountSpec) -> Result<(), Diagnostics> {
    if !is_account_id(&account.id) {
        return Err(bad_account(&account.id).into());
    }
    let mut diagnostics = Diagnostics::new();
    if let Some(region) = &account.region {
        match Environment::new(account.id.as_str(), region.as_str()) {
            Err(EnvError::UnknownRegion { suggestion, .. }) => {
                diagnostics.push(unknown_region(region, suggestion));
            }
            Err(EnvError::BadAccount(_)) => diagnostics.push(bad_account(&account.id)),
            Ok(_) => {}
        }
    }
    for role in [&account.deploy_role, &account.execution_role]
        .into_iter()
        .flatten()
    {
        diagnostics.extend(role_problem(role, &account.id.value));
    }
    if diagnostics.is_empty() {
        Ok(())
    } else {
        Err(diagnostics)
    }
}

/// Records an account's roles on the app; an account that two aliases give different
/// roles is an error.
fn set_roles(
    cx: &mut BuildContext<'_>,
    alias: &Located<String>,
    account: &AccountSpec,
    roles: AccountRoles,
) -> Option<Diagnostic> {
    let id = account.id.as_str();
    match cx.app().account_roles(id) {
        Some(known) if *known != roles => {
            let at = account
                .deploy_role
                .as_ref()
                .or(account.execution_role.as_ref())?;
            Some(
                Diagnostic::error(
                    codes::DUPLICATE_VALUE,
                    format!("account `{id}` is given other roles by another alias"),
                )
                .at(&at.span)
                .expected(format!("the roles given before: {}", describe(known)))
                .found(describe(&roles))
                .help(format!(
                    "give the roles of account `{id}` on one alias only (here `{alias}`)"
                )),
            )
        }
        _ => {
            cx.app_mut().set_account_roles(id, roles);
            None
        }
    }
}

/// An execution role with the bootstrap stack's deploy role, which may pass only
/// `cfsynth-cfn-exec` to CloudFormation.
fn unpassable(execution: &Located<String>) -> Diagnostic {
    Diagnostic::warning(
        codes::UNPASSABLE_ROLE,
        "`cfsynth-deploy`, the deploy role `cfsynth bootstrap` creates, may pass only `cfsynth-cfn-exec` to CloudFormation",
    )
    .at(&execution.span)
    .help("add a `deployRole` allowed to pass this role, or leave `executionRole` out")
}

fn describe(roles: &AccountRoles) -> String {
    let shown = |role: &Option<String>| {
        role.as_deref()
            .map_or("none".to_owned(), |r| format!("`{r}`"))
    };
    format!(
        "deploy role {}, execution role {}",
        shown(&roles.deploy),
        shown(&roles.execution)
    )
}

/// What is wrong with `role`, if anything: it must be a role name (`name` or
/// `path/name`), or the ARN of a role of `account`.
fn role_problem(role: &Located<String>, account: &str) -> Option<Diagnostic> {
    let invalid = |message: String| {
        Diagnostic::error(codes::INVALID_ROLE, message)
            .at(&role.span)
            .expected(format!(
                "a role name such as `cfsynth-deploy`, or `arn:aws:iam::{account}:role/<name>`"
            ))
            .found(format!("`{role}`"))
    };
    let Some(arn) = role.value.strip_prefix("arn:") else {
        return (!is_role_path(&role.value))
            .then(|| invalid(format!("`{role}` is not an IAM role name")));
    };
    let parts: Vec<&str> = arn.splitn(5, ':').collect();
    let [partition, service, region, owner, resource] = parts.as_slice() else {
        return Some(invalid(format!("`{role}` is not an IAM role ARN")));
    };
    let role_path = resource
        .strip_prefix("role/")
        .filter(|path| is_role_path(path));
    if !["aws", "aws-cn", "aws-us-gov"].contains(partition)
        || *service != "iam"
        || !region.is_empty()
        || role_path.is_none()
    {
        return Some(invalid(format!("`{role}` is not an IAM role ARN")));
    }
    (*owner != account).then(|| {
        invalid(format!(
            "`{role}` is a role of account `{owner}`, not of `{account}`"
        ))
        .help(format!(
            "stacks of account `{account}` are deployed in that account: name one of its roles"
        ))
    })
}

/// `name` or `path/name`: a role name (see [`is_role_name`]) after path segments of the
/// same characters, at most 512 characters in all.
fn is_role_path(value: &str) -> bool {
    let (path, name) = value.rsplit_once('/').unwrap_or(("", value));
    let segment = |segment: &str| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    };
    value.len() <= 512 && is_role_name(name) && (path.is_empty() || path.split('/').all(segment))
}
