//! Pipelines: the scenarios users build, the invariants that keep them safe, and the
//! wiring errors caught before any template is written.

use cfsynth::app::{App, Assembly, Environment};
use cfsynth::constructs::notifications::PipelineEvent;
use cfsynth::constructs::pipeline::{
    Action, ActionKind, ArtifactPath, BuildProject, Capability, Filter, Notifications, Pipeline,
    PipelineProps, StackDeploy, Stage, Target, Trigger,
};
use cfsynth::template::{Val, sub};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

const TOOLING: &str = "111111111111";
const TEST: &str = "222222222222";
const PROD: &str = "333333333333";

fn env(account: &str, region: &str) -> Environment {
    Environment::new(account, region).expect("valid environment")
}

fn target(account: &str, region: &str) -> Target {
    Target::new(
        env(account, region),
        vec!["arn:aws:iam::aws:policy/PowerUserAccess".into()],
    )
}

fn source() -> Stage {
    Stage {
        name: "Source".into(),
        actions: vec![Action::new(
            "repo",
            ActionKind::CodeCommitSource {
                repository: "products-api".into(),
                branch: "main".into(),
                output: "src".into(),
            },
        )],
    }
}

fn build() -> Stage {
    let project = BuildProject {
        name: Val::Lit("products-api-build".into()),
        arn: Val::Expr(sub(
            "arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/products-api-build",
        )),
        role: None,
    };
    Stage {
        name: "Build".into(),
        actions: vec![Action::new(
            "package",
            ActionKind::Build {
                project,
                inputs: vec!["src".into()],
                outputs: vec!["pkg".into()],
                env: IndexMap::new(),
                test: false,
            },
        )],
    }
}

fn deploy(name: &str, target: &str, run_order: u32) -> Action {
    let mut deploy = StackDeploy::create_update(
        "products-api",
        ArtifactPath::parse("pkg::packaged.yaml").unwrap(),
    );
    deploy.capabilities = vec![Capability::Iam, Capability::AutoExpand];
    Action {
        run_order,
        target: Some(target.into()),
        ..Action::new(name, ActionKind::Deploy(deploy))
    }
}

fn props(name: &str, targets: &[(&str, Target)], stages: Vec<Stage>) -> PipelineProps {
    PipelineProps {
        name: name.into(),
        env: env(TOOLING, "us-east-1"),
        targets: targets
            .iter()
            .cloned()
            .map(|(name, target)| (name.to_owned(), target))
            .collect(),
        stages,
        variables: Vec::new(),
        trigger: None,
        topics: Vec::new(),
        notifications: None,
        artifact_encryption: Default::default(),
        restart_on_update: false,
        self_mutation: None,
    }
}

fn synth(props: PipelineProps) -> Assembly {
    let mut app = App::new();
    Pipeline::new(&mut app, props).unwrap_or_else(|errors| panic!("{errors:?}"));
    app.synth().unwrap_or_else(|errors| panic!("{errors}"))
}

fn snapshot(name: &str, assembly: &Assembly) {
    for stack in &assembly.stacks {
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("pipeline-{name}-{}", stack.id), stack.body);
        });
    }
}

fn cross_account() -> PipelineProps {
    let approve = Action::new(
        "release",
        ActionKind::Approval {
            topic: Some("releases".into()),
            message: Some("Release #{codepipeline.PipelineExecutionId}?".into()),
            url: None,
        },
    );
    let mut props = props(
        "products-api",
        &[
            ("test", target(TEST, "us-east-1")),
            ("prod", target(PROD, "us-east-1")),
        ],
        vec![
            source(),
            build(),
            Stage {
                name: "Test".into(),
                actions: vec![deploy("api", "test", 1)],
            },
            Stage {
                name: "Prod".into(),
                actions: vec![approve, deploy("api", "prod", 2)],
            },
        ],
    );
    props.topics = vec!["releases".into()];
    props.notifications = Some(Notifications {
        topic: "releases".into(),
        events: vec![PipelineEvent::Failed, PipelineEvent::ApprovalNeeded],
    });
    props
}

#[test]
fn cross_account_pipeline() {
    let assembly = synth(cross_account());
    let names: Vec<&str> = assembly
        .stacks
        .iter()
        .map(|stack| stack.id.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "products-api-bootstrap-222222222222-us-east-1",
            "products-api-bootstrap-333333333333-us-east-1",
            "products-api-pipeline-111111111111-us-east-1",
        ]
    );
    snapshot("cross-account", &assembly);
}

