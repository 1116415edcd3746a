//! The engine against the scripted [`Fake`] cloud: retries of throttled and timed-out
//! calls, failure reporting and rollbacks, scheduling, approval, protection, staging,
//! pruning, destroy and StackSets — what moto cannot show.

use std::time::Duration;

use indexmap::IndexMap;

use super::fake::Fake;
use super::*;

const CALLER: &str = "111111111111";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn options() -> DeployOptions {
    DeployOptions {
        yes: true,
        poll_interval: Duration::from_millis(1),
        retry: RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        },
        ..DeployOptions::default()
    }
}

fn template(resources: &[(&str, &str)]) -> String {
    let resources: serde_json::Map<String, serde_json::Value> = resources
        .iter()
        .map(|(id, kind)| ((*id).to_owned(), serde_json::json!({"Type": kind})))
        .collect();
    serde_json::json!({ "Resources": resources }).to_string()
}

fn stack(
    name: &str,
    account: &str,
    region: &str,
    body: String,
    dependencies: &[&str],
) -> DeployStack {
    DeployStack {
        id: format!("{name}-{account}-{region}"),
        name: name.to_owned(),
        env: Target {
            account: account.to_owned(),
            region: region.to_owned(),
            partition: "aws".to_owned(),
        },
        role: "application".to_owned(),
        body,
        dependencies: dependencies.iter().map(|&d| d.to_owned()).collect(),
        parameters: IndexMap::new(),
        capabilities: Vec::new(),
        protected: false,
        assets: Vec::new(),
        deploy_role: None,
        execution_role: None,
    }
}

fn queues(name: &str, account: &str, region: &str) -> DeployStack {
    stack(
        name,
        account,
        region,
        template(&[("Queue", "AWS::SQS::Queue")]),
        &[],
    )
}

fn assembly(stacks: Vec<DeployStack>) -> DeployAssembly {
    DeployAssembly {
        dir: None,
        stacks,
        assets: Vec::new(),
    }
}

struct Run {
    report: Report,
    lines: Vec<String>,
}

impl Run {
    fn outcome(&self, name: &str) -> &Outcome {
        self.report
            .results
            .iter()
            .find(|(id, _)| id.starts_with(&format!("{name}-")))
            .map(|(_, outcome)| outcome)
            .unwrap_or_else(|| panic!("no result for {name}: {:?}", self.report.results))
    }

    fn text(&self) -> String {
        self.lines.join("\n")
    }

    #[track_caller]
    fn shows(&self, expected: &str) {
        assert!(
            self.text().contains(expected),
            "expected `{expected}` in:\n{}",
            self.text()
        );
    }
}

fn deploy_with(
    fake: &Fake,
    assembly: &DeployAssembly,
    options: &DeployOptions,
    answer: Option<bool>,
) -> Run {
    let (ui, lines) = Ui::capture(answer);
    let plan = Plan::select(assembly, &[], &Aliases::default()).expect("a plan");
    let report = runtime()
        .block_on(deploy(
            fake,
            &ui,
            assembly,
            &plan,
            options,
            Running::default(),
        ))
        .expect("the deploy runs");
    let lines = lines.lock().map(|lines| lines.clone()).unwrap_or_default();
    Run { report, lines }
}

fn run(fake: &Fake, assembly: &DeployAssembly) -> Run {
    deploy_with(fake, assembly, &options(), None)
}

