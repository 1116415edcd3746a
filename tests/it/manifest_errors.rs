//! Every manifest error: its code, message and position (`file:line:column`), and the
//! suggestion where there is one.

use cfsynth::diagnostics::{Diagnostic, Diagnostics};
use cfsynth::manifest::{Manifests, Registry};

fn run(text: &str) -> Result<cfsynth::app::Assembly, Diagnostics> {
    let mut manifests = Manifests::new();
    manifests.add("m.yaml", text);
    Registry::builtin().synth(&manifests)
}

/// Every diagnostic as `file:line:column: error[CODE]: message`.
fn errors(text: &str) -> Vec<String> {
    match run(text) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect(),
    }
}

/// The only diagnostic.
fn only(text: &str) -> Diagnostic {
    let diagnostics: Vec<Diagnostic> = run(text).err().into_iter().flatten().collect();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    diagnostics
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

const ENV: &str = "env: { account: \"111111111111\", region: eu-west-1 }";

fn stack(body: &str) -> String {
    format!("kind: Stack\nname: orders\n{ENV}\n{body}")
}

#[test]
fn yaml_syntax_errors_point_at_the_problem() {
    let error = only("kind: Stack\nname: [orders\n");
    assert_eq!(error.code, "E0101");
    let span = error.span.expect("a position");
    assert_eq!((&*span.file, span.line), ("m.yaml", 2));
}

#[test]
fn duplicate_keys_name_both_places() {
    let error = only(&stack(
        "resources:\n  - cfn: { type: AWS::SQS::Queue, type: AWS::SNS::Topic }\n",
    ));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:35: error[E0102]: duplicate key `type`"
    );
    assert_eq!(error.notes, ["`type` is first defined at m.yaml:5:12"]);
}

#[test]
fn unknown_tags_suggest_a_short_form() {
    let error = only(&stack(
        "resources:\n  - cfn: { type: AWS::SNS::Topic, properties: { TopicName: !Subb x } }\n",
    ));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:60: error[E0103]: unknown tag `!Subb`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `!Sub`?"));
}

#[test]
fn nul_characters_are_refused_where_written() {
    let error = only(&stack(
        "resources:\n  - cfn: { type: AWS::SQS::Queue, properties: { QueueName: \"a\\0b\" } }\n",
    ));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:60: error[E0106]: a NUL character in a string"
    );
}

#[test]
fn mapping_keys_are_strings() {
    let error =
        only("kind: Accounts\nname: org\naccounts:\n  ? [a, b]\n  : { id: \"111111111111\" }\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:4:5: error[E0104]: mapping keys must be strings"
    );
}

#[test]
fn documents_need_a_known_kind_and_a_kebab_case_name() {
    let error = only("kind: Pipline\nname: api\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:1:7: error[E0201]: unknown kind `Pipline`"
    );
    assert_eq!(
        error.expected.as_deref(),
        Some("one of `Accounts`, `Stack`, `Pipeline`, `Portfolio`, `LakePermissions`")
    );
    assert_eq!(
        errors("name: api\n"),
        ["m.yaml:1:1: error[E0204]: missing field `kind`"]
    );
    let error = only(&format!(
        "kind: Stack\nname: OrdersAPI\n{ENV}\nresources: []\n"
    ));
    assert_eq!(
        error.to_string(),
        "m.yaml:2:7: error[E0206]: name `OrdersAPI` is not kebab-case"
    );
    assert_eq!(error.help.as_deref(), Some("write `orders-api`"));
    assert_eq!(
        errors("- a\n- b\n"),
        ["m.yaml:1:1: error[E0202]: a document must be a mapping"]
    );
}

#[test]
fn env_is_required_or_forbidden_by_kind() {
    assert_eq!(
        errors("kind: Stack\nname: orders\nresources: []\n"),
        ["m.yaml:1:7: error[E0204]: missing field `env`"]
    );
    assert_eq!(
        errors(&format!(
            "kind: Accounts\nname: org\n{ENV}\naccounts: {{}}\n"
        )),
        ["m.yaml:3:1: error[E0203]: unknown field `env`"]
    );
}

