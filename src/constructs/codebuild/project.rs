//! The CodeBuild project construct.

use indexmap::IndexMap;

use super::buildspec::BuildSpec;
use super::env_vars::{self, EnvVar, secret_arn};
use super::image::{Compute, Image, ImageSource};
use super::reports::{self, ReportGroupProps, objects_under};
use super::vpc::VpcConfig;
use crate::app::{App, ResourceHandle, physical_name};
use crate::constructs::iam::{Grantee, Principal, Role, RoleProps, Statement};
use crate::constructs::kms::Key;
use crate::constructs::logs::{DEFAULT_RETENTION_DAYS, LogGroup, LogGroupProps, RETENTION_DAYS};
use crate::constructs::s3::Bucket;
use crate::constructs::{ConstructError, Scope};
use crate::l1::code_build::project as l1;
use crate::template::{Expr, Resource, Val, sub, sub_with};

/// The shortest and longest build timeouts CodeBuild accepts, in minutes.
const TIMEOUT_MINUTES: (i64, i64) = (5, 2160);
/// The shortest and longest queue timeouts CodeBuild accepts, in minutes.
const QUEUED_TIMEOUT_MINUTES: (i64, i64) = (5, 480);
/// The longest project description CodeBuild accepts.
const MAX_DESCRIPTION_LEN: usize = 255;
/// The longest project name CodeBuild accepts.
const MAX_NAME_LEN: usize = 150;

/// Where the project's source and buildspec come from, and where its output goes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ProjectSource {
    /// `CODEPIPELINE` source and artifacts: the project runs as a pipeline action, which
    /// hands it the input artifacts and collects its outputs. The pipeline grants the role
    /// access to its artifact bucket and key.
    CodePipeline(BuildSpecSource),
    /// `NO_SOURCE` and `NO_ARTIFACTS`: the build runs only its inline buildspec (boxed:
    /// it is large).
    NoSource(Box<BuildSpec>),
}

/// A buildspec in the source, or inline.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BuildSpecSource {
    /// A file in the source, relative to its root (`buildspec.yml`).
    File(String),
    /// A typed buildspec, stored in the project as YAML (boxed: it is large).
    Inline(Box<BuildSpec>),
}

/// A build cache.
#[derive(Clone, PartialEq, Debug)]
pub enum Cache {
    /// `S3`: cached paths are stored under a prefix of a bucket, which the role may read
    /// and write.
    S3 {
        /// The bucket.
        bucket: Bucket,
        /// The key prefix (`cache/build`); the whole bucket when empty.
        prefix: String,
    },
    /// `LOCAL`: cached on the build host, for builds that follow each other closely.
    Local(Vec<LocalCache>),
}

/// What a local cache keeps.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LocalCache {
    /// `LOCAL_SOURCE_CACHE`: the Git metadata of the source.
    Source,
    /// `LOCAL_DOCKER_LAYER_CACHE`: Docker layers (needs privileged mode).
    DockerLayer,
    /// `LOCAL_CUSTOM_CACHE`: the buildspec's `cache.paths`.
    Custom,
}

impl LocalCache {
    fn as_str(self) -> &'static str {
        match self {
            LocalCache::Source => "LOCAL_SOURCE_CACHE",
            LocalCache::DockerLayer => "LOCAL_DOCKER_LAYER_CACHE",
            LocalCache::Custom => "LOCAL_CUSTOM_CACHE",
        }
    }
}

/// Build logs: always to a CloudWatch Logs group the project owns, optionally also to S3.
#[derive(Clone, PartialEq, Debug)]
pub struct LogsProps {
    /// How long CloudWatch Logs keeps build logs (one of
    /// [`RETENTION_DAYS`](crate::constructs::logs::RETENTION_DAYS)).
    pub retention_days: i64,
    /// A customer-managed key for the log group.
    pub key: Option<Key>,
    /// A copy of the logs in S3.
    pub s3: Option<S3Logs>,
}

impl Default for LogsProps {
    fn default() -> Self {
        LogsProps {
            retention_days: DEFAULT_RETENTION_DAYS,
            key: None,
            s3: None,
        }
    }
}

/// Build logs in S3, encrypted.
#[derive(Clone, PartialEq, Debug)]
pub struct S3Logs {
    /// The bucket.
    pub bucket: Bucket,
    /// The key prefix (`build-logs`); the whole bucket when empty.
    pub prefix: String,
}

