//! The Glue constructs: least-privilege invariants of the generated roles, the checks of
//! every property (each rejected combination with its message), local scripts as
//! content-hashed assets, and a snapshot of a Spark job + crawler stack (linted by
//! `tests/cfn_lint.rs`).

use cfsynth::app::{App, Environment, StackId, StackRole};
use cfsynth::constructs::glue::{
    Access, Bookmarks, CatalogAccess, Connection, ConnectionKind, ConnectionProps, Crawler,
    CrawlerProps, Database, DatabaseProps, DeleteBehavior, JdbcTarget, Job, JobProps, JobScript,
    JobType, Logical, NetworkProps, RecrawlBehavior, RunState, RunTarget, S3Location, S3Target,
    SecurityConfiguration, SecurityConfigurationProps, Trigger, TriggerAction, TriggerCondition,
    TriggerKind, TriggerProps, UpdateBehavior, WorkerType, Workers, Workflow, WorkflowProps,
};
use cfsynth::constructs::kms::{Key, KeyProps};
use cfsynth::constructs::s3::{Bucket, BucketEncryption, BucketProps, BucketRef};
use cfsynth::constructs::{ConstructError, Scope};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

const ACCOUNT: &str = "111111111111";

fn app_with_stack() -> (App, StackId) {
    let mut app = App::new();
    let env = Environment::new(ACCOUNT, "eu-west-1").expect("valid environment");
    let stack = app.add_stack("lake", env, StackRole::Application);
    (app, stack)
}

fn template(app: App) -> (String, Json) {
    let assembly = app
        .synth()
        .unwrap_or_else(|errors| panic!("synth failed:\n{errors}"));
    let body = assembly.stacks[0].body.clone();
    let template = serde_json::from_str(&body).expect("a JSON template");
    (body, template)
}

/// A KMS-encrypted bucket of the stack.
fn bucket(app: &mut App, root: &Scope, name: &str, key: &Key) -> Bucket {
    Bucket::new(
        app,
        &root.child(name),
        BucketProps {
            encryption: BucketEncryption::Kms(key.clone()),
            ..BucketProps::default()
        },
    )
}

fn spark(script: &str) -> JobProps {
    JobProps::new(JobType::Spark, JobScript::s3(script))
}

fn job_error(props: JobProps) -> String {
    let (mut app, stack) = app_with_stack();
    match Job::new(&mut app, &Scope::root(stack).child("etl"), props) {
        Ok(_) => panic!("the job was accepted"),
        Err(ConstructError::Invalid { construct, message }) => {
            assert_eq!(construct, "etl");
            message
        }
        Err(other) => panic!("unexpected error {other}"),
    }
}

