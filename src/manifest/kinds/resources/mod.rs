//! Typed resource entries of `kind: Stack`: `- <service>/<type>: { name, … }`, each made
//! into a construct of [`crate::constructs`] (secure by default), named after its `name`
//! (`name: build-cache` → logical IDs `BuildCache…`), and able to refer to other entries
//! of its stack by name (a bucket's `key`, a policy's `roles`).
//!
//! | key | construct |
//! |-----|-----------|
//! | `iam/role` | [`Role`](crate::constructs::iam::Role) |
//! | `iam/managed-policy` | [`ManagedPolicy`](crate::constructs::iam::ManagedPolicy) |
//! | `kms/key` | [`Key`](crate::constructs::kms::Key) |
//! | `s3/bucket` | [`Bucket`](crate::constructs::s3::Bucket) |
//! | `sns/topic` | [`Topic`](crate::constructs::sns::Topic) |
//! | `codebuild/project` | [`Project`](crate::constructs::codebuild::Project) |

mod bucket;
mod key;
mod managed_policy;
mod policy;
mod project;
mod role;
mod topic;

pub use bucket::{BucketEncryptionSpec, BucketSpec, LifecycleSpec, S3Bucket};
pub use key::{KeySpec, KmsKey};
pub use managed_policy::{IamManagedPolicy, ManagedPolicySpec};
pub use policy::{EffectSpec, StatementSpec};
pub use project::{
    CodeBuildProject, ParameterEnvSpec, ProjectCacheSpec, ProjectEnvValue, ProjectReportSpec,
    ProjectSpec, ProjectVpcSpec, ReportFormatSpec, SecretEnvSpec,
};
pub(crate) use project::{env_var, image_and_compute};
pub(crate) use role::is_role_name;
pub use role::{IamRole, RoleSpec};
pub use topic::{SnsTopic, TopicSpec};

use crate::constructs::{ConstructError, Scope};
use crate::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use crate::manifest::{Located, Origin, ResourceEntry, check_kebab_case};
use crate::template::{Val, sub};

/// Checks an entry's `name` and gives the scope its construct goes in (the stack's root,
/// then the name) and the origin of the resources it adds (the name).
fn scope_of<S>(
    entry: &ResourceEntry<S>,
    name: &Located<String>,
) -> Result<(Scope, Origin), Diagnostics> {
    check_kebab_case(name, "resource name")?;
    Ok((Scope::root(entry.stack).child(name), Origin::at(&name.span)))
}

/// A construct's error at the place in the entry it is about, without the construct path
/// (the position says which entry it is).
pub(crate) fn construct_error(error: &ConstructError, span: &Span) -> Diagnostic {
    let message = match error {
        ConstructError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    Diagnostic::error(codes::INVALID_VALUE, message).at(span)
}

/// An error at a value, saying what would be valid.
fn invalid(value: &Located<impl std::fmt::Display>, message: String, expected: &str) -> Diagnostic {
    Diagnostic::error(codes::INVALID_VALUE, message)
        .at(&value.span)
        .expected(expected)
}

/// Checks that an optional text has at most `max` characters.
fn check_length(
    text: Option<&Located<String>>,
    what: &str,
    max: usize,
    diagnostics: &mut Diagnostics,
) {
    if let Some(text) = text
        && text.chars().count() > max
    {
        diagnostics.push(invalid(
            text,
            format!("the {what} has {} characters", text.chars().count()),
            &format!("at most {max} characters"),
        ));
    }
}

/// A string of a policy or ARN as written: `${AWS::Partition}`, `${AWS::Region}`,
/// `${AWS::AccountId}` (any `${AWS::…}` pseudo parameter) make it an `Fn::Sub` in which
/// every other `${` (IAM policy variables such as `${aws:username}`) stays literal.
fn template_string(text: &str) -> Val<String> {
    if !text.contains("${AWS::") {
        return Val::Lit(text.to_owned());
    }
    let mut template = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        template.push_str(&rest[..at]);
        let tail = &rest[at..];
        template.push_str(if tail.starts_with("${AWS::") {
            "${"
        } else {
            "${!"
        });
        rest = &tail[2..];
    }
    template.push_str(rest);
    Val::Expr(sub(template))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pseudo_parameters_make_a_sub_that_keeps_policy_variables() {
        assert_eq!(
            template_string("arn:aws:s3:::b/${aws:username}"),
            Val::Lit("arn:aws:s3:::b/${aws:username}".to_owned())
        );
        let Val::Expr(expr) = template_string("arn:${AWS::Partition}:s3:::b/${aws:username}/*")
        else {
            panic!("expected an Fn::Sub");
        };
        assert_eq!(
            expr.into_node(),
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::b/${!aws:username}/*"})
        );
    }
}
