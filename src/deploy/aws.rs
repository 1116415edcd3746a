//! The real [`Cloud`]: the AWS SDK for Rust. Every SDK type stays in this file.
//!
//! Credentials come from the standard chain of `aws-config` (environment, `--profile`
//! with SSO or credential processes, web identity, container and instance roles). For an
//! [`Access`] with a role, an STS `AssumeRole` provider on top of the caller's credentials
//! is built once and cached. `--endpoint-url` points every client (CloudFormation, STS,
//! S3 with path-style addressing) at one endpoint, e.g. a local moto server. The SDK's
//! own retries are off: the engine retries (see [`RetryPolicy`](super::RetryPolicy)).

use std::collections::HashMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::types as cfn;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use tokio::sync::Mutex;

use super::cloud::{
    Access, ChangeSetInfo, ChangeSetKind, ChangeSetRequest, Cloud, CloudError, CloudResult,
    ErrorKind, Identity, InstanceResult, OperationInfo, ParameterValue, ResourceChange, StackEvent,
    StackInfo, StackSetInfo, StackSetRequest, TemplateSource,
};

/// Error codes that mean "slow down".
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "PriorRequestNotComplete",
    "OperationInProgressException",
];

/// Error codes that mean "try again".
const TRANSIENT: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "IDPCommunicationError",
];

/// Error codes about credentials.
const CREDENTIALS: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
];

/// Where and how to connect.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct AwsOptions {
    /// A named profile of the shared config files.
    pub profile: Option<String>,
    /// The region of the caller's own calls (STS); default from the environment/profile.
    pub region: Option<String>,
    /// One endpoint for every service (e.g. `http://127.0.0.1:5000` for moto).
    pub endpoint_url: Option<String>,
}

#[derive(Clone)]
struct Clients {
    cloudformation: aws_sdk_cloudformation::Client,
    s3: aws_sdk_s3::Client,
}

/// [`Cloud`] through the AWS SDK for Rust.
pub struct AwsCloud {
    base: SdkConfig,
    path_style: bool,
    clients: Mutex<HashMap<Access, Clients>>,
}

impl AwsCloud {
    /// Loads the caller's configuration and credentials chain (nothing is called yet).
    pub async fn connect(options: &AwsOptions) -> AwsCloud {
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            );
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut base = loader.load().await;
        if base.region().is_none() {
            base = base
                .into_builder()
                .region(Region::from_static("us-east-1"))
                .build();
        }
        AwsCloud {
            base,
            path_style: options.endpoint_url.is_some(),
            clients: Mutex::new(HashMap::new()),
        }
    }

    async fn clients(&self, access: &Access) -> Clients {
        let mut clients = self.clients.lock().await;
        if let Some(found) = clients.get(access) {
            return found.clone();
        }
        let region = Region::new(access.region.clone());
        let mut builder = self.base.to_builder();
        builder.set_region(Some(region.clone()));
        if let Some(role) = &access.role_arn {
            let provider = aws_config::sts::AssumeRoleProvider::builder(role.clone())
                .session_name("cfsynth-deploy")
                .region(region)
                .configure(&self.base)
                .build()
                .await;
            builder.set_credentials_provider(Some(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            ));
        }
        let config = builder.build();
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(self.path_style)
            .build();
        let made = Clients {
            cloudformation: aws_sdk_cloudformation::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
        };
        clients.insert(access.clone(), made.clone());
        made
    }

    async fn cfn(&self, access: &Access) -> aws_sdk_cloudformation::Client {
        self.clients(access).await.cloudformation
    }

    async fn s3(&self, access: &Access) -> aws_sdk_s3::Client {
        self.clients(access).await.s3
    }
}

