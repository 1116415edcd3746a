//! A team crate's view: its own document kind and resource kind next to the built-in
//! ones, located errors from its checks, and synthesis errors traced to its documents.

use cfsynth::app::StackRole;
use cfsynth::diagnostics::{Diagnostic, Diagnostics};
use cfsynth::manifest::{
    Blueprint, BuildContext, Document, Located, Manifests, Origin, Registry, ResourceEntry,
    ResourceKind,
};
use cfsynth::template::Resource;
use serde_json::{Map, json};

/// A queue with the team's defaults.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct QueueSpec {
    /// Kebab-case name.
    name: Located<String>,
    /// Seconds a received message stays invisible.
    #[serde(default)]
    visibility: Option<Located<u32>>,
}

struct Queue;

impl ResourceKind for Queue {
    type Spec = QueueSpec;
    const KEY: &'static str = "team/queue";

    fn build(&self, entry: &ResourceEntry<QueueSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let mut properties = Map::new();
        properties.insert("SqsManagedSseEnabled".into(), json!(true));
        if let Some(visibility) = &entry.spec.visibility {
            if **visibility > 43_200 {
                return Diagnostic::error("E9001", "visibility is at most 12 hours")
                    .at(&visibility.span)
                    .into();
            }
            properties.insert("VisibilityTimeout".into(), json!(**visibility));
        }
        let name = &entry.spec.name;
        let owner = format!("{}/{name}", cx.app().stack(entry.stack).name());
        let id = cfsynth::app::logical_id(&[name]);
        cx.add_resource(
            entry.stack,
            &owner,
            &id,
            Resource::raw("AWS::SQS::Queue", properties),
            Origin::at(&name.span),
        );
        Diagnostics::new()
    }
}

/// The same topic in several regions, each stack naming the first one's topic.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MirrorSpec {
    /// Regions besides the document's own.
    regions: Vec<Located<String>>,
    /// Add the first stack twice (to provoke a duplicate stack).
    #[serde(default)]
    twice: bool,
    /// Name a resource that does not exist (to provoke a template error).
    #[serde(default)]
    dangling: bool,
}

struct Mirror;

impl Blueprint for Mirror {
    type Spec = MirrorSpec;
    const KIND: &'static str = "Mirror";

    fn build(&self, doc: &Document<MirrorSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        build_mirror(doc, cx)
    }
}

/// `Mirror` declared self-contained: its documents build in parallel.
struct ParallelMirror;

impl Blueprint for ParallelMirror {
    type Spec = MirrorSpec;
    const KIND: &'static str = "ParallelMirror";
    const SELF_CONTAINED: bool = true;

    fn build(&self, doc: &Document<MirrorSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        build_mirror(doc, cx)
    }
}

fn build_mirror(doc: &Document<MirrorSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
    let env = match doc.env().and_then(|env| cx.resolve_env(env)) {
        Ok(env) => env,
        Err(errors) => return errors,
    };
    let home = cx.add_stack(&doc.name, env.clone(), StackRole::Application);
    if doc.spec.twice {
        cx.add_stack(&doc.name, env.clone(), StackRole::Application);
    }
    let mut topic_properties = Map::new();
    if doc.spec.dangling {
        topic_properties.insert("DisplayName".into(), json!({ "Ref": "Missing" }));
    }
    let topic = cx.add_resource(
        home,
        "mirror/topic",
        "Topic",
        Resource::raw("AWS::SNS::Topic", topic_properties),
        Origin::at(&doc.name.span),
    );
    let mut diagnostics = Diagnostics::new();
    for region in &doc.spec.regions {
        let other = match env.in_region(region) {
            Ok(other) => other,
            Err(error) => {
                diagnostics.push(Diagnostic::error("E9002", error.to_string()).at(&region.span));
                continue;
            }
        };
        let name = Located::new(format!("{}-{region}", doc.name), doc.name.span.clone());
        let stack = cx.add_stack(&name, other, StackRole::Application);
        let properties = json!({ "DisplayName": topic.get_att::<String>("TopicName") });
        let resource = Resource::raw(
            "AWS::SNS::Topic",
            properties.as_object().cloned().unwrap_or_default(),
        );
        cx.add_resource(
            stack,
            "mirror/copy",
            "Copy",
            resource,
            Origin::at(&region.span),
        );
    }
    diagnostics
}

