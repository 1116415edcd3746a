//! The extension points: [`Blueprint`] (a document `kind`) and [`ResourceKind`] (an entry
//! of a stack's `resources:`), and the [`BuildContext`] they build into.

use std::any::Any;
use std::borrow::Cow;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::document::Document;
use super::env::{AccountBook, EnvSpec};
use super::located::Located;
use super::node::{Node, Value};
use super::origins::{Origin, Origins};
use super::registry::{AnyEntry, Registry};
use crate::app::{App, Environment, ResourceHandle, StackId, StackRole};
use crate::constructs::Scope;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::template::{Resource, closest};

/// Whether documents of a kind have an `env`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EnvPolicy {
    /// Every document must have one.
    Required,
    /// A document may have one.
    Optional,
    /// Documents have none (`env` is an unknown field).
    Forbidden,
}

/// A manifest `kind`: its document type, and how a document becomes constructs of an
/// [`App`].
///
/// The registry reads `kind`, `name` and `env` of every document; `Spec` has the other
/// fields (use `#[serde(deny_unknown_fields)]`, not `flatten`; use [`Located`] for values
/// that later checks may reject). Every document is declared first (in file order), then
/// every document is built, so that a build sees what all documents declared (such as
/// account aliases).
///
/// ```
/// use cfsynth::app::StackRole;
/// use cfsynth::diagnostics::Diagnostics;
/// use cfsynth::manifest::{Blueprint, BuildContext, Document, Registry};
///
/// /// A bare stack for a team's experiments.
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// #[serde(deny_unknown_fields)]
/// struct SandboxSpec {
///     /// Who owns the sandbox.
///     owner: String,
/// }
///
/// struct Sandbox;
///
/// impl Blueprint for Sandbox {
///     type Spec = SandboxSpec;
///     const KIND: &'static str = "Sandbox";
///
///     fn build(&self, doc: &Document<SandboxSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
///         let env = match doc.env().and_then(|env| cx.resolve_env(env)) {
///             Ok(env) => env,
///             Err(error) => return error.into(),
///         };
///         let stack = cx.add_stack(&doc.name, env, StackRole::Application);
///         cx.app_mut().stack_mut(stack).template.description = Some(format!("Sandbox of {}", doc.spec.owner));
///         Diagnostics::new()
///     }
/// }
///
/// let mut registry = Registry::builtin();
/// registry.register(Sandbox);
/// assert!(registry.kinds().any(|kind| kind == "Sandbox"));
/// ```
pub trait Blueprint: Send + Sync + 'static {
    /// The kind's fields (without `kind`, `name` and `env`).
    type Spec: DeserializeOwned + JsonSchema + Send + Sync;
    /// The `kind` value, PascalCase (e.g. `Pipeline`).
    const KIND: &'static str;
    /// Whether its documents have an `env`.
    const ENV: EnvPolicy = EnvPolicy::Required;
    /// Whether its documents build on their own: [`build`](Blueprint::build) reads only
    /// its document and the account aliases, and changes only the stacks it adds. Such
    /// documents are built in parallel, each part into an app of its own that joins the
    /// others in document order, with the same result as building them one by one. Their
    /// templates may be finished as soon as each is built: changing a stack another
    /// document added is then reported as error E0407.
    const SELF_CONTAINED: bool = false;

    /// First pass, over every document: declare what other documents may use.
    fn declare(&self, _doc: &Document<Self::Spec>, _cx: &mut BuildContext<'_>) -> Diagnostics {
        Diagnostics::new()
    }

    /// Second pass: add stacks and constructs to the app. Returns the problems found.
    fn build(&self, doc: &Document<Self::Spec>, cx: &mut BuildContext<'_>) -> Diagnostics;
}

