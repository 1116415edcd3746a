//! Typed pipeline actions: what each one declares to CodePipeline, which artifacts it
//! reads and writes, and which permissions it needs where it runs.

use indexmap::IndexMap;
use serde_json::{Value as Json, json};

use crate::app::Environment;
use crate::constructs::iam::{Role, Statement};
use crate::constructs::sns::Topic;
use crate::l1::code_pipeline::pipeline::Category;
use crate::template::{Expr, Val, sub};

/// An artifact file reference, written `artifact::path/in/artifact` (e.g. `pkg::packaged.yaml`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ArtifactPath {
    /// The artifact name.
    pub artifact: String,
    /// The file inside the artifact.
    pub path: String,
}

impl ArtifactPath {
    /// Parses `artifact::path`.
    pub fn parse(text: &str) -> Option<ArtifactPath> {
        let (artifact, path) = text.split_once("::")?;
        (!artifact.is_empty() && !path.is_empty()).then(|| ArtifactPath {
            artifact: artifact.to_owned(),
            path: path.to_owned(),
        })
    }

    fn render(&self) -> String {
        format!("{}::{}", self.artifact, self.path)
    }
}

/// How a CloudFormation deploy action changes its stack.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DeployMode {
    /// Create the stack, or update it.
    CreateUpdate,
    /// Like `CreateUpdate`, but delete and recreate a stack left in a failed state.
    ReplaceOnFailure,
    /// Delete the stack.
    DeleteOnly,
    /// Create or replace a change set, without executing it.
    ChangeSetReplace,
    /// Execute a change set created earlier.
    ChangeSetExecute,
}

impl DeployMode {
    fn as_str(self) -> &'static str {
        match self {
            DeployMode::CreateUpdate => "CREATE_UPDATE",
            DeployMode::ReplaceOnFailure => "REPLACE_ON_FAILURE",
            DeployMode::DeleteOnly => "DELETE_ONLY",
            DeployMode::ChangeSetReplace => "CHANGE_SET_REPLACE",
            DeployMode::ChangeSetExecute => "CHANGE_SET_EXECUTE",
        }
    }

    /// Whether the mode reads a template.
    pub fn needs_template(self) -> bool {
        !matches!(self, DeployMode::DeleteOnly | DeployMode::ChangeSetExecute)
    }
}

/// A CloudFormation capability a deploy acknowledges.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Capability {
    /// `CAPABILITY_IAM`
    Iam,
    /// `CAPABILITY_NAMED_IAM`
    NamedIam,
    /// `CAPABILITY_AUTO_EXPAND`
    AutoExpand,
}

impl Capability {
    fn as_str(self) -> &'static str {
        match self {
            Capability::Iam => "CAPABILITY_IAM",
            Capability::NamedIam => "CAPABILITY_NAMED_IAM",
            Capability::AutoExpand => "CAPABILITY_AUTO_EXPAND",
        }
    }
}

/// A CloudFormation deploy action (`Deploy/AWS/CloudFormation`).
#[derive(Clone, PartialEq, Debug)]
pub struct StackDeploy {
    /// What to do with the stack.
    pub mode: DeployMode,
    /// The stack name in the target environment.
    pub stack: String,
    /// The template (all modes but `DELETE_ONLY` and `CHANGE_SET_EXECUTE`).
    pub template: Option<ArtifactPath>,
    /// A template configuration file (parameters, tags, stack policy).
    pub template_configuration: Option<ArtifactPath>,
    /// Parameter overrides; values may use `#{NS.var}` variables.
    pub parameter_overrides: IndexMap<String, String>,
    /// Capabilities to acknowledge.
    pub capabilities: Vec<Capability>,
    /// Writes the stack outputs to this file of the output artifact.
    pub output_file: Option<String>,
    /// The output artifact (with `output_file`).
    pub output: Option<String>,
    /// The change set name (change set modes).
    pub change_set: Option<String>,
}

impl StackDeploy {
    /// A `CREATE_UPDATE` of `stack` from `template`.
    pub fn create_update(stack: impl Into<String>, template: ArtifactPath) -> StackDeploy {
        StackDeploy {
            template: Some(template),
            ..StackDeploy::new(DeployMode::CreateUpdate, stack)
        }
    }

