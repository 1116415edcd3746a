//! A scripted in-memory [`Cloud`] for unit tests: stacks, change sets, events, staging
//! objects and StackSets per account and region, with injected throttling, timeouts and
//! resource failures. Only compiled for tests.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::cloud::{
    Access, ChangeSetInfo, ChangeSetKind, ChangeSetRequest, Cloud, CloudError, CloudResult,
    ErrorKind, Identity, InstanceResult, OperationInfo, ParameterValue, ResourceChange, StackEvent,
    StackInfo, StackSetInfo, StackSetRequest, TemplateSource,
};

type Place = (String, String);

#[derive(Clone, Debug, Default)]
struct FakeStack {
    info: StackInfo,
    template: String,
    events: Vec<StackEvent>,
    /// The status the stack reaches at the next `DescribeStacks`.
    pending: Option<String>,
    policy: Option<String>,
}

#[derive(Clone, Debug)]
struct FakeChangeSet {
    kind: ChangeSetKind,
    template: String,
    tags: IndexMap<String, String>,
    parameters: IndexMap<String, ParameterValue>,
    role_arn: Option<String>,
    info: ChangeSetInfo,
}

#[derive(Default)]
struct State {
    stacks: HashMap<(String, String, String), FakeStack>,
    change_sets: HashMap<(String, String, String, String), FakeChangeSet>,
    buckets: HashSet<(String, String)>,
    objects: HashMap<(String, String), Vec<u8>>,
    stack_sets: HashMap<String, (StackSetInfo, Vec<(String, String)>)>,
    operations: HashMap<String, Vec<InstanceResult>>,
    faults: HashMap<&'static str, VecDeque<CloudError>>,
    failing_resources: HashMap<String, String>,
    failing_instances: HashSet<String>,
    lost_responses: HashSet<&'static str>,
    calls: Vec<String>,
    assumed_roles: Vec<String>,
    in_progress: usize,
    max_in_progress: usize,
    next_id: u64,
}

/// The fake cloud.
pub struct Fake {
    caller: Identity,
    state: Mutex<State>,
}

