//! The typed resource entries of `kind: Stack` (`iam/role`, `iam/managed-policy`,
//! `kms/key`, `s3/bucket`, `sns/topic`, `codebuild/project`): what each synthesizes, the
//! references between them, and every error located at the value at fault.

use cfsynth::diagnostics::{Diagnostic, Diagnostics, render_text};
use cfsynth::manifest::{
    BuildContext, EntryRef, Located, Manifests, Origin, Registry, ResourceEntry, ResourceKind,
};
use cfsynth::template::Resource;
use serde_json::{Map, Value as Json, json};

/// Account aliases, then a stack `tools` in `tooling`; its entries start on line 11.
const HEADER: &str = "\
kind: Accounts
name: org
accounts:
  tooling: { id: \"111111111111\", region: us-east-1 }
  workloads: { id: \"222222222222\", region: eu-west-1 }
---
kind: Stack
name: tools
env: { account: tooling }
resources:
";

fn manifests(resources: &str) -> Manifests {
    let mut manifests = Manifests::new();
    manifests.add("m.yaml", format!("{HEADER}{resources}"));
    manifests
}

fn synth_with(registry: &Registry, resources: &str) -> Result<Json, Diagnostics> {
    let assembly = registry.synth(&manifests(resources))?;
    let stack = assembly
        .stacks
        .iter()
        .find(|stack| stack.name == "tools")
        .unwrap_or_else(|| panic!("no stack `tools` in {:?}", assembly.stacks));
    Ok(serde_json::from_str(&stack.body).expect("a JSON template"))
}

/// The template of the stack `tools`.
fn template(resources: &str) -> Json {
    let manifests = manifests(resources);
    match synth_with(&Registry::builtin(), resources) {
        Ok(template) => template,
        Err(diagnostics) => panic!("{}", render_text(&diagnostics, manifests.sources(), false)),
    }
}

/// Every diagnostic.
fn diagnostics(resources: &str) -> Vec<Diagnostic> {
    match synth_with(&Registry::builtin(), resources) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.into_iter().collect(),
    }
}

/// The only diagnostic.
fn only(resources: &str) -> Diagnostic {
    let mut found = diagnostics(resources);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.remove(0)
}

/// Every diagnostic as `file:line:column: error[CODE]: message`.
fn messages(resources: &str) -> Vec<String> {
    diagnostics(resources)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn properties<'t>(template: &'t Json, logical_id: &str) -> &'t Json {
    let resource = &template["Resources"][logical_id];
    assert!(
        resource.is_object(),
        "no resource `{logical_id}` in {}",
        template["Resources"]
    );
    &resource["Properties"]
}

