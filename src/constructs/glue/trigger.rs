//! Glue triggers (on a schedule, when jobs and crawlers finish, or on demand) and the
//! workflows that group them.

use std::fmt;

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use super::crawler::Crawler;
use super::job::{ArgumentCheck, Job, check_argument, check_timeout};
use super::schedule::check_schedule;
use super::{check_name, construct_path, default_name, glue_arn};
use crate::app::{App, ResourceHandle};
use crate::constructs::{ConstructError, Scope};
use crate::l1::glue::{trigger as l1, workflow};
use crate::template::{Expr, Val};

/// Glue accepts at most 500 conditions per trigger.
const MAX_CONDITIONS: usize = 500;

/// A job or a crawler a trigger starts or watches.
#[derive(Clone, PartialEq, Debug)]
pub enum RunTarget {
    /// A job.
    Job(Job),
    /// A crawler.
    Crawler(Crawler),
}

impl RunTarget {
    fn describe(&self) -> String {
        match self {
            RunTarget::Job(job) => format!("job `{}`", job.physical_name()),
            RunTarget::Crawler(crawler) => format!("crawler `{}`", crawler.physical_name()),
        }
    }
}

/// The state of a job run or crawl that a condition waits for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum RunState {
    /// It succeeded (jobs and crawlers).
    Succeeded,
    /// It failed (jobs and crawlers).
    Failed,
    /// It was stopped (jobs).
    Stopped,
    /// It timed out (jobs).
    Timeout,
    /// It was cancelled (crawlers).
    Cancelled,
}

impl RunState {
    /// The states a condition on a job can wait for.
    pub const OF_JOBS: [RunState; 4] = [
        RunState::Succeeded,
        RunState::Failed,
        RunState::Stopped,
        RunState::Timeout,
    ];
    /// The states a condition on a crawler can wait for.
    pub const OF_CRAWLERS: [RunState; 3] =
        [RunState::Succeeded, RunState::Failed, RunState::Cancelled];
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Stopped => "stopped",
            RunState::Timeout => "timeout",
            RunState::Cancelled => "cancelled",
        })
    }
}

/// A condition of a conditional trigger: a job or crawler reached a state.
#[derive(Clone, PartialEq, Debug)]
pub struct TriggerCondition {
    /// The job or crawler.
    pub target: RunTarget,
    /// The state.
    pub state: RunState,
}

/// Whether a conditional trigger fires when all its conditions hold, or any.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Logical {
    /// Every condition.
    And,
    /// At least one condition.
    Any,
}

/// When a trigger fires.
#[derive(Clone, PartialEq, Debug)]
pub enum TriggerKind {
    /// On a schedule, `cron(…)` (see [`check_schedule`]).
    Scheduled(String),
    /// When jobs and crawlers reach states.
    Conditional {
        /// All conditions, or any.
        logical: Logical,
        /// The conditions (1 to 500).
        conditions: Vec<TriggerCondition>,
    },
    /// Only when started by hand or by an API call (a workflow's start).
    OnDemand,
}

/// What a trigger starts.
#[derive(Clone, PartialEq, Debug)]
pub struct TriggerAction {
    /// The job or crawler.
    pub target: RunTarget,
    /// Arguments for the job run, overriding the job's defaults (jobs only).
    pub arguments: IndexMap<String, String>,
    /// The run's time limit in minutes, overriding the job's (jobs only).
    pub timeout_minutes: Option<u32>,
}

impl TriggerAction {
    /// Starts `target` with its own settings.
    pub fn start(target: RunTarget) -> TriggerAction {
        TriggerAction {
            target,
            arguments: IndexMap::new(),
            timeout_minutes: None,
        }
    }
}

/// Properties of a [`Trigger`].
#[derive(Clone, PartialEq, Debug)]
pub struct TriggerProps {
    /// The trigger name (1 to 255 characters). Default: the stack name and construct
    /// path in kebab case.
    pub name: Option<String>,
    /// What it is for.
    pub description: Option<String>,
    /// When it fires.
    pub kind: TriggerKind,
    /// What it starts (at least one).
    pub actions: Vec<TriggerAction>,
    /// The workflow it belongs to.
    pub workflow: Option<Workflow>,
    /// Activate a scheduled or conditional trigger when it is created (default `true`).
    pub enabled: bool,
}

impl TriggerProps {
    /// An enabled trigger of `kind` that starts `actions`.
    pub fn new(kind: TriggerKind, actions: Vec<TriggerAction>) -> TriggerProps {
        TriggerProps {
            name: None,
            description: None,
            kind,
            actions,
            workflow: None,
            enabled: true,
        }
    }
}