/// An entry of a stack's `resources:`, written `- <key>: {…}` (e.g. `- cfn: {…}`).
///
/// Entries of one stack may refer to each other by name (a bucket's `key: <kms/key name>`):
/// an entry that has a [`name`](ResourceKind::name) can be referred to, and the entries
/// it names in [`references`](ResourceKind::references) are built before it, whatever
/// the order they are written in. A name the stack does not have is an error at the
/// reference, with a suggestion. In [`build`](ResourceKind::build), an entry makes its
/// construct available with [`BuildContext::publish`] and gets the constructs it refers
/// to with [`BuildContext::resolve`].
pub trait ResourceKind: Send + Sync + 'static {
    /// The entry's fields.
    type Spec: DeserializeOwned + JsonSchema;
    /// The key, e.g. `cfn` or `iam/role`.
    const KEY: &'static str;

    /// The name other entries of the stack refer to this one by, if it has one.
    fn name(_spec: &Self::Spec) -> Option<&Located<String>> {
        None
    }

    /// The other entries of the stack this one refers to.
    fn references(_spec: &Self::Spec) -> Vec<EntryRef<'_>> {
        Vec::new()
    }

    /// Adds the entry's resources to its stack. Returns the problems found.
    fn build(&self, entry: &ResourceEntry<Self::Spec>, cx: &mut BuildContext<'_>) -> Diagnostics;
}

/// A reference from one resource entry to another entry of its stack, by key and name
/// (e.g. the `kms/key` named `build-cache`).
#[derive(Clone, Copy, Debug)]
pub struct EntryRef<'a> {
    /// The key of the entry referred to, e.g. `kms/key`.
    pub kind: &'static str,
    /// The name, as written in the referring entry.
    pub name: &'a Located<String>,
}

impl<'a> EntryRef<'a> {
    /// A reference to the `kind` entry called `name`.
    pub fn new(kind: &'static str, name: &'a Located<String>) -> EntryRef<'a> {
        EntryRef { kind, name }
    }
}

/// One parsed entry of a stack's `resources:`.
#[derive(Clone, Debug)]
pub struct ResourceEntry<T> {
    /// The entry's key (`cfn`, …).
    pub key: Located<String>,
    /// Its fields.
    pub spec: T,
    /// The value under the key, to locate anything in it.
    pub node: Node,
    /// The stack it goes into.
    pub stack: StackId,
}

/// An entry of `resources:` as written, read later by the registered [`ResourceKind`]s
/// (see [`BuildContext::add_resources`]). Its JSON Schema is `#/$defs/ResourceEntry`, which
/// the registry defines as one of its resource kinds.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct StackResource(pub Node);

impl JsonSchema for StackResource {
    fn schema_name() -> Cow<'static, str> {
        "ResourceEntry".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "One resource: `- <kind>: {…}`." })
    }
}

/// What blueprints build into: the app, the account aliases, and where every stack and
/// resource came from (so synthesis errors point into the manifests).
pub struct BuildContext<'r> {
    registry: &'r Registry,
    app: App,
    accounts: AccountBook,
    origins: Origins,
    /// (stack, entry key, name) → what that resource entry made available.
    entries: IndexMap<(StackId, String, String), Published>,
}

/// The registry and the account aliases, from which contexts that build self-contained
/// documents apart (on other threads) start.
pub(crate) struct Seed<'r> {
    registry: &'r Registry,
    accounts: AccountBook,
}

impl<'r> Seed<'r> {
    /// A context with an empty app.
    pub(crate) fn context(&self) -> BuildContext<'r> {
        BuildContext {
            accounts: self.accounts.clone(),
            ..BuildContext::new(self.registry)
        }
    }
}

/// What a context started from a [`Seed`] built, its references resolved.
pub(crate) struct Part {
    app: App,
    origins: Origins,
}

impl BuildContext<'_> {
    /// Resolves the references of the stacks built so far and seals them: validated and
    /// rendered, their trees freed. Only for stacks nothing will change any more.
    pub(crate) fn seal_built(&mut self) {
        self.app.resolve_own_references();
        self.app.seal_resolved();
    }

    /// The app and origins built, the references between the app's stacks resolved.
    pub(crate) fn into_part(self) -> Part {
        let mut app = self.app;
        app.resolve_own_references();
        Part {
            app,
            origins: self.origins,
        }
    }
}

/// What a named resource entry made available to the entries that refer to it.
#[derive(Default)]
enum Published {
    /// Not built yet.
    #[default]
    Waiting,
    /// Built without publishing a construct, or left out because of its errors.
    Nothing,
    /// The construct it published.
    Construct(Box<dyn Any>),
}

