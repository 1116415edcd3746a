//! The `glue/job` resource entry.

use std::path::Path;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::connection::GlueConnection;
use super::database::GlueDatabase;
use super::security::GlueSecurityConfiguration;
use super::{
    Refs, S3PathSpec, arguments, check_arguments, construct_error, error_at, location,
    path_references, scope_of,
};
use crate::constructs::glue::{
    Access, BOTH_WORKERS_AND_CAPACITY, Bookmarks, CatalogAccess, Connection, Database, Job,
    JobProps, JobScript, JobType, SecurityConfiguration, WorkerType, Workers, check_capacity,
    check_flex, check_timeout,
};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::manifest::{BuildContext, EntryRef, Located, ResourceEntry, ResourceKind};
use crate::template::closest;

/// A Glue job with a role of its own that may do exactly what the entry declares: read
/// its script, read `reads`, read and write `writes`, use the `catalog` tables, its
/// connections and security configuration, and write its logs. Logical IDs `<Name>Job`,
/// `<Name>JobRole` and `<Name>JobRoleDefaultPolicy`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlueJobSpec {
    /// The entry's name in the stack, kebab-case; triggers refer to it by it. The job's
    /// name is the stack name and this name (`data-lake-dev-conform-orders`).
    pub name: Located<String>,
    /// What the job does.
    #[serde(default)]
    pub description: Option<String>,
    /// `spark` (the default), `python-shell` or `streaming`.
    #[serde(default, rename = "type")]
    pub job_type: Option<Located<JobTypeSpec>>,
    /// The Glue version: `3.0`, `4.0` or `5.0` (the default) for Spark jobs, `3.0` for
    /// Python shell jobs.
    #[serde(default)]
    pub glue_version: Option<Located<String>>,
    /// The script: a `.py` (or, for Spark, `.scala`) file relative to this manifest,
    /// uploaded before the stack deploys to `assets/<sha256>.<ext>` in the asset bucket;
    /// or an object already in S3, `s3://<bucket>/<key>`.
    pub script: Located<String>,
    /// The bucket a local script is uploaded to (SSE-S3, in the stack's account and
    /// region). Default: `cfsynth-assets-<account>-<region>`.
    #[serde(default)]
    pub asset_bucket: Option<Located<String>>,
    /// The workers of a Spark job: `{ type: G.1X, count: 2 }` (the default; two `G.025X`
    /// for streaming). Not with `capacity`.
    #[serde(default)]
    pub workers: Option<Located<WorkersSpec>>,
    /// The capacity of a Python shell job in DPUs: `0.0625` (the default) or `1`. Not with
    /// `workers`.
    #[serde(default)]
    pub capacity: Option<Located<f64>>,
    /// Default arguments, `--name: value`; the script reads them with
    /// `getResolvedOptions`. Names Glue uses internally are rejected.
    #[serde(default)]
    pub arguments: IndexMap<Located<String>, String>,
    /// S3 prefixes the job reads.
    #[serde(default)]
    pub reads: Vec<Located<S3PathSpec>>,
    /// S3 prefixes the job writes (and reads).
    #[serde(default)]
    pub writes: Vec<Located<S3PathSpec>>,
    /// Data Catalog tables the job uses.
    #[serde(default)]
    pub catalog: Vec<Located<CatalogSpec>>,
    /// `glue/connection` entries of the stack.
    #[serde(default)]
    pub connections: Vec<Located<String>>,
    /// A `glue/security-configuration` entry of the stack.
    #[serde(default)]
    pub security_configuration: Option<Located<String>>,
    /// Job bookmarks (Spark jobs): `enable`, `disable` or `pause`. Default: Glue's
    /// (disabled).
    #[serde(default)]
    pub bookmarks: Option<Located<BookmarksSpec>>,
    /// At most this many runs at once (default 1).
    #[serde(default)]
    pub max_concurrent_runs: Option<Located<u32>>,
    /// A run's time limit in minutes (1 to 10080).
    #[serde(default)]
    pub timeout: Option<Located<u32>>,
    /// How many times a failed run is retried (default 0).
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// Run on spare capacity (cheaper, may start later): Spark jobs with G.1X or G.2X
    /// workers.
    #[serde(default)]
    pub flex: Option<Located<bool>>,
}

