//! CodePipeline (V2) pipelines: typed stages and actions, checked wiring, and the
//! cross-account and cross-region plumbing derived from where each action runs.
//!
//! [`Pipeline::new`] creates, from one [`PipelineProps`]:
//! - the **pipeline stack** in the tooling environment: artifact bucket and (when any
//!   action runs in another account) a customer-managed key, the pipeline role, the
//!   pipeline, CloudFormation execution roles for same-account targets, source event
//!   rules, topics and notification rules;
//! - a **support stack** per other region the pipeline acts in (tooling account): that
//!   region's artifact bucket and key, found by deterministic name and alias;
//! - a **bootstrap stack** per target account: the deploy role the pipeline assumes and
//!   the CloudFormation execution role, with `iam:PassRole` on that role only.
//!
//! Stack dependencies record the deploy order: bootstrap → support → pipeline.

mod action;
mod check;
mod names;
mod self_mutation;
mod sources;
mod targets;

pub use action::{
    Action, ActionContext, ActionKind, ArtifactPath, BuildProject, Capability, DeployMode,
    StackDeploy, StackSetDeploy, StackSetTargets, pass_role_to_cloudformation,
};
pub use check::{MAX_ACTIONS_PER_STAGE, MAX_RUN_ORDER, MAX_STAGES};
pub use names::{
    artifact_bucket, artifact_key_alias, bootstrap_stack, deploy_role, execution_role,
    pipeline_role, pipeline_stack, support_stack,
};
pub use self_mutation::{SELF_TARGET, SYNTH_ARTIFACT, SelfMutation};

use indexmap::{IndexMap, IndexSet};

use crate::app::{App, Environment, ResourceHandle, StackId, StackRole};
use crate::constructs::iam::{Grantee, Principal, Role, RoleProps, Statement};
use crate::constructs::kms::{Key, KeyProps};
use crate::constructs::notifications::{NotificationRule, PipelineEvent};
use crate::constructs::s3::{Bucket, BucketEncryption, BucketProps, LifecycleRule};
use crate::constructs::sns::{Topic, TopicProps};
use crate::constructs::{ConstructError, Scope};
use crate::l1::code_pipeline::pipeline as cfn;
use crate::template::{Expr, Resource, Val, sub_with};
use targets::Places;

/// An account and region actions deploy into, with what CloudFormation may do there.
#[derive(Clone, PartialEq, Debug)]
pub struct Target {
    /// Where.
    pub env: Environment,
    /// Managed policy ARNs for the CloudFormation execution role (e.g. a policy that
    /// allows exactly the services the application uses).
    pub execution_policies: Vec<String>,
    /// Statements for the execution role's own policy, beside or instead of managed ones.
    pub execution_statements: Vec<Statement>,
}

impl Target {
    /// A target whose execution role gets these managed policies.
    pub fn new(env: Environment, execution_policies: Vec<String>) -> Target {
        Target {
            env,
            execution_policies,
            execution_statements: Vec::new(),
        }
    }

    fn has_execution_permissions(&self) -> bool {
        !self.execution_policies.is_empty() || !self.execution_statements.is_empty()
    }
}

/// A stage and its actions.
#[derive(Clone, PartialEq, Debug)]
pub struct Stage {
    /// Unique in the pipeline.
    pub name: String,
    /// The actions.
    pub actions: Vec<Action>,
}

/// A pipeline-level variable, overridable when starting an execution.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Variable {
    /// Referenced as `#{variables.<name>}`.
    pub name: String,
    /// The default value.
    pub default: Option<String>,
    /// What it is for.
    pub description: Option<String>,
}

/// Glob patterns to include and exclude.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Filter {
    /// Patterns that start the pipeline.
    pub include: Vec<String>,
    /// Patterns that never start it.
    pub exclude: Vec<String>,
}

/// What pushes start the pipeline: git tags and/or branches matching the filters.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Trigger {
    /// Tag filters (e.g. `dev_us-east-1/research/*`).
    pub tags: Filter,
    /// Branch filters.
    pub branches: Filter,
}

/// Notifications about executions.
#[derive(Clone, PartialEq, Debug)]
pub struct Notifications {
    /// One of the pipeline's topics.
    pub topic: String,
    /// The events to notify.
    pub events: Vec<PipelineEvent>,
}

