//! `kind: Pipeline`: a CodePipeline (V2) pipeline with its sources, stages and typed
//! actions, deploying into named targets; cross-account, cross-region and self-mutation
//! plumbing is derived (see [`crate::constructs::pipeline`]).

use std::path::Path;

use indexmap::{IndexMap, IndexSet};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::app::{Partition, StackRole};
use crate::constructs::codebuild::{
    BuildSpec as Buildspec, BuildSpecSource, Compute, Image, Phase, Phases, Project, ProjectProps,
    ProjectSource, ReportGroupProps,
};
use crate::constructs::iam::{Grantee, Statement};
use crate::constructs::notifications::PipelineEvent;
use crate::constructs::pipeline::{
    Action, ActionKind, ArtifactEncryption, ArtifactPath, BuildProject, Capability, DeployMode,
    Filter, Notifications, Pipeline, PipelineProps, SelfMutation, StackDeploy, StackSetDeploy,
    StackSetTargets, Stage, Target, Trigger, Variable, pipeline_stack,
};
use crate::constructs::{ConstructError, Scope};
use crate::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use crate::manifest::env::EnvSpec;
use crate::manifest::kinds::resources::{
    ProjectEnvValue, construct_error, env_var, image_and_compute,
};
use crate::manifest::{Blueprint, BuildContext, Document, Located};

/// A delivery pipeline: sources, then stages of actions that build, test, deploy into
/// named targets and gate releases.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineSpec {
    /// Named places actions deploy into (`target:` of an action).
    #[serde(default)]
    pub targets: IndexMap<Located<String>, TargetSpec>,
    /// Where the code comes from: one source, or a list of them.
    pub source: Sources,
    /// Which pushes start the pipeline (V2 trigger filters).
    #[serde(default)]
    pub triggers: Option<TriggerSpec>,
    /// Re-synthesize and update the pipeline first in every execution (default `true`);
    /// or the settings of that: the cfsynth version to install, the manifest paths.
    #[serde(default)]
    pub self_mutate: Option<SelfMutateSpec>,
    /// Artifact encryption; a customer-managed key is used whenever an action runs in
    /// another account.
    #[serde(default)]
    pub artifacts: Option<ArtifactsSpec>,
    /// Pipeline variables, referenced as `#{variables.<name>}`.
    #[serde(default)]
    pub variables: Vec<VariableSpec>,
    /// The stages after the source stage.
    pub stages: Vec<StageSpec>,
    /// Notifications to an SNS topic about executions.
    #[serde(default)]
    pub notifications: Option<NotificationsSpec>,
}

/// A place actions deploy into.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetSpec {
    /// A 12-digit account id or an alias from `kind: Accounts`.
    pub account: Located<String>,
    /// The region (may be left out when the account alias has a default region).
    #[serde(default)]
    pub region: Option<Located<String>>,
    /// Managed policies CloudFormation may use there: ARNs, or names of AWS managed
    /// policies (e.g. `PowerUserAccess`).
    #[serde(default)]
    pub execution_policies: Vec<String>,
}

/// One source, or several.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Sources {
    /// Several sources; each needs its own `name` and `output`.
    Many(Vec<SourceSpec>),
    /// A single source (action `source`, artifact `source` by default).
    One(Box<SourceSpec>),
}

/// A source: exactly one of `codecommit`, `github` (or any CodeStar connection), `s3`, `ecr`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceSpec {
    /// The action name (default `source`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// The output artifact (default `source`).
    #[serde(default)]
    pub output: Option<Located<String>>,
    /// A CodeCommit repository.
    #[serde(default)]
    pub codecommit: Option<CodeCommitSpec>,
    /// A GitHub, Bitbucket or GitLab repository through a CodeStar connection.
    #[serde(default)]
    pub github: Option<ConnectionSpec>,
    /// An S3 object (versioned bucket).
    #[serde(default)]
    pub s3: Option<S3SourceSpec>,
    /// An ECR image tag.
    #[serde(default)]
    pub ecr: Option<EcrSpec>,
}

/// A CodeCommit repository branch.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeCommitSpec {
    /// The repository name.
    pub repo: String,
    /// The branch (default `main`).
    #[serde(default = "main_branch")]
    pub branch: String,
}

/// A repository behind a CodeStar connection.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSpec {
    /// `owner/name`.
    pub repo: String,
    /// The branch (default `main`).
    #[serde(default = "main_branch")]
    pub branch: String,
    /// The connection ARN.
    pub connection: String,
}

/// An S3 object.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3SourceSpec {
    /// The bucket name.
    pub bucket: String,
    /// The object key (a zip file).
    pub key: String,
}

/// An ECR image tag.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EcrSpec {
    /// The repository name.
    pub repo: String,
    /// The tag (default `latest`).
    #[serde(default = "latest_tag")]
    pub tag: String,
}

fn main_branch() -> String {
    "main".into()
}

fn latest_tag() -> String {
    "latest".into()
}

/// Which pushes start the pipeline.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerSpec {
    /// Git tag patterns, e.g. `dev_*/research/*`.
    #[serde(default)]
    pub tags: FilterSpec,
    /// Branch patterns.
    #[serde(default)]
    pub branches: FilterSpec,
}

