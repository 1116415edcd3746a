//! Glue jobs: Spark ETL, Python shell and Spark streaming, each with a least-privilege
//! role of its own.

use std::fmt;
use std::path::PathBuf;

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use super::connection::Connection;
use super::data::{Access, CatalogAccess, S3Location};
use super::security::SecurityConfiguration;
use super::{
    GLUE_SERVICE, check_name, construct_path, default_name, escape_sub, glue_arn, log_group_arn,
};
use crate::app::{App, Asset, AssetKind, ResourceHandle};
use crate::constructs::iam::{Grantee, Principal, Role, RoleProps, Statement};
use crate::constructs::servicecatalog::{asset_bucket_name, asset_stack};
use crate::constructs::{ConstructError, Scope};
use crate::l1::glue::job as l1;
use crate::template::{Expr, Resource, Val, sub};

/// The capacities (DPUs) a Python shell job can have.
pub const PYTHON_SHELL_CAPACITIES: [f64; 2] = [0.0625, 1.0];

/// The longest job run Glue allows, in minutes (7 days).
pub const MAX_TIMEOUT_MINUTES: u32 = 10_080;

/// What a job runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum JobType {
    /// An Apache Spark ETL job (`glueetl`).
    Spark,
    /// A Python script on a single machine (`pythonshell`).
    PythonShell,
    /// An Apache Spark Structured Streaming job (`gluestreaming`) that runs continuously.
    Streaming,
}

impl JobType {
    /// The job command name.
    pub fn command(self) -> &'static str {
        match self {
            JobType::Spark => "glueetl",
            JobType::PythonShell => "pythonshell",
            JobType::Streaming => "gluestreaming",
        }
    }

    /// The Glue versions cfsynth deploys jobs of this type with, oldest first (Glue 2.0
    /// and earlier have reached end of support; Python shell jobs run Python 3.9 on
    /// Glue 3.0).
    pub fn glue_versions(self) -> &'static [&'static str] {
        match self {
            JobType::Spark | JobType::Streaming => &["3.0", "4.0", "5.0"],
            JobType::PythonShell => &["3.0"],
        }
    }

    /// The Glue version used when none is given: the newest.
    pub fn default_glue_version(self) -> &'static str {
        match self {
            JobType::Spark | JobType::Streaming => "5.0",
            JobType::PythonShell => "3.0",
        }
    }

    /// The log groups Glue writes the job's logs to. Glue chooses the group (`output`,
    /// `error`, `logs-v2` for continuous logging, and under a security configuration with
    /// log encryption `<configuration>-role/<role>/…`), and each run writes to log streams
    /// named after its run ID, so the `*` stands for names Glue picks at run time.
    fn log_groups(self) -> &'static str {
        match self {
            JobType::Spark | JobType::Streaming => "/aws-glue/jobs/*",
            JobType::PythonShell => "/aws-glue/python-jobs/*",
        }
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobType::Spark => "Spark ETL",
            JobType::PythonShell => "Python shell",
            JobType::Streaming => "Spark streaming",
        })
    }
}

/// A worker type: the machine each worker of a Spark job runs on.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum WorkerType {
    /// `Standard`: the legacy worker of Glue 1.0 and earlier.
    Standard,
    /// `G.025X`: 0.25 DPU, for low-volume streaming jobs.
    G025x,
    /// `G.1X`: 1 DPU (4 vCPUs, 16 GB).
    G1x,
    /// `G.2X`: 2 DPUs (8 vCPUs, 32 GB).
    G2x,
    /// `G.4X`: 4 DPUs (16 vCPUs, 64 GB).
    G4x,
    /// `G.8X`: 8 DPUs (32 vCPUs, 128 GB).
    G8x,
    /// `G.12X`: 12 DPUs (48 vCPUs, 192 GB).
    G12x,
    /// `G.16X`: 16 DPUs (64 vCPUs, 256 GB).
    G16x,
    /// `R.1X`: 1 memory-optimized DPU (4 vCPUs, 32 GB).
    R1x,
    /// `R.2X`: 2 memory-optimized DPUs (8 vCPUs, 64 GB).
    R2x,
    /// `R.4X`: 4 memory-optimized DPUs (16 vCPUs, 128 GB).
    R4x,
    /// `R.8X`: 8 memory-optimized DPUs (32 vCPUs, 256 GB).
    R8x,
    /// `Z.2X`: the worker of Ray jobs.
    Z2x,
}