/// How artifacts are encrypted at rest.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum ArtifactEncryption {
    /// A customer-managed key when any action runs in another account (required then),
    /// S3-managed encryption otherwise.
    #[default]
    Auto,
    /// Always a customer-managed key.
    Kms,
}

/// Everything a pipeline is made of.
#[derive(Clone, PartialEq, Debug)]
pub struct PipelineProps {
    /// Kebab-case; prefixes every stack and physical name derived from it.
    pub name: String,
    /// The tooling environment the pipeline runs in.
    pub env: Environment,
    /// Named places actions deploy into.
    pub targets: IndexMap<String, Target>,
    /// The stages; the first holds the sources.
    pub stages: Vec<Stage>,
    /// Pipeline-level variables.
    pub variables: Vec<Variable>,
    /// Push filters; `None` starts the pipeline on every push to the source branch.
    pub trigger: Option<Trigger>,
    /// SNS topics the pipeline creates (for approvals and notifications), by name.
    pub topics: Vec<String>,
    /// Notifications about executions.
    pub notifications: Option<Notifications>,
    /// Artifact encryption.
    pub artifact_encryption: ArtifactEncryption,
    /// Restart a running execution when the pipeline itself is updated (always on with
    /// self-mutation).
    pub restart_on_update: bool,
    /// Re-synthesize and update the pipeline first in every execution.
    pub self_mutation: Option<SelfMutation>,
}

/// A synthesized pipeline and the stacks derived for it.
#[derive(Clone, PartialEq, Debug)]
pub struct Pipeline {
    /// The pipeline stack.
    pub stack: StackId,
    /// The `AWS::CodePipeline::Pipeline` resource.
    pub handle: ResourceHandle,
    /// The pipeline's service role.
    pub role: Role,
    /// The artifact bucket in the pipeline's region.
    pub artifact_bucket: Bucket,
    /// The artifact key in the pipeline's region, when artifacts use a customer-managed key.
    pub artifact_key: Option<Key>,
    /// Support stacks, one per other region.
    pub support_stacks: Vec<StackId>,
    /// Bootstrap stacks, one per target account.
    pub bootstrap_stacks: Vec<StackId>,
}