impl Fake {
    /// A cloud whose caller is in `account` (partition `aws`).
    pub fn new(account: &str) -> Fake {
        Fake {
            caller: Identity {
                account: account.to_owned(),
                arn: format!("arn:aws:iam::{account}:user/tester"),
            },
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The next `times` calls of `operation` fail with `kind`.
    pub fn fail_next(&self, operation: &'static str, kind: ErrorKind, times: usize) {
        let message = match kind {
            ErrorKind::Throttling => "Rate exceeded",
            ErrorKind::Transient => "operation timed out",
            ErrorKind::Credentials => "The security token included in the request is expired",
            ErrorKind::Other => "Access denied",
        };
        let mut state = self.state();
        let queue = state.faults.entry(operation).or_default();
        for _ in 0..times {
            queue.push_back(
                CloudError::new(kind, operation, message).with_code(match kind {
                    ErrorKind::Throttling => "Throttling",
                    ErrorKind::Transient => "RequestTimeout",
                    ErrorKind::Credentials => "ExpiredToken",
                    ErrorKind::Other => "AccessDenied",
                }),
            );
        }
    }

    /// Creating or updating a resource with this logical ID fails with `reason`.
    pub fn fail_resource(&self, logical_id: &str, reason: &str) {
        self.state()
            .failing_resources
            .insert(logical_id.to_owned(), reason.to_owned());
    }

    /// The next `CreateChangeSet` succeeds but its response is lost (a timeout).
    pub fn lose_next_create_response(&self) {
        self.state().lost_responses.insert("CreateChangeSet");
    }

    /// No resource fails any more.
    pub fn heal(&self) {
        self.state().failing_resources.clear();
    }

    /// StackSet instances in this account fail.
    pub fn fail_instances_in(&self, account: &str) {
        self.state().failing_instances.insert(account.to_owned());
    }

    /// Adds a staging bucket.
    pub fn add_bucket(&self, account: &str, bucket: &str) {
        self.state()
            .buckets
            .insert((account.to_owned(), bucket.to_owned()));
    }

    /// Adds a stack as if deployed earlier.
    pub fn add_stack(&self, account: &str, region: &str, info: StackInfo, template: &str) {
        self.state().stacks.insert(
            (account.to_owned(), region.to_owned(), info.name.clone()),
            FakeStack {
                info,
                template: template.to_owned(),
                ..FakeStack::default()
            },
        );
    }

    /// A stack, if it exists.
    pub fn stack(&self, account: &str, region: &str, name: &str) -> Option<StackInfo> {
        self.state()
            .stacks
            .get(&(account.to_owned(), region.to_owned(), name.to_owned()))
            .map(|stack| stack.info.clone())
    }

    /// The stack policy of a stack.
    pub fn policy(&self, account: &str, region: &str, name: &str) -> Option<String> {
        self.state()
            .stacks
            .get(&(account.to_owned(), region.to_owned(), name.to_owned()))
            .and_then(|stack| stack.policy.clone())
    }

    /// Every call made: `Operation account/region target`.
    pub fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }

    /// The most stack operations that were under way at once.
    pub fn max_in_progress(&self) -> usize {
        self.state().max_in_progress
    }

    /// The staged objects: (bucket, key).
    pub fn objects(&self) -> Vec<(String, String)> {
        let mut objects: Vec<_> = self.state().objects.keys().cloned().collect();
        objects.sort();
        objects
    }

    /// The change sets left (not deleted, not executed).
    pub fn open_change_sets(&self) -> usize {
        self.state()
            .change_sets
            .values()
            .filter(|change_set| change_set.info.execution_status == "AVAILABLE")
            .count()
    }

    /// The role passed to CloudFormation by the last change set of a stack.
    pub fn last_role_arn(&self, name: &str) -> Option<String> {
        self.state()
            .change_sets
            .iter()
            .filter(|(key, _)| key.2 == name)
            .max_by_key(|(key, _)| key.3.clone())
            .and_then(|(_, change_set)| change_set.role_arn.clone())
    }

    /// The parameters of the last change set of a stack.
    pub fn last_parameters(&self, name: &str) -> IndexMap<String, ParameterValue> {
        self.state()
            .change_sets
            .iter()
            .filter(|(key, _)| key.2 == name)
            .max_by_key(|(key, _)| key.3.clone())
            .map(|(_, change_set)| change_set.parameters.clone())
            .unwrap_or_default()
    }

    /// The roles calls went through, each once, in the order first used.
    pub fn assumed_roles(&self) -> Vec<String> {
        self.state().assumed_roles.clone()
    }

    fn place(&self, access: &Access) -> Place {
        let account = access
            .role_arn
            .as_deref()
            .and_then(|arn| arn.split(':').nth(4))
            .unwrap_or(&self.caller.account);
        (account.to_owned(), access.region.clone())
    }

    /// Logs the call and pops an injected fault, if any.
    fn enter(&self, operation: &'static str, access: &Access, target: &str) -> CloudResult<Place> {
        let place = self.place(access);
        let mut state = self.state();
        state
            .calls
            .push(format!("{operation} {}/{} {target}", place.0, place.1));
        if let Some(role) = &access.role_arn
            && !state.assumed_roles.contains(role)
        {
            state.assumed_roles.push(role.clone());
        }
        if let Some(fault) = state
            .faults
            .get_mut(operation)
            .and_then(VecDeque::pop_front)
        {
            return Err(fault);
        }
        Ok(place)
    }

    fn next_id(state: &mut State) -> u64 {
        state.next_id += 1;
        state.next_id
    }
}

fn resources(template: &str) -> IndexMap<String, Json> {
    serde_json::from_str::<Json>(template)
        .ok()
        .and_then(|json| json.get("Resources").cloned())
        .and_then(|resources| serde_json::from_value(resources).ok())
        .unwrap_or_default()
}

fn missing(operation: &'static str, name: &str) -> CloudError {
    CloudError::new(
        ErrorKind::Other,
        operation,
        format!("Stack with id {name} does not exist"),
    )
    .with_code("ValidationError")
}

fn event(
    state: &mut State,
    logical_id: &str,
    resource_type: &str,
    status: &str,
    reason: Option<&str>,
) -> StackEvent {
    let id = Fake::next_id(state);
    StackEvent {
        id: format!("event-{id}"),
        timestamp_ms: i64::try_from(id).unwrap_or(0) * 1000,
        logical_id: logical_id.to_owned(),
        resource_type: resource_type.to_owned(),
        status: status.to_owned(),
        reason: reason.map(str::to_owned),
    }
}

fn find<'s>(state: &'s mut State, place: &Place, name: &str) -> Option<&'s mut FakeStack> {
    let key = state
        .stacks
        .iter()
        .find(|((account, region, stack_name), stack)| {
            *account == place.0
                && *region == place.1
                && (stack_name == name || stack.info.id == name)
        })
        .map(|(key, _)| key.clone())?;
    state.stacks.get_mut(&key)
}

