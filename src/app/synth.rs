//! Synthesis phases: resolve references → order stacks → validate → emit.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::assembly::{AssembledAsset, AssembledStack, Assembly, TemplateFacts};
use super::naming::logical_id;
use super::stack::{ResourceHandle, StackId, StackRole, Token};
use super::{App, SynthError, SynthErrors};
use crate::parallel::par_map_owned;
use crate::template::{Expr, Output, Template, TemplateError, Val, get_att, import_value, ref_};

/// A stack's template validated and rendered: what the assembly records about it and its
/// JSON body, or every problem found in it.
pub(crate) type Finished = Result<(TemplateFacts, String), Vec<TemplateError>>;

/// A stack's template still to finish, or finished already.
enum Pending {
    Template(Box<Template>),
    Sealed(Finished),
}

/// Validates and renders a template whose references are resolved.
fn finish(template: Template) -> Finished {
    template.validate().map_err(|found| found.0)?;
    let body = template.render_json();
    crate::template::check_body_size(&body, crate::template::Upload::S3)
        .map_err(|error| vec![error])?;
    Ok((TemplateFacts::of(&template), body))
}

/// An export a referenced stack must add for a reference from another stack.
struct ExportRequest {
    stack: StackId,
    output_id: String,
    output: Output,
}

impl App {
    /// Synthesizes every stack. Reports every problem found, not only the first.
    pub fn synth(mut self) -> Result<Assembly, SynthErrors> {
        let mut errors = std::mem::take(&mut self.errors);
        self.resolve_references(&mut errors);
        // A stack of an absorbed part that changed afterwards is resolved again here and
        // meets again a reference its part could not resolve: report that once.
        let mut unique: Vec<SynthError> = Vec::with_capacity(errors.len());
        for error in errors {
            if !unique.contains(&error) {
                unique.push(error);
            }
        }
        let mut errors = unique;
        let order = self.deploy_order(&mut errors);
        // Validating and rendering are independent per stack: spread them over the cores.
        // Each template is consumed where it is rendered, so freeing it is spread too.
        // Sealed stacks were finished while their part was built: when all were, no
        // thread is worth starting.
        let pending: Vec<Pending> = self
            .stacks
            .iter_mut()
            .map(|stack| match stack.sealed.take() {
                Some(finished) => Pending::Sealed(finished),
                None => Pending::Template(Box::new(std::mem::take(&mut stack.template))),
            })
            .collect();
        let finish_pending = |pending| match pending {
            Pending::Template(template) => finish(*template),
            Pending::Sealed(finished) => finished,
        };
        let checked: Vec<Finished> = if pending
            .iter()
            .all(|pending| matches!(pending, Pending::Sealed(_)))
        {
            pending.into_iter().map(finish_pending).collect()
        } else {
            par_map_owned(pending, finish_pending)
        };
        let mut rendered: Vec<Option<(TemplateFacts, String)>> = Vec::with_capacity(checked.len());
        for (stack, result) in self.stacks.iter().zip(checked) {
            match result {
                Ok(done) => rendered.push(Some(done)),
                Err(found) => {
                    errors.extend(found.into_iter().map(|error| SynthError::Template {
                        stack: stack.name.clone(),
                        error,
                    }));
                    rendered.push(None);
                }
            }
        }
        if !errors.is_empty() {
            return Err(SynthErrors(errors));
        }
        let mut stacks = Vec::with_capacity(order.len());
        for id in order {
            let stack = self.stack(id);
            let Some((facts, body)) = rendered[id.0].take() else {
                continue;
            };
            let dependencies = stack
                .depends_on
                .iter()
                .map(|dep| AssembledStack::id_of(self.stack(*dep)))
                .collect();
            let roles = self.account_roles(stack.env.account());
            stacks.push(AssembledStack::new(stack, facts, body, dependencies, roles));
        }
        let assets = self
            .assets()
            .map(|(stack, asset)| AssembledAsset::new(self.stack(stack), asset))
            .collect();
        Ok(Assembly { stacks, assets })
    }

    /// Resolves the references between this app's stacks now rather than in
    /// [`App::synth`], so that the app can be [absorbed](App::absorb) into another: the
    /// tokens in its templates name its own stacks by position. Problems are reported by
    /// the synthesis of the app that absorbs it.
    pub fn resolve_own_references(&mut self) {
        let mut errors = std::mem::take(&mut self.errors);
        self.resolve_references(&mut errors);
        self.errors = errors;
        for stack in &mut self.stacks[self.resolved_before..] {
            stack.resolved = true;
        }
        self.resolved_before = self.stacks.len();
    }