/// A stack with every kind of Glue construct, and roles that use every kind of grant.
fn full_stack() -> App {
    let (mut app, stack) = app_with_stack();
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("lake"), KeyProps::default());
    let raw = bucket(&mut app, &root, "raw", &key);
    let curated = bucket(&mut app, &root, "curated", &key);
    let configuration = SecurityConfiguration::new(
        &mut app,
        &root.child("encryption"),
        SecurityConfigurationProps::new(key.clone()),
    )
    .expect("a valid security configuration");
    let database = Database::new(&mut app, &root.child("raw-db"), DatabaseProps::named("raw"))
        .expect("a valid database");
    let curated_db = Database::new(
        &mut app,
        &root.child("curated-db"),
        DatabaseProps::named("curated"),
    )
    .expect("a valid database");
    let warehouse = Connection::new(
        &mut app,
        &root.child("warehouse"),
        ConnectionProps {
            name: None,
            description: None,
            kind: ConnectionKind::Jdbc {
                url: "jdbc:postgresql://db.internal:5432/sales".into(),
                secret: "prod/warehouse".into(),
            },
            network: Some(NetworkProps {
                subnet_id: "subnet-0123456789abcdef0".into(),
                security_group_ids: vec!["sg-0123456789abcdef0".into()],
                availability_zone: Some("eu-west-1a".into()),
            }),
        },
    )
    .expect("a valid connection");

    let mut props = spark("s3://lake-scripts/jobs/conform.py");
    props.workers = Some(Workers::new(WorkerType::G2x, 4));
    props.arguments = IndexMap::from([("--enable-metrics".into(), "true".into())]);
    props.reads = vec![S3Location::new(raw.clone(), "orders/")];
    props.writes = vec![S3Location::new(curated.clone(), "orders/")];
    props.catalog = vec![
        CatalogAccess::new(&database, ["orders"], Access::Read),
        CatalogAccess::new(&curated_db, Vec::<String>::new(), Access::ReadWrite),
    ];
    props.connections = vec![warehouse.clone()];
    props.security_configuration = Some(configuration.clone());
    props.bookmarks = Some(Bookmarks::Enable);
    let job = Job::new(&mut app, &root.child("conform"), props).expect("a valid job");

    let mut shell = JobProps::new(
        JobType::PythonShell,
        JobScript::s3("s3://lake-scripts/a.py"),
    );
    shell.reads = vec![S3Location::new(BucketRef::new("partner-drop"), "")];
    Job::new(&mut app, &root.child("notify"), shell).expect("a valid Python shell job");

    let mut crawl = CrawlerProps::new(database.clone());
    crawl.s3_targets = vec![S3Target::new(S3Location::new(raw.clone(), "orders/"))];
    crawl.jdbc_targets = vec![JdbcTarget {
        connection: warehouse,
        path: "sales/public/%".into(),
        exclusions: Vec::new(),
    }];
    crawl.delete_behavior = DeleteBehavior::DeleteFromDatabase;
    crawl.security_configuration = Some(configuration);
    let crawler = Crawler::new(&mut app, &root.child("raw-orders"), crawl).expect("a crawler");

    let mut governed = CrawlerProps::new(database);
    governed.s3_targets = vec![S3Target::new(S3Location::new(raw, "events/"))];
    governed.lake_formation = true;
    Crawler::new(&mut app, &root.child("governed"), governed).expect("a governed crawler");

    let workflow = Workflow::new(&mut app, &root.child("nightly"), WorkflowProps::default())
        .expect("a workflow");
    let mut start = TriggerProps::new(
        TriggerKind::Scheduled("cron(0 2 * * ? *)".into()),
        vec![TriggerAction::start(RunTarget::Crawler(crawler.clone()))],
    );
    start.workflow = Some(workflow.clone());
    Trigger::new(&mut app, &root.child("start"), start).expect("a trigger");
    let mut then = TriggerProps::new(
        TriggerKind::Conditional {
            logical: Logical::And,
            conditions: vec![TriggerCondition {
                target: RunTarget::Crawler(crawler),
                state: RunState::Succeeded,
            }],
        },
        vec![TriggerAction::start(RunTarget::Job(job))],
    );
    then.workflow = Some(workflow);
    Trigger::new(&mut app, &root.child("then"), then).expect("a trigger");
    app
}

/// The statements of every policy attached to a Glue role (`…JobRole`, `…CrawlerRole`).
fn glue_role_statements(template: &Json) -> Vec<(String, Json)> {
    let mut found = Vec::new();
    for (id, resource) in template["Resources"].as_object().expect("Resources") {
        if resource["Type"] != "AWS::IAM::Policy" {
            continue;
        }
        let roles = resource["Properties"]["Roles"].to_string();
        if !(roles.contains("JobRole") || roles.contains("CrawlerRole")) {
            continue;
        }
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .expect("statements")
        {
            found.push((id.clone(), statement.clone()));
        }
    }
    found
}

