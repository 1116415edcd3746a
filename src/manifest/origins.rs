//! Where stacks and resources were written, so that synthesis errors (which know stack
//! names and logical IDs) point into the manifests.

use indexmap::IndexMap;

use super::located::Located;
use super::node::{Node, Step};
use crate::app::SynthError;
use crate::diagnostics::{Diagnostic, Span, codes};
use crate::template::TemplateError;

/// Where a resource was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    /// The manifest entry that made it.
    pub span: Span,
    /// A node whose keys mirror the resource's template attributes in camelCase
    /// (`properties`, `dependsOn`, …), as a raw `cfn` entry has: template errors inside
    /// the resource then point at the exact value.
    pub node: Option<Node>,
}

impl Origin {
    /// A resource made by the entry at `span`.
    pub fn at(span: &Span) -> Origin {
        Origin {
            span: span.clone(),
            node: None,
        }
    }

    /// Sets the node that mirrors the resource's template attributes.
    pub fn mirrored_by(mut self, node: &Node) -> Origin {
        self.node = Some(node.clone());
        self
    }
}

/// Stack name → where each stack of that name was written; (stack, logical ID) → where
/// each resource with that ID was written; (stack, construct path) → where each construct
/// at that path was written (a resource whose logical ID was taken is not in the stack, but
/// its construct is known by the collision error).
#[derive(Default)]
pub(crate) struct Origins {
    stacks: IndexMap<String, Vec<Span>>,
    resources: IndexMap<(String, String), Vec<Origin>>,
    owners: IndexMap<(String, String), Vec<Origin>>,
}

impl Origins {
    /// Adds the origins recorded by a part built apart, after this one's.
    pub fn absorb(&mut self, part: Origins) {
        // Into nothing yet (the first part): taken whole rather than entry by entry, on the
        // one thread that absorbs every part.
        if self.stacks.is_empty() && self.resources.is_empty() && self.owners.is_empty() {
            *self = part;
            return;
        }
        self.stacks.reserve(part.stacks.len());
        self.resources.reserve(part.resources.len());
        self.owners.reserve(part.owners.len());
        for (name, spans) in part.stacks {
            self.stacks.entry(name).or_default().extend(spans);
        }
        for (key, origins) in part.resources {
            self.resources.entry(key).or_default().extend(origins);
        }
        for (key, origins) in part.owners {
            self.owners.entry(key).or_default().extend(origins);
        }
    }

    pub fn add_stack(&mut self, name: &Located<String>) {
        self.stacks
            .entry(name.value.clone())
            .or_default()
            .push(name.span.clone());
    }

    pub fn add_resource(&mut self, stack: &str, logical_id: &str, origin: Origin) {
        self.resources
            .entry((stack.to_owned(), logical_id.to_owned()))
            .or_default()
            .push(origin);
    }

    pub fn add_owner(&mut self, stack: &str, owner: &str, origin: Origin) {
        self.owners
            .entry((stack.to_owned(), owner.to_owned()))
            .or_default()
            .push(origin);
    }

