//! The storage and messaging constructs (KMS, S3, SNS, EventBridge, CodeStar
//! Notifications, CloudWatch Logs): security invariants, grants, validation, and
//! snapshots of representative stacks (linted by `tests/cfn_lint.rs`).

use std::cell::RefCell;

use cfsynth::app::{App, Environment, StackId, StackRole};
use cfsynth::constructs::events::{Rule, RuleProps, Target};
use cfsynth::constructs::iam::{Grantee, Principal, Role, RoleProps, RoleRef, Statement};
use cfsynth::constructs::kms::{Key, KeyProps, KeyRef};
use cfsynth::constructs::logs::{LogGroup, LogGroupProps};
use cfsynth::constructs::notifications::{NotificationRule, PipelineEvent};
use cfsynth::constructs::s3::{Bucket, BucketEncryption, BucketProps, BucketRef, LifecycleRule};
use cfsynth::constructs::sns::{Topic, TopicProps};
use cfsynth::constructs::{ConstructError, Scope};
use cfsynth::template::{Val, sub};
use serde_json::{Value as Json, json};

const TOOLING: &str = "111111111111";
const PROD: &str = "333333333333";

fn env(account: &str, region: &str) -> Environment {
    Environment::new(account, region).expect("valid environment")
}

fn app_with_stack(name: &str) -> (App, StackId) {
    let mut app = App::new();
    let stack = app.add_stack(name, env(TOOLING, "us-east-1"), StackRole::Application);
    (app, stack)
}

/// Synthesizes and returns each stack's (name, body, parsed template).
fn synth(app: App) -> Vec<(String, String, Json)> {
    let assembly = app
        .synth()
        .unwrap_or_else(|errors| panic!("synth failed:\n{errors}"));
    assembly
        .stacks
        .iter()
        .map(|stack| {
            let template = serde_json::from_str(&stack.body).expect("template is JSON");
            (stack.name.clone(), stack.body.clone(), template)
        })
        .collect()
}

fn only_template(app: App) -> Json {
    let mut stacks = synth(app);
    assert_eq!(stacks.len(), 1);
    stacks.remove(0).2
}

fn codebuild_role(app: &mut App, scope: &Scope) -> Role {
    Role::new(
        app,
        scope,
        RoleProps {
            assumed_by: vec![Principal::service("codebuild.amazonaws.com")],
            ..RoleProps::default()
        },
    )
}

fn resources_of_type<'a>(template: &'a Json, type_name: &str) -> Vec<(&'a str, &'a Json)> {
    template["Resources"]
        .as_object()
        .expect("Resources")
        .iter()
        .filter(|(_, resource)| resource["Type"] == type_name)
        .map(|(id, resource)| (id.as_str(), resource))
        .collect()
}