/// Properties of a [`Project`].
#[derive(Clone, PartialEq, Debug)]
pub struct ProjectProps {
    /// The project name (2 to 150 letters, digits, `-` and `_`). Default: the stack name
    /// and construct path in kebab case. It also names the log group
    /// (`/aws/codebuild/<name>`) and the report groups (`<name>-<report>`).
    pub name: Option<String>,
    /// What the project is for (at most 255 characters).
    pub description: Option<String>,
    /// Source, buildspec and artifacts.
    pub source: ProjectSource,
    /// The build image.
    pub image: Image,
    /// The machine size; it must be offered for the image's environment type.
    pub compute: Compute,
    /// Run the Docker daemon inside the build (needed to build images).
    pub privileged: bool,
    /// A Secrets Manager secret (name or ARN) with the username and password of a private
    /// registry, for registry images other than curated and Amazon ECR ones.
    pub registry_credential: Option<Val<String>>,
    /// Environment variables. The role may read exactly the parameters and secrets they
    /// name (keys other than the AWS managed ones need their own grants).
    pub env: Vec<EnvVar>,
    /// Run builds inside a VPC.
    pub vpc: Option<VpcConfig>,
    /// Report groups by the name the buildspec uses.
    pub report_groups: IndexMap<String, ReportGroupProps>,
    /// Build logs.
    pub logs: LogsProps,
    /// A build cache.
    pub cache: Option<Cache>,
    /// Build timeout in minutes (5 to 2,160; CodeBuild's default is 60).
    pub timeout_minutes: Option<i64>,
    /// How long a build may wait in the queue, in minutes (5 to 480).
    pub queued_timeout_minutes: Option<i64>,
    /// The key that encrypts build output artifacts (`EncryptionKey`); the role may
    /// encrypt and decrypt with it.
    pub encryption_key: Option<Key>,
    /// At most this many builds at once (at least 1).
    pub concurrent_build_limit: Option<i64>,
}

impl ProjectProps {
    /// Properties with a source and an image, and defaults for the rest: small compute,
    /// unprivileged, no variables, no VPC, no reports, no cache, CloudWatch logs kept for
    /// [`DEFAULT_RETENTION_DAYS`](crate::constructs::logs::DEFAULT_RETENTION_DAYS).
    pub fn new(source: ProjectSource, image: Image) -> ProjectProps {
        ProjectProps {
            name: None,
            description: None,
            source,
            image,
            compute: Compute::Small,
            privileged: false,
            registry_credential: None,
            env: Vec::new(),
            vpc: None,
            report_groups: IndexMap::new(),
            logs: LogsProps::default(),
            cache: None,
            timeout_minutes: None,
            queued_timeout_minutes: None,
            encryption_key: None,
            concurrent_build_limit: None,
        }
    }
}

/// A CodeBuild project with its own service role, log group, report groups and, in a VPC
/// without given security groups, an egress-only security group.
///
/// The role trusts `codebuild.amazonaws.com` and holds only what the properties
/// reference: writing to the project's log group and report groups, reading the named
/// parameters and secrets, pulling the named ECR repository, the documented VPC network
/// interface permissions, the S3 prefixes of logs, cache and report exports, and the
/// keys involved. The project `DependsOn` the role's policy, so the permissions exist
/// before the first build.
#[derive(Clone, PartialEq, Debug)]
pub struct Project {
    handle: ResourceHandle,
    role: Role,
    name: String,
}

