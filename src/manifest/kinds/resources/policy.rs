//! IAM policy statements as `iam/role` and `iam/managed-policy` entries write them, and
//! the checks that keep them least-privilege.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::template_string;
use crate::constructs::iam::Statement;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::Located;
use crate::template::closest;

/// The IAM condition operators, without the `ForAllValues:`/`ForAnyValue:` prefixes and
/// the `IfExists` suffix.
const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// The condition key that says which service a role may be passed to.
const PASSED_TO_SERVICE: &str = "iam:PassedToService";

/// One statement of an IAM policy.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementSpec {
    /// `allow` (the default) or `deny`.
    #[serde(default)]
    pub effect: EffectSpec,
    /// Actions, `service:Action` (`s3:GetObject`); `*` and `?` may stand for part of the
    /// name (`s3:Get*`). An `allow` statement may not allow every action (`*`) or every
    /// action of a service (`s3:*`), and `iam:PassRole` needs named roles and an
    /// `iam:PassedToService` condition.
    pub actions: Vec<Located<String>>,
    /// Resource ARNs, or `*` for actions without resource-level permissions. Pseudo
    /// parameters are substituted: `arn:${AWS::Partition}:s3:::releases/*`,
    /// `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/deployer`.
    pub resources: Vec<Located<String>>,
    /// Conditions: operator (`StringEquals`, `ArnLike`, `ForAnyValue:StringLike`,
    /// `…IfExists`) → condition key → a value or a list of values.
    #[serde(default)]
    pub conditions: IndexMap<Located<String>, IndexMap<String, Json>>,
}

/// Whether a statement allows or denies its actions.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EffectSpec {
    /// Grants the actions.
    #[default]
    Allow,
    /// Denies the actions, whatever else allows them.
    Deny,
}

/// Checks the statements and makes them typed: every problem of every statement, or the
/// statements.
pub(super) fn statements(specs: &[Located<StatementSpec>]) -> Result<Vec<Statement>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let statements: Vec<Statement> = specs
        .iter()
        .map(|spec| statement(spec, &mut diagnostics))
        .collect();
    if diagnostics.is_empty() {
        Ok(statements)
    } else {
        Err(diagnostics)
    }
}

fn statement(located: &Located<StatementSpec>, diagnostics: &mut Diagnostics) -> Statement {
    let spec = &located.value;
    let allow = spec.effect == EffectSpec::Allow;
    if spec.actions.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                "a statement needs at least one action",
            )
            .at(&located.span)
            .help("list the actions, e.g. `actions: [s3:GetObject]`"),
        );
    }
    if spec.resources.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                "a statement needs at least one resource",
            )
            .at(&located.span)
            .help("list the resource ARNs, e.g. `resources: [\"arn:${AWS::Partition}:s3:::releases/*\"]`"),
        );
    }
    for action in &spec.actions {
        if !is_action(action) {
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("`{action}` is not an IAM action"),
                )
                .at(&action.span)
                .expected("`service:Action`, e.g. `s3:GetObject` (or a pattern such as `s3:Get*`)"),
            );
        } else if allow && allows_every_action(action) {
            diagnostics.push(every_action(action));
        }
    }
    let mut conditions: IndexMap<String, IndexMap<String, Json>> = IndexMap::new();
    for (operator, keys) in &spec.conditions {
        check_operator(operator, diagnostics);
        for (key, value) in keys {
            if !is_condition_value(value) {
                diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_TYPE,
                        format!("invalid value for the condition key `{key}`"),
                    )
                    .at(&operator.span)
                    .expected("a string, number or boolean, or a list of them"),
                );
            }
        }
        conditions.insert(operator.value.clone(), keys.clone());
    }
    if allow
        && let Some(pass_role) = spec.actions.iter().find(|action| {
            !allows_every_action(action)
                && wildcard_match(&action.to_ascii_lowercase(), "iam:passrole")
        })
    {
        for resource in spec
            .resources
            .iter()
            .filter(|resource| resource.as_str() == "*")
        {
            diagnostics.push(
                Diagnostic::error(
                    codes::INSECURE_POLICY,
                    "`iam:PassRole` on `*` lets the role hand any role of the account to a service",
                )
                .at(&resource.span)
                .note("a principal that can pass a more privileged role can use its permissions")
                .help("name the roles it passes, e.g. `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/deployer`"),
            );
        }
        let passed_to_service = spec.conditions.values().any(|keys| {
            keys.keys()
                .any(|key| key.eq_ignore_ascii_case(PASSED_TO_SERVICE))
        });
        if !passed_to_service {
            diagnostics.push(
                Diagnostic::error(
                    codes::INSECURE_POLICY,
                    format!(
                        "`{pass_role}` without an `{PASSED_TO_SERVICE}` condition lets the role pass roles to any service"
                    ),
                )
                .at(&pass_role.span)
                .help(format!(
                    "add `conditions: {{ StringEquals: {{ {PASSED_TO_SERVICE}: cloudformation.amazonaws.com }} }}` with the services the roles are for"
                )),
            );
        }
    }
    let mut statement = match spec.effect {
        EffectSpec::Allow => Statement::allow(spec.actions.iter().map(|action| action.as_str())),
        EffectSpec::Deny => Statement::deny(spec.actions.iter().map(|action| action.as_str())),
    }
    .on(spec
        .resources
        .iter()
        .map(|resource| template_string(resource)));
    statement.conditions = conditions;
    statement
}