impl Cloud for Fake {
    async fn caller_identity(&self) -> CloudResult<Identity> {
        let access = Access {
            region: "us-east-1".to_owned(),
            role_arn: None,
        };
        self.enter("GetCallerIdentity", &access, "")?;
        Ok(self.caller.clone())
    }

    async fn describe_stack(&self, access: &Access, stack: &str) -> CloudResult<Option<StackInfo>> {
        let place = self.enter("DescribeStacks", access, stack)?;
        tokio::task::yield_now().await;
        let mut state = self.state();
        let mut finished = false;
        let info = find(&mut state, &place, stack).map(|found| {
            if let Some(status) = found.pending.take() {
                found.info.status = status;
                finished = true;
            }
            found.info.clone()
        });
        if finished {
            state.in_progress = state.in_progress.saturating_sub(1);
        }
        if let Some(info) = &info
            && info.status == "DELETE_COMPLETE"
        {
            let key = (place.0, place.1, info.name.clone());
            state.stacks.remove(&key);
            return Ok(None);
        }
        Ok(info)
    }

    async fn list_stacks(&self, access: &Access) -> CloudResult<Vec<StackInfo>> {
        let place = self.enter("ListStacks", access, "")?;
        let state = self.state();
        let mut stacks: Vec<StackInfo> = state
            .stacks
            .iter()
            .filter(|((account, region, _), _)| *account == place.0 && *region == place.1)
            .map(|(_, stack)| stack.info.clone())
            .collect();
        stacks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(stacks)
    }

    async fn get_template(&self, access: &Access, stack: &str) -> CloudResult<String> {
        let place = self.enter("GetTemplate", access, stack)?;
        let mut state = self.state();
        find(&mut state, &place, stack)
            .map(|found| found.template.clone())
            .ok_or_else(|| missing("GetTemplate", stack))
    }

