//! The one client trait every AWS call of the deploy layer goes through ([`Cloud`]), and
//! the plain data it speaks. The real implementation is [`AwsCloud`](super::AwsCloud)
//! (AWS SDK for Rust); unit tests use a scripted fake. Nothing here depends on the SDK.

use std::fmt;
use std::future::Future;

use indexmap::IndexMap;

/// How to reach one account and region: the region, and the role to assume there (none
/// when the caller's own account is the target).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Access {
    /// The region every call goes to.
    pub region: String,
    /// The ARN of the role to assume first, if any.
    pub role_arn: Option<String>,
}

/// Who the caller is (STS `GetCallerIdentity`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Identity {
    /// The caller's 12-digit account.
    pub account: String,
    /// The caller's ARN (its partition is the second field).
    pub arn: String,
}

impl Identity {
    /// The partition of the caller's credentials (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &str {
        self.arn.split(':').nth(1).unwrap_or("aws")
    }
}

/// A stack as `DescribeStacks` reports it.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct StackInfo {
    /// The stack ARN.
    pub id: String,
    /// The stack name.
    pub name: String,
    /// E.g. `CREATE_COMPLETE`.
    pub status: String,
    /// Why it is in that status, when CloudFormation says.
    pub status_reason: Option<String>,
    /// Whether termination protection is on.
    pub termination_protection: bool,
    /// The parameter names the stack has now.
    pub parameters: Vec<String>,
    /// Its outputs: key → value.
    pub outputs: IndexMap<String, String>,
    /// Its tags.
    pub tags: IndexMap<String, String>,
}

/// Whether a change set creates a stack or updates one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChangeSetKind {
    /// The stack does not exist yet (or only as an empty `REVIEW_IN_PROGRESS` stack).
    Create,
    /// The stack exists.
    Update,
}

/// Where CloudFormation reads a template from.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TemplateSource {
    /// Inline, at most 51,200 bytes.
    Body(String),
    /// An S3 object URL.
    Url(String),
}

/// A parameter value for a change set.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ParameterValue {
    /// This value.
    Value(String),
    /// Whatever the stack has now.
    UsePrevious,
}

/// What `CreateChangeSet` is asked for.
#[derive(Clone, PartialEq, Debug)]
pub struct ChangeSetRequest {
    /// The stack.
    pub stack_name: String,
    /// The change set's name (unique per stack).
    pub change_set_name: String,
    /// Create or update.
    pub kind: ChangeSetKind,
    /// The template.
    pub template: TemplateSource,
    /// Parameter values, by name.
    pub parameters: IndexMap<String, ParameterValue>,
    /// Acknowledged capabilities, e.g. `CAPABILITY_NAMED_IAM`.
    pub capabilities: Vec<String>,
    /// Tags for the stack.
    pub tags: IndexMap<String, String>,
    /// The role CloudFormation uses for the stack's resources, if any.
    pub role_arn: Option<String>,
    /// Idempotency token: a retried call does not make a second change set.
    pub client_token: String,
    /// The change set's description.
    pub description: String,
}

/// One resource change of a change set.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ResourceChange {
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`.
    pub action: String,
    /// The logical ID.
    pub logical_id: String,
    /// The physical ID, for existing resources.
    pub physical_id: Option<String>,
    /// The resource type.
    pub resource_type: String,
    /// `True`, `False` or `Conditional` for modifications.
    pub replacement: Option<String>,
    /// What changes: `Properties`, `Metadata`, `Tags`, …
    pub scope: Vec<String>,
    /// The properties that change (`Properties.Name` style), with whether each forces
    /// a replacement (`Always`, `Conditionally`, `Never`).
    pub details: Vec<(String, Option<String>)>,
}

/// A change set as `DescribeChangeSet` reports it (every page).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ChangeSetInfo {
    /// `CREATE_PENDING`, `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `FAILED`, …
    pub status: String,
    /// `AVAILABLE`, `UNAVAILABLE`, `EXECUTE_IN_PROGRESS`, …
    pub execution_status: String,
    /// Why it failed.
    pub status_reason: Option<String>,
    /// Every resource change.
    pub changes: Vec<ResourceChange>,
}

/// One stack event.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StackEvent {
    /// Unique id.
    pub id: String,
    /// When, in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The logical ID (the stack name for the stack itself).
    pub logical_id: String,
    /// The resource type (`AWS::CloudFormation::Stack` for the stack itself).
    pub resource_type: String,
    /// E.g. `CREATE_FAILED`.
    pub status: String,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
}