/// `*` or `service:*` (reported on their own, not as `iam:PassRole`).
fn allows_every_action(action: &str) -> bool {
    action == "*" || action.ends_with(":*")
}

/// The error for an `allow` of every action, or of every action of a service.
fn every_action(action: &Located<String>) -> Diagnostic {
    let message = match action.strip_suffix(":*") {
        Some(service) => format!("`{action}` allows every `{service}` action"),
        None => "`*` allows every action of every service".to_owned(),
    };
    Diagnostic::error(codes::INSECURE_POLICY, message)
        .at(&action.span)
        .note("cfsynth treats wildcard actions as errors: a policy allows what is needed, nothing else")
        .help("list the actions needed, e.g. `s3:GetObject`, or a narrower pattern such as `s3:Get*`")
}

/// `*`, or `service:Name` where the name may hold `*` and `?`.
fn is_action(action: &str) -> bool {
    if action == "*" {
        return true;
    }
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
}

/// Checks a condition operator: a known one, optionally with `ForAllValues:` or
/// `ForAnyValue:` before it and `IfExists` after it.
fn check_operator(operator: &Located<String>, diagnostics: &mut Diagnostics) {
    let base = operator
        .strip_prefix("ForAllValues:")
        .or_else(|| operator.strip_prefix("ForAnyValue:"))
        .unwrap_or(operator);
    let base = base.strip_suffix("IfExists").unwrap_or(base);
    if CONDITION_OPERATORS.contains(&base) {
        return;
    }
    diagnostics.push(
        Diagnostic::error(
            codes::INVALID_VALUE,
            format!("unknown condition operator `{operator}`"),
        )
        .at(&operator.span)
        .expected("an IAM condition operator such as `StringEquals`, `StringLike`, `ArnLike`, `Bool`, optionally with `ForAnyValue:`/`ForAllValues:` or `IfExists`")
        .did_you_mean(closest(base, CONDITION_OPERATORS.iter().copied())),
    );
}

/// A string, number or boolean, or a non-empty list of them.
fn is_condition_value(value: &Json) -> bool {
    let scalar = |value: &Json| matches!(value, Json::String(_) | Json::Number(_) | Json::Bool(_));
    match value {
        Json::Array(items) => !items.is_empty() && items.iter().all(scalar),
        other => scalar(other),
    }
}

/// Whether `pattern` (with `*` for any run of characters and `?` for one) matches `text`.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), text.chars().collect());
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    p = star + 1;
                    t = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_iam() {
        for (pattern, matches) in [
            ("iam:passrole", true),
            ("iam:pass*", true),
            ("iam:*role", true),
            ("iam:passrol?", true),
            ("*", true),
            ("iam:pass", false),
            ("iam:passroles", false),
            ("s3:*", false),
        ] {
            assert_eq!(
                wildcard_match(pattern, "iam:passrole"),
                matches,
                "{pattern}"
            );
        }
    }

    #[test]
    fn actions_are_service_and_name() {
        for good in [
            "*",
            "s3:GetObject",
            "s3:Get*",
            "execute-api:Invoke",
            "ec2:Describe?pc*",
        ] {
            assert!(is_action(good), "{good}");
        }
        for bad in ["", "s3", "s3:", ":Get", "s3 GetObject", "s3:Get/Object"] {
            assert!(!is_action(bad), "{bad}");
        }
    }
}