#[test]
fn wrong_types_say_what_was_expected_and_found() {
    let error = only("kind: Stack\nname: orders\nenv: eu-west-1\nresources: []\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:3:6: error[E0202]: invalid type for `env`"
    );
    assert_eq!(error.expected.as_deref(), Some("a mapping"));
    assert_eq!(error.found.as_deref(), Some("the string `eu-west-1`"));
    let error = only(&stack("terminationProtection: yes\nresources: []\n"));
    assert_eq!(
        error.to_string(),
        "m.yaml:4:24: error[E0202]: invalid type for `terminationProtection`"
    );
    let error = only(&stack("resources:\n  - cfn: { type: [AWS::SQS::Queue] }\n"));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:18: error[E0202]: invalid type for `resources[0].cfn.type`"
    );
    let error = only(
        "kind: Stack\nname: orders\nenv: { account: \"111111111111\", region: !Ref Region }\nresources: []\n",
    );
    assert_eq!(
        error.found.as_deref(),
        Some("the intrinsic function `!Ref`")
    );
}

#[test]
fn unknown_fields_suggest_the_closest_field() {
    let error = only(&stack("resorces: []\n"));
    assert_eq!(
        error.to_string(),
        "m.yaml:4:1: error[E0203]: unknown field `resorces`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `resources`?"));
    assert_eq!(
        error.expected.as_deref(),
        Some("one of `kind`, `name`, `env`, `description`, `terminationProtection`, `resources`")
    );
    let error = only("kind: Stack\nnames: orders\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:2:1: error[E0203]: unknown field `names`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `name`?"));
    let error = only(
        "kind: Stack\nname: orders\nenv: { account: \"111111111111\", regoin: eu-west-1 }\nresources: []\n",
    );
    assert_eq!(
        error.to_string(),
        "m.yaml:3:33: error[E0203]: unknown field `regoin`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `region`?"));
    let error = only(&stack(
        "resources:\n  - cfn:\n      type: AWS::SQS::Queue\n      propertes: {}\n",
    ));
    assert_eq!(
        error.to_string(),
        "m.yaml:7:7: error[E0203]: unknown field `propertes`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `properties`?"));
}

#[test]
fn missing_fields_point_at_the_key_that_holds_them() {
    let error = only(&stack("resources:\n  - cfn: { name: queue }\n"));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:5: error[E0204]: missing field `type` in `resources[0].cfn`"
    );
    let error = only("kind: Stack\nname: orders\nenv:\n  region: eu-west-1\nresources: []\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:3:1: error[E0204]: missing field `account` in `env`"
    );
}

#[test]
fn unknown_values_suggest_the_closest_value() {
    let error = only(&stack(
        "resources:\n  - cfn: { type: AWS::SQS::Queue, deletionPolicy: Retian }\n",
    ));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:51: error[E0205]: unknown value `Retian` for `resources[0].cfn.deletionPolicy`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `Retain`?"));
    let error = only(&stack("resources: []\n"));
    assert_eq!(
        error.to_string(),
        "m.yaml:4:1: error[E0205]: a stack needs at least one resource"
    );
}

#[test]
fn duplicate_document_names_name_both_places() {
    let text = format!(
        "{}---\n{}",
        stack("resources: [{ cfn: { type: AWS::SQS::Queue } }]\n"),
        stack("resources: [{ cfn: { type: AWS::SQS::Queue } }]\n")
    );
    let error = only(&text);
    assert_eq!(
        error.to_string(),
        "m.yaml:7:7: error[E0207]: there are two `Stack` documents named `orders`"
    );
    assert_eq!(error.notes, ["the first is at m.yaml:2:7"]);
}

const ACCOUNTS: &str = "kind: Accounts\nname: org\naccounts:\n  tooling: { id: \"111111111111\", region: us-east-1 }\n  prod: { id: \"333333333333\" }\n---\n";

fn stack_in(env: &str) -> String {
    format!(
        "{ACCOUNTS}kind: Stack\nname: orders\nenv: {env}\nresources:\n  - cfn: {{ type: AWS::SQS::Queue }}\n"
    )
}

#[test]
fn aliases_resolve_with_their_default_region() {
    let assembly = run(&stack_in("{ account: tooling }")).expect("valid");
    assert_eq!(assembly.stacks[0].env.to_string(), "111111111111/us-east-1");
    let assembly = run(&stack_in("{ account: prod, region: eu-west-1 }")).expect("valid");
    assert_eq!(assembly.stacks[0].env.to_string(), "333333333333/eu-west-1");
    let assembly = run(&stack_in("{ account: 444455556666, region: eu-west-1 }")).expect("valid");
    assert_eq!(assembly.stacks[0].env.account(), "444455556666");
}

