//! The oracle: every template snapshot passes the pinned cfn-lint, as JSON and as YAML.

use std::path::PathBuf;

use crate::support::cfn_lint::{lint, repo_root, snapshot_templates};
use cfsynth::template::render_yaml;

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

#[test]
fn every_snapshot_template_passes_cfn_lint_as_json_and_as_yaml() {
    let templates = snapshot_templates(&repo_root().join("snapshots"));
    assert!(
        templates.len() >= 10,
        "expected the template snapshots under snapshots/, found {}",
        templates.len()
    );
    let dir = scratch_dir("lint-snapshots");
    let mut files = Vec::new();
    for (name, body) in &templates {
        let json_path = dir.join(format!("{name}.json"));
        std::fs::write(&json_path, body).expect("write template");
        let value: serde_json::Value = serde_json::from_str(body).expect("snapshot is JSON");
        let yaml_path = dir.join(format!("{name}.yaml"));
        std::fs::write(&yaml_path, render_yaml(&value)).expect("write template");
        files.extend([json_path, yaml_path]);
    }
    let findings = lint(&files);
    assert!(
        findings.is_empty(),
        "cfn-lint findings in {} templates:\n{}",
        files.len(),
        findings.join("\n")
    );
}

#[test]
fn the_linter_rejects_a_broken_template() {
    let dir = scratch_dir("lint-broken");
    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        r#"{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketNme": "x"}}}}"#,
    )
    .expect("write template");
    let findings = lint(&[broken]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains("E3002"), "{findings:?}");
}