    /// A `mode` action on `stack`, with no template or options yet.
    pub fn new(mode: DeployMode, stack: impl Into<String>) -> StackDeploy {
        StackDeploy {
            mode,
            stack: stack.into(),
            template: None,
            template_configuration: None,
            parameter_overrides: IndexMap::new(),
            capabilities: Vec::new(),
            output_file: None,
            output: None,
            change_set: None,
        }
    }
}

/// Where a StackSet deploys.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum StackSetTargets {
    /// Account ids (self-managed permissions).
    Accounts(Vec<String>),
    /// Organizational unit ids (service-managed permissions, through AWS Organizations).
    OrganizationalUnits(Vec<String>),
}

/// A StackSet deploy (`CloudFormationStackSet`) or an update of its instances
/// (`CloudFormationStackInstances`, when `template` is `None`).
#[derive(Clone, PartialEq, Debug)]
pub struct StackSetDeploy {
    /// The StackSet name.
    pub name: String,
    /// The template; `None` deploys instances of an existing StackSet.
    pub template: Option<ArtifactPath>,
    /// Accounts or organizational units.
    pub targets: StackSetTargets,
    /// Regions to deploy to.
    pub regions: Vec<String>,
    /// Percentage of accounts per region that may fail before the operation stops.
    pub failure_tolerance_percentage: Option<u8>,
    /// Percentage of accounts per region deployed at once.
    pub max_concurrent_percentage: Option<u8>,
    /// Capabilities to acknowledge.
    pub capabilities: Vec<Capability>,
}

/// The CodeBuild project a build action runs.
#[derive(Clone, PartialEq, Debug)]
pub struct BuildProject {
    /// The project name.
    pub name: Val<String>,
    /// The project ARN, for the permission to start it.
    pub arn: Val<String>,
    /// The project's role, when cfsynth manages it: it is granted the artifact store.
    pub role: Option<Role>,
}

/// Where an action runs and what it may refer to, as the pipeline resolves it.
pub struct ActionContext<'a> {
    /// The account and region the action runs in.
    pub env: &'a Environment,
    /// The CloudFormation execution role of its target (deploy actions).
    pub exec_role_arn: Option<Expr<String>>,
    /// The pipeline's topics, by name.
    pub topics: &'a IndexMap<String, Topic>,
}

/// What an action does.
#[derive(Clone, PartialEq, Debug)]
pub enum ActionKind {
    /// A CodeCommit repository branch (started by an EventBridge rule on pushes).
    CodeCommitSource {
        /// The repository name.
        repository: String,
        /// The branch.
        branch: String,
        /// The output artifact.
        output: String,
    },
    /// A GitHub, Bitbucket or GitLab repository through a CodeStar connection.
    ConnectionSource {
        /// The connection ARN.
        connection_arn: String,
        /// `owner/name`.
        repository: String,
        /// The branch.
        branch: String,
        /// The output artifact.
        output: String,
        /// Start the pipeline on pushes (turn off when V2 triggers filter them).
        detect_changes: bool,
    },
    /// An object in an S3 bucket (versioning required).
    S3Source {
        /// The bucket name.
        bucket: String,
        /// The object key.
        key: String,
        /// The output artifact.
        output: String,
    },
    /// An image tag in an ECR repository.
    EcrSource {
        /// The repository name.
        repository: String,
        /// The tag.
        tag: String,
        /// The output artifact.
        output: String,
    },
    /// A CodeBuild build or test run.
    Build {
        /// The project (in the pipeline's account and region).
        project: BuildProject,
        /// Input artifacts; the first is the primary source.
        inputs: Vec<String>,
        /// Output artifacts.
        outputs: Vec<String>,
        /// Environment variables passed to the build (values may use `#{NS.var}`).
        env: IndexMap<String, String>,
        /// A test action (`Test` category) rather than a build.
        test: bool,
    },
    /// A CloudFormation stack deploy.
    Deploy(StackDeploy),
    /// A CloudFormation StackSet deploy.
    StackSet(StackSetDeploy),
    /// A Service Catalog product version deploy.
    ServiceCatalog {
        /// The product id (`prod-…`).
        product_id: String,
        /// The product template.
        template: ArtifactPath,
        /// The version name.
        version: String,
    },
    /// A manual approval.
    Approval {
        /// The pipeline topic (by name) that notifies approvers.
        topic: Option<String>,
        /// A message for the approver.
        message: Option<String>,
        /// A link for the approver to review.
        url: Option<String>,
    },
    /// A Lambda invocation (health checks, chaos experiments, resilience assessments).
    Lambda {
        /// The function name.
        function: String,
        /// User parameters (serialized to a string).
        params: Option<Json>,
        /// Input artifacts.
        inputs: Vec<String>,
        /// Output artifacts.
        outputs: Vec<String>,
    },
    /// A Step Functions state machine execution.
    StepFunction {
        /// The state machine name.
        state_machine: String,
        /// The execution input (literal JSON).
        input: Option<Json>,
    },
}

