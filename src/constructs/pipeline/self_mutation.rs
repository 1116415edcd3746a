//! Self-mutation: every execution first re-synthesizes the pipeline from its manifests
//! (Synth) and updates the pipeline's own stack from the result (UpdatePipeline), before
//! any other stage runs.
//!
//! Only the pipeline stack is updated there: an unchanged definition leaves the stack as
//! it is ("no updates are to be performed"), so the execution carries on and no restart
//! loop is possible. Bootstrap and support stacks change rarely and are deployed with
//! `cfsynth deploy`.

use indexmap::IndexMap;
use serde_json::json;

use super::action::{Action, ActionKind, ArtifactPath, BuildProject, Capability, StackDeploy};
use super::{PipelineProps, Stage, Target, names};
use crate::app::App;
use crate::constructs::codebuild::{
    ArtifactFiles, BuildSpec, BuildSpecSource, Cache, Image, LocalCache, Phase, Phases, Project,
    ProjectProps, ProjectSource,
};
use crate::constructs::iam::Statement;
use crate::constructs::{ConstructError, Scope};
use crate::template::{Val, sub};

/// The target name the UpdatePipeline action deploys to (the pipeline's own stack).
pub const SELF_TARGET: &str = "self-update";

/// The artifact holding the synthesized templates (every stack of the app, plus
/// `assembly.json`): later actions may deploy from it, e.g. `synth::<stack file>`.
pub const SYNTH_ARTIFACT: &str = "synth";

/// How the pipeline re-synthesizes itself.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SelfMutation {
    /// The cfsynth version the Synth build installs (`cargo install --locked`): pin it, so
    /// every execution synthesizes with the same code.
    pub cfsynth_version: String,
    /// Manifest paths in the source, passed to `cfsynth synth`.
    pub manifests: Vec<String>,
    /// The synthesizing binary (default `cfsynth`; a team blueprint's own binary, which
    /// keeps cfsynth's CLI, goes here).
    pub binary: String,
    /// Commands that put the binary on the `PATH`, replacing the default install (e.g.
    /// for a build image with cfsynth preinstalled, or a binary from an internal mirror).
    pub install_commands: Option<Vec<String>>,
}

impl SelfMutation {
    /// Self-mutation with cfsynth `version`, synthesizing the `manifests` folder.
    pub fn new(version: impl Into<String>) -> SelfMutation {
        SelfMutation {
            cfsynth_version: version.into(),
            manifests: vec!["manifests".into()],
            binary: "cfsynth".into(),
            install_commands: None,
        }
    }

    fn install_commands(&self) -> Vec<String> {
        self.install_commands.clone().unwrap_or_else(|| {
            vec![
                "command -v cargo || (curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal)".into(),
                ". \"$HOME/.cargo/env\"".into(),
                format!(
                    "cargo install cfsynth --version '={}' --locked",
                    self.cfsynth_version
                ),
            ]
        })
    }
}

/// Adds the Synth and UpdatePipeline stages after the source stage, the project that
/// synthesizes, and the `self-update` target whose execution role may change only the
/// pipeline stack's own resources.
pub(super) fn add_stages(
    app: &mut App,
    root: &Scope,
    props: &mut PipelineProps,
    mutation: &SelfMutation,
) -> Result<(), Vec<ConstructError>> {
    if props.targets.contains_key(SELF_TARGET) {
        return Err(vec![ConstructError::invalid(
            props.name.as_str(),
            format!(
                "the target name `{SELF_TARGET}` is reserved for self-mutation; rename the target"
            ),
        )]);
    }
    let Some(source) = props
        .stages
        .first()
        .and_then(|stage| stage.actions.first())
        .and_then(|action| action.outputs().first().map(|output| (*output).to_owned()))
    else {
        return Err(vec![ConstructError::invalid(
            props.name.as_str(),
            "self-mutation needs a source stage whose first action produces the manifests' artifact",
        )]);
    };
    let spec = BuildSpec {
        phases: Phases {
            install: Some(Phase::commands(mutation.install_commands())),
            build: Some(Phase::commands([format!(
                "{} synth {} --out cfsynth.out",
                mutation.binary,
                mutation.manifests.join(" ")
            )])),
            ..Phases::default()
        },
        artifacts: Some(ArtifactFiles {
            files: vec!["**/*".into()],
            base_directory: Some("cfsynth.out".into()),
            ..ArtifactFiles::default()
        }),
        cache_paths: vec!["/root/.cargo/**/*".into()],
        ..BuildSpec::default()
    };
    let image = Image::parse("standard:7.0").map_err(|error| vec![error])?;
    let mut project_props = ProjectProps::new(
        ProjectSource::CodePipeline(BuildSpecSource::Inline(Box::new(spec))),
        image,
    );
    project_props.description = Some(format!(
        "Synthesizes pipeline {} from its manifests",
        props.name
    ));
    project_props.cache = Some(Cache::Local(vec![LocalCache::Custom]));
    let project =
        Project::new(app, &root.child("synth"), project_props).map_err(|error| vec![error])?;

    let stack_name = names::pipeline_stack(&props.name);
    let env = &props.env;
    let template_file = crate::app::template_file(&stack_name, env);
    let mut update = StackDeploy::create_update(
        stack_name.clone(),
        ArtifactPath {
            artifact: SYNTH_ARTIFACT.into(),
            path: template_file,
        },
    );
    update.capabilities = vec![Capability::NamedIam];
    let synth = Action::new(
        "synth",
        ActionKind::Build {
            project: BuildProject::from(&project),
            inputs: vec![source],
            outputs: vec![SYNTH_ARTIFACT.into()],
            env: IndexMap::new(),
            test: false,
        },
    );
    let self_update = Action {
        target: Some(SELF_TARGET.into()),
        ..Action::new("self-update", ActionKind::Deploy(update))
    };
    props.stages.splice(
        1..1,
        [
            Stage {
                name: "Synth".into(),
                actions: vec![synth],
            },
            Stage {
                name: "UpdatePipeline".into(),
                actions: vec![self_update],
            },
        ],
    );
    props.targets.insert(
        SELF_TARGET.into(),
        Target {
            env: env.clone(),
            execution_policies: Vec::new(),
            execution_statements: self_update_statements(props, &stack_name),
        },
    );
    props.restart_on_update = true;
    Ok(())
}

