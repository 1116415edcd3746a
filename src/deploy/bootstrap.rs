//! `cfsynth bootstrap`: makes an account and region ready for `cfsynth deploy` in one
//! command. The bootstrap stack (`cfsynth-bootstrap`) is synthesized with cfsynth's own
//! constructs and holds:
//!
//! - the staging bucket `cfsynth-staging-<account>-<region>` (encrypted, every public
//!   access blocked, TLS only, retained when the stack goes) for templates over 51,200
//!   bytes and assets, under content-hashed keys;
//! - the deploy role `cfsynth-deploy`, trusted by the `--trust` accounts (the tooling
//!   account), allowed to run change sets, use the staging bucket and pass the execution
//!   role to CloudFormation, nothing else;
//! - the execution role `cfsynth-cfn-exec`, which CloudFormation uses to change
//!   resources, with the `--execution-policy` managed policies (default:
//!   `AdministratorAccess`).

use crate::app::{App, Assembly, Environment, StackRole};
use crate::constructs::Scope;
use crate::constructs::iam::{Grantee, Principal, Role, RoleProps, Statement};
use crate::constructs::s3::{Bucket, BucketProps, LifecycleRule};
use crate::template::{Output, Val, sub};

use super::engine::{DEFAULT_EXECUTION_ROLE, DEFAULT_ROLE};
use super::error::DeployError;

/// The bootstrap stack's name.
pub const BOOTSTRAP_STACK: &str = "cfsynth-bootstrap";

/// What `cfsynth bootstrap` is asked for.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BootstrapOptions {
    /// The account to bootstrap.
    pub account: String,
    /// The region.
    pub region: String,
    /// Accounts whose principals may assume the deploy role (the tooling account); the
    /// bootstrapped account itself when empty.
    pub trust: Vec<String>,
    /// Managed policies (ARNs) for the execution role; `AdministratorAccess` when empty.
    pub execution_policies: Vec<String>,
    /// Turn termination protection on for the bootstrap stack.
    pub termination_protection: bool,
}

/// The CloudFormation actions a deploy makes with the deploy role.
const DEPLOY_ACTIONS: &[&str] = &[
    "cloudformation:CreateChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:DeleteChangeSet",
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",
    "cloudformation:GetTemplate",
    "cloudformation:DeleteStack",
    "cloudformation:UpdateTerminationProtection",
    "cloudformation:SetStackPolicy",
];

