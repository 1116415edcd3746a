//! The deploy engine: one change set per stack, the diff, the approval gate, execution
//! with live events, outputs; a scheduler that runs independent stacks in parallel; and
//! the orphan listing and `--prune`.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indexmap::IndexMap;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::assembly::{Asset, DeployAssembly, DeployStack, Target};
use super::cloud::{
    Access, ChangeSetInfo, ChangeSetKind, ChangeSetRequest, Cloud, CloudError, CloudResult,
    Identity, ParameterValue, StackEvent, StackInfo, TemplateSource,
};
use super::diff::{PermissionDiff, StackDiff};
use super::error::{DeployError, Failure};
use super::plan::Plan;
use super::retry::RetryPolicy;
use super::ui::{Progress, Tone, Ui, clock};
use crate::template::MAX_BODY_DIRECT;

/// The role `cfsynth bootstrap` creates for deploys, assumed in other accounts.
pub const DEFAULT_ROLE: &str = "cfsynth-deploy";
/// The role `cfsynth bootstrap` creates for CloudFormation to use.
pub const DEFAULT_EXECUTION_ROLE: &str = "cfsynth-cfn-exec";
/// The tag naming the cfsynth app a stack belongs to.
pub const APP_TAG: &str = "cfsynth:app";
/// The tag holding the stack's id in the assembly.
pub const STACK_TAG: &str = "cfsynth:stack";

/// Resource types whose replacement or deletion loses data: a protected stack's policy
/// forbids both.
pub const STATEFUL_TYPES: &[&str] = &[
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::GlobalTable",
    "AWS::Logs::LogGroup",
    "AWS::Glue::Database",
    "AWS::Glue::Table",
    "AWS::EFS::FileSystem",
    "AWS::DocDB::DBCluster",
    "AWS::Neptune::DBCluster",
    "AWS::SecretsManager::Secret",
];

/// The stack policy of protected stacks.
pub fn protected_stack_policy() -> String {
    serde_json::json!({
        "Statement": [
            {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": ["Update:Replace", "Update:Delete"],
                "Principal": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"ResourceType": STATEFUL_TYPES}}
            }
        ]
    })
    .to_string()
}

/// When to stop and ask before executing a change set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Approval {
    /// Never ask.
    Never,
    /// Ask for every change.
    AnyChange,
    /// Ask when IAM statements or security-group rules are added or widened.
    Broadening,
}

impl Approval {
    /// The flag value.
    pub fn name(self) -> &'static str {
        match self {
            Approval::Never => "never",
            Approval::AnyChange => "any-change",
            Approval::Broadening => "broadening",
        }
    }
}

/// A template parameter value given on the command line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ParameterOverride {
    /// Only for this stack (name or id); every stack with the parameter when `None`.
    pub stack: Option<String>,
    /// The parameter.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl std::str::FromStr for ParameterOverride {
    type Err = String;

    /// `NAME=VALUE` or `STACK:NAME=VALUE`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not NAME=VALUE or STACK:NAME=VALUE"))?;
        let (stack, name) = match key.split_once(':') {
            Some((stack, name)) => (Some(stack.to_owned()), name.to_owned()),
            None => (None, key.to_owned()),
        };
        if name.is_empty() {
            return Err(format!("`{text}` names no parameter"));
        }
        Ok(ParameterOverride {
            stack,
            name,
            value: value.to_owned(),
        })
    }
}

/// How a deploy behaves.
#[derive(Clone, PartialEq, Debug)]
pub struct DeployOptions {
    /// The app name in the `cfsynth:app` tag; orphans are stacks of this app that the
    /// assembly no longer has.
    pub app: String,
    /// Stacks deployed at once (at least 1).
    pub concurrency: usize,
    /// When to ask.
    pub approval: Approval,
    /// Approve everything that would be asked.
    pub yes: bool,
    /// Roll back failed creates and updates (`--no-rollback` turns it off).
    pub rollback: bool,
    /// Start nothing new after the first failure, in any environment.
    pub fail_fast: bool,
    /// Delete orphaned stacks after a successful deploy.
    pub prune: bool,
    /// Delete and recreate stacks left in `ROLLBACK_COMPLETE` by a failed create.
    pub recreate_failed: bool,
    /// The role assumed in accounts other than the caller's.
    pub role_name: String,
    /// The role CloudFormation uses (`RoleARN`); see [`DeployOptions::execution_role`].
    pub execution_role_name: Option<String>,
    /// Parameter values.
    pub parameters: Vec<ParameterOverride>,
    /// How often to poll CloudFormation while waiting.
    pub poll_interval: Duration,
    /// Retries of throttled and transient calls.
    pub retry: RetryPolicy,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            app: "default".to_owned(),
            concurrency: 4,
            approval: Approval::Broadening,
            yes: false,
            rollback: true,
            fail_fast: false,
            prune: false,
            recreate_failed: false,
            role_name: DEFAULT_ROLE.to_owned(),
            execution_role_name: None,
            parameters: Vec::new(),
            poll_interval: Duration::from_secs(2),
            retry: RetryPolicy::default(),
        }
    }
}

