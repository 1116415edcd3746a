//! The construct tree and synthesis: `App → Environment → Stack → construct`.
//!
//! Constructs add resources to stacks of an [`App`] and hand out [`ResourceHandle`]s.
//! [`App::synth`] then runs in explicit phases: resolve references (same stack → `Ref` /
//! `GetAtt`, same environment → export and import, other environment → error), validate
//! every template, and emit an [`Assembly`].

mod assembly;
mod asset;
mod env;
mod naming;
mod stack;
mod synth;

pub use assembly::{AssembledAsset, AssembledStack, Assembly, role_arn, stack_id, template_file};
pub use asset::{Asset, AssetKind};
pub use env::{EnvError, Environment, Partition, REGIONS};
pub use naming::{logical_id, physical_name};
pub use stack::{ResourceHandle, Stack, StackId, StackRole};

use indexmap::IndexMap;

use crate::template::{Resource, TemplateError};

/// One problem found while building or synthesizing an app.
#[derive(Clone, PartialEq, Debug, thiserror::Error)]
pub enum SynthError {
    /// Two stacks with one name in one environment.
    #[error("stack `{name}` is defined twice in {env}")]
    DuplicateStack {
        /// The stack name.
        name: String,
        /// The environment.
        env: Environment,
    },
    /// Two constructs that want the same logical ID.
    #[error(
        "stack `{stack}`: logical ID `{logical_id}` is used by both `{first}` and `{second}`; rename one of them"
    )]
    DuplicateLogicalId {
        /// The stack.
        stack: String,
        /// The logical ID.
        logical_id: String,
        /// The construct that took it first.
        first: String,
        /// The construct that wanted it too.
        second: String,
    },
    /// A reference from one environment into another, which CloudFormation cannot resolve.
    #[error(
        "stack `{from_stack}` ({from_env}) refers to `{target}` in stack `{to_stack}` ({to_env}); \
         CloudFormation resolves references only within one account and region: pass the value \
         as a parameter, or give the resource a deterministic physical name and build its ARN"
    )]
    CrossEnvironmentReference {
        /// The referring stack.
        from_stack: String,
        /// Its environment.
        from_env: Environment,
        /// The referenced stack.
        to_stack: String,
        /// Its environment.
        to_env: Environment,
        /// The referenced logical ID (and attribute).
        target: String,
    },
    /// A reference to a resource that no stack holds.
    #[error("stack `{stack}` refers to `{target}`, which stack `{target_stack}` does not define")]
    DanglingReference {
        /// The referring stack.
        stack: String,
        /// The referenced stack.
        target_stack: String,
        /// The missing logical ID.
        target: String,
    },
    /// Stacks that depend on each other in a circle.
    #[error("stacks depend on each other in a cycle: {}", .cycle.join(" → "))]
    StackCycle {
        /// The stack names on the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A stack changed after its template was finished: a kind declared self-contained
    /// changed a stack that another document added.
    #[error(
        "stack `{stack}` changed after its document was built; a kind that declares \
         `SELF_CONTAINED` may change only the stacks its own documents add"
    )]
    ChangedAfterFinishing {
        /// The stack.
        stack: String,
    },
    /// A problem in one stack's template.
    #[error("stack `{stack}`: {error}")]
    Template {
        /// The stack.
        stack: String,
        /// The problem.
        error: TemplateError,
    },
}

/// Every problem found, in a stable order.
#[derive(Clone, PartialEq, Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct SynthErrors(pub Vec<SynthError>);

/// The root of the construct tree: every stack of every environment.
#[derive(Clone, Debug, Default)]
pub struct App {
    /// Boxed: a stack is large, and moving them all each time the list grows touched
    /// fresh memory for nothing (peak memory at bench/'s N = 200: 38 MB boxed, 48 MB not).
    #[expect(clippy::vec_box, reason = "measured: see above")]
    stacks: Vec<Box<Stack>>,
    /// (name, environment) → the stack.
    stack_ids: IndexMap<(String, Environment), StackId>,
    errors: Vec<SynthError>,
    assets: Vec<(StackId, Asset)>,
    account_roles: IndexMap<String, AccountRoles>,
    /// Every stack before this index is resolved; the scans for stacks to resolve start
    /// here rather than at the first stack, once per document built.
    resolved_before: usize,
    /// Every stack before this index is sealed (see [`App::seal_resolved`]).
    sealed_before: usize,
}