fn logical_ids(template: &Json) -> Vec<&str> {
    template["Resources"]
        .as_object()
        .map(|resources| resources.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn roles_trust_their_principals_and_hold_their_statements() {
    let template = template(
        r#"  - iam/role:
      name: deployer
      description: Deploys the products stacks
      roleName: products-deployer
      assumedBy:
        - codebuild.amazonaws.com
        - workloads
        - "333333333333"
        - "arn:${AWS::Partition}:iam::444444444444:role/ci"
      managedPolicies: [ReadOnlyAccess, "arn:aws:iam::111111111111:policy/team"]
      boundary: "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary"
      statements:
        - actions: [cloudformation:CreateChangeSet, cloudformation:ExecuteChangeSet]
          resources: ["arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/products-*/*"]
        - actions: [iam:PassRole]
          resources: ["arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cfn-exec"]
          conditions: { StringEquals: { iam:PassedToService: cloudformation.amazonaws.com } }
        - effect: deny
          actions: ["*"]
          resources: ["*"]
          conditions: { StringNotEquals: { aws:RequestedRegion: [us-east-1, eu-west-1] } }
"#,
    );
    assert_eq!(
        logical_ids(&template),
        ["DeployerRole", "DeployerRoleDefaultPolicy"]
    );
    let role = properties(&template, "DeployerRole");
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
        json!({
            "Service": "codebuild.amazonaws.com",
            "AWS": [
                {"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:root"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::333333333333:root"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::444444444444:role/ci"}
            ]
        })
    );
    assert_eq!(
        role["ManagedPolicyArns"],
        json!([
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"},
            "arn:aws:iam::111111111111:policy/team"
        ])
    );
    assert_eq!(
        role["PermissionsBoundary"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary"})
    );
    assert_eq!(role["RoleName"], "products-deployer");
    assert_eq!(role["Description"], "Deploys the products stacks");
    let policy = properties(&template, "DeployerRoleDefaultPolicy");
    assert_eq!(policy["Roles"], json!([{"Ref": "DeployerRole"}]));
    assert_eq!(
        policy["PolicyDocument"]["Statement"],
        json!([
            {
                "Effect": "Allow",
                "Action": ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/products-*/*"}
            },
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cfn-exec"},
                "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}
            },
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}
            }
        ])
    );
}

#[test]
fn managed_policies_attach_to_roles_written_before_or_after_them() {
    let template = template(
        r#"  - iam/managed-policy:
      name: read-releases
      description: Reads released packages
      roles: [reader, auditor]
      statements:
        - actions: [s3:GetObject]
          resources: ["arn:${AWS::Partition}:s3:::acme-releases/*"]
  - iam/role: { name: reader, assumedBy: [codebuild.amazonaws.com] }
  - iam/role: { name: auditor, assumedBy: [workloads] }
"#,
    );
    assert_eq!(
        logical_ids(&template),
        ["ReaderRole", "AuditorRole", "ReadReleasesManagedPolicy"],
        "roles are built before the policy that names them"
    );
    let policy = properties(&template, "ReadReleasesManagedPolicy");
    assert_eq!(
        policy["Roles"],
        json!([{"Ref": "ReaderRole"}, {"Ref": "AuditorRole"}])
    );
    assert_eq!(policy["Description"], "Reads released packages");
    assert_eq!(
        policy["PolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::acme-releases/*"}
        }])
    );
}

#[test]
fn keys_rotate_and_are_retained() {
    let template = template(
        "  - kms/key: { name: releases, description: Encrypts releases, alias: tools/releases }\n",
    );
    assert_eq!(logical_ids(&template), ["ReleasesKey", "ReleasesKeyAlias"]);
    let key = &template["Resources"]["ReleasesKey"];
    assert_eq!(key["DeletionPolicy"], "Retain");
    assert_eq!(key["UpdateReplacePolicy"], "Retain");
    assert_eq!(key["Properties"]["EnableKeyRotation"], true);
    assert_eq!(key["Properties"]["Description"], "Encrypts releases");
    assert_eq!(
        properties(&template, "ReleasesKeyAlias"),
        &json!({"AliasName": "alias/tools/releases", "TargetKeyId": {"Ref": "ReleasesKey"}})
    );
}

#[test]
fn buckets_are_private_encrypted_and_tls_only() {
    let template = template(
        "  - s3/bucket: { name: logs }
  - s3/bucket:
      name: releases
      bucketName: acme-releases
      encryption: kms
      versioned: false
      lifecycle: { abortIncompleteUploadsAfterDays: 3 }
  - s3/bucket: { name: shared, key: team }
  - kms/key: { name: team }
",
    );
    assert_eq!(
        logical_ids(&template),
        [
            "LogsBucket",
            "LogsBucketPolicy",
            "ReleasesKey",
            "ReleasesBucket",
            "ReleasesBucketPolicy",
            "TeamKey",
            "SharedBucket",
            "SharedBucketPolicy",
        ]
    );
    let logs = &template["Resources"]["LogsBucket"];
    assert_eq!(logs["DeletionPolicy"], "Retain");
    assert_eq!(
        logs["Properties"]["BucketEncryption"],
        json!({"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]})
    );
    assert_eq!(
        logs["Properties"]["PublicAccessBlockConfiguration"],
        json!({
            "BlockPublicAcls": true,
            "BlockPublicPolicy": true,
            "IgnorePublicAcls": true,
            "RestrictPublicBuckets": true
        })
    );
    assert_eq!(
        logs["Properties"]["VersioningConfiguration"],
        json!({"Status": "Enabled"})
    );
    let tls_only = &properties(&template, "LogsBucketPolicy")["PolicyDocument"]["Statement"][0];
    assert_eq!(tls_only["Effect"], "Deny");
    assert_eq!(
        tls_only["Condition"],
        json!({"Bool": {"aws:SecureTransport": "false"}})
    );

    let releases = properties(&template, "ReleasesBucket");
    assert_eq!(releases["BucketName"], "acme-releases");
    assert_eq!(
        releases["BucketEncryption"]["ServerSideEncryptionConfiguration"][0],
        json!({
            "BucketKeyEnabled": true,
            "ServerSideEncryptionByDefault": {
                "KMSMasterKeyID": {"Fn::GetAtt": ["ReleasesKey", "Arn"]},
                "SSEAlgorithm": "aws:kms"
            }
        })
    );
    assert!(releases.get("VersioningConfiguration").is_none());
    assert_eq!(
        releases["LifecycleConfiguration"]["Rules"][0]["AbortIncompleteMultipartUpload"],
        json!({"DaysAfterInitiation": 3})
    );
    assert_eq!(
        properties(&template, "SharedBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            [0]["ServerSideEncryptionByDefault"]["KMSMasterKeyID"],
        json!({"Fn::GetAtt": ["TeamKey", "Arn"]})
    );
}

#[test]
fn topics_are_encrypted_with_their_key_or_the_aws_managed_one() {
    let template = template(
        "  - sns/topic: { name: releases, displayName: Releases, key: notifications }
  - sns/topic: { name: alerts }
  - kms/key: { name: notifications }
",
    );
    let releases = properties(&template, "ReleasesTopic");
    assert_eq!(releases["DisplayName"], "Releases");
    assert_eq!(
        releases["KmsMasterKeyId"],
        json!({"Fn::GetAtt": ["NotificationsKey", "Arn"]})
    );
    assert_eq!(
        properties(&template, "AlertsTopic")["KmsMasterKeyId"],
        "alias/aws/sns"
    );
    let tls_only = &properties(&template, "AlertsTopicPolicy")["PolicyDocument"]["Statement"][0];
    assert_eq!(tls_only["Sid"], "DenyInsecureTransport");
    assert_eq!(tls_only["Action"], "sns:Publish");
}

#[test]
fn projects_with_commands_run_an_inline_buildspec_without_a_source() {
    let template = template(
        r#"  - s3/bucket: { name: cache }
  - codebuild/project:
      name: nightly
      image: amazonlinux-aarch64-standard:3.0
      compute: large
      privileged: true
      commands: [make test, make coverage]
      env:
        STAGE: nightly
        REGION: !Ref AWS::Region
        DB_PASSWORD: { secret: prod/db, key: password }
        API_URL: { parameter: /tools/api-url }
      vpc:
        vpcId: vpc-0a1b2c3d
        subnets: [subnet-0123456789abcdef0]
        securityGroups: [sg-0123456789abcdef0]
      reports:
        unit: { files: [reports/junit.xml] }
        coverage: { coverage: true, files: [coverage.xml], format: cobertura }
      cache: { bucket: cache, prefix: nightly/cache, paths: ["/root/.cache/**/*"] }
      timeout: 30
"#,
    );
    assert!(
        !logical_ids(&template).contains(&"NightlySecurityGroup"),
        "given security groups are used as they are"
    );
    let project = properties(&template, "NightlyProject");
    assert_eq!(project["Name"], "tools-nightly");
    assert_eq!(project["Source"]["Type"], "NO_SOURCE");
    assert_eq!(project["Artifacts"], json!({"Type": "NO_ARTIFACTS"}));
    assert_eq!(
        project["Source"]["BuildSpec"],
        "version: \"0.2\"\nphases:\n  build:\n    commands:\n      - \"make test\"\n      - \"make coverage\"\n\
         reports:\n  unit:\n    files:\n      - reports/junit.xml\n  coverage:\n    files:\n      - coverage.xml\n    file-format: COBERTURAXML\n\
         cache:\n  paths:\n    - /root/.cache/**/*\n"
    );
    let environment = &project["Environment"];
    assert_eq!(environment["Type"], "ARM_CONTAINER");
    assert_eq!(environment["ComputeType"], "BUILD_GENERAL1_LARGE");
    assert_eq!(environment["PrivilegedMode"], true);
    assert_eq!(
        environment["EnvironmentVariables"],
        json!([
            {"Name": "STAGE", "Type": "PLAINTEXT", "Value": "nightly"},
            {"Name": "REGION", "Type": "PLAINTEXT", "Value": {"Ref": "AWS::Region"}},
            {"Name": "DB_PASSWORD", "Type": "SECRETS_MANAGER", "Value": "prod/db:password"},
            {"Name": "API_URL", "Type": "PARAMETER_STORE", "Value": "/tools/api-url"}
        ])
    );
    assert_eq!(
        project["VpcConfig"],
        json!({
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
            "Subnets": ["subnet-0123456789abcdef0"],
            "VpcId": "vpc-0a1b2c3d"
        })
    );
    assert_eq!(project["TimeoutInMinutes"], 30);
    assert_eq!(
        project["Cache"],
        json!({
            "Location": {"Fn::Sub": ["${Bucket}/nightly/cache", {"Bucket": {"Ref": "CacheBucket"}}]},
            "Type": "S3"
        })
    );
    assert_eq!(
        properties(&template, "NightlyCoverageReportGroup")["Type"],
        "CODE_COVERAGE"
    );
    let statements =
        properties(&template, "NightlyRoleDefaultPolicy")["PolicyDocument"]["Statement"]
            .as_array()
            .cloned()
            .unwrap_or_default();
    let grants = |action: &str| -> Vec<Json> {
        statements
            .iter()
            .filter(|statement| {
                statement["Action"] == action
                    || statement["Action"]
                        .as_array()
                        .is_some_and(|actions| actions.iter().any(|known| known == action))
            })
            .map(|statement| statement["Resource"].clone())
            .collect()
    };
    assert_eq!(
        grants("secretsmanager:GetSecretValue"),
        [
            json!({"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prod/db-??????"})
        ]
    );
    assert_eq!(
        grants("ssm:GetParameters"),
        [
            json!({"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tools/api-url"})
        ]
    );
    assert_eq!(
        grants("s3:PutObject"),
        [
            json!({"Fn::Sub": ["${Arn}/nightly/cache/*", {"Arn": {"Fn::GetAtt": ["CacheBucket", "Arn"]}}]})
        ]
    );
}

#[test]
fn projects_with_a_buildspec_file_run_as_pipeline_actions() {
    let template =
        template("  - codebuild/project: { name: package, buildspec: ci/buildspec.yml }\n");
    let project = properties(&template, "PackageProject");
    assert_eq!(
        project["Source"],
        json!({"BuildSpec": "ci/buildspec.yml", "Type": "CODEPIPELINE"})
    );
    assert_eq!(project["Artifacts"], json!({"Type": "CODEPIPELINE"}));
    assert_eq!(
        project["Environment"]["Image"],
        "aws/codebuild/standard:7.0"
    );
    assert_eq!(
        project["Environment"]["ComputeType"],
        "BUILD_GENERAL1_SMALL"
    );
}

#[test]
fn the_example_build_project_reads_exactly_its_secret_and_parameter() {
    let manifests = Manifests::load(&["manifests/accounts.yaml", "manifests/build-project.yaml"]);
    let assembly = match Registry::builtin().synth(&manifests) {
        Ok(assembly) => assembly,
        Err(diagnostics) => panic!("{}", render_text(&diagnostics, manifests.sources(), false)),
    };
    let stack = assembly
        .stacks
        .iter()
        .find(|stack| stack.name == "build-tools")
        .expect("the build-tools stack");
    assert_eq!(stack.env.account(), "111111111111");
    let template: Json = serde_json::from_str(&stack.body).expect("JSON");
    let project = properties(&template, "DbChecksProject");
    assert_eq!(project["Source"]["Type"], "NO_SOURCE");
    assert_eq!(project["VpcConfig"]["VpcId"], "vpc-0a1b2c3d4e5f67890");
    assert_eq!(
        project["VpcConfig"]["SecurityGroupIds"],
        json!([{"Fn::GetAtt": ["DbChecksSecurityGroup", "GroupId"]}])
    );
    let policy =
        serde_json::to_string(&properties(&template, "DbChecksRoleDefaultPolicy")).expect("JSON");
    assert!(policy.contains(":secret:prod/db-??????"), "{policy}");
    assert!(policy.contains(":parameter/products/db-host"), "{policy}");
    assert_eq!(
        properties(&template, "BuildCacheBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            [0]["ServerSideEncryptionByDefault"]["KMSMasterKeyID"],
        json!({"Fn::GetAtt": ["BuildCacheKey", "Arn"]})
    );
}

#[test]
fn unknown_references_are_located_with_a_suggestion() {
    let error = only(
        "  - kms/key: { name: cache-key }
  - s3/bucket: { name: cache, key: cache-ky }
",
    );
    assert_eq!(
        error.to_string(),
        "m.yaml:12:36: error[E0309]: this stack has no `kms/key` entry named `cache-ky`"
    );
    assert_eq!(
        error.expected.as_deref(),
        Some("the name of one of the stack's `kms/key` entries: `cache-key`")
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `cache-key`?"));

    let error = only(
        "  - iam/managed-policy: { name: p, roles: [builder], statements: [{ actions: [s3:GetObject], resources: [\"*\"] }] }\n",
    );
    assert_eq!(
        error.to_string(),
        "m.yaml:11:44: error[E0309]: this stack has no `iam/role` entry named `builder`"
    );
    assert_eq!(
        error.help.as_deref(),
        Some("add an entry `- iam/role: { name: builder, … }` to the stack's resources")
    );
}

#[test]
fn a_reference_to_another_kind_of_entry_says_what_the_name_is() {
    let error = only(
        "  - s3/bucket: { name: artifacts }
  - sns/topic: { name: releases, key: artifacts }
",
    );
    assert_eq!(
        error.to_string(),
        "m.yaml:12:39: error[E0309]: this stack has no `kms/key` entry named `artifacts`"
    );
    assert_eq!(
        error.notes,
        ["`artifacts` names an entry of kind `s3/bucket`, which cannot be used here"]
    );
}

#[test]
fn entries_with_errors_are_not_reported_again_by_their_references() {
    assert_eq!(
        messages(
            "  - kms/key: { name: cache-key, alais: tools/cache }
  - s3/bucket: { name: cache, key: cache-key }
  - sns/topic: { name: releases, key: cache-key }
"
        ),
        ["m.yaml:11:33: error[E0203]: unknown field `alais`"]
    );
}

#[test]
fn pass_role_on_any_resource_is_refused() {
    let error = only(
        r#"  - iam/role:
      name: deployer
      assumedBy: [codebuild.amazonaws.com]
      statements:
        - actions: [iam:PassRole]
          resources: ["*"]
          conditions: { StringEquals: { iam:PassedToService: cloudformation.amazonaws.com } }
"#,
    );
    assert_eq!(
        error.to_string(),
        "m.yaml:16:23: error[E0311]: `iam:PassRole` on `*` lets the role hand any role of the account to a service"
    );
    assert_eq!(
        error.help.as_deref(),
        Some(
            "name the roles it passes, e.g. `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/deployer`"
        )
    );
}

#[test]
fn pass_role_without_passed_to_service_is_refused() {
    let error = only(
        r#"  - iam/managed-policy:
      name: deploy
      statements:
        - actions: [cloudformation:CreateStack, iam:Pass*]
          resources: ["arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cfn-exec"]
"#,
    );
    assert_eq!(
        error.to_string(),
        "m.yaml:14:49: error[E0311]: `iam:Pass*` without an `iam:PassedToService` condition lets the role pass roles to any service"
    );
    assert_eq!(
        error.help.as_deref(),
        Some(
            "add `conditions: { StringEquals: { iam:PassedToService: cloudformation.amazonaws.com } }` with the services the roles are for"
        )
    );
}

#[test]
fn allowing_every_action_is_an_error_denying_it_is_not() {
    assert_eq!(
        messages(
            r#"  - iam/role:
      name: admin
      assumedBy: [workloads]
      statements:
        - actions: ["*"]
          resources: ["arn:${AWS::Partition}:s3:::acme-releases"]
        - actions: [s3:*, s3:Get*]
          resources: ["arn:${AWS::Partition}:s3:::acme-releases"]
        - effect: deny
          actions: ["*"]
          resources: ["*"]
"#
        ),
        [
            "m.yaml:15:21: error[E0311]: `*` allows every action of every service",
            "m.yaml:17:21: error[E0311]: `s3:*` allows every `s3` action",
        ]
    );
}

#[test]
fn statements_need_actions_resources_and_known_operators() {
    assert_eq!(
        messages(
            r#"  - iam/role:
      name: reader
      assumedBy: [workloads]
      statements:
        - actions: [s3 GetObject]
          resources: []
          conditions: { StringEqual: { aws:RequestedRegion: us-east-1 } }
"#
        ),
        [
            "m.yaml:15:11: error[E0205]: a statement needs at least one resource",
            "m.yaml:15:21: error[E0205]: `s3 GetObject` is not an IAM action",
            "m.yaml:17:25: error[E0205]: unknown condition operator `StringEqual`",
        ]
    );
}

#[test]
fn principals_are_services_accounts_or_role_arns() {
    let found = diagnostics(
        r#"  - iam/role:
      name: deployer
      assumedBy: [codebuild.amazonaws.con, workload, "arn:aws:iam::111111111111:policy/x"]
"#,
    );
    let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "m.yaml:13:19: error[E0205]: `codebuild.amazonaws.con` is not a service principal",
            "m.yaml:13:44: error[E0303]: unknown account alias `workload`",
            "m.yaml:13:54: error[E0205]: `arn:aws:iam::111111111111:policy/x` is not the ARN of an IAM role, user or account",
        ]
    );
    assert_eq!(found[1].help.as_deref(), Some("did you mean `workloads`?"));
}

#[test]
fn bad_image_aliases_point_at_the_image() {
    let error =
        only("  - codebuild/project: { name: build, image: standard:7, commands: [make] }\n");
    assert!(
        error
            .to_string()
            .starts_with("m.yaml:11:46: error[E0205]: unknown image `standard:7` (did you mean `standard:7.0`?); valid images are a curated alias"),
        "{error}"
    );
}

#[test]
fn bad_compute_types_point_at_the_compute() {
    let error = only("  - codebuild/project: { name: build, compute: huge, commands: [make] }\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:11:48: error[E0205]: unknown compute type `huge`; valid compute types are small, medium, large, xlarge, 2xlarge"
    );
}

#[test]
fn unknown_fields_are_rejected_with_a_suggestion() {
    let error = only("  - iam/role: { name: deployer, assumeBy: [codebuild.amazonaws.com] }\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:11:33: error[E0203]: unknown field `assumeBy`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `assumedBy`?"));
    let error = only("  - s3/bucket: { name: logs, lifecycle: { expireNoncurrentDays: 30 } }\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:11:43: error[E0203]: unknown field `expireNoncurrentDays`"
    );
    assert_eq!(
        error.help.as_deref(),
        Some("did you mean `expireNoncurrentAfterDays`?")
    );
}

#[test]
fn environment_variables_are_values_secrets_or_parameters() {
    let found = diagnostics(
        r#"  - codebuild/project:
      name: build
      commands: [make]
      env:
        A: { secrt: prod/db }
        B: { secret: prod/db, kye: password }
        C: [1, 2]
"#,
    );
    let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "m.yaml:15:14: error[E0205]: environment variable `A` has no value",
            "m.yaml:16:31: error[E0203]: unknown field `kye`",
            "m.yaml:17:12: error[E0202]: invalid type for `env.C`",
        ]
    );
    assert_eq!(found[0].help.as_deref(), Some("did you mean `secret`?"));
    assert_eq!(found[1].help.as_deref(), Some("did you mean `key`?"));
}

#[test]
fn inline_and_file_buildspecs_are_told_apart() {
    assert_eq!(
        messages(
            "  - codebuild/project: { name: a, buildspec: buildspec.yml, commands: [make] }
  - codebuild/project: { name: b, reports: { unit: { files: [junit.xml] } } }
  - codebuild/project: { name: c, commands: [make], reports: { unit: {}, cov: { coverage: true, format: junit } } }
"
        ),
        [
            "m.yaml:11:46: error[E0205]: a project runs a buildspec file or inline commands, not both",
            "m.yaml:12:46: error[E0205]: the files of report `unit` belong in the buildspec file",
            "m.yaml:13:64: error[E0204]: report `unit` has no files",
            "m.yaml:13:74: error[E0204]: report `cov` has no files",
            "m.yaml:13:105: error[E0205]: `JUNITXML` is not a coverage report format",
        ]
    );
}

#[test]
fn bucket_settings_that_contradict_each_other_are_errors() {
    assert_eq!(
        messages(
            "  - kms/key: { name: team }
  - s3/bucket: { name: a, encryption: s3, key: team }
  - s3/bucket: { name: b, versioned: false, lifecycle: { expireNoncurrentAfterDays: 30 } }
  - s3/bucket: { name: c, bucketName: Acme_Releases, lifecycle: { abortIncompleteUploadsAfterDays: 0 } }
"
        ),
        [
            "m.yaml:12:39: error[E0205]: `encryption: s3` uses keys S3 manages, but `key` names a KMS key",
            "m.yaml:13:85: error[E0205]: a bucket without versioning has no noncurrent versions to expire",
            "m.yaml:14:39: error[E0205]: `Acme_Releases` is not a valid S3 bucket name",
            "m.yaml:14:100: error[E0205]: 0 days is not a lifetime",
        ]
    );
}

#[test]
fn construct_errors_point_at_the_entry() {
    let error = only("  - codebuild/project: { name: build, commands: [make], timeout: 3 }\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:11:32: error[E0205]: a timeout of 3 minutes is out of range; CodeBuild accepts 5 to 2160 minutes"
    );
}

#[test]
fn logical_id_collisions_name_both_entries() {
    let error = only(
        "  - iam/role: { name: build, assumedBy: [codebuild.amazonaws.com] }
  - codebuild/project: { name: build, commands: [make] }
",
    );
    assert_eq!(
        error.to_string(),
        "m.yaml:12:32: error[E0402]: stack `tools` has two resources with the logical ID `BuildRole`"
    );
    assert_eq!(
        error.notes,
        ["`BuildRole` is first defined at m.yaml:11:23"]
    );
    assert_eq!(
        error.help.as_deref(),
        Some("give one of the resources another `name`")
    );
}

#[test]
fn names_are_kebab_case() {
    let error = only("  - kms/key: { name: BuildCache }\n");
    assert_eq!(
        error.to_string(),
        "m.yaml:11:22: error[E0206]: resource name `BuildCache` is not kebab-case"
    );
    assert_eq!(error.help.as_deref(), Some("write `build-cache`"));
}

/// A team's resource kind that refers to other entries of its kind: `needs` are built
/// first, and each entry adds a wait condition handle (so the template shows the order).
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    /// The step's name.
    name: Located<String>,
    /// Steps it comes after.
    #[serde(default)]
    needs: Vec<Located<String>>,
    /// Steps it uses without listing them as references (a mistake of a kind).
    #[serde(default)]
    uses: Vec<Located<String>>,
}

struct Step;

impl ResourceKind for Step {
    type Spec = StepSpec;
    const KEY: &'static str = "team/step";

    fn name(spec: &StepSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &StepSpec) -> Vec<EntryRef<'_>> {
        spec.needs
            .iter()
            .map(|name| EntryRef::new(Self::KEY, name))
            .collect()
    }

    fn build(&self, entry: &ResourceEntry<StepSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let uses = entry
            .spec
            .uses
            .iter()
            .map(|name| EntryRef::new(Self::KEY, name));
        for reference in Self::references(&entry.spec).into_iter().chain(uses) {
            if let Err(errors) = cx.resolve::<String>(entry.stack, &reference) {
                return errors;
            }
        }
        let name = &entry.spec.name;
        let id = cfsynth::app::logical_id(&[name]);
        cx.add_resource(
            entry.stack,
            name,
            &id,
            Resource::raw("AWS::CloudFormation::WaitConditionHandle", Map::new()),
            Origin::at(&name.span),
        );
        cx.publish(entry, name, name.value.clone());
        Diagnostics::new()
    }
}

