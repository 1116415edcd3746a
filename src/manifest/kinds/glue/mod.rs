//! The Glue resource entries of `kind: Stack`: `- glue/<type>: { name, … }`, each made into
//! a construct of [`crate::constructs::glue`] and able to refer to the other entries of
//! its stack by name (a job's `reads: [{ bucket: raw }]`, a trigger's `start: [{ job: … }]`).
//!
//! | key | construct |
//! |-----|-----------|
//! | `glue/database` | [`Database`](crate::constructs::glue::Database) |
//! | `glue/job` | [`Job`](crate::constructs::glue::Job) |
//! | `glue/crawler` | [`Crawler`](crate::constructs::glue::Crawler) |
//! | `glue/trigger` | [`Trigger`](crate::constructs::glue::Trigger) |
//! | `glue/workflow` | [`Workflow`](crate::constructs::glue::Workflow) |
//! | `glue/connection` | [`Connection`](crate::constructs::glue::Connection) |
//! | `glue/security-configuration` | [`SecurityConfiguration`](crate::constructs::glue::SecurityConfiguration) |
//!
//! Values that can be checked on their own (worker types, argument names, schedules, …)
//! are checked where they are written, so errors point at them; what is left is checked
//! by the constructs and reported at the entry's `name`.

mod connection;
mod crawler;
mod database;
mod job;
mod security;
mod trigger;

pub use connection::{GlueConnection, GlueConnectionSpec, JdbcSpec, NetworkSpec};
pub use crawler::{
    CrawlerJdbcSpec, CrawlerS3Spec, DeleteSpec, GlueCrawler, GlueCrawlerSpec, RecrawlSpec,
    SchemaChangeSpec, UpdateSpec,
};
pub use database::{GlueDatabase, GlueDatabaseSpec};
pub use job::{
    AccessSpec, BookmarksSpec, CatalogSpec, GlueJob, GlueJobSpec, JobTypeSpec, WorkersSpec,
};
pub use security::{GlueSecurityConfiguration, GlueSecurityConfigurationSpec};
pub use trigger::{
    ConditionSpec, GlueTrigger, GlueTriggerSpec, GlueWorkflow, GlueWorkflowSpec, RunStateSpec,
    StartSpec, WhenSpec,
};

use std::any::Any;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::app::StackId;
use crate::constructs::glue::{ArgumentCheck, DataBucket, S3Location, check_argument};
use crate::constructs::s3::{Bucket, BucketRef};
use crate::constructs::{ConstructError, Scope};
use crate::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use crate::manifest::kinds::resources::S3Bucket;
use crate::manifest::{
    BuildContext, EntryRef, Located, Origin, ResourceEntry, ResourceKind, check_kebab_case,
};

/// A prefix of a bucket: an `s3/bucket` entry of the stack (`bucket`), or a bucket created
/// elsewhere (`bucketName`).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct S3PathSpec {
    /// An `s3/bucket` entry of the stack, by its `name`; grants cover its key.
    #[serde(default)]
    pub bucket: Option<Located<String>>,
    /// The name of a bucket another stack or account creates (encrypted with SSE-S3, or
    /// with a key that trusts this account's IAM policies).
    #[serde(default)]
    pub bucket_name: Option<Located<String>>,
    /// The key prefix (`orders/`); the whole bucket when left out.
    #[serde(default)]
    pub prefix: Option<Located<String>>,
}

/// Checks an entry's `name` and gives the scope its construct goes in (the stack's root,
/// then the name) and the origin of the resources it adds (the name).
fn scope_of<S>(
    entry: &ResourceEntry<S>,
    name: &Located<String>,
) -> Result<(Scope, Origin), Diagnostics> {
    check_kebab_case(name, "resource name")?;
    Ok((Scope::root(entry.stack).child(name), Origin::at(&name.span)))
}

/// An error at a value.
fn error_at(span: &Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::INVALID_VALUE, message).at(span)
}

