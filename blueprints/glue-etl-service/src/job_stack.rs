//! The application stack: the Glue job, its role, its security configuration and the key
//! that encrypts its logs and bookmarks.

use cfsynth::app::{App, Environment, Partition};
use cfsynth::constructs::Scope;
use cfsynth::constructs::iam::{Grantee, Principal, Role, RoleProps, Statement};
use cfsynth::constructs::kms::{Key, KeyProps, KeyRef};
use cfsynth::constructs::pipeline::{artifact_bucket, artifact_key_alias};
use cfsynth::l1::glue::job::{ExecutionProperty, Job, JobCommand};
use cfsynth::l1::glue::security_configuration::{
    CloudWatchEncryption, CloudWatchEncryptionMode, EncryptionConfiguration,
    JobBookmarksEncryption, JobBookmarksEncryptionMode, S3Encryption, SecurityConfiguration,
};
use cfsynth::template::{Output, Resource, Val, sub};
use serde_json::json;

use crate::checks::{Checked, S3Location};

/// The log groups Glue writes job logs to. Glue picks their names (`/aws-glue/jobs/output`,
/// `…/error`, `…/logs-v2`, and under a security configuration names that include it and
/// the role), so the job's permissions name this prefix.
const GLUE_LOG_GROUPS: &str = "/aws-glue/jobs*";

/// The job's role: a fixed name, so that the pipeline's artifact bucket and key (in the
/// tooling account) can let it read the script before the role exists.
pub fn role_name(service: &str) -> String {
    format!("{service}-glue-job")
}

/// The key of the script in the pipeline's artifact bucket: a deterministic prefix per
/// service, then the script's path in the repository.
pub fn script_key(service: &str, script: &str) -> String {
    format!("{}{script}", script_prefix(service))
}

/// `glue-scripts/<service>/`: everything the job may read from the artifact bucket.
pub fn script_prefix(service: &str) -> String {
    format!("glue-scripts/{service}/")
}

/// Adds the job and what it needs to the stack of `root`. The script is read from the
/// artifact bucket of the service's pipeline in `tooling`.
pub fn build(app: &mut App, root: &Scope, service: &str, checked: &Checked, tooling: &Environment) {
    let env = app.env(root.stack).clone();
    let key = Key::new(
        app,
        &root.child("encryption"),
        KeyProps {
            description: Some(format!(
                "Glue job {service}: CloudWatch Logs and job bookmarks"
            )),
            ..KeyProps::default()
        },
    );
    // A key policy's resource is always `*`: the key itself. The condition limits
    // CloudWatch Logs to the Glue job log groups of this account and region.
    key.add_to_key_policy(
        app,
        Statement::allow([
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
            "kms:GenerateDataKey",
            "kms:DescribeKey",
        ])
        .sid("CloudWatchLogsOfGlueJobs")
        .to(Principal::service(logs_principal(&env)))
        .on(["*"])
        .when(
            "ArnLike",
            "kms:EncryptionContext:aws:logs:arn",
            sub(format!(
                "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{GLUE_LOG_GROUPS}"
            ))
            .into_node(),
        ),
    );

    let encryption = EncryptionConfiguration {
        // SSE-S3 for the data: readers of the output need no access to this key.
        s3_encryptions: Some(Val::Lit(vec![Val::Lit(S3Encryption {
            s3_encryption_mode: Some(Val::Lit("SSE-S3".to_owned())),
            kms_key_arn: None,
        })])),
        cloud_watch_encryption: Some(Val::Lit(CloudWatchEncryption {
            cloud_watch_encryption_mode: Some(Val::Lit(CloudWatchEncryptionMode::SseKms)),
            kms_key_arn: Some(Val::Expr(key.arn())),
        })),
        job_bookmarks_encryption: Some(Val::Lit(JobBookmarksEncryption {
            job_bookmarks_encryption_mode: Some(Val::Lit(JobBookmarksEncryptionMode::CseKms)),
            kms_key_arn: Some(Val::Expr(key.arn())),
        })),
    };
    let security = root.add(
        app,
        "SecurityConfiguration",
        &SecurityConfiguration::new(Val::Lit(encryption), service),
    );

    let role = Role::new(
        app,
        &root.child("job"),
        RoleProps {
            assumed_by: vec![Principal::service("glue.amazonaws.com")],
            name: Some(role_name(service)),
            description: Some(format!("Role of the Glue job {service}")),
            ..RoleProps::default()
        },
    );
    grant_job_permissions(app, &role, &key, service, checked, tooling);

    let bucket = artifact_bucket(service, tooling.account(), tooling.region());
    let command = JobCommand {
        name: Some(Val::Lit("glueetl".to_owned())),
        python_version: Some(Val::Lit("3".to_owned())),
        script_location: Some(Val::Lit(format!(
            "s3://{bucket}/{}",
            script_key(service, &checked.script)
        ))),
        runtime: None,
    };
    let mut job = Job::new(Val::Lit(command), Val::Expr(role.arn()));
    job.name = Some(Val::Lit(service.to_owned()));
    job.description = Some(Val::Lit(format!(
        "{service}: reads {}, writes {}",
        checked.input.uri(),
        checked.output.uri()
    )));
    job.glue_version = Some(Val::Lit(checked.runtime.version.to_owned()));
    job.worker_type = Some(Val::Lit(checked.worker_type));
    job.number_of_workers = Some(Val::Lit(checked.workers));
    job.security_configuration = Some(Val::Expr(security.ref_()));
    // One run at a time: job bookmarks track what earlier runs processed.
    job.execution_property = Some(Val::Lit(ExecutionProperty {
        max_concurrent_runs: Some(Val::Lit(1.0)),
    }));
    job.max_retries = Some(Val::Lit(0.0));
    job.default_arguments = Some(json!({
        "--job-language": "python",
        "--job-bookmark-option": "job-bookmark-enable",
        "--enable-metrics": "true",
        "--enable-continuous-cloudwatch-log": "true",
        "--input_path": checked.input.uri(),
        "--output_path": checked.output.uri(),
    }));
    let mut resource = Resource::new(&job);
    if let Some(policy) = role.default_policy_id(app) {
        resource = resource.depends_on(policy);
    }
    let job = root.add_resource(app, "Job", resource);
    app.stack_mut(root.stack)
        .template
        .add_output("JobName", Output::new(job.ref_::<String>()));
}

