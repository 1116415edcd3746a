//! The built `glue-etl-cfsynth` binary: cfsynth's CLI with the `GlueEtlService` kind next to
//! the built-in ones. Templates and rendered errors are snapshots in the repository's
//! `snapshots/` folder (the job and pipeline templates are linted by `tests/it/cfn_lint.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

const ACCOUNTS: &str = r#"kind: Accounts
name: organization
accounts:
  tooling: { id: "111111111111", region: us-east-1 }
"#;

const SERVICE: &str = r#"kind: GlueEtlService
name: orders-etl
env: { account: tooling, region: us-east-1 }
script: jobs/orders.py            # the PySpark script in the repository
glueVersion: "4.0"
workers: { type: G.1X, count: 4 }
data: { input: s3://raw-bucket/orders/, output: s3://curated-bucket/orders/ }
deployTo: { account: "333333333333", region: us-east-1 }
"#;

const QUEUES: &str = r#"kind: Stack
name: orders-queues
env: { account: "333333333333", region: us-east-1 }
resources:
  - cfn: { name: dead-letters, type: AWS::SQS::Queue }
"#;

/// Every check of the kind fails once, across two documents.
const INVALID: &str = r#"kind: GlueEtlService
name: orders-etl
env: { account: "111111111111", region: us-east-1 }
script: jobs/orders.sql
glueVersion: "3.0"
workers: { type: G.12X, count: 1 }
data: { input: s3://raw-bucket/orders/, output: s3://Curated_Bucket/orders/ }
deployTo: { account: "333333333333", region: us-east-1 }
---
kind: GlueEtlService
name: events-etl
env: { account: "111111111111", region: us-east-1 }
script: jobs/events.py
workers: { type: G.1x, count: 2 }
data: { input: s3a://raw/events/, output: s3://curated/events/ }
deployTo: { account: "333333333333", region: us-east-1 }
"#;

/// A fresh directory holding `files` (path → content).
fn workspace(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the workspace");
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a folder");
        std::fs::write(path, content).expect("write a manifest");
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glue-etl-cfsynth"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run glue-etl-cfsynth")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).expect("JSON")
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

fn valid_workspace(name: &str) -> PathBuf {
    workspace(
        name,
        &[
            ("manifests/accounts.yaml", ACCOUNTS),
            ("manifests/orders-etl.yaml", SERVICE),
            ("manifests/queues.yaml", QUEUES),
        ],
    )
}

#[test]
fn synth_writes_the_service_stacks_next_to_a_builtin_stack() {
    let dir = valid_workspace("glue-etl-synth");
    let output = run(&dir, &["synth"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with(
            "Synthesized 4 stacks with 35 resources for 2 environments from 3 documents into cfsynth.out\n"
        ),
        "{}",
        stdout(&output)
    );

    let out = dir.join("cfsynth.out");
    let assembly = read_json(&out.join("assembly.json"));
    let stacks: Vec<(&str, &str)> = assembly["stacks"]
        .as_array()
        .expect("stacks")
        .iter()
        .map(|stack| {
            (
                stack["id"].as_str().expect("an id"),
                stack["role"].as_str().expect("a role"),
            )
        })
        .collect();
    assert_eq!(
        stacks,
        [
            ("orders-etl-bootstrap-333333333333-us-east-1", "bootstrap"),
            ("orders-etl-pipeline-111111111111-us-east-1", "pipeline"),
            ("orders-etl-333333333333-us-east-1", "application"),
            ("orders-queues-333333333333-us-east-1", "application"),
        ]
    );
    assert_eq!(
        assembly["stacks"][2]["capabilities"],
        serde_json::json!(["CAPABILITY_NAMED_IAM"])
    );

    let job = read_json(&out.join("orders-etl-333333333333-us-east-1.template.json"));
    let properties = &job["Resources"]["Job"]["Properties"];
    assert_eq!(job["Resources"]["Job"]["Type"], "AWS::Glue::Job");
    assert_eq!(properties["Command"]["Name"], "glueetl");
    assert_eq!(
        properties["Command"]["ScriptLocation"],
        "s3://cfsynth-orders-etl-111111111111-us-east-1/glue-scripts/orders-etl/jobs/orders.py"
    );
    assert_eq!(properties["GlueVersion"], "4.0");
    assert_eq!(properties["WorkerType"], "G.1X");
    assert_eq!(properties["NumberOfWorkers"], 4);
    assert_eq!(
        properties["DefaultArguments"]["--job-bookmark-option"],
        "job-bookmark-enable"
    );
    assert_eq!(properties["DefaultArguments"]["--enable-metrics"], "true");
    assert_eq!(
        job["Resources"]["SecurityConfiguration"]["Type"],
        "AWS::Glue::SecurityConfiguration"
    );
    let policy = &job["Resources"]["JobRoleDefaultPolicy"]["Properties"]["PolicyDocument"];
    for statement in policy["Statement"].as_array().expect("statements") {
        let actions = match &statement["Action"] {
            Json::Array(actions) => actions.clone(),
            action => vec![action.clone()],
        };
        for action in actions {
            let action = action.as_str().expect("an action");
            assert!(!action.contains('*'), "a wildcard action: {statement}");
        }
    }
    assert!(
        !policy.to_string().contains("arn:aws:"),
        "partition-neutral ARNs: {policy}"
    );

    let pipeline = read_json(&out.join("orders-etl-pipeline-111111111111-us-east-1.template.json"));
    let stages: Vec<&str> = pipeline["Resources"]["Pipeline"]["Properties"]["Stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|stage| stage["Name"].as_str().expect("a name"))
        .collect();
    assert_eq!(
        stages,
        ["Source", "Synth", "UpdatePipeline", "Test", "Deploy"]
    );
    // One synthesis per execution, by this binary: the Deploy stage deploys the job stack
    // from the Synth stage's output, under the file name `synth` wrote.
    let synth = pipeline["Resources"]["SynthProject"]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .expect("an inline buildspec");
    assert!(
        synth.contains("glue-etl-cfsynth synth manifests --out cfsynth.out")
            && synth.contains("cargo install glue-etl-blueprint --version '=0.1.0' --locked")
            && !synth.contains("ln -sf"),
        "{synth}"
    );
    let actions = |stage: usize| {
        pipeline["Resources"]["Pipeline"]["Properties"]["Stages"][stage]["Actions"]
            .as_array()
            .expect("actions")
            .clone()
    };
    let names = |stage: usize| -> Vec<String> {
        actions(stage)
            .iter()
            .map(|action| action["Name"].as_str().expect("a name").to_owned())
            .collect()
    };
    assert_eq!(names(3), ["unit-tests"]);
    assert_eq!(names(4), ["publish-script", "job"]);
    let job_deploy = &actions(4)[1];
    assert_eq!(
        job_deploy["InputArtifacts"],
        serde_json::json!([{ "Name": "synth" }])
    );
    let template = job_deploy["Configuration"]["TemplatePath"]
        .as_str()
        .expect("a template path");
    assert_eq!(
        template,
        "synth::orders-etl-333333333333-us-east-1.template.json"
    );
    let file = template
        .strip_prefix("synth::")
        .expect("the synth artifact");
    assert!(
        out.join(file).is_file(),
        "no {file} in the synthesized output"
    );
    assert!(
        !pipeline["Resources"]
            .as_object()
            .expect("resources")
            .keys()
            .any(|id| id.starts_with("Templates")),
        "a second synth project"
    );
    let store = &pipeline["Resources"];
    assert!(
        store["ArtifactsBucketPolicy"]
            .to_string()
            .contains("GlueJobReadsScript")
            && store["ArtifactsKey"]
                .to_string()
                .contains("GlueJobDecryptsScript"),
        "the job role may not read its script"
    );
    let tests = &pipeline["Resources"]["UnitTestsProject"]["Properties"];
    assert_eq!(
        tests["Environment"]["Image"],
        "public.ecr.aws/glue/aws-glue-libs:glue_libs_4.0.0_image_01"
    );
    assert!(
        tests["Source"]["BuildSpec"]
            .as_str()
            .expect("an inline buildspec")
            .contains("file-format: JUNITXML"),
        "{}",
        tests["Source"]["BuildSpec"]
    );

    let queues = read_json(&out.join("orders-queues-333333333333-us-east-1.template.json"));
    assert_eq!(
        queues["Resources"]["DeadLetters"]["Type"],
        "AWS::SQS::Queue"
    );

    for id in [
        "orders-etl-333333333333-us-east-1",
        "orders-etl-pipeline-111111111111-us-east-1",
        "orders-etl-bootstrap-333333333333-us-east-1",
    ] {
        let body =
            std::fs::read_to_string(out.join(format!("{id}.template.json"))).expect("the template");
        snapshot!(format!("blueprint-glue-etl-{id}"), body);
    }
}

#[test]
fn list_and_validate_know_the_new_kind() {
    let dir = valid_workspace("glue-etl-list");
    let output = run(&dir, &["validate"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "Valid: 4 stacks with 35 resources for 2 environments from 3 documents\n"
    );
    let output = run(
        &dir,
        &[
            "list",
            "manifests/orders-etl.yaml",
            "manifests/accounts.yaml",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("orders-etl            333333333333/us-east-1  application"),
        "{}",
        stdout(&output)
    );
    assert!(!dir.join("cfsynth.out").exists());
}

#[test]
fn invalid_services_exit_with_1_and_every_error_points_at_its_value() {
    let dir = workspace("glue-etl-invalid", &[("manifests/etl.yaml", INVALID)]);
    let output = run(&dir, &["synth"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let errors = stderr(&output);
    assert!(
        errors.starts_with(
            "error[E0205]: the script `jobs/orders.sql` is not a path in the repository\n --> manifests/etl.yaml:4:9\n"
        ),
        "{errors}"
    );
    for expected in [
        "error[E0205]: `G.12X` workers need Glue 4.0 or later; this job uses Glue 3.0\n --> manifests/etl.yaml:6:18",
        "= help: set `glueVersion: \"4.0\"`, or choose one of the types above",
        "error[E0205]: a Spark job needs at least 2 workers (one driver and one executor), found 1\n --> manifests/etl.yaml:6:32",
        "error[E0205]: the output bucket name `Curated_Bucket` is not valid",
        "error[E0205]: unknown worker type `G.1x` for Glue 5.0",
        "= help: did you mean `G.1X`?",
        "error[E0205]: the input `s3a://raw/events/` is not an `s3://` URI",
        "= help: write `s3://raw/events/`",
    ] {
        assert!(
            errors.contains(expected),
            "missing `{expected}` in:\n{errors}"
        );
    }
    assert!(
        errors.ends_with("error: could not synthesize the manifests: 6 errors\n"),
        "{errors}"
    );
    assert!(!dir.join("cfsynth.out").exists());
    snapshot!("blueprint-glue-etl-errors", errors);
}

#[test]
fn schema_lists_the_new_kind_next_to_the_builtin_ones() {
    let dir = workspace("glue-etl-schema", &[]);
    let output = run(&dir, &["schema"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let schema: Json = serde_json::from_str(&stdout(&output)).expect("JSON");
    let kinds: Vec<&Json> = schema["oneOf"].as_array().expect("oneOf").iter().collect();
    let names: Vec<&str> = kinds
        .iter()
        .map(|kind| {
            kind["properties"]["kind"]["const"]
                .as_str()
                .expect("a kind")
        })
        .collect();
    for builtin in ["Accounts", "Stack", "Pipeline"] {
        assert!(names.contains(&builtin), "{names:?}");
    }
    let service = kinds
        .iter()
        .find(|kind| kind["properties"]["kind"]["const"] == "GlueEtlService")
        .unwrap_or_else(|| panic!("no GlueEtlService in {names:?}"));
    let required: Vec<&str> = service["required"]
        .as_array()
        .expect("required fields")
        .iter()
        .map(|field| field.as_str().expect("a field"))
        .collect();
    for field in ["script", "workers", "data", "deployTo", "env"] {
        assert!(required.contains(&field), "{required:?}");
    }
    assert_eq!(service["additionalProperties"], false, "{service}");
}