impl WorkerType {
    /// Every worker type Glue knows.
    pub const ALL: [WorkerType; 13] = [
        WorkerType::Standard,
        WorkerType::G025x,
        WorkerType::G1x,
        WorkerType::G2x,
        WorkerType::G4x,
        WorkerType::G8x,
        WorkerType::G12x,
        WorkerType::G16x,
        WorkerType::R1x,
        WorkerType::R2x,
        WorkerType::R4x,
        WorkerType::R8x,
        WorkerType::Z2x,
    ];

    /// The name Glue uses, e.g. `G.1X`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerType::Standard => "Standard",
            WorkerType::G025x => "G.025X",
            WorkerType::G1x => "G.1X",
            WorkerType::G2x => "G.2X",
            WorkerType::G4x => "G.4X",
            WorkerType::G8x => "G.8X",
            WorkerType::G12x => "G.12X",
            WorkerType::G16x => "G.16X",
            WorkerType::R1x => "R.1X",
            WorkerType::R2x => "R.2X",
            WorkerType::R4x => "R.4X",
            WorkerType::R8x => "R.8X",
            WorkerType::Z2x => "Z.2X",
        }
    }

    /// The worker type called `name` (as Glue writes it, case-insensitively).
    pub fn parse(name: &str) -> Option<WorkerType> {
        WorkerType::ALL
            .into_iter()
            .find(|worker| worker.as_str().eq_ignore_ascii_case(name))
    }

    /// The worker types a job of `job_type` can use on Glue `version`, per the Glue API
    /// reference (`WorkerType`) and the worker types guide: G.1X and G.2X for every Spark
    /// job; G.4X and G.8X for Spark ETL jobs; G.12X, G.16X and the memory-optimized R
    /// types for Spark ETL jobs on Glue 4.0 and later; G.025X for streaming jobs. Python
    /// shell jobs have no workers, only a capacity.
    pub fn valid_for(job_type: JobType, version: &str) -> Vec<WorkerType> {
        let large = version_at_least(version, (4, 0));
        WorkerType::ALL
            .into_iter()
            .filter(|worker| match (job_type, worker) {
                (JobType::PythonShell, _) => false,
                (_, WorkerType::G1x | WorkerType::G2x) => true,
                (JobType::Spark, WorkerType::G4x | WorkerType::G8x) => true,
                (
                    JobType::Spark,
                    WorkerType::G12x
                    | WorkerType::G16x
                    | WorkerType::R1x
                    | WorkerType::R2x
                    | WorkerType::R4x
                    | WorkerType::R8x,
                ) => large,
                (JobType::Streaming, WorkerType::G025x) => true,
                _ => false,
            })
            .collect()
    }

    fn to_l1(self) -> l1::WorkerType {
        match self {
            WorkerType::Standard => l1::WorkerType::Standard,
            WorkerType::G025x => l1::WorkerType::G025x,
            WorkerType::G1x => l1::WorkerType::G1x,
            WorkerType::G2x => l1::WorkerType::G2x,
            WorkerType::G4x => l1::WorkerType::G4x,
            WorkerType::G8x => l1::WorkerType::G8x,
            WorkerType::G12x => l1::WorkerType::G12x,
            WorkerType::G16x => l1::WorkerType::G16x,
            WorkerType::R1x => l1::WorkerType::R1x,
            WorkerType::R2x => l1::WorkerType::R2x,
            WorkerType::R4x => l1::WorkerType::R4x,
            WorkerType::R8x => l1::WorkerType::R8x,
            WorkerType::Z2x => l1::WorkerType::Z2x,
        }
    }
}

impl fmt::Display for WorkerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `version` (`major.minor`) is at least `minimum`.
fn version_at_least(version: &str, minimum: (u32, u32)) -> bool {
    let mut parts = version.split('.').map(str::parse::<u32>);
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor) >= minimum,
        (Some(Ok(major)), None) => (major, 0) >= minimum,
        _ => false,
    }
}

/// The workers of a Spark job: a worker type and how many.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Workers {
    /// The worker type.
    pub worker_type: WorkerType,
    /// How many workers (at least 2: a driver and an executor).
    pub count: u32,
}

impl Workers {
    /// `count` workers of `worker_type`.
    pub fn new(worker_type: WorkerType, count: u32) -> Workers {
        Workers { worker_type, count }
    }
}