/// Glob patterns.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    /// Patterns that start the pipeline.
    #[serde(default)]
    pub include: Vec<String>,
    /// Patterns that never do.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// `true`/`false`, or the self-mutation settings.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SelfMutateSpec {
    /// On (with defaults) or off.
    Enabled(bool),
    /// On, with these settings.
    Settings(SelfMutateSettings),
}

/// Self-mutation settings.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfMutateSettings {
    /// The cfsynth version the Synth build installs (default: this cfsynth's version).
    #[serde(default)]
    pub version: Option<String>,
    /// Manifest paths in the source (default: the folder of this manifest).
    #[serde(default)]
    pub manifests: Vec<String>,
    /// Commands that put `cfsynth` on the PATH instead of `cargo install`.
    #[serde(default)]
    pub install: Option<Vec<String>>,
}

/// Artifact settings.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtifactsSpec {
    /// `kms` for a customer-managed key even within one account; `auto` (default)
    /// uses one only when needed.
    pub encryption: EncryptionSpec,
}

/// Artifact encryption.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EncryptionSpec {
    /// A customer-managed key when an action runs in another account.
    Auto,
    /// Always a customer-managed key.
    Kms,
}

/// A pipeline variable.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    /// The name.
    pub name: String,
    /// The default value.
    #[serde(default)]
    pub default: Option<String>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
}

/// A stage.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// The stage name.
    pub name: Located<String>,
    /// Its actions, each `- <type>: {…}`.
    pub actions: Vec<ActionSpec>,
}

/// An action: exactly one of its fields.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum ActionSpec {
    /// A CodeBuild build (a project is created for it).
    Build(BuildSpec),
    /// A CodeBuild test run (like `build`, in the Test category).
    Test(BuildSpec),
    /// A CloudFormation stack deploy (`CREATE_UPDATE`, or another `mode`).
    Deploy(DeploySpec),
    /// A CloudFormation change set: `mode: replace` creates it, `execute` runs it.
    Changeset(ChangeSetSpec),
    /// A CloudFormation StackSet deploy to accounts or organizational units.
    Stackset(StackSetSpec),
    /// A manual approval.
    Approve(ApproveSpec),
    /// A Lambda invocation (health checks, chaos experiments, resilience assessments).
    Invoke(InvokeSpec),
    /// A Step Functions execution.
    Stepfunction(StepFunctionSpec),
    /// Copies files of an artifact to an S3 prefix (a CodeBuild project running
    /// `aws s3 cp`, whose role may only put objects under that prefix).
    Upload(UploadSpec),
}

/// An upload of artifact files to S3.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UploadSpec {
    /// The action name, unique in its stage.
    pub name: Located<String>,
    /// Run order within the stage.
    #[serde(default)]
    pub order: Option<u32>,
    /// The input artifact holding the files (default: the first source's output).
    #[serde(default)]
    pub input: Option<String>,
    /// Paths of the files in the artifact; each is copied to `to` under its file name
    /// (`jobs/orders.py` to `s3://bucket/prefix/orders.py`).
    pub files: Located<Vec<Located<String>>>,
    /// The destination, `s3://bucket/prefix/` (or `s3://bucket/` for the whole bucket).
    pub to: Located<String>,
}

/// A CodeBuild build or test action.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BuildSpec {
    /// The action name, unique in its stage.
    pub name: Located<String>,
    /// Run order within the stage.
    #[serde(default)]
    pub order: Option<u32>,
    /// Namespace for exported variables.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The build image: an alias (`standard:7.0`, the default;
    /// `amazonlinux-x86_64-standard:5.0`, `amazonlinux-aarch64-standard:3.0`) or an ECR or
    /// public image.
    #[serde(default)]
    pub image: Option<Located<String>>,
    /// `small`, `medium`, `large`, `xlarge` or `2xlarge` (default `small`).
    #[serde(default)]
    pub compute: Option<Located<String>>,
    /// The buildspec file in the source (default `buildspec.yml`).
    #[serde(default)]
    pub buildspec: Option<String>,
    /// Environment variables: plain values, or `{ secret: id, key: json-key }`, or
    /// `{ parameter: /name }`.
    #[serde(default)]
    pub env: IndexMap<Located<String>, ProjectEnvValue>,
    /// Input artifacts (default: the first source's output).
    #[serde(default)]
    pub inputs: Vec<String>,
    /// Output artifacts.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Report groups by name, with the files the buildspec reports to them.
    #[serde(default)]
    pub reports: IndexMap<String, ReportSpec>,
    /// Run Docker in the build.
    #[serde(default)]
    pub privileged: bool,
    /// Build timeout in minutes (5 to 2160).
    #[serde(default)]
    pub timeout: Option<i64>,
}

/// A report group.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSpec {
    /// The report files (documentation for the buildspec's `reports` section).
    #[serde(default)]
    pub files: Vec<String>,
    /// `coverage` for code coverage reports (default: test reports).
    #[serde(default)]
    pub coverage: bool,
}