/// A Glue trigger. It refers to its jobs, crawlers and workflow by `Ref`, so it is
/// created after them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Trigger {
    handle: ResourceHandle,
    name: String,
}

impl Trigger {
    /// Creates the trigger with the logical ID `<Scope>Trigger`.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: TriggerProps,
    ) -> Result<Trigger, ConstructError> {
        let path = construct_path(scope, "Trigger");
        let name = default_name(app, scope, props.name.as_ref());
        check_name(&path, "trigger", &name)?;
        validate(&path, &props)?;
        let actions = props
            .actions
            .iter()
            .map(|action| {
                let mut l1_action = l1::Action::default();
                match &action.target {
                    RunTarget::Job(job) => l1_action.job_name = Some(Val::Expr(job.name())),
                    RunTarget::Crawler(crawler) => {
                        l1_action.crawler_name = Some(Val::Expr(crawler.name()));
                    }
                }
                if !action.arguments.is_empty() {
                    let arguments: Map<String, Json> = action
                        .arguments
                        .iter()
                        .map(|(key, value)| (key.clone(), Json::from(value.as_str())))
                        .collect();
                    l1_action.arguments = Some(Json::Object(arguments));
                }
                l1_action.timeout = action
                    .timeout_minutes
                    .map(|minutes| Val::Lit(i64::from(minutes)));
                Val::Lit(l1_action)
            })
            .collect::<Vec<_>>();
        let trigger_type = match &props.kind {
            TriggerKind::Scheduled(_) => l1::Type::Scheduled,
            TriggerKind::Conditional { .. } => l1::Type::Conditional,
            TriggerKind::OnDemand => l1::Type::OnDemand,
        };
        let mut trigger = l1::Trigger::new(actions, trigger_type);
        trigger.name = Some(Val::Lit(name.clone()));
        trigger.description = props.description.clone().map(Val::Lit);
        trigger.workflow_name = props
            .workflow
            .as_ref()
            .map(|workflow| Val::Expr(workflow.name()));
        match &props.kind {
            TriggerKind::Scheduled(schedule) => {
                trigger.schedule = Some(Val::Lit(schedule.clone()));
                trigger.start_on_creation = Some(Val::Lit(props.enabled));
            }
            TriggerKind::Conditional {
                logical,
                conditions,
            } => {
                trigger.predicate = Some(Val::Lit(l1::Predicate {
                    logical: Some(Val::Lit(match logical {
                        Logical::And => l1::Logical::And,
                        Logical::Any => l1::Logical::Any,
                    })),
                    conditions: Some(Val::Lit(conditions.iter().map(condition).collect())),
                }));
                trigger.start_on_creation = Some(Val::Lit(props.enabled));
            }
            TriggerKind::OnDemand => {}
        }
        Ok(Trigger {
            handle: scope.add(app, "Trigger", &trigger),
            name,
        })
    }

    /// The trigger name (`Ref`).
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The trigger name as synthesized.
    pub fn physical_name(&self) -> &str {
        &self.name
    }

    /// `arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:trigger/<name>`.
    pub fn arn(&self) -> Expr<String> {
        glue_arn(&format!("trigger/{}", self.name))
    }

    /// The trigger resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}

fn condition(condition: &TriggerCondition) -> Val<l1::Condition> {
    let mut l1_condition = l1::Condition {
        logical_operator: Some(Val::Lit(l1::LogicalOperator::Equals)),
        ..l1::Condition::default()
    };
    match &condition.target {
        RunTarget::Job(job) => {
            l1_condition.job_name = Some(Val::Expr(job.name()));
            l1_condition.state = match condition.state {
                RunState::Succeeded => Some(Val::Lit(l1::State::Succeeded)),
                RunState::Failed => Some(Val::Lit(l1::State::Failed)),
                RunState::Stopped => Some(Val::Lit(l1::State::Stopped)),
                RunState::Timeout => Some(Val::Lit(l1::State::Timeout)),
                // Rejected by `validate`.
                RunState::Cancelled => None,
            };
        }
        RunTarget::Crawler(crawler) => {
            l1_condition.crawler_name = Some(Val::Expr(crawler.name()));
            l1_condition.crawl_state = match condition.state {
                RunState::Succeeded => Some(Val::Lit(l1::CrawlState::Succeeded)),
                RunState::Failed => Some(Val::Lit(l1::CrawlState::Failed)),
                RunState::Cancelled => Some(Val::Lit(l1::CrawlState::Cancelled)),
                // Rejected by `validate`.
                RunState::Stopped | RunState::Timeout => None,
            };
        }
    }
    Val::Lit(l1_condition)
}

