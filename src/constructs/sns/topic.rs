//! Encrypted SNS topics with a TLS-only topic policy.

use serde_json::json;

use crate::app::{App, ResourceHandle};
use crate::constructs::Scope;
use crate::constructs::iam::{Grantee, PolicyDocument, Principal, Statement, add_statement};
use crate::constructs::kms::{Key, this_account};
use crate::l1::sns::{topic, topic_policy};
use crate::template::{Expr, Val};

/// The AWS-managed SNS key, used when a topic has no customer-managed key.
const AWS_MANAGED_KEY: &str = "alias/aws/sns";

/// What a publisher needs on the topic's customer-managed key.
const PUBLISH_KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey*"];

/// Properties of a [`Topic`].
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TopicProps {
    /// A fixed physical name; CloudFormation generates one when `None`.
    pub name: Option<String>,
    /// The display name (the sender name of SMS and email messages).
    pub display_name: Option<String>,
    /// A customer-managed key to encrypt messages with; the AWS-managed `alias/aws/sns`
    /// when `None` (which AWS services outside the account cannot use: give a key to let
    /// CodeStar Notifications or EventBridge publish).
    pub key: Option<Key>,
}

/// An SNS topic, always encrypted at rest, with a topic policy whose first statement
/// denies publishing other than over TLS.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Topic {
    handle: ResourceHandle,
    policy: ResourceHandle,
    account: String,
    key: Option<Key>,
}

impl Topic {
    /// Creates a topic with the logical ID `<Scope>Topic` and its policy
    /// `<Scope>TopicPolicy`.
    pub fn new(app: &mut App, scope: &Scope, props: TopicProps) -> Topic {
        let key_id: Val<String> = match &props.key {
            Some(key) => Val::Expr(key.arn()),
            None => Val::Lit(AWS_MANAGED_KEY.to_owned()),
        };
        let resource = topic::Topic {
            topic_name: props.name.map(Val::Lit),
            display_name: props.display_name.map(Val::Lit),
            kms_master_key_id: Some(key_id),
            ..topic::Topic::default()
        };
        let handle = scope.add(app, "Topic", &resource);
        let arn: Expr<String> = handle.ref_();
        let tls_only = Statement::deny(["sns:Publish"])
            .sid("DenyInsecureTransport")
            .to(Principal::Anyone)
            .on([arn.clone()])
            .when("Bool", "aws:SecureTransport", json!("false"));
        let policy = topic_policy::TopicPolicy::new(
            PolicyDocument::of([tls_only]).into_json(),
            vec![Val::Expr(arn)],
        );
        let policy = scope.add(app, "TopicPolicy", &policy);
        Topic {
            handle,
            policy,
            account: scope.account(app).to_owned(),
            key: props.key,
        }
    }

    /// The topic's ARN (what `Ref` returns for a topic).
    pub fn arn(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The topic resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }

    /// The topic policy resource (resources that need the policy in place, such as
    /// notification rules, should `DependsOn` it).
    pub fn policy_handle(&self) -> &ResourceHandle {
        &self.policy
    }

    /// The account the topic is in.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The customer-managed key that encrypts the topic, if any.
    pub fn key(&self) -> Option<&Key> {
        self.key.as_ref()
    }

    /// Adds a statement to the topic policy.
    pub fn add_to_resource_policy(&self, app: &mut App, statement: Statement) {
        if let Some(resource) = app.resource_mut(&self.policy)
            && let Some(document) = resource.properties.get_mut("PolicyDocument")
        {
            add_statement(document, statement);
        }
    }

    /// Lets `grantee` publish (`sns:Publish`), and use the topic's key for it; a grantee
    /// of another account also gets a topic-policy statement naming it.
    pub fn grant_publish(&self, app: &mut App, grantee: &dyn Grantee) {
        grantee.add_to_policy(app, Statement::allow(["sns:Publish"]).on([self.arn()]));
        if grantee.account() != self.account {
            self.add_to_resource_policy(
                app,
                Statement::allow(["sns:Publish"])
                    .to(grantee.principal())
                    .on([self.arn()]),
            );
        }
        if let Some(key) = &self.key {
            key.grant(app, grantee, PUBLISH_KEY_ACTIONS);
        }
    }

    /// Lets an AWS service (e.g. `codestar-notifications.amazonaws.com`,
    /// `events.amazonaws.com`) publish when it acts for this account
    /// (`aws:SourceAccount` = `${AWS::AccountId}`), and use the topic's key for it.
    pub fn allow_service_publish(&self, app: &mut App, service_principal: &str) {
        self.add_to_resource_policy(
            app,
            Statement::allow(["sns:Publish"])
                .to(Principal::service(service_principal))
                .on([self.arn()])
                .when("StringEquals", "aws:SourceAccount", this_account()),
        );
        if let Some(key) = &self.key {
            key.allow_service(app, service_principal, PUBLISH_KEY_ACTIONS);
        }
    }
}