impl Project {
    /// Creates the project in `scope` (logical IDs `<Scope>Project`, `<Scope>Role`,
    /// `<Scope>RoleDefaultPolicy`, `<Scope>LogGroup`, `<Scope><Report>ReportGroup`,
    /// `<Scope>SecurityGroup`). Every property is checked before anything is added.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: ProjectProps,
    ) -> Result<Project, ConstructError> {
        let path = construct_path(scope);
        let name = match &props.name {
            Some(name) => name.clone(),
            None => physical_name(&[app.stack(scope.stack).name(), &scope.path], MAX_NAME_LEN),
        };
        validate(app, scope, &path, &name, &props)?;

        let role = Role::new(
            app,
            scope,
            RoleProps {
                assumed_by: vec![Principal::service("codebuild.amazonaws.com")],
                description: Some(format!("Service role of the CodeBuild project {name}")),
                ..RoleProps::default()
            },
        );

        let log_group_name = format!("/aws/codebuild/{name}");
        let log_group = LogGroup::try_new(
            app,
            scope,
            LogGroupProps {
                name: Some(log_group_name.clone()),
                retention_days: props.logs.retention_days,
                key: props.logs.key.clone(),
            },
        )?;
        let log_group_arn = format!(
            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{log_group_name}"
        );
        role.add_to_policy(
            app,
            Statement::allow(["logs:CreateLogStream", "logs:PutLogEvents"]).on([
                sub(log_group_arn.clone()),
                sub(format!("{log_group_arn}:*")),
            ]),
        );

        let mut report_arns = Vec::with_capacity(props.report_groups.len());
        for (report, group) in &props.report_groups {
            report_arns.push(reports::create(app, scope, &name, report, group));
        }
        if !report_arns.is_empty() {
            role.add_to_policy(app, reports::statement(report_arns));
        }
        for group in props.report_groups.values() {
            reports::grant_export(app, group, &role);
        }

        let extra_secrets: Vec<Val<String>> = props
            .registry_credential
            .iter()
            .map(|credential| match credential {
                Val::Lit(id) => secret_arn(id),
                Val::Expr(_) => credential.clone(),
            })
            .collect();
        for statement in env_vars::read_statements(&props.env, &extra_secrets) {
            role.add_to_policy(app, statement);
        }
        if let ImageSource::Ecr {
            account,
            region,
            repository,
        } = props.image.source()
        {
            role.add_to_policy(
                app,
                Statement::allow([
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ])
                .on([sub(format!(
                    "arn:${{AWS::Partition}}:ecr:{region}:{account}:repository/{}",
                    repository.replace("${", "${!")
                ))]),
            );
            // ecr:GetAuthorizationToken has no resource-level permissions in IAM: `*` is
            // the only valid resource. The token alone gives no access to any repository.
            role.add_to_policy(
                app,
                Statement::allow(["ecr:GetAuthorizationToken"]).on(["*"]),
            );
        }

        let vpc_config = props.vpc.as_ref().map(|vpc| vpc.to_l1(app, scope, &name));
        if let Some(vpc) = &props.vpc {
            for statement in vpc.statements() {
                role.add_to_policy(app, statement);
            }
        }

        let s3_logs = props.logs.s3.as_ref().map(|logs| {
            grant_prefix(app, &role, &logs.bucket, &logs.prefix, &["s3:PutObject"]);
            let mut config = l1::S3LogsConfig::new("ENABLED");
            config.location = Some(Val::Expr(location(&logs.bucket, &logs.prefix)));
            config.encryption_disabled = Some(Val::Lit(false));
            Val::Lit(config)
        });
        let cache = props.cache.as_ref().map(|cache| match cache {
            Cache::S3 { bucket, prefix } => {
                grant_prefix(
                    app,
                    &role,
                    bucket,
                    prefix,
                    &["s3:GetObject", "s3:PutObject"],
                );
                let mut config = l1::ProjectCache::new("S3");
                config.location = Some(Val::Expr(location(bucket, prefix)));
                Val::Lit(config)
            }
            Cache::Local(modes) => {
                let mut config = l1::ProjectCache::new("LOCAL");
                config.modes = Some(Val::Lit(
                    modes
                        .iter()
                        .map(|mode| Val::Lit(mode.as_str().to_owned()))
                        .collect(),
                ));
                Val::Lit(config)
            }
        });
        if let Some(key) = &props.encryption_key {
            key.grant_encrypt_decrypt(app, &role);
        }

        let mut cloud_watch = l1::CloudWatchLogsConfig::new("ENABLED");
        cloud_watch.group_name = Some(Val::Expr(log_group.name()));
        let logs_config = l1::LogsConfig {
            cloud_watch_logs: Some(Val::Lit(cloud_watch)),
            s3_logs,
        };

        let (source, artifacts) = source_and_artifacts(&props.source);
        let mut project = l1::Project::new(
            artifacts,
            environment(&props),
            Val::Expr(role.arn()),
            source,
        );
        project.name = Some(Val::Lit(name.clone()));
        project.description = props.description.clone().map(Val::Lit);
        project.logs_config = Some(Val::Lit(logs_config));
        project.cache = cache;
        project.vpc_config = vpc_config.map(Val::Lit);
        project.timeout_in_minutes = props.timeout_minutes.map(Val::Lit);
        project.queued_timeout_in_minutes = props.queued_timeout_minutes.map(Val::Lit);
        project.encryption_key = props
            .encryption_key
            .as_ref()
            .map(|key| Val::Expr(key.arn()));
        project.concurrent_build_limit = props.concurrent_build_limit.map(Val::Lit);
        let mut resource = Resource::new(&project);
        if let Some(policy) = role.default_policy_id(app) {
            resource = resource.depends_on(policy);
        }
        let handle = scope.add_resource(app, "Project", resource);
        Ok(Project { handle, role, name })
    }

    /// The project's service role.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The project name (`Ref`).
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The project name as synthesized, for references from other environments that
    /// cannot use `Ref`.
    pub fn physical_name(&self) -> &str {
        &self.name
    }

    /// The project ARN (`Fn::GetAtt Arn`).
    pub fn arn(&self) -> Expr<String> {
        self.handle.get_att("Arn")
    }

    /// The project resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}

