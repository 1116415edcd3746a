//! AWS Glue: Data Catalog databases, ETL jobs, crawlers, triggers and workflows,
//! connections and security configurations.
//!
//! Jobs and crawlers get a role of their own that holds exactly what they are declared to
//! do: read their script, read (and for outputs write) the S3 prefixes given as
//! [`S3Location`]s, use the catalog objects given as [`CatalogAccess`], their connections'
//! secrets and network interfaces, their security configuration's key, and write their
//! own logs. No statement allows an action with a wildcard; the only `*` resources are
//! those of actions IAM has no resource-level permissions for (`ec2:Describe*` for jobs in
//! a VPC, `lakeformation:GetDataAccess`, `cloudwatch:PutMetricData`), each commented where
//! it is added. Every ARN is partition-neutral (`${AWS::Partition}`).
//!
//! A job's script is a file in S3, or a local file that becomes an asset: it is uploaded
//! before the stack deploys, under a content-hashed key (`assets/<sha256>.py`) of a staging
//! bucket: by default the environment's asset bucket, whose bootstrap stack the job's stack
//! then deploys after (see [`JobScript`] and [`App::add_asset`](crate::app::App::add_asset)).
//!
//! ```
//! use cfsynth::app::{App, Environment, StackRole};
//! use cfsynth::constructs::Scope;
//! use cfsynth::constructs::glue::{
//!     Access, CatalogAccess, Database, DatabaseProps, Job, JobProps, JobScript, JobType,
//!     S3Location, Workers, WorkerType,
//! };
//! use cfsynth::constructs::s3::BucketRef;
//!
//! let mut app = App::new();
//! let env = Environment::new("111111111111", "eu-west-1").expect("valid environment");
//! let stack = app.add_stack("lake", env, StackRole::Application);
//! let root = Scope::root(stack);
//! let conformed = Database::new(&mut app, &root.child("conformed"), DatabaseProps::named("conformed"))
//!     .expect("a valid database");
//! let mut props = JobProps::new(JobType::Spark, JobScript::s3("s3://lake-scripts/conform.py"));
//! props.workers = Some(Workers::new(WorkerType::G1x, 2));
//! props.reads = vec![S3Location::new(BucketRef::new("lake-raw"), "orders/")];
//! props.writes = vec![S3Location::new(BucketRef::new("lake-conformed"), "orders/")];
//! props.catalog = vec![CatalogAccess::new(&conformed, ["orders"], Access::ReadWrite)];
//! let job = Job::new(&mut app, &root.child("conform"), props).expect("valid properties");
//! assert_eq!(job.physical_name(), "lake-conform");
//! ```

mod connection;
mod crawler;
mod data;
mod database;
mod job;
mod schedule;
mod security;
mod trigger;

pub use connection::{Connection, ConnectionKind, ConnectionProps, NetworkProps};
pub use crawler::{
    Crawler, CrawlerProps, DeleteBehavior, JdbcTarget, RecrawlBehavior, S3Target, UpdateBehavior,
};
pub use data::{Access, CatalogAccess, DataBucket, S3Location, check_prefix};
pub use database::{Database, DatabaseProps, is_database_name};
pub use job::{
    ArgumentCheck, BOTH_WORKERS_AND_CAPACITY, Bookmarks, Job, JobProps, JobScript, JobType,
    MAX_TIMEOUT_MINUTES, PYTHON_SHELL_CAPACITIES, WorkerType, Workers, check_argument,
    check_capacity, check_flex, check_timeout,
};
pub use schedule::check_schedule;
pub use security::{SecurityConfiguration, SecurityConfigurationProps};
pub use trigger::{
    Logical, RunState, RunTarget, Trigger, TriggerAction, TriggerCondition, TriggerKind,
    TriggerProps, Workflow, WorkflowProps,
};

use crate::app::{App, physical_name};
use crate::constructs::Scope;
use crate::template::{Expr, sub};

/// The longest name Glue accepts for jobs, crawlers, triggers, workflows, connections and
/// security configurations.
pub const MAX_NAME_LEN: usize = 255;

/// The service principal Glue jobs and crawlers assume their roles as.
const GLUE_SERVICE: &str = "glue.amazonaws.com";

/// `arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:<resource>`, with `${`
/// in `resource` kept literally.
fn glue_arn(resource: &str) -> Expr<String> {
    sub(format!(
        "arn:${{AWS::Partition}}:glue:${{AWS::Region}}:${{AWS::AccountId}}:{}",
        escape_sub(resource)
    ))
}

/// `arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:<group>`.
fn log_group_arn(group: &str) -> Expr<String> {
    sub(format!(
        "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{}",
        escape_sub(group)
    ))
}

/// Escapes `${` so that `Fn::Sub` keeps it literally.
fn escape_sub(text: &str) -> String {
    text.replace("${", "${!")
}

/// The construct path for messages: the scope path, or `fallback` at a stack's root.
fn construct_path(scope: &Scope, fallback: &str) -> String {
    if scope.path.is_empty() {
        scope.logical_id(fallback)
    } else {
        scope.path.clone()
    }
}

/// The physical name of a Glue object: the given one, else the stack name and construct
/// path in kebab case.
fn default_name(app: &App, scope: &Scope, given: Option<&String>) -> String {
    match given {
        Some(name) => name.clone(),
        None => physical_name(&[app.stack(scope.stack).name(), &scope.path], MAX_NAME_LEN),
    }
}

/// Checks a Glue object name: 1 to 255 characters on one line.
fn check_name(path: &str, what: &str, name: &str) -> Result<(), crate::constructs::ConstructError> {
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.contains(['\n', '\r']) {
        return Err(crate::constructs::ConstructError::invalid(
            path,
            format!(
                "the {what} name `{name}` is not valid; Glue names have 1 to {MAX_NAME_LEN} characters on one line"
            ),
        ));
    }
    Ok(())
}