/// A construct's error at the entry's name, without the construct path (the position
/// says which entry it is).
fn construct_error(error: &ConstructError, name: &Located<String>) -> Diagnostic {
    let message = match error {
        ConstructError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    error_at(&name.span, message)
}

/// Collects the constructs an entry refers to. A reference to an entry that has errors of
/// its own (already reported) blocks the entry without another error.
struct Refs<'c, 'r> {
    cx: &'c BuildContext<'r>,
    stack: StackId,
    diagnostics: Diagnostics,
    blocked: bool,
}

impl<'c, 'r> Refs<'c, 'r> {
    fn new(cx: &'c BuildContext<'r>, stack: StackId) -> Refs<'c, 'r> {
        Refs {
            cx,
            stack,
            diagnostics: Diagnostics::new(),
            blocked: false,
        }
    }

    /// The construct the `kind` entry called `name` published.
    fn get<T: Any + Clone>(&mut self, kind: &'static str, name: &Located<String>) -> Option<T> {
        match self.cx.resolve::<T>(self.stack, &EntryRef::new(kind, name)) {
            Ok(found) => Some(found),
            Err(errors) => {
                if errors.is_empty() {
                    self.blocked = true;
                }
                self.diagnostics.extend(errors);
                None
            }
        }
    }

    /// Whether every reference was resolved.
    fn complete(&self) -> bool {
        !self.blocked && self.diagnostics.is_empty()
    }
}

/// The `s3/bucket` entries a path refers to.
fn path_references<'a>(bucket: Option<&'a Located<String>>) -> impl Iterator<Item = EntryRef<'a>> {
    bucket
        .into_iter()
        .map(|bucket| EntryRef::new(<S3Bucket as ResourceKind>::KEY, bucket))
}

/// The S3 location a path names: exactly one of `bucket` and `bucketName`, and a prefix
/// without wildcards. `at` locates the error when neither bucket is given.
fn location(
    refs: &mut Refs<'_, '_>,
    diagnostics: &mut Diagnostics,
    at: &Span,
    bucket: Option<&Located<String>>,
    bucket_name: Option<&Located<String>>,
    prefix: Option<&Located<String>>,
) -> Option<S3Location> {
    let prefix_text = prefix.map_or("", |prefix| prefix.as_str());
    if let Some(prefix) = prefix
        && let Err(message) = crate::constructs::glue::check_prefix(prefix)
    {
        diagnostics.push(error_at(&prefix.span, message));
    }
    let bucket: DataBucket = match (bucket, bucket_name) {
        (Some(_), Some(name)) => {
            diagnostics.push(
                error_at(&name.span, "a path is in one bucket: give `bucket` or `bucketName`, not both")
                    .help("`bucket` names an `s3/bucket` entry of this stack, `bucketName` a bucket created elsewhere"),
            );
            return None;
        }
        (None, None) => {
            diagnostics.push(error_at(at, "a path needs a bucket").expected(
                "`bucket: <s3/bucket entry>` or `bucketName: <bucket created elsewhere>`",
            ));
            return None;
        }
        (Some(entry), None) => refs
            .get::<Bucket>(<S3Bucket as ResourceKind>::KEY, entry)?
            .into(),
        (None, Some(name)) => BucketRef::new(name.value.clone()).into(),
    };
    Some(S3Location::new(bucket, prefix_text))
}

/// Checks argument names where they are written: errors for invalid ones, warnings for
/// those worth a second look.
fn check_arguments<'a>(
    keys: impl IntoIterator<Item = &'a Located<String>>,
    diagnostics: &mut Diagnostics,
) {
    for key in keys {
        match check_argument(key) {
            ArgumentCheck::Valid => {}
            ArgumentCheck::Warning(message) => {
                diagnostics.push(Diagnostic::warning(codes::INVALID_VALUE, message).at(&key.span));
            }
            ArgumentCheck::Invalid(message) => diagnostics.push(error_at(&key.span, message)),
        }
    }
}

/// Arguments as the constructs take them.
fn arguments(written: &IndexMap<Located<String>, String>) -> IndexMap<String, String> {
    written
        .iter()
        .map(|(key, value)| (key.value.clone(), value.clone()))
        .collect()
}

/// Checks a schedule where it is written.
fn check_cron(schedule: Option<&Located<String>>, diagnostics: &mut Diagnostics) {
    if let Some(schedule) = schedule
        && let Err(message) = crate::constructs::glue::check_schedule(schedule)
    {
        diagnostics.push(error_at(&schedule.span, message));
    }
}