/// Synthesizes the bootstrap stack.
pub fn bootstrap_assembly(options: &BootstrapOptions) -> Result<Assembly, DeployError> {
    let env = Environment::new(options.account.clone(), options.region.clone())
        .map_err(|error| DeployError::Usage(format!("bootstrap: {error}")))?;
    for account in &options.trust {
        if account.len() != 12 || !account.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(DeployError::Usage(format!(
                "--trust `{account}` is not a 12-digit account id"
            )));
        }
    }
    let mut app = App::new();
    let stack = app.add_stack(BOOTSTRAP_STACK, env.clone(), StackRole::Bootstrap);
    {
        let target = app.stack_mut(stack);
        target.template.description = Some(
            "cfsynth bootstrap: staging bucket, deploy role and CloudFormation execution role"
                .to_owned(),
        );
        target.termination_protection = options.termination_protection;
    }
    let root = Scope::root(stack);
    let bucket_name = format!("cfsynth-staging-{}-{}", env.account(), env.region());
    let bucket = Bucket::new(
        &mut app,
        &root.child("staging"),
        BucketProps {
            name: Some(bucket_name),
            versioned: false,
            lifecycle: vec![LifecycleRule::AbortIncompleteMultipartUploads { days: 1 }],
            ..BucketProps::default()
        },
    );
    let execution_policies: Vec<Val<String>> = if options.execution_policies.is_empty() {
        vec![Val::Expr(sub(
            "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess",
        ))]
    } else {
        options
            .execution_policies
            .iter()
            .map(|arn| Val::Lit(arn.clone()))
            .collect()
    };
    let execution = Role::new(
        &mut app,
        &root.child("execution"),
        RoleProps {
            assumed_by: vec![Principal::service("cloudformation.amazonaws.com")],
            name: Some(DEFAULT_EXECUTION_ROLE.to_owned()),
            description: Some("Used by CloudFormation for stacks cfsynth deploys".to_owned()),
            managed_policy_arns: execution_policies,
            ..RoleProps::default()
        },
    );
    let trusted: Vec<&String> = if options.trust.is_empty() {
        vec![&options.account]
    } else {
        options.trust.iter().collect()
    };
    let deploy = Role::new(
        &mut app,
        &root.child("deploy"),
        RoleProps {
            assumed_by: trusted
                .into_iter()
                .map(|account| Principal::account(account.clone()))
                .collect(),
            name: Some(DEFAULT_ROLE.to_owned()),
            description: Some("Assumed by cfsynth deploy from the trusted accounts".to_owned()),
            ..RoleProps::default()
        },
    );
    deploy.add_to_policy(
        &mut app,
        Statement::allow(DEPLOY_ACTIONS.iter().copied()).on([Val::Expr(sub(
            "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*",
        ))]),
    );
    deploy.add_to_policy(
        &mut app,
        Statement::allow(["iam:PassRole"])
            .on([Val::Expr(execution.arn())])
            .when(
                "StringEquals",
                "iam:PassedToService",
                "cloudformation.amazonaws.com",
            ),
    );
    bucket.grant_read_write(&mut app, &deploy);
    let template = &mut app.stack_mut(stack).template;
    template.add_output(
        "StagingBucket",
        Output::new(Val::Expr(bucket.name())).with_description("Templates and assets"),
    );
    template.add_output(
        "DeployRoleArn",
        Output::new(Val::Expr(deploy.arn())).with_description("Assumed by cfsynth deploy"),
    );
    template.add_output(
        "ExecutionRoleArn",
        Output::new(Val::Expr(execution.arn())).with_description("Used by CloudFormation"),
    );
    app.synth().map_err(|errors| {
        DeployError::Usage(format!("cannot synthesize the bootstrap stack: {errors}"))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value as Json;

    use super::*;

    #[test]
    fn the_bootstrap_stack_has_a_private_bucket_and_two_narrow_roles() {
        let assembly = bootstrap_assembly(&BootstrapOptions {
            account: "222222222222".into(),
            region: "eu-west-1".into(),
            trust: vec!["111111111111".into()],
            execution_policies: Vec::new(),
            termination_protection: true,
        })
        .unwrap();
        let stack = &assembly.stacks[0];
        assert_eq!(stack.name, "cfsynth-bootstrap");
        assert!(stack.termination_protection);
        assert_eq!(stack.capabilities, ["CAPABILITY_NAMED_IAM"]);
        let template: Json = serde_json::from_str(&stack.body).unwrap();
        let body = template.to_string();
        assert!(
            body.contains("cfsynth-staging-222222222222-eu-west-1"),
            "{body}"
        );
        assert!(body.contains("\"BlockPublicAcls\":true"), "{body}");
        assert!(
            body.contains("arn:${AWS::Partition}:iam::111111111111:root"),
            "{body}"
        );
        assert!(body.contains("iam:PassedToService"), "{body}");
        assert!(body.contains("AdministratorAccess"), "{body}");
        assert!(template["Outputs"].get("DeployRoleArn").is_some());

        let bad = bootstrap_assembly(&BootstrapOptions {
            account: "2222".into(),
            region: "eu-west-1".into(),
            trust: Vec::new(),
            execution_policies: Vec::new(),
            termination_protection: false,
        })
        .unwrap_err();
        assert_eq!(
            bad.to_string(),
            "bootstrap: account id `2222` is not 12 digits"
        );
    }
}
