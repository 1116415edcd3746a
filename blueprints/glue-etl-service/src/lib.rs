//! An example team blueprint: the `GlueEtlService` manifest kind, built out of cfsynth's
//! construct library, and a binary with cfsynth's whole CLI that knows it.
//!
//! ```yaml
//! kind: GlueEtlService
//! name: orders-etl
//! env: { account: tooling, region: us-east-1 }   # where the pipeline runs
//! script: jobs/orders.py
//! glueVersion: "4.0"
//! workers: { type: G.1X, count: 4 }
//! data: { input: s3://raw-bucket/orders/, output: s3://curated-bucket/orders/ }
//! deployTo: { account: "333333333333", region: us-east-1 }
//! ```
//!
//! becomes a job stack named after the document in `deployTo` (see [`job_stack`]) and a
//! self-mutating pipeline in `env` that tests the job and deploys it (see [`pipeline`]).
//!
//! ```
//! let registry = glue_etl_blueprint::registry();
//! assert!(registry.kinds().any(|kind| kind == "GlueEtlService"));
//! assert!(registry.kinds().any(|kind| kind == "Stack"));
//! ```

pub mod checks;
pub mod job_stack;
pub mod pipeline;
pub mod spec;

use cfsynth::app::StackRole;
use cfsynth::constructs::Scope;
use cfsynth::diagnostics::{Diagnostic, Diagnostics, codes};
use cfsynth::manifest::{Blueprint, BuildContext, Document, Origin, Registry};

use checks::keep;

pub use spec::GlueEtlServiceSpec;

/// The longest IAM role name.
const MAX_ROLE_NAME: usize = 64;

/// cfsynth's built-in kinds plus `GlueEtlService`: what the `glue-etl-cfsynth` binary
/// understands.
pub fn registry() -> Registry {
    Registry::builtin().with(GlueEtlService)
}

/// The `GlueEtlService` kind.
pub struct GlueEtlService;

impl Blueprint for GlueEtlService {
    type Spec = GlueEtlServiceSpec;
    const KIND: &'static str = "GlueEtlService";

    fn build(&self, doc: &Document<GlueEtlServiceSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        // Every problem of the document is reported: the values, both environments, names.
        let mut diagnostics = Diagnostics::new();
        let found = &mut diagnostics;
        let checked = keep(found, checks::check(&doc.spec));
        let tooling = keep(found, doc.env().and_then(|env| cx.resolve_env(env)));
        let target = keep(found, cx.resolve_env(&doc.spec.deploy_to));
        let role = job_stack::role_name(&doc.name);
        if role.len() > MAX_ROLE_NAME {
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!(
                        "the name is too long: the job role `{role}` would have {} characters, IAM allows {MAX_ROLE_NAME}",
                        role.len()
                    ),
                )
                .at(&doc.name.span)
                .expected(format!(
                    "a name of at most {} characters",
                    MAX_ROLE_NAME - (role.len() - doc.name.len())
                )),
            );
        }
        let (Some(checked), Some(tooling), Some(target)) = (checked, tooling, target) else {
            return diagnostics;
        };
        if diagnostics.has_errors() {
            return diagnostics;
        }

        let stack = cx.add_stack(&doc.name, target.clone(), StackRole::Application);
        let root = Scope::root(stack);
        cx.app_mut().stack_mut(stack).template.description =
            Some(format!("Glue job {} (GlueEtlService)", doc.name));
        cx.construct(&root, Origin::at(&doc.name.span), |app| {
            job_stack::build(app, &root, &doc.name, &checked, &tooling);
        });
        diagnostics.extend(pipeline::build(cx, doc, &checked, tooling, target));
        diagnostics
    }
}
