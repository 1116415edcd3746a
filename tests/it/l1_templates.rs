//! One hand-built template per service, using every generated L1 type with its required
//! properties the way an AWS engineer would: partition-neutral ARNs, references between
//! resources, least-privilege roles, encryption at rest and in transit.
//!
//! The templates are snapshotted as `snapshots/l1-<service>.snap`; `tests/cfn_lint.rs`
//! lints every snapshot with the pinned cfn-lint, so these also prove that what the L1
//! types serialize is what CloudFormation expects.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use cfsynth::template::{
    Expr, List, Output, Parameter, ParameterType, Resource, ResourceId, Template, Val, aws, join,
    sub, sub_with,
};
use serde_json::{Value as Json, json};

// ---------------------------------------------------------------------------------------
// Small helpers shared by the templates.
// ---------------------------------------------------------------------------------------

/// A literal list of typed items.
fn list<T>(items: impl IntoIterator<Item = T>) -> Val<List<T>> {
    Val::Lit(items.into_iter().map(Val::Lit).collect())
}

/// An optional property that is set.
fn some<T>(value: impl Into<Val<T>>) -> Option<Val<T>> {
    Some(value.into())
}

/// A map from names to values, in the given order.
fn map<V>(entries: impl IntoIterator<Item = (&'static str, V)>) -> IndexMap<String, V> {
    entries
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// The tags of the orders service, for the types whose `Tags` are a map.
fn service_tag_map() -> Option<Val<IndexMap<String, Val<String>>>> {
    some(map([("Service", Val::from("orders"))]))
}

/// A partition-neutral ARN: `arn:${AWS::Partition}:` followed by `rest` (a `Fn::Sub` string).
fn arn(rest: &str) -> Expr<String> {
    sub(format!("arn:${{AWS::Partition}}:{rest}"))
}

/// The ARN of an AWS managed IAM policy, e.g. `service-role/AWSGlueServiceRole`.
fn aws_managed_policy(name: &str) -> Expr<String> {
    arn(&format!("iam::aws:policy/{name}"))
}

/// A `String` parameter with a description.
fn string_parameter(description: &str) -> Parameter {
    Parameter::string().with_description(description)
}

/// A `String` parameter whose value must match `pattern`.
fn pattern_parameter(description: &str, pattern: &str, constraint: &str) -> Parameter {
    Parameter {
        allowed_pattern: Some(pattern.to_owned()),
        constraint_description: Some(constraint.to_owned()),
        ..string_parameter(description)
    }
}

/// A parameter of an AWS-specific type such as `AWS::EC2::VPC::Id`.
fn aws_parameter(parameter_type: &str, description: &str) -> Parameter {
    Parameter::new(ParameterType::Aws(parameter_type.to_owned())).with_description(description)
}

/// A 12-digit AWS account ID parameter.
fn account_parameter(description: &str) -> Parameter {
    pattern_parameter(description, r"^\d{12}$", "a 12-digit AWS account ID")
}

/// An IAM role ARN parameter.
fn role_arn_parameter(description: &str) -> Parameter {
    pattern_parameter(
        description,
        r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$",
        "the ARN of an IAM role",
    )
}

/// Exports `value` as `<stack name>-<name>`.
fn export(template: &mut Template, name: &str, description: &str, value: Expr<String>) {
    template.add_output(
        name,
        Output::new(value)
            .with_description(description)
            .exported_as(sub(format!("${{AWS::StackName}}-{name}"))),
    );
}

/// An IAM policy document.
fn policy(statements: impl IntoIterator<Item = Json>) -> Json {
    json!({"Version": "2012-10-17", "Statement": statements.into_iter().collect::<Vec<_>>()})
}

/// An identity-policy statement allowing `actions` on `resources`.
fn allow(sid: &str, actions: &[&str], resources: Json) -> Json {
    json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources})
}

/// A trust policy letting an AWS service assume the role.
fn trust(service: &str) -> Json {
    policy([json!({
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    })])
}

/// A role an AWS service assumes, with one inline policy.
fn service_role(
    service: &str,
    description: &str,
    permissions: Json,
) -> cfsynth::l1::iam::role::Role {
    use cfsynth::l1::iam::role::{Policy, Role};
    Role {
        description: some(description),
        policies: Some(list([Policy::new(permissions, "least-privilege")])),
        ..Role::new(trust(service))
    }
}

const KEY_USE: &[&str] = &[
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
];

/// The key-policy statement that lets IAM policies of this account grant use of the key.
fn enable_iam_policies() -> Json {
    json!({
        "Sid": "EnableIamPolicies",
        "Effect": "Allow",
        "Principal": {"AWS": arn("iam::${AWS::AccountId}:root")},
        "Action": "kms:*",
        "Resource": "*",
    })
}

/// The key-policy statement that lets CloudWatch Logs encrypt this account's log groups.
fn logs_may_use_key() -> Json {
    json!({
        "Sid": "AllowCloudWatchLogs",
        "Effect": "Allow",
        "Principal": {"Service": sub("logs.${AWS::Region}.amazonaws.com")},
        "Action": KEY_USE,
        "Resource": "*",
        "Condition": {"ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": arn("logs:${AWS::Region}:${AWS::AccountId}:log-group:*"),
        }},
    })
}

/// The key-policy statement that lets an AWS service that publishes to an encrypted SNS
/// topic use the key, only through SNS.
fn publisher_may_use_key(service: &str) -> Json {
    json!({
        "Sid": "AllowPublisherThroughSns",
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": sub("sns.${AWS::Region}.amazonaws.com")}},
    })
}

/// Adds a retained symmetric KMS key with yearly rotation; `grants` are key-policy
/// statements added to the one enabling IAM policies.
fn add_key(template: &mut Template, id: &str, description: &str, grants: Vec<Json>) -> ResourceId {
    use cfsynth::l1::kms::key::Key;
    let key = Key {
        description: some(description),
        enable_key_rotation: some(true),
        key_policy: Some(policy(std::iter::once(enable_iam_policies()).chain(grants))),
        ..Key::default()
    };
    template.add_resource(id, Resource::new(&key).retain())
}

/// Adds a retained log group encrypted with `key`.
fn add_log_group(
    template: &mut Template,
    id: &str,
    name: Expr<String>,
    retention_days: i64,
    key: &ResourceId,
) -> ResourceId {
    use cfsynth::l1::logs::log_group::LogGroup;
    let log_group = LogGroup {
        log_group_name: some(name),
        retention_in_days: some(retention_days),
        kms_key_id: some(key.get_att::<String>("Arn")),
        ..LogGroup::default()
    };
    template.add_resource(id, Resource::new(&log_group).retain())
}

/// A private bucket encrypted with `key` (SSE-KMS with a bucket key), versioned, with public
/// access blocked, ACLs disabled, and old versions and abandoned uploads cleaned up.
fn private_bucket(key: &ResourceId) -> cfsynth::l1::s3::bucket::Bucket {
    use cfsynth::l1::s3::bucket::{
        AbortIncompleteMultipartUpload, Bucket, BucketEncryption, LifecycleConfiguration,
        NoncurrentVersionExpiration, Rule, RuleStatus, ServerSideEncryptionByDefault,
        ServerSideEncryptionByDefaultSSEAlgorithm as Sse, ServerSideEncryptionRule,
        VersioningConfiguration, VersioningConfigurationStatus,
    };
    let by_default = ServerSideEncryptionByDefault {
        kms_master_key_id: some(key.get_att::<String>("Arn")),
        ..ServerSideEncryptionByDefault::new(Sse::AwsKms)
    };
    let lifecycle = Rule {
        id: some("expire-old-versions-and-abandoned-uploads"),
        abort_incomplete_multipart_upload: some(AbortIncompleteMultipartUpload::new(7)),
        noncurrent_version_expiration: some(NoncurrentVersionExpiration::new(90)),
        ..Rule::new(RuleStatus::Enabled)
    };
    Bucket {
        bucket_encryption: some(BucketEncryption::new(list([ServerSideEncryptionRule {
            server_side_encryption_by_default: some(by_default),
            bucket_key_enabled: some(true),
            ..ServerSideEncryptionRule::default()
        }]))),
        public_access_block_configuration: some(block_public_access()),
        ownership_controls: some(bucket_owner_enforced()),
        versioning_configuration: some(VersioningConfiguration::new(
            VersioningConfigurationStatus::Enabled,
        )),
        lifecycle_configuration: some(LifecycleConfiguration::new(list([lifecycle]))),
        ..Bucket::default()
    }
}

/// Adds the policy of a bucket: `statements`, then a denial of requests not made over TLS.
fn add_bucket_policy(template: &mut Template, bucket: &ResourceId, statements: Vec<Json>) {
    use cfsynth::l1::s3::bucket_policy::BucketPolicy;
    let deny_insecure_transport = json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [bucket.get_att::<String>("Arn"), objects_arn(bucket, "")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    });
    let bucket_policy = BucketPolicy::new(
        bucket.ref_::<String>(),
        policy(statements.into_iter().chain([deny_insecure_transport])),
    );
    template.add_resource(
        format!("{}Policy", bucket.as_str()),
        Resource::new(&bucket_policy),
    );
}

/// Adds a retained [`private_bucket`] and its TLS-only bucket policy.
fn add_private_bucket(template: &mut Template, id: &str, key: &ResourceId) -> ResourceId {
    let bucket = template.add_resource(id, Resource::new(&private_bucket(key)).retain());
    add_bucket_policy(template, &bucket, vec![]);
    bucket
}

/// Object ownership that disables ACLs.
fn bucket_owner_enforced() -> cfsynth::l1::s3::bucket::OwnershipControls {
    use cfsynth::l1::s3::bucket::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};
    OwnershipControls::new(list([OwnershipControlsRule {
        object_ownership: some(ObjectOwnership::BucketOwnerEnforced),
    }]))
}

/// Every public access block turned on.
fn block_public_access() -> cfsynth::l1::s3::bucket::PublicAccessBlockConfiguration {
    cfsynth::l1::s3::bucket::PublicAccessBlockConfiguration {
        block_public_acls: some(true),
        block_public_policy: some(true),
        ignore_public_acls: some(true),
        restrict_public_buckets: some(true),
    }
}

/// The topic-policy statement that refuses publishing not done over TLS.
fn deny_insecure_publishing(topic: &ResourceId) -> Json {
    json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sns:Publish",
        "Resource": topic.ref_::<String>(),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })
}

