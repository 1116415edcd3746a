//! The built binary: subcommands, the files `synth` writes, output formats and exit codes
//! (0 success, 1 manifest errors, 2 usage errors).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

const QUEUES: &str = r#"kind: Stack
name: jobs
env: { account: "111111111111", region: eu-west-1 }
resources:
  - cfn:
      name: dead-letters
      type: AWS::SQS::Queue
  - cfn:
      name: work
      type: AWS::SQS::Queue
      properties:
        RedrivePolicy: { deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 3 }
"#;

const TYPO: &str = "kind: Stack\nname: jobs\nenv: { account: \"111111111111\", region: eu-west-1 }\nresorces: []\n";

/// A fresh directory with `manifests/queues.yaml` and `bad.yaml`.
fn workspace(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("manifests")).expect("create the workspace");
    std::fs::write(dir.join("manifests/queues.yaml"), QUEUES).expect("write a manifest");
    std::fs::write(dir.join("bad.yaml"), TYPO).expect("write a manifest");
    dir
}

fn cfsynth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cfsynth"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("run cfsynth")
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn synth_writes_the_templates_and_the_assembly() {
    let dir = workspace("cli-synth");
    let output = cfsynth(&dir, &["synth"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("Synthesized 1 stack with 2 resources for 1 environment from 1 document into cfsynth.out\n"),
        "{}",
        stdout(&output)
    );
    let out = dir.join("cfsynth.out");
    let assembly: Json = serde_json::from_str(
        &std::fs::read_to_string(out.join("assembly.json")).expect("assembly.json"),
    )
    .expect("JSON");
    assert_eq!(
        assembly["stacks"][0]["templateFile"],
        "jobs-111111111111-eu-west-1.template.json"
    );
    let template: Json = serde_json::from_str(
        &std::fs::read_to_string(out.join("jobs-111111111111-eu-west-1.template.json"))
            .expect("the template"),
    )
    .expect("JSON");
    assert_eq!(
        template["Resources"]["Work"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"],
        serde_json::json!({"Fn::GetAtt": ["DeadLetters", "Arn"]})
    );

    let output = cfsynth(
        &dir,
        &[
            "synth",
            "manifests",
            "--out",
            "elsewhere",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let summary: Json = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(summary["errors"], 0);
    assert_eq!(summary["resources"], 2);
    assert_eq!(summary["out"], "elsewhere");
    assert_eq!(summary["stacks"][0]["account"], "111111111111");
    assert!(dir.join("elsewhere/assembly.json").is_file());
}

#[test]
fn validate_and_list_write_nothing() {
    let dir = workspace("cli-validate");
    let output = cfsynth(&dir, &["validate"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "Valid: 1 stack with 2 resources for 1 environment from 1 document\n"
    );
    let output = cfsynth(&dir, &["list", "manifests/queues.yaml"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "STACK  ENVIRONMENT             ROLE         RESOURCES\njobs   111111111111/eu-west-1  application  2\n"
    );
    assert!(!dir.join("cfsynth.out").exists());
}

#[test]
fn timings_name_each_phase_on_stderr() {
    let dir = workspace("cli-timings");
    let phases = |output: &Output| -> Vec<String> {
        stderr(output)
            .lines()
            .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
            .collect()
    };
    let output = cfsynth(&dir, &["synth", "--timings"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(
        phases(&output),
        ["load", "build", "synth", "write", "total"]
    );
    assert!(stderr(&output).lines().all(|line| line.ends_with(" ms")));
    let output = cfsynth(&dir, &["validate", "--timings"]);
    assert_eq!(phases(&output), ["load", "build", "synth", "total"]);
    let output = cfsynth(&dir, &["list", "--timings"]);
    assert_eq!(phases(&output), ["load", "build", "synth", "total"]);
    let output = cfsynth(&dir, &["validate"]);
    assert_eq!(stderr(&output), "");
}

#[test]
fn manifest_errors_exit_with_1() {
    let dir = workspace("cli-errors");
    let output = cfsynth(&dir, &["synth", "bad.yaml"]);
    assert_eq!(code(&output), Some(1));
    assert_eq!(stdout(&output), "");
    let errors = stderr(&output);
    assert!(
        errors.starts_with("error[E0203]: unknown field `resorces`\n --> bad.yaml:4:1\n"),
        "{errors}"
    );
    assert!(
        errors.contains("= help: did you mean `resources`?"),
        "{errors}"
    );
    assert!(
        errors.ends_with("error: could not synthesize the manifests: 1 error\n"),
        "{errors}"
    );
    assert!(
        !errors.contains('\x1b'),
        "no colour when stderr is not a terminal"
    );
    assert!(!dir.join("cfsynth.out").exists());

    let output = cfsynth(
        &dir,
        &["validate", "--format", "json", "bad.yaml", "manifests"],
    );
    assert_eq!(code(&output), Some(1));
    let report: Json = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(report["errors"], 1);
    assert_eq!(report["diagnostics"][0]["code"], "E0203");
    assert_eq!(report["diagnostics"][0]["line"], 4);

    let output = cfsynth(&dir, &["list", "missing"]);
    assert_eq!(code(&output), Some(1));
    assert!(
        stderr(&output).starts_with("error[E0100]: cannot read `missing`: it does not exist\n")
    );

    std::fs::write(dir.join("occupied"), "a file").expect("write a file");
    let output = cfsynth(&dir, &["synth", "--out", "occupied"]);
    assert_eq!(code(&output), Some(1));
    assert!(
        stderr(&output).starts_with("error[E0501]: cannot write `occupied`: "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = workspace("cli-usage");
    for args in [
        &["frobnicate"][..],
        &["synth", "--bogus"],
        &["synth", "--format", "xml"],
        &[],
    ] {
        let output = cfsynth(&dir, args);
        assert_eq!(code(&output), Some(2), "{args:?}: {}", stderr(&output));
    }
    let output = cfsynth(&dir, &["--help"]);
    assert_eq!(code(&output), Some(0));
    assert!(stdout(&output).contains("synth"));
}

#[test]
fn schema_prints_one_schema_per_kind() {
    let dir = workspace("cli-schema");
    let output = cfsynth(&dir, &["schema"]);
    assert_eq!(code(&output), Some(0));
    let schema: Json = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(
        crate::support::schema_kinds(&schema),
        [
            "Accounts",
            "Stack",
            "Pipeline",
            "Portfolio",
            "LakePermissions"
        ]
    );
}