#[test]
fn accounts_regions_and_aliases_are_checked_where_written() {
    let error = only(&stack_in("{ account: \"12345\", region: us-east-1 }"));
    assert_eq!(
        error.to_string(),
        "m.yaml:9:17: error[E0301]: account id `12345` is not 12 digits"
    );
    let error = only(&stack_in("{ account: tooling, region: us-est-1 }"));
    assert_eq!(
        error.to_string(),
        "m.yaml:9:34: error[E0302]: unknown region `us-est-1`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `us-east-1`?"));
    let error = only(&stack_in("{ account: toling }"));
    assert_eq!(
        error.to_string(),
        "m.yaml:9:17: error[E0303]: unknown account alias `toling`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `tooling`?"));
    let error = only(&stack_in("{ account: prod }"));
    assert_eq!(
        error.to_string(),
        "m.yaml:9:17: error[E0305]: no region for account `prod`"
    );
}

#[test]
fn account_declarations_are_checked_and_their_uses_do_not_cascade() {
    let text = "kind: Accounts\nname: org\naccounts:\n  tooling: { id: \"1111\" }\n  Prod: { id: \"333333333333\" }\n  dev: { id: \"444444444444\", region: mars-1 }\n---\nkind: Accounts\nname: more\naccounts:\n  dev: { id: \"555555555555\" }\n---\nkind: Stack\nname: orders\nenv: { account: tooling, region: us-east-1 }\nresources:\n  - cfn: { type: AWS::SQS::Queue }\n";
    assert_eq!(
        errors(text),
        [
            "m.yaml:4:18: error[E0301]: account id `1111` is not 12 digits",
            "m.yaml:5:3: error[E0206]: account alias `Prod` is not kebab-case",
            "m.yaml:6:38: error[E0302]: unknown region `mars-1`",
            "m.yaml:11:3: error[E0304]: account alias `dev` is declared twice",
            "m.yaml:15:17: error[E0303]: account alias `tooling` cannot be used: its declaration has errors",
        ]
    );
}

#[test]
fn resource_entries_are_checked() {
    let error = only(&stack("resources:\n  - cfm: { type: AWS::SQS::Queue }\n"));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:5: error[E0307]: unknown resource kind `cfm`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `cfn`?"));
    let error = only(&stack(
        "resources:\n  - cfn: { type: AWS::SQS::Queue }\n    name: queue\n",
    ));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:5: error[E0308]: a resource entry must be a mapping with one key"
    );
    assert_eq!(
        error.help.as_deref(),
        Some("indent the other keys under `cfn:`")
    );
    let error = only(&stack("resources:\n  - cfn: { type: \"AWS::SQS\" }\n"));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:18: error[E0306]: `AWS::SQS` is not a CloudFormation resource type"
    );
    let error = only(&stack(
        "resources:\n  - cfn: { type: AWS::SQS::Queue, name: Queue_1 }\n",
    ));
    assert_eq!(
        error.to_string(),
        "m.yaml:5:41: error[E0206]: resource name `Queue_1` is not kebab-case"
    );
}

#[test]
fn synthesis_errors_point_at_the_manifest_value() {
    let text = stack(
        "resources:\n  - cfn:\n      type: AWS::SQS::Queue\n      dependsOn: [dead-letter]\n      properties:\n        RedrivePolicy:\n          deadLetterTargetArn: !GetAtt DeadLeters.Arn\n  - cfn: { name: dead-letters, type: AWS::SQS::Queue }\n  - cfn: { name: queue, type: AWS::SQS::Queue }\n",
    );
    assert_eq!(
        errors(&text),
        [
            "m.yaml:7:19: error[E0406]: stack `orders`: Resources.Queue.DependsOn[0]: `DependsOn` names `DeadLetter`, which is not a resource of this template (did you mean `DeadLetters`?)",
            "m.yaml:10:40: error[E0406]: stack `orders`: Resources.Queue.Properties.RedrivePolicy.deadLetterTargetArn.Fn::GetAtt: `Fn::GetAtt` on `DeadLeters`, which is not a resource of this template (did you mean `DeadLetters`?)",
            "m.yaml:12:18: error[E0402]: stack `orders` has two resources with the logical ID `Queue`",
        ]
    );
}