/// A CloudFormation deploy.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeploySpec {
    /// The action name, unique in its stage.
    pub name: Located<String>,
    /// Run order within the stage.
    #[serde(default)]
    pub order: Option<u32>,
    /// Namespace for the stack's outputs as variables.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The target (from `targets`).
    pub target: Located<String>,
    /// The stack name there.
    pub stack: String,
    /// The template, `artifact::path`.
    #[serde(default)]
    pub template: Option<Located<String>>,
    /// A template configuration file, `artifact::path`.
    #[serde(default)]
    pub template_configuration: Option<Located<String>>,
    /// `create-update` (default), `replace-on-failure` or `delete-only`.
    #[serde(default)]
    pub mode: Option<DeployModeSpec>,
    /// Parameter overrides (values may use `#{Namespace.variable}`).
    #[serde(default)]
    pub parameters: IndexMap<String, String>,
    /// `iam`, `named-iam`, `auto-expand`.
    #[serde(default)]
    pub capabilities: Vec<CapabilitySpec>,
    /// Writes the stack outputs to this file of `output`.
    #[serde(default)]
    pub output_file: Option<String>,
    /// The output artifact holding `outputFile`.
    #[serde(default)]
    pub output: Option<String>,
}

/// A deploy mode.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeployModeSpec {
    /// Create or update.
    CreateUpdate,
    /// Create or update, recreating a stack left failed.
    ReplaceOnFailure,
    /// Delete the stack.
    DeleteOnly,
}

/// A capability.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CapabilitySpec {
    /// `CAPABILITY_IAM`
    Iam,
    /// `CAPABILITY_NAMED_IAM`
    NamedIam,
    /// `CAPABILITY_AUTO_EXPAND`
    AutoExpand,
}

/// A change set action.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChangeSetSpec {
    /// The action name, unique in its stage.
    pub name: Located<String>,
    /// Run order within the stage.
    #[serde(default)]
    pub order: Option<u32>,
    /// The target.
    pub target: Located<String>,
    /// The stack name.
    pub stack: String,
    /// `replace` (create the change set) or `execute`.
    pub mode: ChangeSetMode,
    /// The change set name (default `cfsynth`).
    #[serde(default)]
    pub change_set: Option<String>,
    /// The template (`replace` only).
    #[serde(default)]
    pub template: Option<Located<String>>,
    /// Parameter overrides.
    #[serde(default)]
    pub parameters: IndexMap<String, String>,
    /// Capabilities.
    #[serde(default)]
    pub capabilities: Vec<CapabilitySpec>,
}

/// A change set mode.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeSetMode {
    /// `CHANGE_SET_REPLACE`
    Replace,
    /// `CHANGE_SET_EXECUTE`
    Execute,
}

/// A StackSet deploy.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StackSetSpec {
    /// The action name, unique in its stage.
    pub name: Located<String>,
    /// Run order within the stage.
    #[serde(default)]
    pub order: Option<u32>,
    /// The StackSet name.
    pub stack_set: String,
    /// The template (`artifact::path`); without one, only the instances are updated.
    #[serde(default)]
    pub template: Option<Located<String>>,
    /// Where: `{ accounts: [...] }` or `{ ous: [...] }`.
    pub targets: StackSetTargetsSpec,
    /// Regions.
    pub regions: Vec<String>,
    /// Failure tolerance percentage.
    #[serde(default)]
    pub failure_tolerance: Option<u8>,
    /// Maximum concurrent percentage.
    #[serde(default)]
    pub max_concurrent: Option<u8>,
    /// Capabilities.
    #[serde(default)]
    pub capabilities: Vec<CapabilitySpec>,
}

/// StackSet targets.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum StackSetTargetsSpec {
    /// Account ids (self-managed).
    Accounts(Vec<String>),
    /// Organizational unit ids (service-managed).
    Ous(Vec<String>),
}

/// A manual approval.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveSpec {
    /// The action name, unique in its stage.
    pub name: Located<String>,
    /// Run order within the stage.
    #[serde(default)]
    pub order: Option<u32>,
    /// A topic (by name) that notifies approvers; the pipeline creates it.
    #[serde(default)]
    pub notify: Option<String>,
    /// A message for the approver.
    #[serde(default)]
    pub message: Option<String>,
    /// A link for the approver.
    #[serde(default)]
    pub url: Option<String>,
}

/// A Lambda invocation.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvokeSpec {
    /// The action name, unique in its stage.
    pub name: Located<String>,
    /// Run order within the stage.
    #[serde(default)]
    pub order: Option<u32>,
    /// Namespace for output variables.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The function name.
    pub function: String,
    /// User parameters (any YAML; passed as a JSON string).
    #[serde(default)]
    pub params: Option<Json>,
    /// The target account and region (default: the pipeline's).
    #[serde(default)]
    pub target: Option<Located<String>>,
    /// Input artifacts.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// Output artifacts.
    #[serde(default)]
    pub outputs: Vec<String>,
}

/// A Step Functions execution.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StepFunctionSpec {
    /// The action name, unique in its stage.
    pub name: Located<String>,
    /// Run order within the stage.
    #[serde(default)]
    pub order: Option<u32>,
    /// The state machine name.
    pub state_machine: String,
    /// The execution input (any YAML; passed as JSON).
    #[serde(default)]
    pub input: Option<Json>,
    /// The target account and region (default: the pipeline's).
    #[serde(default)]
    pub target: Option<Located<String>>,
}