fn cross_region() -> PipelineProps {
    let mut props = cross_account();
    props
        .targets
        .insert("prod".into(), target(PROD, "eu-west-1"));
    props
}

#[test]
fn prod_in_another_region() {
    let assembly = synth(cross_region());
    let names: Vec<&str> = assembly
        .stacks
        .iter()
        .map(|stack| stack.id.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "products-api-bootstrap-222222222222-us-east-1",
            "products-api-bootstrap-333333333333-eu-west-1",
            "products-api-support-eu-west-1-111111111111-eu-west-1",
            "products-api-pipeline-111111111111-us-east-1",
        ]
    );
    snapshot("cross-region", &assembly);
}

fn fan_out() -> PipelineProps {
    let regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
    let targets: Vec<(String, Target)> = regions
        .iter()
        .map(|region| (format!("prod-{region}"), target(PROD, region)))
        .collect();
    let targets: Vec<(&str, Target)> = targets
        .iter()
        .map(|(name, target)| (name.as_str(), target.clone()))
        .collect();
    let deploys = regions
        .iter()
        .map(|region| deploy(&format!("api-{region}"), &format!("prod-{region}"), 1))
        .collect();
    props(
        "edge",
        &targets,
        vec![
            source(),
            build(),
            Stage {
                name: "Prod".into(),
                actions: deploys,
            },
        ],
    )
}

#[test]
fn multi_region_fan_out() {
    let assembly = synth(fan_out());
    assert_eq!(
        assembly.stacks.len(),
        5,
        "one bootstrap, three support stacks, the pipeline"
    );
    snapshot("fan-out", &assembly);
}

fn gated() -> PipelineProps {
    let mut deploy_test = deploy("api", "test", 1);
    deploy_test.namespace = Some("TestDeploy".into());
    if let ActionKind::Deploy(deploy) = &mut deploy_test.kind {
        deploy.output_file = Some("outputs.json".into());
        deploy.output = Some("testOutputs".into());
    }
    let health = Action {
        run_order: 2,
        ..Action::new(
            "health-check",
            ActionKind::Lambda {
                function: "health-check".into(),
                params: Some(json!({"url": "https://api.test.example.com/health"})),
                inputs: vec!["testOutputs".into()],
                outputs: Vec::new(),
            },
        )
    };
    let chaos = Action {
        run_order: 2,
        target: Some("test".into()),
        ..Action::new(
            "chaos",
            ActionKind::StepFunction {
                state_machine: "chaos-experiment".into(),
                input: Some(json!({"experiment": "kill-one-task", "stack": "products-api"})),
            },
        )
    };
    let resilience = Action {
        run_order: 3,
        ..Action::new(
            "resilience",
            ActionKind::Lambda {
                function: "resilience-assessment".into(),
                params: Some(json!("products-api")),
                inputs: Vec::new(),
                outputs: Vec::new(),
            },
        )
    };
    let approve = Action::new(
        "release",
        ActionKind::Approval {
            topic: Some("releases".into()),
            message: Some("Health and chaos checks passed; release to prod?".into()),
            url: Some("https://dashboards.example.com/products-api".into()),
        },
    );
    let mut props = props(
        "gated-api",
        &[
            ("test", target(TEST, "us-east-1")),
            ("prod", target(PROD, "us-east-1")),
        ],
        vec![
            source(),
            build(),
            Stage {
                name: "Test".into(),
                actions: vec![deploy_test, health, chaos, resilience],
            },
            Stage {
                name: "Prod".into(),
                actions: vec![approve, deploy("api", "prod", 2)],
            },
        ],
    );
    props.topics = vec!["releases".into()];
    props.notifications = Some(Notifications {
        topic: "releases".into(),
        events: vec![
            PipelineEvent::Failed,
            PipelineEvent::ActionFailed,
            PipelineEvent::ApprovalNeeded,
        ],
    });
    props
}

#[test]
fn health_check_and_chaos_gates() {
    snapshot("gated", &synth(gated()));
}

