//! `kind: Stack`: a CloudFormation stack of resources in one environment.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::app::StackRole;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::{Blueprint, BuildContext, Document, StackResource};

/// A CloudFormation stack of resources, deployed to one environment. The stack is named
/// after the document.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StackSpec {
    /// The template's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether CloudFormation refuses to delete the stack.
    #[serde(default)]
    pub termination_protection: bool,
    /// The resources, each `- <kind>: {…}`; `- cfn: { type, properties }` takes any
    /// CloudFormation resource type.
    pub resources: Vec<StackResource>,
}

/// The `Stack` kind.
pub struct StackKind;

impl Blueprint for StackKind {
    type Spec = StackSpec;
    const KIND: &'static str = "Stack";

    fn build(&self, doc: &Document<StackSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let stack = match doc.env().and_then(|env| cx.resolve_env(env)) {
            Ok(env) => {
                let stack = cx.add_stack(&doc.name, env, StackRole::Application);
                let target = cx.app_mut().stack_mut(stack);
                target.template.description = doc.spec.description.clone();
                target.termination_protection = doc.spec.termination_protection;
                Some(stack)
            }
            Err(errors) => {
                diagnostics.extend(errors);
                None
            }
        };
        if doc.spec.resources.is_empty() {
            let span = doc
                .node
                .entry("resources")
                .map_or(&doc.name.span, |(key, _)| &key.span);
            diagnostics.push(
                Diagnostic::error(codes::INVALID_VALUE, "a stack needs at least one resource")
                    .at(span)
                    .help("add an entry such as `- cfn: { type: AWS::SQS::Queue }`"),
            );
        }
        diagnostics.extend(cx.add_resources(stack, &doc.spec.resources));
        diagnostics
    }
}