/// Adds an SNS topic encrypted with its own key, and a topic policy letting `publisher`
/// (an AWS service principal) publish from this account over TLS only.
fn add_encrypted_topic(
    template: &mut Template,
    id: &str,
    display_name: &str,
    publisher: &str,
) -> ResourceId {
    use cfsynth::l1::sns::topic::Topic;
    use cfsynth::l1::sns::topic_policy::TopicPolicy;

    let key = add_key(
        template,
        &format!("{id}Key"),
        &format!("Encrypts the messages of the {display_name} topic"),
        vec![publisher_may_use_key(publisher)],
    );
    let topic = Topic {
        display_name: some(display_name),
        kms_master_key_id: some(key.get_att::<String>("Arn")),
        signature_version: some("2"),
        ..Topic::default()
    };
    let topic = template.add_resource(id, Resource::new(&topic));
    let topic_policy = TopicPolicy::new(
        policy([
            json!({
                "Sid": "AllowPublisherFromThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": publisher},
                "Action": "sns:Publish",
                "Resource": topic.ref_::<String>(),
                "Condition": {"StringEquals": {"aws:SourceAccount": aws::account_id()}},
            }),
            deny_insecure_publishing(&topic),
        ]),
        Val::list([topic.ref_::<String>()]),
    );
    template.add_resource(format!("{id}Policy"), Resource::new(&topic_policy));
    topic
}

/// The build environment of the CodeBuild projects: a small Amazon Linux container.
fn build_environment() -> cfsynth::l1::code_build::project::Environment {
    use cfsynth::l1::code_build::project::Environment;
    Environment {
        privileged_mode: some(false),
        image_pull_credentials_type: some("CODEBUILD"),
        ..Environment::new(
            "BUILD_GENERAL1_SMALL",
            "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            "LINUX_CONTAINER",
        )
    }
}

/// CodeBuild logs going to `log_group` only.
fn build_logs(log_group: &ResourceId) -> cfsynth::l1::code_build::project::LogsConfig {
    use cfsynth::l1::code_build::project::{CloudWatchLogsConfig, LogsConfig, S3LogsConfig};
    LogsConfig {
        cloud_watch_logs: some(CloudWatchLogsConfig {
            group_name: some(log_group.ref_::<String>()),
            ..CloudWatchLogsConfig::new("ENABLED")
        }),
        s3_logs: some(S3LogsConfig::new("DISABLED")),
    }
}

/// The statement letting a role write to the streams of a log group of the template.
fn write_logs(log_group: &ResourceId) -> Json {
    allow(
        "WriteLogs",
        &["logs:CreateLogStream", "logs:PutLogEvents"],
        json!([sub(format!("${{{}.Arn}}:*", log_group.as_str()))]),
    )
}

/// The statement letting a role use `key` for data encryption.
fn use_key(key: &ResourceId) -> Json {
    allow(
        "UseKey",
        &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
        json!([key.get_att::<String>("Arn")]),
    )
}

/// `s3://<bucket>/<path>` for a bucket of the template.
fn s3_url(bucket: &ResourceId, path: &str) -> Expr<String> {
    sub(format!("s3://${{{}}}/{path}", bucket.as_str()))
}

/// The ARN of objects under `prefix` in a bucket of the template.
fn objects_arn(bucket: &ResourceId, prefix: &str) -> Expr<String> {
    sub(format!("${{{}.Arn}}/{prefix}*", bucket.as_str()))
}

// ---------------------------------------------------------------------------------------
// The templates, one module per service.
// ---------------------------------------------------------------------------------------

mod codepipeline {
    use super::*;
    use cfsynth::l1::code_build::project::{Artifacts, Project, Source};
    use cfsynth::l1::code_pipeline::pipeline::{
        ActionDeclaration, ActionTypeId, ArtifactStore, ArtifactStoreType, Category, EncryptionKey,
        ExecutionMode, InputArtifact, OutputArtifact, Pipeline, PipelineType, StageDeclaration,
    };
    use cfsynth::l1::code_pipeline::webhook::{
        Authentication, Webhook, WebhookAuthConfiguration, WebhookFilterRule,
    };
    use cfsynth::l1::iam::role::Role;

    /// The GitHub credentials: an OAuth token for the source action, and the shared secret
    /// GitHub signs webhook deliveries with.
    const GITHUB_TOKEN: &str = "{{resolve:secretsmanager:orders-api/github:SecretString:token}}";
    const WEBHOOK_SECRET: &str =
        "{{resolve:secretsmanager:orders-api/github:SecretString:webhook-secret}}";

    fn action(
        name: &str,
        category: Category,
        owner: &str,
        provider: &str,
        configuration: Json,
    ) -> ActionDeclaration {
        ActionDeclaration {
            configuration: Some(configuration),
            ..ActionDeclaration::new(ActionTypeId::new(category, owner, provider, "1"), name)
        }
    }

    fn stage(name: &str, action: ActionDeclaration) -> StageDeclaration {
        StageDeclaration::new(list([action]), name)
    }

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Release pipeline for the orders API: GitHub source (webhook), CodeBuild build, \
             CloudFormation deployment, with KMS-encrypted artifacts",
        );
        let repository_owner = template.add_parameter::<String>(
            "GitHubOwner",
            string_parameter("GitHub organization that owns the repository"),
        );
        let repository = template.add_parameter::<String>(
            "GitHubRepository",
            string_parameter("Name of the GitHub repository"),
        );
        let branch = template.add_parameter::<String>(
            "Branch",
            string_parameter("Branch that triggers a release").with_default("main"),
        );
        let deploy_policy = template.add_parameter::<String>(
            "DeploymentPolicyArn",
            string_parameter(
                "ARN of the managed policy bounding what the application stack may create",
            ),
        );

        let key = add_key(
            &mut template,
            "ArtifactKey",
            "Encrypts the release pipeline's artifacts and build logs",
            vec![logs_may_use_key()],
        );
        let artifacts = add_private_bucket(&mut template, "ArtifactBucket", &key);
        let log_group = add_log_group(
            &mut template,
            "BuildLogGroup",
            sub("/aws/codebuild/${AWS::StackName}-build"),
            90,
            &key,
        );

        let build_role = template.add_resource(
            "BuildRole",
            Resource::new(&service_role(
                "codebuild.amazonaws.com",
                "Builds the orders API from pipeline artifacts",
                policy([
                    write_logs(&log_group),
                    allow(
                        "ReadWriteArtifacts",
                        &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                        json!([objects_arn(&artifacts, "")]),
                    ),
                    use_key(&key),
                ]),
            )),
        );
        let project = Project {
            description: some("Builds and packages the orders API"),
            encryption_key: some(key.get_att::<String>("Arn")),
            logs_config: some(build_logs(&log_group)),
            timeout_in_minutes: some(30),
            queued_timeout_in_minutes: some(60),
            ..Project::new(
                Artifacts::new("CODEPIPELINE"),
                build_environment(),
                build_role.get_att::<String>("Arn"),
                Source {
                    build_spec: some("buildspec.yml"),
                    ..Source::new("CODEPIPELINE")
                },
            )
        };
        let project = template.add_resource("BuildProject", Resource::new(&project));

        let deploy_role = Role {
            description: some("Lets CloudFormation deploy the orders API stack"),
            managed_policy_arns: Some(Val::list([deploy_policy])),
            ..Role::new(trust("cloudformation.amazonaws.com"))
        };
        let deploy_role = template.add_resource("DeployRole", Resource::new(&deploy_role));

        let app_stack = "${AWS::StackName}-app";
        let pipeline_role = template.add_resource(
            "PipelineRole",
            Resource::new(&service_role(
                "codepipeline.amazonaws.com",
                "Runs the orders API release pipeline",
                policy([
                    allow(
                        "ReadWriteArtifacts",
                        &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                        json!([objects_arn(&artifacts, "")]),
                    ),
                    allow(
                        "ListArtifacts",
                        &["s3:GetBucketVersioning", "s3:ListBucket"],
                        json!([artifacts.get_att::<String>("Arn")]),
                    ),
                    use_key(&key),
                    allow(
                        "RunBuild",
                        &["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
                        json!([project.get_att::<String>("Arn")]),
                    ),
                    allow(
                        "DeployApplicationStack",
                        &[
                            "cloudformation:CreateStack",
                            "cloudformation:DescribeStacks",
                            "cloudformation:UpdateStack",
                        ],
                        json!([arn(&format!(
                            "cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{app_stack}/*"
                        ))]),
                    ),
                    json!({
                        "Sid": "PassDeployRole",
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": deploy_role.get_att::<String>("Arn"),
                        "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
                    }),
                ]),
            )),
        );

        let mut source = action(
            "Source",
            Category::Source,
            "ThirdParty",
            "GitHub",
            json!({
                "Owner": repository_owner,
                "Repo": repository,
                "Branch": branch,
                "OAuthToken": GITHUB_TOKEN,
                "PollForSourceChanges": false,
            }),
        );
        source.output_artifacts = Some(list([OutputArtifact::new("SourceOutput")]));
        let mut build = action(
            "Build",
            Category::Build,
            "AWS",
            "CodeBuild",
            json!({"ProjectName": project.ref_::<String>()}),
        );
        build.input_artifacts = Some(list([InputArtifact::new("SourceOutput")]));
        build.output_artifacts = Some(list([OutputArtifact::new("BuildOutput")]));
        let mut deploy = action(
            "Deploy",
            Category::Deploy,
            "AWS",
            "CloudFormation",
            json!({
                "ActionMode": "CREATE_UPDATE",
                "StackName": sub(app_stack),
                "TemplatePath": "BuildOutput::packaged.yaml",
                "Capabilities": "CAPABILITY_IAM",
                "RoleArn": deploy_role.get_att::<String>("Arn"),
            }),
        );
        deploy.input_artifacts = Some(list([InputArtifact::new("BuildOutput")]));

        let store = ArtifactStore {
            encryption_key: some(EncryptionKey::new(key.get_att::<String>("Arn"), "KMS")),
            ..ArtifactStore::new(artifacts.ref_::<String>(), ArtifactStoreType::S3)
        };
        let pipeline = Pipeline {
            artifact_store: some(store),
            pipeline_type: some(PipelineType::V2),
            execution_mode: some(ExecutionMode::Queued),
            restart_execution_on_update: some(false),
            ..Pipeline::new(
                pipeline_role.get_att::<String>("Arn"),
                list([
                    stage("Source", source),
                    stage("Build", build),
                    stage("Deploy", deploy),
                ]),
            )
        };
        let pipeline = template.add_resource("Pipeline", Resource::new(&pipeline));

        let webhook = Webhook {
            register_with_third_party: some(true),
            ..Webhook::new(
                Authentication::GithubHmac,
                WebhookAuthConfiguration {
                    secret_token: some(WEBHOOK_SECRET),
                    ..WebhookAuthConfiguration::default()
                },
                list([WebhookFilterRule {
                    match_equals: some("refs/heads/{Branch}"),
                    ..WebhookFilterRule::new("$.ref")
                }]),
                "Source",
                pipeline.ref_::<String>(),
            )
        };
        template.add_resource("PipelineWebhook", Resource::new(&webhook));

        export(
            &mut template,
            "PipelineName",
            "Name of the release pipeline",
            pipeline.ref_(),
        );
        template
    }
}