fn steps() -> Registry {
    let mut registry = Registry::builtin();
    registry.register_resource(Step);
    registry
}

#[test]
fn a_team_kind_is_built_after_the_entries_it_refers_to() {
    let template = synth_with(
        &steps(),
        "  - team/step: { name: deploy, needs: [test, build] }
  - team/step: { name: test, needs: [build] }
  - team/step: { name: build }
",
    )
    .expect("valid steps");
    assert_eq!(logical_ids(&template), ["Build", "Test", "Deploy"]);
}

#[test]
fn entries_that_refer_to_each_other_in_a_cycle_are_an_error() {
    let errors: Vec<String> = synth_with(
        &steps(),
        "  - team/step: { name: build, needs: [test] }
  - team/step: { name: test, needs: [build] }
  - team/step: { name: deploy, needs: [test] }
  - team/step: { name: lint, needs: [lint] }
",
    )
    .err()
    .into_iter()
    .flatten()
    .map(|diagnostic| diagnostic.to_string())
    .collect();
    assert_eq!(
        errors,
        [
            "m.yaml:11:39: error[E0310]: resource entries refer to each other in a cycle: `build` → `test` → `build`",
            "m.yaml:14:38: error[E0310]: the entry `lint` refers to itself",
        ]
    );
}

#[test]
fn a_reference_a_kind_does_not_declare_is_an_error_not_a_silent_skip() {
    let errors: Vec<String> = synth_with(
        &steps(),
        "  - team/step: { name: deploy, uses: [build] }
  - team/step: { name: build }
",
    )
    .err()
    .into_iter()
    .flatten()
    .map(|diagnostic| diagnostic.to_string())
    .collect();
    assert_eq!(
        errors,
        [
            "m.yaml:11:39: error[E0309]: the `team/step` entry `build` cannot be used here: it is not built yet (its kind does not list this reference)"
        ]
    );
}