fn registry() -> Registry {
    let mut registry = Registry::builtin();
    registry
        .register(Mirror)
        .register(ParallelMirror)
        .register_resource(Queue);
    registry
}

fn errors(text: &str) -> Vec<String> {
    let mut manifests = Manifests::new();
    manifests.add("team.yaml", text);
    shown(registry().synth(&manifests))
}

/// The diagnostics of a failed synthesis as rendered, none for a success.
fn shown(result: Result<cfsynth::app::Assembly, Diagnostics>) -> Vec<String> {
    match result {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect(),
    }
}

const ENV: &str = "env: { account: \"111111111111\", region: eu-west-1 }";

#[test]
fn team_kinds_build_next_to_the_builtin_ones() {
    let mut manifests = Manifests::new();
    manifests.add(
        "team.yaml",
        format!("kind: Stack\nname: jobs\n{ENV}\nresources:\n  - team/queue: {{ name: work, visibility: 60 }}\n  - cfn: {{ type: AWS::SNS::Topic }}\n---\nkind: Mirror\nname: alerts\n{ENV}\nregions: []\n"),
    );
    let assembly = registry().synth(&manifests).expect("valid");
    let names: Vec<&str> = assembly
        .stacks
        .iter()
        .map(|stack| stack.name.as_str())
        .collect();
    assert_eq!(names, ["jobs", "alerts"]);
    let template: serde_json::Value = serde_json::from_str(&assembly.stacks[0].body).expect("JSON");
    assert_eq!(
        template["Resources"]["Work"],
        json!({"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": true, "VisibilityTimeout": 60}})
    );
}

#[test]
fn team_checks_and_team_fields_are_located() {
    assert_eq!(
        errors(&format!(
            "kind: Stack\nname: jobs\n{ENV}\nresources:\n  - team/queue: {{ name: work, visibility: 99999 }}\n"
        )),
        ["team.yaml:5:43: error[E9001]: visibility is at most 12 hours"]
    );
    assert_eq!(
        errors(&format!(
            "kind: Stack\nname: jobs\n{ENV}\nresources:\n  - team/queue: {{ name: work, visibilty: 1 }}\n"
        )),
        ["team.yaml:5:31: error[E0203]: unknown field `visibilty`"]
    );
    assert_eq!(
        errors(&format!(
            "kind: Mirror\nname: alerts\n{ENV}\nregions: [eu-west-9]\n"
        )),
        ["team.yaml:4:11: error[E9002]: unknown region `eu-west-9` (did you mean `eu-west-1`?)"]
    );
}

#[test]
fn synthesis_errors_of_team_kinds_point_at_their_documents() {
    assert_eq!(
        errors(&format!(
            "kind: Mirror\nname: alerts\n{ENV}\nregions: [us-east-1]\n"
        )),
        [
            "team.yaml:2:7: error[E0403]: stack `alerts-us-east-1` (111111111111/us-east-1) refers to `Topic.TopicName` in stack `alerts` (111111111111/eu-west-1); CloudFormation resolves references only within one account and region: pass the value as a parameter, or give the resource a deterministic physical name and build its ARN"
        ]
    );
    assert_eq!(
        errors(&format!(
            "kind: Mirror\nname: alerts\n{ENV}\nregions: []\ntwice: true\n"
        )),
        ["team.yaml:2:7: error[E0401]: stack `alerts` is defined twice in 111111111111/eu-west-1"]
    );
}

