//! Build environment variables: plaintext values, Parameter Store parameters and Secrets
//! Manager secrets, and the exact read permissions the references need.

use crate::constructs::ConstructError;
use crate::constructs::iam::Statement;
use crate::l1::code_build::project::EnvironmentVariable;
use crate::template::{Val, sub};

/// One environment variable of the build environment.
#[derive(Clone, PartialEq, Debug)]
pub struct EnvVar {
    /// The variable name: letters, digits and `_`, not starting with a digit nor with the
    /// reserved `CODEBUILD_` prefix.
    pub name: String,
    /// Where its value comes from.
    pub value: EnvValue,
}

/// Where an environment variable's value comes from.
#[derive(Clone, PartialEq, Debug)]
pub enum EnvValue {
    /// A value stored in the project definition, readable by anyone who can read the
    /// project. Never put secrets here.
    Plaintext(Val<String>),
    /// A Systems Manager Parameter Store parameter, by name (`/app/db-host` or `db-host`)
    /// or by ARN. The role may read exactly this parameter.
    Parameter(String),
    /// A Secrets Manager secret. The role may read exactly this secret.
    Secret(SecretRef),
}

impl EnvVar {
    /// A plaintext variable.
    pub fn plaintext(name: impl Into<String>, value: impl Into<Val<String>>) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: EnvValue::Plaintext(value.into()),
        }
    }

    /// A variable read from a Parameter Store parameter.
    pub fn parameter(name: impl Into<String>, parameter: impl Into<String>) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: EnvValue::Parameter(parameter.into()),
        }
    }

    /// A variable read from a Secrets Manager secret.
    pub fn secret(name: impl Into<String>, secret: SecretRef) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: EnvValue::Secret(secret),
        }
    }
}

/// A reference to a Secrets Manager secret as CodeBuild reads it:
/// `secret-id:json-key:version-stage:version-id`, everything after the id optional.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct SecretRef {
    /// The secret's name (`prod/db`) or full ARN.
    pub secret_id: String,
    /// The key to read from a JSON secret; the whole secret string when `None`.
    pub json_key: Option<String>,
    /// The version stage (`AWSCURRENT` when neither stage nor id is given).
    pub version_stage: Option<String>,
    /// The version id.
    pub version_id: Option<String>,
}

impl SecretRef {
    /// The whole current value of the secret `secret_id`.
    pub fn new(secret_id: impl Into<String>) -> SecretRef {
        SecretRef {
            secret_id: secret_id.into(),
            ..SecretRef::default()
        }
    }

    /// Reads the key `json_key` of a JSON secret.
    pub fn key(mut self, json_key: impl Into<String>) -> SecretRef {
        self.json_key = Some(json_key.into());
        self
    }

    /// Parses CodeBuild's `secret-id:json-key:version-stage:version-id` form. A secret id
    /// that is an ARN keeps its own colons (`arn:aws:secretsmanager:…:secret:name-AbCdEf`).
    pub fn parse(text: &str) -> SecretRef {
        let (secret_id, rest) = if text.starts_with("arn:") {
            // An ARN has seven colon-separated fields; what follows is the reference.
            let mut fields = text.splitn(8, ':');
            let arn: Vec<&str> = fields.by_ref().take(7).collect();
            (arn.join(":"), fields.next().unwrap_or(""))
        } else {
            match text.split_once(':') {
                Some((id, rest)) => (id.to_owned(), rest),
                None => (text.to_owned(), ""),
            }
        };
        let mut parts = rest.splitn(3, ':');
        let mut next = || {
            parts
                .next()
                .filter(|part| !part.is_empty())
                .map(str::to_owned)
        };
        SecretRef {
            secret_id,
            json_key: next(),
            version_stage: next(),
            version_id: next(),
        }
    }

    /// The value CodeBuild expects: the reference without trailing empty fields.
    pub fn value(&self) -> String {
        let mut parts = vec![
            self.secret_id.as_str(),
            self.json_key.as_deref().unwrap_or(""),
            self.version_stage.as_deref().unwrap_or(""),
            self.version_id.as_deref().unwrap_or(""),
        ];
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        parts.join(":")
    }

    /// The secret's ARN for the role's policy: a full ARN as given, else the name's ARN in
    /// the stack's account and region with `-??????` for the random suffix Secrets Manager
    /// appends (the wildcard matches exactly six characters, not other secrets).
    pub fn arn(&self) -> Val<String> {
        secret_arn(&self.secret_id)
    }
}

/// The ARN pattern of a secret given by name or ARN (see [`SecretRef::arn`]).
pub(super) fn secret_arn(secret_id: &str) -> Val<String> {
    if secret_id.starts_with("arn:") {
        Val::Lit(secret_id.to_owned())
    } else {
        Val::Expr(sub(format!(
            "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{secret_id}-??????"
        )))
    }
}

/// The ARN of a Parameter Store parameter given by name (with or without the leading `/`)
/// or ARN.
pub(super) fn parameter_arn(name: &str) -> Val<String> {
    if name.starts_with("arn:") {
        Val::Lit(name.to_owned())
    } else {
        let name = name.trim_start_matches('/');
        Val::Expr(sub(format!(
            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{name}"
        )))
    }
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_valid_parameter_name(name: &str) -> bool {
    name.starts_with("arn:")
        || (!name.trim_start_matches('/').is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c)))
}

fn is_valid_secret_id(id: &str) -> bool {
    id.starts_with("arn:")
        || id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
}

