//! The test-and-deploy pipeline, made with cfsynth's `Pipeline` construct:
//!
//! Source → Synth → UpdatePipeline (cfsynth's self-mutation, with this crate's binary) →
//! Test (pytest in the AWS Glue libraries image of the job's Glue version, with a JUnit
//! report) → Deploy (the script to the artifact bucket, then the job stack, from the
//! templates of the Synth stage).

use std::path::Path;

use cfsynth::app::{App, Environment, StackRole, template_file};
use cfsynth::constructs::codebuild::{
    BuildSpec, BuildSpecSource, Compute, Image, Phase, Phases, Project, ProjectProps,
    ProjectSource, ReportFiles, ReportFormat, ReportGroupProps,
};
use cfsynth::constructs::iam::{Principal, RoleRef, Statement};
use cfsynth::constructs::pipeline::{
    Action, ActionKind, ArtifactEncryption, ArtifactPath, BuildProject, Capability, Pipeline,
    PipelineProps, SYNTH_ARTIFACT, SelfMutation, StackDeploy, Stage, Target, artifact_bucket,
    pipeline_stack,
};
use cfsynth::constructs::{ConstructError, Scope};
use cfsynth::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use cfsynth::manifest::{BuildContext, Document, Located, Origin};
use cfsynth::template::sub;
use indexmap::IndexMap;
use serde_json::json;

use crate::checks::Checked;
use crate::job_stack::{role_name, script_key, script_prefix};
use crate::spec::{GlueEtlServiceSpec, RepositorySpec};

/// The source action's output: the repository.
const SOURCE: &str = "source";
/// This crate's binary: cfsynth's CLI with `GlueEtlService`, which the Synth step runs.
pub const BINARY: &str = "glue-etl-cfsynth";
/// The pipeline's name for `deployTo`.
const TARGET: &str = "deploy";
/// The report group the unit tests publish to.
const REPORT: &str = "unit";

/// Adds the pipeline stack (and cfsynth's bootstrap stack in the target account).
pub fn build(
    cx: &mut BuildContext<'_>,
    doc: &Document<GlueEtlServiceSpec>,
    checked: &Checked,
    tooling: Environment,
    target: Environment,
) -> Diagnostics {
    let service = doc.name.value.as_str();
    let origin = Origin::at(&doc.name.span);
    let stack_name = Located::new(pipeline_stack(service), doc.name.span.clone());
    let root = Scope::root(cx.add_stack(&stack_name, tooling.clone(), StackRole::Pipeline));

    let test = root.child("unit-tests");
    let test = cx.construct(&test, origin.clone(), |app| {
        test_project(checked).and_then(|props| Project::new(app, &test, props))
    });
    let publish = root.child("publish-script");
    let publish = cx.construct(&publish, origin.clone(), |app| {
        publish_project(service, checked, &tooling)
            .and_then(|props| Project::new(app, &publish, props))
    });
    let (test, publish) = match (test, publish) {
        (Ok(test), Ok(publish)) => (test, publish),
        (test, publish) => {
            let errors = [test.err(), publish.err()];
            return (errors.into_iter().flatten())
                .map(|error| at_document(doc, &error))
                .collect();
        }
    };

    let build = |project: &Project, test: bool| ActionKind::Build {
        project: BuildProject::from(project),
        inputs: vec![SOURCE.into()],
        outputs: Vec::new(),
        env: IndexMap::new(),
        test,
    };
    // The job stack's template, as the Synth stage of self-mutation wrote it.
    let mut deploy = StackDeploy::create_update(
        service,
        ArtifactPath {
            artifact: SYNTH_ARTIFACT.into(),
            path: template_file(service, &target),
        },
    );
    deploy.capabilities = vec![Capability::NamedIam];
    let stages = vec![
        Stage {
            name: "Source".into(),
            actions: vec![Action::new("source", source(doc))],
        },
        Stage {
            name: "Test".into(),
            actions: vec![Action::new("unit-tests", build(&test, true))],
        },
        Stage {
            name: "Deploy".into(),
            actions: vec![
                Action::new("publish-script", build(&publish, false)),
                Action {
                    run_order: 2,
                    target: Some(TARGET.into()),
                    ..Action::new("job", ActionKind::Deploy(deploy))
                },
            ],
        },
    ];
    let self_mutation = SelfMutation {
        manifests: vec![manifest_folder(&doc.name.span)],
        binary: BINARY.into(),
        install_commands: Some(match &doc.spec.synth {
            Some(synth) => synth.install.clone(),
            None => default_install_commands(),
        }),
        ..SelfMutation::new(env!("CARGO_PKG_VERSION"))
    };
    let target_policies = deploy_permissions(service, &target);
    let props = PipelineProps {
        name: service.to_owned(),
        env: tooling.clone(),
        targets: IndexMap::from([(
            TARGET.to_owned(),
            Target {
                execution_statements: target_policies,
                ..Target::new(target.clone(), Vec::new())
            },
        )]),
        stages,
        variables: Vec::new(),
        trigger: None,
        topics: Vec::new(),
        notifications: None,
        // The job (in the target account) reads its script from the artifact bucket.
        artifact_encryption: ArtifactEncryption::Kms,
        restart_on_update: false,
        self_mutation: Some(self_mutation),
    };
    let pipeline = match Pipeline::new(cx.app_mut(), props) {
        Ok(pipeline) => pipeline,
        Err(errors) => {
            return errors.iter().map(|error| at_document(doc, error)).collect();
        }
    };
    let_job_read_script(cx.app_mut(), &pipeline, service, &target);
    Diagnostics::new()
}

