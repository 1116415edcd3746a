//! Secure-by-default S3 buckets and references to buckets by name.

use serde_json::json;

use crate::app::{App, ResourceHandle};
use crate::constructs::Scope;
use crate::constructs::iam::{Grantee, PolicyDocument, Principal, Statement, add_statement};
use crate::constructs::kms::{Key, KeyRef};
use crate::l1::s3::{bucket, bucket_policy};
use crate::template::{Expr, Resource, Val, sub, sub_with};

/// What `grant_read` allows.
const READ: &[&str] = &["s3:GetObject*", "s3:GetBucket*", "s3:List*"];

/// What `grant_put` allows (on objects only).
const PUT: &[&str] = &[
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:Abort*",
];

/// What `grant_read_write` allows: read, put, and delete objects.
const READ_WRITE: &[&str] = &[
    "s3:GetObject*",
    "s3:GetBucket*",
    "s3:List*",
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:Abort*",
    "s3:DeleteObject*",
];

/// How a bucket's objects are encrypted at rest.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum BucketEncryption {
    /// SSE-S3 (`AES256`), with keys S3 manages.
    #[default]
    S3Managed,
    /// SSE-KMS with this customer-managed key, with S3 Bucket Keys on (fewer KMS calls).
    /// Required for objects read from other accounts.
    Kms(Key),
}

/// One lifecycle rule of a bucket.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LifecycleRule {
    /// Delete object versions `days` after they stop being current (versioned buckets).
    ExpireNoncurrentVersions {
        /// Days after an object version becomes noncurrent.
        days: i64,
    },
    /// Abort multipart uploads still incomplete `days` after they started, deleting
    /// their parts.
    AbortIncompleteMultipartUploads {
        /// Days after the upload started.
        days: i64,
    },
    /// Expire current objects `days` after they were created.
    ExpireObjects {
        /// Days after creation.
        days: i64,
        /// Only objects whose keys start with this prefix; every object when `None`.
        prefix: Option<String>,
    },
}

impl LifecycleRule {
    /// The L1 rule, with a readable id.
    fn to_l1(&self) -> bucket::Rule {
        let mut rule = bucket::Rule::new(bucket::RuleStatus::Enabled);
        let id = match self {
            LifecycleRule::ExpireNoncurrentVersions { days } => {
                rule.noncurrent_version_expiration =
                    Some(Val::Lit(bucket::NoncurrentVersionExpiration::new(*days)));
                format!("expire-noncurrent-versions-after-{days}-days")
            }
            LifecycleRule::AbortIncompleteMultipartUploads { days } => {
                rule.abort_incomplete_multipart_upload =
                    Some(Val::Lit(bucket::AbortIncompleteMultipartUpload::new(*days)));
                format!("abort-incomplete-uploads-after-{days}-days")
            }
            LifecycleRule::ExpireObjects { days, prefix } => {
                rule.expiration_in_days = Some(Val::Lit(*days));
                rule.prefix = prefix.clone().map(Val::Lit);
                match prefix {
                    Some(prefix) => format!("expire-{prefix}-after-{days}-days"),
                    None => format!("expire-objects-after-{days}-days"),
                }
            }
        };
        rule.id = Some(Val::Lit(id));
        rule
    }
}

/// Properties of a [`Bucket`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BucketProps {
    /// A fixed physical name, for buckets that other stacks, regions or accounts must find
    /// by name (see [`BucketRef`]). CloudFormation generates one when `None`.
    pub name: Option<String>,
    /// Encryption at rest. Default: SSE-S3.
    pub encryption: BucketEncryption,
    /// Keep every version of every object. Default `true`.
    pub versioned: bool,
    /// Lifecycle rules, in order.
    pub lifecycle: Vec<LifecycleRule>,
    /// Keep the bucket when it leaves the stack or is replaced. Default `true`.
    pub retain: bool,
}

impl Default for BucketProps {
    fn default() -> Self {
        BucketProps {
            name: None,
            encryption: BucketEncryption::S3Managed,
            versioned: true,
            lifecycle: Vec::new(),
            retain: true,
        }
    }
}

/// An S3 bucket, secure whatever its properties: every public access blocked, encrypted
/// at rest, ACLs disabled (`BucketOwnerEnforced`), and a bucket policy whose first
/// statement denies every request not made over TLS.
///
/// Grants give the grantee an identity statement (and the key's permissions when the
/// bucket is KMS-encrypted); a grantee of another account also gets a bucket-policy
/// statement naming it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Bucket {
    handle: ResourceHandle,
    policy: ResourceHandle,
    account: String,
    key: Option<Key>,
}

