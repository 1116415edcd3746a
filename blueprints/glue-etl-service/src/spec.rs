//! The `GlueEtlService` document: what a team writes.
//!
//! Values that later checks may reject are [`Located`], so their errors point at them.

use cfsynth::manifest::{EnvSpec, Located};
use schemars::JsonSchema;
use serde::Deserialize;

/// A PySpark job on AWS Glue and the pipeline that tests it and deploys it.
///
/// The job stack (job, least-privilege role, security configuration, key) is named after
/// the document and deploys to `deployTo`; the pipeline runs in `env`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlueEtlServiceSpec {
    /// The PySpark script, relative to the repository root (e.g. `jobs/orders.py`).
    pub script: Located<String>,
    /// The AWS Glue version: `3.0`, `4.0` or `5.0` (default `5.0`).
    #[serde(default)]
    pub glue_version: Option<Located<String>>,
    /// The workers of every run.
    pub workers: WorkersSpec,
    /// What the job reads and writes.
    pub data: DataSpec,
    /// Where the job stack is deployed: an account id or alias, and a region.
    pub deploy_to: EnvSpec,
    /// Where the code is (default: the CodeCommit repository named after the service,
    /// branch `main`).
    #[serde(default)]
    pub source: Option<RepositorySpec>,
    /// The pytest folder or file the test action runs (default `tests`).
    #[serde(default)]
    pub tests: Option<Located<String>>,
    /// How the pipeline's Synth step gets this binary (it re-synthesizes the manifests).
    #[serde(default)]
    pub synth: Option<SynthSpec>,
}

/// The workers of a run.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkersSpec {
    /// The worker type, e.g. `G.1X` (the types offered depend on the Glue version).
    #[serde(rename = "type")]
    pub kind: Located<String>,
    /// How many workers (at least 2: one driver, one executor).
    pub count: Located<i64>,
}

/// The data the job reads and writes, as `s3://bucket/prefix/` URIs. The job gets them
/// as the arguments `--input_path` and `--output_path`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Read only.
    pub input: Located<String>,
    /// Read and written.
    pub output: Located<String>,
}

/// The repository: exactly one of `codecommit`, `github`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum RepositorySpec {
    /// A CodeCommit repository.
    Codecommit(CodeCommitRepoSpec),
    /// A GitHub, Bitbucket or GitLab repository through a CodeStar connection.
    Github(ConnectionRepoSpec),
}

/// A CodeCommit repository branch.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeCommitRepoSpec {
    /// The repository name.
    pub repo: String,
    /// The branch (default `main`).
    #[serde(default)]
    pub branch: Option<String>,
}

/// A repository behind a CodeStar connection.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionRepoSpec {
    /// `owner/name`.
    pub repo: String,
    /// The branch (default `main`).
    #[serde(default)]
    pub branch: Option<String>,
    /// The connection ARN.
    pub connection: String,
}

/// The pipeline's Synth step.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthSpec {
    /// Commands that put this binary, `glue-etl-cfsynth`, on the `PATH` (default:
    /// `cargo install` this crate at this version).
    pub install: Vec<String>,
}