mod codebuild {
    use super::*;
    use cfsynth::l1::code_build::project::{Artifacts, Project, Source};
    use cfsynth::l1::code_build::report_group::{
        ExportConfigType, Packaging, ReportExportConfig, ReportGroup, S3ReportExportConfig,
        Type as ReportType,
    };

    const BUILD_SPEC: &str = "\
version: 0.2
phases:
  install:
    runtime-versions:
      python: 3.12
  build:
    commands:
      - pip install --requirement requirements-dev.txt
      - pytest --junitxml=reports/unit.xml
reports:
  ${UnitTestReports.Arn}:
    base-directory: reports
    files:
      - unit.xml
    file-format: JUNITXML
";

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "CodeBuild project running the orders API unit tests in the pipeline, with a \
             test report group exported to an encrypted bucket",
        );
        let artifact_bucket = template.add_parameter::<String>(
            "PipelineArtifactBucket",
            string_parameter("Name of the pipeline's artifact bucket"),
        );

        let key = add_key(
            &mut template,
            "BuildKey",
            "Encrypts build artifacts, logs and test reports",
            vec![logs_may_use_key()],
        );
        let reports_bucket = add_private_bucket(&mut template, "ReportsBucket", &key);
        let log_group = add_log_group(
            &mut template,
            "BuildLogGroup",
            sub("/aws/codebuild/${AWS::StackName}-unit-tests"),
            90,
            &key,
        );

        let report_group = ReportGroup {
            delete_reports: some(true),
            ..ReportGroup::new(
                ReportExportConfig {
                    s3_destination: some(S3ReportExportConfig {
                        encryption_key: some(key.get_att::<String>("Arn")),
                        packaging: some(Packaging::Zip),
                        path: some("unit-tests"),
                        ..S3ReportExportConfig::new(reports_bucket.ref_::<String>())
                    }),
                    ..ReportExportConfig::new(ExportConfigType::S3)
                },
                ReportType::Test,
            )
        };
        let report_group = template.add_resource("UnitTestReports", Resource::new(&report_group));

        let role = template.add_resource(
            "BuildRole",
            Resource::new(&service_role(
                "codebuild.amazonaws.com",
                "Runs the orders API unit tests",
                policy([
                    write_logs(&log_group),
                    allow(
                        "ReadSourceArtifacts",
                        &["s3:GetObject", "s3:GetObjectVersion"],
                        json!([sub_with(
                            "arn:${AWS::Partition}:s3:::${Bucket}/*",
                            [("Bucket", Val::from(artifact_bucket))],
                        )]),
                    ),
                    allow(
                        "ExportTestReports",
                        &["s3:PutObject"],
                        json!([objects_arn(&reports_bucket, "unit-tests/")]),
                    ),
                    allow(
                        "PublishTestReports",
                        &[
                            "codebuild:BatchPutTestCases",
                            "codebuild:CreateReport",
                            "codebuild:UpdateReport",
                        ],
                        json!([report_group.get_att::<String>("Arn")]),
                    ),
                    use_key(&key),
                ]),
            )),
        );

        let project = Project {
            description: some("Runs the orders API unit tests"),
            encryption_key: some(key.get_att::<String>("Arn")),
            logs_config: some(build_logs(&log_group)),
            timeout_in_minutes: some(20),
            queued_timeout_in_minutes: some(60),
            ..Project::new(
                Artifacts::new("CODEPIPELINE"),
                build_environment(),
                role.get_att::<String>("Arn"),
                Source {
                    build_spec: some(sub(BUILD_SPEC)),
                    ..Source::new("CODEPIPELINE")
                },
            )
        };
        let project = template.add_resource("UnitTestProject", Resource::new(&project));

        export(
            &mut template,
            "ProjectName",
            "Name of the unit-test project",
            project.ref_(),
        );
        export(
            &mut template,
            "ReportGroupArn",
            "ARN of the unit-test report group",
            report_group.get_att("Arn"),
        );
        template
    }
}

mod codecommit {
    use super::*;
    use cfsynth::l1::code_commit::repository::{Repository, Tag};

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "CodeCommit repository for the orders API, encrypted with a customer managed key",
        );
        let key = add_key(
            &mut template,
            "RepositoryKey",
            "Encrypts the orders API repository",
            vec![],
        );
        let repository = Repository {
            repository_description: some("Source code of the orders API"),
            kms_key_id: some(key.get_att::<String>("Arn")),
            tags: Some(list([Tag::new("Service", "orders")])),
            ..Repository::new("orders-api")
        };
        let repository = template.add_resource("Repository", Resource::new(&repository).retain());
        export(
            &mut template,
            "CloneUrlHttp",
            "HTTPS clone URL",
            repository.get_att("CloneUrlHttp"),
        );
        export(
            &mut template,
            "RepositoryArn",
            "ARN of the repository",
            repository.get_att("Arn"),
        );
        template
    }
}

mod iam {
    use super::*;
    use cfsynth::l1::iam::managed_policy::ManagedPolicy;
    use cfsynth::l1::iam::policy::Policy;
    use cfsynth::l1::iam::role::{Role, Tag};

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Execution role of the orders processor Lambda function, with a customer managed \
             policy for its configuration and an inline policy for its logs",
        );
        let environment = template.add_parameter::<String>(
            "Environment",
            Parameter {
                allowed_values: vec![json!("dev"), json!("staging"), json!("prod")],
                ..string_parameter("Deployment environment")
            },
        );

        let read_configuration = ManagedPolicy {
            description: some("Reads the orders processor's configuration from Parameter Store"),
            path: some("/orders/"),
            ..ManagedPolicy::new(policy([allow(
                "ReadConfiguration",
                &[
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                    "ssm:GetParametersByPath",
                ],
                json!([arn(
                    "ssm:${AWS::Region}:${AWS::AccountId}:parameter/orders/${Environment}/*"
                )]),
            )]))
        };
        let read_configuration = template.add_resource(
            "ReadConfigurationPolicy",
            Resource::new(&read_configuration),
        );

        let role = Role {
            description: some("Execution role of the orders processor"),
            path: some("/orders/"),
            max_session_duration: some(3600),
            managed_policy_arns: Some(Val::list([read_configuration.ref_::<String>()])),
            tags: Some(list([
                Tag::new("Service", "orders"),
                Tag::new("Environment", environment),
            ])),
            ..Role::new(trust("lambda.amazonaws.com"))
        };
        let role = template.add_resource("ProcessorRole", Resource::new(&role));

        let write_logs = Policy {
            roles: Some(Val::list([role.ref_::<String>()])),
            ..Policy::new(
                policy([allow(
                    "WriteLogs",
                    &["logs:CreateLogStream", "logs:PutLogEvents"],
                    json!([arn(
                        "logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/orders-processor-${Environment}:*"
                    )]),
                )]),
                "write-logs",
            )
        };
        template.add_resource("WriteLogsPolicy", Resource::new(&write_logs));

        export(
            &mut template,
            "ProcessorRoleArn",
            "ARN of the processor's execution role",
            role.get_att("Arn"),
        );
        template
    }
}

mod kms {
    use super::*;
    use cfsynth::l1::kms::alias::Alias;
    use cfsynth::l1::kms::key::{Key, KeySpec, KeyUsage, Tag};

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Customer managed key for the orders service's data at rest, usable by the \
             service role only through S3 and DynamoDB",
        );
        let service_role = template.add_parameter::<String>(
            "ServiceRoleArn",
            role_arn_parameter("ARN of the IAM role the orders service runs as"),
        );
        let key = Key {
            description: some("Encrypts the orders service's data at rest"),
            enable_key_rotation: some(true),
            rotation_period_in_days: some(365),
            key_spec: some(KeySpec::SymmetricDefault),
            key_usage: some(KeyUsage::EncryptDecrypt),
            pending_window_in_days: some(30),
            key_policy: Some(policy([
                enable_iam_policies(),
                json!({
                    "Sid": "AllowServiceThroughStorage",
                    "Effect": "Allow",
                    "Principal": {"AWS": service_role},
                    "Action": KEY_USE,
                    "Resource": "*",
                    "Condition": {"StringEquals": {
                        "kms:CallerAccount": aws::account_id(),
                        "kms:ViaService": [
                            sub("s3.${AWS::Region}.amazonaws.com"),
                            sub("dynamodb.${AWS::Region}.amazonaws.com"),
                        ],
                    }},
                }),
            ])),
            tags: Some(list([Tag::new("Service", "orders")])),
            ..Key::default()
        };
        let key = template.add_resource("DataKey", Resource::new(&key).retain());
        let alias = Alias::new("alias/orders/data", key.ref_::<String>());
        let alias = template.add_resource("DataKeyAlias", Resource::new(&alias));

        export(
            &mut template,
            "KeyArn",
            "ARN of the data key",
            key.get_att("Arn"),
        );
        export(
            &mut template,
            "KeyAlias",
            "Alias of the data key",
            alias.ref_(),
        );
        template
    }
}

mod s3 {
    use super::*;
    use cfsynth::l1::s3::bucket::{
        AbortIncompleteMultipartUpload, Bucket, BucketEncryption, LifecycleConfiguration,
        LoggingConfiguration, Rule, RuleStatus, ServerSideEncryptionByDefault,
        ServerSideEncryptionByDefaultSSEAlgorithm as Sse, ServerSideEncryptionRule,
    };

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Encrypted, versioned, private data bucket for the orders service, with server \
             access logs in a dedicated bucket",
        );
        let key = add_key(
            &mut template,
            "DataKey",
            "Encrypts the orders data bucket",
            vec![],
        );

        // Server access logs can only be delivered to a bucket encrypted with SSE-S3.
        let logs_bucket = Bucket {
            bucket_encryption: some(BucketEncryption::new(list([ServerSideEncryptionRule {
                server_side_encryption_by_default: some(ServerSideEncryptionByDefault::new(
                    Sse::Aes256,
                )),
                ..ServerSideEncryptionRule::default()
            }]))),
            public_access_block_configuration: some(block_public_access()),
            ownership_controls: some(bucket_owner_enforced()),
            lifecycle_configuration: some(LifecycleConfiguration::new(list([Rule {
                id: some("expire-access-logs"),
                expiration_in_days: some(365),
                abort_incomplete_multipart_upload: some(AbortIncompleteMultipartUpload::new(1)),
                ..Rule::new(RuleStatus::Enabled)
            }]))),
            ..Bucket::default()
        };
        let logs_bucket =
            template.add_resource("AccessLogsBucket", Resource::new(&logs_bucket).retain());

        let data_bucket = Bucket {
            logging_configuration: some(LoggingConfiguration {
                destination_bucket_name: some(logs_bucket.ref_::<String>()),
                log_file_prefix: some("data-bucket/"),
                ..LoggingConfiguration::default()
            }),
            ..private_bucket(&key)
        };
        let data_bucket = template.add_resource("DataBucket", Resource::new(&data_bucket).retain());
        add_bucket_policy(&mut template, &data_bucket, vec![]);
        add_bucket_policy(
            &mut template,
            &logs_bucket,
            vec![json!({
                "Sid": "AllowServerAccessLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": objects_arn(&logs_bucket, "data-bucket/"),
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": aws::account_id()},
                    "ArnLike": {"aws:SourceArn": data_bucket.get_att::<String>("Arn")},
                },
            })],
        );

        export(
            &mut template,
            "DataBucketName",
            "Name of the data bucket",
            data_bucket.ref_(),
        );
        export(
            &mut template,
            "DataBucketArn",
            "ARN of the data bucket",
            data_bucket.get_att("Arn"),
        );
        template
    }
}

