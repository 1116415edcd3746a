//! Glue security configurations: what jobs and crawlers encrypt with a customer-managed
//! key.

use super::{check_name, construct_path, default_name, log_group_arn};
use crate::app::{App, Partition, ResourceHandle};
use crate::constructs::iam::{Grantee, Principal, Role, Statement};
use crate::constructs::kms::Key;
use crate::constructs::{ConstructError, Scope};
use crate::l1::glue::security_configuration as l1;
use crate::template::{Expr, Val};

/// The KMS actions CloudWatch Logs needs on a key that encrypts log groups.
const LOGS_KEY_ACTIONS: &[&str] = &[
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
];

/// The KMS actions a job or crawler role needs to write SSE-KMS objects and client-side
/// encrypted bookmarks, and read them back.
const ROLE_KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"];

/// Properties of a [`SecurityConfiguration`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SecurityConfigurationProps {
    /// The name (1 to 255 characters). Default: the stack name and construct path in
    /// kebab case.
    pub name: Option<String>,
    /// The key everything is encrypted with.
    pub key: Key,
    /// Encrypt what jobs write to S3 (`SSE-KMS`). Default `true`.
    pub s3: bool,
    /// Encrypt the jobs' and crawlers' CloudWatch logs (`SSE-KMS`). Default `true`.
    pub cloud_watch: bool,
    /// Encrypt job bookmarks (`CSE-KMS`). Default `true`.
    pub bookmarks: bool,
}

impl SecurityConfigurationProps {
    /// Everything encrypted with `key`.
    pub fn new(key: Key) -> SecurityConfigurationProps {
        SecurityConfigurationProps {
            name: None,
            key,
            s3: true,
            cloud_watch: true,
            bookmarks: true,
        }
    }
}

/// A security configuration: S3 data, CloudWatch logs and job bookmarks encrypted with a
/// customer-managed key. Jobs and crawlers that use it get the key's permissions; with log
/// encryption, the key policy lets CloudWatch Logs of the stack's region use the key for
/// the `/aws-glue/*` log groups of the account.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SecurityConfiguration {
    handle: ResourceHandle,
    name: String,
    key: Key,
    cloud_watch: bool,
}

impl SecurityConfiguration {
    /// Creates the security configuration with the logical ID
    /// `<Scope>SecurityConfiguration`.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: SecurityConfigurationProps,
    ) -> Result<SecurityConfiguration, ConstructError> {
        let path = construct_path(scope, "SecurityConfiguration");
        let name = default_name(app, scope, props.name.as_ref());
        check_name(&path, "security configuration", &name)?;
        if !(props.s3 || props.cloud_watch || props.bookmarks) {
            return Err(ConstructError::invalid(
                path,
                "a security configuration that encrypts nothing changes nothing; turn on S3, CloudWatch or bookmark encryption",
            ));
        }
        let key_arn = || Some(Val::Expr(props.key.arn()));
        let configuration = l1::EncryptionConfiguration {
            s3_encryptions: Some(Val::Lit(vec![Val::Lit(l1::S3Encryption {
                s3_encryption_mode: Some(Val::Lit(
                    if props.s3 { "SSE-KMS" } else { "DISABLED" }.to_owned(),
                )),
                kms_key_arn: if props.s3 { key_arn() } else { None },
            })])),
            cloud_watch_encryption: Some(Val::Lit(l1::CloudWatchEncryption {
                cloud_watch_encryption_mode: Some(Val::Lit(if props.cloud_watch {
                    l1::CloudWatchEncryptionMode::SseKms
                } else {
                    l1::CloudWatchEncryptionMode::Disabled
                })),
                kms_key_arn: if props.cloud_watch { key_arn() } else { None },
            })),
            job_bookmarks_encryption: Some(Val::Lit(l1::JobBookmarksEncryption {
                job_bookmarks_encryption_mode: Some(Val::Lit(if props.bookmarks {
                    l1::JobBookmarksEncryptionMode::CseKms
                } else {
                    l1::JobBookmarksEncryptionMode::Disabled
                })),
                kms_key_arn: if props.bookmarks { key_arn() } else { None },
            })),
        };
        if props.cloud_watch {
            let env = app.env(scope.stack);
            let suffix = match env.partition() {
                Partition::AwsCn => "amazonaws.com.cn",
                Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            };
            let service = format!("logs.{}.{suffix}", env.region());
            props.key.add_to_key_policy(
                app,
                Statement::allow(LOGS_KEY_ACTIONS.iter().copied())
                    .sid("GlueLogEncryption")
                    .to(Principal::service(service))
                    .on(["*"])
                    .when(
                        "ArnLike",
                        "kms:EncryptionContext:aws:logs:arn",
                        log_group_arn("/aws-glue/*").into_node(),
                    ),
            );
        }
        let resource = l1::SecurityConfiguration::new(configuration, name.as_str());
        Ok(SecurityConfiguration {
            handle: scope.add(app, "SecurityConfiguration", &resource),
            name,
            key: props.key,
            cloud_watch: props.cloud_watch,
        })
    }

    /// The name (`Ref`), which makes a job or crawler that uses it depend on it.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The name as synthesized.
    pub fn physical_name(&self) -> &str {
        &self.name
    }

    /// The key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// The security configuration resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }

    /// Whether it encrypts CloudWatch logs.
    pub(super) fn encrypts_logs(&self) -> bool {
        self.cloud_watch
    }

    /// Lets the role of a job or crawler that uses the configuration encrypt and decrypt
    /// with its key and, with log encryption, associate the key with the log groups Glue
    /// creates for it under `log_groups` (a pattern such as `/aws-glue/jobs/*`).
    pub(super) fn grant_use(&self, app: &mut App, role: &Role, log_groups: &str) {
        self.key.grant(app, role, ROLE_KEY_ACTIONS);
        if self.cloud_watch {
            role.add_to_policy(
                app,
                Statement::allow(["logs:AssociateKmsKey"]).on([log_group_arn(log_groups)]),
            );
        }
    }
}
