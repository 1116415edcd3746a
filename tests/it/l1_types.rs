//! The generated L1 types serialize to CloudFormation property names and expose their
//! `Fn::GetAtt` attributes.

use cfsynth::l1;
use cfsynth::l1::iam::role::{Policy, Role};
use cfsynth::l1::s3::bucket::{
    Bucket, BucketEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionByDefaultSSEAlgorithm, ServerSideEncryptionRule,
};
use cfsynth::template::{ResourceType, Val, ref_};
use serde_json::json;

#[test]
fn bucket_with_encryption_serializes_cloudformation_names() {
    let mut by_default =
        ServerSideEncryptionByDefault::new(ServerSideEncryptionByDefaultSSEAlgorithm::AwsKms);
    by_default.kms_master_key_id = Some(ref_::<String>("Key").into());
    let rule = ServerSideEncryptionRule {
        server_side_encryption_by_default: Some(by_default.into()),
        bucket_key_enabled: Some(true.into()),
        ..Default::default()
    };
    let bucket = Bucket {
        bucket_name: Some("artifacts".into()),
        bucket_encryption: Some(BucketEncryption::new(vec![Val::from(rule)]).into()),
        ..Default::default()
    };

    assert_eq!(
        serde_json::to_value(&bucket).unwrap(),
        json!({
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{
                    "BucketKeyEnabled": true,
                    "ServerSideEncryptionByDefault": {
                        "KMSMasterKeyID": {"Ref": "Key"},
                        "SSEAlgorithm": "aws:kms",
                    },
                }],
            },
            "BucketName": "artifacts",
        })
    );
    assert_eq!(Bucket::TYPE_NAME, "AWS::S3::Bucket");
    assert!(<Bucket as ResourceType>::ATTRIBUTES.contains(&"Arn"));
}

#[test]
fn role_requires_its_trust_policy() {
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "codebuild.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    });
    let mut role = Role::new(trust.clone());
    role.managed_policy_arns = Some(Val::list(["arn:aws:iam::aws:policy/ReadOnlyAccess"]));
    role.policies = Some(Val::Lit(vec![
        Policy::new(json!({"Version": "2012-10-17", "Statement": []}), "inline").into(),
    ]));

    assert_eq!(
        serde_json::to_value(&role).unwrap(),
        json!({
            "AssumeRolePolicyDocument": trust,
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "Policies": [{
                "PolicyDocument": {"Version": "2012-10-17", "Statement": []},
                "PolicyName": "inline",
            }],
        })
    );
}

#[test]
fn attributes_are_listed_per_type_name() {
    let role = l1::attributes_of("AWS::IAM::Role").unwrap();
    assert!(role.contains(&"Arn"));
    assert!(role.contains(&"RoleId"));
    assert_eq!(role, Role::ATTRIBUTES);
    assert_eq!(l1::attributes_of("AWS::Nope::Nothing"), None);
    assert!(l1::TYPE_NAMES.contains(&"AWS::CodePipeline::Pipeline"));
    assert!(l1::TYPE_NAMES.is_sorted());
    assert_eq!(l1::CFN_LINT_VERSION, "1.58.0");
}