fn list(value: &Json) -> Vec<Json> {
    match value {
        Json::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// The actions IAM has no resource-level permissions for, which may (only) be on `*`.
const STAR_RESOURCE_ACTIONS: &[&str] = &[
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeRouteTables",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "lakeformation:GetDataAccess",
    "cloudwatch:PutMetricData",
];

#[test]
fn generated_roles_have_no_wildcard_actions_and_only_documented_wildcard_resources() {
    let (_, template) = template(full_stack());
    let statements = glue_role_statements(&template);
    assert!(statements.len() > 20, "{statements:#?}");
    let mut star_actions = Vec::new();
    for (policy, statement) in &statements {
        assert_eq!(statement["Effect"], "Allow", "{policy}: {statement}");
        let actions = list(&statement["Action"]);
        for action in &actions {
            let action = action.as_str().expect("an action name");
            assert!(!action.contains('*'), "{policy}: wildcard action {action}");
        }
        for resource in list(&statement["Resource"]) {
            if resource == "*" {
                for action in &actions {
                    let action = action.as_str().unwrap_or_default();
                    assert!(
                        STAR_RESOURCE_ACTIONS.contains(&action),
                        "{policy}: `{action}` on `*` in {statement}"
                    );
                    star_actions.push(action.to_owned());
                }
                continue;
            }
            // Every ARN cfsynth builds names the partition by `${AWS::Partition}`.
            let text = resource.to_string();
            assert!(!text.contains("arn:aws:"), "{policy}: {text}");
            if let Some(arn) = resource.get("Fn::Sub").and_then(Json::as_str) {
                assert!(arn.starts_with("arn:${AWS::Partition}:"), "{policy}: {arn}");
            }
        }
    }
    // Each documented exception appears, so the test really looks at them.
    for action in [
        "ec2:DescribeSubnets",
        "lakeformation:GetDataAccess",
        "cloudwatch:PutMetricData",
    ] {
        assert!(star_actions.iter().any(|found| found == action), "{action}");
    }
    // The metrics exception is narrowed to Glue's namespace.
    let metrics = statements
        .iter()
        .find(|(_, statement)| statement["Action"] == "cloudwatch:PutMetricData")
        .expect("a metrics statement");
    assert_eq!(
        metrics.1["Condition"],
        json!({"StringEquals": {"cloudwatch:namespace": "Glue"}})
    );
}

#[test]
fn job_roles_hold_exactly_what_the_job_declares() {
    let (_, template) = template(full_stack());
    let policy = &template["Resources"]["ConformJobRoleDefaultPolicy"]["Properties"]["PolicyDocument"]
        ["Statement"];
    let statements = policy.as_array().expect("statements");
    let find = |action: &str| -> Vec<&Json> {
        statements
            .iter()
            .filter(|statement| list(&statement["Action"]).iter().any(|a| a == action))
            .collect()
    };
    // The script object, exactly.
    assert_eq!(
        find("s3:GetObject")[0]["Resource"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::lake-scripts/jobs/conform.py"})
    );
    // Reads: get and list under the prefix; writes: also put and delete, only there.
    let puts = find("s3:PutObject");
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0]["Resource"],
        json!({"Fn::Sub": ["${Arn}/orders*", {"Arn": {"Fn::GetAtt": ["CuratedBucket", "Arn"]}}]})
    );
    let lists = find("s3:ListBucket");
    assert_eq!(lists.len(), 2);
    for statement in lists {
        assert_eq!(
            statement["Condition"],
            json!({"StringLike": {"s3:prefix": ["orders*"]}})
        );
    }
    // Catalog: the named table of `raw` read-only; every table of `curated` read-write.
    let tables = find("glue:GetTable");
    let resources: Vec<String> = tables
        .iter()
        .flat_map(|statement| list(&statement["Resource"]))
        .map(|resource| resource["Fn::Sub"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        resources
            .iter()
            .any(|arn| arn.ends_with(":table/raw/orders"))
    );
    assert!(
        resources
            .iter()
            .any(|arn| arn.ends_with(":table/curated/*"))
    );
    let writes = find("glue:CreateTable");
    assert_eq!(writes.len(), 1);
    assert!(writes[0].to_string().contains("database/curated"));
    assert!(!writes[0].to_string().contains("database/raw"));
    // Logs of Spark jobs, the connection's secret and its subnet.
    assert!(
        find("logs:PutLogEvents")[0]
            .to_string()
            .contains("/aws-glue/jobs/*:log-stream:*")
    );
    assert!(
        find("secretsmanager:GetSecretValue")[0]
            .to_string()
            .contains(":secret:prod/warehouse-??????")
    );
    assert!(
        find("ec2:CreateNetworkInterface")[0]
            .to_string()
            .contains("subnet/subnet-0123456789abcdef0")
    );
    // The security configuration: its key, and associating it with the log groups.
    assert!(!find("kms:GenerateDataKey").is_empty());
    assert!(!find("logs:AssociateKmsKey").is_empty());
    // The job waits for its permissions.
    assert_eq!(
        template["Resources"]["ConformJob"]["DependsOn"],
        "ConformJobRoleDefaultPolicy"
    );
    // Python shell jobs write to their own log groups.
    let shell = template["Resources"]["NotifyJobRoleDefaultPolicy"].to_string();
    assert!(shell.contains("/aws-glue/python-jobs/*"));
    assert!(!shell.contains("/aws-glue/jobs/"));
    assert_eq!(
        template["Resources"]["NotifyJob"]["Properties"]["MaxCapacity"],
        0.0625
    );
}

#[test]
fn crawler_roles_read_exactly_their_targets() {
    let (_, template) = template(full_stack());
    let policy = template["Resources"]["RawOrdersCrawlerRoleDefaultPolicy"].to_string();
    assert!(policy.contains("${Arn}/orders*"));
    assert!(policy.contains("glue:GetConnection"));
    assert!(
        policy.contains("glue:DeleteTable"),
        "delete-from-database behavior"
    );
    assert!(policy.contains("/aws-glue/crawlers:log-stream:lake-raw-orders"));
    assert!(!policy.contains("s3:PutObject"));
    // Lake Formation mode: credentials from Lake Formation, no S3 permissions of its own.
    let governed = template["Resources"]["GovernedCrawlerRoleDefaultPolicy"].to_string();
    assert!(governed.contains("lakeformation:GetDataAccess"));
    assert!(!governed.contains("s3:"), "{governed}");
    assert_eq!(
        template["Resources"]["GovernedCrawler"]["Properties"]["LakeFormationConfiguration"],
        json!({"UseLakeFormationCredentials": true})
    );
}

#[test]
fn stateful_and_referenced_resources() {
    let (_, template) = template(full_stack());
    let database = &template["Resources"]["RawDbDatabase"];
    assert_eq!(database["DeletionPolicy"], "Retain");
    assert_eq!(database["UpdateReplacePolicy"], "Retain");
    assert_eq!(
        database["Properties"]["CatalogId"],
        json!({"Ref": "AWS::AccountId"})
    );
    // Triggers name their jobs, crawlers and workflow by `Ref`: created after them.
    let then = &template["Resources"]["ThenTrigger"]["Properties"];
    assert_eq!(then["Type"], "CONDITIONAL");
    assert_eq!(then["StartOnCreation"], true);
    assert_eq!(then["WorkflowName"], json!({"Ref": "NightlyWorkflow"}));
    assert_eq!(
        then["Predicate"],
        json!({"Conditions": [{"CrawlerName": {"Ref": "RawOrdersCrawler"}, "CrawlState": "SUCCEEDED", "LogicalOperator": "EQUALS"}], "Logical": "AND"})
    );
    assert_eq!(then["Actions"], json!([{"JobName": {"Ref": "ConformJob"}}]));
    // The key lets CloudWatch Logs encrypt the Glue log groups of this account only.
    let key_policy = template["Resources"]["LakeKey"]["Properties"]["KeyPolicy"].to_string();
    assert!(key_policy.contains("logs.eu-west-1.amazonaws.com"));
    assert!(key_policy.contains("log-group:/aws-glue/*"));
}

#[test]
fn spark_job_and_crawler_stack_snapshot() {
    let (mut app, stack) = app_with_stack();
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("lake"), KeyProps::default());
    let raw = bucket(&mut app, &root, "raw", &key);
    let conformed = bucket(&mut app, &root, "conformed", &key);
    let raw_db = Database::new(
        &mut app,
        &root.child("raw"),
        DatabaseProps {
            description: Some("Order events as they land".into()),
            ..DatabaseProps::named("raw")
        },
    )
    .expect("a database");
    let conformed_db = Database::new(
        &mut app,
        &root.child("conformed"),
        DatabaseProps {
            location: Some(S3Location::new(conformed.clone(), "orders/")),
            ..DatabaseProps::named("conformed")
        },
    )
    .expect("a database");
    let mut crawl = CrawlerProps::new(raw_db);
    crawl.s3_targets = vec![S3Target {
        location: S3Location::new(raw.clone(), "orders/"),
        exclusions: vec!["**/_temporary/**".into()],
        connection: None,
    }];
    crawl.schedule = Some("cron(0 1 * * ? *)".into());
    crawl.recrawl = RecrawlBehavior::NewFoldersOnly;
    crawl.update_behavior = UpdateBehavior::Log;
    crawl.delete_behavior = DeleteBehavior::Log;
    Crawler::new(&mut app, &root.child("raw-orders"), crawl).expect("a crawler");
    let mut props = spark("s3://lake-scripts/jobs/conform_orders.py");
    props.description = Some("Conforms the raw order events".into());
    props.glue_version = Some("4.0".into());
    props.workers = Some(Workers::new(WorkerType::G1x, 2));
    props.flex = true;
    props.arguments = IndexMap::from([
        ("--source_path".into(), "s3://lake-raw/orders/".into()),
        ("--datalake-formats".into(), "iceberg".into()),
    ]);
    props.reads = vec![S3Location::new(raw, "orders/")];
    props.writes = vec![S3Location::new(conformed, "orders/")];
    props.catalog = vec![CatalogAccess::new(
        &conformed_db,
        ["orders"],
        Access::ReadWrite,
    )];
    props.bookmarks = Some(Bookmarks::Enable);
    props.max_concurrent_runs = Some(1);
    props.timeout_minutes = Some(60);
    props.max_retries = Some(1);
    Job::new(&mut app, &root.child("conform-orders"), props).expect("a job");
    let (body, _) = template(app);
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("construct-glue-spark-job-and-crawler", body);
    });
}

