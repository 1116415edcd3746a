//! Where actions run, and the roles derived for those places: bootstrap stacks in target
//! accounts, and execution roles for targets in the pipeline's own account.

use super::action::{Action, ActionContext, ActionKind};
use super::{PipelineProps, names};
use crate::app::{App, Environment, StackId, StackRole};
use crate::constructs::Scope;
use crate::constructs::iam::{
    Grantee, Principal, Role, RoleProps, RoleRef, Statement, account_root_arn,
};
use crate::constructs::kms::KeyRef;
use crate::constructs::s3::BucketRef;
use crate::template::{Expr, Val};
use indexmap::{IndexMap, IndexSet};

/// The regions and accounts a pipeline's actions run in.
pub(super) struct Places {
    /// Every region an action runs in, the pipeline's own first.
    pub regions: IndexSet<String>,
    /// Accounts other than the pipeline's → the regions their actions run in.
    pub remote: IndexMap<String, IndexSet<String>>,
}

impl Places {
    pub fn new(props: &PipelineProps) -> Places {
        let mut regions = IndexSet::from([props.env.region().to_owned()]);
        let mut remote: IndexMap<String, IndexSet<String>> = IndexMap::new();
        for action in props.stages.iter().flat_map(|stage| &stage.actions) {
            let env = Places::action_env(props, action);
            regions.insert(env.region().to_owned());
            if env.account() != props.env.account() {
                remote
                    .entry(env.account().to_owned())
                    .or_default()
                    .insert(env.region().to_owned());
            }
        }
        Places { regions, remote }
    }

    /// Whether any action runs in another account.
    pub fn cross_account(&self) -> bool {
        !self.remote.is_empty()
    }

    /// Where an action runs: its target's environment, else the pipeline's.
    pub fn action_env(props: &PipelineProps, action: &Action) -> Environment {
        action
            .target
            .as_ref()
            .and_then(|target| props.targets.get(target))
            .map_or_else(|| props.env.clone(), |target| target.env.clone())
    }

    /// The roles of other accounts that use the artifact store of `region`, and whether
    /// each writes to it: deploy roles read and write (actions may emit artifacts),
    /// execution roles read templates.
    pub fn roles_in_region(&self, pipeline: &str, region: &str) -> Vec<(RoleRef, bool)> {
        self.remote
            .iter()
            .filter(|(_, regions)| regions.contains(region))
            .flat_map(|(account, _)| {
                [
                    (
                        RoleRef::new(account.as_str(), names::deploy_role(pipeline)),
                        true,
                    ),
                    (
                        RoleRef::new(account.as_str(), names::execution_role(pipeline)),
                        false,
                    ),
                ]
            })
            .collect()
    }
}

/// The artifact bucket (with its key, when encrypted with one) of the pipeline in
/// `account`/`region`, by their deterministic names.
pub(super) fn store_ref(pipeline: &str, account: &str, region: &str, encrypted: bool) -> BucketRef {
    let bucket = BucketRef::new(names::artifact_bucket(pipeline, account, region));
    if encrypted {
        bucket.with_key(KeyRef::new(
            account,
            region,
            names::artifact_key_alias(pipeline),
        ))
    } else {
        bucket
    }
}

/// Grants a role the artifact stores of `regions`: read and write, or read only.
pub(super) fn grant_store_refs(
    app: &mut App,
    props: &PipelineProps,
    regions: &IndexSet<String>,
    encrypted: bool,
    grantee: &dyn Grantee,
    write: bool,
) {
    for region in regions {
        let store = store_ref(&props.name, props.env.account(), region, encrypted);
        if write {
            store.grant_read_write(app, grantee);
        } else {
            store.grant_read(app, grantee);
        }
    }
}

