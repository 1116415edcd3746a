//! `cfsynth destroy` and `deploy --prune`: the only ways cfsynth deletes stacks, both
//! after listing what goes and getting a yes (a terminal answer or `--yes`).

use super::assembly::{DeployAssembly, Target};
use super::cloud::{Access, Cloud};
use super::engine::{APP_TAG, Engine, Orphan};
use super::error::DeployError;
use super::plan::Plan;
use super::ui::Tone;

/// One stack to delete.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Doomed {
    /// The stack name.
    pub name: String,
    /// The stack ARN.
    pub stack_id: String,
    /// Where it is.
    pub env: Target,
    /// Whether termination protection is on.
    pub protected: bool,
    /// The role to assume in its account (see [`DeployStack::deploy_role`](super::DeployStack::deploy_role)).
    pub deploy_role: Option<String>,
}

impl From<&Orphan> for Doomed {
    fn from(orphan: &Orphan) -> Self {
        Doomed {
            name: orphan.name.clone(),
            stack_id: orphan.stack_id.clone(),
            env: orphan.env.clone(),
            protected: orphan.protected,
            deploy_role: orphan.deploy_role.clone(),
        }
    }
}

/// What a destroy did: the stacks deleted and the failures.
#[derive(Debug, Default)]
pub struct DestroyReport {
    /// Deleted stacks: (name, env).
    pub deleted: Vec<(String, Target)>,
    /// Stacks left alone and why.
    pub kept: Vec<(String, Target, String)>,
    /// Deletions that failed.
    pub errors: Vec<DeployError>,
}

impl DestroyReport {
    /// Whether every deletion asked for succeeded.
    pub fn success(&self) -> bool {
        self.errors.is_empty()
    }
}

impl<C: Cloud> Engine<'_, C> {
    /// Asks before deleting `stacks` (`what` names the operation). Returns whether to go
    /// on; without a terminal and without `--yes` that is an error.
    pub async fn approve_deletion(
        &self,
        what: &str,
        stacks: &[Doomed],
    ) -> Result<bool, DeployError> {
        let mut lines = vec![format!(
            "{} would delete {} stack{}:",
            what,
            stacks.len(),
            if stacks.len() == 1 { "" } else { "s" }
        )];
        for stack in stacks {
            lines.push(format!(
                "  {} {}  {}{}",
                self.ui().paint(Tone::Bad, "-"),
                stack.name,
                stack.env,
                if stack.protected {
                    "  (termination protection: will be turned off)"
                } else {
                    ""
                }
            ));
        }
        lines.push(
            "  Resources with DeletionPolicy Retain (cfsynth's default for stateful ones) are kept."
                .to_owned(),
        );
        self.ui().line(&lines.join("\n"));
        if self.options().yes {
            self.ui().line("Approved by --yes.");
            return Ok(true);
        }
        if self.ui().interactive() {
            return Ok(self.ui().confirm("Delete these stacks?").await);
        }
        Err(DeployError::ApprovalRequired {
            stack: what.to_owned(),
            why: "deletions".to_owned(),
            level: "always".to_owned(),
            how: "there is no terminal to ask on".to_owned(),
        })
    }

    /// Deletes the stacks one after another (in the order given), turning termination
    /// protection off first where it is on.
    pub async fn delete_stacks(&self, stacks: &[Doomed], report: &mut DestroyReport) {
        for stack in stacks {
            let access = match self.access(&stack.name, &stack.env, stack.deploy_role.as_deref()) {
                Ok(access) => access,
                Err(error) => {
                    report.errors.push(error);
                    continue;
                }
            };
            if stack.protected
                && let Err(error) = self
                    .call("UpdateTerminationProtection", || {
                        self.cloud()
                            .update_termination_protection(&access, &stack.stack_id, false)
                    })
                    .await
            {
                report.errors.push(error.into());
                continue;
            }
            match self
                .delete_and_wait(&access, &stack.name, &stack.stack_id)
                .await
            {
                Ok(()) => report.deleted.push((stack.name.clone(), stack.env.clone())),
                Err(error) => {
                    self.ui().line(&format!(
                        "{} {}: {error}",
                        self.ui().paint(Tone::Bad, "✗"),
                        stack.name
                    ));
                    report.errors.push(error);
                }
            }
        }
    }

    /// `cfsynth destroy`: the planned stacks that exist, dependents first. Stacks that
    /// another app (or no cfsynth app) owns are left alone; protected stacks only with
    /// `include_protected`.
    pub async fn destroy(
        &self,
        assembly: &DeployAssembly,
        plan: &Plan,
        include_protected: bool,
    ) -> Result<DestroyReport, DeployError> {
        let mut report = DestroyReport::default();
        let mut doomed = Vec::new();
        for &index in plan.stacks.iter().rev() {
            let stack = &assembly.stacks[index];
            let access: Access =
                self.access(&stack.name, &stack.env, stack.deploy_role.as_deref())?;
            let Some(info) = self
                .call("DescribeStacks", || {
                    self.cloud().describe_stack(&access, &stack.name)
                })
                .await?
            else {
                self.ui()
                    .line(&format!("{} ({}): does not exist", stack.name, stack.env));
                continue;
            };
            let why_not = match info.tags.get(APP_TAG) {
                None => Some("not created by cfsynth (no cfsynth:app tag)".to_owned()),
                Some(app) if *app != self.options().app => {
                    Some(format!("belongs to cfsynth app `{app}`"))
                }
                _ if info.termination_protection && !include_protected => Some(
                    "termination protection is on (add --include-protected to delete it)"
                        .to_owned(),
                ),
                _ => None,
            };
            if let Some(why) = why_not {
                self.ui()
                    .line(&format!("{} ({}): kept: {why}", stack.name, stack.env));
                report
                    .kept
                    .push((stack.name.clone(), stack.env.clone(), why));
                continue;
            }
            doomed.push(Doomed {
                name: stack.name.clone(),
                stack_id: info.id.clone(),
                env: stack.env.clone(),
                protected: info.termination_protection,
                deploy_role: stack.deploy_role.clone(),
            });
        }
        if doomed.is_empty() {
            self.ui().line("Nothing to delete.");
            return Ok(report);
        }
        if !self.approve_deletion("destroy", &doomed).await? {
            return Err(DeployError::Declined {
                stack: "destroy".to_owned(),
            });
        }
        self.delete_stacks(&doomed, &mut report).await;
        Ok(report)
    }
}