fn tag_triggered() -> PipelineProps {
    let source = Stage {
        name: "Source".into(),
        actions: vec![Action::new(
            "github",
            ActionKind::ConnectionSource {
                connection_arn: "arn:aws:codeconnections:us-east-1:111111111111:connection/0b6f3c1e-2f7a-4c1d-9d3e-6a8b9c0d1e2f".into(),
                repository: "acme/research-models".into(),
                branch: "main".into(),
                output: "src".into(),
                detect_changes: true,
            },
        )],
    };
    let mut props = props(
        "research-us-east-1",
        &[("dev", target(TEST, "us-east-1"))],
        vec![
            source,
            build(),
            Stage {
                name: "Deploy".into(),
                actions: vec![deploy("models", "dev", 1)],
            },
        ],
    );
    props.trigger = Some(Trigger {
        tags: Filter {
            include: vec!["dev_us-east-1/research/*".into()],
            exclude: Vec::new(),
        },
        branches: Filter::default(),
    });
    props
}

#[test]
fn tag_triggered_pipeline() {
    let assembly = synth(tag_triggered());
    let pipeline = template(&assembly, "research-us-east-1-pipeline");
    let properties = &pipeline["Resources"]["Pipeline"]["Properties"];
    assert_eq!(
        properties["Triggers"],
        json!([{
            "GitConfiguration": {
                "Push": [{"Tags": {"Includes": ["dev_us-east-1/research/*"]}}],
                "SourceActionName": "github"
            },
            "ProviderType": "CodeStarSourceConnection"
        }])
    );
    assert_eq!(
        properties["Stages"][0]["Actions"][0]["Configuration"]["DetectChanges"],
        "false"
    );
    snapshot("tag-triggered", &assembly);
}

fn template(assembly: &Assembly, name: &str) -> Json {
    let stack = assembly
        .stacks
        .iter()
        .find(|stack| stack.name == name)
        .unwrap_or_else(|| panic!("no stack {name}"));
    serde_json::from_str(&stack.body).expect("JSON template")
}

fn all_scenarios() -> Vec<(&'static str, Assembly)> {
    vec![
        ("cross-account", synth(cross_account())),
        ("cross-region", synth(cross_region())),
        ("fan-out", synth(fan_out())),
        ("gated", synth(gated())),
        ("tag-triggered", synth(tag_triggered())),
        ("self-mutating", synth(self_mutating())),
    ]
}

/// Every statement of every policy document in a template (identity and resource).
fn statements(template: &Json) -> Vec<Json> {
    let mut found = Vec::new();
    for resource in template["Resources"]
        .as_object()
        .into_iter()
        .flat_map(|map| map.values())
    {
        let properties = &resource["Properties"];
        for key in ["PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument"] {
            if let Some(list) = properties[key]["Statement"].as_array() {
                found.extend(list.iter().cloned());
            }
        }
    }
    found
}

fn as_list(value: &Json) -> Vec<Json> {
    match value {
        Json::Array(items) => items.clone(),
        Json::Null => Vec::new(),
        single => vec![single.clone()],
    }
}

fn sub_text(value: &Json) -> Option<String> {
    value["Fn::Sub"].as_str().map(str::to_owned)
}

#[test]
fn every_role_named_in_a_key_or_bucket_policy_is_created_by_a_bootstrap_stack() {
    for (scenario, assembly) in all_scenarios() {
        let mut created = Vec::new();
        for stack in assembly
            .stacks
            .iter()
            .filter(|stack| stack.name.ends_with("-bootstrap"))
        {
            let template: Json = serde_json::from_str(&stack.body).unwrap();
            for resource in template["Resources"].as_object().unwrap().values() {
                if let Some(name) = resource["Properties"]["RoleName"].as_str() {
                    created.push(format!(
                        "arn:${{AWS::Partition}}:iam::{}:role/{name}",
                        stack.env.account()
                    ));
                }
            }
        }
        assert!(!created.is_empty(), "{scenario}: no bootstrap roles");
        let mut checked = 0;
        for stack in assembly
            .stacks
            .iter()
            .filter(|stack| !stack.name.ends_with("-bootstrap"))
        {
            let template: Json = serde_json::from_str(&stack.body).unwrap();
            for resource in template["Resources"].as_object().unwrap().values() {
                let document = match resource["Type"].as_str() {
                    Some("AWS::KMS::Key") => &resource["Properties"]["KeyPolicy"],
                    Some("AWS::S3::BucketPolicy") => &resource["Properties"]["PolicyDocument"],
                    _ => continue,
                };
                for statement in document["Statement"].as_array().unwrap() {
                    for principal in as_list(&statement["Principal"]["AWS"]) {
                        let Some(arn) = sub_text(&principal) else {
                            continue;
                        };
                        if arn.contains(":role/") {
                            checked += 1;
                            assert!(
                                created.contains(&arn),
                                "{scenario}/{}: {arn} is not created by a bootstrap stack",
                                stack.name
                            );
                        }
                    }
                }
            }
        }
        assert!(
            checked > 0,
            "{scenario}: no cross-account role in any key or bucket policy"
        );
    }
}