#[test]
fn every_error_of_a_run_is_reported_in_file_order() {
    let mut manifests = Manifests::new();
    manifests.add("b.yaml", "kind: Stak\nname: b\n");
    manifests.add(
        "a.yaml",
        "kind: Stack\nname: a\nenv: { account: \"1\", region: eu-west-1 }\nresources: []\n",
    );
    let diagnostics = Registry::builtin().synth(&manifests).expect_err("invalid");
    let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "a.yaml:3:17: error[E0301]: account id `1` is not 12 digits",
            "a.yaml:4:1: error[E0205]: a stack needs at least one resource",
            "b.yaml:1:7: error[E0201]: unknown kind `Stak`",
        ]
    );
}

#[test]
fn raw_resources_become_template_resources() {
    let text = stack(
        "description: Queues\nresources:\n  - cfn:\n      name: dead-letters\n      type: AWS::SQS::Queue\n      deletionPolicy: Retain\n  - cfn:\n      type: AWS::SQS::Queue\n      dependsOn: [dead-letters]\n      properties:\n        QueueName: !Sub \"${AWS::StackName}-work\"\n        RedrivePolicy: { deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 3 }\n",
    );
    let assembly = run(&text).expect("valid");
    let template: serde_json::Value = serde_json::from_str(&assembly.stacks[0].body).expect("JSON");
    assert_eq!(
        template,
        serde_json::json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "Queues",
            "Resources": {
                "DeadLetters": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain"},
                "Queue": {
                    "Type": "AWS::SQS::Queue",
                    "DependsOn": "DeadLetters",
                    "Properties": {
                        "QueueName": {"Fn::Sub": "${AWS::StackName}-work"},
                        "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetters", "Arn"]}, "maxReceiveCount": 3}
                    }
                }
            }
        })
    );
}

#[test]
fn odd_inputs_never_panic() {
    let inputs = [
        "",
        "---\n---\n",
        "~\n",
        "42\n",
        "\t- a\n",
        "kind: [\n",
        "kind: Stack\nname: a\nenv: { account: 99999999999999999999999999, region: 1e400 }\nresources: []\n",
        "base: &b { kind: Stack }\n<<: *b\nname: a\n",
        "kind: !!binary aGVsbG8=\nname: a\n",
        "kind: Stack\nname: a\nenv: &e { account: \"111111111111\", region: eu-west-1 }\nresources:\n  - cfn: { type: AWS::SQS::Queue, properties: { A: *e, B: !GetAtt , C: !Ref [1] } }\n",
        "? { a: 1 }\n: b\n",
        "kind: Stack\nname: \"\\u0000\\t\"\n",
        &format!(
            "kind: Stack\nname: a\nx: {}{}\n",
            "[".repeat(200),
            "]".repeat(200)
        ),
        "kind: Accounts\nname: a\naccounts: { ? x }\n",
        "\u{feff}kind: Stack\r\nname: a\r\n",
    ];
    for input in inputs {
        let mut manifests = Manifests::new();
        manifests.add("odd.yaml", input);
        let result = Registry::builtin().synth(&manifests);
        let rendered = match &result {
            Ok(_) => String::new(),
            Err(diagnostics) => {
                cfsynth::diagnostics::render_text(diagnostics, manifests.sources(), true)
            }
        };
        let empty = ["", "---\n---\n", "~\n"].contains(&input);
        assert_eq!(result.is_ok(), empty, "{input:?} → {rendered}");
    }
}

