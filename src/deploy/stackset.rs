//! Organization scale: one stack of the assembly deployed as a StackSet to organizational
//! units (service-managed, through AWS Organizations, with automatic deployment to
//! accounts that join later) or to a list of accounts (self-managed), in several regions.
//!
//! `cfsynth deploy --stackset STACK --ous ou-… [--accounts …] --regions …` creates the
//! StackSet (named after the stack) or updates it when its template changed, adds the
//! instances for the targets, waits for every operation, and reports the result of each
//! instance. The StackSet lives in the caller's account (the management account, or a
//! delegated administrator with `--delegated-admin`) in `--region` (default: the stack's
//! region).

use std::time::{SystemTime, UNIX_EPOCH};

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::assembly::{DeployAssembly, Target};
use super::cloud::{
    Access, Cloud, InstanceResult, OperationPreferences, StackSetRequest, StackSetTargets,
    TemplateSource,
};
use super::diff::{PermissionDiff, StackDiff};
use super::engine::{APP_TAG, Approval, Engine, STACK_TAG};
use super::error::DeployError;
use super::ui::Tone;
use crate::template::MAX_BODY_DIRECT;

/// What `--stackset` asks for.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StackSetOptions {
    /// The assembly stack (name or id) whose template the StackSet deploys; also the
    /// StackSet's name.
    pub stack: String,
    /// Where the instances go.
    pub targets: StackSetTargets,
    /// How operations roll out.
    pub preferences: OperationPreferences,
    /// Call as the organization's delegated administrator.
    pub delegated_admin: bool,
    /// The region that administers the StackSet (default: the stack's region).
    pub region: Option<String>,
}

/// What a StackSet deploy did.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StackSetReport {
    /// Whether the StackSet was created, updated, or unchanged.
    pub action: String,
    /// Every instance result of every operation.
    pub instances: Vec<InstanceResult>,
}

impl StackSetReport {
    /// Whether every instance succeeded.
    pub fn success(&self) -> bool {
        self.instances
            .iter()
            .all(|instance| instance.status == "SUCCEEDED")
    }
}

fn token() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("cfsynth-{nanos}")
}