#[test]
fn a_stack_is_created_then_unchanged_with_its_change_set_deleted() {
    let fake = Fake::new(CALLER);
    let assembly = assembly(vec![queues("orders", CALLER, "eu-west-1")]);
    let first = run(&fake, &assembly);
    assert!(matches!(first.outcome("orders"), Outcome::Created));
    first.shows("orders (111111111111/eu-west-1) create (1 resource change):");
    first.shows("+ add     Queue (AWS::SQS::Queue)");
    first.shows("CREATE_COMPLETE  AWS::SQS::Queue Queue");
    let info = fake.stack(CALLER, "eu-west-1", "orders").expect("created");
    assert_eq!(info.tags.get(APP_TAG).map(String::as_str), Some("default"));
    assert_eq!(
        info.tags.get(STACK_TAG).map(String::as_str),
        Some("orders-111111111111-eu-west-1")
    );
    assert_eq!(
        first.report.outputs["orders-111111111111-eu-west-1"]["Name"],
        "orders"
    );

    let second = run(&fake, &assembly);
    assert!(matches!(second.outcome("orders"), Outcome::Unchanged));
    second.shows("orders (111111111111/eu-west-1): unchanged (no changes; change set deleted)");
    assert_eq!(fake.open_change_sets(), 0);
    assert!(
        fake.calls()
            .iter()
            .filter(|call| call.starts_with("ExecuteChangeSet"))
            .count()
            == 1
    );
}

#[test]
fn throttling_and_timeouts_are_retried_with_the_retries_shown() {
    let fake = Fake::new(CALLER);
    fake.fail_next("CreateChangeSet", ErrorKind::Throttling, 2);
    fake.fail_next("DescribeStacks", ErrorKind::Transient, 1);
    fake.fail_next("ExecuteChangeSet", ErrorKind::Transient, 1);
    let result = run(
        &fake,
        &assembly(vec![queues("orders", CALLER, "eu-west-1")]),
    );
    assert!(
        matches!(result.outcome("orders"), Outcome::Created),
        "{}",
        result.text()
    );
    result.shows("warning: CreateChangeSet: Rate exceeded; retrying in");
    result.shows("warning: DescribeStacks: operation timed out; retrying in");
    result.shows("warning: ExecuteChangeSet: operation timed out; retrying in");
    let creates = fake
        .calls()
        .iter()
        .filter(|call| call.starts_with("CreateChangeSet"))
        .count();
    assert_eq!(creates, 3);
}

#[test]
fn a_retried_call_that_had_reached_cloudformation_is_not_done_twice() {
    let fake = Fake::new(CALLER);
    fake.lose_next_create_response();
    let result = run(
        &fake,
        &assembly(vec![queues("orders", CALLER, "eu-west-1")]),
    );
    assert!(
        matches!(result.outcome("orders"), Outcome::Created),
        "{}",
        result.text()
    );
    result.shows("warning: CreateChangeSet: operation timed out; retrying in");
    let executes = fake
        .calls()
        .iter()
        .filter(|call| call.starts_with("ExecuteChangeSet"))
        .count();
    assert_eq!(executes, 1);
}

#[test]
fn retries_give_up_and_fail_only_the_stack_they_belong_to() {
    let fake = Fake::new(CALLER);
    fake.fail_next("GetTemplate", ErrorKind::Throttling, 10);
    fake.add_stack(
        CALLER,
        "eu-west-1",
        StackInfo {
            id: "arn:old".into(),
            name: "old".into(),
            status: "CREATE_COMPLETE".into(),
            ..StackInfo::default()
        },
        &template(&[]),
    );
    let result = run(
        &fake,
        &assembly(vec![
            queues("old", CALLER, "eu-west-1"),
            queues("fresh", CALLER, "us-east-1"),
        ]),
    );
    match result.outcome("old") {
        Outcome::Failed(DeployError::Cloud(error)) => {
            assert_eq!(error.operation, "GetTemplate");
            assert_eq!(error.kind, ErrorKind::Throttling);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(result.outcome("fresh"), Outcome::Created));
    assert!(!result.report.success());
}

#[test]
fn expired_credentials_are_not_retried_and_say_where_credentials_come_from() {
    let fake = Fake::new(CALLER);
    fake.fail_next("GetCallerIdentity", ErrorKind::Credentials, 1);
    let (ui, _) = Ui::capture(None);
    let assembly = assembly(vec![queues("orders", CALLER, "eu-west-1")]);
    let plan = Plan::select(&assembly, &[], &Aliases::default()).unwrap();
    let error = runtime()
        .block_on(deploy(
            &fake,
            &ui,
            &assembly,
            &plan,
            &options(),
            Running::default(),
        ))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("GetCallerIdentity failed: ExpiredToken"),
        "{error}"
    );
    assert!(error.help().unwrap_or_default().contains("--profile"));
}