#[test]
fn workers_and_capacity_are_exclusive() {
    let mut both = spark("s3://b/a.py");
    both.workers = Some(Workers::new(WorkerType::G1x, 2));
    both.max_capacity = Some(10.0);
    assert_eq!(
        job_error(both),
        "a job takes workers (a worker type and count) or a capacity, not both"
    );
    let mut capacity = spark("s3://b/a.py");
    capacity.max_capacity = Some(10.0);
    assert_eq!(
        job_error(capacity),
        "Spark ETL jobs on Glue 2.0 and later take workers (a worker type and count), not a capacity"
    );
    let mut shell_workers = JobProps::new(JobType::PythonShell, JobScript::s3("s3://b/a.py"));
    shell_workers.workers = Some(Workers::new(WorkerType::G1x, 2));
    assert_eq!(
        job_error(shell_workers),
        "Python shell jobs run on one machine: give a capacity of 0.0625 or 1 DPU, not workers"
    );
    let mut shell_capacity = JobProps::new(JobType::PythonShell, JobScript::s3("s3://b/a.py"));
    shell_capacity.max_capacity = Some(0.5);
    assert_eq!(
        job_error(shell_capacity),
        "a Python shell job has a capacity of 0.0625 or 1 DPU, not 0.5"
    );
    // Either one alone is fine, and so are the defaults.
    let (mut app, stack) = app_with_stack();
    let root = Scope::root(stack);
    let mut shell = JobProps::new(JobType::PythonShell, JobScript::s3("s3://b/a.py"));
    shell.max_capacity = Some(1.0);
    Job::new(&mut app, &root.child("shell"), shell).expect("a capacity of 1 DPU");
    Job::new(&mut app, &root.child("spark"), spark("s3://b/a.py")).expect("default workers");
    let mut streaming = JobProps::new(JobType::Streaming, JobScript::s3("s3://b/a.py"));
    streaming.glue_version = Some("4.0".into());
    Job::new(&mut app, &root.child("stream"), streaming).expect("default streaming workers");
    let (_, template) = template(app);
    let resources = &template["Resources"];
    assert_eq!(resources["SparkJob"]["Properties"]["WorkerType"], "G.1X");
    assert_eq!(resources["SparkJob"]["Properties"]["NumberOfWorkers"], 2);
    assert!(
        resources["SparkJob"]["Properties"]
            .get("MaxCapacity")
            .is_none()
    );
    assert_eq!(resources["StreamJob"]["Properties"]["WorkerType"], "G.025X");
    assert_eq!(
        resources["StreamJob"]["Properties"]["Command"]["Name"],
        "gluestreaming"
    );
    assert_eq!(resources["ShellJob"]["Properties"]["MaxCapacity"], 1.0);
    assert!(
        resources["ShellJob"]["Properties"]
            .get("WorkerType")
            .is_none()
    );
    assert_eq!(
        resources["ShellJob"]["Properties"]["Command"]["PythonVersion"],
        "3.9"
    );
}

