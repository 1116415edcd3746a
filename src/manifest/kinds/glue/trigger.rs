//! The `glue/trigger` and `glue/workflow` resource entries.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::crawler::GlueCrawler;
use super::job::GlueJob;
use super::{Refs, arguments, check_arguments, check_cron, construct_error, error_at, scope_of};
use crate::constructs::glue::{
    Crawler, Job, Logical, RunState, RunTarget, Trigger, TriggerAction, TriggerCondition,
    TriggerKind, TriggerProps, Workflow, WorkflowProps, check_timeout,
};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::manifest::{BuildContext, EntryRef, Located, ResourceEntry, ResourceKind};

/// A Glue trigger that starts jobs and crawlers of the stack: on a `schedule`, `when`
/// others finish, or (with neither) on demand. Logical ID `<Name>Trigger`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlueTriggerSpec {
    /// The entry's name in the stack, kebab-case. The trigger's name is the stack name
    /// and this name.
    pub name: Located<String>,
    /// What the trigger is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Fire on a schedule, `cron(minutes hours day-of-month month day-of-week year)` in
    /// UTC, e.g. `cron(0 2 * * ? *)`. Not with `when`.
    #[serde(default)]
    pub schedule: Option<Located<String>>,
    /// Fire when jobs and crawlers of the stack reach a state. Not with `schedule`.
    #[serde(default)]
    pub when: Option<Located<WhenSpec>>,
    /// The jobs and crawlers it starts.
    pub start: Vec<Located<StartSpec>>,
    /// A `glue/workflow` entry of the stack the trigger belongs to.
    #[serde(default)]
    pub workflow: Option<Located<String>>,
    /// Activate a scheduled or conditional trigger when it is created (default `true`).
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// Conditions: all of them (`all`) or any (`any`).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhenSpec {
    /// Fire when every condition holds.
    #[serde(default)]
    pub all: Vec<Located<ConditionSpec>>,
    /// Fire when any condition holds.
    #[serde(default)]
    pub any: Vec<Located<ConditionSpec>>,
}

/// A job or crawler (exactly one) reaching a state.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    /// A `glue/job` entry of the stack.
    #[serde(default)]
    pub job: Option<Located<String>>,
    /// A `glue/crawler` entry of the stack.
    #[serde(default)]
    pub crawler: Option<Located<String>>,
    /// `succeeded` (the default), `failed`; `stopped` or `timeout` for jobs, `cancelled`
    /// for crawlers.
    #[serde(default)]
    pub state: Option<Located<RunStateSpec>>,
}

/// The state of a run.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RunStateSpec {
    /// It succeeded.
    Succeeded,
    /// It failed.
    Failed,
    /// A job run was stopped.
    Stopped,
    /// A job run timed out.
    Timeout,
    /// A crawl was cancelled.
    Cancelled,
}

/// A job or crawler (exactly one) to start.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSpec {
    /// A `glue/job` entry of the stack.
    #[serde(default)]
    pub job: Option<Located<String>>,
    /// A `glue/crawler` entry of the stack.
    #[serde(default)]
    pub crawler: Option<Located<String>>,
    /// Arguments for the job run (`--name: value`), overriding the job's.
    #[serde(default)]
    pub arguments: IndexMap<Located<String>, String>,
    /// The job run's time limit in minutes, overriding the job's.
    #[serde(default)]
    pub timeout: Option<Located<u32>>,
}

/// The job or crawler an item names, as a reference.
fn target_reference<'a>(
    job: Option<&'a Located<String>>,
    crawler: Option<&'a Located<String>>,
) -> impl Iterator<Item = EntryRef<'a>> {
    job.map(|job| EntryRef::new(GlueJob::KEY, job))
        .into_iter()
        .chain(crawler.map(|crawler| EntryRef::new(GlueCrawler::KEY, crawler)))
}