/// Notifications.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsSpec {
    /// The topic (by name); the pipeline creates it.
    pub topic: String,
    /// Events: `failed`, `succeeded`, `started`, `canceled`, `approval-needed`, … .
    pub on: Vec<Located<String>>,
}

/// The `Pipeline` kind.
pub struct PipelineKind;

impl Blueprint for PipelineKind {
    type Spec = PipelineSpec;
    const KIND: &'static str = "Pipeline";
    // A pipeline document builds its own pipeline, support and bootstrap stacks only.
    const SELF_CONTAINED: bool = true;

    fn build(&self, doc: &Document<PipelineSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let mut builder = Builder {
            doc,
            diagnostics: Diagnostics::new(),
            spans: IndexMap::new(),
        };
        let env = match doc.env().and_then(|env| cx.resolve_env(env)) {
            Ok(env) => Some(env),
            Err(errors) => {
                builder.diagnostics.extend(errors);
                None
            }
        };
        let targets = builder.targets(cx);
        let Some(env) = env else {
            builder.check_values();
            return builder.diagnostics;
        };
        let stack_name = Located::new(pipeline_stack(&doc.name), doc.name.span.clone());
        let stack = cx.add_stack(&stack_name, env.clone(), StackRole::Pipeline);
        let root = Scope::root(stack);
        let sources = builder.sources();
        let first_output = sources
            .first()
            .and_then(|action| action.outputs().first().map(|output| (*output).to_owned()));
        let mut stages = vec![Stage {
            name: "Source".into(),
            actions: sources,
        }];
        for stage in &doc.spec.stages {
            builder.locate(
                format!("{}/{}", doc.name.value, stage.name.value),
                &stage.name.span,
            );
            let actions = stage
                .actions
                .iter()
                .filter_map(|action| {
                    builder.action(cx, &root, stage, action, first_output.as_deref())
                })
                .collect();
            stages.push(Stage {
                name: stage.name.value.clone(),
                actions,
            });
        }
        let props = PipelineProps {
            name: doc.name.value.clone(),
            env,
            targets,
            stages,
            variables: doc
                .spec
                .variables
                .iter()
                .map(|variable| Variable {
                    name: variable.name.clone(),
                    default: variable.default.clone(),
                    description: variable.description.clone(),
                })
                .collect(),
            trigger: doc.spec.triggers.as_ref().map(|trigger| Trigger {
                tags: filter(&trigger.tags),
                branches: filter(&trigger.branches),
            }),
            topics: builder.topics(),
            notifications: builder.notifications(),
            artifact_encryption: match doc
                .spec
                .artifacts
                .as_ref()
                .map(|artifacts| artifacts.encryption)
            {
                Some(EncryptionSpec::Kms) => ArtifactEncryption::Kms,
                _ => ArtifactEncryption::Auto,
            },
            restart_on_update: false,
            self_mutation: builder.self_mutation(),
        };
        if !builder.diagnostics.is_empty() {
            return builder.diagnostics;
        }
        if let Err(errors) = Pipeline::new(cx.app_mut(), props) {
            for error in errors {
                builder.construct_error(&error);
            }
        }
        builder.diagnostics
    }
}

/// Turns one document into pipeline props, collecting located diagnostics and the spans
/// of construct paths (`pipeline/stage/action`) for errors found later.
struct Builder<'d> {
    doc: &'d Document<PipelineSpec>,
    diagnostics: Diagnostics,
    /// Construct path → where each construct of that path was written, in order.
    spans: IndexMap<String, Vec<Span>>,
}