impl Pipeline {
    /// Checks the wiring, then creates the pipeline stack and every support and bootstrap
    /// stack it needs. Returns every problem found.
    pub fn new(app: &mut App, mut props: PipelineProps) -> Result<Pipeline, Vec<ConstructError>> {
        let (name, tooling) = (&props.name.clone(), &props.env.clone());
        // A caller may have created the pipeline stack already (to add build projects to it).
        let stack_name = names::pipeline_stack(name);
        let stack = app
            .find_stack(&stack_name, tooling)
            .unwrap_or_else(|| app.add_stack(stack_name, tooling.clone(), StackRole::Pipeline));
        let root = Scope::root(stack);
        // The self-mutation stages come first, so the checks see them and later actions
        // may use their artifacts (e.g. deploy a template the Synth action wrote).
        if let Some(mutation) = props.self_mutation.clone() {
            self_mutation::add_stages(app, &root, &mut props, &mutation)?;
        }
        let props = props;
        let target_names: IndexSet<String> = props.targets.keys().cloned().collect();
        let mut errors = check::check_stages(&props.name, &props.stages, &target_names);
        errors.extend(check_references(&props));
        let places = Places::new(&props);
        errors.extend(names::check_lengths(
            &props.name,
            places
                .regions
                .iter()
                .map(|region| (props.env.account(), region.as_str())),
        ));
        if !errors.is_empty() {
            return Err(errors);
        }

        let encrypted =
            props.artifact_encryption == ArtifactEncryption::Kms || places.cross_account();
        let bootstrap_stacks = targets::bootstrap_stacks(app, &props, &places, encrypted);
        for bootstrap in &bootstrap_stacks {
            app.add_dependency(stack, *bootstrap);
        }

        // One artifact store per region: the pipeline's here, the others in support stacks.
        let (local_bucket, local_key) =
            artifact_store(app, &root, &props, tooling, encrypted, &places);
        let mut support_stacks = Vec::new();
        for region in places.regions.iter().skip(1) {
            let Ok(env) = tooling.in_region(region) else {
                continue;
            };
            let support = app.add_stack(
                names::support_stack(name, region),
                env.clone(),
                StackRole::Support,
            );
            for bootstrap in &bootstrap_stacks {
                app.add_dependency(support, *bootstrap);
            }
            app.add_dependency(stack, support);
            artifact_store(app, &Scope::root(support), &props, &env, encrypted, &places);
            support_stacks.push(support);
        }

        let role = Role::new(
            app,
            &root.child("pipeline"),
            RoleProps {
                assumed_by: vec![Principal::service("codepipeline.amazonaws.com")],
                name: Some(names::pipeline_role(name)),
                description: Some(format!("Service role of pipeline {name}")),
                ..RoleProps::default()
            },
        );
        targets::grant_store_refs(app, &props, &places.regions, encrypted, &role, true);
        if let Some(statement) = targets::assume_deploy_roles(name, places.remote.keys()) {
            role.add_to_policy(app, statement);
        }
        let topics = create_topics(app, &root, &props, local_key.as_ref());
        let local_exec = targets::local_execution_roles(app, &root, &props, encrypted);
        let local_region = IndexSet::from([tooling.region().to_owned()]);

        let mut stages = Vec::with_capacity(props.stages.len());
        for stage in &props.stages {
            let mut actions = Vec::with_capacity(stage.actions.len());
            for action in &stage.actions {
                let env = Places::action_env(&props, action);
                let context = ActionContext {
                    env: &env,
                    exec_role_arn: targets::execution_role_arn(&props, action, &local_exec),
                    topics: &topics,
                };
                let remote = env.account() != tooling.account();
                if !remote {
                    for statement in action.permissions(&context) {
                        role.add_to_policy(app, statement);
                    }
                }
                if let ActionKind::Build { project, .. } = &action.kind
                    && let Some(project_role) = &project.role
                {
                    targets::grant_store_refs(
                        app,
                        &props,
                        &local_region,
                        encrypted,
                        project_role,
                        true,
                    );
                }
                let role_arn = remote.then(|| targets::deploy_role_arn(name, env.account()));
                actions.push(Val::Lit(declare_action(
                    action,
                    &context,
                    tooling,
                    role_arn,
                    props.trigger.is_some(),
                )));
            }
            stages.push(Val::Lit(cfn::StageDeclaration::new(
                Val::Lit(actions),
                stage.name.as_str(),
            )));
        }

        let mut pipeline = cfn::Pipeline::new(role.arn(), Val::Lit(stages));
        pipeline.name = Some(Val::Lit(name.to_owned()));
        pipeline.pipeline_type = Some(Val::Lit(cfn::PipelineType::V2));
        pipeline.restart_execution_on_update = Some(Val::Lit(props.restart_on_update));
        let declarations: Vec<(String, cfn::ArtifactStore)> = places
            .regions
            .iter()
            .map(|region| {
                let store = if region == tooling.region() {
                    store_declaration(
                        Val::Expr(local_bucket.name()),
                        local_key.as_ref().map(Key::arn),
                    )
                } else {
                    let store = targets::store_ref(name, tooling.account(), region, encrypted);
                    store_declaration(
                        Val::Lit(store.name().to_owned()),
                        store.key().map(|key| key.alias_arn()),
                    )
                };
                (region.clone(), store)
            })
            .collect();
        if let [(_, store)] = declarations.as_slice() {
            pipeline.artifact_store = Some(Val::Lit(store.clone()));
        } else {
            pipeline.artifact_stores = Some(Val::Lit(
                declarations
                    .into_iter()
                    .map(|(region, store)| {
                        Val::Lit(cfn::ArtifactStoreMap::new(Val::Lit(store), region))
                    })
                    .collect(),
            ));
        }
        if !props.variables.is_empty() {
            pipeline.variables = Some(Val::Lit(
                props.variables.iter().map(variable_declaration).collect(),
            ));
        }
        pipeline.triggers = sources::git_triggers(&props);
        let mut resource = Resource::new(&pipeline);
        if let Some(policy) = role.default_policy_id(app) {
            resource = resource.depends_on(policy);
        }
        let handle = root.child("pipeline").add_resource(app, "", resource);
        let arn = pipeline_arn(&handle);

        sources::source_rules(app, &root, &props, &arn)?;
        if let Some(notifications) = &props.notifications
            && let Some(topic) = topics.get(&notifications.topic)
        {
            NotificationRule::for_pipeline(
                app,
                &root.child("notifications"),
                arn,
                &notifications.events,
                topic,
            );
        }
        Ok(Pipeline {
            stack,
            handle,
            role,
            artifact_bucket: local_bucket,
            artifact_key: local_key,
            support_stacks,
            bootstrap_stacks,
        })
    }

