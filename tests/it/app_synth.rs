//! The construct tree and synthesis phases: references, exports, ordering, errors.

use cfsynth::app::{App, Environment, StackRole, SynthErrors};
use cfsynth::template::Resource;
use serde_json::{Map, Value as Json, json};

fn env(account: &str, region: &str) -> Environment {
    Environment::new(account, region).expect("valid environment")
}

fn raw(type_name: &str, properties: Json) -> Resource {
    Resource::raw(
        type_name,
        properties.as_object().cloned().unwrap_or_default(),
    )
}

fn errors(app: App) -> Vec<String> {
    match app.synth() {
        Ok(_) => Vec::new(),
        Err(SynthErrors(errors)) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn references_within_a_stack_become_ref_and_get_att() {
    let mut app = App::new();
    let stack = app.add_stack(
        "data",
        env("111111111111", "us-east-1"),
        StackRole::Application,
    );
    let bucket = app.add_resource(
        stack,
        "data/bucket",
        "Bucket",
        raw("AWS::S3::Bucket", json!({})),
    );
    app.add_resource(
        stack,
        "data/topic",
        "Topic",
        raw(
            "AWS::SNS::Topic",
            json!({"DisplayName": bucket.ref_::<String>(), "TopicName": bucket.get_att::<String>("Arn")}),
        ),
    );
    let assembly = app.synth().expect("synthesizes");
    let template: Json = serde_json::from_str(&assembly.stacks[0].body).unwrap();
    assert_eq!(
        template["Resources"]["Topic"]["Properties"],
        json!({"DisplayName": {"Ref": "Bucket"}, "TopicName": {"Fn::GetAtt": ["Bucket", "Arn"]}})
    );
}

#[test]
fn references_across_stacks_of_one_environment_become_exports_and_imports() {
    let mut app = App::new();
    let here = env("111111111111", "us-east-1");
    let app_stack = app.add_stack("api", here.clone(), StackRole::Application);
    let shared = app.add_stack("shared", here, StackRole::Application);
    let key = app.add_resource(shared, "shared/key", "Key", raw("AWS::KMS::Key", json!({})));
    app.add_resource(
        app_stack,
        "api/topic",
        "Topic",
        raw(
            "AWS::SNS::Topic",
            json!({"KmsMasterKeyId": key.get_att::<String>("Arn")}),
        ),
    );
    let assembly = app.synth().expect("synthesizes");
    let names: Vec<&str> = assembly
        .stacks
        .iter()
        .map(|stack| stack.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["shared", "api"],
        "the exporting stack deploys first"
    );
    let api = &assembly.stacks[1];
    assert_eq!(api.dependencies, ["shared-111111111111-us-east-1"]);
    let api_template: Json = serde_json::from_str(&api.body).unwrap();
    assert_eq!(
        api_template["Resources"]["Topic"]["Properties"]["KmsMasterKeyId"],
        json!({"Fn::ImportValue": "shared:Key:Arn"})
    );
    let shared_template: Json = serde_json::from_str(&assembly.stacks[0].body).unwrap();
    assert_eq!(
        shared_template["Outputs"],
        json!({"ExportKeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}, "Export": {"Name": "shared:Key:Arn"}}})
    );
}

#[test]
fn references_across_environments_are_errors_that_say_what_to_do() {
    let mut app = App::new();
    let tooling = app.add_stack(
        "pipeline",
        env("111111111111", "us-east-1"),
        StackRole::Pipeline,
    );
    let prod = app.add_stack(
        "api",
        env("333333333333", "eu-west-1"),
        StackRole::Application,
    );
    let topic = app.add_resource(
        prod,
        "api/topic",
        "Topic",
        raw("AWS::SNS::Topic", json!({})),
    );
    app.add_resource(
        tooling,
        "pipeline/rule",
        "Rule",
        raw(
            "AWS::Events::Rule",
            json!({"Description": topic.ref_::<String>()}),
        ),
    );
    assert_eq!(
        errors(app),
        [
            "stack `pipeline` (111111111111/us-east-1) refers to `Topic` in stack `api` \
          (333333333333/eu-west-1); CloudFormation resolves references only within one account \
          and region: pass the value as a parameter, or give the resource a deterministic \
          physical name and build its ARN"
        ]
    );
}

#[test]
fn a_handle_from_another_app_is_an_error_not_a_panic() {
    let mut other = App::new();
    let mut stacks = Vec::new();
    for name in ["a", "b", "c"] {
        stacks.push(other.add_stack(
            name,
            env("111111111111", "us-east-1"),
            StackRole::Application,
        ));
    }
    let foreign = other.add_resource(
        stacks[2],
        "c/topic",
        "Topic",
        raw("AWS::SNS::Topic", json!({})),
    );
    let mut app = App::new();
    let stack = app.add_stack(
        "api",
        env("111111111111", "us-east-1"),
        StackRole::Application,
    );
    app.add_resource(
        stack,
        "api/rule",
        "Rule",
        raw(
            "AWS::Events::Rule",
            json!({"Description": foreign.get_att::<String>("TopicArn")}),
        ),
    );
    assert_eq!(
        errors(app),
        [
            "stack `api` refers to `Topic.TopicArn`, which stack `#2 (not a stack of this app)` \
          does not define"
        ]
    );
}

#[test]
fn duplicate_logical_ids_and_stacks_name_both_places() {
    let mut app = App::new();
    let here = env("111111111111", "us-east-1");
    let stack = app.add_stack("api", here.clone(), StackRole::Application);
    app.add_stack("api", here, StackRole::Application);
    app.add_resource(
        stack,
        "api/logs",
        "Bucket",
        raw("AWS::S3::Bucket", json!({})),
    );
    app.add_resource(
        stack,
        "api/data",
        "Bucket",
        raw("AWS::S3::Bucket", json!({})),
    );
    assert_eq!(
        errors(app),
        [
            "stack `api` is defined twice in 111111111111/us-east-1",
            "stack `api`: logical ID `Bucket` is used by both `api/logs` and `api/data`; rename one of them",
        ]
    );
}

#[test]
fn stacks_deploy_bootstrap_then_support_then_pipeline_and_cycles_are_errors() {
    let mut app = App::new();
    let pipeline = app.add_stack(
        "pipeline",
        env("111111111111", "us-east-1"),
        StackRole::Pipeline,
    );
    let support = app.add_stack(
        "support",
        env("111111111111", "eu-west-1"),
        StackRole::Support,
    );
    let bootstrap = app.add_stack(
        "bootstrap",
        env("222222222222", "us-east-1"),
        StackRole::Bootstrap,
    );
    for stack in [pipeline, support, bootstrap] {
        app.add_resource(stack, "x", "Topic", raw("AWS::SNS::Topic", json!({})));
    }
    app.add_dependency(pipeline, support);
    app.add_dependency(pipeline, bootstrap);
    let assembly = app.clone().synth().expect("synthesizes");
    let order: Vec<&str> = assembly
        .stacks
        .iter()
        .map(|stack| stack.name.as_str())
        .collect();
    assert_eq!(order, ["bootstrap", "support", "pipeline"]);
    let manifest: Json = serde_json::from_str(&assembly.manifest()).unwrap();
    assert_eq!(
        manifest["stacks"][2]["dependencies"],
        json!([
            "support-111111111111-eu-west-1",
            "bootstrap-222222222222-us-east-1"
        ])
    );
    assert_eq!(
        manifest["stacks"][0]["templateFile"],
        "bootstrap-222222222222-us-east-1.template.json"
    );

    app.add_dependency(bootstrap, pipeline);
    assert_eq!(
        errors(app),
        ["stacks depend on each other in a cycle: pipeline → bootstrap → pipeline"]
    );
}

#[test]
fn template_errors_name_their_stack_and_capabilities_are_derived() {
    let mut app = App::new();
    let stack = app.add_stack(
        "api",
        env("111111111111", "us-east-1"),
        StackRole::Application,
    );
    app.add_resource(
        stack,
        "api/role",
        "Role",
        raw("AWS::IAM::Role", json!({"RoleName": "x"})),
    );
    let assembly = app.clone().synth().expect("synthesizes");
    assert_eq!(assembly.stacks[0].capabilities, ["CAPABILITY_NAMED_IAM"]);

    app.add_resource(
        stack,
        "api/topic",
        "Topic",
        raw("AWS::SNS::Topic", json!({"TopicName": {"Ref": "Nope"}})),
    );
    assert_eq!(
        errors(app),
        [
            "stack `api`: Resources.Topic.Properties.TopicName.Ref: `Ref` to `Nope`, which is not a \
          resource, parameter or pseudo parameter of this template"
        ]
    );
}

#[test]
fn writing_an_assembly_replaces_stale_templates() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("assembly-write");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("old-111111111111-us-east-1.template.json"), "{}").unwrap();
    std::fs::write(dir.join("notes.txt"), "kept").unwrap();
    let mut app = App::new();
    let stack = app.add_stack(
        "api",
        env("111111111111", "us-east-1"),
        StackRole::Application,
    );
    app.add_resource(
        stack,
        "api",
        "Topic",
        Resource::raw("AWS::SNS::Topic", Map::new()),
    );
    app.synth().unwrap().write(&dir).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "api-111111111111-us-east-1.template.json",
            "assembly.json",
            "notes.txt"
        ]
    );
}

