//! The committed editor schema (`cfsynth.schema.json`) is what `cfsynth schema` prints, and
//! every example manifest validates against it (checked by Python's `jsonschema`, an
//! independent implementation, installed into `.venv` by `scripts/setup-venv`).

use std::path::PathBuf;
use std::process::Command;

use crate::support::cfn_lint::repo_root;
use cfsynth::manifest::Registry;

const SCHEMA_FILE: &str = "cfsynth.schema.json";

fn rendered_schema() -> String {
    let mut text = serde_json::to_string_pretty(&Registry::builtin().schema()).expect("JSON");
    text.push('\n');
    text
}

#[test]
fn the_committed_schema_is_up_to_date() {
    let committed = std::fs::read_to_string(repo_root().join(SCHEMA_FILE)).unwrap_or_default();
    assert!(
        committed == rendered_schema(),
        "{SCHEMA_FILE} is stale: run `cargo run -- schema > {SCHEMA_FILE}`"
    );
}

#[test]
fn every_example_manifest_validates_against_the_schema() {
    let root = repo_root();
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "the test venv is missing: run `scripts/setup-venv` (or the whole suite with `scripts/test`)"
    );
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(root.join("manifests"))
        .expect("manifests/")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    manifests.sort();
    assert!(manifests.len() >= 5, "expected the example manifests");
    let output = Command::new(&python)
        .arg(root.join("tests/it/support/validate_manifests.py"))
        .arg(root.join(SCHEMA_FILE))
        .args(&manifests)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