/// The scope path, or the project's logical ID at a stack's root.
fn construct_path(scope: &Scope) -> String {
    if scope.path.is_empty() {
        scope.logical_id("Project")
    } else {
        scope.path.clone()
    }
}

/// `<bucket name>/<prefix>` for CodeBuild's S3 `Location` properties.
fn location(bucket: &Bucket, prefix: &str) -> Expr<String> {
    match prefix.trim_matches('/') {
        "" => bucket.name(),
        prefix => sub_with(
            format!("${{Bucket}}/{}", prefix.replace("${", "${!")),
            [("Bucket", Val::Expr(bucket.name()))],
        ),
    }
}

/// Grants `actions` on the objects under `prefix`, plus what CodeBuild checks on the
/// bucket before it writes (`s3:GetBucketAcl`, `s3:GetBucketLocation`, as in the policy
/// CodeBuild itself generates), and the bucket's key.
fn grant_prefix(app: &mut App, role: &Role, bucket: &Bucket, prefix: &str, actions: &[&str]) {
    role.add_to_policy(
        app,
        Statement::allow(actions.iter().copied())
            .on([bucket.arn_for_objects(&objects_under(prefix))]),
    );
    role.add_to_policy(
        app,
        Statement::allow(["s3:GetBucketAcl", "s3:GetBucketLocation"]).on([bucket.arn()]),
    );
    if let Some(key) = bucket.key() {
        key.grant_encrypt_decrypt(app, role);
    }
}

fn source_and_artifacts(source: &ProjectSource) -> (l1::Source, l1::Artifacts) {
    match source {
        ProjectSource::CodePipeline(buildspec) => {
            let mut source = l1::Source::new("CODEPIPELINE");
            source.build_spec = Some(Val::Lit(match buildspec {
                BuildSpecSource::File(path) => path.clone(),
                BuildSpecSource::Inline(spec) => spec.to_yaml(),
            }));
            (source, l1::Artifacts::new("CODEPIPELINE"))
        }
        ProjectSource::NoSource(spec) => {
            let mut source = l1::Source::new("NO_SOURCE");
            source.build_spec = Some(Val::Lit(spec.to_yaml()));
            (source, l1::Artifacts::new("NO_ARTIFACTS"))
        }
    }
}

fn environment(props: &ProjectProps) -> l1::Environment {
    let image = &props.image;
    let mut environment = l1::Environment::new(
        props.compute.as_str(),
        image.identifier(),
        image.environment_type().as_str(),
    );
    let service_role_pulls = match image.source() {
        ImageSource::Curated => false,
        ImageSource::Ecr { .. } => true,
        ImageSource::Registry => props.registry_credential.is_some(),
    };
    environment.image_pull_credentials_type = Some(Val::Lit(
        if service_role_pulls {
            "SERVICE_ROLE"
        } else {
            "CODEBUILD"
        }
        .to_owned(),
    ));
    environment.registry_credential = props.registry_credential.as_ref().map(|credential| {
        Val::Lit(l1::RegistryCredential::new(
            credential.clone(),
            "SECRETS_MANAGER",
        ))
    });
    environment.privileged_mode = Some(Val::Lit(props.privileged));
    if !props.env.is_empty() {
        environment.environment_variables = Some(Val::Lit(env_vars::to_l1(&props.env)));
    }
    environment
}