/// The roles a deploy uses in one account instead of the bootstrap stack's: each a role
/// name in that account or the ARN of one of its roles.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct AccountRoles {
    /// The role `cfsynth deploy` assumes there.
    pub deploy: Option<String>,
    /// The role CloudFormation deploys the account's stacks with (the change set's role).
    pub execution: Option<String>,
}

impl App {
    /// An empty app.
    pub fn new() -> App {
        App::default()
    }

    /// Sets the deploy roles of every stack in `account`; `assembly.json` records them as
    /// ARNs in each stack's partition.
    pub fn set_account_roles(&mut self, account: impl Into<String>, roles: AccountRoles) {
        self.account_roles.insert(account.into(), roles);
    }

    /// The deploy roles set for `account`.
    pub fn account_roles(&self, account: &str) -> Option<&AccountRoles> {
        self.account_roles.get(account)
    }

    /// Adds a stack. A name already used in the same environment is an error (the existing
    /// stack is returned so construction can go on and report every problem).
    pub fn add_stack(
        &mut self,
        name: impl Into<String>,
        env: Environment,
        role: StackRole,
    ) -> StackId {
        let name = name.into();
        if let Some(existing) = self.find_stack(&name, &env) {
            self.errors.push(SynthError::DuplicateStack { name, env });
            return existing;
        }
        self.push_stack(Box::new(Stack {
            name,
            env,
            role,
            template: crate::template::Template::new(),
            owners: Default::default(),
            depends_on: Default::default(),
            termination_protection: false,
            resolved: false,
            sealed: None,
        }))
    }

    fn push_stack(&mut self, stack: Box<Stack>) -> StackId {
        let id = StackId(self.stacks.len());
        self.stack_ids
            .entry((stack.name.clone(), stack.env.clone()))
            .or_insert(id);
        self.stacks.push(stack);
        id
    }

    /// The stack with this name in this environment.
    pub fn find_stack(&self, name: &str, env: &Environment) -> Option<StackId> {
        self.stack_ids.get(&(name.to_owned(), env.clone())).copied()
    }

    /// Adds the stacks, assets and errors of an app built apart from this one after this
    /// one's, as if they had been built here: the manifest layer builds self-contained
    /// documents in parallel, each part into an app of its own whose references are
    /// resolved already ([`App::resolve_own_references`]). A stack name already used in
    /// the same environment is an error, as in [`App::add_stack`].
    pub fn absorb(&mut self, part: App) {
        // Into an app with nothing in it yet (the first part): taken whole, with its
        // stacks' IDs unchanged, rather than stack by stack.
        if self.stacks.is_empty() && self.errors.is_empty() && self.assets.is_empty() {
            let mut account_roles = std::mem::take(&mut self.account_roles);
            *self = part;
            account_roles.extend(std::mem::take(&mut self.account_roles));
            self.account_roles = account_roles;
            return;
        }
        let offset = self.stacks.len();
        self.stacks.reserve(part.stacks.len());
        self.stack_ids.reserve(part.stack_ids.len());
        let moved = |id: StackId| StackId(id.0 + offset);
        // Tokens are left only where references could not be resolved, which is an error.
        let tokens_left = !part.errors.is_empty();
        for mut stack in part.stacks {
            if tokens_left {
                synth::shift_tokens(&mut stack.template, offset);
            }
            if self.find_stack(&stack.name, &stack.env).is_some() {
                self.errors.push(SynthError::DuplicateStack {
                    name: stack.name.clone(),
                    env: stack.env.clone(),
                });
            }
            stack.depends_on = stack.depends_on.into_iter().map(moved).collect();
            self.push_stack(stack);
        }
        self.errors.extend(part.errors);
        self.assets.extend(
            part.assets
                .into_iter()
                .map(|(stack, asset)| (moved(stack), asset)),
        );
        self.account_roles.extend(part.account_roles);
    }