impl<'r> BuildContext<'r> {
    pub(crate) fn new(registry: &'r Registry) -> BuildContext<'r> {
        BuildContext {
            registry,
            app: App::new(),
            accounts: AccountBook::new(),
            origins: Origins::default(),
            entries: IndexMap::new(),
        }
    }

    pub(crate) fn finish(self) -> (App, Origins) {
        (self.app, self.origins)
    }

    /// What a context for building self-contained documents apart starts from.
    pub(crate) fn seed(&self) -> Seed<'r> {
        Seed {
            registry: self.registry,
            accounts: self.accounts.clone(),
        }
    }

    /// Adds what a context started from [`BuildContext::seed`] built, after everything
    /// built here so far.
    pub(crate) fn absorb(&mut self, part: Part) {
        self.app.absorb(part.app);
        self.origins.absorb(part.origins);
    }

    /// The app.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// The app, to change.
    pub fn app_mut(&mut self) -> &mut App {
        &mut self.app
    }

    /// The account aliases.
    pub fn accounts(&self) -> &AccountBook {
        &self.accounts
    }

    /// The account aliases, to declare some.
    pub fn accounts_mut(&mut self) -> &mut AccountBook {
        &mut self.accounts
    }

    /// Resolves a written environment (aliases, default regions); errors point at the value.
    pub fn resolve_env(&self, env: &EnvSpec) -> Result<Environment, Diagnostics> {
        self.accounts.resolve(env)
    }

    /// Adds a stack named after a document's name (or another located name), remembering
    /// where it was written.
    pub fn add_stack(
        &mut self,
        name: &Located<String>,
        env: Environment,
        role: StackRole,
    ) -> StackId {
        self.origins.add_stack(name);
        self.app.add_stack(name.value.clone(), env, role)
    }

    /// Adds a resource (see [`App::add_resource`]), remembering where it was written.
    pub fn add_resource(
        &mut self,
        stack: StackId,
        owner: &str,
        logical_id: &str,
        resource: Resource,
        origin: Origin,
    ) -> ResourceHandle {
        let stack_name = self.app.stack(stack).name().to_owned();
        self.origins.add_resource(&stack_name, logical_id, origin);
        self.app.add_resource(stack, owner, logical_id, resource)
    }

    /// Runs `build`, which adds a construct to the stack of `scope`, and records `origin`
    /// for every resource it added to that stack and for the construct path: synthesis
    /// errors about those resources (logical ID collisions, bad references) then point at
    /// the manifest entry. Returns what `build` returns.
    pub fn construct<T>(
        &mut self,
        scope: &Scope,
        origin: Origin,
        build: impl FnOnce(&mut App) -> T,
    ) -> T {
        let before = self.app.stack(scope.stack).template.resources.len();
        let built = build(&mut self.app);
        let stack = self.app.stack(scope.stack);
        let stack_name = stack.name().to_owned();
        let added: Vec<String> = stack
            .template
            .resources
            .keys()
            .skip(before)
            .cloned()
            .collect();
        for logical_id in added {
            self.origins
                .add_resource(&stack_name, &logical_id, origin.clone());
        }
        self.origins.add_owner(&stack_name, &scope.path, origin);
        built
    }

    /// Builds resource entries into a stack of a separate app and synthesizes it: for a
    /// template that is not deployed as a stack of its own but used by one (e.g. the
    /// template of a Service Catalog product). The stack starts as `template` (its
    /// description, parameters, …) and is named `name` in messages; problems, synthesis
    /// errors included, point into the manifests. Returns the template body (JSON) when
    /// there are no errors, and every diagnostic (warnings too).
    pub fn synth_detached(
        &mut self,
        name: &Located<String>,
        env: Environment,
        template: crate::template::Template,
        entries: &[StackResource],
    ) -> (Option<String>, Diagnostics) {
        let app = std::mem::take(&mut self.app);
        let origins = std::mem::take(&mut self.origins);
        let published = std::mem::take(&mut self.entries);
        let stack = self.add_stack(name, env, StackRole::Application);
        self.app.stack_mut(stack).template = template;
        let mut diagnostics = self.add_resources(Some(stack), entries);
        let detached = std::mem::replace(&mut self.app, app);
        let detached_origins = std::mem::replace(&mut self.origins, origins);
        self.entries = published;
        if diagnostics.has_errors() {
            return (None, diagnostics);
        }
        match detached.synth() {
            Ok(assembly) => (
                assembly.stacks.into_iter().next().map(|stack| stack.body),
                diagnostics,
            ),
            Err(errors) => {
                diagnostics.extend(
                    errors
                        .0
                        .iter()
                        .map(|error| detached_origins.diagnostic(error)),
                );
                (None, diagnostics)
            }
        }
    }