#[test]
fn worker_types_glue_versions_and_counts_are_checked() {
    let with = |worker_type, count, version: &str| {
        let mut props = spark("s3://b/a.py");
        props.workers = Some(Workers::new(worker_type, count));
        props.glue_version = Some(version.into());
        job_error(props)
    };
    assert_eq!(
        with(WorkerType::G12x, 2, "3.0"),
        "Spark ETL jobs on Glue 3.0 cannot use `G.12X` workers; use G.1X, G.2X, G.4X, G.8X"
    );
    assert!(with(WorkerType::G025x, 2, "5.0").contains("cannot use `G.025X` workers"));
    assert!(with(WorkerType::Z2x, 2, "5.0").contains("cannot use `Z.2X` workers"));
    assert!(with(WorkerType::Standard, 2, "5.0").contains("cannot use `Standard` workers"));
    assert_eq!(
        with(WorkerType::G1x, 1, "5.0"),
        "a Spark ETL job needs at least 2 workers (a driver and an executor), not 1"
    );
    assert_eq!(
        with(WorkerType::G1x, 2, "2.0"),
        "Spark ETL jobs run on Glue 3.0, 4.0, 5.0, not `2.0`"
    );
    let mut streaming = JobProps::new(JobType::Streaming, JobScript::s3("s3://b/a.py"));
    streaming.workers = Some(Workers::new(WorkerType::G4x, 2));
    assert!(job_error(streaming).contains("Spark streaming jobs on Glue 5.0 cannot use `G.4X`"));
    let mut flex = spark("s3://b/a.py");
    flex.workers = Some(Workers::new(WorkerType::G8x, 2));
    flex.flex = true;
    assert!(job_error(flex).contains("flexible execution class"));
}

