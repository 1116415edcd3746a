//! Layer 7, deploy: change-set based deploys of a synthesized assembly, per account and
//! region (behind the `deploy` cargo feature, on by default).
//!
//! - [`Plan`]: which stacks (`--only`) and in which order (dependency waves from
//!   `assembly.json`, bootstrap → support → pipelines/applications → dependents).
//! - [`Engine::deploy`]: per stack, always a change set (CREATE or UPDATE); "unchanged"
//!   when CloudFormation finds nothing to do; otherwise the diff (resource changes,
//!   replacements, IAM and security-group permission changes, see [`diff`]), the approval
//!   gate ([`Approval`]), execution, live events until a final state, outputs. Independent
//!   stacks run in parallel up to `--concurrency`; a failure stops its environment (and
//!   everything with `--fail-fast`), never the other environments.
//! - [`Engine::destroy`] and `--prune`: the only deletions, each listed and approved.
//! - [`Engine::deploy_stack_set`]: one stack as a service-managed (OUs) or self-managed
//!   (accounts) StackSet, see [`stackset`].
//! - [`bootstrap`]: the staging bucket and the deploy and execution roles of an account.
//!
//! Every AWS call goes through the [`Cloud`] trait; [`AwsCloud`] implements it with the AWS
//! SDK for Rust, and every call is retried by [`RetryPolicy`] when throttled or transient.

mod assembly;
mod aws;
pub mod bootstrap;
mod cloud;
mod destroy;
pub mod diff;
mod engine;
mod error;
#[cfg(test)]
mod fake;
mod plan;
mod retry;
pub mod stackset;
#[cfg(test)]
mod tests;
mod ui;

use std::path::Path;

use indexmap::IndexMap;

pub use assembly::{Asset, DeployAssembly, DeployStack, Target};
pub use aws::{AwsCloud, AwsOptions};
pub use cloud::{
    Access, ChangeSetInfo, ChangeSetKind, ChangeSetRequest, Cloud, CloudError, CloudResult,
    ErrorKind, Identity, InstanceResult, OperationInfo, OperationPreferences, ParameterValue,
    ResourceChange, StackEvent, StackInfo, StackSetInfo, StackSetRequest, StackSetTargets,
    TemplateSource,
};
pub use destroy::{DestroyReport, Doomed};
pub use engine::{
    APP_TAG, Approval, DEFAULT_EXECUTION_ROLE, DEFAULT_ROLE, DeployOptions, Engine, Orphan,
    Outcome, ParameterOverride, Report, Running, STACK_TAG, STATEFUL_TYPES, explain_status,
    final_status, protected_stack_policy,
};
pub use error::{DeployError, Failure};
pub use plan::{Aliases, Plan};
pub use retry::RetryPolicy;
pub use ui::{Progress, Tone, Ui};

/// `cfsynth deploy`: prints the plan and the orphaned stacks, deploys, prunes when asked
/// (only after every stack succeeded), writes `outputs.json` beside `assembly.json`, and
/// prints a summary.
pub async fn deploy<C: Cloud>(
    cloud: &C,
    ui: &Ui,
    assembly: &DeployAssembly,
    plan: &Plan,
    options: &DeployOptions,
    running: Running,
) -> Result<Report, DeployError> {
    let engine = Engine::connect(cloud, ui, options, running).await?;
    ui.line(&plan.render(assembly, options.concurrency.max(1), &options.role_name));
    ui.line(&format!(
        "Deploying as {} (account {}), app `{}`",
        engine.caller().arn,
        engine.caller().account,
        options.app
    ));
    let orphans = engine.orphans(assembly, plan).await;
    if !orphans.is_empty() {
        let mut lines = vec![format!(
            "Orphaned stacks (app `{}`, no longer in the assembly){}:",
            options.app,
            if options.prune {
                "; --prune deletes them after a successful deploy"
            } else {
                "; `cfsynth deploy --prune` deletes them"
            }
        )];
        for orphan in &orphans {
            lines.push(format!(
                "  {}  {}  {}",
                orphan.name, orphan.env, orphan.status
            ));
        }
        ui.line(&lines.join("\n"));
    }
    let mut report = engine.deploy(assembly, plan).await;
    report.orphans = orphans;
    if options.prune && !report.orphans.is_empty() {
        if report.success() {
            let doomed: Vec<Doomed> = report.orphans.iter().map(Doomed::from).collect();
            match engine.approve_deletion("--prune", &doomed).await {
                Ok(true) => {
                    let mut deleted = DestroyReport::default();
                    engine.delete_stacks(&doomed, &mut deleted).await;
                    report.pruned = doomed
                        .iter()
                        .filter(|stack| {
                            deleted
                                .deleted
                                .iter()
                                .any(|(name, env)| *name == stack.name && *env == stack.env)
                        })
                        .map(|stack| stack.stack_id.clone())
                        .collect();
                    report.errors.extend(deleted.errors);
                }
                Ok(false) => ui.line("Not pruning: not approved."),
                Err(error) => report.errors.push(error),
            }
        } else {
            ui.line("Not pruning: some stacks did not deploy.");
        }
    }
    if let Some(dir) = &assembly.dir
        && !report.outputs.is_empty()
        && let Err(error) = write_outputs(dir, &report.outputs)
    {
        report.errors.push(error);
    }
    engine.summarize(assembly, &report);
    for error in &report.errors {
        ui.line(&format!("error: {error}"));
    }
    Ok(report)
}

/// Merges `outputs` into `dir/outputs.json` (stack id → output key → value), keeping the
/// outputs of stacks this run did not deploy.
pub fn write_outputs(
    dir: &Path,
    outputs: &IndexMap<String, IndexMap<String, String>>,
) -> Result<(), DeployError> {
    let path = dir.join("outputs.json");
    let mut all: IndexMap<String, IndexMap<String, String>> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    for (stack, values) in outputs {
        all.insert(stack.clone(), values.clone());
    }
    all.sort_keys();
    let text = crate::template::render_json(&serde_json::json!(all));
    std::fs::write(&path, text).map_err(|source| DeployError::Write { path, source })
}