impl Bucket {
    /// Creates a bucket with the logical ID `<Scope>Bucket` and its policy
    /// `<Scope>BucketPolicy`.
    pub fn new(app: &mut App, scope: &Scope, props: BucketProps) -> Bucket {
        let (default_encryption, key) = match props.encryption {
            BucketEncryption::S3Managed => (
                bucket::ServerSideEncryptionByDefault::new(
                    bucket::ServerSideEncryptionByDefaultSSEAlgorithm::Aes256,
                ),
                None,
            ),
            BucketEncryption::Kms(key) => (
                bucket::ServerSideEncryptionByDefault {
                    kms_master_key_id: Some(Val::Expr(key.arn())),
                    ..bucket::ServerSideEncryptionByDefault::new(
                        bucket::ServerSideEncryptionByDefaultSSEAlgorithm::AwsKms,
                    )
                },
                Some(key),
            ),
        };
        let encryption_rule = bucket::ServerSideEncryptionRule {
            bucket_key_enabled: key.as_ref().map(|_| Val::Lit(true)),
            server_side_encryption_by_default: Some(Val::Lit(default_encryption)),
            ..bucket::ServerSideEncryptionRule::default()
        };
        let resource = bucket::Bucket {
            bucket_name: props.name.map(Val::Lit),
            bucket_encryption: Some(Val::Lit(bucket::BucketEncryption::new(vec![Val::Lit(
                encryption_rule,
            )]))),
            public_access_block_configuration: Some(Val::Lit(
                bucket::PublicAccessBlockConfiguration {
                    block_public_acls: Some(Val::Lit(true)),
                    block_public_policy: Some(Val::Lit(true)),
                    ignore_public_acls: Some(Val::Lit(true)),
                    restrict_public_buckets: Some(Val::Lit(true)),
                },
            )),
            ownership_controls: Some(Val::Lit(bucket::OwnershipControls::new(vec![Val::Lit(
                bucket::OwnershipControlsRule {
                    object_ownership: Some(Val::Lit(bucket::ObjectOwnership::BucketOwnerEnforced)),
                },
            )]))),
            versioning_configuration: props.versioned.then(|| {
                Val::Lit(bucket::VersioningConfiguration::new(
                    bucket::VersioningConfigurationStatus::Enabled,
                ))
            }),
            lifecycle_configuration: (!props.lifecycle.is_empty()).then(|| {
                Val::Lit(bucket::LifecycleConfiguration::new(
                    props
                        .lifecycle
                        .iter()
                        .map(|rule| Val::Lit(rule.to_l1()))
                        .collect::<Vec<_>>(),
                ))
            }),
            ..bucket::Bucket::default()
        };
        let mut resource = Resource::new(&resource);
        if props.retain {
            resource = resource.retain();
        }
        let handle = scope.add_resource(app, "Bucket", resource);
        let arn: Expr<String> = handle.get_att("Arn");
        let tls_only = Statement::deny(["s3:*"])
            .sid("DenyInsecureTransport")
            .to(Principal::Anyone)
            .on([Val::Expr(arn.clone()), Val::Expr(objects_of(&arn, "*"))])
            .when("Bool", "aws:SecureTransport", json!("false"));
        let policy = bucket_policy::BucketPolicy::new(
            handle.ref_::<String>(),
            PolicyDocument::of([tls_only]).into_json(),
        );
        let policy = scope.add(app, "BucketPolicy", &policy);
        Bucket {
            handle,
            policy,
            account: scope.account(app).to_owned(),
            key,
        }
    }