/// The states a condition on `target` can wait for.
fn valid_states(target: &RunTarget) -> &'static [RunState] {
    match target {
        RunTarget::Job(_) => &RunState::OF_JOBS,
        RunTarget::Crawler(_) => &RunState::OF_CRAWLERS,
    }
}

fn validate(path: &str, props: &TriggerProps) -> Result<(), ConstructError> {
    let invalid = |message: String| Err(ConstructError::invalid(path, message));
    if props.actions.is_empty() {
        return invalid("a trigger needs at least one job or crawler to start".into());
    }
    match &props.kind {
        TriggerKind::Scheduled(schedule) => {
            check_schedule(schedule).map_err(|message| ConstructError::invalid(path, message))?;
        }
        TriggerKind::Conditional { conditions, .. } => {
            if conditions.is_empty() || conditions.len() > MAX_CONDITIONS {
                return invalid(format!(
                    "a conditional trigger has {} conditions; Glue needs 1 to {MAX_CONDITIONS}",
                    conditions.len()
                ));
            }
            for condition in conditions {
                let states = valid_states(&condition.target);
                if !states.contains(&condition.state) {
                    let names: Vec<String> = states.iter().map(ToString::to_string).collect();
                    return invalid(format!(
                        "the {} cannot be `{}`; a condition on it waits for {}",
                        condition.target.describe(),
                        condition.state,
                        names.join(", ")
                    ));
                }
            }
        }
        TriggerKind::OnDemand => {}
    }
    for action in &props.actions {
        if let RunTarget::Crawler(crawler) = &action.target
            && (!action.arguments.is_empty() || action.timeout_minutes.is_some())
        {
            return invalid(format!(
                "the crawler `{}` takes no arguments or timeout; only jobs do",
                crawler.physical_name()
            ));
        }
        for key in action.arguments.keys() {
            if let ArgumentCheck::Invalid(message) = check_argument(key) {
                return invalid(message);
            }
        }
        if let Some(minutes) = action.timeout_minutes {
            check_timeout(minutes).map_err(|message| ConstructError::invalid(path, message))?;
        }
    }
    Ok(())
}

/// Properties of a [`Workflow`].
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct WorkflowProps {
    /// The workflow name (1 to 255 characters). Default: the stack name and construct
    /// path in kebab case.
    pub name: Option<String>,
    /// What it orchestrates.
    pub description: Option<String>,
    /// At most this many runs at once (at least 1); unlimited when `None`.
    pub max_concurrent_runs: Option<u32>,
    /// Properties every run starts with, readable by its jobs.
    pub run_properties: IndexMap<String, String>,
}

/// A Glue workflow: a graph of triggers, jobs and crawlers run and monitored together.
/// Its triggers name it ([`TriggerProps::workflow`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Workflow {
    handle: ResourceHandle,
    name: String,
}

impl Workflow {
    /// Creates the workflow with the logical ID `<Scope>Workflow`.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: WorkflowProps,
    ) -> Result<Workflow, ConstructError> {
        let path = construct_path(scope, "Workflow");
        let name = default_name(app, scope, props.name.as_ref());
        check_name(&path, "workflow", &name)?;
        if props.max_concurrent_runs == Some(0) {
            return Err(ConstructError::invalid(
                path,
                "a workflow allows at least 1 run at a time",
            ));
        }
        let run_properties: Map<String, Json> = props
            .run_properties
            .iter()
            .map(|(key, value)| (key.clone(), Json::from(value.as_str())))
            .collect();
        let resource = workflow::Workflow {
            name: Some(Val::Lit(name.clone())),
            description: props.description.map(Val::Lit),
            max_concurrent_runs: props
                .max_concurrent_runs
                .map(|runs| Val::Lit(i64::from(runs))),
            default_run_properties: (!run_properties.is_empty())
                .then_some(Json::Object(run_properties)),
            ..workflow::Workflow::default()
        };
        Ok(Workflow {
            handle: scope.add(app, "Workflow", &resource),
            name,
        })
    }

    /// The workflow name (`Ref`), which makes a trigger that names it depend on it.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The workflow name as synthesized.
    pub fn physical_name(&self) -> &str {
        &self.name
    }

    /// The workflow resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}