/// One bootstrap stack per target account: the deploy role the pipeline assumes, and the
/// CloudFormation execution role it passes, with exactly the permissions the actions in
/// that account need.
pub(super) fn bootstrap_stacks(
    app: &mut App,
    props: &PipelineProps,
    places: &Places,
    encrypted: bool,
) -> Vec<StackId> {
    let name = props.name.as_str();
    let mut stacks = Vec::new();
    for (account, regions) in &places.remote {
        let Some(first_region) = regions.first() else {
            continue;
        };
        let Some(env) = props
            .targets
            .values()
            .map(|target| &target.env)
            .find(|env| env.account() == account && env.region() == first_region)
            .cloned()
        else {
            continue;
        };
        let stack = app.add_stack(names::bootstrap_stack(name), env, StackRole::Bootstrap);
        let root = Scope::root(stack);
        let pipeline_role_arn = RoleRef::new(props.env.account(), names::pipeline_role(name)).arn();
        // The pipeline role does not exist yet when this stack deploys (IAM rejects trust
        // policies naming missing roles), so trust its account, narrowed to that role.
        let deploy = Role::new(
            app,
            &root.child("deploy"),
            RoleProps {
                assumed_by: vec![Principal::arn(account_root_arn(props.env.account()))],
                assume_conditions: [(
                    "ArnEquals".to_owned(),
                    [("aws:PrincipalArn".to_owned(), pipeline_role_arn.into_node())].into(),
                )]
                .into(),
                name: Some(names::deploy_role(name)),
                description: Some(format!("Assumed by pipeline {name} to act in this account")),
                ..RoleProps::default()
            },
        );
        let policies: IndexSet<&String> = props
            .targets
            .values()
            .filter(|target| target.env.account() == account)
            .flat_map(|target| &target.execution_policies)
            .collect();
        let execution = Role::new(
            app,
            &root.child("cfn-exec"),
            RoleProps {
                assumed_by: vec![Principal::service("cloudformation.amazonaws.com")],
                name: Some(names::execution_role(name)),
                description: Some(format!(
                    "Used by CloudFormation for the stacks pipeline {name} deploys"
                )),
                managed_policy_arns: policies
                    .into_iter()
                    .map(|arn| Val::Lit(arn.clone()))
                    .collect(),
                ..RoleProps::default()
            },
        );
        for statement in props
            .targets
            .values()
            .filter(|target| target.env.account() == account)
            .flat_map(|target| &target.execution_statements)
        {
            execution.add_to_policy(app, statement.clone());
        }
        let no_topics = IndexMap::new();
        for action in props.stages.iter().flat_map(|stage| &stage.actions) {
            let action_env = Places::action_env(props, action);
            if action_env.account() != account {
                continue;
            }
            let context = ActionContext {
                env: &action_env,
                exec_role_arn: matches!(action.kind, ActionKind::Deploy(_))
                    .then(|| execution.arn()),
                topics: &no_topics,
            };
            for statement in action.permissions(&context) {
                deploy.add_to_policy(app, statement);
            }
        }
        grant_store_refs(app, props, regions, encrypted, &deploy, true);
        grant_store_refs(app, props, regions, encrypted, &execution, false);
        stacks.push(stack);
    }
    stacks
}

/// Execution roles, in the pipeline stack, for targets in the pipeline's own account:
/// target name → role.
pub(super) fn local_execution_roles(
    app: &mut App,
    root: &Scope,
    props: &PipelineProps,
    encrypted: bool,
) -> IndexMap<String, Role> {
    let mut roles = IndexMap::new();
    for (target_name, target) in &props.targets {
        if target.env.account() != props.env.account() {
            continue;
        }
        let deployed_by = |action: &&Action| {
            matches!(action.kind, ActionKind::Deploy(_))
                && action.target.as_deref() == Some(target_name.as_str())
        };
        if !props
            .stages
            .iter()
            .flat_map(|stage| &stage.actions)
            .any(|action| deployed_by(&action))
        {
            continue;
        }
        let role = Role::new(
            app,
            &root.child("targets").child(target_name),
            RoleProps {
                assumed_by: vec![Principal::service("cloudformation.amazonaws.com")],
                description: Some(format!(
                    "Used by CloudFormation for target {target_name} of pipeline {}",
                    props.name
                )),
                managed_policy_arns: target
                    .execution_policies
                    .iter()
                    .map(|arn| Val::Lit(arn.clone()))
                    .collect(),
                ..RoleProps::default()
            },
        );
        for statement in &target.execution_statements {
            role.add_to_policy(app, statement.clone());
        }
        let regions = IndexSet::from([target.env.region().to_owned()]);
        grant_store_refs(app, props, &regions, encrypted, &role, false);
        roles.insert(target_name.clone(), role);
    }
    roles
}

/// The execution role ARN a deploy action passes to CloudFormation.
pub(super) fn execution_role_arn(
    props: &PipelineProps,
    action: &Action,
    local: &IndexMap<String, Role>,
) -> Option<Expr<String>> {
    if !matches!(action.kind, ActionKind::Deploy(_)) {
        return None;
    }
    let target = action.target.as_ref()?;
    match local.get(target) {
        Some(role) => Some(role.arn()),
        None => {
            let env = props.targets.get(target)?.env.account().to_owned();
            Some(RoleRef::new(env, names::execution_role(&props.name)).arn())
        }
    }
}

/// The role a cross-account action runs as.
pub(super) fn deploy_role_arn(pipeline: &str, account: &str) -> Expr<String> {
    RoleRef::new(account, names::deploy_role(pipeline)).arn()
}

/// `sts:AssumeRole` on exactly the deploy roles of `accounts`.
pub(super) fn assume_deploy_roles<'a>(
    pipeline: &str,
    accounts: impl IntoIterator<Item = &'a String>,
) -> Option<Statement> {
    let arns: Vec<Expr<String>> = accounts
        .into_iter()
        .map(|account| deploy_role_arn(pipeline, account))
        .collect();
    (!arns.is_empty()).then(|| Statement::allow(["sts:AssumeRole"]).on(arns))
}
