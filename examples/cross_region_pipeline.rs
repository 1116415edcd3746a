//! A cross-account, cross-region pipeline written in Rust: CodeCommit → CodeBuild → deploy
//! to a test account (us-east-1) → approval → deploy to a prod account in eu-west-1.
//!
//! `cargo run --example cross_region_pipeline -- OUT_DIR` writes the templates and
//! `assembly.json`: two bootstrap stacks, one support stack, the pipeline stack.

use cfsynth::app::{App, Environment};
use cfsynth::constructs::Scope;
use cfsynth::constructs::codebuild::{
    BuildSpecSource, Image, Project, ProjectProps, ProjectSource,
};
use cfsynth::constructs::pipeline::{
    Action, ActionKind, ArtifactPath, Pipeline, PipelineProps, StackDeploy, Stage, Target,
    pipeline_stack,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "cfsynth.out".into());
    let tooling = Environment::new("111111111111", "us-east-1")?;
    let policies = || vec!["arn:aws:iam::aws:policy/PowerUserAccess".to_owned()];
    let mut app = App::new();
    let stack = app.add_stack(
        pipeline_stack("orders"),
        tooling.clone(),
        cfsynth::app::StackRole::Pipeline,
    );
    let project = Project::new(
        &mut app,
        &Scope::root(stack).child("build"),
        ProjectProps::new(
            ProjectSource::CodePipeline(BuildSpecSource::File("buildspec.yml".into())),
            Image::parse("standard:7.0")?,
        ),
    )?;
    let template = ArtifactPath::parse("pkg::packaged.yaml").ok_or("artifact path")?;
    let deploy = |name: &str, target: &str, run_order| Action {
        run_order,
        target: Some(target.into()),
        ..Action::new(
            name,
            ActionKind::Deploy(StackDeploy::create_update("orders", template.clone())),
        )
    };
    let source = ActionKind::CodeCommitSource {
        repository: "orders".into(),
        branch: "main".into(),
        output: "src".into(),
    };
    let build = ActionKind::Build {
        project: (&project).into(),
        inputs: vec!["src".into()],
        outputs: vec!["pkg".into()],
        env: Default::default(),
        test: false,
    };
    let approve = ActionKind::Approval {
        topic: Some("releases".into()),
        message: None,
        url: None,
    };
    let props = PipelineProps {
        name: "orders".into(),
        env: tooling,
        targets: [
            (
                "test".to_owned(),
                Target::new(Environment::new("222222222222", "us-east-1")?, policies()),
            ),
            (
                "prod".to_owned(),
                Target::new(Environment::new("333333333333", "eu-west-1")?, policies()),
            ),
        ]
        .into(),
        stages: vec![
            Stage {
                name: "Source".into(),
                actions: vec![Action::new("repo", source)],
            },
            Stage {
                name: "Build".into(),
                actions: vec![Action::new("package", build)],
            },
            Stage {
                name: "Test".into(),
                actions: vec![deploy("api", "test", 1)],
            },
            Stage {
                name: "Prod".into(),
                actions: vec![Action::new("release", approve), deploy("api", "prod", 2)],
            },
        ],
        variables: Vec::new(),
        trigger: None,
        topics: vec!["releases".into()],
        notifications: None,
        artifact_encryption: Default::default(),
        restart_on_update: false,
        self_mutation: None,
    };
    Pipeline::new(&mut app, props).map_err(|errors| format!("{errors:?}"))?;
    let assembly = app.synth()?;
    assembly.write(out.as_ref())?;
    println!(
        "{} stacks, {} resources written to {out}",
        assembly.stacks.len(),
        assembly.resource_count()
    );
    Ok(())
}