/// What CloudFormation may do when updating the pipeline stack: exactly the resources that
/// stack holds, found by their deterministic names or the stack-name prefix CloudFormation
/// gives generated names.
fn self_update_statements(props: &PipelineProps, stack_name: &str) -> Vec<Statement> {
    let (name, account, region) = (props.name.as_str(), props.env.account(), props.env.region());
    let arn = |service: &str, resource: String| {
        sub(format!(
            "arn:${{AWS::Partition}}:{service}:{region}:{account}:{resource}"
        ))
    };
    let global = |service: &str, resource: String| {
        sub(format!(
            "arn:${{AWS::Partition}}:{service}::{account}:{resource}"
        ))
    };
    let bucket = names::artifact_bucket(name, account, region);
    vec![
        Statement::allow(["codepipeline:*"]).on([arn("codepipeline", name.to_owned())]),
        Statement::allow([
            "iam:GetRole",
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
            "iam:UpdateAssumeRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:GetRolePolicy",
            "iam:PutRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:ListRolePolicies",
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:ListAttachedRolePolicies",
        ])
        .on([
            global("iam", format!("role/{stack_name}-*")),
            global("iam", format!("role/cfsynth-{name}-*")),
            global("iam", format!("policy/{stack_name}-*")),
        ]),
        Statement::allow(["iam:PassRole"])
            .on([
                global("iam", format!("role/{stack_name}-*")),
                global("iam", format!("role/cfsynth-{name}-*")),
            ])
            .when(
                "StringEquals",
                "iam:PassedToService",
                json!([
                    "codepipeline.amazonaws.com",
                    "codebuild.amazonaws.com",
                    "events.amazonaws.com"
                ]),
            ),
        Statement::allow(["s3:*"]).on([
            Val::Expr(sub(format!("arn:${{AWS::Partition}}:s3:::{bucket}"))),
            Val::Expr(sub(format!("arn:${{AWS::Partition}}:s3:::{bucket}/*"))),
        ]),
        Statement::allow([
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:PutKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:EnableKeyRotation",
            "kms:ListResourceTags",
            "kms:TagResource",
            "kms:UntagResource",
        ])
        .on([arn("kms", "key/*".into())])
        .when(
            "ForAnyValue:StringEquals",
            "kms:ResourceAliases",
            json!(names::artifact_key_alias(name)),
        ),
        Statement::allow(["codebuild:*"]).on([
            arn("codebuild", format!("project/{stack_name}-*")),
            arn("codebuild", format!("report-group/{stack_name}-*")),
        ]),
        Statement::allow(["logs:*"]).on([arn(
            "logs",
            format!("log-group:/aws/codebuild/{stack_name}-*"),
        )]),
        Statement::allow(["events:*"]).on([arn("events", format!("rule/{stack_name}-*"))]),
        Statement::allow(["sns:*"]).on([arn("sns", format!("{stack_name}-*"))]),
        Statement::allow(["codestar-notifications:*"])
            .on([arn("codestar-notifications", "notificationrule/*".into())]),
    ]
}

impl From<&Project> for BuildProject {
    fn from(project: &Project) -> BuildProject {
        BuildProject {
            name: Val::Expr(project.name()),
            arn: Val::Expr(project.arn()),
            role: Some(project.role().clone()),
        }
    }
}
