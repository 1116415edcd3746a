//! The registry of document kinds and resource kinds, and the run from manifests to an
//! app and an assembly.

use std::sync::Arc;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value as Json;

use super::blueprint::{Blueprint, BuildContext, EntryRef, EnvPolicy, ResourceEntry, ResourceKind};
use super::de::from_node;
use super::document::{Document, HEADER_FIELDS, Header, check_kebab_case};
use super::kinds::glue::{
    GlueConnection, GlueCrawler, GlueDatabase, GlueJob, GlueSecurityConfiguration, GlueTrigger,
    GlueWorkflow,
};
use super::kinds::resources::{
    CodeBuildProject, IamManagedPolicy, IamRole, KmsKey, S3Bucket, SnsTopic,
};
use super::kinds::{
    AccountsKind, CfnResource, LakePermissionsKind, PipelineKind, PortfolioKind, StackKind,
};
use super::load::Manifests;
use super::located::Located;
use super::node::{Node, Value};
use super::origins::Origins;
use super::schema;
use crate::app::{App, Assembly, StackId};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::parallel::{par_chunks, par_map};
use crate::template::closest;

/// The kinds a run understands. Start from [`Registry::builtin`] and register a team's own
/// kinds; a kind or key registered again replaces the earlier one.
pub struct Registry {
    kinds: IndexMap<&'static str, Box<dyn AnyBlueprint>>,
    resources: IndexMap<&'static str, Box<dyn AnyResourceKind>>,
}

/// What [`Registry::build`] made: the app, or everything that is wrong.
pub struct Build {
    /// The app with every stack the documents built.
    pub app: App,
    /// Every problem found (the app is incomplete when there are errors).
    pub diagnostics: Diagnostics,
    origins: Origins,
}

impl Build {
    /// Synthesizes the app unless there are errors already; synthesis errors point into
    /// the manifests where possible. On failure, every diagnostic is returned (warnings
    /// too); on success nothing is: show [`Build::diagnostics`] (warnings) before calling
    /// this.
    pub fn synth(self) -> Result<Assembly, Diagnostics> {
        let mut diagnostics = self.diagnostics;
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        match self.app.synth() {
            Ok(assembly) => Ok(assembly),
            Err(errors) => {
                diagnostics.extend(errors.0.iter().map(|error| self.origins.diagnostic(error)));
                diagnostics.sort();
                Err(diagnostics)
            }
        }
    }
}

impl Registry {
    /// No kinds at all.
    pub fn empty() -> Registry {
        Registry {
            kinds: IndexMap::new(),
            resources: IndexMap::new(),
        }
    }

    /// The kinds cfsynth ships: `Accounts`, `Stack` and `Pipeline`; and the resource
    /// entries of stacks: `cfn` (any CloudFormation type) and the typed `iam/role`,
    /// `iam/managed-policy`, `kms/key`, `s3/bucket`, `sns/topic` and `codebuild/project`
    /// (see [`kinds::resources`](super::kinds::resources)), and the `glue/*` entries (see
    /// [`kinds::glue`](super::kinds::glue)).
    pub fn builtin() -> Registry {
        let mut registry = Registry::empty();
        registry.register(AccountsKind);
        registry.register(StackKind);
        registry.register(PipelineKind);
        registry.register(PortfolioKind);
        registry.register(LakePermissionsKind);
        registry.register_resource(CfnResource);
        registry.register_resource(IamRole);
        registry.register_resource(IamManagedPolicy);
        registry.register_resource(KmsKey);
        registry.register_resource(S3Bucket);
        registry.register_resource(SnsTopic);
        registry.register_resource(CodeBuildProject);
        registry.register_resource(GlueDatabase);
        registry.register_resource(GlueSecurityConfiguration);
        registry.register_resource(GlueConnection);
        registry.register_resource(GlueJob);
        registry.register_resource(GlueCrawler);
        registry.register_resource(GlueWorkflow);
        registry.register_resource(GlueTrigger);
        registry
    }

    /// The registry with one more document kind, for `Registry::builtin().with(MyKind)`.
    pub fn with<B: Blueprint>(mut self, blueprint: B) -> Registry {
        self.register(blueprint);
        self
    }

