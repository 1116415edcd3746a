//! The deploy layer's one error type.

use std::path::PathBuf;

use super::cloud::CloudError;

/// Something that stopped a deploy, a destroy or a bootstrap (or one stack of it). The
/// message says what happened and what to do; [`DeployError::help`] adds a hint where
/// there is one.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// `assembly.json` or a template cannot be read.
    #[error("cannot read `{}`: {message}", path.display())]
    Assembly {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file cannot be written (e.g. `outputs.json`).
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Bad arguments that clap cannot check (e.g. an unknown `--only` selector).
    #[error("{0}")]
    Usage(String),
    /// A call failed for good (after retries where retrying made sense).
    #[error("{0}")]
    Cloud(#[from] CloudError),
    /// The stack's partition is not the one the credentials are for.
    #[error(
        "stack `{stack}` is in partition `{stack_partition}` but the credentials are for \
         `{caller_partition}`"
    )]
    Partition {
        /// The stack.
        stack: String,
        /// Its partition.
        stack_partition: String,
        /// The credentials' partition.
        caller_partition: String,
    },
    /// A template parameter without a default and without a value.
    #[error("stack `{stack}` needs a value for parameter `{parameter}`, which has no default")]
    MissingParameter {
        /// The stack.
        stack: String,
        /// The parameter.
        parameter: String,
    },
    /// The stack exists but belongs to another cfsynth app.
    #[error("stack `{stack}` belongs to cfsynth app `{owner}`, not `{app}`: refusing to change it")]
    ForeignStack {
        /// The stack.
        stack: String,
        /// The app named by its `cfsynth:app` tag.
        owner: String,
        /// The app of this run.
        app: String,
    },
    /// The stack is in a state no change set can start from.
    #[error("stack `{stack}` is {status}{}: {explanation}", reason_suffix(.reason))]
    NotDeployable {
        /// The stack.
        stack: String,
        /// Its status.
        status: String,
        /// CloudFormation's reason for the status.
        reason: Option<String>,
        /// What it means and what to do.
        explanation: String,
    },
    /// CloudFormation could not make the change set.
    #[error("the change set for stack `{stack}` failed: {reason}")]
    ChangeSetFailed {
        /// The stack.
        stack: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// The template (or an asset) must go through the staging bucket, which is missing.
    #[error(
        "{what} must be uploaded to the bucket `{bucket}`, which does not exist in \
         {account}/{region}"
    )]
    NoStagingBucket {
        /// What needed uploading.
        what: String,
        /// The bucket.
        bucket: String,
        /// The account.
        account: String,
        /// The region.
        region: String,
    },
    /// The changes need approval and none could be asked for or given.
    #[error("stack `{stack}`: {why} need approval (--require-approval {level}), and {how}")]
    ApprovalRequired {
        /// The stack (or `prune`/`destroy`).
        stack: String,
        /// What needs approval.
        why: String,
        /// The approval level.
        level: String,
        /// Why no approval was possible.
        how: String,
    },
    /// The user said no.
    #[error("stack `{stack}`: not approved; nothing was changed")]
    Declined {
        /// The stack.
        stack: String,
    },
    /// The stack operation ended in a failed or rolled-back state.
    #[error("stack `{stack}` ended in {status}: {explanation}{}", failures_suffix(.failures))]
    StackFailed {
        /// The stack.
        stack: String,
        /// Its final status.
        status: String,
        /// What the status means.
        explanation: String,
        /// The first failing resources: (logical ID, type, status, reason).
        failures: Vec<Failure>,
    },
    /// A StackSet operation did not succeed.
    #[error("StackSet `{name}`: {message}")]
    StackSet {
        /// The StackSet.
        name: String,
        /// What happened.
        message: String,
    },
}

/// A resource that failed, from the stack events.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Failure {
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// E.g. `CREATE_FAILED`.
    pub status: String,
    /// CloudFormation's reason.
    pub reason: String,
}

fn reason_suffix(reason: &Option<String>) -> String {
    reason
        .as_ref()
        .map(|reason| format!(" ({reason})"))
        .unwrap_or_default()
}

fn failures_suffix(failures: &[Failure]) -> String {
    failures
        .iter()
        .map(|failure| {
            format!(
                "\n  {} ({}) {}: {}",
                failure.logical_id, failure.resource_type, failure.status, failure.reason
            )
        })
        .collect()
}

impl DeployError {
    /// A hint on what to do next, where there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            DeployError::Cloud(error) if error.kind == super::cloud::ErrorKind::Credentials => Some(
                "cfsynth uses the standard AWS credential chain: environment variables, \
                 --profile (with SSO), web identity, container and instance roles"
                    .to_owned(),
            ),
            DeployError::Partition { .. } => Some(
                "deploy each partition with credentials for it: --profile and --only ACCOUNT/REGION"
                    .to_owned(),
            ),
            DeployError::MissingParameter { .. } => {
                Some("pass it with --parameter STACK:NAME=VALUE".to_owned())
            }
            DeployError::NoStagingBucket {
                bucket,
                account,
                region,
                ..
            } if bucket.starts_with("cfsynth-staging-") => Some(format!(
                "run `cfsynth bootstrap --account {account} --region {region} --trust <tooling account>` once"
            )),
            DeployError::NoStagingBucket { .. } => Some(
                "a stack of the assembly creates this bucket: deploy it first (or include it in --only)"
                    .to_owned(),
            ),
            DeployError::ApprovalRequired { .. } => Some(
                "review the diff, then run again with --yes, or on a terminal to be asked"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}