/// Turns an SDK error into a [`CloudError`], deciding whether it is worth a retry.
fn classify<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = DisplayErrorContext(&error).to_string();
    match &error {
        SdkError::TimeoutError(_) => CloudError::new(ErrorKind::Transient, operation, message),
        SdkError::DispatchFailure(failure) => {
            let kind = if failure.is_timeout() || failure.is_io() {
                ErrorKind::Transient
            } else if message.to_lowercase().contains("credential") {
                ErrorKind::Credentials
            } else {
                ErrorKind::Other
            };
            CloudError::new(kind, operation, message)
        }
        SdkError::ResponseError(_) => CloudError::new(ErrorKind::Transient, operation, message),
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = error.code().unwrap_or_default().to_owned();
            let text = error.message().map_or_else(
                || without_aws_error(status, context.raw().body().bytes()),
                str::to_owned,
            );
            let kind = if THROTTLING.contains(&code.as_str()) || status == 429 {
                ErrorKind::Throttling
            } else if TRANSIENT.contains(&code.as_str()) || status >= 500 {
                ErrorKind::Transient
            } else if CREDENTIALS.contains(&code.as_str()) {
                ErrorKind::Credentials
            } else {
                ErrorKind::Other
            };
            let error = CloudError::new(kind, operation, text);
            if code.is_empty() {
                error
            } else {
                error.with_code(code)
            }
        }
        _ => {
            let kind = if message.to_lowercase().contains("credential") {
                ErrorKind::Credentials
            } else {
                ErrorKind::Other
            };
            CloudError::new(kind, operation, message)
        }
    }
}

/// A response without an AWS error in it: its status and the start of a plain-text body
/// (not of an HTML page); the SDK's own text would dump the whole response.
fn without_aws_error(status: u16, body: Option<&[u8]>) -> String {
    let body = body
        .map(String::from_utf8_lossy)
        .map(|body| body.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    if body.is_empty() || body.starts_with('<') {
        return format!("HTTP {status} without an AWS error in the response");
    }
    let end = body
        .char_indices()
        .nth(200)
        .map_or(body.len(), |(at, _)| at);
    format!(
        "HTTP {status} without an AWS error in the response: {}",
        &body[..end]
    )
}

fn millis(time: Option<&aws_smithy_types::DateTime>) -> i64 {
    time.map_or(0, |time| {
        time.secs()
            .saturating_mul(1000)
            .saturating_add(i64::from(time.subsec_nanos() / 1_000_000))
    })
}

fn stack_info(stack: &cfn::Stack) -> StackInfo {
    StackInfo {
        id: stack.stack_id().unwrap_or_default().to_owned(),
        name: stack.stack_name().unwrap_or_default().to_owned(),
        status: stack
            .stack_status()
            .map(|status| status.as_str().to_owned())
            .unwrap_or_default(),
        status_reason: stack.stack_status_reason().map(str::to_owned),
        termination_protection: stack.enable_termination_protection().unwrap_or(false),
        parameters: stack
            .parameters()
            .iter()
            .filter_map(|parameter| parameter.parameter_key().map(str::to_owned))
            .collect(),
        outputs: stack
            .outputs()
            .iter()
            .filter_map(|output| {
                Some((
                    output.output_key()?.to_owned(),
                    output.output_value().unwrap_or_default().to_owned(),
                ))
            })
            .collect(),
        tags: stack
            .tags()
            .iter()
            .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value()?.to_owned())))
            .collect(),
    }
}

fn is_missing_stack(error: &CloudError) -> bool {
    error.has_code("ValidationError") && error.message.contains("does not exist")
}

fn tags(tags: &indexmap::IndexMap<String, String>) -> Vec<cfn::Tag> {
    tags.iter()
        .map(|(key, value)| cfn::Tag::builder().key(key).value(value).build())
        .collect()
}

fn capabilities(capabilities: &[String]) -> Vec<cfn::Capability> {
    capabilities
        .iter()
        .map(|capability| cfn::Capability::from(capability.as_str()))
        .collect()
}

