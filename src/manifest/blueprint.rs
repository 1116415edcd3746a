//! The extension points: [`Blueprint`] (a document `kind`) and [`ResourceKind`] (an entry
//! of a stack's `resources:`), and the [`BuildContext`] they build into.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::document::Document;
use super::env::{AccountBook, EnvSpec};
use super::located::Located;
use super::node::{Node, Value};
use super::origins::{Origin, Origins};
use super::registry::Registry;
use crate::app::{App, Environment, ResourceHandle, StackId, StackRole};
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
    type Spec: DeserializeOwned + JsonSchema;
    /// The `kind` value, PascalCase (e.g. `Pipeline`).
    const KIND: &'static str;
    /// Whether its documents have an `env`.
    const ENV: EnvPolicy = EnvPolicy::Required;

    /// First pass, over every document: declare what other documents may use.
    fn declare(&self, _doc: &Document<Self::Spec>, _cx: &mut BuildContext<'_>) -> Diagnostics {
        Diagnostics::new()
    }

    /// Second pass: add stacks and constructs to the app. Returns the problems found.
    fn build(&self, doc: &Document<Self::Spec>, cx: &mut BuildContext<'_>) -> Diagnostics;
}

/// An entry of a stack's `resources:`, written `- <key>: {…}` (e.g. `- cfn: {…}`).
pub trait ResourceKind: Send + Sync + 'static {
    /// The entry's fields.
    type Spec: DeserializeOwned + JsonSchema;
    /// The key, e.g. `cfn` or `iam/role`.
    const KEY: &'static str;

    /// Adds the entry's resources to its stack. Returns the problems found.
    fn build(&self, entry: &ResourceEntry<Self::Spec>, cx: &mut BuildContext<'_>) -> Diagnostics;
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
}

impl<'r> BuildContext<'r> {
    pub(crate) fn new(registry: &'r Registry) -> BuildContext<'r> {
        BuildContext {
            registry,
            app: App::new(),
            accounts: AccountBook::new(),
            origins: Origins::default(),
        }
    }

    pub(crate) fn finish(self) -> (App, Origins) {
        (self.app, self.origins)
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

    /// Reads every entry of a stack's `resources:` with the registered resource kinds and,
    /// when there is a stack (its environment resolved), builds them into it.
    pub fn add_resources(
        &mut self,
        stack: Option<StackId>,
        entries: &[StackResource],
    ) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
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
            diagnostics.extend(kind.add(key, value, &path, stack, self));
        }
        diagnostics
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