    fn owner(&self, stack: &str, owner: &str) -> &[Origin] {
        self.owners
            .get(&(stack.to_owned(), owner.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    fn stack(&self, name: &str) -> Option<&Span> {
        self.stacks.get(name).and_then(|spans| spans.last())
    }

    fn resource(&self, stack: &str, logical_id: &str) -> &[Origin] {
        self.resources
            .get(&(stack.to_owned(), logical_id.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// The diagnostic for a synthesis error, located where possible.
    pub fn diagnostic(&self, error: &SynthError) -> Diagnostic {
        let message = error.to_string();
        let (diagnostic, span) = match error {
            SynthError::DuplicateStack { name, .. } => {
                let spans = self.stacks.get(name).map_or(&[][..], Vec::as_slice);
                let diagnostic = Diagnostic::error(codes::DUPLICATE_STACK, message)
                    .help("give one of the documents another name or environment");
                match spans {
                    [first, .., last] => (
                        diagnostic.note(format!("first defined at {first}")),
                        Some(last),
                    ),
                    _ => (diagnostic, spans.first()),
                }
            }
            SynthError::DuplicateLogicalId {
                stack,
                logical_id,
                first,
                second,
            } => {
                let message =
                    format!("stack `{stack}` has two resources with the logical ID `{logical_id}`");
                let diagnostic = Diagnostic::error(codes::DUPLICATE_LOGICAL_ID, message)
                    .help("give one of the resources another `name`");
                // The resource that did not get the ID is known by its construct only.
                let origins = self.resource(stack, logical_id);
                let first = origins
                    .first()
                    .or_else(|| self.owner(stack, first).first())
                    .map(|origin| &origin.span);
                let second = match origins {
                    [_, .., last] => Some(&last.span),
                    _ => self.owner(stack, second).last().map(|origin| &origin.span),
                };
                match (first, second) {
                    (Some(first), Some(second)) if first != second => (
                        diagnostic.note(format!("`{logical_id}` is first defined at {first}")),
                        Some(second),
                    ),
                    _ => (diagnostic, first.or(second)),
                }
            }
            SynthError::CrossEnvironmentReference { from_stack, .. } => (
                Diagnostic::error(codes::CROSS_ENVIRONMENT_REFERENCE, message),
                self.stack(from_stack),
            ),
            SynthError::DanglingReference { stack, .. } => (
                Diagnostic::error(codes::DANGLING_REFERENCE, message),
                self.stack(stack),
            ),
            SynthError::StackCycle { .. } => (Diagnostic::error(codes::STACK_CYCLE, message), None),
            SynthError::ChangedAfterFinishing { stack } => (
                Diagnostic::error(codes::CHANGED_AFTER_FINISHING, message),
                self.stack(stack),
            ),
            SynthError::Template { stack, error } => {
                let span = self
                    .template_span(stack, error)
                    .or_else(|| self.stack(stack));
                (Diagnostic::error(codes::INVALID_TEMPLATE, message), span)
            }
        };
        match span {
            Some(span) => diagnostic.at(span),
            None => diagnostic,
        }
    }

    /// The manifest position of a template error inside a resource.
    fn template_span(&self, stack: &str, error: &TemplateError) -> Option<&Span> {
        let at = match error {
            TemplateError::UnknownRef { at, .. }
            | TemplateError::UnknownGetAttResource { at, .. }
            | TemplateError::UnknownAttribute { at, .. }
            | TemplateError::UnknownDependsOn { at, .. }
            | TemplateError::UnknownCondition { at, .. }
            | TemplateError::UnknownMapping { at, .. }
            | TemplateError::MalformedIntrinsic { at, .. } => at.to_string(),
            TemplateError::InvalidLogicalId {
                section: "Resources",
                id,
            } => format!("Resources.{id}"),
            TemplateError::InvalidLogicalId { .. }
            | TemplateError::DependencyCycle { .. }
            | TemplateError::LimitExceeded { .. }
            | TemplateError::BodyTooLarge { .. } => return None,
        };
        let mut parts = at.split('.');
        if parts.next() != Some("Resources") {
            return None;
        }
        let origin = self.resource(stack, parts.next()?).first()?;
        let Some(node) = &origin.node else {
            return Some(&origin.span);
        };
        // `Properties.Tags[0].Key` → `properties`, `Tags`, 0, `Key`: the first part is a
        // template attribute, whose manifest key is its camelCase.
        let mut steps: Vec<(String, Vec<usize>)> = Vec::new();
        for part in parts {
            let (key, indices) = part.split_once('[').unwrap_or((part, ""));
            let key = match steps.is_empty() {
                true => camel_case(key),
                false => key.to_owned(),
            };
            let indices = indices
                .split('[')
                .filter_map(|index| index.trim_end_matches(']').parse().ok())
                .collect();
            steps.push((key, indices));
        }
        let Some((attribute, _)) = steps.first() else {
            return Some(&origin.span);
        };
        if node.get(attribute).is_none() {
            return Some(&origin.span);
        }
        let path: Vec<Step<'_>> = steps
            .iter()
            .flat_map(|(key, indices)| {
                std::iter::once(Step::Key(key))
                    .chain(indices.iter().map(|index| Step::Index(*index)))
            })
            .collect();
        Some(&node.find(&path).span)
    }
}

/// `DependsOn` → `dependsOn`.
fn camel_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