impl DeployOptions {
    /// The execution role for a stack: `--execution-role-name` when given; else
    /// `cfsynth-cfn-exec` when the default bootstrap role was assumed; else none
    /// (CloudFormation uses the caller's credentials).
    pub fn execution_role(&self, env: &Target, assumed: bool) -> Option<String> {
        match &self.execution_role_name {
            Some(name) => Some(env.role_arn(name)),
            None if assumed && self.role_name == DEFAULT_ROLE => {
                Some(env.role_arn(DEFAULT_EXECUTION_ROLE))
            }
            None => None,
        }
    }
}

/// How one stack's deploy ended.
#[derive(Debug)]
pub enum Outcome {
    /// A new stack was created.
    Created,
    /// The stack was updated.
    Updated,
    /// CloudFormation found nothing to change.
    Unchanged,
    /// It failed.
    Failed(DeployError),
    /// It was not attempted, and why.
    Skipped(String),
}

impl Outcome {
    /// Whether it ended well.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Outcome::Created | Outcome::Updated | Outcome::Unchanged
        )
    }

    fn label(&self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed(_) => "FAILED",
            Outcome::Skipped(_) => "skipped",
        }
    }
}

/// A stack of this app that the assembly no longer has.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Orphan {
    /// The stack name.
    pub name: String,
    /// The stack ARN.
    pub stack_id: String,
    /// Where it is.
    pub env: Target,
    /// Its status.
    pub status: String,
    /// Whether termination protection is on.
    pub protected: bool,
    /// The role to assume in its account (see [`DeployStack::deploy_role`]).
    pub deploy_role: Option<String>,
}

/// What a deploy did.
#[derive(Debug, Default)]
pub struct Report {
    /// Each planned stack (by assembly id) and how it ended, in plan order.
    pub results: Vec<(String, Outcome)>,
    /// Outputs of the stacks deployed or unchanged: stack id → key → value.
    pub outputs: IndexMap<String, IndexMap<String, String>>,
    /// Stacks of the app that the assembly no longer has.
    pub orphans: Vec<Orphan>,
    /// Orphans deleted by `--prune`.
    pub pruned: Vec<String>,
    /// Problems that did not belong to one stack (e.g. a prune that failed).
    pub errors: Vec<DeployError>,
}

impl Report {
    /// Whether every stack ended well and nothing else failed.
    pub fn success(&self) -> bool {
        self.errors.is_empty() && self.results.iter().all(|(_, outcome)| outcome.is_success())
    }
}

/// Which stacks have an operation under way, and in which phase: what Ctrl-C reports.
#[derive(Clone, Debug, Default)]
pub struct Running(Arc<Mutex<IndexMap<String, String>>>);