/// The job or crawler an item names: exactly one.
fn target(
    refs: &mut Refs<'_, '_>,
    diagnostics: &mut Diagnostics,
    at: &Located<impl Sized>,
    job: Option<&Located<String>>,
    crawler: Option<&Located<String>>,
) -> Option<RunTarget> {
    match (job, crawler) {
        (Some(job), None) => refs.get::<Job>(GlueJob::KEY, job).map(RunTarget::Job),
        (None, Some(crawler)) => refs
            .get::<Crawler>(GlueCrawler::KEY, crawler)
            .map(RunTarget::Crawler),
        (Some(_), Some(crawler)) => {
            diagnostics.push(
                error_at(&crawler.span, "give a `job` or a `crawler`, not both")
                    .help("write each as an item of its own"),
            );
            None
        }
        (None, None) => {
            diagnostics.push(
                error_at(&at.span, "name a `job` or a `crawler`")
                    .expected("`job: <glue/job entry>` or `crawler: <glue/crawler entry>`"),
            );
            None
        }
    }
}

/// The `glue/trigger` resource entry.
pub struct GlueTrigger;

impl ResourceKind for GlueTrigger {
    type Spec = GlueTriggerSpec;
    const KEY: &'static str = "glue/trigger";

    fn name(spec: &GlueTriggerSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &GlueTriggerSpec) -> Vec<EntryRef<'_>> {
        let conditions = spec
            .when
            .iter()
            .flat_map(|when| when.all.iter().chain(&when.any))
            .flat_map(|condition| {
                target_reference(condition.job.as_ref(), condition.crawler.as_ref())
            });
        let starts = spec
            .start
            .iter()
            .flat_map(|start| target_reference(start.job.as_ref(), start.crawler.as_ref()));
        let workflow = spec
            .workflow
            .iter()
            .map(|workflow| EntryRef::new(GlueWorkflow::KEY, workflow));
        conditions.chain(starts).chain(workflow).collect()
    }

    fn build(
        &self,
        entry: &ResourceEntry<GlueTriggerSpec>,
        cx: &mut BuildContext<'_>,
    ) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        check_cron(spec.schedule.as_ref(), &mut diagnostics);
        if spec.start.is_empty() {
            diagnostics.push(
                error_at(&spec.name.span, "a trigger needs a job or crawler to start")
                    .help("add `start: [{ job: … }]`"),
            );
        }
        for start in &spec.start {
            check_arguments(start.arguments.keys(), &mut diagnostics);
            if let Some(timeout) = &start.timeout
                && let Err(message) = check_timeout(timeout.value)
            {
                diagnostics.push(error_at(&timeout.span, message));
            }
        }
        let mut refs = Refs::new(cx, entry.stack);
        let kind = match (&spec.schedule, &spec.when) {
            (Some(_), Some(when)) => {
                diagnostics.push(
                    error_at(&when.span, "a trigger fires on a `schedule` or `when` others finish, not both")
                        .help("start the scheduled jobs first and make the others' trigger conditional on them"),
                );
                None
            }
            (Some(schedule), None) => Some(TriggerKind::Scheduled(schedule.value.clone())),
            (None, Some(when)) => conditional(&mut refs, &mut diagnostics, when),
            (None, None) => Some(TriggerKind::OnDemand),
        };
        let mut actions = Vec::with_capacity(spec.start.len());
        for start in &spec.start {
            let Some(target) = target(
                &mut refs,
                &mut diagnostics,
                start,
                start.job.as_ref(),
                start.crawler.as_ref(),
            ) else {
                continue;
            };
            if matches!(target, RunTarget::Crawler(_))
                && (!start.arguments.is_empty() || start.timeout.is_some())
            {
                diagnostics.push(error_at(
                    &start.span,
                    "a crawler takes no `arguments` or `timeout`; only jobs do",
                ));
            }
            actions.push(TriggerAction {
                target,
                arguments: arguments(&start.arguments),
                timeout_minutes: start.timeout.as_ref().map(|timeout| timeout.value),
            });
        }
        let workflow = spec
            .workflow
            .as_ref()
            .and_then(|name| refs.get::<Workflow>(GlueWorkflow::KEY, name));
        let complete = refs.complete();
        diagnostics.extend(refs.diagnostics);
        let Some(kind) = kind else {
            return diagnostics;
        };
        if !complete || diagnostics.has_errors() {
            return diagnostics;
        }
        let mut props = TriggerProps::new(kind, actions);
        props.description = spec.description.clone();
        props.workflow = workflow;
        props.enabled = spec.enabled;
        match cx.construct(&scope, origin, |app| Trigger::new(app, &scope, props)) {
            Ok(trigger) => cx.publish(entry, &spec.name, trigger),
            Err(error) => diagnostics.push(construct_error(&error, &spec.name)),
        }
        diagnostics
    }
}

