//! End to end: the built binary runs `cfsynth deploy|destroy|bootstrap --endpoint-url
//! $CFSYNTH_MOTO_ENDPOINT` against a local moto server (`scripts/test` starts one) with
//! fake credentials, on small manifests in temporary directories. Every test uses stack
//! names of its own (with a per-run suffix), so the tests run in parallel against one
//! server and again against a server that is still up.
//!
//! What these tests prove, against moto's CloudFormation, STS, S3 and Organizations APIs:
//! the whole deploy workflow through the real SDK client — credentials from the
//! environment, `AssumeRole` into other accounts (moto maps the assumed role's account),
//! change sets CREATE then UPDATE, "unchanged" when CloudFormation reports no changes (and
//! the change set deleted), the diff of an update, the approval gate without a terminal,
//! a failed execution reported with CloudFormation's reason while other environments
//! deploy, several environments in parallel, `outputs.json`, orphan listing and `--prune`,
//! `destroy` with and without `--yes`, `bootstrap` (staging bucket and roles synthesized
//! by cfsynth's constructs), templates over 51,200 bytes uploaded to the staging bucket
//! under a content hash and not uploaded twice, a service-managed StackSet deployed to an
//! organizational unit in two regions with per-instance results, `--dry-run` making no
//! call at all, and Ctrl-C leaving a deploy with exit code 130.
//!
//! What only a real account proves: moto creates resources synchronously and reports no
//! per-resource events, gives no outputs for stacks created through change sets, never
//! rolls back (a failing resource makes `ExecuteChangeSet` itself fail, so
//! `ROLLBACK_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE` and `--recreate-failed` are proven by
//! the unit tests' fake client), does not implement `UpdateTerminationProtection` (so
//! protected stacks are proven by the fake too), does not enforce IAM (trust policies,
//! the deploy role's permissions, `ExpectedBucketOwner`), stack policies or replacements,
//! and does not throttle (retries are proven by the fake).

#![cfg(feature = "deploy")]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;

const HINT: &str = "CFSYNTH_MOTO_ENDPOINT is not set: these tests need a moto server. Run the \
     whole suite with `scripts/test` (it starts one), or start `.venv/bin/moto_server -H \
     127.0.0.1 -p 5000` (after `scripts/setup-venv`) and run `CFSYNTH_MOTO_ENDPOINT=\
     http://127.0.0.1:5000 cargo test --test it deploy_moto`";

/// The moto endpoint; a test without one fails with the command to run.
fn endpoint() -> String {
    match std::env::var("CFSYNTH_MOTO_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => panic!("{HINT}"),
    }
}

/// A suffix unique to this run of the test binary, so names never collide with those of
/// an earlier run against the same server.
fn suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{:x}", (nanos / 1000) & 0xff_ffff)
}

struct Workspace {
    dir: PathBuf,
    endpoint: String,
    suffix: String,
    app: String,
}

impl Workspace {
    fn new(test: &str) -> Workspace {
        let endpoint = endpoint();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("deploy-moto")
            .join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("manifests")).expect("create the workspace");
        let suffix = suffix();
        Workspace {
            dir,
            endpoint,
            app: format!("e2e-{test}-{suffix}"),
            suffix,
        }
    }

    /// A stack name unique to this test and run.
    fn name(&self, base: &str) -> String {
        format!("{base}-{}", self.suffix)
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.dir.join("manifests").join(file), text).expect("write a manifest");
    }

    fn remove(&self, file: &str) {
        std::fs::remove_file(self.dir.join("manifests").join(file)).expect("remove a manifest");
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cfsynth"));
        command.args(args);
        if !args.contains(&"--endpoint-url") {
            command.args(["--endpoint-url", &self.endpoint]);
        }
        // Each test is its own cfsynth app, so tests never see each other's stacks as
        // orphans.
        if matches!(args.first(), Some(&"deploy" | &"destroy")) && !args.contains(&"--app") {
            command.args(["--app", &self.app]);
        }
        command
            .current_dir(&self.dir)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", self.dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL")
            .stdin(Stdio::null());
        command
    }

    fn cfsynth(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("run cfsynth");
        Run(output)
    }

    fn outputs(&self) -> Json {
        let text = std::fs::read_to_string(self.dir.join("cfsynth.out/outputs.json"))
            .expect("outputs.json");
        serde_json::from_str(&text).expect("outputs.json is JSON")
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}