/// Where a job's script comes from.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum JobScript {
    /// An object already in S3 (`s3://bucket/key.py`); the role may read exactly it.
    S3(String),
    /// A local file, made an asset: uploaded before the stack deploys to
    /// `assets/<sha256>.<ext>` in the staging bucket. The role may read exactly that
    /// object.
    File {
        /// The file (`.py`, or `.scala` for Spark jobs).
        path: PathBuf,
        /// The staging bucket, encrypted with SSE-S3, in the stack's account and region.
        /// Default: the environment's asset bucket
        /// ([`asset_bucket_name`](crate::constructs::servicecatalog::asset_bucket_name)),
        /// whose bootstrap stack the job's stack then deploys after.
        bucket: Option<String>,
    },
}

impl JobScript {
    /// A script already in S3.
    pub fn s3(uri: impl Into<String>) -> JobScript {
        JobScript::S3(uri.into())
    }

    /// A local file, staged in the default asset bucket.
    pub fn file(path: impl Into<PathBuf>) -> JobScript {
        JobScript::File {
            path: path.into(),
            bucket: None,
        }
    }

    /// The file name extension, which says the language: `py` or `scala`.
    fn extension(&self) -> &str {
        let name = match self {
            JobScript::S3(uri) => uri.rsplit('/').next().unwrap_or(uri),
            JobScript::File { path, .. } => path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default(),
        };
        name.rsplit_once('.').map_or("", |(_, extension)| extension)
    }
}

/// Job bookmarks: whether a Spark ETL job remembers what it has processed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Bookmarks {
    /// Process only data that is new since the last successful run.
    Enable,
    /// Process everything every run.
    Disable,
    /// Process new data without updating the bookmark.
    Pause,
}

impl Bookmarks {
    /// The `--job-bookmark-option` value.
    pub fn option(self) -> &'static str {
        match self {
            Bookmarks::Enable => "job-bookmark-enable",
            Bookmarks::Disable => "job-bookmark-disable",
            Bookmarks::Pause => "job-bookmark-pause",
        }
    }
}

/// What [`check_argument`] says about a job argument.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ArgumentCheck {
    /// A valid argument.
    Valid,
    /// Valid, but worth a second look: the message says why.
    Warning(String),
    /// Not valid: the message says why and what to write instead.
    Invalid(String),
}

/// Arguments Glue uses internally: the job parameters reference says never to set them.
const INTERNAL_ARGUMENTS: [&str; 4] = ["--debug", "--mode", "--JOB_NAME", "--endpoint"];

/// Checks the name of a job argument (a default argument, or an argument a trigger
/// passes): it must start with `--`; the arguments Glue uses internally (`--debug`,
/// `--mode`, `--JOB_NAME`, `--endpoint`) and those cfsynth sets from the job's properties
/// (`--scriptLocation`, `--job-bookmark-option`, `--job-language`) are rejected; `--conf`
/// (raw Spark configuration, for advanced use cases) and the legacy `--encryption-type`
/// get a warning.
pub fn check_argument(key: &str) -> ArgumentCheck {
    let Some(name) = key.strip_prefix("--").filter(|name| !name.is_empty()) else {
        let suggestion = key.trim_start_matches('-');
        return ArgumentCheck::Invalid(if suggestion.is_empty() {
            format!("`{key}` is not an argument name; Glue passes arguments as `--name value`")
        } else {
            format!(
                "the argument `{key}` does not start with `--`; Glue passes arguments as `--name value`: write `--{suggestion}`"
            )
        });
    };
    if INTERNAL_ARGUMENTS.contains(&key) {
        return ArgumentCheck::Invalid(format!(
            "`{key}` is internal to AWS Glue, which sets it itself; the Glue job parameters reference says never to set it"
        ));
    }
    match name {
        "scriptLocation" => ArgumentCheck::Invalid(
            "`--scriptLocation` would override the job's `script`, which its role may read; set the script instead".into(),
        ),
        "job-bookmark-option" => ArgumentCheck::Invalid(
            "cfsynth sets `--job-bookmark-option` from the job's bookmarks setting; set that instead".into(),
        ),
        "job-language" => ArgumentCheck::Invalid(
            "cfsynth sets `--job-language` from the script's extension (`.py` or `.scala`); remove it".into(),
        ),
        "conf" => ArgumentCheck::Warning(
            "`--conf` sets Spark configuration directly, which the Glue documentation reserves for advanced use cases: Glue manages much of the Spark configuration itself".into(),
        ),
        "encryption-type" => ArgumentCheck::Warning(
            "`--encryption-type` is a legacy parameter; encrypt with a security configuration instead".into(),
        ),
        _ => ArgumentCheck::Valid,
    }
}