    /// Validates and renders every stack whose references are resolved, and frees its
    /// tree: [`App::synth`] then only collects the result. A part of self-contained
    /// documents seals each document's stacks once it is built, so that the trees of one
    /// document at a time are in memory rather than those of all. Nothing is sealed while
    /// the app has errors (tokens may be left that absorbing must shift). A sealed stack
    /// must not change afterwards.
    pub(crate) fn seal_resolved(&mut self) {
        if !self.errors.is_empty() {
            return;
        }
        for stack in &mut self.stacks[self.sealed_before..] {
            if stack.resolved && stack.sealed.is_none() {
                stack.sealed = Some(finish(std::mem::take(&mut stack.template)));
            }
        }
        while self
            .stacks
            .get(self.sealed_before)
            .is_some_and(|stack| stack.sealed.is_some())
        {
            self.sealed_before += 1;
        }
    }

    /// Replaces every reference token: `Ref`/`GetAtt` within a stack, an export and
    /// `Fn::ImportValue` across stacks of one environment, an error otherwise.
    fn resolve_references(&mut self, errors: &mut Vec<SynthError>) {
        let mut exports: Vec<ExportRequest> = Vec::new();
        for index in self.resolved_before..self.stacks.len() {
            if self.stacks[index].resolved {
                continue;
            }
            let from = StackId(index);
            let mut template = std::mem::take(&mut self.stacks[index].template);
            let mut resolver = Resolver {
                app: self,
                from,
                exports: &mut exports,
                errors,
                depends_on: Vec::new(),
            };
            resolver.template(&mut template);
            let depends_on = std::mem::take(&mut resolver.depends_on);
            self.stacks[index].template = template;
            for on in depends_on {
                self.add_dependency(from, on);
            }
        }
        for request in exports {
            errors.extend(self.changed_after_finishing(request.stack));
            self.stacks[request.stack.0]
                .template
                .outputs
                .entry(request.output_id)
                .or_insert(request.output);
        }
    }

    /// Stacks in deploy order: dependencies first, then by role (bootstrap → support →
    /// pipeline → application), then in the order they were added.
    fn deploy_order(&self, errors: &mut Vec<SynthError>) -> Vec<StackId> {
        // Kahn's algorithm, taking the ready stack with the smallest (role, id) each time.
        let count = self.stacks.len();
        let mut waiting_on: Vec<usize> = self
            .stacks
            .iter()
            .map(|stack| stack.depends_on.len())
            .collect();
        let mut dependents: Vec<Vec<StackId>> = vec![Vec::new(); count];
        for (id, stack) in self.stacks() {
            for dep in &stack.depends_on {
                dependents[dep.0].push(id);
            }
        }
        let mut ready: BinaryHeap<Reverse<(StackRole, StackId)>> = self
            .stacks()
            .filter(|(id, _)| waiting_on[id.0] == 0)
            .map(|(id, stack)| Reverse((stack.role, id)))
            .collect();
        let mut order: Vec<StackId> = Vec::with_capacity(count);
        while let Some(Reverse((_, id))) = ready.pop() {
            order.push(id);
            for dependent in &dependents[id.0] {
                waiting_on[dependent.0] -= 1;
                if waiting_on[dependent.0] == 0 {
                    ready.push(Reverse((self.stack(*dependent).role, *dependent)));
                }
            }
        }
        if order.len() < count {
            let remaining: Vec<StackId> = self
                .stacks()
                .map(|(id, _)| id)
                .filter(|id| waiting_on[id.0] > 0)
                .collect();
            errors.push(SynthError::StackCycle {
                cycle: self.stack_cycle(&remaining),
            });
        }
        order
    }

    /// A cycle among `remaining` stacks (each of which waits for another of them).
    fn stack_cycle(&self, remaining: &[StackId]) -> Vec<String> {
        let mut path: Vec<StackId> = vec![remaining[0]];
        loop {
            let current = path[path.len() - 1];
            let Some(next) = self
                .stack(current)
                .depends_on
                .iter()
                .find(|dep| remaining.contains(dep))
                .copied()
            else {
                break;
            };
            if let Some(start) = path.iter().position(|id| *id == next) {
                let mut cycle: Vec<String> = path[start..]
                    .iter()
                    .map(|id| self.stack(*id).name.clone())
                    .collect();
                cycle.push(self.stack(next).name.clone());
                return cycle;
            }
            path.push(next);
        }
        path.iter().map(|id| self.stack(*id).name.clone()).collect()
    }
}

struct Resolver<'a> {
    app: &'a App,
    from: StackId,
    exports: &'a mut Vec<ExportRequest>,
    errors: &'a mut Vec<SynthError>,
    depends_on: Vec<StackId>,
}