#[test]
fn argument_names_are_checked() {
    let with = |key: &str| {
        let mut props = spark("s3://b/a.py");
        props.arguments = IndexMap::from([(key.to_owned(), "x".to_owned())]);
        job_error(props)
    };
    assert_eq!(
        with("source_path"),
        "the argument `source_path` does not start with `--`; Glue passes arguments as `--name value`: write `--source_path`"
    );
    assert_eq!(
        with("--JOB_NAME"),
        "`--JOB_NAME` is internal to AWS Glue, which sets it itself; the Glue job parameters reference says never to set it"
    );
    for key in ["--debug", "--mode", "--endpoint"] {
        assert!(with(key).contains("internal to AWS Glue"), "{key}");
    }
    assert!(with("--scriptLocation").contains("set the script instead"));
    assert!(with("--job-bookmark-option").contains("bookmarks setting"));
    // `--conf` only earns a warning (in manifests): the construct accepts it.
    let (mut app, stack) = app_with_stack();
    let mut conf = spark("s3://b/a.py");
    conf.arguments = IndexMap::from([("--conf".into(), "spark.sql.shuffle.partitions=8".into())]);
    Job::new(&mut app, &Scope::root(stack).child("conf"), conf).expect("--conf is allowed");
}

#[test]
fn other_job_properties_are_checked() {
    let mut bookmarks = JobProps::new(JobType::PythonShell, JobScript::s3("s3://b/a.py"));
    bookmarks.bookmarks = Some(Bookmarks::Enable);
    assert_eq!(
        job_error(bookmarks),
        "job bookmarks are for Spark ETL jobs; Python shell jobs have none"
    );
    assert_eq!(
        job_error(spark("s3://b/a.sh")),
        "the script of a Spark ETL job is a `.py` or `.scala` file, not a `.sh` file"
    );
    assert!(job_error(spark("s3://b/Main.scala")).contains("`--class`"));
    assert_eq!(
        job_error(spark("s3://b.py")),
        "`s3://b.py` is not an S3 object URI; write `s3://<bucket>/<key>`"
    );
    let mut timeout = spark("s3://b/a.py");
    timeout.timeout_minutes = Some(20_000);
    assert!(job_error(timeout).contains("Glue allows 1 to 10080 minutes"));
    let mut prefix = spark("s3://b/a.py");
    prefix.reads = vec![S3Location::new(BucketRef::new("b"), "orders/*")];
    assert!(job_error(prefix).contains("contains a wildcard"));
}

