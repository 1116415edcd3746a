//! Customer-managed KMS keys and references to keys elsewhere.

use serde_json::json;

use super::this_account;
use crate::app::{App, ResourceHandle};
use crate::constructs::Scope;
use crate::constructs::iam::{Grantee, PolicyDocument, Principal, Statement, add_statement};
use crate::l1::kms::{alias, key};
use crate::template::{Expr, Resource, Val, sub};

/// What `grant_decrypt` allows.
const DECRYPT: &[&str] = &["kms:Decrypt", "kms:DescribeKey"];

/// What `grant_encrypt_decrypt` allows.
const ENCRYPT_DECRYPT: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
];

/// How long a key removed from its stack waits before KMS deletes it: the maximum, so a
/// mistake can be undone for as long as possible.
const PENDING_WINDOW_DAYS: i64 = 30;

/// Properties of a [`Key`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyProps {
    /// What the key protects.
    pub description: Option<String>,
    /// An alias name (`alias/…`; the prefix is added when missing), created as an
    /// `AWS::KMS::Alias`. Other accounts and regions can find the key by it (see [`KeyRef`]).
    pub alias: Option<String>,
    /// Keep the key when it leaves the stack or is replaced (`DeletionPolicy` and
    /// `UpdateReplacePolicy` `Retain`). Default `true`: data encrypted with a deleted key is
    /// lost.
    pub retain: bool,
}

impl Default for KeyProps {
    fn default() -> Self {
        KeyProps {
            description: None,
            alias: None,
            retain: true,
        }
    }
}

/// A symmetric customer-managed KMS key with automatic rotation.
///
/// Its key policy starts with the standard statement that makes the account (its root
/// principal) the key's administrator, so that IAM policies in the account decide who may
/// use the key: grants to principals of the same account are identity statements only.
/// Principals of other accounts also need a key-policy statement, which grants add.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Key {
    handle: ResourceHandle,
    account: String,
    alias: Option<String>,
}

impl Key {
    /// Creates a key in `scope` with the logical ID `<Scope>Key` (and `<Scope>KeyAlias`).
    pub fn new(app: &mut App, scope: &Scope, props: KeyProps) -> Key {
        let admin = Statement::allow(["kms:*"])
            .sid("EnableIamPolicies")
            .to(Principal::arn(sub(
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
            )))
            .on(["*"]);
        let resource = key::Key {
            description: props.description.map(Val::Lit),
            enable_key_rotation: Some(Val::Lit(true)),
            pending_window_in_days: Some(Val::Lit(PENDING_WINDOW_DAYS)),
            key_policy: Some(PolicyDocument::of([admin]).into_json()),
            ..key::Key::default()
        };
        let mut resource = Resource::new(&resource);
        if props.retain {
            resource = resource.retain();
        }
        let handle = scope.add_resource(app, "Key", resource);
        let alias = props.alias.map(|name| {
            if name.starts_with("alias/") {
                name
            } else {
                format!("alias/{name}")
            }
        });
        if let Some(name) = &alias {
            let target: Expr<String> = handle.ref_();
            scope.add(app, "KeyAlias", &alias::Alias::new(name.as_str(), target));
        }
        Key {
            handle,
            account: scope.account(app).to_owned(),
            alias,
        }
    }