impl Resolver<'_> {
    fn template(&mut self, template: &mut Template) {
        visit_values(template, &mut |value| self.value(value));
    }

    fn value(&mut self, value: &mut Json) {
        if let Some(resolved) = Token::decode(value).map(|token| self.resolve(token)) {
            // An unresolvable token stays as it is: its error is reported once, and the
            // template validator does not report it again as an unknown `Ref`.
            if let Some(resolved) = resolved {
                *value = resolved;
            }
            return;
        }
        match value {
            Json::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Json::Object(map) => map.values_mut().for_each(|item| self.value(item)),
            _ => {}
        }
    }

    fn resolve(&mut self, token: Token<'_>) -> Option<Json> {
        let local = match token.attribute {
            Some(attribute) => get_att::<String>(token.logical_id, attribute),
            None => ref_::<String>(token.logical_id),
        };
        if token.stack == self.from {
            return Some(local.into_node());
        }
        let from = self.app.stack(self.from);
        let target = match token.attribute {
            Some(attribute) => format!("{}.{attribute}", token.logical_id),
            None => token.logical_id.to_owned(),
        };
        // A handle made by another app names a stack this one may not have.
        let Some(to) = self.app.stacks.get(token.stack.0) else {
            self.errors.push(SynthError::DanglingReference {
                stack: from.name.clone(),
                target_stack: format!("#{} (not a stack of this app)", token.stack.0),
                target,
            });
            return None;
        };
        if !to.owners.contains_key(token.logical_id) {
            self.errors.push(SynthError::DanglingReference {
                stack: from.name.clone(),
                target_stack: to.name.clone(),
                target,
            });
            return None;
        }
        if from.env != to.env {
            self.errors.push(SynthError::CrossEnvironmentReference {
                from_stack: from.name.clone(),
                from_env: from.env.clone(),
                to_stack: to.name.clone(),
                to_env: to.env.clone(),
                target,
            });
            return None;
        }
        let attribute = token.attribute.unwrap_or("");
        let export_name = match token.attribute {
            Some(attribute) => format!("{}:{}:{attribute}", to.name, token.logical_id),
            None => format!("{}:{}", to.name, token.logical_id),
        };
        self.exports.push(ExportRequest {
            stack: token.stack,
            output_id: logical_id(&["Export", token.logical_id, attribute]),
            output: Output::new(local).exported_as(export_name.clone()),
        });
        self.depends_on.push(token.stack);
        Some(import_value(export_name).into_node())
    }
}

/// Calls `visit` on every part of a template that may hold reference tokens: resource
/// properties and attributes, outputs and conditions.
fn visit_values(template: &mut Template, visit: &mut impl FnMut(&mut Json)) {
    for resource in template.resources.values_mut() {
        for value in resource.properties.values_mut() {
            visit(value);
        }
        for value in [
            &mut resource.metadata,
            &mut resource.creation_policy,
            &mut resource.update_policy,
        ]
        .into_iter()
        .flatten()
        {
            visit(value);
        }
    }
    for output in template.outputs.values_mut() {
        for value in [Some(&mut output.value), output.export.as_mut()]
            .into_iter()
            .flatten()
        {
            if let Val::Expr(expr) = value {
                let mut node = expr.node().clone();
                visit(&mut node);
                *value = Val::Expr(Expr::from_node(node));
            }
        }
    }
    for condition in template.conditions.values_mut() {
        let mut node = condition.node().clone();
        visit(&mut node);
        *condition = Expr::from_node(node);
    }
}

/// Moves the tokens left in a template (references that could not be resolved) from
/// stack `n` to stack `n + offset`, for an app absorbed after `offset` stacks.
pub(super) fn shift_tokens(template: &mut Template, offset: usize) {
    fn shift(value: &mut Json, offset: usize) {
        if let Some(token) = Token::decode(value) {
            *value = ResourceHandle::new(StackId(token.stack.0 + offset), token.logical_id)
                .token(token.attribute);
            return;
        }
        match value {
            Json::Array(items) => items.iter_mut().for_each(|item| shift(item, offset)),
            Json::Object(map) => map.values_mut().for_each(|item| shift(item, offset)),
            _ => {}
        }
    }
    visit_values(template, &mut |value| shift(value, offset));
}

/// Parameters of a template with their defaults, as recorded in the assembly.
pub(super) fn parameter_defaults(template: &Template) -> IndexMap<String, Option<Json>> {
    template
        .parameters
        .iter()
        .map(|(name, parameter)| (name.clone(), parameter.default.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;
    use crate::app::Environment;
    use crate::template::Resource;

    #[test]
    fn a_change_to_a_finished_stack_is_an_error_not_lost() {
        let env = Environment::new("111111111111", "eu-west-1").expect("valid environment");
        let mut app = App::new();
        let stack = app.add_stack("jobs", env, StackRole::Application);
        let topic = Resource::raw("AWS::SNS::Topic", Map::new());
        let handle = app.add_resource(stack, "jobs/topic", "Topic", topic.clone());
        app.resolve_own_references();
        app.seal_resolved();
        assert!(app.stack(stack).sealed.is_some());
        app.add_resource(stack, "jobs/late", "Late", topic);
        assert!(app.resource_mut(&handle).is_none());
        let errors = app
            .synth()
            .expect_err("the stack changed after it was finished");
        assert_eq!(
            errors.0,
            [SynthError::ChangedAfterFinishing {
                stack: "jobs".into()
            }]
        );
    }
}