/// The repository, as written or by default the CodeCommit repository of the service.
fn source(doc: &Document<GlueEtlServiceSpec>) -> ActionKind {
    let main = |branch: &Option<String>| branch.clone().unwrap_or_else(|| "main".into());
    match &doc.spec.source {
        None => ActionKind::CodeCommitSource {
            repository: doc.name.value.clone(),
            branch: "main".into(),
            output: SOURCE.into(),
        },
        Some(RepositorySpec::Codecommit(repo)) => ActionKind::CodeCommitSource {
            repository: repo.repo.clone(),
            branch: main(&repo.branch),
            output: SOURCE.into(),
        },
        Some(RepositorySpec::Github(repo)) => ActionKind::ConnectionSource {
            connection_arn: repo.connection.clone(),
            repository: repo.repo.clone(),
            branch: main(&repo.branch),
            output: SOURCE.into(),
            detect_changes: true,
        },
    }
}

/// pytest in the AWS Glue libraries image of the job's Glue version, with a JUnit report.
fn test_project(checked: &Checked) -> Result<ProjectProps, ConstructError> {
    let spec = BuildSpec {
        phases: Phases {
            install: Some(Phase::commands([
                "python3 -m pytest --version || python3 -m pip install --user pytest",
            ])),
            build: Some(Phase::commands([format!(
                "python3 -m pytest {} --junitxml=reports/junit.xml",
                checked.tests
            )])),
            ..Phases::default()
        },
        reports: IndexMap::from([(
            REPORT.to_owned(),
            ReportFiles {
                files: vec!["junit.xml".into()],
                base_directory: Some("reports".into()),
                file_format: Some(ReportFormat::JunitXml),
                ..ReportFiles::default()
            },
        )]),
        ..BuildSpec::default()
    };
    let mut props = ProjectProps::new(
        ProjectSource::CodePipeline(BuildSpecSource::Inline(Box::new(spec))),
        Image::parse(checked.runtime.test_image)?,
    );
    props.description = Some(format!(
        "Unit tests in the AWS Glue {} libraries image",
        checked.runtime.version
    ));
    // Spark in local mode wants more than the 3 GB of the small size.
    props.compute = Compute::Medium;
    props.report_groups = IndexMap::from([(REPORT.to_owned(), ReportGroupProps::test())]);
    Ok(props)
}

/// Copies the script under the service's prefix of the artifact bucket, where the job
/// reads it.
fn publish_project(
    service: &str,
    checked: &Checked,
    tooling: &Environment,
) -> Result<ProjectProps, ConstructError> {
    let bucket = artifact_bucket(service, tooling.account(), tooling.region());
    let spec = BuildSpec {
        phases: Phases {
            build: Some(Phase::commands([format!(
                "aws s3 cp {} s3://{bucket}/{} --only-show-errors",
                checked.script,
                script_key(service, &checked.script)
            )])),
            ..Phases::default()
        },
        ..BuildSpec::default()
    };
    let mut props = ProjectProps::new(
        ProjectSource::CodePipeline(BuildSpecSource::Inline(Box::new(spec))),
        Image::parse("standard:7.0")?,
    );
    props.description = Some(format!("Publishes the script of the Glue job {service}"));
    Ok(props)
}