fn preferences(request: &StackSetRequest) -> cfn::StackSetOperationPreferences {
    let preferences = &request.preferences;
    let mut builder = cfn::StackSetOperationPreferences::builder().region_concurrency_type(
        if preferences.parallel_regions {
            cfn::RegionConcurrencyType::Parallel
        } else {
            cfn::RegionConcurrencyType::Sequential
        },
    );
    builder = match (
        preferences.max_concurrent,
        preferences.max_concurrent_percent,
    ) {
        (Some(value), true) => builder.max_concurrent_percentage(value),
        (Some(value), false) => builder.max_concurrent_count(value),
        (None, _) => builder,
    };
    builder = match (
        preferences.failure_tolerance,
        preferences.failure_tolerance_percent,
    ) {
        (Some(value), true) => builder.failure_tolerance_percentage(value),
        (Some(value), false) => builder.failure_tolerance_count(value),
        (None, _) => builder,
    };
    builder.build()
}

fn call_as(delegated_admin: bool) -> cfn::CallAs {
    if delegated_admin {
        cfn::CallAs::DelegatedAdmin
    } else {
        cfn::CallAs::SelfValue
    }
}

fn deployment_targets(request: &StackSetRequest) -> Option<cfn::DeploymentTargets> {
    let targets = &request.targets;
    targets.service_managed().then(|| {
        let mut builder = cfn::DeploymentTargets::builder()
            .set_organizational_unit_ids(Some(targets.organizational_units.clone()));
        if !targets.accounts.is_empty() {
            builder = builder
                .set_accounts(Some(targets.accounts.clone()))
                .account_filter_type(cfn::AccountFilterType::Intersection);
        }
        builder.build()
    })
}

impl Cloud for AwsCloud {
    async fn caller_identity(&self) -> CloudResult<Identity> {
        let client = aws_sdk_sts::Client::new(&self.base);
        let output = client
            .get_caller_identity()
            .send()
            .await
            .map_err(|error| classify("GetCallerIdentity", error))?;
        Ok(Identity {
            account: output.account().unwrap_or_default().to_owned(),
            arn: output.arn().unwrap_or_default().to_owned(),
        })
    }