mod sns {
    use super::*;
    use cfsynth::l1::sns::topic::{Subscription, Tag, Topic};
    use cfsynth::l1::sns::topic_policy::TopicPolicy;

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Encrypted SNS topic for order events, published to by this account's EventBridge \
             rules over TLS only, with an e-mail subscription for the on-call team",
        );
        let email = template.add_parameter::<String>(
            "OnCallEmail",
            pattern_parameter(
                "E-mail address of the on-call team",
                r"^[^@\s]+@[^@\s]+$",
                "an e-mail address",
            ),
        );
        let key = add_key(
            &mut template,
            "TopicKey",
            "Encrypts the order events topic",
            vec![publisher_may_use_key("events.amazonaws.com")],
        );
        let topic = Topic {
            display_name: some("Order events"),
            kms_master_key_id: some(key.get_att::<String>("Arn")),
            signature_version: some("2"),
            subscription: Some(list([Subscription::new(email, "email")])),
            tags: Some(list([Tag::new("Service", "orders")])),
            ..Topic::default()
        };
        let topic = template.add_resource("OrderEventsTopic", Resource::new(&topic));
        let topic_policy = TopicPolicy::new(
            policy([
                json!({
                    "Sid": "AllowEventBridgeRulesOfThisAccount",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic.ref_::<String>(),
                    "Condition": {"ArnLike": {
                        "aws:SourceArn": arn("events:${AWS::Region}:${AWS::AccountId}:rule/*"),
                    }},
                }),
                deny_insecure_publishing(&topic),
            ]),
            Val::list([topic.ref_::<String>()]),
        );
        template.add_resource("OrderEventsTopicPolicy", Resource::new(&topic_policy));
        export(
            &mut template,
            "TopicArn",
            "ARN of the order events topic",
            topic.ref_(),
        );
        template
    }
}

mod events {
    use super::*;
    use cfsynth::l1::events::rule::{InputTransformer, RetryPolicy, Rule, State, Target};

    /// A rule sending matching events, rewritten by `transformer`, to the alerts topic.
    fn alert_rule(
        description: &str,
        pattern: Json,
        transformer: InputTransformer,
        topic: &Expr<String>,
    ) -> Rule {
        let target = Target {
            input_transformer: some(transformer),
            retry_policy: some(RetryPolicy {
                maximum_event_age_in_seconds: some(3600),
                maximum_retry_attempts: some(8),
            }),
            ..Target::new(topic.clone(), "SecurityAlertsTopic")
        };
        Rule {
            description: some(description),
            event_pattern: Some(pattern),
            state: some(State::Enabled),
            targets: Some(list([target])),
            ..Rule::default()
        }
    }

    fn transformer(paths: &[(&'static str, &str)], message: &str) -> InputTransformer {
        InputTransformer {
            input_paths_map: some(map(paths
                .iter()
                .map(|&(name, path)| (name, Val::from(path))))),
            ..InputTransformer::new(format!("\"{message}\""))
        }
    }

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "EventBridge rules alerting the security team about high-severity GuardDuty \
             findings and root user console sign-ins",
        );
        let topic = template.add_parameter::<String>(
            "AlertsTopicArn",
            string_parameter(
                "ARN of the security alerts SNS topic (its policy lets EventBridge publish)",
            ),
        );

        let findings = alert_rule(
            "High-severity GuardDuty findings",
            json!({
                "source": ["aws.guardduty"],
                "detail-type": ["GuardDuty Finding"],
                "detail": {"severity": [{"numeric": [">=", 7]}]},
            }),
            transformer(
                &[
                    ("account", "$.account"),
                    ("severity", "$.detail.severity"),
                    ("type", "$.detail.type"),
                ],
                "GuardDuty finding <type> with severity <severity> in account <account>",
            ),
            &topic,
        );
        template.add_resource("GuardDutyFindingsRule", Resource::new(&findings));

        let root_sign_in = alert_rule(
            "Console sign-ins of the root user",
            json!({
                "detail-type": ["AWS Console Sign In via CloudTrail"],
                "detail": {"userIdentity": {"type": ["Root"]}},
            }),
            transformer(
                &[("account", "$.account"), ("ip", "$.detail.sourceIPAddress")],
                "Root user signed in to account <account> from <ip>",
            ),
            &topic,
        );
        template.add_resource("RootSignInRule", Resource::new(&root_sign_in));
        template
    }
}

mod codestarnotifications {
    use super::*;
    use cfsynth::l1::code_star_notifications::notification_rule::{
        DetailType, NotificationRule, Status, Target,
    };

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Notifications of a release pipeline's failed, succeeded and approval-pending \
             executions, sent to an encrypted SNS topic",
        );
        template.add_parameter::<String>(
            "PipelineName",
            string_parameter("Name of the CodePipeline pipeline to watch"),
        );
        let topic = add_encrypted_topic(
            &mut template,
            "PipelineEventsTopic",
            "Pipeline events",
            "codestar-notifications.amazonaws.com",
        );
        let rule = NotificationRule {
            status: some(Status::Enabled),
            tags: service_tag_map(),
            ..NotificationRule::new(
                DetailType::Basic,
                Val::list([
                    "codepipeline-pipeline-pipeline-execution-failed",
                    "codepipeline-pipeline-pipeline-execution-succeeded",
                    "codepipeline-pipeline-manual-approval-needed",
                ]),
                sub("${PipelineName}-executions"),
                arn("codepipeline:${AWS::Region}:${AWS::AccountId}:${PipelineName}"),
                list([Target::new(topic.ref_::<String>(), "SNS")]),
            )
        };
        let rule = template.add_resource("PipelineNotifications", Resource::new(&rule));
        export(
            &mut template,
            "NotificationRuleArn",
            "ARN of the notification rule",
            rule.ref_(),
        );
        template
    }
}

mod ssm {
    use super::*;
    use cfsynth::l1::ssm::parameter::{DataType, Parameter as SsmParameter, Tier, Type};

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Runtime configuration of the orders service, published to Parameter Store",
        );
        template.add_parameter::<String>(
            "Environment",
            Parameter {
                allowed_values: vec![json!("dev"), json!("staging"), json!("prod")],
                ..string_parameter("Deployment environment")
            },
        );
        let endpoint = template.add_parameter::<String>(
            "PaymentsEndpoint",
            pattern_parameter(
                "HTTPS endpoint of the payments API",
                "^https://[a-z0-9.-]+(/.*)?$",
                "an https:// URL",
            ),
        );
        let origins = template.add_parameter::<List<String>>(
            "AllowedOrigins",
            Parameter::new(ParameterType::CommaDelimitedList)
                .with_description("Origins allowed to call the orders API (CORS)"),
        );

        let endpoint = SsmParameter {
            name: some(sub("/orders/${Environment}/payments-endpoint")),
            description: some("HTTPS endpoint of the payments API"),
            allowed_pattern: some("^https://.+$"),
            data_type: some(DataType::Text),
            tier: some(Tier::Standard),
            tags: service_tag_map(),
            ..SsmParameter::new(Type::String, endpoint)
        };
        let endpoint = template.add_resource("PaymentsEndpointParameter", Resource::new(&endpoint));

        let origins = SsmParameter {
            name: some(sub("/orders/${Environment}/allowed-origins")),
            description: some("Origins allowed to call the orders API"),
            tier: some(Tier::Standard),
            tags: service_tag_map(),
            ..SsmParameter::new(Type::StringList, join(",", origins))
        };
        let origins = template.add_resource("AllowedOriginsParameter", Resource::new(&origins));

        export(
            &mut template,
            "PaymentsEndpointParameterName",
            "Name of the payments endpoint parameter",
            endpoint.ref_(),
        );
        export(
            &mut template,
            "AllowedOriginsParameterName",
            "Name of the allowed origins parameter",
            origins.ref_(),
        );
        template
    }
}

mod cloudformation {
    use super::*;
    use cfsynth::l1::cloud_formation::stack_set::{
        AutoDeployment, Capability, DeploymentTargets, ManagedExecution, OperationPreferences,
        Parameter as StackSetParameter, PermissionModel, RegionConcurrencyType, StackInstances,
        StackSet, Tag,
    };
    use cfsynth::l1::iam::role::Role;

    /// The template every member account gets: a read-only role the security team's
    /// account can assume for audits.
    fn audit_role_template() -> String {
        let mut template = Template::new()
            .with_description("Role the security account assumes to audit this account");
        template.add_parameter::<String>(
            "AuditAccountId",
            account_parameter("ID of the security team's audit account"),
        );
        let role = Role {
            role_name: some("OrganizationSecurityAudit"),
            description: some("Read-only security audit by the security team"),
            max_session_duration: some(3600),
            managed_policy_arns: Some(Val::list([aws_managed_policy("SecurityAudit")])),
            ..Role::new(policy([json!({
                "Effect": "Allow",
                "Principal": {"AWS": arn("iam::${AuditAccountId}:root")},
                "Action": "sts:AssumeRole",
                "Condition": {"ArnEquals": {
                    "aws:PrincipalArn": arn("iam::${AuditAccountId}:role/SecurityAuditor"),
                }},
            })]))
        };
        template.add_resource("AuditRole", Resource::new(&role));
        let body = template
            .to_json()
            .expect("the audit role template is valid");
        let value: Json = serde_json::from_str(&body).expect("JSON");
        value.to_string()
    }

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Service-managed stack set deploying the security audit role to every account of \
             the target organizational units, including accounts added later",
        );
        let audit_account = template.add_parameter::<String>(
            "AuditAccountId",
            account_parameter("ID of the security team's audit account"),
        );
        let units = template.add_parameter::<List<String>>(
            "TargetOrganizationalUnitIds",
            Parameter::new(ParameterType::CommaDelimitedList)
                .with_description("Organizational units whose accounts get the audit role"),
        );

        let stack_set = StackSet {
            description: some("Security audit role in every member account"),
            auto_deployment: some(AutoDeployment {
                enabled: some(true),
                retain_stacks_on_account_removal: some(false),
                ..AutoDeployment::default()
            }),
            capabilities: Some(list([Capability::CapabilityNamedIam])),
            managed_execution: some(ManagedExecution { active: some(true) }),
            operation_preferences: some(OperationPreferences {
                failure_tolerance_percentage: some(10),
                max_concurrent_percentage: some(25),
                region_concurrency_type: some(RegionConcurrencyType::Parallel),
                ..OperationPreferences::default()
            }),
            parameters: Some(list([StackSetParameter::new(
                "AuditAccountId",
                audit_account,
            )])),
            // IAM is global: one region per account, or the named role would collide.
            stack_instances_group: Some(list([StackInstances::new(
                DeploymentTargets {
                    organizational_unit_ids: some(units),
                    ..DeploymentTargets::default()
                },
                Val::list([aws::region()]),
            )])),
            template_body: some(audit_role_template()),
            tags: Some(list([Tag::new("Owner", "security")])),
            ..StackSet::new(
                PermissionModel::ServiceManaged,
                "organization-security-audit-role",
            )
        };
        let stack_set = template.add_resource("AuditRoleStackSet", Resource::new(&stack_set));
        export(
            &mut template,
            "StackSetId",
            "ID of the audit role stack set",
            stack_set.ref_(),
        );
        template
    }
}