/// Checks names (present, well-formed, not reserved, unique) and references.
pub(super) fn validate(path: &str, vars: &[EnvVar]) -> Result<(), ConstructError> {
    let invalid = |message: String| Err(ConstructError::invalid(path, message));
    for (index, var) in vars.iter().enumerate() {
        let name = &var.name;
        if name.is_empty() {
            return invalid(format!(
                "environment variable #{} has an empty name; give it a name of letters, digits and `_`",
                index + 1
            ));
        }
        if !is_valid_name(name) {
            return invalid(format!(
                "environment variable name `{name}` is not valid: use letters, digits and `_`, \
                 not starting with a digit"
            ));
        }
        if name.starts_with("CODEBUILD_") {
            return invalid(format!(
                "environment variable `{name}` uses the prefix `CODEBUILD_`, which CodeBuild \
                 reserves for its own variables; choose another name"
            ));
        }
        if vars[..index].iter().any(|earlier| earlier.name == *name) {
            return invalid(format!(
                "environment variable `{name}` is defined twice; each name may appear once"
            ));
        }
        match &var.value {
            EnvValue::Plaintext(_) => {}
            EnvValue::Parameter(parameter) if !is_valid_parameter_name(parameter) => {
                return invalid(format!(
                    "environment variable `{name}` refers to the parameter `{parameter}`, which \
                     is not a valid Parameter Store name: use letters, digits and `_.-/` (e.g. \
                     `/app/db-host`), or the parameter's ARN"
                ));
            }
            EnvValue::Parameter(_) => {}
            EnvValue::Secret(secret) if secret.secret_id.is_empty() => {
                return invalid(format!(
                    "environment variable `{name}` refers to a secret without a secret-id; \
                     write `<secret-id>` or `<secret-id>:<json-key>` (e.g. `prod/db:password`)"
                ));
            }
            EnvValue::Secret(secret) if !is_valid_secret_id(&secret.secret_id) => {
                return invalid(format!(
                    "environment variable `{name}` refers to the secret `{}`, which is not a \
                     valid secret name: use letters, digits and `/_+=.@-`, or the secret's ARN",
                    secret.secret_id
                ));
            }
            EnvValue::Secret(_) => {}
        }
    }
    Ok(())
}

/// The L1 environment variables.
pub(super) fn to_l1(vars: &[EnvVar]) -> Vec<Val<EnvironmentVariable>> {
    vars.iter()
        .map(|var| {
            let (kind, value) = match &var.value {
                EnvValue::Plaintext(value) => ("PLAINTEXT", value.clone()),
                EnvValue::Parameter(name) => ("PARAMETER_STORE", Val::Lit(name.clone())),
                EnvValue::Secret(secret) => ("SECRETS_MANAGER", Val::Lit(secret.value())),
            };
            let mut variable = EnvironmentVariable::new(var.name.clone(), value);
            variable.r#type = Some(Val::Lit(kind.to_owned()));
            Val::Lit(variable)
        })
        .collect()
}

/// The statements that let the role read exactly the referenced parameters and secrets
/// (plus `extra_secrets`, e.g. a registry credential).
pub(super) fn read_statements(vars: &[EnvVar], extra_secrets: &[Val<String>]) -> Vec<Statement> {
    let mut parameters: Vec<Val<String>> = Vec::new();
    let mut secrets: Vec<Val<String>> = extra_secrets.to_vec();
    for var in vars {
        match &var.value {
            EnvValue::Plaintext(_) => {}
            EnvValue::Parameter(name) => parameters.push(parameter_arn(name)),
            EnvValue::Secret(secret) => secrets.push(secret.arn()),
        }
    }
    let mut statements = Vec::new();
    for (action, mut arns) in [
        ("ssm:GetParameters", parameters),
        ("secretsmanager:GetSecretValue", secrets),
    ] {
        dedup(&mut arns);
        if !arns.is_empty() {
            statements.push(Statement::allow([action]).on(arns));
        }
    }
    statements
}

fn dedup(values: &mut Vec<Val<String>>) {
    let mut seen: Vec<Val<String>> = Vec::with_capacity(values.len());
    values.retain(|value| {
        let fresh = !seen.contains(value);
        if fresh {
            seen.push(value.clone());
        }
        fresh
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_references_parse_and_print_in_codebuild_form() {
        let plain = SecretRef::parse("prod/db:password");
        assert_eq!(plain, SecretRef::new("prod/db").key("password"));
        assert_eq!(plain.value(), "prod/db:password");
        assert_eq!(SecretRef::parse("prod/db").value(), "prod/db");
        let staged = SecretRef::parse("prod/db::AWSPREVIOUS");
        assert_eq!(staged.json_key, None);
        assert_eq!(staged.version_stage.as_deref(), Some("AWSPREVIOUS"));
        assert_eq!(staged.value(), "prod/db::AWSPREVIOUS");
        let arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-AbCdEf";
        let by_arn = SecretRef::parse(&format!("{arn}:password"));
        assert_eq!(by_arn.secret_id, arn);
        assert_eq!(by_arn.json_key.as_deref(), Some("password"));
        assert_eq!(by_arn.arn(), Val::Lit(arn.to_owned()));
        assert_eq!(SecretRef::parse(":password").secret_id, "");
    }

    #[test]
    fn parameter_arns_drop_the_leading_slash() {
        assert_eq!(
            parameter_arn("/app/db-host"),
            Val::Expr(sub(
                "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/app/db-host"
            ))
        );
        assert_eq!(parameter_arn("plain"), parameter_arn("/plain"));
    }
}