/// What CloudFormation may do in the target account: exactly the job stack's resources.
fn deploy_permissions(service: &str, target: &Environment) -> Vec<Statement> {
    let (account, region) = (target.account(), target.region());
    let regional = |prefix: &str, resource: String| {
        sub(format!(
            "arn:${{AWS::Partition}}:{prefix}:{region}:{account}:{resource}"
        ))
    };
    let role = RoleRef::new(account, role_name(service)).arn();
    vec![
        Statement::allow([
            "glue:CreateJob",
            "glue:UpdateJob",
            "glue:DeleteJob",
            "glue:GetJob",
            "glue:GetTags",
            "glue:TagResource",
            "glue:UntagResource",
        ])
        .on([regional("glue", format!("job/{service}"))]),
        // Glue security configurations have no resource-level permissions: `*` is the
        // only valid resource.
        Statement::allow([
            "glue:CreateSecurityConfiguration",
            "glue:DeleteSecurityConfiguration",
            "glue:GetSecurityConfiguration",
        ])
        .sid("GlueSecurityConfigurations")
        .on(["*"]),
        Statement::allow([
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:GetRole",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
            "iam:UpdateAssumeRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:GetRolePolicy",
            "iam:PutRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
        ])
        .on([role.clone()]),
        Statement::allow(["iam:PassRole"]).on([role]).when(
            "StringEquals",
            "iam:PassedToService",
            json!("glue.amazonaws.com"),
        ),
        // A key that does not exist yet has no ARN: kms:CreateKey takes only `*`.
        Statement::allow(["kms:CreateKey"])
            .sid("CreateKey")
            .on(["*"]),
        // The key id is generated, so its ARN is not known in advance: keys of the
        // target account and region.
        Statement::allow([
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:PutKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:EnableKeyRotation",
            "kms:UpdateKeyDescription",
            "kms:ListResourceTags",
            "kms:TagResource",
            "kms:UntagResource",
        ])
        .on([regional("kms", "key/*".into())]),
    ]
}

/// Lets the job role of another account read the script: statements in the policies of
/// the pipeline's artifact bucket and key (of the pipeline's own region). The role does
/// not exist when the pipeline stack is deployed, so they name its account and match its
/// ARN.
fn let_job_read_script(app: &mut App, pipeline: &Pipeline, service: &str, target: &Environment) {
    if pipeline.artifact_bucket.account() == target.account() {
        // The role's own policy is enough in the same account.
        return;
    }
    let job_role = RoleRef::new(target.account(), role_name(service)).arn();
    let from_job = |statement: Statement| {
        statement.to(Principal::account(target.account())).when(
            "ArnEquals",
            "aws:PrincipalArn",
            job_role.clone().into_node(),
        )
    };
    pipeline.artifact_bucket.add_to_resource_policy(
        app,
        from_job(
            Statement::allow(["s3:GetObject"])
                .sid("GlueJobReadsScript")
                .on([pipeline
                    .artifact_bucket
                    .arn_for_objects(&format!("{}*", script_prefix(service)))]),
        ),
    );
    // The artifacts are KMS-encrypted (`ArtifactEncryption::Kms`): the key is there. In a
    // key policy the resource is always `*`: the key itself.
    if let Some(key) = &pipeline.artifact_key {
        key.add_to_key_policy(
            app,
            from_job(
                Statement::allow(["kms:Decrypt"])
                    .sid("GlueJobDecryptsScript")
                    .on(["*"]),
            ),
        );
    }
}

/// Installs this crate's binary (`glue-etl-cfsynth`, the command the Synth step runs) at
/// this version.
fn default_install_commands() -> Vec<String> {
    vec![
        "command -v cargo || (curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal)".into(),
        ". \"$HOME/.cargo/env\"".into(),
        format!(
            "cargo install {} --version '={}' --locked --bin {BINARY}",
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION")
        ),
    ]
}

/// The folder of the manifest, as the Synth step sees it (relative to the repository
/// root); `.` for a manifest at the root.
fn manifest_folder(span: &Span) -> String {
    match Path::new(span.file.as_ref()).parent() {
        Some(folder) if !folder.as_os_str().is_empty() && folder.is_relative() => {
            folder.to_string_lossy().into_owned()
        }
        _ => ".".into(),
    }
}

/// A construct error, at the document's name (the construct path names the part).
fn at_document(doc: &Document<GlueEtlServiceSpec>, error: &ConstructError) -> Diagnostic {
    Diagnostic::error(codes::INVALID_VALUE, error.to_string()).at(&doc.name.span)
}