fn statements(document: &Json) -> Vec<Json> {
    document["Statement"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn as_list(value: &Json) -> Vec<Json> {
    match value {
        Json::Array(items) => items.clone(),
        Json::Null => Vec::new(),
        single => vec![single.clone()],
    }
}

/// Every policy statement of a template, with where it is: key policies, bucket and
/// topic policies, and identity policies (trust policies are not permission policies).
fn all_statements(template: &Json) -> Vec<(String, Json)> {
    let mut found = Vec::new();
    for (id, resource) in template["Resources"].as_object().expect("Resources") {
        let document = match resource["Type"].as_str() {
            Some("AWS::KMS::Key") => &resource["Properties"]["KeyPolicy"],
            Some("AWS::S3::BucketPolicy" | "AWS::SNS::TopicPolicy" | "AWS::IAM::Policy") => {
                &resource["Properties"]["PolicyDocument"]
            }
            _ => continue,
        };
        for statement in statements(document) {
            found.push((id.clone(), statement));
        }
    }
    found
}

fn is_tls_deny(statement: &Json) -> bool {
    statement["Effect"] == "Deny"
        && statement["Principal"] == "*"
        && statement["Condition"] == json!({"Bool": {"aws:SecureTransport": "false"}})
}

fn is_key_admin(statement: &Json) -> bool {
    statement["Effect"] == "Allow"
        && statement["Action"] == "kms:*"
        && statement["Principal"]
            == json!({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}})
}

/// No statement allows a whole service (`*` or `service:*`) except the key-admin root
/// statement and the TLS-only denials.
fn assert_no_wildcard_actions(template: &Json) {
    for (id, statement) in all_statements(template) {
        let wildcard = as_list(&statement["Action"])
            .iter()
            .filter_map(Json::as_str)
            .any(|action| action == "*" || action.ends_with(":*"));
        if wildcard {
            assert!(
                is_key_admin(&statement) || is_tls_deny(&statement),
                "{id}: wildcard action in {statement}"
            );
        }
    }
}

/// Every ARN is partition-neutral: no literal `arn:aws:` anywhere, and every string that
/// starts an ARN is an `Fn::Sub` on `${AWS::Partition}` (other ARNs come from `Ref`/`GetAtt`).
fn assert_partition_neutral(body: &str, template: &Json) {
    assert!(
        !body.contains("arn:aws:"),
        "a literal partition in:\n{body}"
    );
    fn walk(value: &Json, in_sub: bool) {
        match value {
            Json::String(text) if text.starts_with("arn:") => {
                assert!(
                    in_sub && text.starts_with("arn:${AWS::Partition}:"),
                    "ARN not built on ${{AWS::Partition}}: {text}"
                );
            }
            Json::Array(items) => items.iter().for_each(|item| walk(item, in_sub)),
            Json::Object(map) => {
                for (key, item) in map {
                    walk(item, in_sub || key == "Fn::Sub");
                }
            }
            _ => {}
        }
    }
    walk(template, false);
}

/// Identity statements a grantee of another account received (its policy lives elsewhere).
struct ExternalRole {
    account: String,
    arn: String,
    received: RefCell<Vec<Statement>>,
}

impl ExternalRole {
    fn new(account: &str, name: &str) -> ExternalRole {
        ExternalRole {
            account: account.to_owned(),
            arn: format!("arn:${{AWS::Partition}}:iam::{account}:role/{name}"),
            received: RefCell::new(Vec::new()),
        }
    }

    fn received_json(&self) -> Vec<Json> {
        self.received
            .borrow()
            .iter()
            .map(|statement| serde_json::to_value(statement).unwrap())
            .collect()
    }
}

impl Grantee for ExternalRole {
    fn principal(&self) -> Principal {
        Principal::arn(sub(self.arn.clone()))
    }

    fn account(&self) -> &str {
        &self.account
    }

    fn add_to_policy(&self, _app: &mut App, statement: Statement) {
        self.received.borrow_mut().push(statement);
    }
}

// ---------------------------------------------------------------------------------------
// Invariants

#[test]
fn every_bucket_is_private_encrypted_owner_enforced_and_tls_only() {
    let (mut app, stack) = app_with_stack("buckets");
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("data"), KeyProps::default());
    Bucket::new(&mut app, &root.child("plain"), BucketProps::default());
    Bucket::new(
        &mut app,
        &root.child("data"),
        BucketProps {
            encryption: BucketEncryption::Kms(key),
            versioned: false,
            retain: false,
            ..BucketProps::default()
        },
    );
    let template = only_template(app);
    let buckets = resources_of_type(&template, "AWS::S3::Bucket");
    assert_eq!(buckets.len(), 2);
    for (id, bucket) in &buckets {
        let properties = &bucket["Properties"];
        assert_eq!(
            properties["PublicAccessBlockConfiguration"],
            json!({"BlockPublicAcls": true, "BlockPublicPolicy": true,
                   "IgnorePublicAcls": true, "RestrictPublicBuckets": true}),
            "{id}"
        );
        let rule = &properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
        let algorithm = rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
            .as_str()
            .unwrap_or_else(|| panic!("{id} is not encrypted"));
        assert!(
            ["AES256", "aws:kms"].contains(&algorithm),
            "{id}: {algorithm}"
        );
        assert_eq!(
            properties["OwnershipControls"],
            json!({"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}),
            "{id}"
        );
        let policies: Vec<_> = resources_of_type(&template, "AWS::S3::BucketPolicy")
            .into_iter()
            .filter(|(_, policy)| policy["Properties"]["Bucket"] == json!({"Ref": id}))
            .collect();
        assert_eq!(policies.len(), 1, "{id} has one bucket policy");
        let first = &statements(&policies[0].1["Properties"]["PolicyDocument"])[0];
        assert!(is_tls_deny(first), "{id}: first statement {first}");
        assert_eq!(first["Action"], "s3:*");
        assert_eq!(
            first["Resource"],
            json!([{"Fn::GetAtt": [id, "Arn"]},
                   {"Fn::Sub": ["${Arn}/*", {"Arn": {"Fn::GetAtt": [id, "Arn"]}}]}])
        );
    }
    let plain = &template["Resources"]["PlainBucket"];
    assert_eq!(plain["DeletionPolicy"], "Retain");
    assert_eq!(plain["UpdateReplacePolicy"], "Retain");
    assert_eq!(
        plain["Properties"]["VersioningConfiguration"],
        json!({"Status": "Enabled"})
    );
    let data = &template["Resources"]["DataBucket"];
    assert_eq!(data.get("DeletionPolicy"), None, "retain: false");
    assert_eq!(data["Properties"].get("VersioningConfiguration"), None);
    assert_eq!(
        data["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0],
        json!({"BucketKeyEnabled": true, "ServerSideEncryptionByDefault": {
            "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]}, "SSEAlgorithm": "aws:kms"}})
    );
}

#[test]
fn keys_rotate_are_retained_and_let_the_account_administer_them() {
    let (mut app, stack) = app_with_stack("keys");
    let key = Key::new(
        &mut app,
        &Scope::root(stack).child("artifacts"),
        KeyProps {
            description: Some("Pipeline artifacts".into()),
            alias: Some("products-api/artifacts".into()),
            ..KeyProps::default()
        },
    );
    assert_eq!(key.alias_name(), Some("alias/products-api/artifacts"));
    let template = only_template(app);
    let resource = &template["Resources"]["ArtifactsKey"];
    assert_eq!(resource["DeletionPolicy"], "Retain");
    assert_eq!(resource["UpdateReplacePolicy"], "Retain");
    let properties = &resource["Properties"];
    assert_eq!(properties["EnableKeyRotation"], true);
    assert_eq!(properties["PendingWindowInDays"], 30);
    let policy = statements(&properties["KeyPolicy"]);
    assert_eq!(policy.len(), 1);
    assert!(is_key_admin(&policy[0]));
    assert_eq!(policy[0]["Resource"], "*");
    assert_eq!(
        template["Resources"]["ArtifactsKeyAlias"]["Properties"],
        json!({"AliasName": "alias/products-api/artifacts", "TargetKeyId": {"Ref": "ArtifactsKey"}})
    );
}

#[test]
fn same_account_grants_write_only_identity_statements() {
    let (mut app, stack) = app_with_stack("grants");
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("artifacts"), KeyProps::default());
    let topic_key = key.clone();
    let bucket = Bucket::new(
        &mut app,
        &root.child("artifacts"),
        BucketProps {
            encryption: BucketEncryption::Kms(key),
            ..BucketProps::default()
        },
    );
    let topic = Topic::new(
        &mut app,
        &root.child("events"),
        TopicProps {
            key: Some(topic_key),
            ..TopicProps::default()
        },
    );
    let role = codebuild_role(&mut app, &root.child("build"));
    bucket.grant_read_write(&mut app, &role);
    topic.grant_publish(&mut app, &role);
    let template = only_template(app);

    let key_policy = statements(&template["Resources"]["ArtifactsKey"]["Properties"]["KeyPolicy"]);
    assert_eq!(
        key_policy.len(),
        1,
        "only the admin statement: {key_policy:?}"
    );
    let bucket_policy =
        statements(&template["Resources"]["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]);
    assert_eq!(
        bucket_policy.len(),
        1,
        "only the TLS deny: {bucket_policy:?}"
    );
    let topic_policy =
        statements(&template["Resources"]["EventsTopicPolicy"]["Properties"]["PolicyDocument"]);
    assert_eq!(topic_policy.len(), 1, "only the TLS deny: {topic_policy:?}");

    let identity = statements(
        &template["Resources"]["BuildRoleDefaultPolicy"]["Properties"]["PolicyDocument"],
    );
    assert_eq!(
        identity,
        [
            json!({"Effect": "Allow",
                   "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:PutObject",
                              "s3:PutObjectLegalHold", "s3:PutObjectRetention",
                              "s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:Abort*",
                              "s3:DeleteObject*"],
                   "Resource": [{"Fn::GetAtt": ["ArtifactsBucket", "Arn"]},
                                {"Fn::Sub": ["${Arn}/*", {"Arn": {"Fn::GetAtt": ["ArtifactsBucket", "Arn"]}}]}]}),
            json!({"Effect": "Allow",
                   "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ReEncrypt*",
                              "kms:GenerateDataKey*"],
                   "Resource": {"Fn::GetAtt": ["ArtifactsKey", "Arn"]}}),
            json!({"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "EventsTopic"}}),
        ]
    );
}

#[test]
fn cross_account_grants_write_identity_and_resource_policy_statements() {
    let (mut app, stack) = app_with_stack("shared");
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("artifacts"), KeyProps::default());
    let bucket = Bucket::new(
        &mut app,
        &root.child("artifacts"),
        BucketProps {
            encryption: BucketEncryption::Kms(key.clone()),
            ..BucketProps::default()
        },
    );
    let topic = Topic::new(
        &mut app,
        &root.child("events"),
        TopicProps {
            key: Some(key),
            ..TopicProps::default()
        },
    );
    let deployer = ExternalRole::new(PROD, "cfsynth-deploy");
    bucket.grant_read(&mut app, &deployer);
    topic.grant_publish(&mut app, &deployer);
    let principal =
        json!({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::333333333333:role/cfsynth-deploy"}});

    let identity = deployer.received_json();
    assert_eq!(identity.len(), 4, "{identity:?}");
    assert_eq!(
        identity[0]["Action"],
        json!(["s3:GetObject*", "s3:GetBucket*", "s3:List*"])
    );
    assert_eq!(
        identity[1]["Action"],
        json!(["kms:Decrypt", "kms:DescribeKey"])
    );
    assert_eq!(identity[2]["Action"], "sns:Publish");
    assert_eq!(
        identity[3]["Action"],
        json!(["kms:Decrypt", "kms:GenerateDataKey*"])
    );
    assert!(
        identity
            .iter()
            .all(|statement| statement.get("Principal").is_none())
    );

    let template = only_template(app);
    let bucket_policy =
        statements(&template["Resources"]["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]);
    assert_eq!(bucket_policy.len(), 2);
    assert_eq!(bucket_policy[1]["Principal"], principal);
    assert_eq!(bucket_policy[1]["Action"], identity[0]["Action"]);
    let key_policy = statements(&template["Resources"]["ArtifactsKey"]["Properties"]["KeyPolicy"]);
    assert_eq!(
        key_policy.len(),
        2,
        "grants to one principal merge: {key_policy:?}"
    );
    assert_eq!(key_policy[1]["Principal"], principal);
    assert_eq!(key_policy[1]["Resource"], "*");
    assert_eq!(
        key_policy[1]["Action"],
        json!(["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"])
    );
    let topic_policy =
        statements(&template["Resources"]["EventsTopicPolicy"]["Properties"]["PolicyDocument"]);
    assert_eq!(topic_policy.len(), 2);
    assert_eq!(topic_policy[1]["Principal"], principal);
    assert_eq!(topic_policy[1]["Action"], "sns:Publish");
}

#[test]
fn a_role_of_another_account_by_name_is_named_in_resource_policies() {
    let (mut app, stack) = app_with_stack("shared");
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("artifacts"), KeyProps::default());
    let bucket = Bucket::new(
        &mut app,
        &root.child("artifacts"),
        BucketProps {
            encryption: BucketEncryption::Kms(key),
            ..BucketProps::default()
        },
    );
    bucket.grant_put(&mut app, &RoleRef::new(PROD, "uploader"));
    let template = only_template(app);
    let bucket_policy =
        statements(&template["Resources"]["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]);
    assert_eq!(
        bucket_policy[1],
        json!({"Effect": "Allow",
               "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::333333333333:role/uploader"}},
               "Action": ["s3:PutObject", "s3:PutObjectLegalHold", "s3:PutObjectRetention",
                          "s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:Abort*"],
               "Resource": {"Fn::Sub": ["${Arn}/*", {"Arn": {"Fn::GetAtt": ["ArtifactsBucket", "Arn"]}}]}})
    );
    let key_policy = statements(&template["Resources"]["ArtifactsKey"]["Properties"]["KeyPolicy"]);
    assert_eq!(key_policy.len(), 2);
}

#[test]
fn references_by_name_and_alias_build_partition_neutral_arns_and_least_privilege() {
    let (mut app, stack) = app_with_stack("target");
    let role = codebuild_role(&mut app, &Scope::root(stack).child("deploy"));
    let key = KeyRef::new(TOOLING, "eu-west-1", "products-api/artifacts");
    assert_eq!(key.alias_name(), "alias/products-api/artifacts");
    assert_eq!(
        key.alias_arn().into_node(),
        json!({"Fn::Sub": "arn:${AWS::Partition}:kms:eu-west-1:111111111111:alias/products-api/artifacts"})
    );
    let bucket =
        BucketRef::new("cfsynth-products-api-111111111111-eu-west-1".to_owned()).with_key(key);
    assert_eq!(
        bucket.arn_for_objects("releases/*").into_node(),
        json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::cfsynth-products-api-111111111111-eu-west-1/releases/*"})
    );
    bucket.grant_read(&mut app, &role);
    let (_, body, template) = synth(app).remove(0);
    assert_partition_neutral(&body, &template);
    let identity = statements(
        &template["Resources"]["DeployRoleDefaultPolicy"]["Properties"]["PolicyDocument"],
    );
    assert_eq!(
        identity[1],
        json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"],
               "Resource": {"Fn::Sub": "arn:${AWS::Partition}:kms:eu-west-1:111111111111:key/*"},
               "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/products-api/artifacts"}}})
    );
}

#[test]
fn object_patterns_are_taken_literally() {
    let (mut app, stack) = app_with_stack("literal");
    let bucket = Bucket::new(
        &mut app,
        &Scope::root(stack).child("b"),
        BucketProps::default(),
    );
    let node = bucket.arn_for_objects("a/${b}/*").into_node();
    assert_eq!(node["Fn::Sub"][0], "${Arn}/a/${!b}/*");
}

#[test]
fn topics_are_always_encrypted_and_deny_publishing_without_tls() {
    let (mut app, stack) = app_with_stack("topics");
    let topic = Topic::new(
        &mut app,
        &Scope::root(stack).child("alerts"),
        TopicProps {
            name: Some("alerts".into()),
            display_name: Some("Alerts".into()),
            key: None,
        },
    );
    assert!(topic.key().is_none());
    let template = only_template(app);
    assert_eq!(
        template["Resources"]["AlertsTopic"]["Properties"],
        json!({"DisplayName": "Alerts", "KmsMasterKeyId": "alias/aws/sns", "TopicName": "alerts"})
    );
    let policy = &template["Resources"]["AlertsTopicPolicy"]["Properties"];
    assert_eq!(policy["Topics"], json!([{"Ref": "AlertsTopic"}]));
    let first = &statements(&policy["PolicyDocument"])[0];
    assert!(is_tls_deny(first));
    assert_eq!(first["Action"], "sns:Publish");
}

#[test]
fn pipeline_notifications_use_the_documented_event_ids_and_can_publish() {
    let (mut app, stack) = app_with_stack("products-api");
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("notifications"), KeyProps::default());
    let topic = Topic::new(
        &mut app,
        &root.child("notifications"),
        TopicProps {
            key: Some(key),
            ..TopicProps::default()
        },
    );
    let pipeline =
        sub("arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:products-api");
    let events = PipelineEvent::ALL;
    NotificationRule::for_pipeline(
        &mut app,
        &root.child("notifications"),
        pipeline.clone(),
        &[events.as_slice(), &[PipelineEvent::Failed]].concat(),
        &topic,
    );
    let template = only_template(app);
    let rule = &template["Resources"]["NotificationsNotificationRule"];
    assert_eq!(rule["DependsOn"], "NotificationsTopicPolicy");
    assert_eq!(
        rule["Properties"],
        json!({
            "DetailType": "FULL",
            "EventTypeIds": [
                "codepipeline-pipeline-pipeline-execution-failed",
                "codepipeline-pipeline-pipeline-execution-succeeded",
                "codepipeline-pipeline-pipeline-execution-started",
                "codepipeline-pipeline-pipeline-execution-canceled",
                "codepipeline-pipeline-manual-approval-needed",
                "codepipeline-pipeline-manual-approval-succeeded",
                "codepipeline-pipeline-stage-execution-failed",
                "codepipeline-pipeline-action-execution-failed",
                "codepipeline-pipeline-pipeline-execution-superseded"
            ],
            "Name": "products-api-notifications",
            "Resource": pipeline.into_node(),
            "Targets": [{"TargetAddress": {"Ref": "NotificationsTopic"}, "TargetType": "SNS"}]
        })
    );
    let source_account = json!({"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}});
    let topic_policy = statements(
        &template["Resources"]["NotificationsTopicPolicy"]["Properties"]["PolicyDocument"],
    );
    assert_eq!(
        topic_policy[1],
        json!({"Effect": "Allow", "Principal": {"Service": "codestar-notifications.amazonaws.com"},
               "Action": "sns:Publish", "Resource": {"Ref": "NotificationsTopic"},
               "Condition": source_account})
    );
    let key_policy =
        statements(&template["Resources"]["NotificationsKey"]["Properties"]["KeyPolicy"]);
    assert_eq!(
        key_policy[1],
        json!({"Effect": "Allow", "Principal": {"Service": "codestar-notifications.amazonaws.com"},
               "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
               "Condition": source_account})
    );
}

#[test]
fn pipeline_events_have_kebab_case_names() {
    for event in PipelineEvent::ALL {
        assert_eq!(PipelineEvent::from_name(event.name()), Some(event));
    }
    assert_eq!(
        PipelineEvent::from_name("approval-needed"),
        Some(PipelineEvent::ApprovalNeeded)
    );
    assert_eq!(PipelineEvent::from_name("nope"), None);
}

#[test]
fn event_rules_need_exactly_one_trigger_and_valid_targets() {
    let (mut app, stack) = app_with_stack("rules");
    let scope = Scope::root(stack).child("nightly");
    let target = |id: &str| Target::new(id, "arn:${AWS::Partition}:sns:x");
    let error = |props: RuleProps, app: &mut App| {
        Rule::new(app, &scope, props)
            .expect_err("invalid rule")
            .to_string()
    };
    assert_eq!(
        error(RuleProps::default(), &mut app),
        "nightly: an event rule needs exactly one trigger, an event pattern or a schedule \
         expression, but neither was given"
    );
    assert_eq!(
        error(
            RuleProps {
                event_pattern: json!({"source": ["aws.codepipeline"]}),
                schedule: Some("rate(1 day)".into()),
                ..RuleProps::default()
            },
            &mut app
        ),
        "nightly: an event rule needs exactly one trigger, an event pattern or a schedule \
         expression, but both were given"
    );
    let with_targets = |targets: Vec<Target>| RuleProps {
        schedule: Some("rate(1 day)".into()),
        targets,
        ..RuleProps::default()
    };
    assert_eq!(
        error(
            with_targets((0..6).map(|n| target(&format!("t{n}"))).collect()),
            &mut app
        ),
        "nightly: an event rule has 6 targets; EventBridge allows at most 5"
    );
    assert_eq!(
        error(with_targets(vec![target("a"), target("a")]), &mut app),
        "nightly: two targets of the event rule have the id `a`; target ids must be unique"
    );
    assert!(matches!(
        Rule::new(&mut app, &scope, with_targets(vec![target("not valid")])),
        Err(ConstructError::Invalid { .. })
    ));
    let rule = Rule::new(&mut app, &scope, with_targets(vec![target("a")])).expect("valid rule");
    assert_eq!(rule.handle().logical_id(), "NightlyRule");
}

#[test]
fn log_groups_keep_logs_for_a_valid_retention_and_let_logs_use_their_key() {
    let (mut app, stack) = app_with_stack("logs");
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("logs"), KeyProps::default());
    LogGroup::new(
        &mut app,
        &root.child("build"),
        LogGroupProps {
            name: Some("/aws/codebuild/products-api".into()),
            retention_days: 100,
            key: Some(key),
        },
    );
    LogGroup::new(&mut app, &root.child("plain"), LogGroupProps::default());
    assert_eq!(
        LogGroup::try_new(
            &mut app,
            &root.child("odd"),
            LogGroupProps {
                retention_days: 100,
                ..LogGroupProps::default()
            }
        )
        .expect_err("100 days is not offered")
        .to_string(),
        "odd: CloudWatch Logs cannot keep logs for 100 days; valid retentions are 1, 3, 5, 7, \
         14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"
    );
    let template = only_template(app);
    assert_eq!(
        template["Resources"]["BuildLogGroup"]["Properties"],
        json!({"KmsKeyId": {"Fn::GetAtt": ["LogsKey", "Arn"]},
               "LogGroupName": "/aws/codebuild/products-api", "RetentionInDays": 120})
    );
    assert_eq!(
        template["Resources"]["PlainLogGroup"]["Properties"],
        json!({"RetentionInDays": 365})
    );
    for id in ["BuildLogGroup", "PlainLogGroup"] {
        assert_eq!(
            template["Resources"][id]["DeletionPolicy"], "Retain",
            "{id}"
        );
        assert_eq!(
            template["Resources"][id]["UpdateReplacePolicy"], "Retain",
            "{id}"
        );
    }
    let key_policy = statements(&template["Resources"]["LogsKey"]["Properties"]["KeyPolicy"]);
    assert_eq!(
        key_policy[1]["Principal"],
        json!({"Service": "logs.us-east-1.amazonaws.com"})
    );
    assert_eq!(
        key_policy[1]["Condition"],
        json!({"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {"Fn::Sub":
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/products-api"}}})
    );
}

// ---------------------------------------------------------------------------------------
// Snapshots: representative stacks, also linted by tests/cfn_lint.rs.

/// An artifact bucket encrypted with a key (with alias), lifecycle rules, a same-account
/// build role with read/write, and a role of the production account with read access.
fn artifact_bucket_stack() -> App {
    let (mut app, stack) = app_with_stack("products-api-artifacts");
    let root = Scope::root(stack);
    let key = Key::new(
        &mut app,
        &root.child("artifacts"),
        KeyProps {
            description: Some("Encrypts the products-api pipeline artifacts".into()),
            alias: Some("alias/products-api/artifacts".into()),
            ..KeyProps::default()
        },
    );
    let bucket = Bucket::new(
        &mut app,
        &root.child("artifacts"),
        BucketProps {
            name: Some("cfsynth-products-api-111111111111-us-east-1".into()),
            encryption: BucketEncryption::Kms(key),
            lifecycle: vec![
                LifecycleRule::ExpireNoncurrentVersions { days: 90 },
                LifecycleRule::AbortIncompleteMultipartUploads { days: 7 },
            ],
            ..BucketProps::default()
        },
    );
    let build = codebuild_role(&mut app, &root.child("build"));
    bucket.grant_read_write(&mut app, &build);
    bucket.grant_read(&mut app, &RoleRef::new(PROD, "cfsynth-deploy-products-api"));
    app
}

/// A customer-managed key, an encrypted topic, and a notification rule for a pipeline.
fn topic_notifications_stack() -> App {
    let (mut app, stack) = app_with_stack("products-api-notifications");
    let root = Scope::root(stack);
    let key = Key::new(
        &mut app,
        &root.child("releases"),
        KeyProps {
            description: Some("Encrypts the releases topic".into()),
            ..KeyProps::default()
        },
    );
    let topic = Topic::new(
        &mut app,
        &root.child("releases"),
        TopicProps {
            name: Some("products-api-releases".into()),
            display_name: Some("products-api releases".into()),
            key: Some(key),
        },
    );
    NotificationRule::for_pipeline(
        &mut app,
        &root.child("releases"),
        sub("arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:products-api"),
        &[
            PipelineEvent::Failed,
            PipelineEvent::ApprovalNeeded,
            PipelineEvent::Succeeded,
        ],
        &topic,
    );
    app
}

/// An event rule sending failed pipeline executions to an encrypted topic, and a
/// scheduled rule with a fixed input.
fn event_rule_stack() -> App {
    let (mut app, stack) = app_with_stack("products-api-events");
    let root = Scope::root(stack);
    let key = Key::new(&mut app, &root.child("alarms"), KeyProps::default());
    let topic = Topic::new(
        &mut app,
        &root.child("alarms"),
        TopicProps {
            key: Some(key),
            ..TopicProps::default()
        },
    );
    topic.allow_service_publish(&mut app, "events.amazonaws.com");
    Rule::new(
        &mut app,
        &root.child("pipeline-failed"),
        RuleProps {
            description: Some("Failed products-api pipeline executions".into()),
            event_pattern: json!({
                "source": ["aws.codepipeline"],
                "detail-type": ["CodePipeline Pipeline Execution State Change"],
                "detail": {"pipeline": ["products-api"], "state": ["FAILED"]}
            }),
            schedule: None,
            targets: vec![Target::new("alarms", topic.arn())],
        },
    )
    .expect("valid rule");
    Rule::new(
        &mut app,
        &root.child("nightly"),
        RuleProps {
            description: Some("Nightly reminder".into()),
            event_pattern: Json::Null,
            schedule: Some("cron(0 6 * * ? *)".into()),
            targets: vec![Target {
                input: Some(r#"{"reason":"nightly"}"#.into()),
                ..Target::new("alarms", Val::Expr(topic.arn()))
            }],
        },
    )
    .expect("valid rule");
    app
}

/// A KMS-encrypted build log group and a plain one.
fn log_group_stack() -> App {
    let (mut app, stack) = app_with_stack("products-api-logs");
    let root = Scope::root(stack);
    let key = Key::new(
        &mut app,
        &root.child("logs"),
        KeyProps {
            description: Some("Encrypts the products-api build logs".into()),
            ..KeyProps::default()
        },
    );
    LogGroup::new(
        &mut app,
        &root.child("build"),
        LogGroupProps {
            name: Some("/aws/codebuild/products-api".into()),
            retention_days: 365,
            key: Some(key),
        },
    );
    LogGroup::new(
        &mut app,
        &root.child("audit"),
        LogGroupProps {
            retention_days: 731,
            ..LogGroupProps::default()
        },
    );
    app
}

fn snapshot_stacks() -> Vec<(&'static str, App)> {
    vec![
        ("construct-storage-bucket", artifact_bucket_stack()),
        (
            "construct-storage-topic-notifications",
            topic_notifications_stack(),
        ),
        ("construct-storage-event-rule", event_rule_stack()),
        ("construct-storage-log-group", log_group_stack()),
    ]
}

#[test]
fn representative_stacks_hold_the_invariants() {
    for (name, app) in snapshot_stacks() {
        for (stack, body, template) in synth(app) {
            eprintln!("checking {name} ({stack})");
            assert_no_wildcard_actions(&template);
            assert_partition_neutral(&body, &template);
            for (id, key) in resources_of_type(&template, "AWS::KMS::Key") {
                assert_eq!(key["Properties"]["EnableKeyRotation"], true, "{id}");
                assert!(
                    is_key_admin(&statements(&key["Properties"]["KeyPolicy"])[0]),
                    "{id}"
                );
            }
        }
    }
}

#[test]
fn representative_stacks_match_their_snapshots() {
    for (name, app) in snapshot_stacks() {
        let mut stacks = synth(app);
        assert_eq!(stacks.len(), 1, "{name}");
        let (_, body, _) = stacks.remove(0);
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, body);
        });
    }
}