#[test]
fn the_schema_has_one_entry_per_kind_and_resource_kind() {
    let schema = registry().schema();
    assert_eq!(
        crate::support::schema_kinds(&schema),
        [
            "Accounts",
            "Stack",
            "Pipeline",
            "Portfolio",
            "LakePermissions",
            "Mirror",
            "ParallelMirror"
        ]
    );
    let entries: Vec<&str> = schema["$defs"]["ResourceEntry"]["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .filter_map(|entry| entry["required"][0].as_str())
        .collect();
    assert_eq!(
        entries,
        [
            "cfn",
            "iam/role",
            "iam/managed-policy",
            "kms/key",
            "s3/bucket",
            "sns/topic",
            "codebuild/project",
            "glue/database",
            "glue/security-configuration",
            "glue/connection",
            "glue/job",
            "glue/crawler",
            "glue/workflow",
            "glue/trigger",
            "team/queue"
        ]
    );
}

/// Mirrors (with cross-stack references and, in `broken`, a cross-region one) between
/// stacks of other kinds, as `kind`.
fn interleaved(kind: &str, broken: bool) -> Manifests {
    let mut text = String::new();
    for index in 0..7 {
        let regions = match (index, broken) {
            (3, true) => "[us-east-1]",
            _ => "[]",
        };
        text.push_str(&format!(
            "kind: {kind}\nname: mirror-{index}\n{ENV}\nregions: {regions}\n---\n"
        ));
        if index % 3 == 0 {
            text.push_str(&format!(
                "kind: Stack\nname: jobs-{index}\n{ENV}\nresources:\n  - team/queue: {{ name: work }}\n---\n"
            ));
        }
    }
    let mut manifests = Manifests::new();
    manifests.add("team.yaml", text);
    manifests
}

#[test]
fn self_contained_documents_build_in_parallel_with_the_same_result() {
    let registry = registry();
    let one_by_one = registry
        .synth(&interleaved("Mirror", false))
        .expect("valid");
    let parallel = registry
        .synth(&interleaved("ParallelMirror", false))
        .expect("valid");
    assert_eq!(parallel, one_by_one);
    let names: Vec<&str> = parallel
        .stacks
        .iter()
        .map(|stack| stack.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "mirror-0", "jobs-0", "mirror-1", "mirror-2", "mirror-3", "jobs-3", "mirror-4",
            "mirror-5", "mirror-6", "jobs-6"
        ]
    );
    let broken = shown(registry.synth(&interleaved("ParallelMirror", true)));
    assert_eq!(broken, shown(registry.synth(&interleaved("Mirror", true))));
    assert_eq!(broken.len(), 1, "{broken:#?}");
}

/// A `Stack`, then mirrors of `kind` up to the end (`broken`: one names a missing resource,
/// another refers across regions).
fn trailing(kind: &str, broken: bool) -> Manifests {
    let mut text =
        format!("kind: Stack\nname: jobs\n{ENV}\nresources:\n  - team/queue: {{ name: work }}\n");
    for index in 0..6 {
        let extra = match (index, broken) {
            (1, true) => "regions: []\ndangling: true",
            (4, true) => "regions: [us-east-1]",
            _ => "regions: []",
        };
        text.push_str(&format!(
            "---\nkind: {kind}\nname: mirror-{index}\n{ENV}\n{extra}\n"
        ));
    }
    let mut manifests = Manifests::new();
    manifests.add("team.yaml", text);
    manifests
}

#[test]
fn documents_finished_while_built_give_the_same_templates_and_errors() {
    let registry = registry();
    // `synth` finishes the trailing run's templates as they are built; `build` does not.
    let sealed = registry
        .synth(&trailing("ParallelMirror", false))
        .expect("valid");
    let unsealed = registry
        .build(&trailing("ParallelMirror", false))
        .synth()
        .expect("valid");
    let one_by_one = registry.synth(&trailing("Mirror", false)).expect("valid");
    assert_eq!(sealed, unsealed);
    assert_eq!(sealed, one_by_one);
    assert_eq!(sealed.stacks.len(), 7);
    let broken = shown(registry.synth(&trailing("ParallelMirror", true)));
    assert_eq!(
        broken,
        shown(registry.build(&trailing("ParallelMirror", true)).synth())
    );
    assert_eq!(broken, shown(registry.synth(&trailing("Mirror", true))));
    assert_eq!(broken.len(), 2, "{broken:#?}");
    assert!(broken[0].contains("`Missing`"), "{broken:#?}");
    assert!(broken[1].contains("error[E0403]"), "{broken:#?}");
}