    /// Adds a document kind.
    pub fn register<B: Blueprint>(&mut self, blueprint: B) -> &mut Self {
        self.kinds.insert(B::KIND, Box::new(Erased(blueprint)));
        self
    }

    /// Adds a kind of stack resource entry.
    pub fn register_resource<R: ResourceKind>(&mut self, kind: R) -> &mut Self {
        self.resources.insert(R::KEY, Box::new(Erased(kind)));
        self
    }

    /// The document kinds, in registration order.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.keys().copied()
    }

    /// The resource entry keys, in registration order.
    pub fn resource_keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.resources.keys().copied()
    }

    pub(crate) fn resource_kind(&self, key: &str) -> Option<&dyn AnyResourceKind> {
        self.resources.get(key).map(Box::as_ref)
    }

    /// Reads every document and builds it into a new app: every document is declared,
    /// then every document is built, and every problem is collected (sorted by position).
    pub fn build(&self, manifests: &Manifests) -> Build {
        self.build_with(manifests, false)
    }

    /// Like [`Registry::build`], for a build synthesized right away without changing its
    /// app: the stacks of self-contained documents that no other document comes after are
    /// validated and rendered as each document is built (see `App::seal_resolved`), so
    /// that only a few documents' templates are in memory at a time.
    pub(crate) fn build_to_synth(&self, manifests: &Manifests) -> Build {
        self.build_with(manifests, true)
    }

    fn build_with(&self, manifests: &Manifests, seal: bool) -> Build {
        let mut diagnostics = manifests.diagnostics().clone();
        let mut cx = BuildContext::new(self);
        let mut documents: Vec<Box<dyn AnyDocument + '_>> = Vec::new();
        let mut names: IndexMap<(&'static str, String), Located<String>> = IndexMap::new();
        // Documents are read into their kinds' types independently: on every core.
        let parsed = par_map(manifests.documents(), |node| self.parse(node));
        for parsed in parsed {
            match parsed {
                Ok((kind, document)) => {
                    let name = document.name();
                    match names.get(&(kind, name.value.clone())) {
                        Some(first) => diagnostics.push(
                            Diagnostic::error(
                                codes::DUPLICATE_NAME,
                                format!("there are two `{kind}` documents named `{name}`"),
                            )
                            .at(&name.span)
                            .note(format!("the first is at {}", first.span))
                            .help("rename one of them"),
                        ),
                        None => {
                            names.insert((kind, name.value.clone()), name.clone());
                            documents.push(document);
                        }
                    }
                }
                Err(errors) => {
                    cx.accounts_mut().mark_incomplete();
                    diagnostics.extend(errors);
                }
            }
        }
        for document in &documents {
            diagnostics.extend(document.declare(&mut cx));
        }
        // Runs of self-contained documents build in parallel, the others in the shared
        // context; either way in document order.
        let mut rest: &[Box<dyn AnyDocument + '_>] = &documents;
        while let Some(first) = rest.first() {
            if !first.self_contained() {
                diagnostics.extend(first.build(&mut cx));
                rest = &rest[1..];
                continue;
            }
            let run = rest
                .iter()
                .position(|document| !document.self_contained())
                .unwrap_or(rest.len());
            let seed = cx.seed();
            // Nothing built later can change the stacks of the last run.
            let seal = seal && run == rest.len();
            let parts = par_chunks(&rest[..run], |documents| {
                let mut part = seed.context();
                let mut found = Diagnostics::new();
                for document in documents {
                    found.extend(document.build(&mut part));
                    if seal {
                        part.seal_built();
                    }
                }
                (part.into_part(), found)
            });
            for (part, found) in parts {
                cx.absorb(part);
                diagnostics.extend(found);
            }
            rest = &rest[run..];
        }
        diagnostics.sort();
        let (app, origins) = cx.finish();
        Build {
            app,
            diagnostics,
            origins,
        }
    }

    /// Builds and synthesizes: the assembly, or every problem found.
    pub fn synth(&self, manifests: &Manifests) -> Result<Assembly, Diagnostics> {
        self.build_to_synth(manifests).synth()
    }

    /// The JSON Schema of a manifest document: one of the registered kinds, told apart by
    /// `kind`.
    pub fn schema(&self) -> Json {
        let mut generator = schema::generator();
        let kinds: Vec<Json> = self
            .kinds
            .iter()
            .map(|(kind, blueprint)| blueprint.schema(kind, &mut generator))
            .collect();
        let resources: Vec<(&str, Schema)> = self
            .resources
            .iter()
            .map(|(key, kind)| (*key, kind.schema(&mut generator)))
            .collect();
        schema::document(generator, kinds, resources)
    }

    fn parse(
        &self,
        node: &Arc<Node>,
    ) -> Result<(&'static str, Box<dyn AnyDocument + '_>), Diagnostics> {
        if !matches!(node.value, Value::Mapping(_)) {
            return Err(
                Diagnostic::error(codes::INVALID_TYPE, "a document must be a mapping")
                    .at(&node.span)
                    .expected("a mapping with `kind` and `name`")
                    .found(node.describe())
                    .into(),
            );
        }
        let header: Header = from_node(node, "", None, &[])
            .map_err(|errors| misspelled_header(node).unwrap_or(errors))?;
        let Some((kind, blueprint)) = self.kinds.get_key_value(header.kind.as_str()) else {
            let known: Vec<String> = self.kinds().map(|kind| format!("`{kind}`")).collect();
            return Err(Diagnostic::error(
                codes::UNKNOWN_KIND,
                format!("unknown kind `{}`", header.kind),
            )
            .at(&header.kind.span)
            .expected(format!("one of {}", known.join(", ")))
            .did_you_mean(closest(&header.kind, self.kinds()))
            .into());
        };
        check_kebab_case(&header.name, "name")?;
        match (blueprint.env(), &header.env) {
            (EnvPolicy::Required, None) => {
                return Err(Diagnostic::error(codes::MISSING_FIELD, "missing field `env`")
                    .at(&header.kind.span)
                    .help(format!("`{kind}` documents deploy somewhere: add `env: {{ account: …, region: … }}`"))
                    .into());
            }
            (EnvPolicy::Forbidden, Some(env)) => {
                let key = node
                    .entry("env")
                    .map_or(&env.account.span, |(key, _)| &key.span);
                return Err(
                    Diagnostic::error(codes::UNKNOWN_FIELD, "unknown field `env`")
                        .at(key)
                        .help(format!(
                            "`{kind}` documents have no environment: remove `env`"
                        ))
                        .into(),
                );
            }
            _ => {}
        }
        Ok((kind, blueprint.parse(header, node)?))
    }
}

/// When `kind` or `name` is missing, a key that looks like a misspelling of it.
fn misspelled_header(node: &Node) -> Option<Diagnostics> {
    let Value::Mapping(entries) = &node.value else {
        return None;
    };
    let missing: Vec<&str> = ["kind", "name"]
        .into_iter()
        .filter(|field| node.get(field).is_none())
        .collect();
    entries.iter().find_map(|(key, _)| {
        let name = key.as_key();
        if HEADER_FIELDS.contains(&&*name) {
            return None;
        }
        let suggestion = closest(&name, missing.iter().copied())?;
        Some(
            Diagnostic::error(codes::UNKNOWN_FIELD, format!("unknown field `{name}`"))
                .at(&key.span)
                .did_you_mean(Some(suggestion))
                .into(),
        )
    })
}

/// A document kind without its type.
trait AnyBlueprint: Send + Sync {
    fn env(&self) -> EnvPolicy;
    fn parse<'r>(
        &'r self,
        header: Header,
        node: &Arc<Node>,
    ) -> Result<Box<dyn AnyDocument + 'r>, Diagnostics>;
    fn schema(&self, kind: &str, generator: &mut SchemaGenerator) -> Json;
}