impl Builder<'_> {
    fn locate(&mut self, path: String, span: &Span) {
        self.spans.entry(path).or_default().push(span.clone());
    }

    fn error(&mut self, span: &Span, code: &'static str, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(code, message).at(span));
    }

    /// A construct error, located at the most specific written place its path names.
    fn construct_error(&mut self, error: &ConstructError) {
        let message = error.to_string();
        let path = match error {
            ConstructError::Invalid { construct, .. } => construct.clone(),
            _ => self.doc.name.value.clone(),
        };
        // The most specific written place: the path itself, else its parents. A name used
        // twice is reported where it is used the second time.
        let duplicate = message.contains("is used twice");
        let span = (0..=path.matches('/').count())
            .map(|cut| {
                path.rsplitn(cut + 1, '/')
                    .last()
                    .unwrap_or(&path)
                    .to_owned()
            })
            .find_map(|prefix| {
                let spans = self.spans.get(&prefix)?;
                let span = if duplicate {
                    spans.last()
                } else {
                    spans.first()
                };
                span.cloned()
            })
            .unwrap_or_else(|| self.doc.name.span.clone());
        let text = message
            .strip_prefix(&format!("{path}: "))
            .unwrap_or(&message)
            .to_owned();
        self.error(&span, codes::INVALID_VALUE, text);
    }

    fn targets(&mut self, cx: &BuildContext<'_>) -> IndexMap<String, Target> {
        let mut targets = IndexMap::new();
        for (name, spec) in &self.doc.spec.targets {
            let env = EnvSpec {
                account: spec.account.clone(),
                region: spec.region.clone(),
            };
            match cx.resolve_env(&env) {
                Ok(env) => {
                    let policies = spec
                        .execution_policies
                        .iter()
                        .map(|policy| managed_policy_arn(policy, env.partition()))
                        .collect();
                    targets.insert(name.value.clone(), Target::new(env, policies));
                }
                Err(errors) => self.diagnostics.extend(errors),
            }
        }
        targets
    }

    fn sources(&mut self) -> Vec<Action> {
        let specs: Vec<&SourceSpec> = match &self.doc.spec.source {
            Sources::One(source) => vec![source.as_ref()],
            Sources::Many(sources) => sources.iter().collect(),
        };
        let mut actions = Vec::new();
        for (index, spec) in specs.into_iter().enumerate() {
            let default = if index == 0 {
                "source".to_owned()
            } else {
                format!("source{}", index + 1)
            };
            let name = spec
                .name
                .as_ref()
                .map_or(default.clone(), |name| name.value.clone());
            let output = spec
                .output
                .as_ref()
                .map_or(default, |output| output.value.clone());
            let kinds: Vec<ActionKind> = [
                spec.codecommit
                    .as_ref()
                    .map(|repo| ActionKind::CodeCommitSource {
                        repository: repo.repo.clone(),
                        branch: repo.branch.clone(),
                        output: output.clone(),
                    }),
                spec.github
                    .as_ref()
                    .map(|repo| ActionKind::ConnectionSource {
                        connection_arn: repo.connection.clone(),
                        repository: repo.repo.clone(),
                        branch: repo.branch.clone(),
                        output: output.clone(),
                        detect_changes: true,
                    }),
                spec.s3.as_ref().map(|object| ActionKind::S3Source {
                    bucket: object.bucket.clone(),
                    key: object.key.clone(),
                    output: output.clone(),
                }),
                spec.ecr.as_ref().map(|image| ActionKind::EcrSource {
                    repository: image.repo.clone(),
                    tag: image.tag.clone(),
                    output: output.clone(),
                }),
            ]
            .into_iter()
            .flatten()
            .collect();
            match <[ActionKind; 1]>::try_from(kinds) {
                Ok([kind]) => {
                    if let Some(located) = &spec.name {
                        self.locate(
                            format!("{}/Source/{name}", self.doc.name.value),
                            &located.span,
                        );
                    }
                    actions.push(Action::new(name, kind));
                }
                Err(kinds) => {
                    let span = self
                        .doc
                        .node
                        .get("source")
                        .map_or(self.doc.name.span.clone(), |node| node.span.clone());
                    self.error(
                        &span,
                        codes::INVALID_VALUE,
                        format!(
                            "a source needs exactly one of `codecommit`, `github`, `s3`, `ecr`; found {}",
                            kinds.len()
                        ),
                    );
                }
            }
        }
        actions
    }

    fn action(
        &mut self,
        cx: &mut BuildContext<'_>,
        root: &Scope,
        stage: &StageSpec,
        spec: &ActionSpec,
        first_output: Option<&str>,
    ) -> Option<Action> {
        let Header {
            name,
            order,
            namespace,
            target,
        } = Header::of(spec);
        let path = format!(
            "{}/{}/{}",
            self.doc.name.value, stage.name.value, name.value
        );
        if let Some(target) = target {
            self.locate(format!("{path}/target"), &target.span);
        }
        self.locate(path, &name.span);
        let kind = match spec {
            ActionSpec::Build(build) => self.build(cx, root, stage, build, first_output, false)?,
            ActionSpec::Test(build) => self.build(cx, root, stage, build, first_output, true)?,
            ActionSpec::Upload(upload) => self.upload(cx, root, stage, upload, first_output)?,
            ActionSpec::Deploy(deploy) => {
                let mode = match deploy.mode {
                    Some(DeployModeSpec::ReplaceOnFailure) => DeployMode::ReplaceOnFailure,
                    Some(DeployModeSpec::DeleteOnly) => DeployMode::DeleteOnly,
                    _ => DeployMode::CreateUpdate,
                };
                let mut stack = StackDeploy::new(mode, deploy.stack.clone());
                stack.template = self.artifact_path(deploy.template.as_ref())?;
                stack.template_configuration = match &deploy.template_configuration {
                    Some(path) => self.artifact_path(Some(path))?,
                    None => None,
                };
                stack.parameter_overrides = deploy.parameters.clone();
                stack.capabilities = capabilities(&deploy.capabilities);
                stack.output_file = deploy.output_file.clone();
                stack.output = deploy.output.clone();
                ActionKind::Deploy(stack)
            }
            ActionSpec::Changeset(change) => {
                let template = match change.mode {
                    ChangeSetMode::Replace => self.artifact_path(change.template.as_ref())?,
                    ChangeSetMode::Execute => None,
                };
                let mode = match change.mode {
                    ChangeSetMode::Replace => DeployMode::ChangeSetReplace,
                    ChangeSetMode::Execute => DeployMode::ChangeSetExecute,
                };
                let mut stack = StackDeploy::new(mode, change.stack.clone());
                stack.template = template;
                stack.change_set = Some(
                    change
                        .change_set
                        .clone()
                        .unwrap_or_else(|| "cfsynth".into()),
                );
                stack.parameter_overrides = change.parameters.clone();
                stack.capabilities = capabilities(&change.capabilities);
                ActionKind::Deploy(stack)
            }
            ActionSpec::Stackset(set) => ActionKind::StackSet(StackSetDeploy {
                name: set.stack_set.clone(),
                template: match &set.template {
                    Some(path) => self.artifact_path(Some(path))?,
                    None => None,
                },
                targets: match &set.targets {
                    StackSetTargetsSpec::Accounts(accounts) => {
                        StackSetTargets::Accounts(accounts.clone())
                    }
                    StackSetTargetsSpec::Ous(units) => {
                        StackSetTargets::OrganizationalUnits(units.clone())
                    }
                },
                regions: set.regions.clone(),
                failure_tolerance_percentage: set.failure_tolerance,
                max_concurrent_percentage: set.max_concurrent,
                capabilities: capabilities(&set.capabilities),
            }),
            ActionSpec::Approve(approve) => ActionKind::Approval {
                topic: approve.notify.clone(),
                message: approve.message.clone(),
                url: approve.url.clone(),
            },
            ActionSpec::Invoke(invoke) => ActionKind::Lambda {
                function: invoke.function.clone(),
                params: invoke.params.clone(),
                inputs: invoke.inputs.clone(),
                outputs: invoke.outputs.clone(),
            },
            ActionSpec::Stepfunction(step) => ActionKind::StepFunction {
                state_machine: step.state_machine.clone(),
                input: step.input.clone(),
            },
        };
        Some(Action {
            name: name.value.clone(),
            kind,
            run_order: order.unwrap_or(1),
            namespace: namespace.cloned(),
            target: target.map(|target| target.value.clone()),
        })
    }

    fn build(
        &mut self,
        cx: &mut BuildContext<'_>,
        root: &Scope,
        stage: &StageSpec,
        build: &BuildSpec,
        first_output: Option<&str>,
        test: bool,
    ) -> Option<ActionKind> {
        let (image, compute) = self.image_and_compute(build)?;
        let mut props = ProjectProps::new(
            ProjectSource::CodePipeline(BuildSpecSource::File(
                build
                    .buildspec
                    .clone()
                    .unwrap_or_else(|| "buildspec.yml".into()),
            )),
            image,
        );
        props.compute = compute;
        props.privileged = build.privileged;
        props.timeout_minutes = build.timeout;
        let mut env = Vec::with_capacity(build.env.len());
        for (name, value) in &build.env {
            match env_var(name, value) {
                Ok(variable) => env.push(variable),
                Err(errors) => self.diagnostics.extend(errors),
            }
        }
        props.env = env;
        props.report_groups = build
            .reports
            .iter()
            .map(|(name, report)| {
                let group = if report.coverage {
                    ReportGroupProps::coverage()
                } else {
                    ReportGroupProps::test()
                };
                (name.clone(), group)
            })
            .collect();
        let scope = root.child(&format!("{}-{}", stage.name.value, build.name.value));
        let project = match Project::new(cx.app_mut(), &scope, props) {
            Ok(project) => project,
            Err(error) => {
                self.diagnostics
                    .push(construct_error(&error, &build.name.span));
                return None;
            }
        };
        let inputs = if build.inputs.is_empty() {
            first_output
                .map(|output| vec![output.to_owned()])
                .unwrap_or_default()
        } else {
            build.inputs.clone()
        };
        Some(ActionKind::Build {
            project: BuildProject::from(&project),
            inputs,
            outputs: build.outputs.clone(),
            env: IndexMap::new(),
            test,
        })
    }

    /// An `upload` action: a project whose inline buildspec copies each file to the
    /// destination, and whose role may put objects under the destination prefix only.
    fn upload(
        &mut self,
        cx: &mut BuildContext<'_>,
        root: &Scope,
        stage: &StageSpec,
        upload: &UploadSpec,
        first_output: Option<&str>,
    ) -> Option<ActionKind> {
        let plan = self.upload_plan(upload)?;
        let commands = plan.copies.iter().map(|(file, key)| {
            format!(
                "aws s3 cp {} {}",
                // A path starting with `-` would read as an option.
                shell_quote(&if file.starts_with('-') {
                    format!("./{file}")
                } else {
                    file.clone()
                }),
                shell_quote(&format!("s3://{}/{key}", plan.bucket))
            )
        });
        let buildspec = Buildspec {
            phases: Phases {
                build: Some(Phase::commands(commands)),
                ..Phases::default()
            },
            ..Buildspec::default()
        };
        let mut props = ProjectProps::new(
            ProjectSource::CodePipeline(BuildSpecSource::Inline(Box::new(buildspec))),
            Image::parse("standard:7.0").ok()?,
        );
        props.description = Some(format!("Uploads files to {}", upload.to.value));
        let scope = root.child(&format!("{}-{}", stage.name.value, upload.name.value));
        let project = match Project::new(cx.app_mut(), &scope, props) {
            Ok(project) => project,
            Err(error) => {
                self.diagnostics
                    .push(construct_error(&error, &upload.name.span));
                return None;
            }
        };
        project.role().add_to_policy(
            cx.app_mut(),
            Statement::allow(["s3:PutObject"]).on([crate::template::sub(format!(
                "arn:${{AWS::Partition}}:s3:::{}/{}*",
                plan.bucket, plan.prefix
            ))]),
        );
        let input = upload
            .input
            .clone()
            .or_else(|| first_output.map(str::to_owned));
        Some(ActionKind::Build {
            project: BuildProject::from(&project),
            inputs: input.into_iter().collect(),
            outputs: Vec::new(),
            env: IndexMap::new(),
            test: false,
        })
    }

    /// The destination and the copies of an `upload`, its errors reported where written.
    fn upload_plan(&mut self, upload: &UploadSpec) -> Option<UploadPlan> {
        let destination = parse_s3_prefix(&upload.to.value);
        if destination.is_none() {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("`{}` is not an S3 prefix URI", upload.to.value),
                )
                .at(&upload.to.span)
                .expected("`s3://bucket/prefix/`, e.g. `s3://acme-scripts/jobs/`"),
            );
        }
        let mut ok = destination.is_some();
        if upload.files.value.is_empty() {
            self.error(
                &upload.files.span,
                codes::INVALID_VALUE,
                "an upload needs at least one file in `files`",
            );
            ok = false;
        }
        let mut copies: Vec<(String, String)> = Vec::new();
        let prefix = destination
            .as_ref()
            .map_or("", |(_, prefix)| prefix.as_str());
        for file in &upload.files.value {
            let name = file.value.rsplit('/').next().unwrap_or_default();
            if name.is_empty() || name == "." || name == ".." {
                self.error(
                    &file.span,
                    codes::INVALID_VALUE,
                    format!("`{}` is not a file path in the artifact", file.value),
                );
                ok = false;
                continue;
            }
            let key = format!("{prefix}{name}");
            if copies.iter().any(|(_, other)| *other == key) {
                self.error(
                    &file.span,
                    codes::INVALID_VALUE,
                    format!("another file of this upload is also copied to `{key}`"),
                );
                ok = false;
                continue;
            }
            copies.push((file.value.clone(), key));
        }
        let (bucket, prefix) = destination?;
        ok.then_some(UploadPlan {
            bucket,
            prefix,
            copies,
        })
    }

    /// The build image and compute size, each reported where written when invalid.
    fn image_and_compute(&mut self, build: &BuildSpec) -> Option<(Image, Compute)> {
        image_and_compute(
            build.image.as_ref(),
            build.compute.as_ref(),
            &mut self.diagnostics,
        )
    }

    /// Checks the values that need no environment (images, compute sizes, artifact
    /// paths, notification events), so that a document whose environment is wrong still
    /// gets all its problems reported.
    fn check_values(&mut self) {
        for stage in &self.doc.spec.stages {
            for action in &stage.actions {
                match action {
                    ActionSpec::Build(build) | ActionSpec::Test(build) => {
                        self.image_and_compute(build);
                    }
                    ActionSpec::Deploy(deploy) => {
                        self.artifact_path(deploy.template.as_ref());
                        self.artifact_path(deploy.template_configuration.as_ref());
                    }
                    ActionSpec::Changeset(change) => {
                        self.artifact_path(change.template.as_ref());
                    }
                    ActionSpec::Stackset(set) => {
                        self.artifact_path(set.template.as_ref());
                    }
                    ActionSpec::Upload(upload) => {
                        self.upload_plan(upload);
                    }
                    _ => {}
                }
            }
        }
        self.notifications();
    }

    /// Parses `artifact::path`; `None` when absent, an error (and `Err`-like `None` of the
    /// outer option) when malformed.
    fn artifact_path(&mut self, text: Option<&Located<String>>) -> Option<Option<ArtifactPath>> {
        let Some(text) = text else { return Some(None) };
        match ArtifactPath::parse(text) {
            Some(path) => Some(Some(path)),
            None => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("`{}` is not an artifact path", text.value),
                    )
                    .at(&text.span)
                    .expected("`artifact::path/in/artifact`, e.g. `pkg::packaged.yaml`"),
                );
                None
            }
        }
    }

    /// Topics named by approvals and notifications, in the order written.
    fn topics(&self) -> Vec<String> {
        let mut topics: IndexSet<String> = IndexSet::new();
        for stage in &self.doc.spec.stages {
            for action in &stage.actions {
                if let ActionSpec::Approve(ApproveSpec {
                    notify: Some(topic),
                    ..
                }) = action
                {
                    topics.insert(topic.clone());
                }
            }
        }
        if let Some(notifications) = &self.doc.spec.notifications {
            topics.insert(notifications.topic.clone());
        }
        topics.into_iter().collect()
    }

    fn notifications(&mut self) -> Option<Notifications> {
        let spec = self.doc.spec.notifications.as_ref()?;
        let mut events = Vec::new();
        for event in &spec.on {
            match PipelineEvent::from_name(event) {
                Some(known) => events.push(known),
                None => {
                    let names: Vec<&str> = PipelineEvent::ALL
                        .iter()
                        .map(|event| event.name())
                        .collect();
                    let mut diagnostic = Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("unknown pipeline event `{}`", event.value),
                    )
                    .at(&event.span)
                    .expected(names.join(", "));
                    if let Some(close) = crate::template::closest(event, names.iter().copied()) {
                        diagnostic = diagnostic.help(format!("did you mean `{close}`?"));
                    }
                    self.diagnostics.push(diagnostic);
                }
            }
        }
        Some(Notifications {
            topic: spec.topic.clone(),
            events,
        })
    }

    fn self_mutation(&self) -> Option<SelfMutation> {
        let settings = match &self.doc.spec.self_mutate {
            Some(SelfMutateSpec::Enabled(false)) => return None,
            Some(SelfMutateSpec::Enabled(true)) | None => None,
            Some(SelfMutateSpec::Settings(settings)) => Some(settings),
        };
        let mut mutation = SelfMutation::new(
            settings
                .and_then(|settings| settings.version.clone())
                .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned()),
        );
        mutation.manifests = match settings.map(|settings| settings.manifests.clone()) {
            Some(manifests) if !manifests.is_empty() => manifests,
            _ => vec![manifest_folder(&self.doc.name.span)],
        };
        mutation.install_commands = settings.and_then(|settings| settings.install.clone());
        Some(mutation)
    }
}