/// What a job runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum JobTypeSpec {
    /// Apache Spark ETL (`glueetl`).
    Spark,
    /// A Python script on one machine (`pythonshell`).
    PythonShell,
    /// Spark Structured Streaming, running continuously (`gluestreaming`).
    Streaming,
}

impl From<JobTypeSpec> for JobType {
    fn from(spec: JobTypeSpec) -> Self {
        match spec {
            JobTypeSpec::Spark => JobType::Spark,
            JobTypeSpec::PythonShell => JobType::PythonShell,
            JobTypeSpec::Streaming => JobType::Streaming,
        }
    }
}

/// The workers of a Spark job.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkersSpec {
    /// The worker type: `G.1X`, `G.2X`, `G.4X`, `G.8X`; `G.12X`, `G.16X`, `R.1X` to
    /// `R.8X` on Glue 4.0 and later; `G.025X` for streaming jobs.
    #[serde(rename = "type")]
    pub worker_type: Located<String>,
    /// How many (at least 2: a driver and an executor).
    pub count: Located<u32>,
}

/// Job bookmarks.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BookmarksSpec {
    /// Process only data that is new since the last successful run.
    Enable,
    /// Process everything every run.
    Disable,
    /// Process new data without moving the bookmark.
    Pause,
}

/// Tables of a database a job uses.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CatalogSpec {
    /// A `glue/database` entry of the stack.
    #[serde(default)]
    pub database: Option<Located<String>>,
    /// Or the name of a database created elsewhere.
    #[serde(default)]
    pub database_name: Option<Located<String>>,
    /// The tables; every table of the database when left out.
    #[serde(default)]
    pub tables: Vec<String>,
    /// `read` (the default) or `read-write` (also create and update tables and
    /// partitions).
    #[serde(default)]
    pub access: AccessSpec,
}

/// Read only, or read and write.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AccessSpec {
    /// Read.
    #[default]
    Read,
    /// Read and write.
    ReadWrite,
}

/// The `glue/job` resource entry.
pub struct GlueJob;

impl ResourceKind for GlueJob {
    type Spec = GlueJobSpec;
    const KEY: &'static str = "glue/job";