/// A parsed document without its type.
trait AnyDocument: Send + Sync {
    fn name(&self) -> &Located<String>;
    fn self_contained(&self) -> bool;
    fn declare(&self, cx: &mut BuildContext<'_>) -> Diagnostics;
    fn build(&self, cx: &mut BuildContext<'_>) -> Diagnostics;
}

/// A resource kind without its type.
pub(crate) trait AnyResourceKind: Send + Sync {
    /// The entry key.
    fn key(&self) -> &'static str;
    /// Reads an entry (the value under the key at `path`).
    fn parse<'r>(
        &'r self,
        key: &Node,
        value: &Node,
        path: &str,
    ) -> Result<Box<dyn AnyEntry + 'r>, Diagnostics>;
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema;
}

/// A parsed resource entry without its type.
pub(crate) trait AnyEntry {
    /// The entry key.
    fn kind(&self) -> &'static str;
    /// The name other entries refer to it by.
    fn name(&self) -> Option<&Located<String>>;
    /// The entries it refers to.
    fn references(&self) -> Vec<EntryRef<'_>>;
    /// Builds it into `stack`.
    fn build(self: Box<Self>, stack: StackId, cx: &mut BuildContext<'_>) -> Diagnostics;
}

/// Erases the type of a [`Blueprint`] or [`ResourceKind`].
struct Erased<T>(T);

struct Parsed<'r, B: Blueprint> {
    blueprint: &'r B,
    document: Document<B::Spec>,
}

impl<B: Blueprint> AnyBlueprint for Erased<B> {
    fn env(&self) -> EnvPolicy {
        B::ENV
    }