#[test]
fn account_roles_reach_every_stack_of_the_account_as_arns() {
    let text = "kind: Accounts\nname: org\naccounts:\n  prod: { id: \"555555555555\", region: us-east-1, deployRole: platform/deployer, executionRole: \"arn:aws:iam::555555555555:role/cfn\" }\n  china: { id: \"666666666666\", region: cn-north-1, deployRole: deployer }\n  dev: { id: \"777777777777\", region: eu-west-1 }\n---\nkind: Stack\nname: by-alias\nenv: { account: prod }\nresources:\n  - cfn: { type: AWS::SQS::Queue }\n---\nkind: Stack\nname: by-id\nenv: { account: \"555555555555\", region: eu-west-1 }\nresources:\n  - cfn: { type: AWS::SQS::Queue }\n---\nkind: Stack\nname: in-china\nenv: { account: china }\nresources:\n  - cfn: { type: AWS::SQS::Queue }\n---\nkind: Stack\nname: plain\nenv: { account: dev }\nresources:\n  - cfn: { type: AWS::SQS::Queue }\n";
    let assembly = run(text).expect("valid manifests");
    let roles: Vec<(&str, Option<&str>, Option<&str>)> = assembly
        .stacks
        .iter()
        .map(|stack| {
            (
                stack.name.as_str(),
                stack.deploy_role.as_deref(),
                stack.execution_role.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            (
                "by-alias",
                Some("arn:aws:iam::555555555555:role/platform/deployer"),
                Some("arn:aws:iam::555555555555:role/cfn")
            ),
            (
                "by-id",
                Some("arn:aws:iam::555555555555:role/platform/deployer"),
                Some("arn:aws:iam::555555555555:role/cfn")
            ),
            (
                "in-china",
                Some("arn:aws-cn:iam::666666666666:role/deployer"),
                None
            ),
            ("plain", None, None),
        ]
    );
    let manifest = serde_json::to_value(&assembly).expect("serializable");
    assert_eq!(
        manifest["stacks"][0]["deployRole"],
        "arn:aws:iam::555555555555:role/platform/deployer"
    );
    assert!(manifest["stacks"][3].get("deployRole").is_none());
}

#[test]
fn account_roles_must_be_roles_of_their_account() {
    let text = "kind: Accounts\nname: org\naccounts:\n  prod: { id: \"555555555555\", deployRole: \"arn:aws:iam::111111111111:role/deployer\" }\n  test: { id: \"444444444444\", deployRole: \"deploy role\" }\n  dev: { id: \"777777777777\", executionRole: \"arn:aws:s3:::bucket\" }\n  stage: { id: \"888888888888\", deployRole: \"arn:aws:iam::888888888888:user/me\" }\n";
    assert_eq!(
        errors(text),
        [
            "m.yaml:4:43: error[E0312]: `arn:aws:iam::111111111111:role/deployer` is a role of account `111111111111`, not of `555555555555`",
            "m.yaml:5:43: error[E0312]: `deploy role` is not an IAM role name",
            "m.yaml:6:45: error[E0312]: `arn:aws:s3:::bucket` is not an IAM role ARN",
            "m.yaml:7:44: error[E0312]: `arn:aws:iam::888888888888:user/me` is not an IAM role ARN",
        ]
    );
    let error = only(
        "kind: Accounts\nname: org\naccounts:\n  prod: { id: \"555555555555\", deployRole: \"arn:aws:iam::111111111111:role/deployer\" }\n",
    );
    assert_eq!(
        error.help.as_deref(),
        Some(
            "stacks of account `555555555555` are deployed in that account: name one of its roles"
        )
    );
    let too_long = format!(
        "kind: Accounts\nname: org\naccounts:\n  prod: {{ id: \"555555555555\", deployRole: {} }}\n",
        "r".repeat(65)
    );
    assert_eq!(only(&too_long).code, "E0312");
}

#[test]
fn two_aliases_of_one_account_cannot_give_it_different_roles() {
    let text = "kind: Accounts\nname: org\naccounts:\n  prod: { id: \"555555555555\", deployRole: deployer }\n  production: { id: \"555555555555\", deployRole: other }\n  live: { id: \"555555555555\", deployRole: deployer }\n";
    let error = only(text);
    assert_eq!(
        error.to_string(),
        "m.yaml:5:49: error[E0320]: account `555555555555` is given other roles by another alias"
    );
    assert_eq!(
        error.help.as_deref(),
        Some("give the roles of account `555555555555` on one alias only (here `production`)")
    );
}

#[test]
fn an_execution_role_without_a_deploy_role_is_warned_about() {
    let mut manifests = Manifests::new();
    manifests.add(
        "m.yaml",
        "kind: Accounts\nname: org\naccounts:\n  prod: { id: \"555555555555\", region: us-east-1, executionRole: cfn }\n---\nkind: Stack\nname: orders\nenv: { account: prod }\nresources:\n  - cfn: { type: AWS::SQS::Queue }\n",
    );
    let build = Registry::builtin().build(&manifests);
    let warnings: Vec<String> = build.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "m.yaml:4:65: warning[W0302]: `cfsynth-deploy`, the deploy role `cfsynth bootstrap` creates, may pass only `cfsynth-cfn-exec` to CloudFormation"
        ]
    );
    let assembly = build.synth().expect("a warning does not stop synthesis");
    assert_eq!(
        assembly.stacks[0].execution_role.as_deref(),
        Some("arn:aws:iam::555555555555:role/cfn")
    );
    assert_eq!(assembly.stacks[0].deploy_role, None);
}