    /// Makes the construct an entry built available to the entries of its stack that refer
    /// to it (see [`BuildContext::resolve`]). The first entry of a key and name keeps it.
    pub fn publish<S, T: Any>(&mut self, entry: &ResourceEntry<S>, name: &str, construct: T) {
        let slot = self
            .entries
            .entry((entry.stack, entry.key.value.clone(), name.to_owned()))
            .or_default();
        if matches!(slot, Published::Waiting) {
            *slot = Published::Construct(Box::new(construct));
        }
    }

    /// Records that a named entry will publish nothing more (it was built, or left out).
    fn settle(&mut self, stack: StackId, kind: &str, name: Option<&Located<String>>) {
        if let Some(name) = name
            && let Some(slot) = self
                .entries
                .get_mut(&(stack, kind.to_owned(), name.value.clone()))
            && matches!(slot, Published::Waiting)
        {
            *slot = Published::Nothing;
        }
    }

    /// The construct that the entry a reference names has published. `Err` with no
    /// diagnostics when that entry has errors of its own (already reported); an error at
    /// the reference when the stack has no such entry, when it is not built yet (the
    /// reference is missing from [`ResourceKind::references`]) or when its construct is
    /// not a `T`.
    pub fn resolve<T: Any + Clone>(
        &self,
        stack: StackId,
        reference: &EntryRef<'_>,
    ) -> Result<T, Diagnostics> {
        let key = (
            stack,
            reference.kind.to_owned(),
            reference.name.value.clone(),
        );
        let unusable = |why: &str| -> Diagnostics {
            Diagnostic::error(
                codes::UNKNOWN_REFERENCE,
                format!(
                    "the `{}` entry `{}` cannot be used here: {why}",
                    reference.kind, reference.name
                ),
            )
            .at(&reference.name.span)
            .into()
        };
        match self.entries.get(&key) {
            Some(Published::Construct(construct)) => construct
                .downcast_ref::<T>()
                .cloned()
                .ok_or_else(|| unusable("it is not what this entry needs")),
            Some(Published::Waiting) => Err(unusable(
                "it is not built yet (its kind does not list this reference)",
            )),
            Some(Published::Nothing) => Err(Diagnostics::new()),
            None => {
                let names = self
                    .entries
                    .keys()
                    .filter(|(id, _, _)| *id == stack)
                    .map(|(_, kind, name)| (kind.as_str(), name.as_str()));
                Err(unknown_reference(reference, names).into())
            }
        }
    }