/// The conditions of `when`, each checked where it is written.
fn conditional(
    refs: &mut Refs<'_, '_>,
    diagnostics: &mut Diagnostics,
    when: &Located<WhenSpec>,
) -> Option<TriggerKind> {
    let (logical, written) = match (when.all.is_empty(), when.any.is_empty()) {
        (false, true) => (Logical::And, &when.all),
        (true, false) => (Logical::Any, &when.any),
        (false, false) => {
            diagnostics.push(error_at(
                &when.span,
                "give the conditions under `all` or under `any`, not both",
            ));
            return None;
        }
        (true, true) => {
            diagnostics.push(
                error_at(&when.span, "`when` has no conditions")
                    .expected("`all: [{ job: …, state: succeeded }]` or `any: [...]`"),
            );
            return None;
        }
    };
    let mut conditions = Vec::with_capacity(written.len());
    for condition in written {
        let Some(target) = target(
            refs,
            diagnostics,
            condition,
            condition.job.as_ref(),
            condition.crawler.as_ref(),
        ) else {
            continue;
        };
        let state = match condition.state.as_ref().map(|state| state.value) {
            None | Some(RunStateSpec::Succeeded) => RunState::Succeeded,
            Some(RunStateSpec::Failed) => RunState::Failed,
            Some(RunStateSpec::Stopped) => RunState::Stopped,
            Some(RunStateSpec::Timeout) => RunState::Timeout,
            Some(RunStateSpec::Cancelled) => RunState::Cancelled,
        };
        let (valid, what): (&[RunState], &str) = match target {
            RunTarget::Job(_) => (&RunState::OF_JOBS, "a job"),
            RunTarget::Crawler(_) => (&RunState::OF_CRAWLERS, "a crawler"),
        };
        if let Some(written_state) = &condition.state
            && !valid.contains(&state)
        {
            let names: Vec<String> = valid.iter().map(|state| format!("`{state}`")).collect();
            diagnostics.push(
                Diagnostic::error(
                    crate::diagnostics::codes::INVALID_VALUE,
                    format!("{what} is never `{state}`"),
                )
                .at(&written_state.span)
                .expected(format!("one of {}", names.join(", "))),
            );
            continue;
        }
        conditions.push(TriggerCondition { target, state });
    }
    Some(TriggerKind::Conditional {
        logical,
        conditions,
    })
}

/// A Glue workflow: triggers that name it (`workflow: <name>`) and the jobs and crawlers
/// they start run and are monitored as one graph. Logical ID `<Name>Workflow`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlueWorkflowSpec {
    /// The entry's name in the stack, kebab-case; triggers refer to it by it. The
    /// workflow's name is the stack name and this name.
    pub name: Located<String>,
    /// What it orchestrates.
    #[serde(default)]
    pub description: Option<String>,
    /// At most this many runs at once (unlimited when left out).
    #[serde(default)]
    pub max_concurrent_runs: Option<Located<u32>>,
    /// Properties every run starts with, which its jobs can read and update.
    #[serde(default)]
    pub run_properties: IndexMap<String, String>,
}

/// The `glue/workflow` resource entry.
pub struct GlueWorkflow;

impl ResourceKind for GlueWorkflow {
    type Spec = GlueWorkflowSpec;
    const KEY: &'static str = "glue/workflow";

    fn name(spec: &GlueWorkflowSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn build(
        &self,
        entry: &ResourceEntry<GlueWorkflowSpec>,
        cx: &mut BuildContext<'_>,
    ) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        if let Some(runs) = spec
            .max_concurrent_runs
            .as_ref()
            .filter(|runs| runs.value == 0)
        {
            diagnostics.push(error_at(
                &runs.span,
                "a workflow allows at least 1 run at a time",
            ));
            return diagnostics;
        }
        let props = WorkflowProps {
            name: None,
            description: spec.description.clone(),
            max_concurrent_runs: spec.max_concurrent_runs.as_ref().map(|runs| runs.value),
            run_properties: spec.run_properties.clone(),
        };
        match cx.construct(&scope, origin, |app| Workflow::new(app, &scope, props)) {
            Ok(workflow) => cx.publish(entry, &spec.name, workflow),
            Err(error) => diagnostics.push(construct_error(&error, &spec.name)),
        }
        diagnostics
    }
}