    async fn create_change_set(
        &self,
        access: &Access,
        request: &ChangeSetRequest,
    ) -> CloudResult<String> {
        let place = self.enter("CreateChangeSet", access, &request.stack_name)?;
        let mut state = self.state();
        let template = match &request.template {
            TemplateSource::Body(body) => body.clone(),
            TemplateSource::Url(url) => {
                let (bucket, key) = url
                    .strip_prefix("https://")
                    .and_then(|rest| rest.split_once('/'))
                    .map(|(host, key)| {
                        (
                            host.split('.').next().unwrap_or_default().to_owned(),
                            key.to_owned(),
                        )
                    })
                    .unwrap_or_default();
                let body = state.objects.get(&(bucket, key)).ok_or_else(|| {
                    CloudError::new(ErrorKind::Other, "CreateChangeSet", "no such object")
                })?;
                String::from_utf8_lossy(body).into_owned()
            }
        };
        let change_set_key = (
            place.0.clone(),
            place.1.clone(),
            request.stack_name.clone(),
            request.change_set_name.clone(),
        );
        if state.change_sets.contains_key(&change_set_key) {
            return Err(CloudError::new(
                ErrorKind::Other,
                "CreateChangeSet",
                format!("ChangeSet {} already exists", request.change_set_name),
            )
            .with_code("AlreadyExistsException"));
        }
        let key = (place.0.clone(), place.1.clone(), request.stack_name.clone());
        let old = match request.kind {
            ChangeSetKind::Update => {
                let stack = state
                    .stacks
                    .get(&key)
                    .ok_or_else(|| missing("CreateChangeSet", &request.stack_name))?;
                resources(&stack.template)
            }
            ChangeSetKind::Create => {
                if !state.stacks.contains_key(&key) {
                    let id = Fake::next_id(&mut state);
                    let info = StackInfo {
                        id: format!(
                            "arn:aws:cloudformation:{}:{}:stack/{}/{id}",
                            place.1, place.0, request.stack_name
                        ),
                        name: request.stack_name.clone(),
                        status: "REVIEW_IN_PROGRESS".to_owned(),
                        tags: request.tags.clone(),
                        ..StackInfo::default()
                    };
                    state.stacks.insert(
                        key.clone(),
                        FakeStack {
                            info,
                            ..FakeStack::default()
                        },
                    );
                }
                IndexMap::new()
            }
        };
        let new = resources(&template);
        let mut changes = Vec::new();
        for (id, resource) in &new {
            let resource_type = resource["Type"].as_str().unwrap_or_default().to_owned();
            match old.get(id) {
                None => changes.push(ResourceChange {
                    action: "Add".into(),
                    logical_id: id.clone(),
                    resource_type,
                    ..ResourceChange::default()
                }),
                Some(before) if before != resource => changes.push(ResourceChange {
                    action: "Modify".into(),
                    logical_id: id.clone(),
                    resource_type,
                    replacement: Some("False".into()),
                    ..ResourceChange::default()
                }),
                Some(_) => {}
            }
        }
        for (id, resource) in &old {
            if !new.contains_key(id) {
                changes.push(ResourceChange {
                    action: "Remove".into(),
                    logical_id: id.clone(),
                    resource_type: resource["Type"].as_str().unwrap_or_default().to_owned(),
                    ..ResourceChange::default()
                });
            }
        }
        let info = if changes.is_empty() {
            ChangeSetInfo {
                status: "FAILED".into(),
                execution_status: "UNAVAILABLE".into(),
                status_reason: Some("The submitted information didn't contain changes. Submit different information to create a change set.".into()),
                changes,
            }
        } else {
            ChangeSetInfo {
                status: "CREATE_COMPLETE".into(),
                execution_status: "AVAILABLE".into(),
                status_reason: None,
                changes,
            }
        };
        state.change_sets.insert(
            change_set_key,
            FakeChangeSet {
                kind: request.kind,
                template,
                tags: request.tags.clone(),
                parameters: request.parameters.clone(),
                role_arn: request.role_arn.clone(),
                info,
            },
        );
        if state.lost_responses.remove("CreateChangeSet") {
            return Err(CloudError::new(
                ErrorKind::Transient,
                "CreateChangeSet",
                "operation timed out",
            ));
        }
        Ok(format!("changeSet/{}", request.change_set_name))
    }