#[test]
fn local_scripts_become_content_hashed_assets() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("glue-assets");
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let script = dir.join("etl.py");
    std::fs::write(&script, "print('hello')\n").expect("a script");
    let (mut app, stack) = app_with_stack();
    let root = Scope::root(stack);
    Job::new(
        &mut app,
        &root.child("one"),
        JobProps::new(JobType::Spark, JobScript::file(&script)),
    )
    .expect("a job");
    let mut staged = JobProps::new(
        JobType::PythonShell,
        JobScript::File {
            path: script.clone(),
            bucket: Some("team-assets".into()),
        },
    );
    staged.description = Some("the same script in another bucket".into());
    Job::new(&mut app, &root.child("two"), staged).expect("a job");
    Job::new(
        &mut app,
        &root.child("three"),
        JobProps::new(JobType::Spark, JobScript::file(&script)),
    )
    .expect("a job");
    let assembly = app.synth().expect("synth");
    // sha256 of "print('hello')\n"
    let hash = "03e693d9f2f687e0f40e36a8df7fcb4d1c22974012b7c2a55c000eb30f305824";
    let keys: Vec<(&str, &str)> = assembly
        .assets
        .iter()
        .map(|asset| (asset.bucket.as_str(), asset.key.as_str()))
        .collect();
    assert_eq!(keys.len(), 2, "one asset per bucket: {keys:?}");
    assert_eq!(keys[0].0, "cfsynth-assets-111111111111-eu-west-1");
    assert_eq!(keys[1].0, "team-assets");
    let key = format!("assets/{hash}.py");
    assert_eq!(keys[0].1, key);
    assert_eq!(keys[1].1, key);
    // The environment's asset bucket is a bootstrap stack the job's stack deploys after.
    let names: Vec<&str> = assembly
        .stacks
        .iter()
        .map(|stack| stack.name.as_str())
        .collect();
    assert_eq!(names, ["cfsynth-assets", "lake"]);
    assert_eq!(
        assembly.stacks[1].dependencies,
        ["cfsynth-assets-111111111111-eu-west-1"]
    );
    assert!(
        assembly.stacks[0]
            .body
            .contains("\"cfsynth-assets-111111111111-eu-west-1\"")
    );
    let template: Json = serde_json::from_str(&assembly.stacks[1].body).expect("JSON");
    let resources = &template["Resources"];
    assert_eq!(
        resources["OneJob"]["Properties"]["Command"]["ScriptLocation"],
        format!("s3://cfsynth-assets-111111111111-eu-west-1/{key}")
    );
    assert_eq!(
        resources["TwoJob"]["Properties"]["Command"]["ScriptLocation"],
        format!("s3://team-assets/{key}")
    );
    assert_eq!(
        resources["OneJob"]["Properties"]["DefaultArguments"]["--job-language"],
        "python"
    );
    let policy = resources["OneJobRoleDefaultPolicy"].to_string();
    assert!(policy.contains(&format!(
        "arn:${{AWS::Partition}}:s3:::cfsynth-assets-111111111111-eu-west-1/{key}"
    )));
    assert_eq!(assembly.assets[0].source, script.display().to_string());
    // A missing file is an error naming it.
    let (mut app, stack) = app_with_stack();
    let missing = Job::new(
        &mut app,
        &Scope::root(stack).child("gone"),
        JobProps::new(JobType::Spark, JobScript::file(dir.join("gone.py"))),
    )
    .expect_err("a missing script");
    assert!(
        missing.to_string().contains("cannot read the script"),
        "{missing}"
    );
}

#[test]
fn triggers_schedules_and_conditions_are_checked() {
    let (mut app, stack) = app_with_stack();
    let root = Scope::root(stack);
    let job = Job::new(&mut app, &root.child("etl"), spark("s3://b/a.py")).expect("a job");
    let database =
        Database::new(&mut app, &root.child("db"), DatabaseProps::named("db")).expect("a db");
    let mut crawl = CrawlerProps::new(database);
    crawl.s3_targets = vec![S3Target::new(S3Location::new(BucketRef::new("b"), ""))];
    let crawler = Crawler::new(&mut app, &root.child("crawl"), crawl).expect("a crawler");
    let mut trigger_error = |props: TriggerProps| -> String {
        Trigger::new(&mut app, &root.child("t"), props)
            .expect_err("an invalid trigger")
            .to_string()
    };
    let start = || vec![TriggerAction::start(RunTarget::Job(job.clone()))];
    let bad_cron = trigger_error(TriggerProps::new(
        TriggerKind::Scheduled("cron(0 2 * * *)".into()),
        start(),
    ));
    assert!(bad_cron.contains("has 5 fields, not 6"), "{bad_cron}");
    let crawler_stopped = trigger_error(TriggerProps::new(
        TriggerKind::Conditional {
            logical: Logical::Any,
            conditions: vec![TriggerCondition {
                target: RunTarget::Crawler(crawler.clone()),
                state: RunState::Stopped,
            }],
        },
        start(),
    ));
    assert_eq!(
        crawler_stopped,
        "t: the crawler `lake-crawl` cannot be `stopped`; a condition on it waits for succeeded, failed, cancelled"
    );
    let no_actions = trigger_error(TriggerProps::new(TriggerKind::OnDemand, Vec::new()));
    assert!(no_actions.contains("at least one job or crawler"));
    let mut crawler_arguments = TriggerAction::start(RunTarget::Crawler(crawler));
    crawler_arguments.arguments = IndexMap::from([("--day".into(), "1".into())]);
    let crawler_arguments = trigger_error(TriggerProps::new(
        TriggerKind::OnDemand,
        vec![crawler_arguments],
    ));
    assert!(crawler_arguments.contains("takes no arguments"));
    let mut run_arguments = TriggerAction::start(RunTarget::Job(job));
    run_arguments.arguments = IndexMap::from([("--mode".into(), "x".into())]);
    let run_arguments = trigger_error(TriggerProps::new(
        TriggerKind::OnDemand,
        vec![run_arguments],
    ));
    assert!(run_arguments.contains("internal to AWS Glue"));
}

