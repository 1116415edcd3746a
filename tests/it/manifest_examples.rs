//! The example manifests in `manifests/` synthesize, and their templates are snapshots
//! (which the cfn-lint test then lints).

use cfsynth::diagnostics::render_text;
use cfsynth::manifest::{Manifests, Registry};

#[test]
fn example_manifests_synthesize() {
    let manifests = Manifests::load(&["manifests"]);
    let assembly = match Registry::builtin().synth(&manifests) {
        Ok(assembly) => assembly,
        Err(diagnostics) => panic!("{}", render_text(&diagnostics, manifests.sources(), false)),
    };
    assert!(!assembly.stacks.is_empty());
    for stack in &assembly.stacks {
        insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("manifest-example-{}", stack.id), &stack.body);
        });
    }
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("manifest-example-assembly", assembly.manifest());
    });
}