    /// Reads every entry of a stack's `resources:` with the registered resource kinds,
    /// checks the references between them and, when there is a stack (its environment
    /// resolved), builds them into it: every entry after the entries it refers to, else
    /// in the order written.
    pub fn add_resources(
        &mut self,
        stack: Option<StackId>,
        entries: &[StackResource],
    ) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let mut parsed: Vec<Box<dyn AnyEntry + 'r>> = Vec::new();
        // (key, name) of every named entry → its index in `parsed`; `None` for an entry
        // that could not be read (references to it are not reported again).
        let mut names: IndexMap<(&'static str, String), Option<usize>> = IndexMap::new();
        for (index, StackResource(node)) in entries.iter().enumerate() {
            let Value::Mapping(fields) = &node.value else {
                diagnostics.push(malformed_entry(node).found(node.describe()));
                continue;
            };
            let [(key, value)] = fields.as_slice() else {
                diagnostics.push(self.registry.several_keys(node, fields));
                continue;
            };
            let name = key.as_key();
            let registry = self.registry;
            let Some(kind) = registry.resource_kind(&name) else {
                let keys: Vec<String> = registry
                    .resource_keys()
                    .map(|key| format!("`{key}`"))
                    .collect();
                diagnostics.push(
                    Diagnostic::error(
                        codes::UNKNOWN_RESOURCE_KIND,
                        format!("unknown resource kind `{name}`"),
                    )
                    .at(&key.span)
                    .expected(format!("one of {}", keys.join(", ")))
                    .did_you_mean(closest(&name, registry.resource_keys())),
                );
                continue;
            };
            let path = format!("resources[{index}].{name}");
            match kind.parse(key, value, &path) {
                Ok(entry) => {
                    if let Some(name) = entry.name() {
                        names
                            .entry((entry.kind(), name.value.clone()))
                            .or_insert(Some(parsed.len()));
                    }
                    parsed.push(entry);
                }
                Err(errors) => {
                    diagnostics.extend(errors);
                    if let Some(Value::String(name)) = value.get("name").map(|name| &name.value) {
                        names.entry((kind.key(), name.clone())).or_insert(None);
                    }
                }
            }
        }
        if let Some(stack) = stack {
            for ((kind, name), index) in &names {
                let published = match index {
                    Some(_) => Published::Waiting,
                    None => Published::Nothing,
                };
                self.entries
                    .entry((stack, (*kind).to_owned(), name.clone()))
                    .or_insert(published);
            }
        }
        // The entries each entry refers to; `None` when a reference is unknown.
        let mut dependencies: Vec<Option<Vec<usize>>> = Vec::with_capacity(parsed.len());
        for entry in &parsed {
            let mut found = Some(Vec::new());
            for reference in entry.references() {
                match names.get(&(reference.kind, reference.name.value.clone())) {
                    Some(Some(index)) => found.iter_mut().for_each(|found| found.push(*index)),
                    Some(None) => {}
                    None => {
                        let known = names.keys().map(|(kind, name)| (*kind, name.as_str()));
                        diagnostics.push(unknown_reference(&reference, known));
                        found = None;
                    }
                }
            }
            dependencies.push(found);
        }
        let Some(stack) = stack else {
            return diagnostics;
        };
        let mut pending: Vec<Option<Box<dyn AnyEntry + 'r>>> =
            parsed.into_iter().map(Some).collect();
        for (index, dependencies) in dependencies.iter().enumerate() {
            if dependencies.is_none()
                && let Some(entry) = pending[index].take()
            {
                self.settle(stack, entry.kind(), entry.name());
            }
        }
        loop {
            // Built (or left out) entries are `None`: an entry is ready once every entry
            // it refers to is; one that refers to itself never is.
            let ready = pending.iter().enumerate().position(|(index, entry)| {
                entry.is_some()
                    && dependencies[index]
                        .iter()
                        .flatten()
                        .all(|dependency| *dependency != index && pending[*dependency].is_none())
            });
            if let Some(entry) = ready.and_then(|index| pending[index].take()) {
                let (kind, name) = (entry.kind(), entry.name().cloned());
                diagnostics.extend(entry.build(stack, self));
                self.settle(stack, kind, name.as_ref());
                continue;
            }
            // Every entry left waits for another: report a cycle and leave it out (the
            // entries that refer to it then find its names unbuilt).
            let Some((cycle, members)) = reference_cycle(&pending, &dependencies) else {
                break;
            };
            diagnostics.push(cycle);
            for member in members {
                if let Some(entry) = pending[member].take() {
                    self.settle(stack, entry.kind(), entry.name());
                }
            }
        }
        for entry in pending.into_iter().flatten() {
            self.settle(stack, entry.kind(), entry.name());
        }
        diagnostics
    }
}