/// Where a StackSet's instances go.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StackSetTargets {
    /// Organizational units (service-managed StackSets).
    pub organizational_units: Vec<String>,
    /// Accounts (self-managed, or narrowing the OUs of a service-managed StackSet).
    pub accounts: Vec<String>,
    /// Regions.
    pub regions: Vec<String>,
}

impl StackSetTargets {
    /// Whether the StackSet is service-managed (targets OUs through AWS Organizations).
    pub fn service_managed(&self) -> bool {
        !self.organizational_units.is_empty()
    }
}

/// How a StackSet operation rolls out.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct OperationPreferences {
    /// Accounts at once: a number, or a percentage when `max_concurrent_percent`.
    pub max_concurrent: Option<i32>,
    /// Whether `max_concurrent` is a percentage.
    pub max_concurrent_percent: bool,
    /// Failures tolerated per region before the operation stops.
    pub failure_tolerance: Option<i32>,
    /// Whether `failure_tolerance` is a percentage.
    pub failure_tolerance_percent: bool,
    /// Deploy regions in parallel rather than one after another.
    pub parallel_regions: bool,
}

/// What `CreateStackSet`/`UpdateStackSet` are asked for.
#[derive(Clone, PartialEq, Debug)]
pub struct StackSetRequest {
    /// The StackSet's name.
    pub name: String,
    /// The template.
    pub template: TemplateSource,
    /// Acknowledged capabilities.
    pub capabilities: Vec<String>,
    /// Parameter values.
    pub parameters: IndexMap<String, String>,
    /// Tags for the StackSet and its stacks.
    pub tags: IndexMap<String, String>,
    /// The targets (decides the permission model on creation).
    pub targets: StackSetTargets,
    /// Rollout preferences.
    pub preferences: OperationPreferences,
    /// Call as the organization's delegated administrator rather than as the
    /// management account.
    pub delegated_admin: bool,
    /// Idempotency token, also used as the operation id of updates.
    pub token: String,
}

/// A StackSet as `DescribeStackSet` reports it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StackSetInfo {
    /// Its template body.
    pub template_body: String,
    /// `SERVICE_MANAGED` or `SELF_MANAGED`.
    pub permission_model: String,
    /// `ACTIVE` or `DELETED`.
    pub status: String,
}

/// The status of a StackSet operation.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct OperationInfo {
    /// `QUEUED`, `RUNNING`, `SUCCEEDED`, `FAILED`, `STOPPING`, `STOPPED`.
    pub status: String,
    /// Why, when it did not succeed.
    pub status_reason: Option<String>,
}

/// The result of an operation for one stack instance.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct InstanceResult {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// `PENDING`, `RUNNING`, `SUCCEEDED`, `FAILED`, `CANCELLED`.
    pub status: String,
    /// Why, when it did not succeed.
    pub reason: Option<String>,
}

/// What kind of failure a call had, which decides whether to retry it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ErrorKind {
    /// The service asked us to slow down: retry with backoff.
    Throttling,
    /// A timeout, a connection problem or a 5xx: retry with backoff.
    Transient,
    /// Credentials are missing, expired, or a role cannot be assumed.
    Credentials,
    /// Anything else (validation, access denied, …): never retried.
    Other,
}

/// A failed call.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CloudError {
    /// Whether it is worth retrying.
    pub kind: ErrorKind,
    /// The API operation, e.g. `CreateChangeSet`.
    pub operation: &'static str,
    /// The service's error code, e.g. `ValidationError`.
    pub code: Option<String>,
    /// The message.
    pub message: String,
}

impl CloudError {
    /// A new error.
    pub fn new(kind: ErrorKind, operation: &'static str, message: impl Into<String>) -> Self {
        CloudError {
            kind,
            operation,
            code: None,
            message: message.into(),
        }
    }

    /// Sets the service's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Whether a retry may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throttling | ErrorKind::Transient)
    }

    /// Whether the service reported this error code.
    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", self.operation)?;
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CloudError {}

/// The result of a call.
pub type CloudResult<T> = Result<T, CloudError>;

/// Every AWS call the deploy layer makes: CloudFormation, STS and S3. Each call names the
/// [`Access`] (region, role) it runs with, so one client serves every account and region
/// of a deploy. Implementations do not retry: the engine does (see
/// [`RetryPolicy`](super::RetryPolicy)).
pub trait Cloud: Send + Sync {
    /// STS `GetCallerIdentity` with the caller's own credentials.
    fn caller_identity(&self) -> impl Future<Output = CloudResult<Identity>> + Send;