/// Every check of the properties, before anything is added to the app.
fn validate(
    app: &App,
    scope: &Scope,
    path: &str,
    name: &str,
    props: &ProjectProps,
) -> Result<(), ConstructError> {
    let invalid = |message: String| Err(ConstructError::invalid(path, message));
    let well_formed = name.len() >= 2
        && name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed {
        return invalid(format!(
            "project name `{name}` is not valid: use 2 to {MAX_NAME_LEN} letters, digits, `-` \
             and `_`, starting with a letter or digit"
        ));
    }
    if let Some(description) = &props.description
        && description.chars().count() > MAX_DESCRIPTION_LEN
    {
        return invalid(format!(
            "the description has {} characters; CodeBuild allows at most {MAX_DESCRIPTION_LEN}",
            description.chars().count()
        ));
    }

    let partition = app.env(scope.stack).partition();
    let environment_type = props.image.environment_type();
    let offered = environment_type.computes(partition);
    if !offered.contains(&props.compute) {
        let valid: Vec<&str> = offered.iter().map(|compute| compute.alias()).collect();
        return invalid(format!(
            "compute type `{}` is not available for {environment_type} images (`{}`) in the \
             `{}` partition; valid compute types are {}",
            props.compute,
            props.image.identifier(),
            partition.name(),
            valid.join(", ")
        ));
    }
    if props.registry_credential.is_some() && *props.image.source() != ImageSource::Registry {
        return invalid(format!(
            "a registry credential applies only to images of a private registry, but `{}` is {}; \
             remove the credential",
            props.image.identifier(),
            match props.image.source() {
                ImageSource::Curated => "a CodeBuild curated image",
                _ => "an Amazon ECR image, pulled with the service role",
            }
        ));
    }

    for (label, value, (min, max)) in [
        ("timeout", props.timeout_minutes, TIMEOUT_MINUTES),
        (
            "queued timeout",
            props.queued_timeout_minutes,
            QUEUED_TIMEOUT_MINUTES,
        ),
    ] {
        if let Some(minutes) = value
            && !(min..=max).contains(&minutes)
        {
            return invalid(format!(
                "a {label} of {minutes} minutes is out of range; CodeBuild accepts {min} to {max} minutes"
            ));
        }
    }
    if let Some(limit) = props.concurrent_build_limit
        && limit < 1
    {
        return invalid(format!(
            "a concurrent build limit of {limit} allows no builds; give at least 1, or no limit"
        ));
    }
    if !RETENTION_DAYS.contains(&props.logs.retention_days) {
        let valid: Vec<String> = RETENTION_DAYS.iter().map(ToString::to_string).collect();
        return invalid(format!(
            "CloudWatch Logs cannot keep build logs for {} days; valid retentions are {}",
            props.logs.retention_days,
            valid.join(", ")
        ));
    }

    env_vars::validate(path, &props.env)?;
    if let Some(vpc) = &props.vpc {
        vpc.validate(path)?;
    }
    for report in props.report_groups.keys() {
        reports::validate_name(path, name, report)?;
    }

    if let Some(Cache::Local(modes)) = &props.cache {
        if modes.is_empty() {
            return invalid(
                "a local cache needs at least one mode: source, docker-layer or custom".into(),
            );
        }
        if modes.contains(&LocalCache::DockerLayer) && !props.privileged {
            return invalid(
                "the local Docker layer cache needs privileged mode; set `privileged` or drop \
                 the docker-layer mode"
                    .into(),
            );
        }
    }

    let (buildspec, no_source) = match &props.source {
        ProjectSource::CodePipeline(BuildSpecSource::File(file)) => {
            if file.trim().is_empty() || file.contains('\n') || file.starts_with('/') {
                return invalid(format!(
                    "buildspec file `{file}` is not a path in the source; give a path relative \
                     to the source root such as `buildspec.yml`"
                ));
            }
            (None, false)
        }
        ProjectSource::CodePipeline(BuildSpecSource::Inline(spec)) => (Some(spec.as_ref()), false),
        ProjectSource::NoSource(spec) => (Some(spec.as_ref()), true),
    };
    if let Some(spec) = buildspec {
        spec.validate(path)?;
        if no_source && spec.artifacts.is_some() {
            return invalid(
                "a NO_SOURCE project has no artifact output; remove the buildspec's artifacts \
                 section or run the project from a pipeline"
                    .into(),
            );
        }
        for (report, files) in &spec.reports {
            let Some(group) = props.report_groups.get(report) else {
                let declared: Vec<&str> = props.report_groups.keys().map(String::as_str).collect();
                return invalid(format!(
                    "buildspec report `{report}` is not one of the project's report groups ({}); \
                     declare it in report_groups so the role may write to it",
                    if declared.is_empty() {
                        "none declared".to_owned()
                    } else {
                        declared.join(", ")
                    }
                ));
            };
            reports::validate_format(path, report, group.report_type, files.file_format)?;
        }
        let custom_cache = match &props.cache {
            Some(Cache::S3 { .. }) => true,
            Some(Cache::Local(modes)) => modes.contains(&LocalCache::Custom),
            None => false,
        };
        if !spec.cache_paths.is_empty() && !custom_cache {
            return invalid(
                "the buildspec lists cache paths, but the project has no S3 cache or local \
                 custom cache to keep them in; set `cache`"
                    .into(),
            );
        }
    }
    Ok(())
}