impl<C: Cloud> Engine<'_, C> {
    /// Deploys a stack of the assembly as a StackSet.
    pub async fn deploy_stack_set(
        &self,
        assembly: &DeployAssembly,
        options: &StackSetOptions,
    ) -> Result<StackSetReport, DeployError> {
        let stack = assembly
            .stacks
            .iter()
            .find(|stack| stack.name == options.stack || stack.id == options.stack)
            .ok_or_else(|| {
                DeployError::Usage(format!(
                    "--stackset `{}` names no stack of the assembly; stacks are: {}",
                    options.stack,
                    assembly
                        .stacks
                        .iter()
                        .map(|stack| stack.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        if options.targets.regions.is_empty()
            || (options.targets.organizational_units.is_empty()
                && options.targets.accounts.is_empty())
        {
            return Err(DeployError::Usage(
                "--stackset needs --regions and --ous (service-managed) or --accounts (self-managed)"
                    .to_owned(),
            ));
        }
        let name = stack.name.clone();
        let admin = Target {
            account: self.caller().account.clone(),
            region: options
                .region
                .clone()
                .unwrap_or_else(|| stack.env.region.clone()),
            partition: stack.env.partition.clone(),
        };
        let access = Access {
            region: admin.region.clone(),
            role_arn: None,
        };
        let template = if stack.body.len() <= MAX_BODY_DIRECT {
            TemplateSource::Body(stack.body.clone())
        } else {
            let key = format!(
                "templates/{}.json",
                super::engine::sha256_hex(stack.body.as_bytes())
            );
            TemplateSource::Url(
                self.stage(
                    &access,
                    &admin,
                    None,
                    "StackSet template",
                    &key,
                    stack.body.as_bytes(),
                )
                .await?,
            )
        };
        let parameters: IndexMap<String, String> = self
            .options()
            .parameters
            .iter()
            .filter(|given| {
                stack.parameters.contains_key(&given.name)
                    && given
                        .stack
                        .as_ref()
                        .is_none_or(|s| *s == stack.name || *s == stack.id)
            })
            .map(|given| (given.name.clone(), given.value.clone()))
            .collect();
        let request = StackSetRequest {
            name: name.clone(),
            template,
            capabilities: stack.capabilities.clone(),
            parameters,
            tags: [
                (APP_TAG.to_owned(), self.options().app.clone()),
                (STACK_TAG.to_owned(), stack.id.clone()),
            ]
            .into(),
            targets: options.targets.clone(),
            preferences: options.preferences.clone(),
            delegated_admin: options.delegated_admin,
            token: token(),
        };
        let existing = self
            .call("DescribeStackSet", || {
                self.cloud()
                    .describe_stack_set(&access, &name, options.delegated_admin)
            })
            .await?;
        let model = if options.targets.service_managed() {
            "service-managed"
        } else {
            "self-managed"
        };
        let targets = [
            options.targets.organizational_units.join(", "),
            options.targets.accounts.join(", "),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
        self.ui().line(&format!(
            "{} ({model}, administered in {admin}) → {targets} in {}",
            self.ui().paint(Tone::Strong, &format!("StackSet {name}")),
            options.targets.regions.join(", ")
        ));
        let new_template: Option<Json> = serde_json::from_str(&stack.body).ok();
        let old_template: Option<Json> = existing
            .as_ref()
            .and_then(|info| serde_json::from_str(&info.template_body).ok());
        let changed = existing.is_none() || old_template != new_template;
        let mut report = StackSetReport::default();
        if changed {
            let diff = StackDiff {
                resources: Vec::new(),
                permissions: new_template
                    .as_ref()
                    .map(|new| PermissionDiff::between(old_template.as_ref(), new))
                    .unwrap_or_default(),
                note: Some(if existing.is_some() {
                    "the template changed: every instance is updated".to_owned()
                } else {
                    "a new StackSet".to_owned()
                }),
            };
            let paint = |sign: char, text: &str| {
                let tone = match sign {
                    '+' => Tone::Good,
                    '-' => Tone::Bad,
                    _ => Tone::Alert,
                };
                self.ui().paint(tone, text)
            };
            let text = diff.render(&paint);
            let text = text.replace("  (no resource changes)\n", "");
            self.ui().line(&text);
            let needs = match self.options().approval {
                Approval::Never => false,
                Approval::AnyChange => true,
                Approval::Broadening => diff.is_broadening(),
            };
            if needs && !self.options().yes {
                let approved = self.ui().interactive()
                    && self
                        .ui()
                        .confirm(&format!("Deploy StackSet {name} to every target?"))
                        .await;
                if !approved {
                    return Err(DeployError::ApprovalRequired {
                        stack: name.clone(),
                        why: "the StackSet changes".to_owned(),
                        level: self.options().approval.name().to_owned(),
                        how: if self.ui().interactive() {
                            "they were declined".to_owned()
                        } else {
                            "there is no terminal to ask on".to_owned()
                        },
                    });
                }
            }
        }
        match existing {
            None => {
                self.call("CreateStackSet", || {
                    self.cloud().create_stack_set(&access, &request)
                })
                .await?;
                report.action = "created".to_owned();
            }
            Some(_) if changed => {
                let operation = self
                    .call("UpdateStackSet", || {
                        self.cloud().update_stack_set(&access, &request)
                    })
                    .await?;
                report.action = "updated".to_owned();
                report.instances.extend(
                    self.wait_operation(&access, &name, &operation, options)
                        .await?,
                );
            }
            Some(_) => {
                self.ui().line(&format!(
                    "StackSet {name}: template unchanged; adding instances for new targets only"
                ));
                report.action = "unchanged".to_owned();
            }
        }
        let operation_id = token();
        let operation = self
            .call("CreateStackInstances", || {
                self.cloud()
                    .create_stack_instances(&access, &request, &operation_id)
            })
            .await?;
        let results = self
            .wait_operation(&access, &name, &operation, options)
            .await?;
        report.instances.extend(results);
        let mut heading = format!("StackSet {name} instances:");
        if report.instances.is_empty() {
            // Some endpoints report no per-instance results for OU targets: show the
            // instances themselves.
            report.instances = self
                .call("ListStackInstances", || {
                    self.cloud()
                        .list_stack_instances(&access, &name, options.delegated_admin)
                })
                .await?
                .into_iter()
                .filter(|instance| options.targets.regions.contains(&instance.region))
                .collect();
            heading = format!("StackSet {name} instances (ListStackInstances):");
        }
        let mut lines = vec![heading];
        for instance in &report.instances {
            let tone = if instance.status == "SUCCEEDED" {
                Tone::Good
            } else {
                Tone::Bad
            };
            lines.push(format!(
                "  {}/{}  {}{}",
                instance.account,
                instance.region,
                self.ui().paint(tone, &instance.status),
                instance
                    .reason
                    .as_ref()
                    .map(|reason| format!("  {reason}"))
                    .unwrap_or_default()
            ));
        }
        self.ui().line(&lines.join("\n"));
        Ok(report)
    }

    async fn wait_operation(
        &self,
        access: &Access,
        name: &str,
        operation: &str,
        options: &StackSetOptions,
    ) -> Result<Vec<InstanceResult>, DeployError> {
        let progress = self.ui().progress(&format!("StackSet {name}"), 1);
        let info = loop {
            let info = self
                .call("DescribeStackSetOperation", || {
                    self.cloud().describe_stack_set_operation(
                        access,
                        name,
                        operation,
                        options.delegated_admin,
                    )
                })
                .await?;
            progress.message(&format!("operation {operation} {}", info.status));
            if matches!(info.status.as_str(), "SUCCEEDED" | "FAILED" | "STOPPED") {
                break info;
            }
            tokio::time::sleep(self.options().poll_interval).await;
        };
        progress.finish();
        let results = self
            .call("ListStackSetOperationResults", || {
                self.cloud().stack_set_operation_results(
                    access,
                    name,
                    operation,
                    options.delegated_admin,
                )
            })
            .await?;
        if info.status != "SUCCEEDED" {
            let failed: Vec<String> = results
                .iter()
                .filter(|result| result.status != "SUCCEEDED")
                .map(|result| {
                    format!(
                        "{}/{} {}{}",
                        result.account,
                        result.region,
                        result.status,
                        result
                            .reason
                            .as_ref()
                            .map(|reason| format!(": {reason}"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            return Err(DeployError::StackSet {
                name: name.to_owned(),
                message: format!(
                    "operation {operation} ended {}{}{}",
                    info.status,
                    info.status_reason
                        .map(|reason| format!(" ({reason})"))
                        .unwrap_or_default(),
                    if failed.is_empty() {
                        String::new()
                    } else {
                        format!("\n  {}", failed.join("\n  "))
                    }
                ),
            });
        }
        Ok(results)
    }
}