    /// The pipeline's ARN.
    pub fn arn(&self) -> Expr<String> {
        pipeline_arn(&self.handle)
    }
}

/// `arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:<name>`.
fn pipeline_arn(handle: &ResourceHandle) -> Expr<String> {
    sub_with(
        "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${Name}",
        [("Name", Val::Expr(handle.ref_()))],
    )
}

/// Checks references between the parts of the props: topics, targets of deploy actions
/// and the actions that can run elsewhere.
fn check_references(props: &PipelineProps) -> Vec<ConstructError> {
    let mut errors = Vec::new();
    let topic_names: Vec<&str> = props.topics.iter().map(String::as_str).collect();
    let check_topic = |path: String, topic: &str, errors: &mut Vec<ConstructError>| {
        if !topic_names.contains(&topic) {
            let hint = match crate::template::closest(topic, topic_names.iter().copied()) {
                Some(close) => format!(" (did you mean `{close}`?)"),
                None => " (declare it under the pipeline's topics)".to_owned(),
            };
            errors.push(ConstructError::invalid(
                path,
                format!("unknown topic `{topic}`{hint}"),
            ));
        }
    };
    if let Some(notifications) = &props.notifications {
        check_topic(
            format!("{}/notifications", props.name),
            &notifications.topic,
            &mut errors,
        );
    }
    for stage in &props.stages {
        for action in &stage.actions {
            let path = format!("{}/{}/{}", props.name, stage.name, action.name);
            match &action.kind {
                ActionKind::CodeCommitSource { .. }
                    if props.trigger.as_ref().is_some_and(|trigger| !sources::fits_event_pattern(trigger)) =>
                {
                    errors.push(ConstructError::invalid(
                        path,
                        "a CodeCommit source is started by an EventBridge rule, which can filter either tags or branches, each by includes or by excludes: simplify the trigger",
                    ));
                }
                ActionKind::Approval { topic: Some(topic), .. } => check_topic(path, topic, &mut errors),
                ActionKind::Deploy(_) => match action.target.as_ref().and_then(|name| props.targets.get(name).map(|t| (name, t))) {
                    None if action.target.is_none() => errors.push(ConstructError::invalid(
                        path,
                        "a CloudFormation deploy action needs a `target`: the execution role CloudFormation uses there comes from it",
                    )),
                    Some((name, target)) if !target.has_execution_permissions() => errors.push(ConstructError::invalid(
                        path,
                        format!("target `{name}` has no execution policies: name the managed policies CloudFormation may use to deploy there"),
                    )),
                    _ => {}
                },
                ActionKind::Build { .. } | ActionKind::Approval { .. } if action.target.is_some() => {
                    errors.push(ConstructError::invalid(
                        path,
                        "build and approval actions run in the pipeline's own account and region; remove `target`",
                    ));
                }
                _ => {}
            }
        }
    }
    errors
}

/// The artifact bucket (and key, when encrypted) of one region, with resource-policy
/// grants for the other accounts' roles that use it.
fn artifact_store(
    app: &mut App,
    root: &Scope,
    props: &PipelineProps,
    env: &Environment,
    encrypted: bool,
    places: &Places,
) -> (Bucket, Option<Key>) {
    let scope = root.child("artifacts");
    let key = encrypted.then(|| {
        Key::new(
            app,
            &scope,
            KeyProps {
                description: Some(format!(
                    "Artifacts of pipeline {} in {}",
                    props.name,
                    env.region()
                )),
                alias: Some(names::artifact_key_alias(&props.name)),
                ..KeyProps::default()
            },
        )
    });
    let bucket = Bucket::new(
        app,
        &scope,
        BucketProps {
            name: Some(names::artifact_bucket(
                &props.name,
                env.account(),
                env.region(),
            )),
            encryption: match &key {
                Some(key) => BucketEncryption::Kms(key.clone()),
                None => BucketEncryption::S3Managed,
            },
            lifecycle: vec![LifecycleRule::ExpireNoncurrentVersions { days: 30 }],
            ..BucketProps::default()
        },
    );
    for (role, write) in places.roles_in_region(&props.name, env.region()) {
        if write {
            bucket.grant_read_write(app, &role);
        } else {
            bucket.grant_read(app, &role);
        }
    }
    (bucket, key)
}