mod servicecatalog {
    use super::*;
    use cfsynth::l1::iam::role::Role;
    use cfsynth::l1::service_catalog::cloud_formation_product::{
        CloudFormationProduct, ProvisioningArtifactProperties, ProvisioningArtifactPropertiesType,
    };
    use cfsynth::l1::service_catalog::launch_role_constraint::LaunchRoleConstraint;
    use cfsynth::l1::service_catalog::portfolio::Portfolio;
    use cfsynth::l1::service_catalog::portfolio_principal_association::PortfolioPrincipalAssociation;
    use cfsynth::l1::service_catalog::portfolio_product_association::PortfolioProductAssociation;
    use cfsynth::l1::service_catalog::portfolio_share::PortfolioShare;
    use cfsynth::l1::service_catalog::resource_update_constraint::ResourceUpdateConstraint;
    use cfsynth::l1::service_catalog::tag_option::TagOption;
    use cfsynth::l1::service_catalog::tag_option_association::TagOptionAssociation;

    const LAUNCH_ROLE_NAME: &str = "ServiceCatalogLaunchEncryptedBucket";

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Service Catalog portfolio offering an approved encrypted S3 bucket product to \
             developers, shared with a workload account, launched with a scoped launch role",
        );
        let template_url = template.add_parameter::<String>(
            "ProductTemplateUrl",
            pattern_parameter(
                "HTTPS URL of the encrypted bucket product template in S3",
                "^https://.+$",
                "an https:// URL",
            ),
        );
        let workload_account = template.add_parameter::<String>(
            "WorkloadAccountId",
            account_parameter("ID of the workload account the portfolio is shared with"),
        );

        let portfolio = Portfolio {
            description: some("Infrastructure products approved by the platform team"),
            ..Portfolio::new("Approved storage", "Platform team")
        };
        let portfolio = template.add_resource("StoragePortfolio", Resource::new(&portfolio));

        let version = ProvisioningArtifactProperties {
            name: some("v1.0"),
            description: some("KMS-encrypted, versioned, private bucket"),
            r#type: some(ProvisioningArtifactPropertiesType::CloudFormationTemplate),
            disable_template_validation: some(false),
            ..ProvisioningArtifactProperties::new(json!({"LoadTemplateFromURL": template_url}))
        };
        let product = CloudFormationProduct {
            description: some("A KMS-encrypted, versioned S3 bucket with public access blocked"),
            distributor: some("Platform team"),
            support_description: some("Ask in #platform-support"),
            support_email: some("platform@example.com"),
            support_url: some("https://wiki.example.com/platform/encrypted-bucket"),
            provisioning_artifact_parameters: Some(list([version])),
            ..CloudFormationProduct::new("Encrypted S3 bucket", "Platform team")
        };
        let product = template.add_resource("EncryptedBucketProduct", Resource::new(&product));

        let association = PortfolioProductAssociation {
            portfolio_id: some(portfolio.ref_::<String>()),
            product_id: some(product.ref_::<String>()),
            ..PortfolioProductAssociation::default()
        };
        let association =
            template.add_resource("EncryptedBucketInPortfolio", Resource::new(&association));

        let developers = PortfolioPrincipalAssociation {
            portfolio_id: some(portfolio.ref_::<String>()),
            principal_arn: some(arn("iam:::role/DeveloperAccess")),
            ..PortfolioPrincipalAssociation::new("IAM_PATTERN")
        };
        template.add_resource("DevelopersMayLaunch", Resource::new(&developers));

        let share = PortfolioShare {
            share_tag_options: some(true),
            ..PortfolioShare::new(workload_account, portfolio.ref_::<String>())
        };
        template.add_resource("WorkloadAccountShare", Resource::new(&share));

        let launch_role = Role {
            role_name: some(LAUNCH_ROLE_NAME),
            description: some("Provisions the encrypted bucket product on behalf of developers"),
            policies: Some(list([cfsynth::l1::iam::role::Policy::new(
                policy([
                    allow(
                        "ManageProductStacks",
                        &[
                            "cloudformation:CreateStack",
                            "cloudformation:DeleteStack",
                            "cloudformation:DescribeStackEvents",
                            "cloudformation:DescribeStacks",
                            "cloudformation:GetTemplateSummary",
                            "cloudformation:SetStackPolicy",
                            "cloudformation:UpdateStack",
                        ],
                        json!([arn("cloudformation:*:${AWS::AccountId}:stack/SC-*")]),
                    ),
                    allow(
                        "ValidateTemplates",
                        &["cloudformation:ValidateTemplate"],
                        json!("*"),
                    ),
                    json!({
                        "Sid": "ReadProductTemplates",
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}},
                    }),
                    allow(
                        "ManageBuckets",
                        &[
                            "s3:CreateBucket",
                            "s3:DeleteBucket",
                            "s3:PutBucketOwnershipControls",
                            "s3:PutBucketPublicAccessBlock",
                            "s3:PutBucketTagging",
                            "s3:PutBucketVersioning",
                            "s3:PutEncryptionConfiguration",
                        ],
                        json!([arn("s3:::*")]),
                    ),
                ]),
                "provision-encrypted-bucket",
            )])),
            ..Role::new(trust("servicecatalog.amazonaws.com"))
        };
        template.add_resource("LaunchRole", Resource::new(&launch_role));

        // Constraints apply to a product in a portfolio: create them after the association.
        let launch = LaunchRoleConstraint {
            description: some("Launch with the scoped launch role of the account"),
            local_role_name: some(LAUNCH_ROLE_NAME),
            ..LaunchRoleConstraint::new(portfolio.ref_::<String>(), product.ref_::<String>())
        };
        template.add_resource(
            "LaunchRoleConstraint",
            Resource::new(&launch)
                .depends_on(association.as_str())
                .depends_on("LaunchRole"),
        );
        let tag_updates = ResourceUpdateConstraint {
            description: some("Let users update tags of provisioned buckets"),
            ..ResourceUpdateConstraint::new(
                portfolio.ref_::<String>(),
                product.ref_::<String>(),
                "ALLOWED",
            )
        };
        template.add_resource(
            "TagUpdateConstraint",
            Resource::new(&tag_updates).depends_on(association.as_str()),
        );

        let cost_center = TagOption {
            active: some(true),
            ..TagOption::new("cost-center", "data-platform")
        };
        let cost_center = template.add_resource("CostCenterTagOption", Resource::new(&cost_center));
        let tag_association = TagOptionAssociation {
            resource_id: some(portfolio.ref_::<String>()),
            tag_option_id: some(cost_center.ref_::<String>()),
        };
        template.add_resource("PortfolioCostCenter", Resource::new(&tag_association));

        export(
            &mut template,
            "PortfolioId",
            "ID of the storage portfolio",
            portfolio.ref_(),
        );
        template
    }
}

mod lakeformation {
    use super::*;
    use cfsynth::l1::glue::database::{Database, DatabaseInput};
    use cfsynth::l1::lake_formation::data_cells_filter::{
        ColumnWildcard, DataCellsFilter, RowFilter,
    };
    use cfsynth::l1::lake_formation::data_lake_settings::{
        DataLakePrincipal as AdminPrincipal, DataLakeSettings,
        PrincipalPermissions as DefaultPermissions,
    };
    use cfsynth::l1::lake_formation::permissions::{
        DataLakePrincipal, DataLocationResource, Permissions, Resource as PermissionsResource,
    };
    use cfsynth::l1::lake_formation::principal_permissions::{
        DataCellsFilterResource, DataLakePrincipal as Grantee, LFTag, LFTagPolicyResource,
        Permission, PrincipalPermissions, Resource as GrantResource, ResourceTypeProperty,
    };
    use cfsynth::l1::lake_formation::resource::Resource as DataLakeLocation;
    use cfsynth::l1::lake_formation::tag::Tag as LfTag;
    use cfsynth::l1::lake_formation::tag_association::{
        DatabaseResource, LFTagPair, Resource as TaggedResource, TagAssociation,
    };