    /// The bucket's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.handle.get_att("Arn")
    }

    /// The bucket's name.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// `<bucket ARN>/<pattern>`, e.g. `arn_for_objects("*")` or
    /// `arn_for_objects("releases/*")`. The pattern is taken literally (`${` is escaped).
    pub fn arn_for_objects(&self, pattern: &str) -> Expr<String> {
        objects_of(&self.arn(), pattern)
    }

    /// The bucket resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }

    /// The bucket policy resource.
    pub fn policy_handle(&self) -> &ResourceHandle {
        &self.policy
    }

    /// The account the bucket is in.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The customer-managed key that encrypts the bucket, if any.
    pub fn key(&self) -> Option<&Key> {
        self.key.as_ref()
    }

    /// Adds a statement to the bucket policy.
    pub fn add_to_resource_policy(&self, app: &mut App, statement: Statement) {
        if let Some(resource) = app.resource_mut(&self.policy)
            && let Some(document) = resource.properties.get_mut("PolicyDocument")
        {
            add_statement(document, statement);
        }
    }

    /// Lets `grantee` read objects and list the bucket (`s3:GetObject*`, `s3:GetBucket*`,
    /// `s3:List*`), and decrypt with the bucket's key.
    pub fn grant_read(&self, app: &mut App, grantee: &dyn Grantee) {
        self.grant(app, grantee, READ, true);
        if let Some(key) = &self.key {
            key.grant_decrypt(app, grantee);
        }
    }

    /// Lets `grantee` read, write and delete objects, and encrypt and decrypt with the
    /// bucket's key.
    pub fn grant_read_write(&self, app: &mut App, grantee: &dyn Grantee) {
        self.grant(app, grantee, READ_WRITE, true);
        if let Some(key) = &self.key {
            key.grant_encrypt_decrypt(app, grantee);
        }
    }

    /// Lets `grantee` write objects (not read or delete them), and use the bucket's key
    /// for that (encrypt and decrypt: multipart uploads decrypt their parts).
    pub fn grant_put(&self, app: &mut App, grantee: &dyn Grantee) {
        self.grant(app, grantee, PUT, false);
        if let Some(key) = &self.key {
            key.grant_encrypt_decrypt(app, grantee);
        }
    }

    /// Adds `actions` on the objects (and on the bucket itself when `on_bucket`) to the
    /// grantee's identity policy and, cross-account, to the bucket policy.
    fn grant(&self, app: &mut App, grantee: &dyn Grantee, actions: &[&str], on_bucket: bool) {
        let mut resources = Vec::with_capacity(2);
        if on_bucket {
            resources.push(self.arn());
        }
        resources.push(self.arn_for_objects("*"));
        grantee.add_to_policy(
            app,
            Statement::allow(actions.iter().copied()).on(resources.clone()),
        );
        if grantee.account() != self.account {
            self.add_to_resource_policy(
                app,
                Statement::allow(actions.iter().copied())
                    .to(grantee.principal())
                    .on(resources),
            );
        }
    }
}

/// `<arn>/<pattern>` as `Fn::Sub` with the ARN as a variable.
fn objects_of(arn: &Expr<String>, pattern: &str) -> Expr<String> {
    sub_with(
        format!("${{Arn}}/{}", escape_sub(pattern)),
        [("Arn", Val::Expr(arn.clone()))],
    )
}

/// Escapes `${` so that `Fn::Sub` keeps it literally.
fn escape_sub(text: &str) -> String {
    text.replace("${", "${!")
}

/// A bucket another stack, region or account creates under a fixed name. Grants add only
/// identity statements (the bucket's own policy belongs to its stack), plus the key's
/// permissions when the bucket's key is given with [`BucketRef::with_key`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BucketRef {
    name: String,
    key: Option<KeyRef>,
}

impl BucketRef {
    /// The bucket called `name`.
    pub fn new(name: impl Into<String>) -> BucketRef {
        BucketRef {
            name: name.into(),
            key: None,
        }
    }

    /// The same bucket, encrypted with `key`: grants also grant the key.
    pub fn with_key(mut self, key: KeyRef) -> BucketRef {
        self.key = Some(key);
        self
    }

    /// The bucket name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bucket's key, when given.
    pub fn key(&self) -> Option<&KeyRef> {
        self.key.as_ref()
    }

    /// `arn:${AWS::Partition}:s3:::<name>`.
    pub fn arn(&self) -> Expr<String> {
        sub(format!(
            "arn:${{AWS::Partition}}:s3:::{}",
            escape_sub(&self.name)
        ))
    }

    /// `arn:${AWS::Partition}:s3:::<name>/<pattern>`; the pattern is taken literally.
    pub fn arn_for_objects(&self, pattern: &str) -> Expr<String> {
        sub(format!(
            "arn:${{AWS::Partition}}:s3:::{}/{}",
            escape_sub(&self.name),
            escape_sub(pattern)
        ))
    }

    /// Lets `grantee` read objects and list the bucket, and decrypt with its key.
    pub fn grant_read(&self, app: &mut App, grantee: &dyn Grantee) {
        grantee.add_to_policy(
            app,
            Statement::allow(READ.iter().copied()).on([self.arn(), self.arn_for_objects("*")]),
        );
        if let Some(key) = &self.key {
            key.grant_decrypt(app, grantee);
        }
    }

    /// Lets `grantee` read, write and delete objects, and encrypt and decrypt with its key.
    pub fn grant_read_write(&self, app: &mut App, grantee: &dyn Grantee) {
        grantee.add_to_policy(
            app,
            Statement::allow(READ_WRITE.iter().copied())
                .on([self.arn(), self.arn_for_objects("*")]),
        );
        if let Some(key) = &self.key {
            key.grant_encrypt_decrypt(app, grantee);
        }
    }

    /// Lets `grantee` write objects, and encrypt and decrypt with its key.
    pub fn grant_put(&self, app: &mut App, grantee: &dyn Grantee) {
        grantee.add_to_policy(
            app,
            Statement::allow(PUT.iter().copied()).on([self.arn_for_objects("*")]),
        );
        if let Some(key) = &self.key {
            key.grant_encrypt_decrypt(app, grantee);
        }
    }
}