/// Properties of a [`Job`].
#[derive(Clone, PartialEq, Debug)]
pub struct JobProps {
    /// The job name (1 to 255 characters). Default: the stack name and construct path in
    /// kebab case.
    pub name: Option<String>,
    /// What the job does.
    pub description: Option<String>,
    /// Spark ETL, Python shell or Spark streaming.
    pub job_type: JobType,
    /// The Glue version (one of [`JobType::glue_versions`]). Default: the newest.
    pub glue_version: Option<String>,
    /// The script.
    pub script: JobScript,
    /// The workers of a Spark job. Default: two `G.1X` workers (two `G.025X` for
    /// streaming). Not with `max_capacity`.
    pub workers: Option<Workers>,
    /// The capacity of a Python shell job in DPUs: 0.0625 (the default) or 1. Not with
    /// `workers`.
    pub max_capacity: Option<f64>,
    /// Default arguments, `--name` → value (see [`check_argument`]).
    pub arguments: IndexMap<String, String>,
    /// Where the job reads data: it may get and list the objects under these prefixes.
    pub reads: Vec<S3Location>,
    /// Where the job writes data: it may also put and delete the objects under these
    /// prefixes.
    pub writes: Vec<S3Location>,
    /// The Data Catalog tables it uses.
    pub catalog: Vec<CatalogAccess>,
    /// Connections (JDBC databases, VPCs).
    pub connections: Vec<Connection>,
    /// What it encrypts with a customer-managed key.
    pub security_configuration: Option<SecurityConfiguration>,
    /// Job bookmarks (Spark ETL jobs only). Default: Glue's (disabled).
    pub bookmarks: Option<Bookmarks>,
    /// At most this many runs at once (at least 1). Default: Glue's (1).
    pub max_concurrent_runs: Option<u32>,
    /// A run's time limit in minutes (1 to 10,080).
    pub timeout_minutes: Option<u32>,
    /// How many times a failed run is retried.
    pub max_retries: Option<u32>,
    /// Run on spare capacity (`FLEX`): cheaper, may start later. Spark ETL jobs on Glue
    /// 3.0 and later with `G.1X` or `G.2X` workers only.
    pub flex: bool,
}

impl JobProps {
    /// A job of `job_type` running `script`, with defaults for the rest and access to
    /// nothing but its script and its logs.
    pub fn new(job_type: JobType, script: JobScript) -> JobProps {
        JobProps {
            name: None,
            description: None,
            job_type,
            glue_version: None,
            script,
            workers: None,
            max_capacity: None,
            arguments: IndexMap::new(),
            reads: Vec::new(),
            writes: Vec::new(),
            catalog: Vec::new(),
            connections: Vec::new(),
            security_configuration: None,
            bookmarks: None,
            max_concurrent_runs: None,
            timeout_minutes: None,
            max_retries: None,
            flex: false,
        }
    }
}

/// A Glue job with a role of its own, trusted by `glue.amazonaws.com`, that may read the
/// script, read the `reads` prefixes, read and write the `writes` prefixes, use the
/// catalog tables, connections and security configuration given, and write the job's logs
/// (`/aws-glue/jobs/*`, `/aws-glue/python-jobs/*` for Python shell jobs). The job
/// `DependsOn` the role's policy, so the permissions exist before its first run.
#[derive(Clone, PartialEq, Debug)]
pub struct Job {
    handle: ResourceHandle,
    role: Role,
    name: String,
}