/// One action of a stage.
#[derive(Clone, PartialEq, Debug)]
pub struct Action {
    /// Unique within its stage.
    pub name: String,
    /// What it does.
    pub kind: ActionKind,
    /// Actions with the same run order run in parallel; higher ones after.
    pub run_order: u32,
    /// The namespace its output variables are published under.
    pub namespace: Option<String>,
    /// The name of a pipeline target (account and region) it acts on; `None` for the
    /// pipeline's own environment.
    pub target: Option<String>,
}

impl Action {
    /// An action with run order 1, no namespace, in the pipeline's environment.
    pub fn new(name: impl Into<String>, kind: ActionKind) -> Action {
        Action {
            name: name.into(),
            kind,
            run_order: 1,
            namespace: None,
            target: None,
        }
    }

    /// The CodePipeline category.
    pub fn category(&self) -> Category {
        match &self.kind {
            ActionKind::CodeCommitSource { .. }
            | ActionKind::ConnectionSource { .. }
            | ActionKind::S3Source { .. }
            | ActionKind::EcrSource { .. } => Category::Source,
            ActionKind::Build { test: true, .. } => Category::Test,
            ActionKind::Build { .. } => Category::Build,
            ActionKind::Deploy(_) | ActionKind::StackSet(_) | ActionKind::ServiceCatalog { .. } => {
                Category::Deploy
            }
            ActionKind::Approval { .. } => Category::Approval,
            ActionKind::Lambda { .. } | ActionKind::StepFunction { .. } => Category::Invoke,
        }
    }