    /// `DescribeStacks` of one stack; `None` when it does not exist.
    fn describe_stack(
        &self,
        access: &Access,
        stack: &str,
    ) -> impl Future<Output = CloudResult<Option<StackInfo>>> + Send;

    /// `DescribeStacks` of every live stack of the account and region (every page).
    fn list_stacks(
        &self,
        access: &Access,
    ) -> impl Future<Output = CloudResult<Vec<StackInfo>>> + Send;

    /// `GetTemplate` (original stage): the stack's current template body.
    fn get_template(
        &self,
        access: &Access,
        stack: &str,
    ) -> impl Future<Output = CloudResult<String>> + Send;

    /// `CreateChangeSet`; returns the change set's ARN.
    fn create_change_set(
        &self,
        access: &Access,
        request: &ChangeSetRequest,
    ) -> impl Future<Output = CloudResult<String>> + Send;

    /// `DescribeChangeSet` (every page of changes).
    fn describe_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
    ) -> impl Future<Output = CloudResult<ChangeSetInfo>> + Send;

    /// `ExecuteChangeSet`.
    fn execute_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
        disable_rollback: bool,
        token: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;

    /// `DeleteChangeSet`.
    fn delete_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;

    /// `DescribeStackEvents`, newest first, stopping at (and without) the event `after`.
    fn stack_events(
        &self,
        access: &Access,
        stack: &str,
        after: Option<&str>,
    ) -> impl Future<Output = CloudResult<Vec<StackEvent>>> + Send;

    /// `DeleteStack`.
    fn delete_stack(
        &self,
        access: &Access,
        stack: &str,
        token: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;

    /// `UpdateTerminationProtection`.
    fn update_termination_protection(
        &self,
        access: &Access,
        stack: &str,
        enabled: bool,
    ) -> impl Future<Output = CloudResult<()>> + Send;

    /// `SetStackPolicy`.
    fn set_stack_policy(
        &self,
        access: &Access,
        stack: &str,
        policy: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;

    /// S3 `HeadBucket`, expecting `owner` to own it: whether it exists.
    fn bucket_exists(
        &self,
        access: &Access,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = CloudResult<bool>> + Send;

    /// S3 `HeadObject`: whether the object exists.
    fn object_exists(
        &self,
        access: &Access,
        bucket: &str,
        key: &str,
        owner: &str,
    ) -> impl Future<Output = CloudResult<bool>> + Send;

    /// S3 `PutObject`.
    fn put_object(
        &self,
        access: &Access,
        bucket: &str,
        key: &str,
        owner: &str,
        body: Vec<u8>,
    ) -> impl Future<Output = CloudResult<()>> + Send;

    /// `DescribeStackSet`; `None` when it does not exist (or was deleted).
    fn describe_stack_set(
        &self,
        access: &Access,
        name: &str,
        delegated_admin: bool,
    ) -> impl Future<Output = CloudResult<Option<StackSetInfo>>> + Send;

    /// `CreateStackSet`.
    fn create_stack_set(
        &self,
        access: &Access,
        request: &StackSetRequest,
    ) -> impl Future<Output = CloudResult<()>> + Send;

    /// `UpdateStackSet` (every existing instance); returns the operation id.
    fn update_stack_set(
        &self,
        access: &Access,
        request: &StackSetRequest,
    ) -> impl Future<Output = CloudResult<String>> + Send;

    /// `CreateStackInstances` for the request's targets; returns the operation id.
    fn create_stack_instances(
        &self,
        access: &Access,
        request: &StackSetRequest,
        operation_id: &str,
    ) -> impl Future<Output = CloudResult<String>> + Send;

    /// `DescribeStackSetOperation`.
    fn describe_stack_set_operation(
        &self,
        access: &Access,
        name: &str,
        operation_id: &str,
        delegated_admin: bool,
    ) -> impl Future<Output = CloudResult<OperationInfo>> + Send;

    /// `ListStackInstances` (every page): each instance with its detailed status
    /// (`SUCCEEDED`, `FAILED`, `CANCELLED`, `RUNNING`, …).
    fn list_stack_instances(
        &self,
        access: &Access,
        name: &str,
        delegated_admin: bool,
    ) -> impl Future<Output = CloudResult<Vec<InstanceResult>>> + Send;

    /// `ListStackSetOperationResults` (every page).
    fn stack_set_operation_results(
        &self,
        access: &Access,
        name: &str,
        operation_id: &str,
        delegated_admin: bool,
    ) -> impl Future<Output = CloudResult<Vec<InstanceResult>>> + Send;
}