impl Job {
    /// Creates the job (logical IDs `<Scope>Job`, `<Scope>JobRole`,
    /// `<Scope>JobRoleDefaultPolicy`). Every property is checked before anything is added;
    /// a local script is read and recorded as an asset of the stack.
    pub fn new(app: &mut App, scope: &Scope, props: JobProps) -> Result<Job, ConstructError> {
        let path = construct_path(scope, "Job");
        let name = default_name(app, scope, props.name.as_ref());
        check_name(&path, "job", &name)?;
        let version = props
            .glue_version
            .clone()
            .unwrap_or_else(|| props.job_type.default_glue_version().to_owned());
        let capacity = validate(&path, &props, &version)?;
        let script = stage_script(app, scope, &path, &props.script)?;

        let role = Role::new(
            app,
            &scope.child("job"),
            RoleProps {
                assumed_by: vec![Principal::service(GLUE_SERVICE)],
                description: Some(format!("Role of the Glue job {name}")),
                ..RoleProps::default()
            },
        );
        role.add_to_policy(
            app,
            Statement::allow(["s3:GetObject"]).on([script.object_arn.clone()]),
        );
        grant_logs(app, &role, props.job_type.log_groups());
        for location in &props.reads {
            location.grant(app, &role, Access::Read);
        }
        for location in &props.writes {
            location.grant(app, &role, Access::ReadWrite);
        }
        for access in &props.catalog {
            role.add_to_policy(app, access.statement());
        }
        for connection in &props.connections {
            connection.grant_use(app, &role);
        }
        if let Some(configuration) = &props.security_configuration {
            configuration.grant_use(app, &role, props.job_type.log_groups());
        }
        if ["--enable-metrics", "--enable-observability-metrics"]
            .iter()
            .any(|key| props.arguments.contains_key(*key))
        {
            // PutMetricData has no resource-level permissions in IAM: `*` is the only
            // valid resource. The condition limits it to Glue's metric namespace.
            role.add_to_policy(
                app,
                Statement::allow(["cloudwatch:PutMetricData"])
                    .on(["*"])
                    .when("StringEquals", "cloudwatch:namespace", "Glue"),
            );
        }

        let mut arguments = Map::new();
        if props.job_type != JobType::PythonShell {
            arguments.insert("--job-language".into(), Json::from(script.language));
        }
        if let Some(bookmarks) = props.bookmarks {
            arguments.insert("--job-bookmark-option".into(), bookmarks.option().into());
        }
        for (key, value) in &props.arguments {
            arguments.insert(key.clone(), Json::from(value.as_str()));
        }

        let command = l1::JobCommand {
            name: Some(Val::Lit(props.job_type.command().to_owned())),
            python_version: (script.language == "python").then(|| {
                Val::Lit(match props.job_type {
                    JobType::PythonShell => "3.9".to_owned(),
                    JobType::Spark | JobType::Streaming => "3".to_owned(),
                })
            }),
            script_location: Some(script.location),
            runtime: None,
        };
        let mut job = l1::Job::new(command, Val::Expr(role.arn()));
        job.name = Some(Val::Lit(name.clone()));
        job.description = props.description.clone().map(Val::Lit);
        job.glue_version = Some(Val::Lit(version));
        match capacity {
            Capacity::Workers(workers) => {
                job.worker_type = Some(Val::Lit(workers.worker_type.to_l1()));
                job.number_of_workers = Some(Val::Lit(i64::from(workers.count)));
            }
            Capacity::Dpus(dpus) => job.max_capacity = Some(Val::Lit(dpus)),
        }
        job.default_arguments = (!arguments.is_empty()).then_some(Json::Object(arguments));
        job.connections = (!props.connections.is_empty()).then(|| {
            Val::Lit(l1::ConnectionsList {
                connections: Some(Val::Lit(
                    props
                        .connections
                        .iter()
                        .map(|connection| Val::Expr(connection.name()))
                        .collect(),
                )),
            })
        });
        job.security_configuration = props
            .security_configuration
            .as_ref()
            .map(|configuration| Val::Expr(configuration.name()));
        job.execution_property = props.max_concurrent_runs.map(|runs| {
            Val::Lit(l1::ExecutionProperty {
                max_concurrent_runs: Some(Val::Lit(f64::from(runs))),
            })
        });
        job.timeout = props
            .timeout_minutes
            .map(|minutes| Val::Lit(i64::from(minutes)));
        job.max_retries = props
            .max_retries
            .map(|retries| Val::Lit(f64::from(retries)));
        job.execution_class = props.flex.then_some(Val::Lit(l1::ExecutionClass::Flex));
        let mut resource = Resource::new(&job);
        if let Some(policy) = role.default_policy_id(app) {
            resource = resource.depends_on(policy);
        }
        let handle = scope.add_resource(app, "Job", resource);
        Ok(Job { handle, role, name })
    }

    /// The job's role.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The job name (`Ref`), which makes a resource that uses it depend on it.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The job name as synthesized.
    pub fn physical_name(&self) -> &str {
        &self.name
    }