impl Running {
    pub(super) fn set(&self, stack: &str, phase: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(stack.to_owned(), phase.to_owned());
        }
    }

    pub(super) fn clear(&self, stack: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.shift_remove(stack);
        }
    }

    /// Every stack with an operation under way: (stack, phase).
    pub fn snapshot(&self) -> Vec<(String, String)> {
        self.0
            .lock()
            .map(|map| {
                map.iter()
                    .map(|(stack, phase)| (stack.clone(), phase.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Statuses from which a stack is done, and whether it ended well.
pub fn final_status(status: &str) -> Option<bool> {
    match status {
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" | "DELETE_COMPLETE" => Some(true),
        "REVIEW_IN_PROGRESS" => None,
        _ if status.ends_with("_IN_PROGRESS") => None,
        _ => Some(false),
    }
}

/// What a final failed status means for the user.
pub fn explain_status(status: &str) -> &'static str {
    match status {
        "ROLLBACK_COMPLETE" => {
            "the stack could not be created and was rolled back; it holds no resources and \
             cannot be updated: fix the cause below, then deploy again with --recreate-failed \
             to delete and recreate it"
        }
        "ROLLBACK_FAILED" => {
            "the stack could not be created and the rollback failed too; some resources may \
             remain: delete the stack (cfsynth destroy, or the console) before deploying again"
        }
        "CREATE_FAILED" => {
            "the stack could not be created and was not rolled back (--no-rollback): the \
             resources created so far remain for inspection; deploy again to continue, or \
             cfsynth destroy"
        }
        "UPDATE_ROLLBACK_COMPLETE" => {
            "the update failed and was rolled back: the stack is as it was before this deploy"
        }
        "UPDATE_ROLLBACK_FAILED" => {
            "the update failed and the rollback failed too: run `aws cloudformation \
             continue-update-rollback` (skipping the resources that cannot roll back) before \
             deploying again"
        }
        "UPDATE_FAILED" => {
            "the update failed and was not rolled back (--no-rollback): resources updated so \
             far keep their new configuration; deploy again once fixed, or `aws cloudformation \
             rollback-stack`"
        }
        "DELETE_FAILED" => {
            "the stack could not be deleted: remove what blocks the deletion (e.g. a non-empty \
             bucket) and try again"
        }
        _ => "the stack operation did not succeed",
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// `<prefix>-<milliseconds>-<n>`: unique per process and, by the clock, across processes
/// (so a retried `CreateChangeSet` that reports `AlreadyExistsException` met its own
/// earlier attempt).
fn unique_name(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{}-{n}", now_ms())
}

/// Whether CloudFormation's reason says the change set has nothing to do.
fn no_changes(reason: Option<&str>) -> bool {
    reason.is_some_and(|reason| {
        reason.contains("didn't contain changes")
            || reason.contains("No updates are to be performed")
    })
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Runs deploys (and deletions) against one [`Cloud`].
pub struct Engine<'a, C: Cloud> {
    cloud: &'a C,
    ui: &'a Ui,
    options: &'a DeployOptions,
    caller: Identity,
    running: Running,
    /// Staging objects known to exist: (bucket, key).
    staged: Mutex<HashSet<(String, String)>>,
    /// Staging buckets known to exist.
    buckets: Mutex<HashMap<String, bool>>,
}

impl<'a, C: Cloud> Engine<'a, C> {
    /// An engine for the caller (`GetCallerIdentity` is asked once, with retries).
    pub async fn connect(
        cloud: &'a C,
        ui: &'a Ui,
        options: &'a DeployOptions,
        running: Running,
    ) -> Result<Engine<'a, C>, DeployError> {
        let caller = options
            .retry
            .run(
                || cloud.caller_identity(),
                |error, delay| retry_note(ui, "GetCallerIdentity", error, delay),
            )
            .await?;
        Ok(Engine {
            cloud,
            ui,
            options,
            caller,
            running,
            staged: Mutex::new(HashSet::new()),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Who the caller is.
    pub fn caller(&self) -> &Identity {
        &self.caller
    }

    /// The UI.
    pub fn ui(&self) -> &Ui {
        self.ui
    }

    /// The options.
    pub fn options(&self) -> &DeployOptions {
        self.options
    }

    /// A call with retries; retries are reported.
    pub async fn call<T, F, Fut>(&self, what: &str, call: F) -> CloudResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = CloudResult<T>>,
    {
        self.options
            .retry
            .run(call, |error, delay| retry_note(self.ui, what, error, delay))
            .await
    }

    /// The cloud client.
    pub fn cloud(&self) -> &C {
        self.cloud
    }

    /// How to reach `env`: through `role` (an ARN) when the `Accounts` manifest names one
    /// for the account; else no role in the caller's account, and `--role-name` in others.
    pub fn access(
        &self,
        stack: &str,
        env: &Target,
        role: Option<&str>,
    ) -> Result<Access, DeployError> {
        if env.partition != self.caller.partition() {
            return Err(DeployError::Partition {
                stack: stack.to_owned(),
                stack_partition: env.partition.clone(),
                caller_partition: self.caller.partition().to_owned(),
            });
        }
        Ok(Access {
            region: env.region.clone(),
            role_arn: match role {
                Some(role) => Some(role.to_owned()),
                None => (env.account != self.caller.account)
                    .then(|| env.role_arn(&self.options.role_name)),
            },
        })
    }

    /// Uploads `body` to the staging bucket of `env` under `key` unless it is there
    /// already; returns the object's HTTPS URL.
    /// `bucket` defaults to the staging bucket of `env`.
    pub async fn stage(
        &self,
        access: &Access,
        env: &Target,
        bucket: Option<&str>,
        what: &str,
        key: &str,
        body: &[u8],
    ) -> Result<String, DeployError> {
        let bucket = bucket.map_or_else(|| env.staging_bucket(), str::to_owned);
        let url = format!(
            "https://{bucket}.s3.{}.{}/{key}",
            env.region,
            env.s3_domain()
        );
        let object = (bucket.clone(), key.to_owned());
        if self
            .staged
            .lock()
            .is_ok_and(|staged| staged.contains(&object))
        {
            return Ok(url);
        }
        let known = self
            .buckets
            .lock()
            .ok()
            .and_then(|buckets| buckets.get(&bucket).copied());
        let exists = match known {
            Some(exists) => exists,
            None => {
                let exists = self
                    .call("HeadBucket", || {
                        self.cloud.bucket_exists(access, &bucket, &env.account)
                    })
                    .await?;
                if exists && let Ok(mut buckets) = self.buckets.lock() {
                    // Only a bucket that exists is remembered: another stack of this
                    // deploy may still create it.
                    buckets.insert(bucket.clone(), true);
                }
                exists
            }
        };
        if !exists {
            return Err(DeployError::NoStagingBucket {
                what: what.to_owned(),
                bucket,
                account: env.account.clone(),
                region: env.region.clone(),
            });
        }
        let present = self
            .call("HeadObject", || {
                self.cloud.object_exists(access, &bucket, key, &env.account)
            })
            .await?;
        if present {
            self.ui
                .line(&format!("  {what}: already in s3://{bucket}/{key}"));
        } else {
            self.call("PutObject", || {
                self.cloud
                    .put_object(access, &bucket, key, &env.account, body.to_vec())
            })
            .await?;
            self.ui.line(&format!(
                "  {what}: uploaded {} bytes to s3://{bucket}/{key}",
                body.len()
            ));
        }
        if let Ok(mut staged) = self.staged.lock() {
            staged.insert(object);
        }
        Ok(url)
    }

    async fn stage_asset(
        &self,
        access: &Access,
        env: &Target,
        asset: &Asset,
    ) -> Result<(), DeployError> {
        let bytes = std::fs::read(&asset.path).map_err(|error| DeployError::Assembly {
            path: asset.path.clone(),
            message: format!("asset `{}`: {error}", asset.id),
        })?;
        let key = match &asset.key {
            Some(key) => key.clone(),
            None => {
                let extension = asset
                    .path
                    .extension()
                    .and_then(|extension| extension.to_str())
                    .map(|extension| format!(".{extension}"))
                    .unwrap_or_default();
                format!("assets/{}{extension}", sha256_hex(&bytes))
            }
        };
        self.stage(
            access,
            env,
            asset.bucket.as_deref(),
            &format!("asset `{}`", asset.id),
            &key,
            &bytes,
        )
        .await?;
        Ok(())
    }

    async fn template_source(
        &self,
        access: &Access,
        stack: &DeployStack,
    ) -> Result<TemplateSource, DeployError> {
        if stack.body.len() <= MAX_BODY_DIRECT {
            return Ok(TemplateSource::Body(stack.body.clone()));
        }
        let key = format!("templates/{}.json", sha256_hex(stack.body.as_bytes()));
        let what = format!(
            "template ({} bytes, over the {MAX_BODY_DIRECT}-byte inline limit)",
            stack.body.len()
        );
        let url = self
            .stage(access, &stack.env, None, &what, &key, stack.body.as_bytes())
            .await?;
        Ok(TemplateSource::Url(url))
    }

    fn parameters(
        &self,
        stack: &DeployStack,
        existing: Option<&StackInfo>,
    ) -> Result<IndexMap<String, ParameterValue>, DeployError> {
        let mut values = IndexMap::new();
        for (name, default) in &stack.parameters {
            let given = self.options.parameters.iter().rev().find(|given| {
                given.name == *name
                    && given
                        .stack
                        .as_ref()
                        .is_none_or(|s| *s == stack.name || *s == stack.id)
            });
            let value = match (given, existing) {
                (Some(given), _) => ParameterValue::Value(given.value.clone()),
                (None, Some(info)) if info.parameters.contains(name) => ParameterValue::UsePrevious,
                (None, _) if default.is_some() => continue,
                (None, _) => {
                    return Err(DeployError::MissingParameter {
                        stack: stack.name.clone(),
                        parameter: name.clone(),
                    });
                }
            };
            values.insert(name.clone(), value);
        }
        Ok(values)
    }

    /// Deploys one stack through a change set.
    /// `shared_assets` are the assembly's assets not tied to one stack.
    pub async fn deploy_stack(
        &self,
        stack: &DeployStack,
        shared_assets: &[Asset],
        outputs: &Mutex<IndexMap<String, IndexMap<String, String>>>,
    ) -> Result<Outcome, DeployError> {
        let label = format!("{} ({})", stack.name, stack.env);
        let access = self.access(&stack.name, &stack.env, stack.deploy_role.as_deref())?;
        let mut existing = self
            .call("DescribeStacks", || {
                self.cloud.describe_stack(&access, &stack.name)
            })
            .await?;
        if let Some(info) = &existing {
            if let Some(owner) = info.tags.get(APP_TAG)
                && *owner != self.options.app
            {
                return Err(DeployError::ForeignStack {
                    stack: stack.name.clone(),
                    owner: owner.clone(),
                    app: self.options.app.clone(),
                });
            }
            match info.status.as_str() {
                "ROLLBACK_COMPLETE" if self.options.recreate_failed => {
                    self.ui.line(&format!(
                        "{label}: ROLLBACK_COMPLETE after a failed create; deleting it to recreate it (--recreate-failed)"
                    ));
                    self.delete_and_wait(&access, &stack.name, &info.id).await?;
                    existing = None;
                }
                "ROLLBACK_COMPLETE"
                | "ROLLBACK_FAILED"
                | "UPDATE_ROLLBACK_FAILED"
                | "DELETE_FAILED" => {
                    return Err(DeployError::NotDeployable {
                        stack: stack.name.clone(),
                        status: info.status.clone(),
                        reason: info.status_reason.clone(),
                        explanation: explain_status(&info.status).to_owned(),
                    });
                }
                "REVIEW_IN_PROGRESS" => {}
                status if status.ends_with("_IN_PROGRESS") => {
                    return Err(DeployError::NotDeployable {
                        stack: stack.name.clone(),
                        status: info.status.clone(),
                        reason: info.status_reason.clone(),
                        explanation: "another operation is under way; wait for it to finish, then deploy again".to_owned(),
                    });
                }
                _ => {}
            }
        }
        let kind = match &existing {
            Some(info) if info.status != "REVIEW_IN_PROGRESS" => ChangeSetKind::Update,
            _ => ChangeSetKind::Create,
        };
        for asset in stack.assets.iter().chain(shared_assets) {
            self.stage_asset(&access, &stack.env, asset).await?;
        }
        let template = self.template_source(&access, stack).await?;
        let parameters = self.parameters(stack, existing.as_ref())?;
        let old_template = match kind {
            ChangeSetKind::Update => Some(
                self.call("GetTemplate", || {
                    self.cloud.get_template(&access, &stack.name)
                })
                .await?,
            ),
            ChangeSetKind::Create => None,
        };
        let change_set_name = unique_name("cfsynth");
        let request = ChangeSetRequest {
            stack_name: stack.name.clone(),
            change_set_name: change_set_name.clone(),
            kind,
            template,
            parameters,
            capabilities: stack.capabilities.clone(),
            tags: [
                (APP_TAG.to_owned(), self.options.app.clone()),
                (STACK_TAG.to_owned(), stack.id.clone()),
            ]
            .into(),
            role_arn: stack.execution_role.clone().or_else(|| {
                // `cfsynth-cfn-exec` goes with the bootstrap stack's deploy role only.
                let bootstrap_role = access.role_arn.is_some() && stack.deploy_role.is_none();
                self.options.execution_role(&stack.env, bootstrap_role)
            }),
            client_token: change_set_name.clone(),
            description: format!("cfsynth deploy of {}", stack.id),
        };
        self.running.set(&label, "change set being created");
        let result = self
            .through_change_set(
                stack,
                &label,
                &access,
                &request,
                old_template,
                existing.as_ref(),
                outputs,
            )
            .await;
        self.running.clear(&label);
        result
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one step of deploy_stack, split out so the running set is always cleared"
    )]
    async fn through_change_set(
        &self,
        stack: &DeployStack,
        label: &str,
        access: &Access,
        request: &ChangeSetRequest,
        old_template: Option<String>,
        existing: Option<&StackInfo>,
        outputs: &Mutex<IndexMap<String, IndexMap<String, String>>>,
    ) -> Result<Outcome, DeployError> {
        let name = &request.change_set_name;
        let change_set = match self
            .call("CreateChangeSet", || {
                self.cloud.create_change_set(access, request)
            })
            .await
        {
            Ok(_) => self.wait_change_set(access, &stack.name, name).await?,
            // A retried call whose first attempt did reach CloudFormation.
            Err(error) if error.has_code("AlreadyExistsException") => {
                self.wait_change_set(access, &stack.name, name).await?
            }
            Err(error) if no_changes(Some(&error.message)) => ChangeSetInfo {
                status: "FAILED".to_owned(),
                status_reason: Some(error.message),
                ..ChangeSetInfo::default()
            },
            Err(error) => return Err(error.into()),
        };
        if change_set.status == "FAILED" {
            let _ = self
                .call("DeleteChangeSet", || {
                    self.cloud.delete_change_set(access, &stack.name, name)
                })
                .await;
            if no_changes(change_set.status_reason.as_deref())
                && request.kind == ChangeSetKind::Update
            {
                self.ui.line(&format!(
                    "{}: {}",
                    label,
                    self.ui
                        .paint(Tone::Dim, "unchanged (no changes; change set deleted)")
                ));
                if let Some(info) = existing {
                    self.protect(access, stack, info.termination_protection)
                        .await?;
                    self.record_outputs(stack, label, info, outputs);
                }
                return Ok(Outcome::Unchanged);
            }
            self.discard_empty_stack(access, &stack.name, request.kind)
                .await;
            return Err(DeployError::ChangeSetFailed {
                stack: stack.name.clone(),
                reason: change_set
                    .status_reason
                    .unwrap_or_else(|| "no reason given".to_owned()),
            });
        }
        let new_template: Option<Json> = serde_json::from_str(&stack.body).ok();
        let old_json: Option<Json> = old_template
            .as_deref()
            .and_then(|body| serde_json::from_str(body).ok());
        let note = match (&old_template, &old_json) {
            (Some(_), None) => Some(
                "the deployed template is not JSON (YAML?): every permission in the new template is shown as new"
                    .to_owned(),
            ),
            _ => None,
        };
        let diff = StackDiff {
            resources: change_set.changes.clone(),
            permissions: new_template
                .as_ref()
                .map(|new| PermissionDiff::between(old_json.as_ref(), new))
                .unwrap_or_default(),
            note,
        };
        let verb = match request.kind {
            ChangeSetKind::Create => "create",
            ChangeSetKind::Update => "update",
        };
        let paint = |sign: char, text: &str| {
            let tone = match sign {
                '+' => Tone::Good,
                '-' => Tone::Bad,
                '!' => Tone::Alert,
                _ => Tone::Busy,
            };
            self.ui.paint(tone, text)
        };
        self.ui.line(&format!(
            "{} {verb} ({} resource change{}):\n{}",
            self.ui.paint(Tone::Strong, label),
            diff.resources.len(),
            if diff.resources.len() == 1 { "" } else { "s" },
            diff.render(&paint)
        ));
        let why = match self.options.approval {
            Approval::Never => None,
            Approval::AnyChange => Some("these changes"),
            Approval::Broadening if diff.is_broadening() => {
                Some("IAM or security-group changes that widen permissions")
            }
            Approval::Broadening => None,
        };
        if let Some(why) = why {
            self.running.set(label, "change set awaiting approval");
            let approved = if self.options.yes {
                self.ui.line(&format!("{label}: {why} approved by --yes"));
                true
            } else if self.ui.interactive() {
                self.ui.confirm(&format!("Deploy {why} to {label}?")).await
            } else {
                self.abandon(access, &stack.name, name, request.kind).await;
                return Err(DeployError::ApprovalRequired {
                    stack: stack.name.clone(),
                    why: why.to_owned(),
                    level: self.options.approval.name().to_owned(),
                    how: "there is no terminal to ask on; the change set was deleted".to_owned(),
                });
            };
            if !approved {
                self.abandon(access, &stack.name, name, request.kind).await;
                return Err(DeployError::Declined {
                    stack: stack.name.clone(),
                });
            }
        }
        if stack.protected && request.kind == ChangeSetKind::Update {
            // The policy must be in place before the update it guards.
            let policy = protected_stack_policy();
            self.call("SetStackPolicy", || {
                self.cloud.set_stack_policy(access, &stack.name, &policy)
            })
            .await?;
        }
        let baseline = self
            .call("DescribeStackEvents", || {
                self.cloud.stack_events(access, &stack.name, None)
            })
            .await?
            .first()
            .map(|event| event.id.clone());
        self.running.set(label, "change set executing");
        let token = format!("{name}-execute");
        self.call("ExecuteChangeSet", || {
            self.cloud
                .execute_change_set(access, &stack.name, name, !self.options.rollback, &token)
        })
        .await?;
        let total = u64::try_from(diff.resources.len()).unwrap_or(0);
        let (info, failures) = self
            .watch(access, &stack.name, label, baseline, total)
            .await?;
        if final_status(&info.status) != Some(true) {
            return Err(DeployError::StackFailed {
                stack: stack.name.clone(),
                status: info.status.clone(),
                explanation: explain_status(&info.status).to_owned(),
                failures,
            });
        }
        self.protect(access, stack, info.termination_protection)
            .await?;
        self.record_outputs(stack, label, &info, outputs);
        Ok(match request.kind {
            ChangeSetKind::Create => Outcome::Created,
            ChangeSetKind::Update => Outcome::Updated,
        })
    }

    async fn wait_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
    ) -> Result<ChangeSetInfo, DeployError> {
        loop {
            let info = self
                .call("DescribeChangeSet", || {
                    self.cloud.describe_change_set(access, stack, change_set)
                })
                .await?;
            if !matches!(
                info.status.as_str(),
                "CREATE_PENDING" | "CREATE_IN_PROGRESS"
            ) {
                return Ok(info);
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }

    /// Streams the stack's events after `baseline` until it reaches a final status;
    /// returns the stack and its first failing resources.
    async fn watch(
        &self,
        access: &Access,
        stack: &str,
        label: &str,
        baseline: Option<String>,
        total: u64,
    ) -> Result<(StackInfo, Vec<Failure>), DeployError> {
        let progress = self.ui.progress(label, total);
        let mut last = baseline;
        let mut failures: Vec<Failure> = Vec::new();
        let mut cancelled: Vec<Failure> = Vec::new();
        loop {
            let mut events = self
                .call("DescribeStackEvents", || {
                    self.cloud.stack_events(access, stack, last.as_deref())
                })
                .await?;
            events.reverse();
            for event in &events {
                self.show_event(label, event, &progress);
                if event.status.ends_with("_FAILED") && event.logical_id != stack {
                    let failure = Failure {
                        logical_id: event.logical_id.clone(),
                        resource_type: event.resource_type.clone(),
                        status: event.status.clone(),
                        reason: event.reason.clone().unwrap_or_default(),
                    };
                    let is_cancelled = failure.reason.contains("cancelled");
                    let list = if is_cancelled {
                        &mut cancelled
                    } else {
                        &mut failures
                    };
                    if list.len() < 5 {
                        list.push(failure);
                    }
                }
            }
            if let Some(event) = events.last() {
                last = Some(event.id.clone());
            }
            let info = self
                .call("DescribeStacks", || {
                    self.cloud.describe_stack(access, stack)
                })
                .await?;
            let Some(info) = info else {
                progress.finish();
                let gone = StackInfo {
                    name: stack.to_owned(),
                    status: "DELETE_COMPLETE".to_owned(),
                    ..StackInfo::default()
                };
                return Ok((gone, failures));
            };
            if final_status(&info.status).is_some() {
                progress.finish();
                if failures.is_empty() {
                    failures = cancelled;
                }
                if failures.is_empty()
                    && final_status(&info.status) == Some(false)
                    && let Some(reason) = &info.status_reason
                {
                    failures.push(Failure {
                        logical_id: stack.to_owned(),
                        resource_type: "AWS::CloudFormation::Stack".to_owned(),
                        status: info.status.clone(),
                        reason: reason.clone(),
                    });
                }
                return Ok((info, failures));
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }

    fn show_event(&self, label: &str, event: &StackEvent, progress: &Progress) {
        let status = self.ui.paint(Tone::of_status(&event.status), &event.status);
        let reason = event
            .reason
            .as_deref()
            .filter(|reason| !reason.is_empty())
            .map(|reason| format!("  {reason}"))
            .unwrap_or_default();
        self.ui.line(&format!(
            "  {}  {label}  {status}  {} {}{reason}",
            clock(event.timestamp_ms),
            event.resource_type,
            event.logical_id
        ));
        if event.resource_type != "AWS::CloudFormation::Stack"
            && final_status(&event.status).is_some()
        {
            progress.advance();
        }
        progress.message(&format!("{} {}", event.logical_id, event.status));
    }

    /// Termination protection and the stack policy of a protected stack.
    async fn protect(
        &self,
        access: &Access,
        stack: &DeployStack,
        already: bool,
    ) -> Result<(), DeployError> {
        if !stack.protected {
            return Ok(());
        }
        let policy = protected_stack_policy();
        self.call("SetStackPolicy", || {
            self.cloud.set_stack_policy(access, &stack.name, &policy)
        })
        .await?;
        if !already {
            self.call("UpdateTerminationProtection", || {
                self.cloud
                    .update_termination_protection(access, &stack.name, true)
            })
            .await?;
            self.ui.line(&format!(
                "  {}: termination protection on; the stack policy forbids replacing or deleting stateful resources",
                stack.name
            ));
        }
        Ok(())
    }

    fn record_outputs(
        &self,
        stack: &DeployStack,
        label: &str,
        info: &StackInfo,
        outputs: &Mutex<IndexMap<String, IndexMap<String, String>>>,
    ) {
        if !info.outputs.is_empty() {
            let lines: Vec<String> = info
                .outputs
                .iter()
                .map(|(key, value)| format!("  {key} = {value}"))
                .collect();
            self.ui
                .line(&format!("Outputs of {label}:\n{}", lines.join("\n")));
        }
        if let Ok(mut outputs) = outputs.lock() {
            outputs.insert(stack.id.clone(), info.outputs.clone());
        }
    }

    /// Deletes a change set that will not run, and the empty stack a CREATE change set
    /// made (it never held resources).
    async fn abandon(&self, access: &Access, stack: &str, change_set: &str, kind: ChangeSetKind) {
        if let Err(error) = self
            .call("DeleteChangeSet", || {
                self.cloud.delete_change_set(access, stack, change_set)
            })
            .await
        {
            self.ui.warn(&format!(
                "{stack}: could not delete change set {change_set}: {error}"
            ));
        }
        self.discard_empty_stack(access, stack, kind).await;
    }

    async fn discard_empty_stack(&self, access: &Access, stack: &str, kind: ChangeSetKind) {
        if kind != ChangeSetKind::Create {
            return;
        }
        let info = self
            .call("DescribeStacks", || {
                self.cloud.describe_stack(access, stack)
            })
            .await;
        if let Ok(Some(info)) = info
            && info.status == "REVIEW_IN_PROGRESS"
        {
            let token = unique_name("cfsynth-discard");
            if let Err(error) = self
                .call("DeleteStack", || {
                    self.cloud.delete_stack(access, stack, &token)
                })
                .await
            {
                self.ui.warn(&format!(
                    "{stack}: could not remove the empty REVIEW_IN_PROGRESS stack: {error}"
                ));
            }
        }
    }

    /// Deletes a stack and waits until it is gone; fails when the deletion fails.
    pub async fn delete_and_wait(
        &self,
        access: &Access,
        name: &str,
        stack_id: &str,
    ) -> Result<(), DeployError> {
        let label = format!("{name} ({}/{})", self.account_of(access), access.region);
        let baseline = self
            .call("DescribeStackEvents", || {
                self.cloud.stack_events(access, stack_id, None)
            })
            .await?
            .first()
            .map(|event| event.id.clone());
        self.running.set(&label, "being deleted");
        let token = unique_name("cfsynth-delete");
        let result = async {
            self.call("DeleteStack", || {
                self.cloud.delete_stack(access, stack_id, &token)
            })
            .await?;
            let (info, failures) = self.watch(access, stack_id, &label, baseline, 0).await?;
            if info.status != "DELETE_COMPLETE" {
                return Err(DeployError::StackFailed {
                    stack: name.to_owned(),
                    status: info.status.clone(),
                    explanation: explain_status(&info.status).to_owned(),
                    failures,
                });
            }
            self.ui.line(&format!("{label}: deleted"));
            Ok(())
        }
        .await;
        self.running.clear(&label);
        result
    }

    fn account_of<'s>(&'s self, access: &'s Access) -> &'s str {
        access
            .role_arn
            .as_deref()
            .and_then(|arn| arn.split(':').nth(4))
            .unwrap_or(&self.caller.account)
    }

    /// Stacks of this app in the environments of the plan that the assembly does not
    /// have. Environments that cannot be listed are warned about and skipped.
    pub async fn orphans(&self, assembly: &DeployAssembly, plan: &Plan) -> Vec<Orphan> {
        // Each environment with the deploy role of its stacks (one per account).
        let mut environments: IndexMap<Target, Option<String>> = IndexMap::new();
        for &index in &plan.stacks {
            let stack = &assembly.stacks[index];
            environments
                .entry(stack.env.clone())
                .or_insert_with(|| stack.deploy_role.clone());
        }
        let mut orphans = Vec::new();
        for (env, role) in &environments {
            let Ok(access) = self.access("(orphan listing)", env, role.as_deref()) else {
                continue;
            };
            let stacks = match self
                .call("DescribeStacks", || self.cloud.list_stacks(&access))
                .await
            {
                Ok(stacks) => stacks,
                Err(error) => {
                    self.ui.warn(&format!(
                        "cannot list the stacks of {env} for orphans: {error}"
                    ));
                    continue;
                }
            };
            for info in stacks {
                let ours = info.tags.get(APP_TAG) == Some(&self.options.app);
                let known = info
                    .tags
                    .get(STACK_TAG)
                    .is_some_and(|id| assembly.stack(id).is_some());
                if ours && !known && info.status != "DELETE_COMPLETE" {
                    orphans.push(Orphan {
                        name: info.name.clone(),
                        stack_id: info.id.clone(),
                        env: env.clone(),
                        status: info.status.clone(),
                        protected: info.termination_protection,
                        deploy_role: role.clone(),
                    });
                }
            }
        }
        orphans
    }

    /// Deploys the planned stacks: independent stacks in parallel (at most
    /// `concurrency`), each after the stacks it depends on. A failure skips the stacks
    /// that depend on it and the stacks of its environment not yet started; other
    /// environments go on unless `fail_fast`.
    pub async fn deploy(&self, assembly: &DeployAssembly, plan: &Plan) -> Report {
        #[derive(PartialEq)]
        enum State {
            Waiting,
            Running,
            Done(bool),
        }
        let outputs = Mutex::new(IndexMap::new());
        let mut states: Vec<State> = plan.stacks.iter().map(|_| State::Waiting).collect();
        let mut outcomes: Vec<Option<Outcome>> = plan.stacks.iter().map(|_| None).collect();
        let mut failed_envs: HashSet<Target> = HashSet::new();
        let mut stop = false;
        let mut running = FuturesUnordered::new();
        let limit = self.options.concurrency.max(1);
        loop {
            for position in 0..plan.stacks.len() {
                if states[position] != State::Waiting || stop || running.len() >= limit {
                    continue;
                }
                let stack = &assembly.stacks[plan.stacks[position]];
                let waits = &plan.waits_for[position];
                if let Some(&failed) = waits.iter().find(|&&dep| states[dep] == State::Done(false))
                {
                    let dependency = &assembly.stacks[plan.stacks[failed]].name;
                    states[position] = State::Done(false);
                    outcomes[position] = Some(Outcome::Skipped(format!(
                        "depends on {dependency}, which did not deploy"
                    )));
                    continue;
                }
                if failed_envs.contains(&stack.env) {
                    states[position] = State::Done(false);
                    outcomes[position] = Some(Outcome::Skipped(format!(
                        "an earlier stack in {} failed",
                        stack.env
                    )));
                    continue;
                }
                if !waits.iter().all(|&dep| states[dep] == State::Done(true)) {
                    continue;
                }
                states[position] = State::Running;
                let outputs = &outputs;
                let shared = assembly.assets.as_slice();
                running.push(
                    async move { (position, self.deploy_stack(stack, shared, outputs).await) },
                );
            }
            let Some((position, result)) = running.next().await else {
                break;
            };
            let outcome = result.unwrap_or_else(Outcome::Failed);
            let success = outcome.is_success();
            if let Outcome::Failed(error) = &outcome {
                let stack = &assembly.stacks[plan.stacks[position]];
                let message = error.to_string();
                let prefix = if message.contains(&format!("`{}`", stack.name)) {
                    String::new()
                } else {
                    format!("{}: ", stack.name)
                };
                self.ui.line(&format!(
                    "{} {prefix}{message}",
                    self.ui.paint(Tone::Bad, "✗")
                ));
                if let Some(help) = error.help() {
                    self.ui.line(&format!("  help: {help}"));
                }
                failed_envs.insert(stack.env.clone());
                stop |= self.options.fail_fast;
            }
            states[position] = State::Done(success);
            outcomes[position] = Some(outcome);
        }
        drop(running);
        let results = plan
            .stacks
            .iter()
            .zip(outcomes)
            .map(|(&index, outcome)| {
                let outcome = outcome.unwrap_or_else(|| {
                    Outcome::Skipped("not started: --fail-fast after a failure".to_owned())
                });
                (assembly.stacks[index].id.clone(), outcome)
            })
            .collect();
        Report {
            results,
            outputs: outputs.into_inner().unwrap_or_default(),
            ..Report::default()
        }
    }

    /// Prints the outcome of every stack.
    pub fn summarize(&self, assembly: &DeployAssembly, report: &Report) {
        let mut lines = vec![self.ui.paint(Tone::Strong, "Summary:")];
        for (id, outcome) in &report.results {
            let Some(stack) = assembly.stack(id) else {
                continue;
            };
            let tone = match outcome {
                Outcome::Failed(_) => Tone::Bad,
                Outcome::Skipped(_) => Tone::Busy,
                Outcome::Unchanged => Tone::Dim,
                _ => Tone::Good,
            };
            let detail = match outcome {
                Outcome::Skipped(why) => format!(" ({why})"),
                _ => String::new(),
            };
            lines.push(format!(
                "  {} {}  {}{detail}",
                self.ui.paint(tone, &format!("{:<10}", outcome.label())),
                stack.name,
                stack.env
            ));
        }
        for orphan in &report.orphans {
            let state = if report.pruned.contains(&orphan.stack_id) {
                "pruned"
            } else {
                "orphaned"
            };
            lines.push(format!(
                "  {} {}  {}",
                self.ui.paint(Tone::Busy, &format!("{state:<10}")),
                orphan.name,
                orphan.env
            ));
        }
        self.ui.line(&lines.join("\n"));
    }
}

fn retry_note(ui: &Ui, what: &str, error: &CloudError, delay: Duration) {
    ui.warn(&format!(
        "{what}: {}; retrying in {:.1}s",
        error.message,
        delay.as_secs_f64()
    ));
}