    fn name(spec: &GlueJobSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &GlueJobSpec) -> Vec<EntryRef<'_>> {
        let paths = spec
            .reads
            .iter()
            .chain(&spec.writes)
            .flat_map(|path| path_references(path.bucket.as_ref()));
        let databases = spec
            .catalog
            .iter()
            .filter_map(|catalog| catalog.database.as_ref())
            .map(|database| EntryRef::new(GlueDatabase::KEY, database));
        let connections = spec
            .connections
            .iter()
            .map(|connection| EntryRef::new(GlueConnection::KEY, connection));
        let configuration = spec
            .security_configuration
            .iter()
            .map(|name| EntryRef::new(GlueSecurityConfiguration::KEY, name));
        paths
            .chain(databases)
            .chain(connections)
            .chain(configuration)
            .collect()
    }

    fn build(&self, entry: &ResourceEntry<GlueJobSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        let job_type = spec
            .job_type
            .as_ref()
            .map_or(JobType::Spark, |job_type| job_type.value.into());
        let version = match &spec.glue_version {
            Some(version) => {
                if let Err(message) = job_type.check_glue_version(version) {
                    diagnostics.push(error_at(&version.span, message));
                }
                version.value.clone()
            }
            None => job_type.default_glue_version().to_owned(),
        };
        let workers = check_capacity_fields(spec, job_type, &version, &mut diagnostics);
        check_arguments(spec.arguments.keys(), &mut diagnostics);
        let script = script(spec, job_type, &mut diagnostics);
        if let Some(bookmarks) = &spec.bookmarks
            && let Err(message) = job_type.check_bookmarks()
        {
            diagnostics.push(error_at(&bookmarks.span, message));
        }
        if let Some(flex) = spec.flex.as_ref().filter(|flex| flex.value)
            && let Err(message) = check_flex(job_type, workers.or(job_type.default_workers()))
        {
            diagnostics.push(error_at(&flex.span, message));
        }
        if let Some(timeout) = &spec.timeout
            && let Err(message) = check_timeout(timeout.value)
        {
            diagnostics.push(error_at(&timeout.span, message));
        }
        if let Some(runs) = spec
            .max_concurrent_runs
            .as_ref()
            .filter(|runs| runs.value == 0)
        {
            diagnostics.push(error_at(
                &runs.span,
                "a job allows at least 1 run at a time",
            ));
        }

        let mut refs = Refs::new(cx, entry.stack);
        let mut paths = |written: &[Located<S3PathSpec>], diagnostics: &mut Diagnostics| {
            written
                .iter()
                .filter_map(|path| {
                    location(
                        &mut refs,
                        diagnostics,
                        &path.span,
                        path.bucket.as_ref(),
                        path.bucket_name.as_ref(),
                        path.prefix.as_ref(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let reads = paths(&spec.reads, &mut diagnostics);
        let writes = paths(&spec.writes, &mut diagnostics);
        let mut catalog = Vec::with_capacity(spec.catalog.len());
        for written in &spec.catalog {
            let access = match written.access {
                AccessSpec::Read => Access::Read,
                AccessSpec::ReadWrite => Access::ReadWrite,
            };
            match (&written.database, &written.database_name) {
                (Some(database), None) => {
                    if let Some(database) = refs.get::<Database>(GlueDatabase::KEY, database) {
                        catalog.push(CatalogAccess::new(&database, &written.tables, access));
                    }
                }
                (None, Some(name)) => {
                    catalog.push(CatalogAccess::named(name.value.clone(), &written.tables, access));
                }
                (Some(_), Some(name)) => diagnostics.push(error_at(
                    &name.span,
                    "give `database` (a `glue/database` entry) or `databaseName` (a database created elsewhere), not both",
                )),
                (None, None) => diagnostics.push(
                    error_at(&written.span, "a `catalog` item needs a database")
                        .expected("`database: <glue/database entry>` or `databaseName: <name>`"),
                ),
            }
        }
        let connections: Vec<Connection> = spec
            .connections
            .iter()
            .filter_map(|name| refs.get(GlueConnection::KEY, name))
            .collect();
        let security_configuration = spec.security_configuration.as_ref().and_then(|name| {
            refs.get::<SecurityConfiguration>(GlueSecurityConfiguration::KEY, name)
        });
        let complete = refs.complete();
        diagnostics.extend(refs.diagnostics);
        let Some(script) = script else {
            return diagnostics;
        };
        if !complete || diagnostics.has_errors() {
            return diagnostics;
        }

        let mut props = JobProps::new(job_type, script);
        props.description = spec.description.clone();
        props.glue_version = Some(version);
        props.workers = workers;
        props.max_capacity = spec.capacity.as_ref().map(|capacity| capacity.value);
        props.arguments = arguments(&spec.arguments);
        props.reads = reads;
        props.writes = writes;
        props.catalog = catalog;
        props.connections = connections;
        props.security_configuration = security_configuration;
        props.bookmarks = spec
            .bookmarks
            .as_ref()
            .map(|bookmarks| match bookmarks.value {
                BookmarksSpec::Enable => Bookmarks::Enable,
                BookmarksSpec::Disable => Bookmarks::Disable,
                BookmarksSpec::Pause => Bookmarks::Pause,
            });
        props.max_concurrent_runs = spec.max_concurrent_runs.as_ref().map(|runs| runs.value);
        props.timeout_minutes = spec.timeout.as_ref().map(|timeout| timeout.value);
        props.max_retries = spec.max_retries;
        props.flex = spec.flex.as_ref().is_some_and(|flex| flex.value);
        match cx.construct(&scope, origin, |app| Job::new(app, &scope, props)) {
            Ok(job) => cx.publish(entry, &spec.name, job),
            Err(error) => diagnostics.push(construct_error(&error, &spec.name)),
        }
        diagnostics
    }
}

/// Checks `workers` and `capacity` where they are written; returns the workers.
fn check_capacity_fields(
    spec: &GlueJobSpec,
    job_type: JobType,
    version: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Workers> {
    if let (Some(workers), Some(capacity)) = (&spec.workers, &spec.capacity) {
        diagnostics.push(
            error_at(&capacity.span, BOTH_WORKERS_AND_CAPACITY)
                .note(format!("the workers are given at {}", workers.span))
                .help(match job_type {
                    JobType::PythonShell => "remove `workers`: Python shell jobs have a capacity",
                    JobType::Spark | JobType::Streaming => {
                        "remove `capacity`: Spark jobs on Glue 2.0 and later have workers"
                    }
                }),
        );
        return None;
    }
    if let Some(capacity) = &spec.capacity
        && let Err(message) = check_capacity(job_type, capacity.value)
    {
        diagnostics.push(error_at(&capacity.span, message));
    }
    let written = spec.workers.as_ref()?;
    let name = &written.worker_type;
    let Some(worker_type) = WorkerType::parse(name) else {
        let valid: Vec<&str> = WorkerType::valid_for(job_type, version)
            .iter()
            .map(|worker| worker.as_str())
            .collect();
        let mut diagnostic = error_at(&name.span, format!("unknown worker type `{name}`"));
        diagnostic = if valid.is_empty() {
            diagnostic.help("Python shell jobs have a `capacity`, not workers")
        } else {
            diagnostic
                .expected(format!("one of {}", valid.join(", ")))
                .did_you_mean(closest(name, valid.iter().copied()))
        };
        diagnostics.push(diagnostic);
        return None;
    };
    let workers = Workers::new(worker_type, written.count.value);
    if let Err(message) = workers.check(job_type, version) {
        let span = if job_type != JobType::PythonShell && workers.count < 2 {
            &written.count.span
        } else if job_type == JobType::PythonShell {
            &written.span
        } else {
            &name.span
        };
        diagnostics.push(error_at(span, message));
        return None;
    }
    Some(workers)
}

/// The script: an S3 URI, or a file relative to the manifest that must exist.
fn script(
    spec: &GlueJobSpec,
    job_type: JobType,
    diagnostics: &mut Diagnostics,
) -> Option<JobScript> {
    let written = &spec.script;
    let file_name = written.rsplit('/').next().unwrap_or(written);
    let extension = file_name
        .rsplit_once('.')
        .map_or("", |(_, extension)| extension);
    let class = spec.arguments.keys().any(|key| key.as_str() == "--class");
    if let Err(message) = job_type.check_script(extension, class) {
        diagnostics.push(error_at(&written.span, message));
        return None;
    }
    if let Some(object) = written.strip_prefix("s3://") {
        if !object
            .split_once('/')
            .is_some_and(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
        {
            diagnostics.push(
                error_at(
                    &written.span,
                    format!("`{written}` is not an S3 object URI"),
                )
                .expected("`s3://<bucket>/<key>`"),
            );
            return None;
        }
        if let Some(bucket) = &spec.asset_bucket {
            diagnostics.push(
                error_at(
                    &bucket.span,
                    "an S3 script is not uploaded: `assetBucket` is for local scripts",
                )
                .help("remove `assetBucket`"),
            );
        }
        return Some(JobScript::s3(written.value.clone()));
    }
    let manifest_dir = Path::new(&*written.span.file)
        .parent()
        .unwrap_or_else(|| Path::new(""));
    let path = manifest_dir.join(&written.value);
    if !path.is_file() {
        diagnostics.push(
            Diagnostic::error(
                crate::diagnostics::codes::INVALID_VALUE,
                format!(
                    "the script `{written}` is not a file (looked for `{}`)",
                    path.display()
                ),
            )
            .at(&written.span)
            .expected("a file relative to this manifest, or `s3://<bucket>/<key>`"),
        );
        return None;
    }
    Some(JobScript::File {
        path,
        bucket: spec
            .asset_bucket
            .as_ref()
            .map(|bucket| bucket.value.clone()),
    })
}