/// Exactly what the job does: read its script and input, write its output, its logs and
/// metrics, and use its key.
fn grant_job_permissions(
    app: &mut App,
    role: &Role,
    key: &Key,
    service: &str,
    checked: &Checked,
    tooling: &Environment,
) {
    let bucket = artifact_bucket(service, tooling.account(), tooling.region());
    role.add_to_policy(
        app,
        Statement::allow(["s3:GetObject"])
            .sid("ReadScript")
            .on([objects(&bucket, &script_prefix(service))]),
    );
    // The pipeline's artifact bucket is encrypted with its key (in the tooling account),
    // whose id is not known here: the grant names the keys of that account and region
    // (`key/*`), narrowed to the one with the pipeline's alias. The key's own policy lets
    // this role in (see `pipeline::let_job_read_script`).
    KeyRef::new(
        tooling.account(),
        tooling.region(),
        artifact_key_alias(service),
    )
    .grant_decrypt(app, role);

    grant_prefix(app, role, "Input", &checked.input, &["s3:GetObject"]);
    grant_prefix(
        app,
        role,
        "Output",
        &checked.output,
        &[
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
        ],
    );

    role.add_to_policy(
        app,
        Statement::allow([
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:AssociateKmsKey",
        ])
        .sid("WriteJobLogs")
        .on([sub(format!(
            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{GLUE_LOG_GROUPS}"
        ))]),
    );
    // cloudwatch:PutMetricData has no resource-level permissions: `*` is the only valid
    // resource. The namespace condition keeps the job to Glue's own metrics.
    role.add_to_policy(
        app,
        Statement::allow(["cloudwatch:PutMetricData"])
            .sid("PublishGlueMetrics")
            .on(["*"])
            .when("StringEquals", "cloudwatch:namespace", json!("Glue")),
    );
    // Job bookmarks are encrypted client-side with the key (CSE-KMS).
    key.grant(
        app,
        role,
        &["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
    );
}

/// Objects under a prefix (read, or read and write), and listing that prefix only.
fn grant_prefix(
    app: &mut App,
    role: &dyn Grantee,
    what: &str,
    location: &S3Location,
    actions: &[&str],
) {
    let verb = if actions.contains(&"s3:PutObject") {
        "Write"
    } else {
        "Read"
    };
    role.add_to_policy(
        app,
        Statement::allow(actions.iter().copied())
            .sid(format!("{verb}{what}"))
            .on([objects(&location.bucket, &location.prefix)]),
    );
    let mut list = Statement::allow(["s3:ListBucket"])
        .sid(format!("List{what}"))
        .on([sub(format!(
            "arn:${{AWS::Partition}}:s3:::{}",
            location.bucket
        ))]);
    if !location.prefix.is_empty() {
        list = list.when(
            "StringLike",
            "s3:prefix",
            json!(format!("{}*", location.prefix)),
        );
    }
    role.add_to_policy(app, list);
}

/// `arn:${AWS::Partition}:s3:::<bucket>/<prefix>*`.
fn objects(bucket: &str, prefix: &str) -> Val<String> {
    Val::Expr(sub(format!(
        "arn:${{AWS::Partition}}:s3:::{bucket}/{}*",
        prefix.replace("${", "${!")
    )))
}

/// The CloudWatch Logs service principal of the region.
fn logs_principal(env: &Environment) -> String {
    let suffix = match env.partition() {
        Partition::AwsCn => "amazonaws.com.cn",
        _ => "amazonaws.com",
    };
    format!("logs.{}.{suffix}", env.region())
}
