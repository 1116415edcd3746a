//! Rendered diagnostics of every invalid fixture (`tests/fixtures/manifests/*.yaml`), as
//! people see them and as tools read them, and the JSON Schema of the manifest format.

use std::path::{Path, PathBuf};

use cfsynth::diagnostics::{render_json, render_text};
use cfsynth::manifest::{Manifests, Registry};

const FIXTURES: &str = "tests/fixtures/manifests";

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .expect("the fixtures folder")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    paths
}

fn check(path: &Path) -> (Manifests, cfsynth::diagnostics::Diagnostics) {
    let manifests = Manifests::load(&[path]);
    let diagnostics = Registry::builtin()
        .synth(&manifests)
        .expect_err("every fixture is invalid");
    (manifests, diagnostics)
}

#[test]
fn rendered_errors_of_every_invalid_fixture() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 8,
        "expected the fixtures under {FIXTURES}"
    );
    for path in fixtures {
        let (manifests, diagnostics) = check(&path);
        let name = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        snapshot!(
            format!("manifest-error-{name}"),
            render_text(&diagnostics, manifests.sources(), false)
        );
    }
}

#[test]
fn errors_as_json() {
    let (_, diagnostics) = check(&Path::new(FIXTURES).join("unknown-fields.yaml"));
    snapshot!(
        "manifest-error-unknown-fields-json",
        render_json(&diagnostics)
    );
}

#[test]
fn manifest_json_schema() {
    snapshot!(
        "manifest-schema",
        cfsynth::template::render_json(&Registry::builtin().schema())
    );
}