    const DATABASE: &str = "orders";
    const FILTER: &str = "orders_eu_without_pii";

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Lake Formation governance of the orders data lake: administrators, registered \
             location, LF-tags, and analyst access to EU rows without personal data",
        );
        let admin = template.add_parameter::<String>(
            "DataLakeAdminRoleArn",
            role_arn_parameter("ARN of the data lake administrators' role"),
        );
        let analyst = template.add_parameter::<String>(
            "AnalystRoleArn",
            role_arn_parameter("ARN of the analysts' role"),
        );
        let etl = template.add_parameter::<String>(
            "EtlRoleArn",
            role_arn_parameter("ARN of the role the ETL jobs run as"),
        );
        let table = template.add_parameter::<String>(
            "OrdersTableName",
            string_parameter("Name of the orders table the crawler maintains")
                .with_default("orders"),
        );

        // Only Lake Formation grants govern access: no implicit IAMAllowedPrincipals grants.
        let settings = DataLakeSettings {
            admins: Some(list([AdminPrincipal::new(admin)])),
            create_database_default_permissions: Some(list::<DefaultPermissions>([])),
            create_table_default_permissions: Some(list::<DefaultPermissions>([])),
            mutation_type: some("APPEND"),
            ..DataLakeSettings::default()
        };
        let settings = template.add_resource("DataLakeSettings", Resource::new(&settings));

        let key = add_key(
            &mut template,
            "DataLakeKey",
            "Encrypts the orders data lake",
            vec![],
        );
        let bucket = add_private_bucket(&mut template, "DataLakeBucket", &key);
        let access_role = template.add_resource(
            "DataAccessRole",
            Resource::new(&service_role(
                "lakeformation.amazonaws.com",
                "Lets Lake Formation vend credentials for the orders data lake",
                policy([
                    allow(
                        "ReadWriteData",
                        &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                        json!([objects_arn(&bucket, "")]),
                    ),
                    allow(
                        "ListData",
                        &["s3:ListBucket"],
                        json!([bucket.get_att::<String>("Arn")]),
                    ),
                    use_key(&key),
                ]),
            )),
        );
        let location = DataLakeLocation {
            role_arn: some(access_role.get_att::<String>("Arn")),
            hybrid_access_enabled: some(false),
            ..DataLakeLocation::new(bucket.get_att::<String>("Arn"), false)
        };
        let location = template.add_resource("DataLakeLocation", Resource::new(&location));

        let database = Database::new(
            aws::account_id(),
            DatabaseInput {
                name: some(DATABASE),
                description: some("Orders, as extracted from the orders service"),
                location_uri: some(s3_url(&bucket, "orders/")),
                ..DatabaseInput::default()
            },
        );
        let database = template.add_resource(
            "OrdersDatabase",
            Resource::new(&database).depends_on(settings.as_str()),
        );

        let classification = LfTag {
            catalog_id: some(aws::account_id()),
            ..LfTag::new(
                "classification",
                Val::list(["public", "internal", "confidential"]),
            )
        };
        let classification =
            template.add_resource("ClassificationTag", Resource::new(&classification));
        let database_tag = TagAssociation::new(
            list([LFTagPair::new(
                aws::account_id(),
                "classification",
                Val::list(["internal"]),
            )]),
            TaggedResource {
                database: some(DatabaseResource::new(
                    aws::account_id(),
                    database.ref_::<String>(),
                )),
                ..TaggedResource::default()
            },
        );
        template.add_resource(
            "OrdersDatabaseClassification",
            Resource::new(&database_tag).depends_on(classification.as_str()),
        );

        let etl_location = Permissions {
            permissions: Some(Val::list(["DATA_LOCATION_ACCESS"])),
            ..Permissions::new(
                DataLakePrincipal {
                    data_lake_principal_identifier: some(etl),
                },
                PermissionsResource {
                    data_location_resource: some(DataLocationResource {
                        catalog_id: some(aws::account_id()),
                        s3_resource: some(bucket.get_att::<String>("Arn")),
                    }),
                    ..PermissionsResource::default()
                },
            )
        };
        template.add_resource(
            "EtlDataLocationAccess",
            Resource::new(&etl_location).depends_on(location.as_str()),
        );

        let mut filter = DataCellsFilter::new(
            database.ref_::<String>(),
            FILTER,
            aws::account_id(),
            table.clone(),
        );
        filter.row_filter = some(RowFilter {
            filter_expression: some("region = 'eu'"),
            ..RowFilter::default()
        });
        filter.column_wildcard = some(ColumnWildcard {
            excluded_column_names: some(Val::list(["customer_email", "customer_phone"])),
        });
        let filter = template.add_resource("OrdersEuFilter", Resource::new(&filter));

        let analyst_rows = PrincipalPermissions::new(
            list([Permission::Select]),
            list::<Permission>([]),
            Grantee {
                data_lake_principal_identifier: some(analyst.clone()),
            },
            GrantResource {
                data_cells_filter: some(DataCellsFilterResource::new(
                    database.ref_::<String>(),
                    FILTER,
                    aws::account_id(),
                    table,
                )),
                ..GrantResource::default()
            },
        );
        template.add_resource(
            "AnalystEuOrders",
            Resource::new(&analyst_rows).depends_on(filter.as_str()),
        );

        let analyst_databases = PrincipalPermissions::new(
            list([Permission::Describe]),
            list::<Permission>([]),
            Grantee {
                data_lake_principal_identifier: some(analyst),
            },
            GrantResource {
                lf_tag_policy: some(LFTagPolicyResource::new(
                    aws::account_id(),
                    list([LFTag {
                        tag_key: some("classification"),
                        tag_values: some(Val::list(["public", "internal"])),
                    }]),
                    ResourceTypeProperty::Database,
                )),
                ..GrantResource::default()
            },
        );
        template.add_resource(
            "AnalystDescribeDatabases",
            Resource::new(&analyst_databases).depends_on(classification.as_str()),
        );
        template
    }
}

mod glue {
    use super::*;
    use cfsynth::l1::glue::connection::{
        Connection, ConnectionInput, ConnectionType, PhysicalConnectionRequirements,
    };
    use cfsynth::l1::glue::crawler::{
        Crawler, DeleteBehavior, RecrawlBehavior, RecrawlPolicy, S3Target, SchemaChangePolicy,
        Targets, UpdateBehavior,
    };
    use cfsynth::l1::glue::database::{Database, DatabaseInput};
    use cfsynth::l1::glue::job::{ConnectionsList, ExecutionProperty, Job, JobCommand, WorkerType};
    use cfsynth::l1::glue::security_configuration::{
        CloudWatchEncryption, CloudWatchEncryptionMode, EncryptionConfiguration,
        JobBookmarksEncryption, JobBookmarksEncryptionMode, S3Encryption, SecurityConfiguration,
    };
    use cfsynth::l1::glue::trigger::{
        Action, Condition, Logical, LogicalOperator, Predicate, State, Trigger, Type as TriggerType,
    };
    use cfsynth::l1::glue::workflow::Workflow;

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Nightly Glue workflow extracting orders from PostgreSQL into the encrypted data \
             lake and cataloguing them",
        );
        let subnet = template.add_parameter::<String>(
            "SubnetId",
            aws_parameter(
                "AWS::EC2::Subnet::Id",
                "Private subnet with a route to the database",
            ),
        );
        let zone = template.add_parameter::<String>(
            "AvailabilityZone",
            aws_parameter(
                "AWS::EC2::AvailabilityZone::Name",
                "Availability Zone of the subnet",
            ),
        );
        let security_group = template.add_parameter::<String>(
            "SecurityGroupId",
            aws_parameter(
                "AWS::EC2::SecurityGroup::Id",
                "Security group of the Glue connection (self-referencing, reaches the database)",
            ),
        );
        let jdbc_url = template.add_parameter::<String>(
            "JdbcUrl",
            pattern_parameter(
                "JDBC URL of the orders database",
                "^jdbc:postgresql://.+$",
                "a jdbc:postgresql:// URL",
            ),
        );
        let secret = template.add_parameter::<String>(
            "DatabaseSecretArn",
            string_parameter("ARN of the Secrets Manager secret holding the database credentials"),
        );

        let key = add_key(
            &mut template,
            "GlueKey",
            "Encrypts the orders data lake, Glue logs and job bookmarks",
            vec![logs_may_use_key()],
        );
        let bucket = add_private_bucket(&mut template, "DataBucket", &key);

        let role = service_role(
            "glue.amazonaws.com",
            "Runs the orders extraction job and crawler",
            policy([
                allow(
                    "ReadScripts",
                    &["s3:GetObject"],
                    json!([objects_arn(&bucket, "scripts/")]),
                ),
                allow(
                    "ReadWriteData",
                    &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                    json!([
                        objects_arn(&bucket, "curated/"),
                        objects_arn(&bucket, "temp/")
                    ]),
                ),
                allow(
                    "ListData",
                    &["s3:ListBucket"],
                    json!([bucket.get_att::<String>("Arn")]),
                ),
                use_key(&key),
                allow(
                    "ReadDatabaseCredentials",
                    &["secretsmanager:GetSecretValue"],
                    json!([secret.clone()]),
                ),
                allow(
                    "EncryptLogs",
                    &["logs:AssociateKmsKey"],
                    json!([arn(
                        "logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws-glue/*"
                    )]),
                ),
            ]),
        );
        let role = cfsynth::l1::iam::role::Role {
            managed_policy_arns: Some(Val::list([aws_managed_policy(
                "service-role/AWSGlueServiceRole",
            )])),
            ..role
        };
        let role = template.add_resource("GlueRole", Resource::new(&role));

        let key_arn = || some(key.get_att::<String>("Arn"));
        let encryption = EncryptionConfiguration {
            s3_encryptions: Some(list([S3Encryption {
                s3_encryption_mode: some("SSE-KMS"),
                kms_key_arn: key_arn(),
            }])),
            cloud_watch_encryption: some(CloudWatchEncryption {
                cloud_watch_encryption_mode: some(CloudWatchEncryptionMode::SseKms),
                kms_key_arn: key_arn(),
            }),
            job_bookmarks_encryption: some(JobBookmarksEncryption {
                job_bookmarks_encryption_mode: some(JobBookmarksEncryptionMode::CseKms),
                kms_key_arn: key_arn(),
            }),
        };
        let security = SecurityConfiguration::new(encryption, sub("${AWS::StackName}-kms"));
        let security = template.add_resource("GlueSecurityConfiguration", Resource::new(&security));

        let database = Database::new(
            aws::account_id(),
            DatabaseInput {
                name: some("orders_curated"),
                description: some("Orders extracted nightly from the orders database"),
                location_uri: some(s3_url(&bucket, "curated/")),
                ..DatabaseInput::default()
            },
        );
        let database = template.add_resource("CuratedDatabase", Resource::new(&database));

        let connection = Connection::new(
            aws::account_id(),
            ConnectionInput {
                name: some(sub("${AWS::StackName}-orders-postgres")),
                description: some("Orders PostgreSQL database, over TLS"),
                connection_properties: Some(json!({
                    "JDBC_CONNECTION_URL": jdbc_url,
                    "JDBC_ENFORCE_SSL": "true",
                    "SECRET_ID": secret,
                })),
                physical_connection_requirements: some(PhysicalConnectionRequirements {
                    availability_zone: some(zone),
                    security_group_id_list: Some(Val::list([security_group])),
                    subnet_id: some(subnet),
                }),
                ..ConnectionInput::new(ConnectionType::Jdbc)
            },
        );
        let connection =
            template.add_resource("OrdersDatabaseConnection", Resource::new(&connection));

        let job = Job {
            description: some("Extracts new orders from PostgreSQL into the curated zone"),
            glue_version: some("5.0"),
            worker_type: some(WorkerType::G1x),
            number_of_workers: some(2),
            timeout: some(60),
            max_retries: some(1.0),
            execution_property: some(ExecutionProperty {
                max_concurrent_runs: some(1.0),
            }),
            security_configuration: some(security.ref_::<String>()),
            connections: some(ConnectionsList {
                connections: Some(Val::list([connection.ref_::<String>()])),
            }),
            default_arguments: Some(json!({
                "--job-language": "python",
                "--job-bookmark-option": "job-bookmark-enable",
                "--enable-metrics": "true",
                "--enable-continuous-cloudwatch-log": "true",
                "--TempDir": s3_url(&bucket, "temp/"),
                "--target_path": s3_url(&bucket, "curated/orders/"),
            })),
            ..Job::new(
                JobCommand {
                    name: some("glueetl"),
                    python_version: some("3"),
                    script_location: some(s3_url(&bucket, "scripts/extract_orders.py")),
                    ..JobCommand::default()
                },
                role.get_att::<String>("Arn"),
            )
        };
        let job = template.add_resource("ExtractOrdersJob", Resource::new(&job));

        let crawler = Crawler {
            description: some("Catalogues the curated orders"),
            database_name: some(database.ref_::<String>()),
            crawler_security_configuration: some(security.ref_::<String>()),
            recrawl_policy: some(RecrawlPolicy {
                recrawl_behavior: some(RecrawlBehavior::CrawlEverything),
            }),
            schema_change_policy: some(SchemaChangePolicy {
                update_behavior: some(UpdateBehavior::UpdateInDatabase),
                delete_behavior: some(DeleteBehavior::DeprecateInDatabase),
            }),
            ..Crawler::new(
                role.get_att::<String>("Arn"),
                Targets {
                    s3_targets: Some(list([S3Target {
                        path: some(s3_url(&bucket, "curated/orders/")),
                        ..S3Target::default()
                    }])),
                    ..Targets::default()
                },
            )
        };
        let crawler = template.add_resource("CuratedOrdersCrawler", Resource::new(&crawler));

        let workflow = Workflow {
            description: some("Nightly extraction and cataloguing of orders"),
            max_concurrent_runs: some(1),
            ..Workflow::default()
        };
        let workflow = template.add_resource("NightlyWorkflow", Resource::new(&workflow));

        let start = Trigger {
            description: some("Starts the extraction every night at 02:00 UTC"),
            schedule: some("cron(0 2 * * ? *)"),
            start_on_creation: some(true),
            workflow_name: some(workflow.ref_::<String>()),
            ..Trigger::new(
                list([Action {
                    job_name: some(job.ref_::<String>()),
                    ..Action::default()
                }]),
                TriggerType::Scheduled,
            )
        };
        template.add_resource("NightlyStart", Resource::new(&start));

        let catalogue = Trigger {
            description: some("Catalogues the orders once the extraction succeeded"),
            start_on_creation: some(true),
            workflow_name: some(workflow.ref_::<String>()),
            predicate: some(Predicate {
                logical: some(Logical::And),
                conditions: Some(list([Condition {
                    job_name: some(job.ref_::<String>()),
                    logical_operator: some(LogicalOperator::Equals),
                    state: some(State::Succeeded),
                    ..Condition::default()
                }])),
            }),
            ..Trigger::new(
                list([Action {
                    crawler_name: some(crawler.ref_::<String>()),
                    ..Action::default()
                }]),
                TriggerType::Conditional,
            )
        };
        template.add_resource("CatalogueAfterExtraction", Resource::new(&catalogue));

        export(
            &mut template,
            "WorkflowName",
            "Name of the nightly workflow",
            workflow.ref_(),
        );
        template
    }
}