    /// `arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/<name>`.
    pub fn arn(&self) -> Expr<String> {
        glue_arn(&format!("job/{}", self.name))
    }

    /// The job resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}

/// A job's resources: workers, or a capacity in DPUs.
enum Capacity {
    Workers(Workers),
    Dpus(f64),
}

/// Why a job with both workers and a capacity is rejected.
pub const BOTH_WORKERS_AND_CAPACITY: &str =
    "a job takes workers (a worker type and count) or a capacity, not both";

impl JobType {
    /// Checks that jobs of this type run on Glue `version`.
    pub fn check_glue_version(self, version: &str) -> Result<(), String> {
        let versions = self.glue_versions();
        if versions.contains(&version) {
            return Ok(());
        }
        Err(format!(
            "{self} jobs run on Glue {}, not `{version}`",
            versions.join(", ")
        ))
    }

    /// Checks that jobs of this type have bookmarks.
    pub fn check_bookmarks(self) -> Result<(), String> {
        match self {
            JobType::Spark => Ok(()),
            JobType::Streaming => Err(
                "job bookmarks are for Spark ETL jobs; streaming jobs track their progress with checkpoints".into(),
            ),
            JobType::PythonShell => {
                Err("job bookmarks are for Spark ETL jobs; Python shell jobs have none".into())
            }
        }
    }

    /// Checks the extension of a script (`py`, `scala`) for jobs of this type; a Scala
    /// job also needs the `--class` argument.
    pub fn check_script(self, extension: &str, has_class_argument: bool) -> Result<(), String> {
        match (extension, self) {
            ("py", _) => Ok(()),
            ("scala", JobType::Spark | JobType::Streaming) if has_class_argument => Ok(()),
            ("scala", JobType::Spark | JobType::Streaming) => Err(
                "a Scala job needs the `--class` argument: the class whose main method runs the job".into(),
            ),
            _ => {
                let valid = match self {
                    JobType::PythonShell => "`.py`",
                    JobType::Spark | JobType::Streaming => "`.py` or `.scala`",
                };
                Err(if extension.is_empty() {
                    format!("the script of a {self} job is a {valid} file; this one has no extension")
                } else {
                    format!("the script of a {self} job is a {valid} file, not a `.{extension}` file")
                })
            }
        }
    }