    fn parse<'r>(
        &'r self,
        header: Header,
        node: &Arc<Node>,
    ) -> Result<Box<dyn AnyDocument + 'r>, Diagnostics> {
        let spec = from_node(node, "", None, HEADER_FIELDS)?;
        Ok(Box::new(Parsed {
            blueprint: &self.0,
            document: Document {
                name: header.name,
                env: header.env,
                spec,
                node: Arc::clone(node),
            },
        }))
    }

    fn schema(&self, kind: &str, generator: &mut SchemaGenerator) -> Json {
        let spec = B::Spec::json_schema(generator);
        schema::kind(kind, B::ENV, spec, generator)
    }
}

impl<B: Blueprint> AnyDocument for Parsed<'_, B> {
    fn name(&self) -> &Located<String> {
        &self.document.name
    }

    fn self_contained(&self) -> bool {
        B::SELF_CONTAINED
    }

    fn declare(&self, cx: &mut BuildContext<'_>) -> Diagnostics {
        self.blueprint.declare(&self.document, cx)
    }

    fn build(&self, cx: &mut BuildContext<'_>) -> Diagnostics {
        self.blueprint.build(&self.document, cx)
    }
}

impl<R: ResourceKind> AnyResourceKind for Erased<R> {
    fn key(&self) -> &'static str {
        R::KEY
    }

    fn parse<'r>(
        &'r self,
        key: &Node,
        value: &Node,
        path: &str,
    ) -> Result<Box<dyn AnyEntry + 'r>, Diagnostics> {
        let spec = from_node(value, path, Some(key), &[])?;
        Ok(Box::new(ParsedEntry {
            kind: &self.0,
            key: Located::new(key.as_key().into_owned(), key.span.clone()),
            spec,
            node: value.clone(),
        }))
    }

    fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<R::Spec>()
    }
}

/// A resource entry read by its kind, not yet built.
struct ParsedEntry<'r, R: ResourceKind> {
    kind: &'r R,
    key: Located<String>,
    spec: R::Spec,
    node: Node,
}

impl<R: ResourceKind> AnyEntry for ParsedEntry<'_, R> {
    fn kind(&self) -> &'static str {
        R::KEY
    }

    fn name(&self) -> Option<&Located<String>> {
        R::name(&self.spec)
    }

    fn references(&self) -> Vec<EntryRef<'_>> {
        R::references(&self.spec)
    }

    fn build(self: Box<Self>, stack: StackId, cx: &mut BuildContext<'_>) -> Diagnostics {
        let ParsedEntry {
            kind,
            key,
            spec,
            node,
        } = *self;
        let entry = ResourceEntry {
            key,
            spec,
            node,
            stack,
        };
        kind.build(&entry, cx)
    }
}
