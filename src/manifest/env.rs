//! Environments as written in manifests (`env: { account, region }`) and the account
//! aliases that `Accounts` documents declare.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::located::Located;
use crate::app::{EnvError, Environment};
use crate::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use crate::template::closest;

/// Where a document deploys: `env: { account: tooling, region: us-east-1 }`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvSpec {
    /// A 12-digit account id (quote it: `"111122223333"`), or an alias declared in a
    /// `kind: Accounts` document.
    pub account: Located<String>,
    /// The region, e.g. `eu-west-1`. May be left out when the account alias has a
    /// default region.
    #[serde(default)]
    pub region: Option<Located<String>>,
}

/// An account declared under an alias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit id.
    pub id: String,
    /// The default region of environments in this account.
    pub region: Option<Located<String>>,
    /// Where the alias is declared.
    pub span: Span,
}

/// The account aliases of a run. Lookups of unknown aliases mention when a declaring
/// document had errors, since the alias may be declared there.
#[derive(Clone, Debug, Default)]
pub struct AccountBook {
    aliases: IndexMap<String, Account>,
    /// Aliases whose declaration has errors → where they are declared.
    invalid: IndexMap<String, Span>,
    incomplete: bool,
}

/// Whether `text` is a 12-digit account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

impl AccountBook {
    /// An empty book.
    pub fn new() -> AccountBook {
        AccountBook::default()
    }

    /// Declares an alias of account `id`, with an optional default region. Declaring an
    /// alias twice is an error that names both places.
    pub fn declare(
        &mut self,
        alias: &Located<String>,
        id: impl Into<String>,
        region: Option<Located<String>>,
    ) -> Result<(), Diagnostics> {
        let first = self
            .aliases
            .get(alias.as_str())
            .map(|account| &account.span);
        if let Some(first) = first.or_else(|| self.invalid.get(alias.as_str())) {
            return Err(Diagnostic::error(
                codes::DUPLICATE_ALIAS,
                format!("account alias `{alias}` is declared twice"),
            )
            .at(&alias.span)
            .note(format!("first declared at {first}"))
            .help("keep one declaration")
            .into());
        }
        let account = Account {
            id: id.into(),
            region,
            span: alias.span.clone(),
        };
        self.aliases.insert(alias.value.clone(), account);
        Ok(())
    }

    /// Records an alias whose declaration has errors, so that its uses say so rather than
    /// call it unknown.
    pub fn mark_invalid(&mut self, alias: &Located<String>) {
        self.invalid
            .entry(alias.value.clone())
            .or_insert_with(|| alias.span.clone());
    }

    /// Records that a document could not be read (it may have declared aliases).
    pub fn mark_incomplete(&mut self) {
        self.incomplete = true;
    }

    /// The account of an alias.
    pub fn get(&self, alias: &str) -> Option<&Account> {
        self.aliases.get(alias)
    }

    /// Resolves a written environment: an alias becomes its id, a missing region the
    /// alias's default region. Errors point at the offending value.
    pub fn resolve(&self, env: &EnvSpec) -> Result<Environment, Diagnostics> {
        let account = &env.account;
        let (id, default_region) = self.lookup(account)?;
        let Some(region) = env.region.as_ref().or(default_region) else {
            return Err(Diagnostic::error(
                codes::MISSING_REGION,
                format!("no region for account `{account}`"),
            )
            .at(&account.span)
            .help("add `region:` to `env`, or a default `region` to the account alias")
            .into());
        };
        Environment::new(id, region.as_str()).map_err(|error| {
            match error {
                EnvError::UnknownRegion { suggestion, .. } => unknown_region(region, suggestion),
                EnvError::BadAccount(_) => bad_account(account),
            }
            .into()
        })
    }

    /// The 12-digit id of a written account: an id as written, or the id of an alias.
    /// Errors point at the value.
    pub fn account_id(&self, account: &Located<String>) -> Result<String, Diagnostics> {
        Ok(self.lookup(account)?.0)
    }

    /// The id and default region of a written account.
    fn lookup(
        &self,
        account: &Located<String>,
    ) -> Result<(String, Option<&Located<String>>), Diagnostics> {
        if account.bytes().all(|b| b.is_ascii_digit()) {
            if !is_account_id(account) {
                return Err(bad_account(account).into());
            }
            return Ok((account.value.clone(), None));
        }
        match self.aliases.get(account.as_str()) {
            Some(known) => Ok((known.id.clone(), known.region.as_ref())),
            None => Err(self.unknown_alias(account).into()),
        }
    }