mod lambda {
    use super::*;
    use cfsynth::l1::lambda::function::{
        ApplicationLogLevel, Architectures, Code, DeadLetterConfig, Environment, Function,
        LogFormat, LoggingConfig, Mode, RecursiveLoop, Runtime, SystemLogLevel, Tag, TracingConfig,
    };
    use cfsynth::l1::sns::topic::Topic;

    const HANDLER: &str = "\
import json
import logging
import os

logger = logging.getLogger()
logger.setLevel(os.environ.get(\"LOG_LEVEL\", \"INFO\"))


def handler(event, context):
    for record in event.get(\"Records\", []):
        order = json.loads(record[\"body\"])
        logger.info(\"processing order\", extra={\"order_id\": order[\"orderId\"]})
    return {\"processed\": len(event.get(\"Records\", []))}
";

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Orders processor Lambda function: arm64, traced, JSON logs in an encrypted log \
             group with retention, encrypted environment, dead-letter topic",
        );
        let key = add_key(
            &mut template,
            "FunctionKey",
            "Encrypts the orders processor's environment, logs and dead letters",
            vec![logs_may_use_key()],
        );
        let log_group = add_log_group(
            &mut template,
            "FunctionLogGroup",
            sub("/orders/${AWS::StackName}/processor"),
            90,
            &key,
        );
        let dead_letters = Topic {
            display_name: some("Orders processor dead letters"),
            kms_master_key_id: some(key.get_att::<String>("Arn")),
            ..Topic::default()
        };
        let dead_letters = template.add_resource("DeadLetterTopic", Resource::new(&dead_letters));

        let role = template.add_resource(
            "FunctionRole",
            Resource::new(&service_role(
                "lambda.amazonaws.com",
                "Execution role of the orders processor",
                policy([
                    write_logs(&log_group),
                    allow(
                        "PublishDeadLetters",
                        &["sns:Publish"],
                        json!([dead_letters.ref_::<String>()]),
                    ),
                    use_key(&key),
                    allow(
                        "WriteTraces",
                        &["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                        json!("*"),
                    ),
                ]),
            )),
        );

        let variables = map([
            ("LOG_LEVEL", json!("INFO")),
            ("POWERTOOLS_SERVICE_NAME", json!("orders")),
        ]);
        let function = Function {
            description: some("Processes new orders"),
            runtime: some(Runtime::Python313),
            handler: some("index.handler"),
            architectures: Some(list([Architectures::Arm64])),
            memory_size: some(256),
            timeout: some(30),
            reserved_concurrent_executions: some(10),
            environment: some(Environment {
                variables: some(variables),
            }),
            kms_key_arn: some(key.get_att::<String>("Arn")),
            tracing_config: some(TracingConfig {
                mode: some(Mode::Active),
            }),
            logging_config: some(LoggingConfig {
                log_format: some(LogFormat::Json),
                application_log_level: some(ApplicationLogLevel::Info),
                system_log_level: some(SystemLogLevel::Warn),
                log_group: some(log_group.ref_::<String>()),
            }),
            dead_letter_config: some(DeadLetterConfig {
                target_arn: some(dead_letters.ref_::<String>()),
            }),
            recursive_loop: some(RecursiveLoop::Terminate),
            tags: Some(list([Tag {
                value: some("orders"),
                ..Tag::new("Service")
            }])),
            ..Function::new(
                Code {
                    zip_file: some(HANDLER),
                    ..Code::default()
                },
                role.get_att::<String>("Arn"),
            )
        };
        let function = template.add_resource("ProcessorFunction", Resource::new(&function));
        export(
            &mut template,
            "FunctionArn",
            "ARN of the orders processor",
            function.get_att("Arn"),
        );
        template
    }
}

mod stepfunctions {
    use super::*;
    use cfsynth::l1::step_functions::state_machine::{
        CloudWatchLogsLogGroup, EncryptionConfiguration, Level, LogDestination,
        LoggingConfiguration, StateMachine, StateMachineType, TracingConfiguration,
        Type as EncryptionType,
    };

    fn definition() -> Json {
        let retry = json!([{
            "ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.InternalServerErrorException"],
            "IntervalSeconds": 2,
            "MaxAttempts": 5,
            "BackoffRate": 2,
        }]);
        json!({
            "Comment": "Records a new order once, then accepts it",
            "StartAt": "RecordOrder",
            "States": {
                "RecordOrder": {
                    "Type": "Task",
                    "Resource": "${DynamoDbPutItem}",
                    "Parameters": {
                        "TableName": "${OrdersTable}",
                        "Item": {"orderId": {"S.$": "$.orderId"}, "status": {"S": "RECEIVED"}},
                        "ConditionExpression": "attribute_not_exists(orderId)",
                    },
                    "ResultPath": null,
                    "Retry": retry,
                    "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "AlreadyRecorded"}],
                    "Next": "AcceptOrder",
                },
                "AcceptOrder": {
                    "Type": "Task",
                    "Resource": "${DynamoDbUpdateItem}",
                    "Parameters": {
                        "TableName": "${OrdersTable}",
                        "Key": {"orderId": {"S.$": "$.orderId"}},
                        "UpdateExpression": "SET #status = :accepted",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {":accepted": {"S": "ACCEPTED"}},
                    },
                    "Retry": retry,
                    "End": true,
                },
                "AlreadyRecorded": {"Type": "Succeed"},
            },
        })
    }

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Order intake workflow: a Step Functions state machine recording orders in \
             DynamoDB, encrypted with a customer managed key, logged and traced",
        );
        let key = add_key(
            &mut template,
            "WorkflowKey",
            "Encrypts the order intake workflow, its logs and its table",
            vec![logs_may_use_key()],
        );
        let table = template.add_resource(
            "OrdersTable",
            Resource::new(&super::dynamodb::orders_table(&key)).retain(),
        );
        let log_group = add_log_group(
            &mut template,
            "WorkflowLogGroup",
            sub("/aws/vendedlogs/states/${AWS::StackName}-order-intake"),
            90,
            &key,
        );
        let role = template.add_resource(
            "WorkflowRole",
            Resource::new(&service_role(
                "states.amazonaws.com",
                "Runs the order intake workflow",
                policy([
                    allow(
                        "WriteOrders",
                        &["dynamodb:PutItem", "dynamodb:UpdateItem"],
                        json!([table.get_att::<String>("Arn")]),
                    ),
                    use_key(&key),
                    // Log delivery and X-Ray do not support resource-level permissions.
                    allow(
                        "DeliverLogs",
                        &[
                            "logs:CreateLogDelivery",
                            "logs:DeleteLogDelivery",
                            "logs:DescribeLogGroups",
                            "logs:DescribeResourcePolicies",
                            "logs:GetLogDelivery",
                            "logs:ListLogDeliveries",
                            "logs:PutResourcePolicy",
                            "logs:UpdateLogDelivery",
                        ],
                        json!("*"),
                    ),
                    allow(
                        "WriteTraces",
                        &[
                            "xray:GetSamplingRules",
                            "xray:GetSamplingTargets",
                            "xray:PutTelemetryRecords",
                            "xray:PutTraceSegments",
                        ],
                        json!("*"),
                    ),
                ]),
            )),
        );

        // Whole ARNs are substituted: cfn-lint checks task resources against `arn:aws:`.
        let substitutions = map([
            ("OrdersTable", json!(table.ref_::<String>())),
            ("DynamoDbPutItem", json!(arn("states:::dynamodb:putItem"))),
            (
                "DynamoDbUpdateItem",
                json!(arn("states:::dynamodb:updateItem")),
            ),
        ]);
        let state_machine = StateMachine {
            state_machine_type: some(StateMachineType::Standard),
            definition: Some(definition()),
            definition_substitutions: some(substitutions),
            logging_configuration: some(LoggingConfiguration {
                level: some(Level::Error),
                include_execution_data: some(false),
                destinations: Some(list([LogDestination {
                    cloud_watch_logs_log_group: some(CloudWatchLogsLogGroup {
                        log_group_arn: some(log_group.get_att::<String>("Arn")),
                    }),
                }])),
            }),
            tracing_configuration: some(TracingConfiguration {
                enabled: some(true),
            }),
            encryption_configuration: some(EncryptionConfiguration {
                kms_key_id: some(key.get_att::<String>("Arn")),
                kms_data_key_reuse_period_seconds: some(300),
                ..EncryptionConfiguration::new(EncryptionType::CustomerManagedKmsKey)
            }),
            ..StateMachine::new(role.get_att::<String>("Arn"))
        };
        let state_machine = template.add_resource("OrderIntake", Resource::new(&state_machine));
        export(
            &mut template,
            "StateMachineArn",
            "ARN of the order intake state machine",
            state_machine.ref_(),
        );
        template
    }
}

mod dynamodb {
    use super::*;
    use cfsynth::l1::dynamo_db::table::{
        AttributeDefinition, AttributeType, BillingMode, GlobalSecondaryIndex, KeySchema,
        PointInTimeRecoverySpecification, Projection, ProjectionType, SSESpecification, SSEType,
        StreamSpecification, StreamViewType, Table, TimeToLiveSpecification,
    };

    /// `KeySchema` of a table is untyped JSON in the L1 (its schema is a `oneOf`), so the
    /// typed `KeySchema` items are serialized by hand.
    fn key_schema(hash: &str, range: Option<&str>) -> List<KeySchema> {
        std::iter::once(KeySchema::new(hash, "HASH"))
            .chain(range.map(|range| KeySchema::new(range, "RANGE")))
            .map(Val::Lit)
            .collect()
    }

    /// The orders table: on-demand, encrypted with `key`, point-in-time recovery,
    /// deletion protection, expiring items and a change stream.
    pub fn orders_table(key: &ResourceId) -> Table {
        let attributes = [
            ("orderId", AttributeType::S),
            ("customerId", AttributeType::S),
            ("createdAt", AttributeType::S),
        ];
        let by_customer = GlobalSecondaryIndex::new(
            "byCustomer",
            key_schema("customerId", Some("createdAt")),
            Projection {
                projection_type: some(ProjectionType::Include),
                non_key_attributes: some(Val::list(["status", "total"])),
            },
        );
        Table {
            billing_mode: some(BillingMode::PayPerRequest),
            attribute_definitions: Some(list(
                attributes.map(|(name, kind)| AttributeDefinition::new(name, kind)),
            )),
            global_secondary_indexes: Some(list([by_customer])),
            sse_specification: some(SSESpecification {
                kms_master_key_id: some(key.get_att::<String>("Arn")),
                sse_type: some(SSEType::Kms),
                ..SSESpecification::new(true)
            }),
            point_in_time_recovery_specification: some(PointInTimeRecoverySpecification {
                point_in_time_recovery_enabled: some(true),
                recovery_period_in_days: some(35),
            }),
            deletion_protection_enabled: some(true),
            time_to_live_specification: some(TimeToLiveSpecification {
                attribute_name: some("expiresAt"),
                ..TimeToLiveSpecification::new(true)
            }),
            stream_specification: some(StreamSpecification::new(StreamViewType::NewAndOldImages)),
            ..Table::new(serde_json::to_value(key_schema("orderId", None)).expect("serializable"))
        }
    }

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Orders table: on-demand, KMS-encrypted, point-in-time recovery, deletion \
             protection, TTL and a change stream",
        );
        let key = add_key(
            &mut template,
            "TableKey",
            "Encrypts the orders table",
            vec![],
        );
        let table =
            template.add_resource("OrdersTable", Resource::new(&orders_table(&key)).retain());
        export(
            &mut template,
            "TableName",
            "Name of the orders table",
            table.ref_(),
        );
        export(
            &mut template,
            "TableArn",
            "ARN of the orders table",
            table.get_att("Arn"),
        );
        export(
            &mut template,
            "StreamArn",
            "ARN of the orders table's change stream",
            table.get_att("StreamArn"),
        );
        template
    }
}

mod ec2 {
    use super::*;
    use cfsynth::l1::ec2::security_group::{Egress, Ingress, SecurityGroup, Tag};

