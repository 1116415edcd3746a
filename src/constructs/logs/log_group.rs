//! CloudWatch Logs log groups.

use crate::app::{App, Partition, ResourceHandle};
use crate::constructs::iam::{Principal, Statement};
use crate::constructs::kms::Key;
use crate::constructs::{ConstructError, Scope};
use crate::l1::logs::log_group;
use crate::template::{Expr, Resource, Val, sub};

/// The retentions CloudWatch Logs offers, in days.
pub const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The longest retention CloudWatch Logs offers (other than never expiring).
const MAX_RETENTION_DAYS: i64 = 3653;

/// The default retention: one year, long enough to audit what a pipeline built and
/// deployed over a release cycle (and what security scanners such as checkov expect).
pub const DEFAULT_RETENTION_DAYS: i64 = 365;

/// What CloudWatch Logs needs on a key that encrypts log groups.
const LOGS_KEY_ACTIONS: &[&str] = &[
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
];

/// Properties of a [`LogGroup`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LogGroupProps {
    /// A fixed name (e.g. `/aws/codebuild/<project>`); CloudFormation generates one when
    /// `None`.
    pub name: Option<String>,
    /// How long events are kept: one of [`RETENTION_DAYS`]. Default
    /// [`DEFAULT_RETENTION_DAYS`].
    pub retention_days: i64,
    /// A customer-managed key to encrypt the events with (CloudWatch Logs' own encryption
    /// when `None`). The key policy is extended to let CloudWatch Logs of this region use
    /// it for log groups of this account.
    pub key: Option<Key>,
}

impl Default for LogGroupProps {
    fn default() -> Self {
        LogGroupProps {
            name: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            key: None,
        }
    }
}

/// A log group with a retention period, retained when it leaves the stack or is replaced
/// (`DeletionPolicy` and `UpdateReplacePolicy` `Retain`): the retention period, not the
/// stack's lifetime, decides how long its events live. (A retained log group with a fixed
/// name must be deleted by hand before a new stack can create it again.)
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LogGroup {
    handle: ResourceHandle,
}

impl LogGroup {
    /// Creates a log group with the logical ID `<Scope>LogGroup`. A retention CloudWatch
    /// Logs does not offer is rounded up to the next one it does (never keeping logs for
    /// less time than asked; at most 3,653 days). Use [`LogGroup::try_new`] to reject it.
    pub fn new(app: &mut App, scope: &Scope, props: LogGroupProps) -> LogGroup {
        let retention = RETENTION_DAYS
            .iter()
            .copied()
            .find(|days| *days >= props.retention_days)
            .unwrap_or(MAX_RETENTION_DAYS);
        LogGroup::create(app, scope, props, retention)
    }

    /// Like [`LogGroup::new`], but a retention CloudWatch Logs does not offer is an error.
    pub fn try_new(
        app: &mut App,
        scope: &Scope,
        props: LogGroupProps,
    ) -> Result<LogGroup, ConstructError> {
        if !RETENTION_DAYS.contains(&props.retention_days) {
            let valid: Vec<String> = RETENTION_DAYS.iter().map(ToString::to_string).collect();
            return Err(ConstructError::InvalidRetention {
                construct: if scope.path.is_empty() {
                    scope.logical_id("LogGroup")
                } else {
                    scope.path.clone()
                },
                days: props.retention_days,
                valid: valid.join(", "),
            });
        }
        let retention = props.retention_days;
        Ok(LogGroup::create(app, scope, props, retention))
    }

    fn create(app: &mut App, scope: &Scope, props: LogGroupProps, retention: i64) -> LogGroup {
        if let Some(key) = &props.key {
            let env = app.env(scope.stack);
            let suffix = match env.partition() {
                Partition::AwsCn => "amazonaws.com.cn",
                Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            };
            let service = format!("logs.{}.{suffix}", env.region());
            let log_group = props.name.as_deref().unwrap_or("*").replace("${", "${!");
            let log_group_arn = sub(format!(
                "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{log_group}"
            ));
            key.add_to_key_policy(
                app,
                Statement::allow(LOGS_KEY_ACTIONS.iter().copied())
                    .to(Principal::service(service))
                    .on(["*"])
                    .when(
                        "ArnLike",
                        "kms:EncryptionContext:aws:logs:arn",
                        log_group_arn.into_node(),
                    ),
            );
        }
        let resource = log_group::LogGroup {
            log_group_name: props.name.map(Val::Lit),
            retention_in_days: Some(Val::Lit(retention)),
            kms_key_id: props.key.as_ref().map(|key| Val::Expr(key.arn())),
            ..log_group::LogGroup::default()
        };
        LogGroup {
            handle: scope.add_resource(app, "LogGroup", Resource::new(&resource).retain()),
        }
    }

    /// The log group's ARN (`arn:…:log-group:<name>:*`).
    pub fn arn(&self) -> Expr<String> {
        self.handle.get_att("Arn")
    }

    /// The log group's name.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The log group resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}