#[test]
fn a_failed_update_reports_the_resource_and_rolls_back_honestly() {
    let fake = Fake::new(CALLER);
    let assembly1 = assembly(vec![queues("orders", CALLER, "eu-west-1")]);
    run(&fake, &assembly1);
    fake.fail_resource(
        "Topic",
        "Resource handler returned message: \"Access Denied\"",
    );
    let changed = assembly(vec![stack(
        "orders",
        CALLER,
        "eu-west-1",
        template(&[("Queue", "AWS::SQS::Queue"), ("Topic", "AWS::SNS::Topic")]),
        &[],
    )]);
    let result = run(&fake, &changed);
    match result.outcome("orders") {
        Outcome::Failed(
            error @ DeployError::StackFailed {
                status, failures, ..
            },
        ) => {
            assert_eq!(status, "UPDATE_ROLLBACK_COMPLETE");
            assert_eq!(failures[0].logical_id, "Topic");
            assert_eq!(failures[0].status, "CREATE_FAILED");
            let text = error.to_string();
            assert!(
                text.contains("the stack is as it was before this deploy"),
                "{text}"
            );
            assert!(text.contains("Topic (AWS::SNS::Topic) CREATE_FAILED: Resource handler returned message: \"Access Denied\""), "{text}");
        }
        other => panic!("{other:?}"),
    }
    result.shows("CREATE_FAILED  AWS::SNS::Topic Topic  Resource handler returned message");
}