/// Adds to `app` two stacks of one environment, the second depending on the first through
/// an export, plus a reference that cannot resolve (to a stack of another environment).
fn part_of(app: &mut App, name: &str, dangling_to: Option<&str>) {
    let here = env("111111111111", "us-east-1");
    let shared = app.add_stack(format!("{name}-shared"), here.clone(), StackRole::Support);
    let api = app.add_stack(format!("{name}-api"), here, StackRole::Application);
    let key = app.add_resource(shared, "shared/key", "Key", raw("AWS::KMS::Key", json!({})));
    app.add_resource(
        api,
        "api/topic",
        "Topic",
        raw(
            "AWS::SNS::Topic",
            json!({"KmsMasterKeyId": key.get_att::<String>("Arn")}),
        ),
    );
    if let Some(other) = dangling_to {
        let far = app.add_stack(
            other,
            env("222222222222", "eu-west-1"),
            StackRole::Application,
        );
        let queue = app.add_resource(far, "far/queue", "Queue", raw("AWS::SQS::Queue", json!({})));
        app.add_resource(
            api,
            "api/alarm",
            "Alarm",
            raw(
                "AWS::SNS::Topic",
                json!({"DisplayName": queue.ref_::<String>()}),
            ),
        );
    }
}

#[test]
fn parts_built_apart_and_absorbed_synthesize_as_if_built_in_one_app() {
    let mut whole = App::new();
    part_of(&mut whole, "first", None);
    part_of(&mut whole, "second", None);
    let mut joined = App::new();
    part_of(&mut joined, "first", None);
    let mut second = App::new();
    part_of(&mut second, "second", None);
    second.resolve_own_references();
    joined.absorb(second);
    assert_eq!(
        joined.synth().expect("synthesizes"),
        whole.synth().expect("synthesizes")
    );
}

#[test]
fn absorbed_parts_report_their_problems_once() {
    let mut joined = App::new();
    part_of(&mut joined, "first", None);
    let mut part = App::new();
    part_of(&mut part, "second", Some("far"));
    part.add_stack(
        "first-api",
        env("111111111111", "us-east-1"),
        StackRole::Application,
    );
    part.resolve_own_references();
    joined.absorb(part);
    assert_eq!(
        errors(joined),
        [
            "stack `first-api` is defined twice in 111111111111/us-east-1",
            "stack `second-api` (111111111111/us-east-1) refers to `Queue` in stack `far` (222222222222/eu-west-1); CloudFormation resolves references only within one account and region: pass the value as a parameter, or give the resource a deterministic physical name and build its ARN",
        ]
    );
}