    fn tcp_in(port: i64, description: &str) -> Ingress {
        Ingress {
            from_port: some(port),
            to_port: some(port),
            description: some(description),
            ..Ingress::new("tcp")
        }
    }

    fn tcp_out(port: i64, cidr: Expr<String>, description: &str) -> Egress {
        Egress {
            from_port: some(port),
            to_port: some(port),
            cidr_ip: some(cidr),
            description: some(description),
            ..Egress::new("tcp")
        }
    }

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Security groups of the orders API: HTTPS from the corporate network to the load \
             balancer, load balancer to the application, application to the VPC only",
        );
        let vpc = template.add_parameter::<String>(
            "VpcId",
            aws_parameter("AWS::EC2::VPC::Id", "VPC of the orders API"),
        );
        let cidr_pattern = r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$";
        let vpc_cidr = template.add_parameter::<String>(
            "VpcCidr",
            pattern_parameter("CIDR block of the VPC", cidr_pattern, "an IPv4 CIDR block"),
        );
        let corporate_cidr = template.add_parameter::<String>(
            "CorporateCidr",
            pattern_parameter(
                "CIDR block of the corporate network",
                cidr_pattern,
                "an IPv4 CIDR block",
            ),
        );

        let load_balancer = SecurityGroup {
            vpc_id: some(vpc.clone()),
            security_group_ingress: Some(list([Ingress {
                cidr_ip: some(corporate_cidr),
                ..tcp_in(443, "HTTPS from the corporate network")
            }])),
            security_group_egress: Some(list([tcp_out(
                8080,
                vpc_cidr.clone(),
                "Application port in the VPC",
            )])),
            tags: Some(list([Tag::new("Name", "orders-api-load-balancer")])),
            ..SecurityGroup::new("Orders API load balancer")
        };
        let load_balancer =
            template.add_resource("LoadBalancerSecurityGroup", Resource::new(&load_balancer));

        let application = SecurityGroup {
            vpc_id: some(vpc),
            security_group_ingress: Some(list([Ingress {
                source_security_group_id: some(load_balancer.get_att::<String>("GroupId")),
                ..tcp_in(8080, "Application port from the load balancer")
            }])),
            security_group_egress: Some(list([
                tcp_out(443, vpc_cidr.clone(), "HTTPS to the VPC endpoints"),
                tcp_out(5432, vpc_cidr, "PostgreSQL in the VPC"),
            ])),
            tags: Some(list([Tag::new("Name", "orders-api-application")])),
            ..SecurityGroup::new("Orders API application")
        };
        let application =
            template.add_resource("ApplicationSecurityGroup", Resource::new(&application));

        export(
            &mut template,
            "LoadBalancerSecurityGroupId",
            "Security group of the load balancer",
            load_balancer.get_att("GroupId"),
        );
        export(
            &mut template,
            "ApplicationSecurityGroupId",
            "Security group of the application",
            application.get_att("GroupId"),
        );
        template
    }
}

mod logs {
    use super::*;
    use cfsynth::l1::logs::log_group::{LogGroup, LogGroupClass, Tag};

    fn data_protection_policy() -> Json {
        let identifiers = json!([
            arn("dataprotection::aws:data-identifier/EmailAddress"),
            arn("dataprotection::aws:data-identifier/CreditCardNumber"),
        ]);
        json!({
            "Name": "orders-personal-data",
            "Description": "Masks e-mail addresses and card numbers in the orders service's logs",
            "Version": "2021-06-01",
            "Statement": [
                {
                    "Sid": "audit",
                    "DataIdentifier": identifiers,
                    "Operation": {"Audit": {"FindingsDestination": {}}},
                },
                {
                    "Sid": "redact",
                    "DataIdentifier": identifiers,
                    "Operation": {"Deidentify": {"MaskConfig": {}}},
                },
            ],
        })
    }

    pub fn template() -> Template {
        let mut template = Template::new().with_description(
            "Application log group of the orders service: one year retention, KMS \
             encryption, personal data masked",
        );
        let key = add_key(
            &mut template,
            "LogsKey",
            "Encrypts the orders service's logs",
            vec![logs_may_use_key()],
        );
        let log_group = LogGroup {
            log_group_name: some(sub("/orders/${AWS::StackName}/application")),
            log_group_class: some(LogGroupClass::Standard),
            retention_in_days: some(365),
            kms_key_id: some(key.get_att::<String>("Arn")),
            data_protection_policy: Some(data_protection_policy()),
            tags: Some(list([Tag::new("Service", "orders")])),
            ..LogGroup::default()
        };
        let log_group =
            template.add_resource("ApplicationLogGroup", Resource::new(&log_group).retain());
        export(
            &mut template,
            "LogGroupName",
            "Name of the application log group",
            log_group.ref_(),
        );
        template
    }
}

// ---------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------

/// Declares the templates: one snapshot test per service, and the list the other tests
/// iterate over.
macro_rules! templates {
    ($($service:ident),+ $(,)?) => {
        const TEMPLATES: &[(&str, fn() -> Template)] =
            &[$((concat!("l1-", stringify!($service)), $service::template)),+];

        mod snapshot {
            $(
                #[test]
                fn $service() {
                    super::assert_template_snapshot(
                        concat!("l1-", stringify!($service)),
                        super::$service::template,
                    );
                }
            )+
        }
    };
}

templates!(
    codepipeline,
    codebuild,
    codecommit,
    iam,
    kms,
    s3,
    sns,
    events,
    codestarnotifications,
    ssm,
    cloudformation,
    servicecatalog,
    lakeformation,
    glue,
    lambda,
    stepfunctions,
    dynamodb,
    ec2,
    logs,
);

fn render(name: &str, build: fn() -> Template) -> String {
    build()
        .to_json()
        .unwrap_or_else(|errors| panic!("template {name} is invalid:\n{errors}"))
}

fn assert_template_snapshot(name: &str, build: fn() -> Template) {
    let body = render(name, build);
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, body);
    });
}

#[test]
fn every_l1_type_appears_in_a_snapshot_template() {
    let dir = crate::support::cfn_lint::repo_root().join("snapshots");
    let used: BTreeSet<String> = crate::support::cfn_lint::snapshot_templates(&dir)
        .into_iter()
        .filter(|(name, _)| name.starts_with("l1-"))
        .flat_map(|(name, body)| {
            let template: Json = serde_json::from_str(&body)
                .unwrap_or_else(|error| panic!("snapshot {name} is not JSON: {error}"));
            let resources = template["Resources"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            resources
                .values()
                .filter_map(|resource| resource["Type"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    let missing: Vec<&str> = cfsynth::l1::TYPE_NAMES
        .iter()
        .copied()
        .filter(|type_name| !used.contains(*type_name))
        .collect();
    assert!(
        missing.is_empty(),
        "L1 types without an `l1-*` snapshot template: {missing:?}"
    );
}

#[test]
fn templates_render_deterministically_as_json_and_as_yaml() {
    for (name, build) in TEMPLATES {
        let first = render(name, *build);
        assert_eq!(
            first,
            render(name, *build),
            "{name}: two JSON renders differ"
        );
        let yaml = build()
            .to_yaml()
            .unwrap_or_else(|errors| panic!("template {name} does not render as YAML:\n{errors}"));
        assert!(yaml.contains("AWSTemplateFormatVersion"), "{name}: {yaml}");
    }
}
