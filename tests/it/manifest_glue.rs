//! The `glue/*` resource entries of `kind: Stack`: what they synthesize, the references
//! between them, and each invalid combination rejected with an error at the value at
//! fault (its message asserted).

use cfsynth::diagnostics::{Diagnostic, Severity, render_text};
use cfsynth::manifest::{Manifests, Registry};
use serde_json::{Value as Json, json};

/// A stack `lake` in account 111111111111; its entries start on line 5.
const HEADER: &str = "\
kind: Stack
name: lake
env: { account: \"111111111111\", region: eu-west-1 }
resources:
";

/// Entries most tests refer to (lines 5 to 9).
const BASE: &str = "  - kms/key: { name: lake }
  - s3/bucket: { name: raw, key: lake }
  - s3/bucket: { name: conformed, key: lake }
  - glue/database: { name: raw }
  - glue/database: { name: conformed }
";

fn manifests(resources: &str) -> Manifests {
    let mut manifests = Manifests::new();
    manifests.add("lake.yaml", format!("{HEADER}{BASE}{resources}"));
    manifests
}

fn template(resources: &str) -> Json {
    let manifests = manifests(resources);
    match Registry::builtin().synth(&manifests) {
        Ok(assembly) => serde_json::from_str(&assembly.stacks[0].body).expect("JSON"),
        Err(diagnostics) => panic!("{}", render_text(&diagnostics, manifests.sources(), false)),
    }
}

fn diagnostics(resources: &str) -> Vec<Diagnostic> {
    let manifests = manifests(resources);
    let build = Registry::builtin().build(&manifests);
    let mut found: Vec<Diagnostic> = build.diagnostics.iter().cloned().collect();
    if found
        .iter()
        .all(|diagnostic| diagnostic.severity != Severity::Error)
        && let Err(errors) = build.synth()
    {
        found = errors.into_iter().collect();
    }
    found
}

/// The only diagnostic, with its line and column.
fn only(resources: &str) -> (u32, u32, Diagnostic) {
    let mut found = diagnostics(resources);
    assert_eq!(found.len(), 1, "{found:#?}");
    let diagnostic = found.remove(0);
    let span = diagnostic.span.clone().expect("a located diagnostic");
    (span.line, span.column, diagnostic)
}

#[test]
fn a_spark_job_crawler_and_triggers_synthesize() {
    let template = template(
        "  - glue/crawler:
      name: raw-orders
      database: raw
      s3: [{ bucket: raw, prefix: orders/ }]
  - glue/job:
      name: conform
      script: s3://lake-scripts/conform.py
      workers: { type: G.2X, count: 4 }
      bookmarks: enable
      arguments: { --target_table: orders }
      reads: [{ bucket: raw, prefix: orders/ }]
      writes: [{ bucket: conformed, prefix: orders/ }]
      catalog: [{ database: conformed, tables: [orders], access: read-write }]
  - glue/workflow: { name: nightly }
  - glue/trigger:
      name: start
      workflow: nightly
      schedule: cron(0 2 * * ? *)
      start: [{ crawler: raw-orders }]
  - glue/trigger:
      name: then
      workflow: nightly
      when: { all: [{ crawler: raw-orders }] }
      start: [{ job: conform, arguments: { --day: today }, timeout: 30 }]
",
    );
    let resources = &template["Resources"];
    let job = &resources["ConformJob"]["Properties"];
    assert_eq!(job["Name"], "lake-conform");
    assert_eq!(job["WorkerType"], "G.2X");
    assert_eq!(job["NumberOfWorkers"], 4);
    assert_eq!(
        job["DefaultArguments"],
        json!({"--job-language": "python", "--job-bookmark-option": "job-bookmark-enable", "--target_table": "orders"})
    );
    assert_eq!(
        resources["RawOrdersCrawler"]["Properties"]["Name"],
        "lake-raw-orders"
    );
    let then = &resources["ThenTrigger"]["Properties"];
    assert_eq!(
        then["Actions"],
        json!([{"Arguments": {"--day": "today"}, "JobName": {"Ref": "ConformJob"}, "Timeout": 30}])
    );
    assert_eq!(
        then["Predicate"]["Conditions"][0]["CrawlState"],
        "SUCCEEDED"
    );
    assert_eq!(resources["StartTrigger"]["Properties"]["Type"], "SCHEDULED");
    // The conformed bucket's key: read-write data means encrypt and decrypt.
    let policy = resources["ConformJobRoleDefaultPolicy"].to_string();
    assert!(policy.contains("kms:GenerateDataKey"));
    assert!(policy.contains("table/conformed/orders"));
}

#[test]
fn entries_are_built_after_the_entries_they_name() {
    // The trigger comes first, the connection and configuration after their users.
    let template = template(
        "  - glue/trigger: { name: go, start: [{ job: load }] }
  - glue/job:
      name: load
      type: python-shell
      capacity: 1
      script: s3://lake-scripts/load.py
      connections: [warehouse]
      securityConfiguration: lake-encryption
  - glue/connection:
      name: warehouse
      jdbc: { url: \"jdbc:postgresql://db.internal:5432/sales\", secret: prod/warehouse }
      network: { subnet: subnet-0123456789abcdef0, securityGroups: [sg-0123456789abcdef0] }
  - glue/security-configuration: { name: lake-encryption, key: lake, s3: false }
",
    );
    let resources = &template["Resources"];
    assert_eq!(resources["GoTrigger"]["Properties"]["Type"], "ON_DEMAND");
    let job = &resources["LoadJob"]["Properties"];
    assert_eq!(job["MaxCapacity"], 1.0);
    assert_eq!(
        job["Connections"],
        json!({"Connections": [{"Ref": "WarehouseConnection"}]})
    );
    assert_eq!(
        job["SecurityConfiguration"],
        json!({"Ref": "LakeEncryptionSecurityConfiguration"})
    );
    assert_eq!(
        resources["WarehouseConnection"]["Properties"]["ConnectionInput"]["ConnectionProperties"],
        json!({"JDBC_CONNECTION_URL": "jdbc:postgresql://db.internal:5432/sales", "SECRET_ID": "prod/warehouse", "JDBC_ENFORCE_SSL": "true"})
    );
    assert_eq!(
        resources["LakeEncryptionSecurityConfiguration"]["Properties"]["EncryptionConfiguration"]["S3Encryptions"],
        json!([{"S3EncryptionMode": "DISABLED"}])
    );
}

#[test]
fn workers_and_capacity_together_are_rejected_at_the_capacity() {
    let (line, column, error) = only(
        "  - glue/job:
      name: etl
      script: s3://b/etl.py
      workers: { type: G.1X, count: 2 }
      capacity: 10
",
    );
    assert_eq!((line, column), (14, 17));
    assert_eq!(
        error.message,
        "a job takes workers (a worker type and count) or a capacity, not both"
    );
    assert_eq!(
        error.help.as_deref(),
        Some("remove `capacity`: Spark jobs on Glue 2.0 and later have workers")
    );
    assert_eq!(error.notes, ["the workers are given at lake.yaml:13:16"]);
}

#[test]
fn a_capacity_or_workers_of_the_wrong_job_type_is_rejected() {
    let (line, column, error) = only(
        "  - glue/job: { name: etl, script: s3://b/etl.py, capacity: 2 }
",
    );
    assert_eq!((line, column), (10, 61));
    assert_eq!(
        error.message,
        "Spark ETL jobs on Glue 2.0 and later take workers (a worker type and count), not a capacity"
    );
    let (line, column, error) = only(
        "  - glue/job:
      name: etl
      type: python-shell
      script: s3://b/etl.py
      workers: { type: G.1X, count: 2 }
",
    );
    assert_eq!((line, column), (14, 16));
    assert_eq!(
        error.message,
        "Python shell jobs run on one machine: give a capacity of 0.0625 or 1 DPU, not workers"
    );
    let (_, _, error) = only(
        "  - glue/job: { name: etl, type: python-shell, script: s3://b/etl.py, capacity: 0.5 }
",
    );
    assert_eq!(
        error.message,
        "a Python shell job has a capacity of 0.0625 or 1 DPU, not 0.5"
    );
}

#[test]
fn an_unknown_or_unsuitable_worker_type_is_rejected_with_a_suggestion() {
    let (line, column, error) = only(
        "  - glue/job: { name: etl, script: s3://b/etl.py, workers: { type: G.1x2, count: 2 } }
",
    );
    assert_eq!((line, column), (10, 68));
    assert_eq!(error.message, "unknown worker type `G.1x2`");
    assert_eq!(
        error.expected.as_deref(),
        Some("one of G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X, R.2X, R.4X, R.8X")
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `G.1X`?"));
    let (line, column, error) = only(
        "  - glue/job:
      name: etl
      glueVersion: \"3.0\"
      script: s3://b/etl.py
      workers: { type: G.16X, count: 2 }
",
    );
    assert_eq!((line, column), (14, 24));
    assert_eq!(
        error.message,
        "Spark ETL jobs on Glue 3.0 cannot use `G.16X` workers; use G.1X, G.2X, G.4X, G.8X"
    );
    let (line, column, error) = only(
        "  - glue/job: { name: etl, script: s3://b/etl.py, workers: { type: G.1X, count: 1 } }
",
    );
    assert_eq!((line, column), (10, 81));
    assert!(
        error.message.contains("at least 2 workers"),
        "{}",
        error.message
    );
    let (line, column, error) = only(
        "  - glue/job: { name: etl, script: s3://b/etl.py, glueVersion: \"2.0\" }
",
    );
    assert_eq!((line, column), (10, 64));
    assert_eq!(
        error.message,
        "Spark ETL jobs run on Glue 3.0, 4.0, 5.0, not `2.0`"
    );
}

#[test]
fn argument_names_are_checked_where_they_are_written() {
    let found = diagnostics(
        "  - glue/job:
      name: etl
      script: s3://b/etl.py
      arguments:
        source_path: s3://raw/orders/
        --JOB_NAME: etl
        --conf: spark.sql.shuffle.partitions=8
",
    );
    let lines: Vec<(u32, u32, Severity, &str)> = found
        .iter()
        .map(|diagnostic| {
            let span = diagnostic.span.as_ref().expect("located");
            (
                span.line,
                span.column,
                diagnostic.severity,
                diagnostic.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                14,
                9,
                Severity::Error,
                "the argument `source_path` does not start with `--`; Glue passes arguments as `--name value`: write `--source_path`"
            ),
            (
                15,
                9,
                Severity::Error,
                "`--JOB_NAME` is internal to AWS Glue, which sets it itself; the Glue job parameters reference says never to set it"
            ),
            (
                16,
                9,
                Severity::Warning,
                "`--conf` sets Spark configuration directly, which the Glue documentation reserves for advanced use cases: Glue manages much of the Spark configuration itself"
            ),
        ]
    );
    // Trigger arguments are checked the same way.
    let (line, column, error) = only(
        "  - glue/job: { name: etl, script: s3://b/etl.py }
  - glue/trigger: { name: go, start: [{ job: etl, arguments: { day: \"1\" } }] }
",
    );
    assert_eq!((line, column), (11, 64));
    assert!(error.message.contains("write `--day`"), "{}", error.message);
}

#[test]
fn an_unknown_job_or_crawler_is_rejected_with_a_suggestion() {
    let (line, column, error) = only(
        "  - glue/job: { name: conform-orders, script: s3://b/etl.py }
  - glue/trigger: { name: go, start: [{ job: conform-order }] }
",
    );
    assert_eq!((line, column), (11, 46));
    assert_eq!(
        error.message,
        "this stack has no `glue/job` entry named `conform-order`"
    );
    assert_eq!(
        error.help.as_deref(),
        Some("did you mean `conform-orders`?")
    );
    let (line, column, error) = only(
        "  - glue/job: { name: conform-orders, script: s3://b/etl.py }
  - glue/trigger:
      name: go
      when: { any: [{ crawler: conform-orders }] }
      start: [{ job: conform-orders }]
",
    );
    assert_eq!((line, column), (13, 32));
    assert_eq!(
        error.message,
        "this stack has no `glue/crawler` entry named `conform-orders`"
    );
    // The note says which kind of entry the name belongs to.
    assert!(
        error.notes.iter().any(|note| note.contains("`glue/job`")),
        "{:?}",
        error.notes
    );
}

#[test]
fn bad_schedules_are_rejected_where_they_are_written() {
    let (line, column, error) = only(
        "  - glue/job: { name: etl, script: s3://b/etl.py }
  - glue/trigger: { name: nightly, schedule: \"cron(0 2 * * *)\", start: [{ job: etl }] }
",
    );
    assert_eq!((line, column), (11, 46));
    assert_eq!(
        error.message,
        "`cron(0 2 * * *)` has 5 fields, not 6; a Glue schedule is `cron(minutes hours day-of-month month day-of-week year)` with `?` in day-of-month or day-of-week, e.g. `cron(15 12 * * ? *)`"
    );
    let (line, column, error) = only(
        "  - glue/crawler:
      name: raw-orders
      database: raw
      s3: [{ bucket: raw }]
      schedule: rate(1 day)
",
    );
    assert_eq!((line, column), (14, 17));
    assert!(
        error
            .message
            .starts_with("`rate(1 day)` is not a cron expression")
    );
}

#[test]
fn other_values_are_checked_where_they_are_written() {
    let cases = [
        (
            "  - glue/job: { name: etl, type: python-shell, script: s3://b/etl.py, bookmarks: enable }\n",
            (10, 82),
            "job bookmarks are for Spark ETL jobs; Python shell jobs have none",
        ),
        (
            "  - glue/job: { name: etl, script: s3://b/etl.sh }\n",
            (10, 36),
            "the script of a Spark ETL job is a `.py` or `.scala` file, not a `.sh` file",
        ),
        (
            "  - glue/job: { name: etl, script: jobs/missing.py }\n",
            (10, 36),
            "the script `jobs/missing.py` is not a file (looked for `jobs/missing.py`)",
        ),
        (
            "  - glue/job: { name: etl, script: \"s3://etl.py\" }\n",
            (10, 36),
            "`s3://etl.py` is not an S3 object URI",
        ),
        (
            "  - glue/job: { name: etl, script: s3://b/etl.py, catalog: [{ tables: [orders] }] }\n",
            (10, 61),
            "a `catalog` item needs a database",
        ),
        (
            "  - glue/job: { name: etl, script: s3://b/etl.py, timeout: 0 }\n",
            (10, 60),
            "a timeout of 0 minutes is not possible; Glue allows 1 to 10080 minutes (7 days)",
        ),
        (
            "  - glue/job: { name: etl, script: s3://b/etl.py, reads: [{ bucket: raw, bucketName: other }] }\n",
            (10, 86),
            "a path is in one bucket: give `bucket` or `bucketName`, not both",
        ),
        (
            "  - glue/job: { name: etl, script: s3://b/etl.py, writes: [{ bucket: raw, prefix: \"a/*\" }] }\n",
            (10, 83),
            "the S3 prefix `a/*` contains a wildcard; give the literal prefix the data is under (`orders/`), which covers everything below it",
        ),
        (
            "  - glue/database: { name: lake-db, databaseName: Lake-DB }\n",
            (10, 51),
            "`Lake-DB` is not a valid database name",
        ),
        (
            "  - glue/connection: { name: db, jdbc: { url: \"postgres://db/sales\", secret: db } }\n",
            (10, 47),
            "`postgres://db/sales` is not a JDBC URL",
        ),
        (
            "  - glue/crawler: { name: c, database: raw, s3: [{ bucket: raw }], recrawl: new-folders-only }\n",
            (10, 77),
            "a crawler that crawls only new folders cannot change existing tables",
        ),
    ];
    for (resources, position, message) in cases {
        let (line, column, error) = only(resources);
        assert_eq!(error.message, message, "{resources}");
        assert_eq!((line, column), position, "{resources}");
    }
}

#[test]
fn trigger_conditions_and_actions_are_checked() {
    let jobs = "  - glue/job: { name: etl, script: s3://b/etl.py }
  - glue/crawler: { name: crawl, database: raw, s3: [{ bucket: raw }] }
";
    let cases = [
        (
            "  - glue/trigger: { name: t, when: { all: [{ crawler: crawl, state: stopped }] }, start: [{ job: etl }] }\n",
            (12, 69),
            "a crawler is never `stopped`",
        ),
        (
            "  - glue/trigger: { name: t, schedule: \"cron(0 2 * * ? *)\", when: { any: [{ job: etl }] }, start: [{ job: etl }] }\n",
            (12, 67),
            "a trigger fires on a `schedule` or `when` others finish, not both",
        ),
        (
            "  - glue/trigger: { name: t, start: [{ job: etl, crawler: crawl }] }\n",
            (12, 59),
            "give a `job` or a `crawler`, not both",
        ),
        (
            "  - glue/trigger: { name: t, start: [{ crawler: crawl, timeout: 5 }] }\n",
            (12, 38),
            "a crawler takes no `arguments` or `timeout`; only jobs do",
        ),
    ];
    for (trigger, position, message) in cases {
        let (line, column, error) = only(&format!("{jobs}{trigger}"));
        assert_eq!(error.message, message, "{trigger}");
        assert_eq!((line, column), position, "{trigger}");
    }
}

#[test]
fn the_example_data_lake_gives_each_job_a_role_of_its_own() {
    let manifests = Manifests::load(&[
        "manifests/accounts.yaml",
        "manifests/data-lake-pipeline.yaml",
    ]);
    let assembly = match Registry::builtin().synth(&manifests) {
        Ok(assembly) => assembly,
        Err(diagnostics) => panic!("{}", render_text(&diagnostics, manifests.sources(), false)),
    };
    let stacks: Vec<(&str, &str)> = assembly
        .stacks
        .iter()
        .map(|stack| (stack.name.as_str(), stack.env.account()))
        .collect();
    // Each environment's pipeline is in the environment's account; no scripts are
    // uploaded as assets (the pipelines publish them).
    assert_eq!(
        stacks,
        [
            ("data-lake-dev-pipeline", "666666666666"),
            ("data-lake-test-pipeline", "444444444444"),
            ("data-lake-prod-pipeline", "555555555555"),
            ("data-lake-dev", "666666666666"),
            ("data-lake-test", "444444444444"),
            ("data-lake-prod", "555555555555"),
        ]
    );
    assert!(assembly.assets.is_empty());
    for (index, (env, account, branch)) in [
        ("dev", "666666666666", "dev"),
        ("test", "444444444444", "test"),
        ("prod", "555555555555", "main"),
    ]
    .into_iter()
    .enumerate()
    {
        let lake: Json = serde_json::from_str(&assembly.stacks[index + 3].body).expect("JSON");
        assert_eq!(
            lake["Resources"]["ConformOrdersJob"]["Properties"]["Command"]["ScriptLocation"],
            format!("s3://example-lake-scripts-{env}/jobs/conform_orders.py")
        );
        let pipeline: Json = serde_json::from_str(&assembly.stacks[index].body).expect("JSON");
        let stages = &pipeline["Resources"]["Pipeline"]["Properties"]["Stages"];
        let source = &stages[0]["Actions"][0]["Configuration"];
        assert_eq!(source["FullRepositoryId"], "acme/data-lake");
        assert_eq!(source["BranchName"], branch);
        assert!(
            source["ConnectionArn"]
                .as_str()
                .is_some_and(|arn| arn.contains(&format!(":{account}:connection/")))
        );
        let deploy = &stages[3]["Actions"][0]["Configuration"];
        assert_eq!(
            deploy["TemplatePath"],
            format!("synth::data-lake-{env}-{account}-us-east-1.template.json")
        );
        let upload = pipeline["Resources"]["PublishJobScriptsRoleDefaultPolicy"].to_string();
        assert!(upload.contains(&format!(
            "\"Action\":\"s3:PutObject\",\"Resource\":{{\"Fn::Sub\":\"arn:${{AWS::Partition}}:s3:::example-lake-scripts-{env}/jobs/*\"}}"
        )));
    }
    let prod: Json = serde_json::from_str(&assembly.stacks[5].body).expect("JSON");
    let revenue = prod["Resources"]["DailyRevenueJobRoleDefaultPolicy"].to_string();
    assert!(revenue.contains("table/purpose_built/daily_revenue"));
    assert!(
        !revenue.contains("RawBucket"),
        "daily-revenue never reads the raw zone"
    );
    assert_eq!(
        prod["Resources"]["NightlyStartTrigger"]["Properties"]["StartOnCreation"],
        true
    );
    let dev: Json = serde_json::from_str(&assembly.stacks[3].body).expect("JSON");
    assert_eq!(
        dev["Resources"]["NightlyStartTrigger"]["Properties"]["StartOnCreation"],
        false
    );
}