    async fn describe_stack(&self, access: &Access, stack: &str) -> CloudResult<Option<StackInfo>> {
        let result = self
            .cfn(access)
            .await
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .map_err(|error| classify("DescribeStacks", error));
        match result {
            Ok(output) => Ok(output
                .stacks()
                .first()
                .map(stack_info)
                .filter(|info| info.status != "DELETE_COMPLETE")),
            Err(error) if is_missing_stack(&error) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn list_stacks(&self, access: &Access) -> CloudResult<Vec<StackInfo>> {
        let client = self.cfn(access).await;
        let mut stacks = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = client
                .describe_stacks()
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|error| classify("DescribeStacks", error))?;
            stacks.extend(output.stacks().iter().map(stack_info));
            match output.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(stacks),
            }
        }
    }

    async fn get_template(&self, access: &Access, stack: &str) -> CloudResult<String> {
        let output = self
            .cfn(access)
            .await
            .get_template()
            .stack_name(stack)
            .template_stage(cfn::TemplateStage::Original)
            .send()
            .await
            .map_err(|error| classify("GetTemplate", error))?;
        Ok(output.template_body().unwrap_or_default().to_owned())
    }

    async fn create_change_set(
        &self,
        access: &Access,
        request: &ChangeSetRequest,
    ) -> CloudResult<String> {
        let mut call = self
            .cfn(access)
            .await
            .create_change_set()
            .stack_name(&request.stack_name)
            .change_set_name(&request.change_set_name)
            .change_set_type(match request.kind {
                ChangeSetKind::Create => cfn::ChangeSetType::Create,
                ChangeSetKind::Update => cfn::ChangeSetType::Update,
            })
            .set_capabilities(Some(capabilities(&request.capabilities)))
            .set_tags(Some(tags(&request.tags)))
            .set_role_arn(request.role_arn.clone())
            .client_token(&request.client_token)
            .description(&request.description);
        call = match &request.template {
            TemplateSource::Body(body) => call.template_body(body),
            TemplateSource::Url(url) => call.template_url(url),
        };
        for (name, value) in &request.parameters {
            let parameter = cfn::Parameter::builder().parameter_key(name);
            let parameter = match value {
                ParameterValue::Value(value) => parameter.parameter_value(value),
                ParameterValue::UsePrevious => parameter.use_previous_value(true),
            };
            call = call.parameters(parameter.build());
        }
        let output = call
            .send()
            .await
            .map_err(|error| classify("CreateChangeSet", error))?;
        Ok(output.id().unwrap_or_default().to_owned())
    }

    async fn describe_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
    ) -> CloudResult<ChangeSetInfo> {
        let client = self.cfn(access).await;
        let mut info = ChangeSetInfo::default();
        let mut token: Option<String> = None;
        loop {
            let output = client
                .describe_change_set()
                .stack_name(stack)
                .change_set_name(change_set)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|error| classify("DescribeChangeSet", error))?;
            info.status = output
                .status()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default();
            info.execution_status = output
                .execution_status()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default();
            info.status_reason = output.status_reason().map(str::to_owned);
            for change in output.changes() {
                let Some(resource) = change.resource_change() else {
                    continue;
                };
                info.changes.push(ResourceChange {
                    action: resource
                        .action()
                        .map(|action| action.as_str().to_owned())
                        .unwrap_or_default(),
                    logical_id: resource
                        .logical_resource_id()
                        .unwrap_or_default()
                        .to_owned(),
                    physical_id: resource.physical_resource_id().map(str::to_owned),
                    resource_type: resource.resource_type().unwrap_or_default().to_owned(),
                    replacement: resource
                        .replacement()
                        .map(|replacement| replacement.as_str().to_owned()),
                    scope: resource
                        .scope()
                        .iter()
                        .map(|scope| scope.as_str().to_owned())
                        .collect(),
                    details: resource
                        .details()
                        .iter()
                        .filter_map(|detail| {
                            let target = detail.target()?;
                            let attribute = target
                                .attribute()
                                .map(|attribute| attribute.as_str().to_owned())
                                .unwrap_or_default();
                            let name = match target.name() {
                                Some(name) => format!("{attribute}.{name}"),
                                None => attribute,
                            };
                            Some((
                                name,
                                target
                                    .requires_recreation()
                                    .map(|recreation| recreation.as_str().to_owned()),
                            ))
                        })
                        .collect(),
                });
            }
            match output.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(info),
            }
        }
    }

    async fn execute_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
        disable_rollback: bool,
        token: &str,
    ) -> CloudResult<()> {
        self.cfn(access)
            .await
            .execute_change_set()
            .stack_name(stack)
            .change_set_name(change_set)
            .disable_rollback(disable_rollback)
            .client_request_token(token)
            .send()
            .await
            .map_err(|error| classify("ExecuteChangeSet", error))?;
        Ok(())
    }

    async fn delete_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
    ) -> CloudResult<()> {
        self.cfn(access)
            .await
            .delete_change_set()
            .stack_name(stack)
            .change_set_name(change_set)
            .send()
            .await
            .map_err(|error| classify("DeleteChangeSet", error))?;
        Ok(())
    }

    async fn stack_events(
        &self,
        access: &Access,
        stack: &str,
        after: Option<&str>,
    ) -> CloudResult<Vec<StackEvent>> {
        let client = self.cfn(access).await;
        let mut events = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = client
                .describe_stack_events()
                .stack_name(stack)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|error| classify("DescribeStackEvents", error))?;
            for event in output.stack_events() {
                let id = event.event_id().unwrap_or_default();
                if Some(id) == after {
                    return Ok(events);
                }
                events.push(StackEvent {
                    id: id.to_owned(),
                    timestamp_ms: millis(event.timestamp()),
                    logical_id: event.logical_resource_id().unwrap_or_default().to_owned(),
                    resource_type: event.resource_type().unwrap_or_default().to_owned(),
                    status: event
                        .resource_status()
                        .map(|status| status.as_str().to_owned())
                        .unwrap_or_default(),
                    reason: event.resource_status_reason().map(str::to_owned),
                });
            }
            match output.next_token() {
                Some(next) if !next.is_empty() && after.is_some() => {
                    token = Some(next.to_owned());
                }
                _ => return Ok(events),
            }
        }
    }

    async fn delete_stack(&self, access: &Access, stack: &str, token: &str) -> CloudResult<()> {
        self.cfn(access)
            .await
            .delete_stack()
            .stack_name(stack)
            .client_request_token(token)
            .send()
            .await
            .map_err(|error| classify("DeleteStack", error))?;
        Ok(())
    }

    async fn update_termination_protection(
        &self,
        access: &Access,
        stack: &str,
        enabled: bool,
    ) -> CloudResult<()> {
        self.cfn(access)
            .await
            .update_termination_protection()
            .stack_name(stack)
            .enable_termination_protection(enabled)
            .send()
            .await
            .map_err(|error| classify("UpdateTerminationProtection", error))?;
        Ok(())
    }

    async fn set_stack_policy(
        &self,
        access: &Access,
        stack: &str,
        policy: &str,
    ) -> CloudResult<()> {
        self.cfn(access)
            .await
            .set_stack_policy()
            .stack_name(stack)
            .stack_policy_body(policy)
            .send()
            .await
            .map_err(|error| classify("SetStackPolicy", error))?;
        Ok(())
    }

    async fn bucket_exists(&self, access: &Access, bucket: &str, owner: &str) -> CloudResult<bool> {
        let result = self
            .s3(access)
            .await
            .head_bucket()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
            Err(error) => Err(classify("HeadBucket", error)),
        }
    }

    async fn object_exists(
        &self,
        access: &Access,
        bucket: &str,
        key: &str,
        owner: &str,
    ) -> CloudResult<bool> {
        let result = self
            .s3(access)
            .await
            .head_object()
            .bucket(bucket)
            .key(key)
            .expected_bucket_owner(owner)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
            Err(error) => Err(classify("HeadObject", error)),
        }
    }

    async fn put_object(
        &self,
        access: &Access,
        bucket: &str,
        key: &str,
        owner: &str,
        body: Vec<u8>,
    ) -> CloudResult<()> {
        self.s3(access)
            .await
            .put_object()
            .bucket(bucket)
            .key(key)
            .expected_bucket_owner(owner)
            .body(aws_sdk_s3::primitives::ByteStream::from(body))
            .send()
            .await
            .map_err(|error| classify("PutObject", error))?;
        Ok(())
    }

    async fn describe_stack_set(
        &self,
        access: &Access,
        name: &str,
        delegated_admin: bool,
    ) -> CloudResult<Option<StackSetInfo>> {
        let result = self
            .cfn(access)
            .await
            .describe_stack_set()
            .stack_set_name(name)
            .call_as(call_as(delegated_admin))
            .send()
            .await
            .map_err(|error| classify("DescribeStackSet", error));
        match result {
            Ok(output) => Ok(output
                .stack_set()
                .map(|set| StackSetInfo {
                    template_body: set.template_body().unwrap_or_default().to_owned(),
                    permission_model: set
                        .permission_model()
                        .map(|model| model.as_str().to_owned())
                        .unwrap_or_default(),
                    status: set
                        .status()
                        .map(|status| status.as_str().to_owned())
                        .unwrap_or_default(),
                })
                .filter(|set| set.status != "DELETED")),
            Err(error)
                if error.has_code("StackSetNotFoundException")
                    || error.has_code("StackSetNotFound") =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    async fn create_stack_set(
        &self,
        access: &Access,
        request: &StackSetRequest,
    ) -> CloudResult<()> {
        let service_managed = request.targets.service_managed();
        let mut call = self
            .cfn(access)
            .await
            .create_stack_set()
            .stack_set_name(&request.name)
            .set_capabilities(Some(capabilities(&request.capabilities)))
            .set_tags(Some(tags(&request.tags)))
            .client_request_token(&request.token)
            .call_as(call_as(request.delegated_admin))
            .permission_model(if service_managed {
                cfn::PermissionModels::ServiceManaged
            } else {
                cfn::PermissionModels::SelfManaged
            });
        if service_managed {
            call = call.auto_deployment(
                cfn::AutoDeployment::builder()
                    .enabled(true)
                    .retain_stacks_on_account_removal(false)
                    .build(),
            );
        }
        call = match &request.template {
            TemplateSource::Body(body) => call.template_body(body),
            TemplateSource::Url(url) => call.template_url(url),
        };
        for (name, value) in &request.parameters {
            call = call.parameters(
                cfn::Parameter::builder()
                    .parameter_key(name)
                    .parameter_value(value)
                    .build(),
            );
        }
        call.send()
            .await
            .map_err(|error| classify("CreateStackSet", error))?;
        Ok(())
    }

    async fn update_stack_set(
        &self,
        access: &Access,
        request: &StackSetRequest,
    ) -> CloudResult<String> {
        let mut call = self
            .cfn(access)
            .await
            .update_stack_set()
            .stack_set_name(&request.name)
            .set_capabilities(Some(capabilities(&request.capabilities)))
            .set_tags(Some(tags(&request.tags)))
            .operation_id(&request.token)
            .operation_preferences(preferences(request))
            .call_as(call_as(request.delegated_admin));
        call = match &request.template {
            TemplateSource::Body(body) => call.template_body(body),
            TemplateSource::Url(url) => call.template_url(url),
        };
        for (name, value) in &request.parameters {
            call = call.parameters(
                cfn::Parameter::builder()
                    .parameter_key(name)
                    .parameter_value(value)
                    .build(),
            );
        }
        let output = call
            .send()
            .await
            .map_err(|error| classify("UpdateStackSet", error))?;
        Ok(output.operation_id().unwrap_or(&request.token).to_owned())
    }

    async fn create_stack_instances(
        &self,
        access: &Access,
        request: &StackSetRequest,
        operation_id: &str,
    ) -> CloudResult<String> {
        let mut call = self
            .cfn(access)
            .await
            .create_stack_instances()
            .stack_set_name(&request.name)
            .set_regions(Some(request.targets.regions.clone()))
            .operation_id(operation_id)
            .operation_preferences(preferences(request))
            .call_as(call_as(request.delegated_admin));
        call = match deployment_targets(request) {
            Some(targets) => call.deployment_targets(targets),
            None => call.set_accounts(Some(request.targets.accounts.clone())),
        };
        let output = call
            .send()
            .await
            .map_err(|error| classify("CreateStackInstances", error))?;
        Ok(output.operation_id().unwrap_or(operation_id).to_owned())
    }

    async fn describe_stack_set_operation(
        &self,
        access: &Access,
        name: &str,
        operation_id: &str,
        delegated_admin: bool,
    ) -> CloudResult<OperationInfo> {
        let output = self
            .cfn(access)
            .await
            .describe_stack_set_operation()
            .stack_set_name(name)
            .operation_id(operation_id)
            .call_as(call_as(delegated_admin))
            .send()
            .await
            .map_err(|error| classify("DescribeStackSetOperation", error))?;
        let operation = output.stack_set_operation();
        Ok(OperationInfo {
            status: operation
                .and_then(|operation| operation.status())
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default(),
            status_reason: operation
                .and_then(|operation| operation.status_reason())
                .map(str::to_owned),
        })
    }

    async fn stack_set_operation_results(
        &self,
        access: &Access,
        name: &str,
        operation_id: &str,
        delegated_admin: bool,
    ) -> CloudResult<Vec<InstanceResult>> {
        let client = self.cfn(access).await;
        let mut results = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = client
                .list_stack_set_operation_results()
                .stack_set_name(name)
                .operation_id(operation_id)
                .call_as(call_as(delegated_admin))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|error| classify("ListStackSetOperationResults", error))?;
            results.extend(output.summaries().iter().map(|summary| {
                InstanceResult {
                    account: summary.account().unwrap_or_default().to_owned(),
                    region: summary.region().unwrap_or_default().to_owned(),
                    status: summary
                        .status()
                        .map(|status| status.as_str().to_owned())
                        .unwrap_or_default(),
                    reason: summary.status_reason().map(str::to_owned),
                }
            }));
            match output.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(results),
            }
        }
    }

    async fn list_stack_instances(
        &self,
        access: &Access,
        name: &str,
        delegated_admin: bool,
    ) -> CloudResult<Vec<InstanceResult>> {
        let client = self.cfn(access).await;
        let mut results = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = client
                .list_stack_instances()
                .stack_set_name(name)
                .call_as(call_as(delegated_admin))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|error| classify("ListStackInstances", error))?;
            results.extend(output.summaries().iter().map(|summary| {
                let detailed = summary
                    .stack_instance_status()
                    .and_then(|status| status.detailed_status())
                    .map(|status| status.as_str().to_owned());
                InstanceResult {
                    account: summary.account().unwrap_or_default().to_owned(),
                    region: summary.region().unwrap_or_default().to_owned(),
                    status: detailed.unwrap_or_else(|| {
                        summary
                            .status()
                            .map(|status| status.as_str().to_owned())
                            .unwrap_or_default()
                    }),
                    reason: summary.status_reason().map(str::to_owned),
                }
            }));
            match output.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(results),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudformation::operation::update_termination_protection::UpdateTerminationProtectionError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn service_error(
        status: u16,
        metadata: ErrorMetadata,
        body: &'static str,
    ) -> SdkError<UpdateTerminationProtectionError, HttpResponse> {
        let status = StatusCode::try_from(status).expect("a valid status");
        SdkError::service_error(
            UpdateTerminationProtectionError::generic(metadata),
            HttpResponse::new(status, SdkBody::from(body)),
        )
    }

    #[test]
    fn an_error_page_is_summarized_by_its_status_and_retried() {
        let page = "<!doctype html><title>500 Internal Server Error</title>";
        let error = classify(
            "UpdateTerminationProtection",
            service_error(500, ErrorMetadata::builder().build(), page),
        );
        assert_eq!(
            error.to_string(),
            "UpdateTerminationProtection failed: HTTP 500 without an AWS error in the response"
        );
        assert_eq!(error.kind, ErrorKind::Transient);
    }

    #[test]
    fn a_plain_text_body_is_quoted() {
        let error = classify(
            "ExecuteChangeSet",
            service_error(
                400,
                ErrorMetadata::builder().build(),
                "Stack  is\nin a bad state",
            ),
        );
        assert_eq!(
            error.to_string(),
            "ExecuteChangeSet failed: HTTP 400 without an AWS error in the response: Stack is in a bad state"
        );
        assert_eq!(error.kind, ErrorKind::Other);
    }

    #[test]
    fn aws_errors_keep_their_code_and_message() {
        let metadata = ErrorMetadata::builder()
            .code("Throttling")
            .message("Rate exceeded")
            .build();
        let error = classify("DescribeStacks", service_error(400, metadata, ""));
        assert_eq!(
            error.to_string(),
            "DescribeStacks failed: Throttling: Rate exceeded"
        );
        assert_eq!(error.kind, ErrorKind::Throttling);
    }
}