/// The pipeline's topics, encrypted with the artifact key (or a key of their own), so
/// CodeStar Notifications can publish to them.
fn create_topics(
    app: &mut App,
    root: &Scope,
    props: &PipelineProps,
    artifact_key: Option<&Key>,
) -> IndexMap<String, Topic> {
    if props.topics.is_empty() {
        return IndexMap::new();
    }
    let key = match artifact_key {
        Some(key) => key.clone(),
        None => Key::new(
            app,
            &root.child("topics"),
            KeyProps {
                description: Some(format!("Notification topics of pipeline {}", props.name)),
                ..KeyProps::default()
            },
        ),
    };
    props
        .topics
        .iter()
        .map(|topic| {
            let created = Topic::new(
                app,
                &root.child("topics").child(topic),
                TopicProps {
                    display_name: Some(format!("{} {topic}", props.name)),
                    key: Some(key.clone()),
                    ..TopicProps::default()
                },
            );
            (topic.clone(), created)
        })
        .collect()
}

/// The CodePipeline declaration of one action.
fn declare_action(
    action: &Action,
    context: &ActionContext<'_>,
    tooling: &Environment,
    role_arn: Option<Expr<String>>,
    filtered_triggers: bool,
) -> cfn::ActionDeclaration {
    let mut kind = action.kind.clone();
    if let ActionKind::ConnectionSource { detect_changes, .. } = &mut kind
        && filtered_triggers
    {
        // With V2 trigger filters, the trigger decides which pushes start the pipeline.
        *detect_changes = false;
    }
    let action = Action {
        kind,
        ..action.clone()
    };
    let type_id =
        cfn::ActionTypeId::new(Val::Lit(action.category()), "AWS", action.provider(), "1");
    let mut declaration = cfn::ActionDeclaration::new(Val::Lit(type_id), action.name.as_str());
    let configuration = action.configuration(context);
    if configuration.as_object().is_some_and(|map| !map.is_empty()) {
        declaration.configuration = Some(configuration);
    }
    let inputs: Vec<Val<cfn::InputArtifact>> = action
        .inputs()
        .into_iter()
        .map(|name| Val::Lit(cfn::InputArtifact::new(name)))
        .collect();
    if !inputs.is_empty() {
        declaration.input_artifacts = Some(Val::Lit(inputs));
    }
    let outputs: Vec<Val<cfn::OutputArtifact>> = action
        .outputs()
        .into_iter()
        .map(|name| Val::Lit(cfn::OutputArtifact::new(name)))
        .collect();
    if !outputs.is_empty() {
        declaration.output_artifacts = Some(Val::Lit(outputs));
    }
    declaration.run_order = Some(Val::Lit(i64::from(action.run_order)));
    declaration.namespace = action.namespace.clone().map(Val::Lit);
    if context.env.region() != tooling.region() {
        declaration.region = Some(Val::Lit(context.env.region().to_owned()));
    }
    declaration.role_arn = role_arn.map(Val::Expr);
    declaration
}

/// An S3 artifact store, KMS-encrypted when a key is given.
fn store_declaration(location: Val<String>, key: Option<Expr<String>>) -> cfn::ArtifactStore {
    let mut store = cfn::ArtifactStore::new(location, cfn::ArtifactStoreType::S3);
    store.encryption_key = key.map(|id| Val::Lit(cfn::EncryptionKey::new(id, "KMS")));
    store
}

fn variable_declaration(variable: &Variable) -> Val<cfn::VariableDeclaration> {
    let mut declaration = cfn::VariableDeclaration::new(variable.name.as_str());
    declaration.default_value = variable.default.clone().map(Val::Lit);
    declaration.description = variable.description.clone().map(Val::Lit);
    Val::Lit(declaration)
}
