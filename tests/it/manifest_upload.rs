//! The `upload` action of `kind: Pipeline`, and the Glue job pipeline example
//! (`manifests/glue-job-pipeline.yaml`) that publishes a job script with it.

use cfsynth::diagnostics::{Diagnostic, Severity, render_text};
use cfsynth::manifest::{Manifests, Registry};
use serde_json::{Value as Json, json};

/// The template of the stack `id` of these manifests.
fn template(manifests: &Manifests, id: &str) -> Json {
    let assembly = match Registry::builtin().synth(manifests) {
        Ok(assembly) => assembly,
        Err(diagnostics) => panic!("{}", render_text(&diagnostics, manifests.sources(), false)),
    };
    let stack = assembly
        .stacks
        .iter()
        .find(|stack| stack.id == id)
        .unwrap_or_else(|| panic!("no stack {id}"));
    serde_json::from_str(&stack.body).expect("JSON")
}

fn example() -> Manifests {
    let mut manifests = Manifests::new();
    for file in [
        "manifests/accounts.yaml",
        "manifests/glue-job-pipeline.yaml",
    ] {
        manifests.add(
            file,
            std::fs::read_to_string(file).expect("example manifest"),
        );
    }
    manifests
}

/// A pipeline in 111111111111 whose only stage holds `action` (from line 9).
fn pipeline(action: &str) -> Manifests {
    let mut manifests = Manifests::new();
    manifests.add(
        "pipeline.yaml",
        format!(
            "kind: Pipeline
name: ship
env: {{ account: \"111111111111\", region: eu-west-1 }}
source: {{ codecommit: {{ repo: ship }} }}
selfMutate: false
stages:
  - name: Publish
    actions:
{action}"
        ),
    );
    manifests
}

fn errors(manifests: &Manifests) -> Vec<Diagnostic> {
    let build = Registry::builtin().build(manifests);
    let found: Vec<Diagnostic> = build.diagnostics.iter().cloned().collect();
    found
        .into_iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .collect()
}

/// The only error, with its line and column.
fn only_error(action: &str) -> (u32, u32, Diagnostic) {
    let mut found = errors(&pipeline(action));
    assert_eq!(found.len(), 1, "{found:#?}");
    let diagnostic = found.remove(0);
    let span = diagnostic.span.clone().expect("a located diagnostic");
    (span.line, span.column, diagnostic)
}

/// The statements of the default policy of the role `role`.
fn role_statements(template: &Json, role: &str) -> Vec<Json> {
    let policy = &template["Resources"][format!("{role}DefaultPolicy")];
    assert_eq!(policy["Properties"]["Roles"], json!([{ "Ref": role }]));
    policy["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements")
        .clone()
}

#[test]
fn an_upload_copies_each_file_and_may_only_put_objects_under_its_prefix() {
    let template = template(
        &pipeline(
            "      - upload:
          name: scripts
          files: [jobs/a.py, \"jobs/it's b.py\"]
          to: s3://acme-scripts/glue/jobs
",
        ),
        "ship-pipeline-111111111111-eu-west-1",
    );
    let project = &template["Resources"]["PublishScriptsProject"]["Properties"];
    assert_eq!(
        project["Source"]["BuildSpec"],
        "version: \"0.2\"\nphases:\n  build:\n    commands:\n      \
         - \"aws s3 cp jobs/a.py s3://acme-scripts/glue/jobs/a.py\"\n      \
         - \"aws s3 cp 'jobs/it'\\\\''s b.py' 's3://acme-scripts/glue/jobs/it'\\\\''s b.py'\"\n"
    );
    assert_eq!(project["Source"]["Type"], "CODEPIPELINE");
    let statements = role_statements(&template, "PublishScriptsRole");
    let puts: Vec<&Json> = statements
        .iter()
        .filter(|statement| statement["Resource"].to_string().contains("acme-scripts"))
        .collect();
    assert_eq!(
        puts,
        [&json!({
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": { "Fn::Sub": "arn:${AWS::Partition}:s3:::acme-scripts/glue/jobs/*" }
        })]
    );
    // Besides: its logs (from the project) and the artifact bucket (from the pipeline).
    for statement in &statements {
        let resources = statement["Resource"].to_string();
        assert!(
            resources.contains("acme-scripts")
                || resources.contains(":log-group:/aws/codebuild/")
                || resources.contains("cfsynth-ship-111111111111-eu-west-1"),
            "{statement}"
        );
    }
    let stages = template["Resources"]["Pipeline"]["Properties"]["Stages"].clone();
    let action = &stages[1]["Actions"][0];
    assert_eq!(action["Name"], "scripts");
    assert_eq!(action["ActionTypeId"]["Provider"], "CodeBuild");
    assert_eq!(action["InputArtifacts"], json!([{ "Name": "source" }]));
}

#[test]
fn the_example_job_runs_the_published_script_and_its_upload_role_only_puts_it() {
    let manifests = example();
    let job = template(&manifests, "orders-etl-job-222222222222-eu-west-1");
    assert_eq!(
        job["Resources"]["OrdersJob"]["Properties"]["Command"]["ScriptLocation"],
        "s3://acme-orders-etl-scripts-222222222222/jobs/orders.py"
    );
    let pipeline = template(&manifests, "orders-etl-pipeline-222222222222-eu-west-1");
    let statements = role_statements(&pipeline, "PublishPublishScriptsRole");
    let puts: Vec<&Json> = statements
        .iter()
        .filter(|statement| {
            statement["Resource"]
                .to_string()
                .contains("acme-orders-etl-scripts")
        })
        .collect();
    assert_eq!(
        puts,
        [&json!({
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:s3:::acme-orders-etl-scripts-222222222222/jobs/*"
            }
        })]
    );
    let buildspec =
        pipeline["Resources"]["PublishPublishScriptsProject"]["Properties"]["Source"]["BuildSpec"]
            .as_str()
            .expect("inline buildspec");
    assert!(
        buildspec.contains(
            "aws s3 cp jobs/orders.py s3://acme-orders-etl-scripts-222222222222/jobs/orders.py"
        ),
        "{buildspec}"
    );
}

#[test]
fn the_example_pipeline_tests_in_the_glue_image_and_deploys_from_synth() {
    let pipeline = template(&example(), "orders-etl-pipeline-222222222222-eu-west-1");
    let resources = &pipeline["Resources"];
    let stages = resources["Pipeline"]["Properties"]["Stages"]
        .as_array()
        .expect("stages");
    let names: Vec<&str> = stages
        .iter()
        .map(|stage| stage["Name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "Source",
            "Synth",
            "UpdatePipeline",
            "Test",
            "Publish",
            "Deploy"
        ]
    );

    let test = &stages[3]["Actions"][0];
    assert_eq!(test["ActionTypeId"]["Category"], "Test");
    assert_eq!(test["ActionTypeId"]["Provider"], "CodeBuild");
    let project = &resources["TestUnitTestsProject"]["Properties"];
    assert_eq!(
        project["Environment"]["Image"],
        "public.ecr.aws/glue/aws-glue-libs:5"
    );
    let group = &resources["TestUnitTestsUnitReportGroup"];
    assert_eq!(group["Type"], "AWS::CodeBuild::ReportGroup");
    assert_eq!(group["Properties"]["Type"], "TEST");

    let deploy = &stages[5]["Actions"][0];
    assert_eq!(deploy["ActionTypeId"]["Provider"], "CloudFormation");
    assert_eq!(deploy["Configuration"]["StackName"], "orders-etl-job");
    assert_eq!(
        deploy["Configuration"]["TemplatePath"],
        "synth::orders-etl-job-222222222222-eu-west-1.template.json"
    );
    assert_eq!(deploy["InputArtifacts"], json!([{ "Name": "synth" }]));
}

#[test]
fn an_upload_to_something_else_than_an_s3_prefix_is_rejected_at_to() {
    for (to, column) in [
        ("https://acme-scripts/jobs/", 15),
        ("s3://Acme_Scripts/jobs/", 15),
        ("s3://acme-scripts/jobs/*", 15),
        ("s3://acme-scripts//jobs/", 15),
    ] {
        let (line, col, diagnostic) = only_error(&format!(
            "      - upload:\n          name: scripts\n          files: [a.py]\n          to: \"{to}\"\n"
        ));
        assert_eq!((line, col), (12, column), "{to}: {diagnostic:#?}");
        assert_eq!(
            diagnostic.message,
            format!("`{to}` is not an S3 prefix URI")
        );
        assert_eq!(
            diagnostic.expected.as_deref(),
            Some("`s3://bucket/prefix/`, e.g. `s3://acme-scripts/jobs/`")
        );
    }
}

#[test]
fn an_upload_without_files_is_rejected_at_files() {
    let (line, column, diagnostic) = only_error(
        "      - upload:\n          name: scripts\n          files: []\n          to: s3://acme-scripts/jobs/\n",
    );
    assert_eq!((line, column), (11, 18));
    assert_eq!(
        diagnostic.message,
        "an upload needs at least one file in `files`"
    );
}

#[test]
fn two_files_of_an_upload_with_one_name_are_rejected_at_the_second() {
    let (line, column, diagnostic) = only_error(
        "      - upload:\n          name: scripts\n          files: [a/job.py, b/job.py]\n          to: s3://acme-scripts/jobs/\n",
    );
    assert_eq!((line, column), (11, 29));
    assert_eq!(
        diagnostic.message,
        "another file of this upload is also copied to `jobs/job.py`"
    );
}
