//! `kind: Accounts`: account aliases and per-account defaults.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::app::{EnvError, Environment};
use crate::diagnostics::Diagnostics;
use crate::manifest::env::{bad_account, is_account_id, unknown_region};
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
            if let Err(errors) = declared {
                diagnostics.extend(errors);
                cx.accounts_mut().mark_invalid(alias);
            }
        }
        diagnostics
    }

    fn build(&self, _doc: &Document<AccountsSpec>, _cx: &mut BuildContext<'_>) -> Diagnostics {
        Diagnostics::new()
    }
}

/// An account id of 12 digits and a known default region.
fn check(account: &AccountSpec) -> Result<(), Diagnostics> {
    if !is_account_id(&account.id) {
        return Err(bad_account(&account.id).into());
    }
    match &account.region {
        Some(region) => match Environment::new(account.id.as_str(), region.as_str()) {
            Err(EnvError::UnknownRegion { suggestion, .. }) => {
                Err(unknown_region(region, suggestion).into())
            }
            Err(EnvError::BadAccount(_)) => Err(bad_account(&account.id).into()),
            Ok(_) => Ok(()),
        },
        None => Ok(()),
    }
}