/// What every action has: a name, a run order, a namespace and a target.
struct Header<'a> {
    name: &'a Located<String>,
    order: Option<u32>,
    namespace: Option<&'a String>,
    target: Option<&'a Located<String>>,
}

impl<'a> Header<'a> {
    fn of(spec: &'a ActionSpec) -> Header<'a> {
        let header = |name, order, namespace: Option<&'a String>, target| Header {
            name,
            order,
            namespace,
            target,
        };
        match spec {
            ActionSpec::Build(build) | ActionSpec::Test(build) => {
                header(&build.name, build.order, build.namespace.as_ref(), None)
            }
            ActionSpec::Deploy(deploy) => header(
                &deploy.name,
                deploy.order,
                deploy.namespace.as_ref(),
                Some(&deploy.target),
            ),
            ActionSpec::Changeset(change) => {
                header(&change.name, change.order, None, Some(&change.target))
            }
            ActionSpec::Stackset(set) => header(&set.name, set.order, None, None),
            ActionSpec::Approve(approve) => header(&approve.name, approve.order, None, None),
            ActionSpec::Invoke(invoke) => header(
                &invoke.name,
                invoke.order,
                invoke.namespace.as_ref(),
                invoke.target.as_ref(),
            ),
            ActionSpec::Stepfunction(step) => {
                header(&step.name, step.order, None, step.target.as_ref())
            }
            ActionSpec::Upload(upload) => header(&upload.name, upload.order, None, None),
        }
    }
}