    fn unknown_alias(&self, account: &Located<String>) -> Diagnostic {
        if let Some(declared) = self.invalid.get(account.as_str()) {
            return Diagnostic::error(
                codes::UNKNOWN_ALIAS,
                format!("account alias `{account}` cannot be used: its declaration has errors"),
            )
            .at(&account.span)
            .note(format!("declared at {declared}"));
        }
        let diagnostic = Diagnostic::error(
            codes::UNKNOWN_ALIAS,
            format!("unknown account alias `{account}`"),
        )
        .at(&account.span);
        let diagnostic = if self.aliases.is_empty() {
            diagnostic.expected("a 12-digit account id").help(
                "declare the alias in a `kind: Accounts` document, or use a 12-digit account id",
            )
        } else {
            let known: Vec<String> = self
                .aliases
                .keys()
                .map(|alias| format!("`{alias}`"))
                .collect();
            diagnostic
                .expected(format!(
                    "a 12-digit account id or one of {}",
                    known.join(", ")
                ))
                .did_you_mean(closest(account, self.aliases.keys().map(String::as_str)))
        };
        if self.incomplete {
            diagnostic.note("some documents could not be read; one of them may declare it")
        } else {
            diagnostic
        }
    }
}

/// An account id that is not 12 digits.
pub(crate) fn bad_account(account: &Located<String>) -> Diagnostic {
    Diagnostic::error(
        codes::INVALID_ACCOUNT,
        EnvError::BadAccount(account.value.clone()).to_string(),
    )
    .at(&account.span)
    .expected("12 digits (quote ids with leading zeros)")
}

/// A region cfsynth does not know.
pub(crate) fn unknown_region(region: &Located<String>, suggestion: Option<String>) -> Diagnostic {
    Diagnostic::error(codes::UNKNOWN_REGION, format!("unknown region `{region}`"))
        .at(&region.span)
        .expected("an AWS region such as `us-east-1`")
        .did_you_mean(suggestion)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn located(text: &str, column: u32) -> Located<String> {
        Located::new(
            text.to_owned(),
            Span::new(Arc::from("t.yaml"), 1, column, 1),
        )
    }

    fn env(account: &str, region: Option<&str>) -> EnvSpec {
        EnvSpec {
            account: located(account, 1),
            region: region.map(|region| located(region, 2)),
        }
    }

    fn book() -> AccountBook {
        let mut book = AccountBook::new();
        let alias = Located::new(
            "tooling".to_owned(),
            Span::new(Arc::from("a.yaml"), 3, 3, 7),
        );
        book.declare(&alias, "111111111111", Some(located("us-east-1", 9)))
            .unwrap();
        book
    }

    fn first(errors: Diagnostics) -> Diagnostic {
        errors.into_iter().next().unwrap()
    }

    fn error(book: &AccountBook, env: &EnvSpec) -> String {
        first(book.resolve(env).unwrap_err()).to_string()
    }

    #[test]
    fn aliases_resolve_to_ids_and_default_regions() {
        let book = book();
        assert_eq!(
            book.resolve(&env("tooling", None)).unwrap().to_string(),
            "111111111111/us-east-1"
        );
        assert_eq!(
            book.resolve(&env("tooling", Some("eu-west-1")))
                .unwrap()
                .to_string(),
            "111111111111/eu-west-1"
        );
        assert_eq!(
            book.resolve(&env("222222222222", Some("eu-west-1")))
                .unwrap()
                .to_string(),
            "222222222222/eu-west-1"
        );
    }

    #[test]
    fn errors_point_at_the_offending_value() {
        let book = book();
        assert_eq!(
            error(&book, &env("12345", Some("eu-west-1"))),
            "t.yaml:1:1: error[E0301]: account id `12345` is not 12 digits"
        );
        assert_eq!(
            error(&book, &env("toling", None)),
            "t.yaml:1:1: error[E0303]: unknown account alias `toling`"
        );
        assert_eq!(
            first(book.resolve(&env("toling", None)).unwrap_err())
                .help
                .as_deref(),
            Some("did you mean `tooling`?")
        );
        assert_eq!(
            error(&book, &env("222222222222", None)),
            "t.yaml:1:1: error[E0305]: no region for account `222222222222`"
        );
        let wrong = first(
            book.resolve(&env("tooling", Some("eu-wets-1")))
                .unwrap_err(),
        );
        assert_eq!(
            wrong.to_string(),
            "t.yaml:1:2: error[E0302]: unknown region `eu-wets-1`"
        );
        assert_eq!(wrong.help.as_deref(), Some("did you mean `eu-west-1`?"));
    }

    #[test]
    fn aliases_are_declared_once() {
        let mut book = book();
        let error = first(
            book.declare(&located("tooling", 3), "222222222222", None)
                .unwrap_err(),
        );
        assert_eq!(
            error.to_string(),
            "t.yaml:1:3: error[E0304]: account alias `tooling` is declared twice"
        );
        assert_eq!(error.notes, ["first declared at a.yaml:3:3"]);
    }
}