    /// The CodePipeline provider.
    pub fn provider(&self) -> &'static str {
        match &self.kind {
            ActionKind::CodeCommitSource { .. } => "CodeCommit",
            ActionKind::ConnectionSource { .. } => "CodeStarSourceConnection",
            ActionKind::S3Source { .. } => "S3",
            ActionKind::EcrSource { .. } => "ECR",
            ActionKind::Build { .. } => "CodeBuild",
            ActionKind::Deploy(_) => "CloudFormation",
            ActionKind::StackSet(StackSetDeploy {
                template: Some(_), ..
            }) => "CloudFormationStackSet",
            ActionKind::StackSet(_) => "CloudFormationStackInstances",
            ActionKind::ServiceCatalog { .. } => "ServiceCatalog",
            ActionKind::Approval { .. } => "Manual",
            ActionKind::Lambda { .. } => "Lambda",
            ActionKind::StepFunction { .. } => "StepFunctions",
        }
    }

    /// Whether the action is a source.
    pub fn is_source(&self) -> bool {
        self.category() == Category::Source
    }

    /// The artifacts it reads.
    pub fn inputs(&self) -> Vec<&str> {
        match &self.kind {
            ActionKind::Build { inputs, .. } | ActionKind::Lambda { inputs, .. } => {
                inputs.iter().map(String::as_str).collect()
            }
            ActionKind::Deploy(deploy) => {
                from_paths(&[&deploy.template, &deploy.template_configuration])
            }
            ActionKind::StackSet(stack_set) => from_paths(&[&stack_set.template]),
            ActionKind::ServiceCatalog { template, .. } => vec![template.artifact.as_str()],
            _ => Vec::new(),
        }
    }

    /// The artifacts it writes.
    pub fn outputs(&self) -> Vec<&str> {
        match &self.kind {
            ActionKind::CodeCommitSource { output, .. }
            | ActionKind::ConnectionSource { output, .. }
            | ActionKind::S3Source { output, .. }
            | ActionKind::EcrSource { output, .. } => vec![output.as_str()],
            ActionKind::Build { outputs, .. } | ActionKind::Lambda { outputs, .. } => {
                outputs.iter().map(String::as_str).collect()
            }
            ActionKind::Deploy(deploy) => deploy.output.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The most input and output artifacts CodePipeline allows for this provider.
    pub fn artifact_limits(&self) -> (usize, usize) {
        match &self.kind {
            ActionKind::Build { .. } => (5, 5),
            ActionKind::Deploy(_) => (10, 1),
            ActionKind::StackSet(_) => (3, 0),
            ActionKind::ServiceCatalog { .. } => (1, 0),
            ActionKind::Lambda { .. } => (5, 5),
            ActionKind::StepFunction { .. } => (1, 1),
            ActionKind::Approval { .. } => (0, 0),
            _ => (0, 1),
        }
    }

    /// The `Configuration` map for an action running in `env`. Values are strings, as
    /// CloudFormation requires: maps and lists are serialized JSON. `exec_role_arn` is the
    /// CloudFormation execution role for deploy actions.
    pub fn configuration(&self, context: &ActionContext<'_>) -> Json {
        let env = context.env;
        let mut config = serde_json::Map::new();
        let mut set = |key: &str, value: Json| {
            config.insert(key.to_owned(), value);
        };
        match &self.kind {
            ActionKind::CodeCommitSource {
                repository, branch, ..
            } => {
                set("RepositoryName", json!(repository));
                set("BranchName", json!(branch));
                set("PollForSourceChanges", json!("false"));
            }
            ActionKind::ConnectionSource {
                connection_arn,
                repository,
                branch,
                detect_changes,
                ..
            } => {
                set("ConnectionArn", json!(connection_arn));
                set("FullRepositoryId", json!(repository));
                set("BranchName", json!(branch));
                set("DetectChanges", json!(detect_changes.to_string()));
            }
            ActionKind::S3Source { bucket, key, .. } => {
                set("S3Bucket", json!(bucket));
                set("S3ObjectKey", json!(key));
                set("PollForSourceChanges", json!("false"));
            }
            ActionKind::EcrSource {
                repository, tag, ..
            } => {
                set("RepositoryName", json!(repository));
                set("ImageTag", json!(tag));
            }
            ActionKind::Build {
                project,
                inputs,
                env,
                ..
            } => {
                set("ProjectName", to_json(&project.name));
                if inputs.len() > 1 {
                    set("PrimarySource", json!(inputs[0]));
                }
                if !env.is_empty() {
                    let variables: Vec<Json> = env
                        .iter()
                        .map(|(name, value)| json!({"name": name, "value": value, "type": "PLAINTEXT"}))
                        .collect();
                    set(
                        "EnvironmentVariables",
                        json!(Json::Array(variables).to_string()),
                    );
                }
            }
            ActionKind::Deploy(deploy) => {
                set("ActionMode", json!(deploy.mode.as_str()));
                set("StackName", json!(deploy.stack));
                if let Some(change_set) = &deploy.change_set {
                    set("ChangeSetName", json!(change_set));
                }
                if let Some(template) = &deploy.template {
                    set("TemplatePath", json!(template.render()));
                }
                if let Some(configuration) = &deploy.template_configuration {
                    set("TemplateConfiguration", json!(configuration.render()));
                }
                if !deploy.parameter_overrides.is_empty() {
                    let overrides =
                        serde_json::to_string(&deploy.parameter_overrides).unwrap_or_default();
                    set("ParameterOverrides", json!(overrides));
                }
                if !deploy.capabilities.is_empty() {
                    set(
                        "Capabilities",
                        json!(join_capabilities(&deploy.capabilities)),
                    );
                }
                if let Some(output_file) = &deploy.output_file {
                    set("OutputFileName", json!(output_file));
                }
                if let Some(role) = &context.exec_role_arn {
                    set("RoleArn", role.node().clone());
                }
            }
            ActionKind::StackSet(stack_set) => {
                set("StackSetName", json!(stack_set.name));
                if let Some(template) = &stack_set.template {
                    set("TemplatePath", json!(template.render()));
                }
                let (targets, model) = match &stack_set.targets {
                    StackSetTargets::Accounts(accounts) => (accounts, "SELF_MANAGED"),
                    StackSetTargets::OrganizationalUnits(units) => (units, "SERVICE_MANAGED"),
                };
                set("DeploymentTargets", json!(targets.join(",")));
                set("Regions", json!(stack_set.regions.join(",")));
                if stack_set.template.is_some() {
                    set("PermissionModel", json!(model));
                    if !stack_set.capabilities.is_empty() {
                        set(
                            "Capabilities",
                            json!(join_capabilities(&stack_set.capabilities)),
                        );
                    }
                }
                if let Some(tolerance) = stack_set.failure_tolerance_percentage {
                    set("FailureTolerancePercentage", json!(tolerance.to_string()));
                }
                if let Some(concurrent) = stack_set.max_concurrent_percentage {
                    set("MaxConcurrentPercentage", json!(concurrent.to_string()));
                }
            }
            ActionKind::ServiceCatalog {
                product_id,
                template,
                version,
            } => {
                set("TemplateFilePath", json!(template.render()));
                set("ProductVersionName", json!(version));
                set("ProductType", json!("CLOUD_FORMATION_TEMPLATE"));
                set("ProductId", json!(product_id));
            }
            ActionKind::Approval {
                topic,
                message,
                url,
            } => {
                if let Some(topic) = topic.as_ref().and_then(|name| context.topics.get(name)) {
                    set("NotificationArn", topic.arn().into_node());
                }
                if let Some(message) = message {
                    set("CustomData", json!(message));
                }
                if let Some(url) = url {
                    set("ExternalEntityLink", json!(url));
                }
            }
            ActionKind::Lambda {
                function, params, ..
            } => {
                set("FunctionName", json!(function));
                if let Some(params) = params {
                    let text = match params {
                        Json::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    set("UserParameters", json!(text));
                }
            }
            ActionKind::StepFunction {
                state_machine,
                input,
            } => {
                let arn = sub(format!(
                    "arn:${{AWS::Partition}}:states:{}:{}:stateMachine:{state_machine}",
                    env.region(),
                    env.account()
                ));
                set("StateMachineArn", arn.into_node());
                if let Some(input) = input {
                    set("InputType", json!("Literal"));
                    set("Input", json!(input.to_string()));
                }
            }
        }
        Json::Object(config)
    }

    /// The permissions the role that runs this action needs in `env` (the account and
    /// region the action runs in). Artifact bucket and key access are granted separately.
    pub fn permissions(&self, context: &ActionContext<'_>) -> Vec<Statement> {
        let env = context.env;
        let arn = |service: &str, resource: &str| -> Val<String> {
            Val::Expr(sub(format!(
                "arn:${{AWS::Partition}}:{service}:{}:{}:{resource}",
                env.region(),
                env.account()
            )))
        };
        match &self.kind {
            ActionKind::CodeCommitSource { repository, .. } => vec![
                Statement::allow([
                    "codecommit:GetBranch",
                    "codecommit:GetCommit",
                    "codecommit:UploadArchive",
                    "codecommit:GetUploadArchiveStatus",
                    "codecommit:CancelUploadArchive",
                ])
                .on([arn("codecommit", repository)]),
            ],
            ActionKind::ConnectionSource { connection_arn, .. } => vec![
                Statement::allow([
                    "codestar-connections:UseConnection",
                    "codeconnections:UseConnection",
                ])
                .on([connection_arn.as_str()]),
            ],
            ActionKind::S3Source { bucket, key, .. } => vec![
                Statement::allow(["s3:GetObject", "s3:GetObjectVersion"])
                    .on([sub(format!("arn:${{AWS::Partition}}:s3:::{bucket}/{key}"))]),
                Statement::allow(["s3:GetBucketVersioning", "s3:GetBucketLocation"])
                    .on([sub(format!("arn:${{AWS::Partition}}:s3:::{bucket}"))]),
            ],
            ActionKind::EcrSource { repository, .. } => vec![
                Statement::allow(["ecr:DescribeImages"])
                    .on([arn("ecr", &format!("repository/{repository}"))]),
            ],
            ActionKind::Build { project, .. } => vec![
                Statement::allow([
                    "codebuild:BatchGetBuilds",
                    "codebuild:StartBuild",
                    "codebuild:BatchGetBuildBatches",
                    "codebuild:StartBuildBatch",
                ])
                .on([project.arn.clone()]),
            ],
            ActionKind::Deploy(deploy) => {
                let mut statements = vec![
                    Statement::allow([
                        "cloudformation:CreateStack",
                        "cloudformation:UpdateStack",
                        "cloudformation:DeleteStack",
                        "cloudformation:DescribeStacks",
                        "cloudformation:DescribeStackEvents",
                        "cloudformation:CreateChangeSet",
                        "cloudformation:DeleteChangeSet",
                        "cloudformation:DescribeChangeSet",
                        "cloudformation:ExecuteChangeSet",
                        "cloudformation:SetStackPolicy",
                    ])
                    .on([arn("cloudformation", &format!("stack/{}/*", deploy.stack))]),
                ];
                statements.extend(
                    context
                        .exec_role_arn
                        .as_ref()
                        .map(pass_role_to_cloudformation),
                );
                statements
            }
            ActionKind::StackSet(stack_set) => vec![
                Statement::allow([
                    "cloudformation:CreateStackSet",
                    "cloudformation:UpdateStackSet",
                    "cloudformation:DescribeStackSet",
                    "cloudformation:DescribeStackSetOperation",
                    "cloudformation:ListStackInstances",
                    "cloudformation:CreateStackInstances",
                    "cloudformation:UpdateStackInstances",
                    "cloudformation:DeleteStackInstances",
                ])
                .on([
                    arn("cloudformation", &format!("stackset/{}:*", stack_set.name)),
                    arn(
                        "cloudformation",
                        &format!("stackset-target/{}:*", stack_set.name),
                    ),
                ]),
            ],
            ActionKind::ServiceCatalog { product_id, .. } => vec![
                Statement::allow([
                    "servicecatalog:ListProvisioningArtifacts",
                    "servicecatalog:CreateProvisioningArtifact",
                    "servicecatalog:DescribeProvisioningArtifact",
                    "servicecatalog:DeleteProvisioningArtifact",
                    "servicecatalog:UpdateProduct",
                ])
                .on([arn("catalog", &format!("product/{product_id}"))]),
            ],
            ActionKind::Approval { topic, .. } => topic
                .iter()
                .filter_map(|name| context.topics.get(name))
                .map(|topic| Statement::allow(["sns:Publish"]).on([topic.arn()]))
                .collect(),
            ActionKind::Lambda { function, .. } => vec![
                Statement::allow(["lambda:InvokeFunction"])
                    .on([arn("lambda", &format!("function:{function}"))]),
            ],
            ActionKind::StepFunction { state_machine, .. } => vec![
                Statement::allow(["states:StartExecution"])
                    .on([arn("states", &format!("stateMachine:{state_machine}"))]),
                Statement::allow(["states:DescribeExecution"])
                    .on([arn("states", &format!("execution:{state_machine}:*"))]),
            ],
        }
    }
}

/// The distinct artifacts of some artifact paths, in order.
fn from_paths<'a>(paths: &[&'a Option<ArtifactPath>]) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for path in paths.iter().filter_map(|path| path.as_ref()) {
        if !names.contains(&path.artifact.as_str()) {
            names.push(&path.artifact);
        }
    }
    names
}

/// `iam:PassRole` on exactly one role, only to CloudFormation.
pub fn pass_role_to_cloudformation(role_arn: &Expr<String>) -> Statement {
    Statement::allow(["iam:PassRole"])
        .on([role_arn.clone()])
        .when(
            "StringEquals",
            "iam:PassedToService",
            json!("cloudformation.amazonaws.com"),
        )
}

fn join_capabilities(capabilities: &[Capability]) -> String {
    capabilities
        .iter()
        .map(|capability| capability.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn to_json(value: &Val<String>) -> Json {
    serde_json::to_value(value).unwrap_or(Json::Null)
}