/// A cycle among the entries not built yet (each of which waits for another), and its
/// error: at the reference of the cycle's first entry (in written order) to the next.
fn reference_cycle(
    pending: &[Option<Box<dyn AnyEntry + '_>>],
    dependencies: &[Option<Vec<usize>>],
) -> Option<(Diagnostic, Vec<usize>)> {
    let start = pending.iter().position(Option::is_some)?;
    let mut path = vec![start];
    loop {
        let current = *path.last()?;
        let next = dependencies[current]
            .iter()
            .flatten()
            .copied()
            .find(|dependency| pending[*dependency].is_some())?;
        if let Some(position) = path.iter().position(|index| *index == next) {
            // From its first entry in written order.
            let mut cycle = path[position..].to_vec();
            let first = cycle
                .iter()
                .enumerate()
                .min_by_key(|(_, index)| **index)
                .map_or(0, |(at, _)| at);
            cycle.rotate_left(first);
            let entry = pending[cycle[0]].as_ref()?;
            let target = pending[*cycle.get(1).unwrap_or(&cycle[0])].as_ref()?;
            let reference = entry.references().into_iter().find(|reference| {
                Some(reference.name.as_str()) == target.name().map(|name| name.as_str())
                    && reference.kind == target.kind()
            })?;
            let names: Vec<String> = cycle
                .iter()
                .chain(cycle.first())
                .filter_map(|index| pending[*index].as_ref()?.name())
                .map(|name| format!("`{name}`"))
                .collect();
            let message = match names.as_slice() {
                [name, _] if cycle.len() == 1 => format!("the entry {name} refers to itself"),
                _ => format!(
                    "resource entries refer to each other in a cycle: {}",
                    names.join(" → ")
                ),
            };
            let diagnostic = Diagnostic::error(codes::REFERENCE_CYCLE, message)
                .at(&reference.name.span)
                .help("remove one of the references");
            return Some((diagnostic, cycle));
        }
        path.push(next);
    }
}

/// A reference to a name the stack has no entry of that kind for.
fn unknown_reference<'n>(
    reference: &EntryRef<'_>,
    names: impl Iterator<Item = (&'n str, &'n str)>,
) -> Diagnostic {
    let names: Vec<(&str, &str)> = names.collect();
    let same_kind: Vec<&str> = names
        .iter()
        .filter(|(kind, _)| *kind == reference.kind)
        .map(|(_, name)| *name)
        .collect();
    let diagnostic = Diagnostic::error(
        codes::UNKNOWN_REFERENCE,
        format!(
            "this stack has no `{}` entry named `{}`",
            reference.kind, reference.name
        ),
    )
    .at(&reference.name.span);
    let diagnostic = if same_kind.is_empty() {
        diagnostic.help(format!(
            "add an entry `- {}: {{ name: {}, … }}` to the stack's resources",
            reference.kind, reference.name
        ))
    } else {
        let quoted: Vec<String> = same_kind.iter().map(|name| format!("`{name}`")).collect();
        diagnostic
            .expected(format!(
                "the name of one of the stack's `{}` entries: {}",
                reference.kind,
                quoted.join(", ")
            ))
            .did_you_mean(closest(reference.name, same_kind.iter().copied()))
    };
    match names
        .iter()
        .find(|(kind, name)| *name == reference.name.as_str() && *kind != reference.kind)
    {
        Some((kind, _)) => diagnostic.note(format!(
            "`{}` names an entry of kind `{kind}`, which cannot be used here",
            reference.name
        )),
        None => diagnostic,
    }
}

fn malformed_entry(node: &Node) -> Diagnostic {
    Diagnostic::error(
        codes::MALFORMED_RESOURCE_ENTRY,
        "a resource entry must be a mapping with one key",
    )
    .at(&node.span)
    .expected("`- <kind>: {…}`, e.g. `- cfn: { type: AWS::SQS::Queue }`")
}

impl Registry {
    /// A resource entry with no key or several: when the first is a resource kind, the
    /// others were probably meant to be indented under it.
    fn several_keys(&self, node: &Node, fields: &[(Node, Node)]) -> Diagnostic {
        let keys: Vec<String> = fields
            .iter()
            .map(|(key, _)| format!("`{}`", key.as_key()))
            .collect();
        let diagnostic = malformed_entry(node).found(match keys.as_slice() {
            [] => "an empty mapping".to_owned(),
            keys => format!("the keys {}", keys.join(", ")),
        });
        match fields.first() {
            Some((first, _))
                if fields.len() > 1 && self.resource_kind(&first.as_key()).is_some() =>
            {
                diagnostic.help(format!("indent the other keys under `{}:`", first.as_key()))
            }
            _ => diagnostic,
        }
    }
}