    /// A stack.
    pub fn stack(&self, id: StackId) -> &Stack {
        &self.stacks[id.0]
    }

    /// A stack, to change.
    pub fn stack_mut(&mut self, id: StackId) -> &mut Stack {
        self.check_unsealed(id);
        self.unresolve(id);
        &mut self.stacks[id.0]
    }

    /// Marks a stack as changed since its references were resolved.
    fn unresolve(&mut self, id: StackId) {
        if let Some(stack) = self.stacks.get_mut(id.0) {
            stack.resolved = false;
            self.resolved_before = self.resolved_before.min(id.0);
        }
    }

    /// Reports a change to a stack whose template is finished already (see
    /// [`App::seal_resolved`]), which the change cannot reach any more.
    fn check_unsealed(&mut self, id: StackId) {
        if let Some(error) = self.changed_after_finishing(id) {
            self.errors.push(error);
        }
    }

    /// The error for changing `id`, if its template is finished already.
    fn changed_after_finishing(&self, id: StackId) -> Option<SynthError> {
        let stack = self.stacks.get(id.0)?;
        stack
            .sealed
            .is_some()
            .then(|| SynthError::ChangedAfterFinishing {
                stack: stack.name.clone(),
            })
    }

    /// Every stack, in the order they were added.
    pub fn stacks(&self) -> impl Iterator<Item = (StackId, &Stack)> {
        self.stacks
            .iter()
            .enumerate()
            .map(|(index, stack)| (StackId(index), &**stack))
    }

    /// Adds a resource created by the construct at `owner` (a path such as
    /// `products-api/artifacts`). A logical ID already taken is an error naming both owners.
    pub fn add_resource(
        &mut self,
        stack: StackId,
        owner: &str,
        logical_id: impl Into<String>,
        resource: Resource,
    ) -> ResourceHandle {
        let logical_id = logical_id.into();
        self.check_unsealed(stack);
        self.unresolve(stack);
        let target = &mut self.stacks[stack.0];
        if let Some(first) = target.owners.get(&logical_id) {
            self.errors.push(SynthError::DuplicateLogicalId {
                stack: target.name.clone(),
                logical_id: logical_id.clone(),
                first: first.clone(),
                second: owner.to_owned(),
            });
        } else {
            target.owners.insert(logical_id.clone(), owner.to_owned());
            target.template.add_resource(logical_id.clone(), resource);
        }
        ResourceHandle { stack, logical_id }
    }

    /// The resource behind a handle, to change (e.g. to add a policy statement).
    pub fn resource_mut(&mut self, handle: &ResourceHandle) -> Option<&mut Resource> {
        self.check_unsealed(handle.stack);
        self.unresolve(handle.stack);
        let stack = self.stacks.get_mut(handle.stack.0)?;
        stack.template.resources.get_mut(&handle.logical_id)
    }

    /// Records that `stack` deploys after `on`.
    pub fn add_dependency(&mut self, stack: StackId, on: StackId) {
        if stack != on {
            self.stacks[stack.0].depends_on.insert(on);
        }
    }

    /// The environment of a stack.
    pub fn env(&self, stack: StackId) -> &Environment {
        &self.stacks[stack.0].env
    }

    /// Records a file that `stack` needs in S3 before it deploys (see [`Asset`]); the same
    /// content added twice for one stack is recorded once. Returns its S3 key.
    pub fn add_asset(&mut self, stack: StackId, asset: Asset) -> String {
        let key = asset.key();
        let known = self.assets.iter().any(|(used_by, known)| {
            *used_by == stack && known.key() == key && known.bucket == asset.bucket
        });
        if !known {
            self.assets.push((stack, asset));
        }
        key
    }

    /// Every asset with the stack that uses it, in the order they were added.
    pub fn assets(&self) -> impl Iterator<Item = (StackId, &Asset)> {
        self.assets.iter().map(|(stack, asset)| (*stack, asset))
    }
}