#[test]
fn pass_role_always_names_roles_and_the_service() {
    for (scenario, assembly) in all_scenarios() {
        let mut pass_roles = 0;
        for stack in &assembly.stacks {
            let template: Json = serde_json::from_str(&stack.body).unwrap();
            for statement in statements(&template) {
                let actions = as_list(&statement["Action"]);
                assert!(
                    !actions.contains(&json!("*")),
                    "{scenario}/{}: Action * in {statement}",
                    stack.name
                );
                if actions
                    .iter()
                    .any(|action| action == "iam:PassRole" || action == "iam:*")
                {
                    pass_roles += 1;
                    let resources = as_list(&statement["Resource"]);
                    assert!(
                        !resources.is_empty() && !resources.contains(&json!("*")),
                        "{scenario}/{}: {statement}",
                        stack.name
                    );
                    assert!(
                        !statement["Condition"]["StringEquals"]["iam:PassedToService"].is_null(),
                        "{scenario}/{}: PassRole without iam:PassedToService: {statement}",
                        stack.name
                    );
                }
            }
        }
        assert!(pass_roles > 0, "{scenario}: no PassRole statement found");
    }
}

#[test]
fn every_bucket_is_encrypted_versioned_private_and_tls_only() {
    for (scenario, assembly) in all_scenarios() {
        for stack in &assembly.stacks {
            let template: Json = serde_json::from_str(&stack.body).unwrap();
            let resources = template["Resources"].as_object().unwrap();
            for (id, bucket) in resources
                .iter()
                .filter(|(_, r)| r["Type"] == "AWS::S3::Bucket")
            {
                let properties = &bucket["Properties"];
                let at = format!("{scenario}/{}/{id}", stack.name);
                assert!(
                    properties["BucketEncryption"]["ServerSideEncryptionConfiguration"].is_array(),
                    "{at}"
                );
                assert_eq!(
                    properties["VersioningConfiguration"]["Status"], "Enabled",
                    "{at}"
                );
                for flag in [
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                ] {
                    assert_eq!(
                        properties["PublicAccessBlockConfiguration"][flag], true,
                        "{at}: {flag}"
                    );
                }
                assert_eq!(bucket["DeletionPolicy"], "Retain", "{at}");
                let policy = resources
                    .values()
                    .find(|r| {
                        r["Type"] == "AWS::S3::BucketPolicy"
                            && r["Properties"]["Bucket"] == json!({"Ref": id})
                    })
                    .unwrap_or_else(|| panic!("{at}: no bucket policy"));
                let first = &policy["Properties"]["PolicyDocument"]["Statement"][0];
                assert_eq!(first["Effect"], "Deny", "{at}");
                assert_eq!(
                    first["Condition"]["Bool"]["aws:SecureTransport"], "false",
                    "{at}"
                );
            }
        }
    }
}

#[test]
fn cross_region_pipelines_have_an_artifact_store_per_action_region() {
    for (scenario, assembly) in all_scenarios() {
        let pipeline_stack = assembly
            .stacks
            .iter()
            .find(|stack| stack.name.ends_with("-pipeline"))
            .unwrap();
        let template: Json = serde_json::from_str(&pipeline_stack.body).unwrap();
        let properties = &template["Resources"]["Pipeline"]["Properties"];
        let mut action_regions: Vec<String> = vec![pipeline_stack.env.region().to_owned()];
        for stage in properties["Stages"].as_array().unwrap() {
            for action in stage["Actions"].as_array().unwrap() {
                if let Some(region) = action["Region"].as_str()
                    && !action_regions.iter().any(|known| known == region)
                {
                    action_regions.push(region.to_owned());
                }
            }
        }
        if action_regions.len() == 1 {
            assert!(properties["ArtifactStore"].is_object(), "{scenario}");
            continue;
        }
        let mut store_regions: Vec<String> = properties["ArtifactStores"]
            .as_array()
            .unwrap_or_else(|| panic!("{scenario}: no ArtifactStores"))
            .iter()
            .map(|store| store["Region"].as_str().unwrap().to_owned())
            .collect();
        store_regions.sort();
        action_regions.sort();
        assert_eq!(store_regions, action_regions, "{scenario}");
        for region in action_regions
            .iter()
            .filter(|region| *region != pipeline_stack.env.region())
        {
            assert!(
                assembly
                    .stacks
                    .iter()
                    .any(|stack| stack.role == cfsynth::app::StackRole::Support
                        && stack.env.region() == region),
                "{scenario}: no support stack in {region}"
            );
        }
    }
}