#[test]
fn a_failed_create_is_explained_and_recreated_only_when_asked() {
    let fake = Fake::new(CALLER);
    fake.fail_resource("Queue", "Queue name already exists");
    let assembly = assembly(vec![queues("orders", CALLER, "eu-west-1")]);
    let first = run(&fake, &assembly);
    match first.outcome("orders") {
        Outcome::Failed(DeployError::StackFailed {
            status,
            explanation,
            ..
        }) => {
            assert_eq!(status, "ROLLBACK_COMPLETE");
            assert!(explanation.contains("--recreate-failed"), "{explanation}");
        }
        other => panic!("{other:?}"),
    }
    let second = run(&fake, &assembly);
    match second.outcome("orders") {
        Outcome::Failed(error @ DeployError::NotDeployable { .. }) => {
            assert!(
                error
                    .to_string()
                    .starts_with("stack `orders` is ROLLBACK_COMPLETE"),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    fake.heal();
    let recreate = DeployOptions {
        recreate_failed: true,
        ..options()
    };
    let third = deploy_with(&fake, &assembly, &recreate, None);
    third.shows(
        "ROLLBACK_COMPLETE after a failed create; deleting it to recreate it (--recreate-failed)",
    );
    assert!(
        matches!(third.outcome("orders"), Outcome::Created),
        "{}",
        third.text()
    );
    assert!(
        fake.calls()
            .iter()
            .any(|call| call.starts_with("DeleteStack"))
    );
}

#[test]
fn no_rollback_leaves_the_failed_stack_for_inspection() {
    let fake = Fake::new(CALLER);
    fake.fail_resource("Queue", "boom");
    let options = DeployOptions {
        rollback: false,
        ..options()
    };
    let result = deploy_with(
        &fake,
        &assembly(vec![queues("orders", CALLER, "eu-west-1")]),
        &options,
        None,
    );
    match result.outcome("orders") {
        Outcome::Failed(DeployError::StackFailed {
            status,
            explanation,
            ..
        }) => {
            assert_eq!(status, "CREATE_FAILED");
            assert!(explanation.contains("--no-rollback"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failure_stops_its_environment_and_dependents_but_not_other_environments() {
    let fake = Fake::new(CALLER);
    fake.fail_resource("Broken", "invalid");
    let assembly = assembly(vec![
        stack(
            "broken",
            "222222222222",
            "eu-west-1",
            template(&[("Broken", "AWS::SQS::Queue")]),
            &[],
        ),
        queues("later", "222222222222", "eu-west-1"),
        stack(
            "dependent",
            "333333333333",
            "us-east-1",
            template(&[("Q", "AWS::SQS::Queue")]),
            &["broken-222222222222-eu-west-1"],
        ),
        queues("elsewhere", "333333333333", "eu-west-1"),
    ]);
    let options = DeployOptions {
        concurrency: 1,
        ..options()
    };
    let result = deploy_with(&fake, &assembly, &options, None);
    assert!(matches!(result.outcome("broken"), Outcome::Failed(_)));
    match result.outcome("later") {
        Outcome::Skipped(why) => {
            assert_eq!(why, "an earlier stack in 222222222222/eu-west-1 failed")
        }
        other => panic!("{other:?}"),
    }
    match result.outcome("dependent") {
        Outcome::Skipped(why) => assert_eq!(why, "depends on broken, which did not deploy"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(result.outcome("elsewhere"), Outcome::Created));
    result.shows("skipped    later  222222222222/eu-west-1 (an earlier stack in 222222222222/eu-west-1 failed)");

    let fail_fast = DeployOptions {
        concurrency: 1,
        fail_fast: true,
        ..options
    };
    let fake = Fake::new(CALLER);
    fake.fail_resource("Broken", "invalid");
    let result = deploy_with(&fake, &assembly, &fail_fast, None);
    match result.outcome("elsewhere") {
        Outcome::Skipped(why) => assert!(why.contains("--fail-fast"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn independent_stacks_run_in_parallel_up_to_the_concurrency() {
    let stacks: Vec<DeployStack> = (0..5)
        .map(|index| queues(&format!("s{index}"), CALLER, "eu-west-1"))
        .collect();
    let assembly = assembly(stacks);
    for (concurrency, expected) in [(1, 1), (3, 3)] {
        let fake = Fake::new(CALLER);
        let options = DeployOptions {
            concurrency,
            ..options()
        };
        let result = deploy_with(&fake, &assembly, &options, None);
        assert!(result.report.success(), "{}", result.text());
        assert_eq!(
            fake.max_in_progress(),
            expected,
            "concurrency {concurrency}"
        );
    }
}

#[test]
fn other_accounts_are_reached_through_the_deploy_role_in_their_partition() {
    let fake = Fake::new(CALLER);
    let mut gov = queues("gov", "222222222222", "us-gov-west-1");
    gov.env.partition = "aws-us-gov".into();
    let assembly = assembly(vec![
        queues("remote", "222222222222", "eu-west-1"),
        queues("local", CALLER, "eu-west-1"),
        gov,
    ]);
    let result = run(&fake, &assembly);
    assert!(matches!(result.outcome("remote"), Outcome::Created));
    assert!(fake.stack("222222222222", "eu-west-1", "remote").is_some());
    assert_eq!(
        fake.last_role_arn("remote").as_deref(),
        Some("arn:aws:iam::222222222222:role/cfsynth-cfn-exec")
    );
    assert_eq!(fake.last_role_arn("local"), None);
    match result.outcome("gov") {
        Outcome::Failed(error @ DeployError::Partition { .. }) => {
            assert_eq!(
                error.to_string(),
                "stack `gov` is in partition `aws-us-gov` but the credentials are for `aws`"
            );
        }
        other => panic!("{other:?}"),
    }
    let target = Target {
        account: "222222222222".into(),
        region: "cn-north-1".into(),
        partition: "aws-cn".into(),
    };
    assert_eq!(
        target.role_arn("cfsynth-deploy"),
        "arn:aws-cn:iam::222222222222:role/cfsynth-deploy"
    );
    assert_eq!(target.s3_domain(), "amazonaws.com.cn");
}

#[test]
fn roles_named_by_the_accounts_manifest_replace_the_bootstrap_roles() {
    let fake = Fake::new(CALLER);
    let mut custom = queues("custom", "222222222222", "eu-west-1");
    custom.deploy_role = Some("arn:aws:iam::222222222222:role/platform/deployer".into());
    custom.execution_role = Some("arn:aws:iam::222222222222:role/cfn-service".into());
    let mut deploy_only = queues("deploy-only", "333333333333", "eu-west-1");
    deploy_only.deploy_role = Some("arn:aws:iam::333333333333:role/deployer".into());
    let mut own_account = queues("own", CALLER, "eu-west-1");
    own_account.deploy_role = Some(format!("arn:aws:iam::{CALLER}:role/deployer"));
    let assembly = assembly(vec![custom, deploy_only, own_account]);
    let result = run(&fake, &assembly);
    assert!(result.report.success(), "{}", result.text());
    assert_eq!(
        fake.assumed_roles(),
        [
            "arn:aws:iam::222222222222:role/platform/deployer",
            "arn:aws:iam::333333333333:role/deployer",
            &format!("arn:aws:iam::{CALLER}:role/deployer"),
        ]
    );
    assert!(fake.stack("222222222222", "eu-west-1", "custom").is_some());
    assert_eq!(
        fake.last_role_arn("custom").as_deref(),
        Some("arn:aws:iam::222222222222:role/cfn-service")
    );
    // A deploy role of the user's own: no `cfsynth-cfn-exec`, which goes with the
    // bootstrap stack's deploy role only.
    assert_eq!(fake.last_role_arn("deploy-only"), None);
    assert_eq!(fake.last_role_arn("own"), None);
}

#[test]
fn broadening_changes_stop_without_a_terminal_and_ask_on_one() {
    let role = template(&[("Role", "AWS::IAM::Role")]).replace(
        "{\"Type\":\"AWS::IAM::Role\"}",
        "{\"Type\":\"AWS::IAM::Role\",\"Properties\":{\"ManagedPolicyArns\":[\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]}}",
    );
    let assembly = assembly(vec![stack("iam", CALLER, "eu-west-1", role, &[])]);
    let ask = DeployOptions {
        yes: false,
        ..options()
    };
    let fake = Fake::new(CALLER);
    let refused = deploy_with(&fake, &assembly, &ask, None);
    match refused.outcome("iam") {
        Outcome::Failed(error @ DeployError::ApprovalRequired { .. }) => {
            assert!(error.to_string().contains("there is no terminal to ask on"));
        }
        other => panic!("{other:?}"),
    }
    refused
        .shows("+ Role: attach managed policy arn:aws:iam::aws:policy/ReadOnlyAccess [broadening]");
    assert_eq!(fake.open_change_sets(), 0);
    assert!(
        fake.calls()
            .iter()
            .any(|call| call.starts_with("DeleteStack") && call.ends_with(" iam")),
        "the empty REVIEW_IN_PROGRESS stack is removed"
    );

    let declined = deploy_with(&fake, &assembly, &ask, Some(false));
    assert!(matches!(
        declined.outcome("iam"),
        Outcome::Failed(DeployError::Declined { .. })
    ));
    declined.shows("Deploy IAM or security-group changes that widen permissions to iam (111111111111/eu-west-1)? [y/N] n");

    let approved = deploy_with(&fake, &assembly, &ask, Some(true));
    assert!(matches!(approved.outcome("iam"), Outcome::Created));

    // any-change asks for an update without IAM changes too; never asks for nothing.
    let plain = crate::deploy::tests::assembly(vec![queues("plain", CALLER, "eu-west-1")]);
    let any_change = DeployOptions {
        approval: Approval::AnyChange,
        ..ask.clone()
    };
    assert!(matches!(
        deploy_with(&fake, &plain, &any_change, None).outcome("plain"),
        Outcome::Failed(DeployError::ApprovalRequired { .. })
    ));
    let never = DeployOptions {
        approval: Approval::Never,
        ..ask
    };
    assert!(matches!(
        deploy_with(&fake, &plain, &never, None).outcome("plain"),
        Outcome::Created
    ));
}

#[test]
fn protected_stacks_get_termination_protection_and_a_stack_policy() {
    let fake = Fake::new(CALLER);
    let mut data = stack(
        "data",
        CALLER,
        "eu-west-1",
        template(&[("Bucket", "AWS::S3::Bucket")]),
        &[],
    );
    data.protected = true;
    let result = run(&fake, &assembly(vec![data.clone()]));
    assert!(matches!(result.outcome("data"), Outcome::Created));
    result.shows("data: termination protection on; the stack policy forbids replacing or deleting stateful resources");
    let info = fake.stack(CALLER, "eu-west-1", "data").unwrap();
    assert!(info.termination_protection);
    let policy: serde_json::Value =
        serde_json::from_str(&fake.policy(CALLER, "eu-west-1", "data").unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][1]["Action"],
        serde_json::json!(["Update:Replace", "Update:Delete"])
    );
    assert!(policy.to_string().contains("AWS::S3::Bucket"));
    assert!(policy.to_string().contains("AWS::Logs::LogGroup"));

    // On an update the policy is set before the change set runs.
    data.body = template(&[("Bucket", "AWS::S3::Bucket"), ("Key", "AWS::KMS::Key")]);
    let before = fake.calls().len();
    run(&fake, &assembly(vec![data]));
    let calls: Vec<String> = fake.calls()[before..].to_vec();
    let policy_at = calls
        .iter()
        .position(|c| c.starts_with("SetStackPolicy"))
        .unwrap();
    let execute_at = calls
        .iter()
        .position(|c| c.starts_with("ExecuteChangeSet"))
        .unwrap();
    assert!(policy_at < execute_at, "{calls:?}");
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("UpdateTerminationProtection")),
        "already on"
    );
}

fn large_template() -> String {
    let resources: Vec<(String, &str)> = (0..2000)
        .map(|i| (format!("Queue{i:04}"), "AWS::SQS::Queue"))
        .collect();
    let refs: Vec<(&str, &str)> = resources
        .iter()
        .map(|(id, kind)| (id.as_str(), *kind))
        .collect();
    template(&refs)
}

#[test]
fn large_templates_and_assets_go_to_the_staging_bucket_once() {
    let fake = Fake::new(CALLER);
    let body = large_template();
    assert!(body.len() > crate::template::MAX_BODY_DIRECT);
    let mut big = stack("big", CALLER, "eu-west-1", body.clone(), &[]);
    let dir = std::env::temp_dir().join(format!("cfsynth-fake-assets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("script.py"), "print('hi')").unwrap();
    big.assets.push(Asset {
        id: "script".into(),
        path: dir.join("script.py"),
        key: None,
        bucket: None,
    });
    let assembly = assembly(vec![big]);

    let missing = run(&fake, &assembly);
    match missing.outcome("big") {
        Outcome::Failed(error @ DeployError::NoStagingBucket { .. }) => {
            assert!(
                error
                    .help()
                    .unwrap_or_default()
                    .contains("cfsynth bootstrap --account 111111111111 --region eu-west-1")
            );
        }
        other => panic!("{other:?}"),
    }

    fake.add_bucket(CALLER, "cfsynth-staging-111111111111-eu-west-1");
    let first = run(&fake, &assembly);
    assert!(
        matches!(first.outcome("big"), Outcome::Created),
        "{}",
        first.text()
    );
    let hash = super::engine::sha256_hex(body.as_bytes());
    let script_hash = super::engine::sha256_hex(b"print('hi')");
    assert_eq!(
        fake.objects(),
        [
            (
                "cfsynth-staging-111111111111-eu-west-1".to_owned(),
                format!("assets/{script_hash}.py")
            ),
            (
                "cfsynth-staging-111111111111-eu-west-1".to_owned(),
                format!("templates/{hash}.json")
            ),
        ]
    );
    first.shows(&format!(
        "uploaded {} bytes to s3://cfsynth-staging-111111111111-eu-west-1/templates/{hash}.json",
        body.len()
    ));
    let second = run(&fake, &assembly);
    second.shows(&format!(
        "already in s3://cfsynth-staging-111111111111-eu-west-1/templates/{hash}.json"
    ));
    let puts = fake
        .calls()
        .iter()
        .filter(|call| call.starts_with("PutObject"))
        .count();
    assert_eq!(puts, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parameters_come_from_flags_defaults_or_the_previous_value() {
    let fake = Fake::new(CALLER);
    let mut with_params = queues("params", CALLER, "eu-west-1");
    with_params.parameters = [
        ("Required".to_owned(), None),
        ("Optional".to_owned(), Some(serde_json::json!("x"))),
    ]
    .into();
    let assembly = assembly(vec![with_params.clone()]);
    let missing = run(&fake, &assembly);
    assert!(
        matches!(missing.outcome("params"), Outcome::Failed(DeployError::MissingParameter { parameter, .. }) if parameter == "Required")
    );
    let given = DeployOptions {
        parameters: vec![
            "params:Required=1".parse().unwrap(),
            "Other=2".parse().unwrap(),
        ],
        ..options()
    };
    assert!(matches!(
        deploy_with(&fake, &assembly, &given, None).outcome("params"),
        Outcome::Created
    ));
    assert_eq!(
        fake.last_parameters("params"),
        [("Required".to_owned(), ParameterValue::Value("1".into()))].into()
    );
    with_params.body = template(&[("Queue", "AWS::SQS::Queue"), ("Topic", "AWS::SNS::Topic")]);
    run(&fake, &crate::deploy::tests::assembly(vec![with_params]));
    assert_eq!(
        fake.last_parameters("params")["Required"],
        ParameterValue::UsePrevious
    );
    assert!("novalue".parse::<ParameterOverride>().is_err());
}

#[test]
fn stacks_of_another_app_are_left_alone() {
    let fake = Fake::new(CALLER);
    fake.add_stack(
        CALLER,
        "eu-west-1",
        StackInfo {
            id: "arn:x".into(),
            name: "orders".into(),
            status: "CREATE_COMPLETE".into(),
            tags: [(APP_TAG.to_owned(), "payments".to_owned())].into(),
            ..StackInfo::default()
        },
        &template(&[]),
    );
    let result = run(
        &fake,
        &assembly(vec![queues("orders", CALLER, "eu-west-1")]),
    );
    match result.outcome("orders") {
        Outcome::Failed(error) => assert_eq!(
            error.to_string(),
            "stack `orders` belongs to cfsynth app `payments`, not `default`: refusing to change it"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn orphans_are_listed_and_pruned_only_after_approval_and_success() {
    let fake = Fake::new(CALLER);
    let both = assembly(vec![
        queues("keep", CALLER, "eu-west-1"),
        queues("gone", CALLER, "eu-west-1"),
    ]);
    run(&fake, &both);
    let only_keep = assembly(vec![queues("keep", CALLER, "eu-west-1")]);
    let listed = run(&fake, &only_keep);
    assert_eq!(listed.report.orphans.len(), 1);
    listed.shows("orphaned   gone  111111111111/eu-west-1");
    assert!(fake.stack(CALLER, "eu-west-1", "gone").is_some());

    let prune_without_yes = DeployOptions {
        prune: true,
        yes: false,
        ..options()
    };
    let refused = deploy_with(&fake, &only_keep, &prune_without_yes, None);
    assert!(!refused.report.success());
    assert!(fake.stack(CALLER, "eu-west-1", "gone").is_some());

    let prune = DeployOptions {
        prune: true,
        ..options()
    };
    let pruned = deploy_with(&fake, &only_keep, &prune, None);
    assert!(pruned.report.success(), "{}", pruned.text());
    pruned.shows("--prune would delete 1 stack:");
    pruned.shows("pruned     gone");
    assert!(fake.stack(CALLER, "eu-west-1", "gone").is_none());
}

#[test]
fn destroy_deletes_dependents_first_and_keeps_what_it_does_not_own() {
    let fake = Fake::new(CALLER);
    let mut base = queues("base", CALLER, "eu-west-1");
    base.protected = true;
    let top = stack(
        "top",
        CALLER,
        "eu-west-1",
        template(&[("T", "AWS::SNS::Topic")]),
        &["base-111111111111-eu-west-1"],
    );
    let assembly = assembly(vec![base, top, queues("foreign", CALLER, "eu-west-1")]);
    run(&fake, &assembly);
    fake.add_stack(
        CALLER,
        "eu-west-1",
        StackInfo {
            id: "arn:f".into(),
            name: "foreign".into(),
            status: "CREATE_COMPLETE".into(),
            ..StackInfo::default()
        },
        &template(&[]),
    );
    let plan = Plan::select(&assembly, &[], &Aliases::default()).unwrap();
    let (ui, lines) = Ui::capture(None);
    let options = options();
    let report = runtime().block_on(async {
        let engine = Engine::connect(&fake, &ui, &options, Running::default())
            .await
            .unwrap();
        engine.destroy(&assembly, &plan, false).await.unwrap()
    });
    let text = lines.lock().unwrap().join("\n");
    assert!(
        text.contains(
            "foreign (111111111111/eu-west-1): kept: not created by cfsynth (no cfsynth:app tag)"
        ),
        "{text}"
    );
    assert!(
        text.contains("base (111111111111/eu-west-1): kept: termination protection is on"),
        "{text}"
    );
    assert_eq!(
        report
            .deleted
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["top"]
    );

    let (ui, _) = Ui::capture(None);
    let report = runtime().block_on(async {
        let engine = Engine::connect(&fake, &ui, &options, Running::default())
            .await
            .unwrap();
        engine.destroy(&assembly, &plan, true).await.unwrap()
    });
    assert_eq!(
        report
            .deleted
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["base"]
    );
    assert!(
        fake.calls()
            .iter()
            .any(|call| call.starts_with("UpdateTerminationProtection") && call.contains("arn:"))
    );
}

#[test]
fn stack_sets_are_created_updated_and_report_each_instance() {
    let fake = Fake::new(CALLER);
    let assembly1 = assembly(vec![queues("guard", CALLER, "us-east-1")]);
    let set = stackset::StackSetOptions {
        stack: "guard".into(),
        targets: StackSetTargets {
            organizational_units: Vec::new(),
            accounts: vec!["222222222222".into(), "333333333333".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
        },
        preferences: OperationPreferences::default(),
        delegated_admin: false,
        region: None,
    };
    let options = options();
    let deploy_set = |assembly: &DeployAssembly, set: &stackset::StackSetOptions| {
        let (ui, lines) = Ui::capture(None);
        let result = runtime().block_on(async {
            let engine = Engine::connect(&fake, &ui, &options, Running::default())
                .await
                .unwrap();
            engine.deploy_stack_set(assembly, set).await
        });
        (result, lines.lock().unwrap().join("\n"))
    };
    let (created, text) = deploy_set(&assembly1, &set);
    let created = created.unwrap();
    assert_eq!(created.action, "created");
    assert_eq!(created.instances.len(), 4);
    assert!(created.success());
    assert!(text.contains("222222222222/eu-west-1  SUCCEEDED"), "{text}");

    let (unchanged, _) = deploy_set(&assembly1, &set);
    assert_eq!(unchanged.unwrap().action, "unchanged");

    fake.fail_instances_in("333333333333");
    let changed = assembly(vec![stack(
        "guard",
        CALLER,
        "us-east-1",
        template(&[("Q", "AWS::SQS::Queue"), ("T", "AWS::SNS::Topic")]),
        &[],
    )]);
    let (failed, _) = deploy_set(&changed, &set);
    match failed {
        Err(DeployError::StackSet { name, message }) => {
            assert_eq!(name, "guard");
            assert!(
                message.contains("333333333333/us-east-1 FAILED: ResourceLogicalId:Queue"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let (unknown, _) = deploy_set(
        &changed,
        &stackset::StackSetOptions {
            stack: "nope".into(),
            ..set.clone()
        },
    );
    assert!(matches!(unknown, Err(DeployError::Usage(_))));
}

#[test]
fn running_operations_are_tracked_for_ctrl_c() {
    let running = Running::default();
    running.set("a (1/r)", "change set executing");
    assert_eq!(
        running.snapshot(),
        [("a (1/r)".to_owned(), "change set executing".to_owned())]
    );
    running.clear("a (1/r)");
    assert!(running.snapshot().is_empty());
}