    /// The workers of a job of this type when none are given (no workers for Python shell
    /// jobs).
    pub fn default_workers(self) -> Option<Workers> {
        match self {
            JobType::Spark => Some(Workers::new(WorkerType::G1x, 2)),
            JobType::Streaming => Some(Workers::new(WorkerType::G025x, 2)),
            JobType::PythonShell => None,
        }
    }
}

impl Workers {
    /// Checks the worker type and count for a job of `job_type` on Glue `version`.
    pub fn check(self, job_type: JobType, version: &str) -> Result<(), String> {
        if job_type == JobType::PythonShell {
            return Err(format!(
                "Python shell jobs run on one machine: give a capacity of {} DPU, not workers",
                capacities()
            ));
        }
        let valid = WorkerType::valid_for(job_type, version);
        if !valid.contains(&self.worker_type) {
            let names: Vec<&str> = valid.iter().map(|worker| worker.as_str()).collect();
            return Err(format!(
                "{job_type} jobs on Glue {version} cannot use `{}` workers; use {}",
                self.worker_type,
                names.join(", ")
            ));
        }
        if self.count < 2 {
            return Err(format!(
                "a {job_type} job needs at least 2 workers (a driver and an executor), not {}",
                self.count
            ));
        }
        Ok(())
    }
}

/// Checks a capacity in DPUs for a job of `job_type`: only Python shell jobs have one,
/// of 0.0625 or 1 DPU.
pub fn check_capacity(job_type: JobType, dpus: f64) -> Result<(), String> {
    match job_type {
        JobType::Spark | JobType::Streaming => Err(format!(
            "{job_type} jobs on Glue 2.0 and later take workers (a worker type and count), not a capacity"
        )),
        JobType::PythonShell if PYTHON_SHELL_CAPACITIES.contains(&dpus) => Ok(()),
        JobType::PythonShell => Err(format!(
            "a Python shell job has a capacity of {} DPU, not {dpus}",
            capacities()
        )),
    }
}

/// Checks a run's time limit: 1 to 10,080 minutes.
pub fn check_timeout(minutes: u32) -> Result<(), String> {
    if (1..=MAX_TIMEOUT_MINUTES).contains(&minutes) {
        return Ok(());
    }
    Err(format!(
        "a timeout of {minutes} minutes is not possible; Glue allows 1 to {MAX_TIMEOUT_MINUTES} minutes (7 days)"
    ))
}

/// Checks that a job of `job_type` with `workers` can run with the flexible execution
/// class: Spark ETL jobs with G.1X or G.2X workers.
pub fn check_flex(job_type: JobType, workers: Option<Workers>) -> Result<(), String> {
    let worker_type = workers.map(|workers| workers.worker_type);
    if job_type == JobType::Spark && matches!(worker_type, Some(WorkerType::G1x | WorkerType::G2x))
    {
        return Ok(());
    }
    Err(
        "the flexible execution class is for Spark ETL jobs on Glue 3.0 and later with G.1X or G.2X workers".into(),
    )
}

/// Checks every property; returns the job's capacity.
fn validate(path: &str, props: &JobProps, version: &str) -> Result<Capacity, ConstructError> {
    let check = |result: Result<(), String>| {
        result.map_err(|message| ConstructError::invalid(path, message))
    };
    let job_type = props.job_type;
    check(job_type.check_glue_version(version))?;
    let capacity = match (props.workers, props.max_capacity) {
        (Some(_), Some(_)) => {
            return Err(ConstructError::invalid(path, BOTH_WORKERS_AND_CAPACITY));
        }
        (_, Some(dpus)) => {
            check(check_capacity(job_type, dpus))?;
            Capacity::Dpus(dpus)
        }
        (workers, None) => match workers.or(job_type.default_workers()) {
            Some(workers) => {
                check(workers.check(job_type, version))?;
                Capacity::Workers(workers)
            }
            None => Capacity::Dpus(PYTHON_SHELL_CAPACITIES[0]),
        },
    };
    for key in props.arguments.keys() {
        if let ArgumentCheck::Invalid(message) = check_argument(key) {
            return Err(ConstructError::invalid(path, message));
        }
    }
    check(job_type.check_script(
        props.script.extension(),
        props.arguments.contains_key("--class"),
    ))?;
    if let JobScript::S3(uri) = &props.script
        && parse_s3_uri(uri).is_none()
    {
        check(Err(format!(
            "`{uri}` is not an S3 object URI; write `s3://<bucket>/<key>`"
        )))?;
    }
    if props.bookmarks.is_some() {
        check(job_type.check_bookmarks())?;
    }
    if props.flex {
        let workers = match capacity {
            Capacity::Workers(workers) => Some(workers),
            Capacity::Dpus(_) => None,
        };
        check(check_flex(job_type, workers))?;
    }
    if let Some(minutes) = props.timeout_minutes {
        check(check_timeout(minutes))?;
    }
    if props.max_concurrent_runs == Some(0) {
        check(Err("a job allows at least 1 run at a time".into()))?;
    }
    for location in props.reads.iter().chain(&props.writes) {
        location.validate(path)?;
    }
    for access in &props.catalog {
        access.validate(path)?;
    }
    Ok(capacity)
}

fn capacities() -> String {
    PYTHON_SHELL_CAPACITIES
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `(bucket, key)` of `s3://bucket/key`.
fn parse_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty() && !key.ends_with('/')).then_some((bucket, key))
}

/// Where the job finds its script.
struct StagedScript {
    /// `ScriptLocation`.
    location: Val<String>,
    /// The ARN of the object, which the role may read.
    object_arn: Expr<String>,
    /// `python` or `scala`.
    language: &'static str,
}