fn wiring_errors(props: PipelineProps) -> Vec<String> {
    let mut app = App::new();
    match Pipeline::new(&mut app, props) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn broken_wiring_is_reported_not_synthesized() {
    let mut props = cross_account();
    // The build reads an artifact nobody produces; the test deploy names an unknown target.
    if let ActionKind::Build { inputs, .. } = &mut props.stages[1].actions[0].kind {
        inputs[0] = "sources".into();
    }
    props.stages[2].actions[0].target = Some("tset".into());
    // Two actions called `api` in Prod, and an artifact consumed in the same run order.
    props.stages[3].actions.push(deploy("api", "prod", 1));
    assert_eq!(
        wiring_errors(props),
        [
            "products-api/Build/package: input artifact `sources` is not produced by any earlier action (artifacts produced so far: src)",
            "products-api/Test/api/target: unknown target `tset` (did you mean `test`?)",
            "products-api/Prod/api: action name `api` is used twice in stage `Prod`",
        ]
    );
}

#[test]
fn artifacts_must_be_produced_before_they_are_used() {
    let mut props = cross_account();
    props.stages[1].actions[0].run_order = 1;
    let mut late = deploy("early", "test", 1);
    late.run_order = 1;
    props.stages[1].actions.push(late);
    assert_eq!(
        wiring_errors(props),
        [
            "products-api/Build/early: input artifact `pkg` is produced by `products-api/Build/package`, which does not run before this action; give this action a higher run order or move it to a later stage"
        ]
    );
}

#[test]
fn too_many_actions_in_a_stage() {
    let mut props = fan_out();
    let extra: Vec<Action> = (0..51)
        .map(|index| deploy(&format!("api-{index}"), "prod-us-east-1", 1))
        .collect();
    props.stages[2].actions = extra;
    assert_eq!(
        wiring_errors(props),
        ["edge/Prod: 51 actions; CodePipeline allows 50 per stage (1 over)"]
    );
}

#[test]
fn deploy_targets_need_execution_policies_and_topics_must_exist() {
    let mut props = cross_account();
    props
        .targets
        .get_mut("test")
        .unwrap()
        .execution_policies
        .clear();
    props.notifications.as_mut().unwrap().topic = "release".into();
    assert_eq!(
        wiring_errors(props),
        [
            "products-api/notifications: unknown topic `release` (did you mean `releases`?)",
            "products-api/Test/api: target `test` has no execution policies: name the managed policies CloudFormation may use to deploy there",
        ]
    );
}

fn self_mutating() -> PipelineProps {
    let mut props = cross_account();
    props.name = "platform".into();
    props.self_mutation = Some(cfsynth::constructs::pipeline::SelfMutation::new("0.1.0"));
    props
}

#[test]
fn self_mutating_pipeline() {
    let assembly = synth(self_mutating());
    let pipeline = template(&assembly, "platform-pipeline");
    let properties = &pipeline["Resources"]["Pipeline"]["Properties"];
    let stages: Vec<&str> = properties["Stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stage| stage["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["Source", "Synth", "UpdatePipeline", "Build", "Test", "Prod"]
    );
    assert_eq!(properties["RestartExecutionOnUpdate"], true);
    let update = &properties["Stages"][2]["Actions"][0]["Configuration"];
    assert_eq!(
        update["StackName"], "platform-pipeline",
        "updates only its own stack"
    );
    assert_eq!(
        update["TemplatePath"],
        "synth::platform-pipeline-111111111111-us-east-1.template.json"
    );
    assert_eq!(
        assembly
            .stacks
            .iter()
            .find(|stack| stack.name == "platform-pipeline")
            .unwrap()
            .template_file,
        "platform-pipeline-111111111111-us-east-1.template.json",
        "the template path the pipeline updates from is the file synth writes"
    );
    snapshot("self-mutating", &assembly);
}