    async fn describe_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
    ) -> CloudResult<ChangeSetInfo> {
        let place = self.enter("DescribeChangeSet", access, stack)?;
        self.state()
            .change_sets
            .get(&(place.0, place.1, stack.to_owned(), change_set.to_owned()))
            .map(|found| found.info.clone())
            .ok_or_else(|| {
                CloudError::new(ErrorKind::Other, "DescribeChangeSet", "no such change set")
                    .with_code("ChangeSetNotFound")
            })
    }

    async fn execute_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
        disable_rollback: bool,
        _token: &str,
    ) -> CloudResult<()> {
        let place = self.enter("ExecuteChangeSet", access, stack)?;
        let mut state = self.state();
        let key = (
            place.0.clone(),
            place.1.clone(),
            stack.to_owned(),
            change_set.to_owned(),
        );
        let Some(found) = state.change_sets.get_mut(&key) else {
            return Err(CloudError::new(
                ErrorKind::Other,
                "ExecuteChangeSet",
                "no such change set",
            ));
        };
        found.info.execution_status = "EXECUTE_COMPLETE".into();
        let found = found.clone();
        let verb = match found.kind {
            ChangeSetKind::Create => "CREATE",
            ChangeSetKind::Update => "UPDATE",
        };
        let mut events = vec![event(
            &mut state,
            stack,
            "AWS::CloudFormation::Stack",
            &format!("{verb}_IN_PROGRESS"),
            Some("User Initiated"),
        )];
        let mut failed = false;
        for change in &found.info.changes {
            let step = if change.action == "Remove" {
                "DELETE"
            } else if change.action == "Add" {
                "CREATE"
            } else {
                "UPDATE"
            };
            events.push(event(
                &mut state,
                &change.logical_id,
                &change.resource_type,
                &format!("{step}_IN_PROGRESS"),
                None,
            ));
            match state.failing_resources.get(&change.logical_id).cloned() {
                Some(reason) if !failed => {
                    events.push(event(
                        &mut state,
                        &change.logical_id,
                        &change.resource_type,
                        &format!("{step}_FAILED"),
                        Some(&reason),
                    ));
                    failed = true;
                }
                _ => events.push(event(
                    &mut state,
                    &change.logical_id,
                    &change.resource_type,
                    &format!("{step}_COMPLETE"),
                    None,
                )),
            }
        }
        let final_status = match (failed, found.kind, disable_rollback) {
            (false, ChangeSetKind::Create, _) => "CREATE_COMPLETE",
            (false, ChangeSetKind::Update, _) => "UPDATE_COMPLETE",
            (true, ChangeSetKind::Create, false) => "ROLLBACK_COMPLETE",
            (true, ChangeSetKind::Create, true) => "CREATE_FAILED",
            (true, ChangeSetKind::Update, false) => "UPDATE_ROLLBACK_COMPLETE",
            (true, ChangeSetKind::Update, true) => "UPDATE_FAILED",
        };
        events.push(event(
            &mut state,
            stack,
            "AWS::CloudFormation::Stack",
            final_status,
            None,
        ));
        state.in_progress += 1;
        state.max_in_progress = state.max_in_progress.max(state.in_progress);
        let Some(target) = find(&mut state, &(place.0, place.1), stack) else {
            return Err(missing("ExecuteChangeSet", stack));
        };
        target.info.status = format!("{verb}_IN_PROGRESS");
        target.pending = Some(final_status.to_owned());
        target.events.extend(events);
        if !failed {
            target.template = found.template.clone();
            target.info.tags = found.tags.clone();
            target.info.parameters = found.parameters.keys().cloned().collect();
            target.info.outputs = [("Name".to_owned(), stack.to_owned())].into();
        }
        Ok(())
    }

    async fn delete_change_set(
        &self,
        access: &Access,
        stack: &str,
        change_set: &str,
    ) -> CloudResult<()> {
        let place = self.enter("DeleteChangeSet", access, stack)?;
        self.state().change_sets.remove(&(
            place.0,
            place.1,
            stack.to_owned(),
            change_set.to_owned(),
        ));
        Ok(())
    }

    async fn stack_events(
        &self,
        access: &Access,
        stack: &str,
        after: Option<&str>,
    ) -> CloudResult<Vec<StackEvent>> {
        let place = self.enter("DescribeStackEvents", access, stack)?;
        let mut state = self.state();
        let Some(found) = find(&mut state, &place, stack) else {
            return Err(missing("DescribeStackEvents", stack));
        };
        let mut events: Vec<StackEvent> = found.events.iter().rev().cloned().collect();
        if let Some(after) = after
            && let Some(at) = events.iter().position(|event| event.id == after)
        {
            events.truncate(at);
        }
        Ok(events)
    }

    async fn delete_stack(&self, access: &Access, stack: &str, _token: &str) -> CloudResult<()> {
        let place = self.enter("DeleteStack", access, stack)?;
        let mut state = self.state();
        let delete_event = event(
            &mut state,
            stack,
            "AWS::CloudFormation::Stack",
            "DELETE_COMPLETE",
            None,
        );
        if let Some(found) = find(&mut state, &place, stack) {
            if found.info.termination_protection {
                return Err(CloudError::new(
                    ErrorKind::Other,
                    "DeleteStack",
                    "Stack cannot be deleted while TerminationProtection is enabled",
                )
                .with_code("ValidationError"));
            }
            found.info.status = "DELETE_IN_PROGRESS".into();
            found.pending = Some("DELETE_COMPLETE".into());
            found.events.push(delete_event);
            state.in_progress += 1;
        }
        Ok(())
    }

    async fn update_termination_protection(
        &self,
        access: &Access,
        stack: &str,
        enabled: bool,
    ) -> CloudResult<()> {
        let place = self.enter("UpdateTerminationProtection", access, stack)?;
        let mut state = self.state();
        let found = find(&mut state, &place, stack)
            .ok_or_else(|| missing("UpdateTerminationProtection", stack))?;
        found.info.termination_protection = enabled;
        Ok(())
    }

    async fn set_stack_policy(
        &self,
        access: &Access,
        stack: &str,
        policy: &str,
    ) -> CloudResult<()> {
        let place = self.enter("SetStackPolicy", access, stack)?;
        let mut state = self.state();
        let found =
            find(&mut state, &place, stack).ok_or_else(|| missing("SetStackPolicy", stack))?;
        found.policy = Some(policy.to_owned());
        Ok(())
    }

    async fn bucket_exists(&self, access: &Access, bucket: &str, owner: &str) -> CloudResult<bool> {
        self.enter("HeadBucket", access, bucket)?;
        Ok(self
            .state()
            .buckets
            .contains(&(owner.to_owned(), bucket.to_owned())))
    }

    async fn object_exists(
        &self,
        access: &Access,
        bucket: &str,
        key: &str,
        _owner: &str,
    ) -> CloudResult<bool> {
        self.enter("HeadObject", access, key)?;
        Ok(self
            .state()
            .objects
            .contains_key(&(bucket.to_owned(), key.to_owned())))
    }

    async fn put_object(
        &self,
        access: &Access,
        bucket: &str,
        key: &str,
        _owner: &str,
        body: Vec<u8>,
    ) -> CloudResult<()> {
        self.enter("PutObject", access, key)?;
        self.state()
            .objects
            .insert((bucket.to_owned(), key.to_owned()), body);
        Ok(())
    }

    async fn describe_stack_set(
        &self,
        access: &Access,
        name: &str,
        _delegated_admin: bool,
    ) -> CloudResult<Option<StackSetInfo>> {
        self.enter("DescribeStackSet", access, name)?;
        Ok(self
            .state()
            .stack_sets
            .get(name)
            .map(|(info, _)| info.clone()))
    }

    async fn create_stack_set(
        &self,
        access: &Access,
        request: &StackSetRequest,
    ) -> CloudResult<()> {
        self.enter("CreateStackSet", access, &request.name)?;
        let body = match &request.template {
            TemplateSource::Body(body) => body.clone(),
            TemplateSource::Url(url) => url.clone(),
        };
        let info = StackSetInfo {
            template_body: body,
            permission_model: if request.targets.service_managed() {
                "SERVICE_MANAGED"
            } else {
                "SELF_MANAGED"
            }
            .into(),
            status: "ACTIVE".into(),
        };
        self.state()
            .stack_sets
            .insert(request.name.clone(), (info, Vec::new()));
        Ok(())
    }

    async fn update_stack_set(
        &self,
        access: &Access,
        request: &StackSetRequest,
    ) -> CloudResult<String> {
        self.enter("UpdateStackSet", access, &request.name)?;
        let mut state = self.state();
        let failing = state.failing_instances.clone();
        let Some((info, instances)) = state.stack_sets.get_mut(&request.name) else {
            return Err(
                CloudError::new(ErrorKind::Other, "UpdateStackSet", "StackSet not found")
                    .with_code("StackSetNotFoundException"),
            );
        };
        if let TemplateSource::Body(body) = &request.template {
            info.template_body = body.clone();
        }
        let results = instances
            .iter()
            .map(|(account, region)| InstanceResult {
                account: account.clone(),
                region: region.clone(),
                status: if failing.contains(account) {
                    "FAILED"
                } else {
                    "SUCCEEDED"
                }
                .into(),
                reason: failing
                    .contains(account)
                    .then(|| "ResourceLogicalId:Queue, ResourceStatusReason:denied".to_owned()),
            })
            .collect();
        state.operations.insert(request.token.clone(), results);
        Ok(request.token.clone())
    }

    async fn create_stack_instances(
        &self,
        access: &Access,
        request: &StackSetRequest,
        operation_id: &str,
    ) -> CloudResult<String> {
        self.enter("CreateStackInstances", access, &request.name)?;
        let mut state = self.state();
        let failing = state.failing_instances.clone();
        let accounts: Vec<String> = if request.targets.service_managed() {
            request
                .targets
                .organizational_units
                .iter()
                .map(|ou| format!("9999{:08}", ou.len()))
                .collect()
        } else {
            request.targets.accounts.clone()
        };
        let Some((_, instances)) = state.stack_sets.get_mut(&request.name) else {
            return Err(CloudError::new(
                ErrorKind::Other,
                "CreateStackInstances",
                "StackSet not found",
            ));
        };
        let mut results = Vec::new();
        for account in &accounts {
            for region in &request.targets.regions {
                let place = (account.clone(), region.clone());
                if instances.contains(&place) {
                    continue;
                }
                instances.push(place);
                results.push(InstanceResult {
                    account: account.clone(),
                    region: region.clone(),
                    status: if failing.contains(account) {
                        "FAILED"
                    } else {
                        "SUCCEEDED"
                    }
                    .into(),
                    reason: None,
                });
            }
        }
        state.operations.insert(operation_id.to_owned(), results);
        Ok(operation_id.to_owned())
    }

    async fn describe_stack_set_operation(
        &self,
        access: &Access,
        name: &str,
        operation_id: &str,
        _delegated_admin: bool,
    ) -> CloudResult<OperationInfo> {
        self.enter("DescribeStackSetOperation", access, name)?;
        let state = self.state();
        let results = state
            .operations
            .get(operation_id)
            .cloned()
            .unwrap_or_default();
        let failed = results.iter().any(|result| result.status != "SUCCEEDED");
        Ok(OperationInfo {
            status: if failed { "FAILED" } else { "SUCCEEDED" }.into(),
            status_reason: failed
                .then(|| "The Operation failed: failure tolerance exceeded".to_owned()),
        })
    }

    async fn stack_set_operation_results(
        &self,
        access: &Access,
        name: &str,
        operation_id: &str,
        _delegated_admin: bool,
    ) -> CloudResult<Vec<InstanceResult>> {
        self.enter("ListStackSetOperationResults", access, name)?;
        Ok(self
            .state()
            .operations
            .get(operation_id)
            .cloned()
            .unwrap_or_default())
    }

    async fn list_stack_instances(
        &self,
        access: &Access,
        name: &str,
        _delegated_admin: bool,
    ) -> CloudResult<Vec<InstanceResult>> {
        self.enter("ListStackInstances", access, name)?;
        let state = self.state();
        let failing = state.failing_instances.clone();
        Ok(state
            .stack_sets
            .get(name)
            .map(|(_, instances)| {
                instances
                    .iter()
                    .map(|(account, region)| InstanceResult {
                        account: account.clone(),
                        region: region.clone(),
                        status: if failing.contains(account) {
                            "FAILED"
                        } else {
                            "SUCCEEDED"
                        }
                        .into(),
                        reason: None,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}