fn capabilities(specs: &[CapabilitySpec]) -> Vec<Capability> {
    specs
        .iter()
        .map(|spec| match spec {
            CapabilitySpec::Iam => Capability::Iam,
            CapabilitySpec::NamedIam => Capability::NamedIam,
            CapabilitySpec::AutoExpand => Capability::AutoExpand,
        })
        .collect()
}

fn filter(spec: &FilterSpec) -> Filter {
    Filter {
        include: spec.include.clone(),
        exclude: spec.exclude.clone(),
    }
}

/// An ARN as given, or the ARN of an AWS managed policy named `name` in `partition`.
fn managed_policy_arn(policy: &str, partition: Partition) -> String {
    if policy.starts_with("arn:") {
        policy.to_owned()
    } else {
        format!("arn:{}:iam::aws:policy/{policy}", partition.name())
    }
}

/// The folder of the manifest file, as the pipeline's synth build sees it (relative to
/// the source root); `.` for a file at the root.
fn manifest_folder(span: &Span) -> String {
    let folder = Path::new(span.file.as_ref())
        .parent()
        .map(|parent| parent.to_string_lossy().into_owned());
    match folder {
        Some(folder) if !folder.is_empty() && !Path::new(&folder).is_absolute() => folder,
        _ => ".".into(),
    }
}

/// Where an `upload` copies to: the bucket, the key prefix (empty or ending in `/`), and
/// each file with its key.
struct UploadPlan {
    bucket: String,
    prefix: String,
    copies: Vec<(String, String)>,
}

/// `s3://bucket/prefix` as the bucket and the prefix (ending in `/` unless empty); `None`
/// unless the bucket name is valid and the prefix has no wildcards or empty segments.
fn parse_s3_prefix(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
    let prefix_ok = !prefix.contains(['*', '?', '$'])
        && !prefix.chars().any(char::is_control)
        && (trimmed.is_empty() || trimmed.split('/').all(|part| !part.is_empty()));
    if !bucket_ok || !prefix_ok {
        return None;
    }
    let prefix = if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}/")
    };
    Some((bucket.to_owned(), prefix))
}

/// `text` as one word for a POSIX shell: single-quoted unless it is plainly safe.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,%".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