#[test]
fn crawler_rules_are_checked() {
    let (mut app, stack) = app_with_stack();
    let root = Scope::root(stack);
    let database =
        Database::new(&mut app, &root.child("db"), DatabaseProps::named("db")).expect("a db");
    let warehouse = Connection::new(
        &mut app,
        &root.child("warehouse"),
        ConnectionProps {
            name: None,
            description: None,
            kind: ConnectionKind::Jdbc {
                url: "jdbc:mysql://db:3306/sales".into(),
                secret: "warehouse".into(),
            },
            network: None,
        },
    )
    .expect("a connection");
    let mut crawler_error = |props: CrawlerProps| -> String {
        Crawler::new(&mut app, &root.child("c"), props)
            .expect_err("an invalid crawler")
            .to_string()
    };
    let target = || vec![S3Target::new(S3Location::new(BucketRef::new("b"), "x/"))];
    assert!(
        crawler_error(CrawlerProps::new(database.clone()))
            .contains("at least one S3 or JDBC target")
    );
    let mut new_folders = CrawlerProps::new(database.clone());
    new_folders.s3_targets = target();
    new_folders.recrawl = RecrawlBehavior::NewFoldersOnly;
    assert!(crawler_error(new_folders).contains("must log updates and deletes"));
    let mut governed = CrawlerProps::new(database.clone());
    governed.jdbc_targets = vec![JdbcTarget {
        connection: warehouse,
        path: "sales/%".into(),
        exclusions: Vec::new(),
    }];
    governed.lake_formation = true;
    assert!(crawler_error(governed).contains("Lake Formation credentials are for S3 targets"));
    let mut scheduled = CrawlerProps::new(database);
    scheduled.s3_targets = target();
    scheduled.schedule = Some("cron(0 2 ? * ? *)".into());
    assert!(crawler_error(scheduled).contains("`?` in both"));
}

#[test]
fn databases_connections_and_configurations_are_checked() {
    let (mut app, stack) = app_with_stack();
    let root = Scope::root(stack);
    let database = Database::new(
        &mut app,
        &root.child("db"),
        DatabaseProps::named("Raw-Zone"),
    )
    .expect_err("an invalid name")
    .to_string();
    assert!(
        database.contains("`Raw-Zone` is not a valid database name"),
        "{database}"
    );
    let connection = |kind, network| ConnectionProps {
        name: None,
        description: None,
        kind,
        network,
    };
    let mut connection_error = |props: ConnectionProps| -> String {
        Connection::new(&mut app, &root.child("c"), props)
            .expect_err("an invalid connection")
            .to_string()
    };
    assert!(
        connection_error(connection(
            ConnectionKind::Jdbc {
                url: "postgresql://db/sales".into(),
                secret: "s".into()
            },
            None
        ))
        .contains("is not a JDBC URL")
    );
    assert!(connection_error(connection(ConnectionKind::Network, None)).contains("needs a subnet"));
    assert!(
        connection_error(connection(
            ConnectionKind::Network,
            Some(NetworkProps {
                subnet_id: "subnet-1".into(),
                security_group_ids: vec!["default".into()],
                availability_zone: None,
            })
        ))
        .contains("`default` is not a security group ID")
    );
    let key = Key::new(&mut app, &root.child("k"), KeyProps::default());
    let nothing = SecurityConfiguration::new(
        &mut app,
        &root.child("sc"),
        SecurityConfigurationProps {
            s3: false,
            cloud_watch: false,
            bookmarks: false,
            ..SecurityConfigurationProps::new(key)
        },
    )
    .expect_err("encrypts nothing")
    .to_string();
    assert!(nothing.contains("encrypts nothing"));
}