struct Run(Output);

impl Run {
    fn code(&self) -> Option<i32> {
        self.0.status.code()
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    fn text(&self) -> String {
        format!(
            "{}{}",
            self.stdout(),
            String::from_utf8_lossy(&self.0.stderr)
        )
    }

    #[track_caller]
    fn succeeded(&self) -> &Run {
        assert_eq!(self.code(), Some(0), "cfsynth failed:\n{}", self.text());
        self
    }

    #[track_caller]
    fn failed(&self) -> &Run {
        assert_eq!(
            self.code(),
            Some(1),
            "cfsynth should have failed:\n{}",
            self.text()
        );
        self
    }

    #[track_caller]
    fn shows(&self, expected: &str) -> &Run {
        let text = self.text();
        assert!(text.contains(expected), "expected `{expected}` in:\n{text}");
        self
    }

    #[track_caller]
    fn hides(&self, unexpected: &str) -> &Run {
        let text = self.text();
        assert!(
            !text.contains(unexpected),
            "did not expect `{unexpected}` in:\n{text}"
        );
        self
    }
}

fn queue_stack(name: &str, account: &str, region: &str, visibility: u32) -> String {
    format!(
        "kind: Stack\nname: {name}\nenv: {{ account: \"{account}\", region: {region} }}\nresources:\n  - cfn:\n      name: work\n      type: AWS::SQS::Queue\n      properties:\n        VisibilityTimeout: {visibility}\n"
    )
}

#[test]
fn a_first_deploy_creates_the_stack_and_writes_outputs() {
    let ws = Workspace::new("first-deploy");
    let name = ws.name("first");
    ws.write(
        "q.yaml",
        &queue_stack(&name, "123456789012", "us-east-1", 30),
    );
    ws.cfsynth(&["deploy", "--yes"])
        .succeeded()
        .shows("Synthesized 1 stack into cfsynth.out")
        .shows("Plan: 1 stack in 1 environment")
        .shows(&format!(
            "{name} (123456789012/us-east-1) create (1 resource change):"
        ))
        .shows("+ add     Work (AWS::SQS::Queue)")
        .shows("CREATE_COMPLETE")
        .shows(&format!("created    {name}  123456789012/us-east-1"));
    let outputs = ws.outputs();
    assert!(
        outputs
            .get(format!("{name}-123456789012-us-east-1"))
            .is_some(),
        "{outputs}"
    );
}

#[test]
fn a_redeploy_without_changes_is_reported_unchanged() {
    let ws = Workspace::new("unchanged");
    let name = ws.name("same");
    ws.write(
        "q.yaml",
        &queue_stack(&name, "123456789012", "us-east-1", 30),
    );
    ws.cfsynth(&["deploy", "--yes"]).succeeded();
    ws.cfsynth(&["deploy", "--yes"])
        .succeeded()
        .shows(&format!(
            "{name} (123456789012/us-east-1): unchanged (no changes; change set deleted)"
        ))
        .shows(&format!("unchanged  {name}"))
        .hides("ExecuteChangeSet");
    // The synthesized assembly deploys the same way.
    ws.cfsynth(&["deploy", "--assembly", "cfsynth.out", "--yes"])
        .succeeded()
        .shows(&format!("unchanged  {name}"))
        .hides("Synthesized");
}

#[test]
fn a_change_is_shown_in_the_diff_and_applied() {
    let ws = Workspace::new("change");
    let name = ws.name("change");
    ws.write(
        "q.yaml",
        &queue_stack(&name, "123456789012", "us-east-1", 30),
    );
    ws.cfsynth(&["deploy", "--yes"]).succeeded();
    let changed = format!(
        "{}  - cfn:\n      name: alerts\n      type: AWS::SNS::Topic\n",
        queue_stack(&name, "123456789012", "us-east-1", 60)
    );
    ws.write("q.yaml", &changed);
    ws.cfsynth(&["deploy", "--yes"])
        .succeeded()
        .shows(&format!(
            "{name} (123456789012/us-east-1) update (2 resource changes):"
        ))
        .shows("+ add     Alerts (AWS::SNS::Topic)")
        .shows("~ modify  Work (AWS::SQS::Queue)")
        .shows("UPDATE_COMPLETE")
        .shows(&format!("updated    {name}"));
    // Applied: the same manifests now have nothing left to change.
    ws.cfsynth(&["deploy", "--yes"])
        .succeeded()
        .shows(&format!("unchanged  {name}"));
}

#[test]
fn broadening_iam_changes_need_approval_without_a_terminal() {
    let ws = Workspace::new("approval");
    let name = ws.name("approval");
    let role = format!(
        "{}  - cfn:\n      name: reader\n      type: AWS::IAM::Role\n      properties:\n        AssumeRolePolicyDocument:\n          Statement: [{{ Effect: Allow, Principal: {{ Service: lambda.amazonaws.com }}, Action: sts:AssumeRole }}]\n        Policies:\n          - PolicyName: read\n            PolicyDocument:\n              Statement: [{{ Effect: Allow, Action: sqs:ReceiveMessage, Resource: !GetAtt Work.Arn }}]\n",
        queue_stack(&name, "123456789012", "us-east-1", 30)
    );
    ws.write("q.yaml", &role);
    ws.cfsynth(&["deploy"])
        .failed()
        .shows("IAM permission changes:")
        .shows("+ Reader policy read: Allow sqs:ReceiveMessage on {\"Fn::GetAtt\":[\"Work\",\"Arn\"]} [broadening]")
        .shows(&format!(
            "stack `{name}`: IAM or security-group changes that widen permissions need approval (--require-approval broadening), and there is no terminal to ask on; the change set was deleted"
        ))
        .shows("FAILED     ");
    // Nothing was created: the next deploy is a CREATE again, approved this time.
    ws.cfsynth(&["deploy", "--yes"])
        .succeeded()
        .shows(&format!("{name} (123456789012/us-east-1) create"))
        .shows("approved by --yes");
    // Without IAM changes there is nothing to approve at the default level.
    ws.cfsynth(&["deploy"])
        .succeeded()
        .shows(&format!("unchanged  {name}"));
    ws.cfsynth(&["deploy", "--require-approval", "never"])
        .succeeded();
}

#[test]
fn a_failing_template_is_reported_with_its_reason_and_harms_nothing_else() {
    let ws = Workspace::new("failure");
    let good = ws.name("good");
    let bad = ws.name("bad");
    ws.write(
        "good.yaml",
        &queue_stack(&good, "111111111111", "eu-west-1", 30),
    );
    ws.write(
        "bad.yaml",
        &format!(
            "kind: Stack\nname: {bad}\nenv: {{ account: \"222222222222\", region: eu-west-1 }}\nresources:\n  - cfn:\n      name: work\n      type: AWS::SQS::Queue\n      properties:\n        QueueName: not a valid name!\n"
        ),
    );
    ws.cfsynth(&["deploy", "--yes"])
        .failed()
        .shows(&format!("✗ {bad}: ExecuteChangeSet failed"))
        .shows("Can only include alphanumeric characters, hyphens, or underscores")
        .shows(&format!("FAILED     {bad}  222222222222/eu-west-1"))
        .shows(&format!("created    {good}  111111111111/eu-west-1"));
    // The healthy stack is in place; the failed one is retried (and fails) again.
    ws.cfsynth(&["deploy", "--yes", "--only", &good])
        .succeeded()
        .shows(&format!("unchanged  {good}"));
}

#[test]
fn several_environments_deploy_in_parallel_through_assumed_roles() {
    let ws = Workspace::new("parallel");
    let places = [
        ("alpha", "111111111111", "us-east-1"),
        ("beta", "222222222222", "eu-west-1"),
        ("gamma", "123456789012", "eu-west-1"),
        ("delta", "111111111111", "ap-southeast-2"),
    ];
    for (base, account, region) in places {
        ws.write(
            &format!("{base}.yaml"),
            &queue_stack(&ws.name(base), account, region, 30),
        );
    }
    let run = ws.cfsynth(&["deploy", "--yes", "--concurrency", "4"]);
    run.succeeded()
        .shows("Plan: 4 stacks in 4 environments, at most 4 at a time")
        .shows("Deploying as arn:aws:sts::123456789012:user/moto");
    for (base, account, region) in places {
        run.shows(&format!("created    {}  {account}/{region}", ws.name(base)));
    }
    // Each stack is in its own account: selecting one environment finds it there.
    ws.cfsynth(&["deploy", "--yes", "--only", "222222222222/eu-west-1"])
        .succeeded()
        .shows("Plan: 1 stack in 1 environment")
        .shows(&format!(
            "unchanged  {}  222222222222/eu-west-1",
            ws.name("beta")
        ));
    let outputs = ws.outputs();
    assert_eq!(outputs.as_object().map(|o| o.len()), Some(4), "{outputs}");
}

#[test]
fn orphans_are_listed_and_pruned_only_when_asked() {
    let ws = Workspace::new("prune");
    let app = ws.name("prune-app");
    let keep = ws.name("keep");
    let gone = ws.name("gone");
    ws.write(
        "keep.yaml",
        &queue_stack(&keep, "123456789012", "us-west-1", 30),
    );
    ws.write(
        "gone.yaml",
        &queue_stack(&gone, "123456789012", "us-west-1", 30),
    );
    ws.cfsynth(&["deploy", "--yes", "--app", &app]).succeeded();
    ws.remove("gone.yaml");
    ws.cfsynth(&["deploy", "--yes", "--app", &app])
        .succeeded()
        .shows(&format!("Orphaned stacks (app `{app}`, no longer in the assembly); `cfsynth deploy --prune` deletes them:"))
        .shows(&format!("orphaned   {gone}  123456789012/us-west-1"));
    ws.cfsynth(&["deploy", "--prune", "--app", &app])
        .failed()
        .shows(&format!(
            "--prune would delete 1 stack:\n  - {gone}  123456789012/us-west-1"
        ))
        .shows("there is no terminal to ask on");
    ws.cfsynth(&["deploy", "--prune", "--yes", "--app", &app])
        .succeeded()
        .shows(&format!("{gone} (123456789012/us-west-1): deleted"))
        .shows(&format!("pruned     {gone}"));
    ws.cfsynth(&["deploy", "--yes", "--app", &app])
        .succeeded()
        .hides("Orphaned");
}

#[test]
fn destroy_lists_the_stacks_and_deletes_them_only_with_yes() {
    let ws = Workspace::new("destroy");
    let first = ws.name("first");
    let second = ws.name("second");
    ws.write(
        "a.yaml",
        &queue_stack(&first, "123456789012", "us-east-2", 30),
    );
    ws.write(
        "b.yaml",
        &queue_stack(&second, "111111111111", "us-east-2", 30),
    );
    ws.cfsynth(&["deploy", "--yes"]).succeeded();
    ws.cfsynth(&["destroy"])
        .failed()
        .shows("destroy would delete 2 stacks:")
        .shows("there is no terminal to ask on");
    ws.cfsynth(&["destroy", "--yes"])
        .succeeded()
        .shows(&format!("{first} (123456789012/us-east-2): deleted"))
        .shows(&format!("{second} (111111111111/us-east-2): deleted"));
    ws.cfsynth(&["destroy", "--yes"])
        .succeeded()
        .shows(&format!("{first} (123456789012/us-east-2): does not exist"))
        .shows("Nothing to delete.");
}

#[test]
fn bootstrap_makes_the_staging_bucket_that_large_templates_go_through() {
    let ws = Workspace::new("bootstrap");
    // Another account than the caller's, through a role that exists there.
    ws.cfsynth(&[
        "bootstrap",
        "--account",
        "333333333333",
        "--region",
        "us-west-2",
        "--trust",
        "123456789012",
        "--role-name",
        "OrganizationAccountAccessRole",
        "--yes",
    ])
    .succeeded()
    .shows("Bootstrapped 333333333333/us-west-2: staging bucket cfsynth-staging-333333333333-us-west-2");
    let name = ws.name("large");
    let mut manifest = format!(
        "kind: Stack\nname: {name}\nenv: {{ account: \"333333333333\", region: us-west-2 }}\nresources:\n"
    );
    // Unique to the run, so that the first deploy of every run uploads.
    let tag = format!("{}{}", ws.suffix, "x".repeat(600));
    for index in 0..120 {
        manifest.push_str(&format!(
            "  - cfn:\n      name: queue-{index}\n      type: AWS::SQS::Queue\n      properties:\n        Tags: [{{ Key: note, Value: {tag} }}]\n"
        ));
    }
    ws.write("large.yaml", &manifest);
    ws.cfsynth(&["deploy", "--yes", "--dry-run"])
        .succeeded()
        .shows("via s3://cfsynth-staging-333333333333-us-west-2");
    let first = ws.cfsynth(&["deploy", "--yes"]);
    first
        .succeeded()
        .shows("over the 51200-byte inline limit): uploaded")
        .shows("to s3://cfsynth-staging-333333333333-us-west-2/templates/")
        .shows(&format!("created    {name}"));
    let template = std::fs::read(ws.path(&format!(
        "cfsynth.out/{name}-333333333333-us-west-2.template.json"
    )))
    .expect("the template");
    assert!(template.len() > 51_200);
    // The same template is already staged: no second upload.
    ws.cfsynth(&["deploy", "--yes"])
        .succeeded()
        .shows("already in s3://cfsynth-staging-333333333333-us-west-2/templates/")
        .shows(&format!("unchanged  {name}"));
    // Bootstrapping again changes nothing.
    ws.cfsynth(&[
        "bootstrap",
        "--account",
        "333333333333",
        "--region",
        "us-west-2",
        "--trust",
        "123456789012",
        "--role-name",
        "OrganizationAccountAccessRole",
        "--yes",
    ])
    .succeeded()
    .shows("unchanged");
}

#[test]
fn a_large_template_without_a_staging_bucket_says_to_bootstrap() {
    let ws = Workspace::new("no-bucket");
    let name = ws.name("nobucket");
    let mut manifest = format!(
        "kind: Stack\nname: {name}\nenv: {{ account: \"444444444444\", region: ca-central-1 }}\nresources:\n"
    );
    for index in 0..120 {
        manifest.push_str(&format!(
            "  - cfn:\n      name: queue-{index}\n      type: AWS::SQS::Queue\n      properties:\n        Tags: [{{ Key: note, Value: {} }}]\n",
            "y".repeat(600)
        ));
    }
    ws.write("large.yaml", &manifest);
    ws.cfsynth(&["deploy", "--yes"])
        .failed()
        .shows("must be uploaded to the bucket `cfsynth-staging-444444444444-ca-central-1`, which does not exist in 444444444444/ca-central-1")
        .shows("run `cfsynth bootstrap --account 444444444444 --region ca-central-1");
}

/// Creates an organizational unit with two accounts in moto (through boto3 from the
/// test venv) and returns its id and the accounts.
fn organizational_unit(endpoint: &str, name: &str) -> (String, Vec<String>) {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let script = r#"
import sys, boto3
org = boto3.client("organizations", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
try:
    org.create_organization(FeatureSet="ALL")
except org.exceptions.AlreadyInOrganizationException:
    pass
root = org.list_roots()["Roots"][0]["Id"]
ou = org.create_organizational_unit(ParentId=root, Name=sys.argv[2])["OrganizationalUnit"]["Id"]
accounts = []
for index in range(2):
    status = org.create_account(Email=f"{sys.argv[2]}-{index}@example.com", AccountName=f"{sys.argv[2]}-{index}")
    account = status["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
    accounts.append(account)
print(ou, *accounts)
"#;
    let output = Command::new(&python)
        .args(["-c", script, endpoint, name])
        .output()
        .unwrap_or_else(|error| {
            panic!("run {}: {error} (run scripts/setup-venv)", python.display())
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "creating the organization failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut words = stdout.split_whitespace().map(str::to_owned);
    let ou = words.next().expect("an OU id");
    (ou, words.collect())
}

#[test]
fn a_stackset_deploys_to_an_organizational_unit_in_two_regions() {
    let ws = Workspace::new("stackset");
    let name = ws.name("guardrails");
    let (ou, accounts) = organizational_unit(&ws.endpoint, &name);
    ws.write(
        "set.yaml",
        &queue_stack(&name, "123456789012", "us-east-1", 30),
    );
    let run = ws.cfsynth(&[
        "deploy",
        "--stackset",
        &name,
        "--ous",
        &ou,
        "--regions",
        "us-east-1,eu-west-1",
        "--max-concurrent",
        "50%",
        "--failure-tolerance",
        "1",
        "--yes",
    ]);
    run.succeeded()
        .shows(&format!("StackSet {name} (service-managed, administered in 123456789012/us-east-1) → {ou} in us-east-1, eu-west-1"))
        .shows("a new StackSet");
    for account in &accounts {
        run.shows(&format!("{account}/us-east-1  SUCCEEDED"))
            .shows(&format!("{account}/eu-west-1  SUCCEEDED"));
    }
    // A changed template updates the StackSet and every instance.
    ws.write(
        "set.yaml",
        &queue_stack(&name, "123456789012", "us-east-1", 90),
    );
    ws.cfsynth(&[
        "deploy",
        "--stackset",
        &name,
        "--ous",
        &ou,
        "--regions",
        "us-east-1,eu-west-1",
        "--yes",
    ])
    .succeeded()
    .shows("the template changed: every instance is updated");
    ws.cfsynth(&[
        "deploy",
        "--stackset",
        &name,
        "--ous",
        &ou,
        "--regions",
        "us-east-1,eu-west-1",
        "--yes",
    ])
    .succeeded()
    .shows("template unchanged; adding instances for new targets only");
}

#[test]
fn dry_run_prints_the_plan_and_makes_no_call() {
    let ws = Workspace::new("dry-run");
    let name = ws.name("dry");
    ws.write(
        "q.yaml",
        &queue_stack(&name, "111111111111", "eu-west-1", 30),
    );
    // A closed port: any call would fail.
    let output = ws
        .command(&[
            "deploy",
            "--dry-run",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .output()
        .expect("run cfsynth");
    let run = Run(output);
    run.succeeded()
        .shows(&format!("    {name}  111111111111/eu-west-1  application"))
        .shows("Nothing was deployed (--dry-run).");
    ws.cfsynth(&["deploy", "--only", "nope", "--dry-run"])
        .shows("--only `nope` matches no stack");
}

#[test]
fn ctrl_c_stops_waiting_and_says_so() {
    let ws = Workspace::new("interrupt");
    ws.write(
        "q.yaml",
        &queue_stack(&ws.name("int"), "123456789012", "us-east-1", 30),
    );
    // An endpoint that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let mut child = ws
        .command(&[
            "deploy",
            "--yes",
            "--endpoint-url",
            &format!("http://127.0.0.1:{port}"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cfsynth");
    listener.set_nonblocking(true).expect("non-blocking");
    let deadline = Instant::now() + Duration::from_secs(20);
    let _connection = loop {
        match listener.accept() {
            Ok(connection) => break connection,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                if let Some(status) = child.try_wait().expect("wait") {
                    let output = child.wait_with_output().expect("output");
                    panic!(
                        "cfsynth ended ({status}) before calling AWS:\n{}",
                        Run(output).text()
                    );
                }
                assert!(
                    Instant::now() < deadline,
                    "cfsynth never called the endpoint"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => panic!("accept: {error}"),
        }
    };
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "cfsynth did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    let run = Run(output);
    assert_eq!(run.code(), Some(130), "{}", run.text());
    run.shows("Interrupted. cfsynth stopped waiting but cancelled nothing");
}

/// The `RoleARN` CloudFormation records for a stack in `account`, read through boto3 with
/// a role assumed there (moto keeps each account's stacks apart by the credentials).
fn stack_role_arn(endpoint: &str, account: &str, region: &str, stack: &str) -> Option<String> {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let script = r#"
import sys, boto3
endpoint, account, region, stack = sys.argv[1:5]
keys = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
sts = boto3.client("sts", endpoint_url=endpoint, region_name=region, **keys)
creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/reader", RoleSessionName="test")["Credentials"]
cfn = boto3.client("cloudformation", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                   aws_session_token=creds["SessionToken"])
print(cfn.describe_stacks(StackName=stack)["Stacks"][0].get("RoleARN", ""))
"#;
    let output = Command::new(&python)
        .args(["-c", script, endpoint, account, region, stack])
        .output()
        .unwrap_or_else(|error| {
            panic!("run {}: {error} (run scripts/setup-venv)", python.display())
        });
    assert!(
        output.status.success(),
        "describing {stack} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let role = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (!role.is_empty()).then_some(role)
}

#[test]
fn roles_named_in_the_accounts_manifest_are_assumed_and_passed_to_cloudformation() {
    let ws = Workspace::new("account-roles");
    let (custom, plain) = (ws.name("custom-roles"), ws.name("bootstrap-roles"));
    ws.write(
        "accounts.yaml",
        "kind: Accounts\nname: org\naccounts:\n  prod: { id: \"210987654321\", region: eu-central-1, deployRole: platform/release-deployer, executionRole: cloudformation-service }\n",
    );
    ws.write(
        "custom.yaml",
        &queue_stack(&custom, "210987654321", "eu-central-1", 30),
    );
    ws.write(
        "plain.yaml",
        &queue_stack(&plain, "222222222222", "eu-central-1", 30),
    );
    ws.cfsynth(&["deploy", "--dry-run"])
        .succeeded()
        .shows(&format!(
            "{custom}  210987654321/eu-central-1  application, through role arn:aws:iam::210987654321:role/platform/release-deployer, executed by arn:aws:iam::210987654321:role/cloudformation-service"
        ))
        .shows(&format!("{plain}  222222222222/eu-central-1  application\n"));
    ws.cfsynth(&["deploy", "--yes"])
        .succeeded()
        .shows(&format!("created    {custom}  210987654321/eu-central-1"))
        .shows(&format!("created    {plain}  222222222222/eu-central-1"));
    assert_eq!(
        stack_role_arn(&ws.endpoint, "210987654321", "eu-central-1", &custom).as_deref(),
        Some("arn:aws:iam::210987654321:role/cloudformation-service")
    );
    // The other account goes through the bootstrap stack's roles.
    assert_eq!(
        stack_role_arn(&ws.endpoint, "222222222222", "eu-central-1", &plain).as_deref(),
        Some("arn:aws:iam::222222222222:role/cfsynth-cfn-exec")
    );
}