    /// The key's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.handle.get_att("Arn")
    }

    /// The key resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }

    /// The account the key is in.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The alias name (`alias/…`), when the key has one.
    pub fn alias_name(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    /// Adds a statement to the key policy. In a key policy the resource is always `*`
    /// (the key itself) and every statement needs a principal.
    pub fn add_to_key_policy(&self, app: &mut App, statement: Statement) {
        if let Some(resource) = app.resource_mut(&self.handle)
            && let Some(document) = resource.properties.get_mut("KeyPolicy")
        {
            add_statement(document, statement);
        }
    }

    /// Lets `grantee` decrypt with the key (`kms:Decrypt`, `kms:DescribeKey`).
    pub fn grant_decrypt(&self, app: &mut App, grantee: &dyn Grantee) {
        self.grant(app, grantee, DECRYPT);
    }

    /// Lets `grantee` encrypt and decrypt with the key (also `kms:Encrypt`,
    /// `kms:ReEncrypt*`, `kms:GenerateDataKey*`).
    pub fn grant_encrypt_decrypt(&self, app: &mut App, grantee: &dyn Grantee) {
        self.grant(app, grantee, ENCRYPT_DECRYPT);
    }

    /// Lets `grantee` call `actions` on the key: an identity statement on the key's ARN,
    /// and, for a grantee of another account, a key-policy statement naming it.
    pub fn grant(&self, app: &mut App, grantee: &dyn Grantee, actions: &[&str]) {
        grantee.add_to_policy(
            app,
            Statement::allow(actions.iter().copied()).on([self.arn()]),
        );
        if grantee.account() != self.account {
            self.add_to_key_policy(
                app,
                Statement::allow(actions.iter().copied())
                    .to(grantee.principal())
                    .on(["*"]),
            );
        }
    }

    /// Lets an AWS service (e.g. `sns.amazonaws.com`, `events.amazonaws.com`,
    /// `codestar-notifications.amazonaws.com`) call `actions` on the key when it acts for
    /// this account (`aws:SourceAccount` = `${AWS::AccountId}`).
    pub fn allow_service(&self, app: &mut App, service_principal: &str, actions: &[&str]) {
        self.add_to_key_policy(
            app,
            Statement::allow(actions.iter().copied())
                .to(Principal::service(service_principal))
                .on(["*"])
                .when("StringEquals", "aws:SourceAccount", this_account()),
        );
    }
}

/// A key in another account or region that cfsynth knows only by its alias (e.g. the
/// artifact key of a pipeline's support stack in another region).
///
/// Grants are identity statements on any key of that account and region, narrowed by a
/// `kms:ResourceAliases` condition to the key that carries the alias: least privilege
/// without knowing the key id. The key's own policy must allow the grantee's account.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyRef {
    account: String,
    region: String,
    alias: String,
}

impl KeyRef {
    /// The key with `alias` (`alias/…`; the prefix is added when missing) in `account` and
    /// `region`.
    pub fn new(
        account: impl Into<String>,
        region: impl Into<String>,
        alias: impl Into<String>,
    ) -> KeyRef {
        let alias = alias.into();
        let alias = if alias.starts_with("alias/") {
            alias
        } else {
            format!("alias/{alias}")
        };
        KeyRef {
            account: account.into(),
            region: region.into(),
            alias,
        }
    }

    /// The alias name (`alias/…`).
    pub fn alias_name(&self) -> &str {
        &self.alias
    }

    /// The account the key is in.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The region the key is in.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// `arn:${AWS::Partition}:kms:<region>:<account>:alias/<name>`: what services that
    /// accept an alias ARN (e.g. a CodePipeline artifact store) are given.
    pub fn alias_arn(&self) -> Expr<String> {
        sub(format!(
            "arn:${{AWS::Partition}}:kms:{}:{}:{}",
            self.region, self.account, self.alias
        ))
    }

    /// `arn:${AWS::Partition}:kms:<region>:<account>:key/*`.
    fn any_key_arn(&self) -> Expr<String> {
        sub(format!(
            "arn:${{AWS::Partition}}:kms:{}:{}:key/*",
            self.region, self.account
        ))
    }

    /// Lets `grantee` decrypt with the key (`kms:Decrypt`, `kms:DescribeKey`).
    pub fn grant_decrypt(&self, app: &mut App, grantee: &dyn Grantee) {
        self.grant(app, grantee, DECRYPT);
    }

    /// Lets `grantee` encrypt and decrypt with the key.
    pub fn grant_encrypt_decrypt(&self, app: &mut App, grantee: &dyn Grantee) {
        self.grant(app, grantee, ENCRYPT_DECRYPT);
    }

    /// Lets `grantee` call `actions` on the key that carries the alias.
    pub fn grant(&self, app: &mut App, grantee: &dyn Grantee, actions: &[&str]) {
        grantee.add_to_policy(
            app,
            Statement::allow(actions.iter().copied())
                .on([self.any_key_arn()])
                .when(
                    "ForAnyValue:StringEquals",
                    "kms:ResourceAliases",
                    json!(self.alias),
                ),
        );
    }
}