/// The script's location; a local file is read and recorded as an asset of the stack.
fn stage_script(
    app: &mut App,
    scope: &Scope,
    path: &str,
    script: &JobScript,
) -> Result<StagedScript, ConstructError> {
    let language = if script.extension() == "scala" {
        "scala"
    } else {
        "python"
    };
    let (bucket, key) = match script {
        JobScript::S3(uri) => match parse_s3_uri(uri) {
            Some((bucket, key)) => (bucket.to_owned(), key.to_owned()),
            None => {
                return Err(ConstructError::invalid(
                    path,
                    format!("`{uri}` is not an S3 object URI; write `s3://<bucket>/<key>`"),
                ));
            }
        },
        JobScript::File { path: file, bucket } => {
            let content = std::fs::read(file).map_err(|error| {
                ConstructError::invalid(
                    path,
                    format!("cannot read the script `{}`: {error}", file.display()),
                )
            })?;
            let bucket = match bucket {
                Some(bucket) => bucket.clone(),
                None => {
                    // The environment's asset bucket, in a bootstrap stack that deploys
                    // before this one.
                    let env = app.env(scope.stack).clone();
                    let assets = asset_stack(app, &env);
                    app.add_dependency(scope.stack, assets);
                    asset_bucket_name(&env)
                }
            };
            let asset = Asset::new(
                AssetKind::GlueJobScript,
                file.display().to_string(),
                content,
                script.extension(),
                bucket.clone(),
            );
            let key = app.add_asset(scope.stack, asset);
            (bucket, key)
        }
    };
    Ok(StagedScript {
        location: Val::Lit(format!("s3://{bucket}/{key}")),
        object_arn: sub(format!(
            "arn:${{AWS::Partition}}:s3:::{}/{}",
            escape_sub(&bucket),
            escape_sub(&key)
        )),
        language,
    })
}

/// Lets the role create and write to the log groups Glue writes the job's logs to.
fn grant_logs(app: &mut App, role: &Role, groups: &str) {
    // The `*` in the group stands for the groups Glue picks, and in the stream for the
    // streams named after each run's ID (see `JobType::log_groups`).
    role.add_to_policy(
        app,
        Statement::allow(["logs:CreateLogGroup"]).on([log_group_arn(groups)]),
    );
    role.add_to_policy(
        app,
        Statement::allow(["logs:CreateLogStream", "logs:PutLogEvents"])
            .on([log_group_arn(&format!("{groups}:log-stream:*"))]),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_names() {
        assert_eq!(check_argument("--source-format"), ArgumentCheck::Valid);
        assert_eq!(check_argument("--TempDir"), ArgumentCheck::Valid);
        let ArgumentCheck::Invalid(message) = check_argument("source-format") else {
            panic!("accepted an argument without `--`");
        };
        assert!(message.contains("write `--source-format`"), "{message}");
        let ArgumentCheck::Invalid(message) = check_argument("-v") else {
            panic!("accepted `-v`");
        };
        assert!(message.contains("write `--v`"), "{message}");
        assert!(matches!(check_argument("--"), ArgumentCheck::Invalid(_)));
        for internal in INTERNAL_ARGUMENTS {
            let ArgumentCheck::Invalid(message) = check_argument(internal) else {
                panic!("accepted {internal}");
            };
            assert!(message.contains("internal to AWS Glue"), "{message}");
        }
        for managed in [
            "--scriptLocation",
            "--job-bookmark-option",
            "--job-language",
        ] {
            assert!(matches!(check_argument(managed), ArgumentCheck::Invalid(_)));
        }
        for warned in ["--conf", "--encryption-type"] {
            assert!(matches!(check_argument(warned), ArgumentCheck::Warning(_)));
        }
    }

    #[test]
    fn worker_types_per_job_type_and_version() {
        let names = |job_type, version| -> Vec<&str> {
            WorkerType::valid_for(job_type, version)
                .iter()
                .map(|worker| worker.as_str())
                .collect()
        };
        assert_eq!(
            names(JobType::Spark, "3.0"),
            ["G.1X", "G.2X", "G.4X", "G.8X"]
        );
        assert_eq!(
            names(JobType::Spark, "5.0"),
            [
                "G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"
            ]
        );
        assert_eq!(names(JobType::Streaming, "4.0"), ["G.025X", "G.1X", "G.2X"]);
        assert!(names(JobType::PythonShell, "3.0").is_empty());
        assert_eq!(WorkerType::parse("g.1x"), Some(WorkerType::G1x));
        assert_eq!(WorkerType::parse("G.3X"), None);
        assert!(version_at_least("4.0", (4, 0)));
        assert!(!version_at_least("3.0", (4, 0)));
        assert!(!version_at_least("x", (1, 0)));
    }

    #[test]
    fn s3_uris() {
        assert_eq!(
            parse_s3_uri("s3://scripts/jobs/a.py"),
            Some(("scripts", "jobs/a.py"))
        );
        for bad in [
            "s3://scripts",
            "s3://scripts/",
            "s3:///a.py",
            "https://x/a.py",
        ] {
            assert_eq!(parse_s3_uri(bad), None, "{bad}");
        }
    }
}
