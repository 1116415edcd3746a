//! Wiring checks made at synthesis, before any template is written: artifacts, names,
//! variables and CodePipeline's limits.

use indexmap::{IndexMap, IndexSet};

use super::Stage;
use super::action::{Action, ActionKind};
use crate::constructs::ConstructError;

/// Stages in a pipeline (CodePipeline quota).
pub const MAX_STAGES: usize = 50;
/// Actions in a stage (CodePipeline quota).
pub const MAX_ACTIONS_PER_STAGE: usize = 50;
/// Highest run order of an action.
pub const MAX_RUN_ORDER: u32 = 999;

/// Namespaces every pipeline has: pipeline-level variables and execution metadata.
const BUILTIN_NAMESPACES: [&str; 2] = ["variables", "codepipeline"];

/// Checks the stages of the pipeline `pipeline`; returns every problem found.
pub fn check_stages(
    pipeline: &str,
    stages: &[Stage],
    targets: &IndexSet<String>,
) -> Vec<ConstructError> {
    let mut errors = Vec::new();
    let mut error =
        |path: String, message: String| errors.push(ConstructError::invalid(path, message));
    if stages.len() < 2 {
        error(
            pipeline.to_owned(),
            format!(
                "a pipeline needs at least 2 stages (a source stage and one more), found {}",
                stages.len()
            ),
        );
    }
    if stages.len() > MAX_STAGES {
        error(
            pipeline.to_owned(),
            format!(
                "{} stages; CodePipeline allows {MAX_STAGES} ({} over)",
                stages.len(),
                stages.len() - MAX_STAGES
            ),
        );
    }
    // Artifact → the (stage index, run order, action path) that produces it.
    let mut produced: IndexMap<&str, (usize, u32, String)> = IndexMap::new();
    // Namespace → (stage index, run order).
    let mut namespaces: IndexMap<&str, (usize, u32)> = IndexMap::new();
    let mut stage_names: IndexSet<&str> = IndexSet::new();
    for (stage_index, stage) in stages.iter().enumerate() {
        let stage_path = format!("{pipeline}/{}", stage.name);
        if !stage_names.insert(&stage.name) {
            error(
                stage_path.clone(),
                format!("stage name `{}` is used twice", stage.name),
            );
        }
        check_name(&stage.name, "stage name", &stage_path, &mut error);
        if stage.actions.is_empty() {
            error(
                stage_path.clone(),
                "a stage needs at least one action".into(),
            );
        }
        if stage.actions.len() > MAX_ACTIONS_PER_STAGE {
            error(
                stage_path.clone(),
                format!(
                    "{} actions; CodePipeline allows {MAX_ACTIONS_PER_STAGE} per stage ({} over)",
                    stage.actions.len(),
                    stage.actions.len() - MAX_ACTIONS_PER_STAGE
                ),
            );
        }
        let mut action_names: IndexSet<&str> = IndexSet::new();
        for action in &stage.actions {
            let path = format!("{stage_path}/{}", action.name);
            if !action_names.insert(&action.name) {
                error(
                    path.clone(),
                    format!(
                        "action name `{}` is used twice in stage `{}`",
                        action.name, stage.name
                    ),
                );
            }
            check_name(&action.name, "action name", &path, &mut error);
            if !(1..=MAX_RUN_ORDER).contains(&action.run_order) {
                error(
                    path.clone(),
                    format!(
                        "run order {} is out of range 1 to {MAX_RUN_ORDER}",
                        action.run_order
                    ),
                );
            }
            match (stage_index == 0, action.is_source()) {
                (true, false) => error(
                    path.clone(),
                    "the first stage may hold only source actions".into(),
                ),
                (false, true) => error(
                    path.clone(),
                    "source actions belong in the first stage".into(),
                ),
                _ => {}
            }
            if let Some(target) = &action.target
                && !targets.contains(target)
            {
                let known: Vec<&str> = targets.iter().map(String::as_str).collect();
                let hint = match crate::template::closest(target, known.iter().copied()) {
                    Some(close) => format!(" (did you mean `{close}`?)"),
                    None if known.is_empty() => " (the pipeline declares no targets)".to_owned(),
                    None => format!(" (known targets: {})", known.join(", ")),
                };
                error(
                    format!("{path}/target"),
                    format!("unknown target `{target}`{hint}"),
                );
            }
            check_artifacts(action, &path, stage_index, &produced, &mut error);
            check_variables(action, &path, stage_index, &namespaces, &mut error);
            for output in action.outputs() {
                check_artifact_name(output, &path, &mut error);
                if let Some((_, _, by)) = produced.get(output) {
                    error(
                        path.clone(),
                        format!("artifact `{output}` is already produced by `{by}`"),
                    );
                } else {
                    produced.insert(output, (stage_index, action.run_order, path.clone()));
                }
            }
            if let Some(namespace) = &action.namespace {
                check_name(namespace, "namespace", &path, &mut error);
                if namespaces
                    .insert(namespace, (stage_index, action.run_order))
                    .is_some()
                    || BUILTIN_NAMESPACES.contains(&namespace.as_str())
                {
                    error(
                        path.clone(),
                        format!("namespace `{namespace}` is already taken"),
                    );
                }
            }
        }
    }
    errors
}

/// Whether something produced at (`stage`, `run_order`) is available to an action at
/// (`at_stage`, `at_run_order`): in an earlier stage, or earlier in the same stage.
fn earlier(produced: (usize, u32), at_stage: usize, at_run_order: u32) -> bool {
    produced.0 < at_stage || (produced.0 == at_stage && produced.1 < at_run_order)
}

fn check_artifacts(
    action: &Action,
    path: &str,
    stage_index: usize,
    produced: &IndexMap<&str, (usize, u32, String)>,
    error: &mut impl FnMut(String, String),
) {
    let (inputs, outputs) = (action.inputs(), action.outputs());
    let (max_inputs, max_outputs) = action.artifact_limits();
    if inputs.len() > max_inputs {
        error(
            path.to_owned(),
            format!(
                "{} input artifacts; a {} action takes at most {max_inputs}",
                inputs.len(),
                action.provider()
            ),
        );
    }
    if outputs.len() > max_outputs {
        error(
            path.to_owned(),
            format!(
                "{} output artifacts; a {} action produces at most {max_outputs}",
                outputs.len(),
                action.provider()
            ),
        );
    }
    if let ActionKind::Build { inputs, .. } = &action.kind
        && inputs.is_empty()
    {
        error(
            path.to_owned(),
            "a CodeBuild action needs at least one input artifact".into(),
        );
    }
    if let ActionKind::Deploy(deploy) = &action.kind {
        if deploy.mode.needs_template() && deploy.template.is_none() {
            error(
                path.to_owned(),
                "this CloudFormation action mode needs a `template` (`artifact::file`)".into(),
            );
        }
        if deploy.output_file.is_some() != deploy.output.is_some() {
            error(path.to_owned(), "`output_file` and `output` go together: name the output artifact and the file in it".into());
        }
    }
    for input in inputs {
        match produced.get(input) {
            Some((stage, run_order, _))
                if earlier((*stage, *run_order), stage_index, action.run_order) => {}
            Some((_, _, by)) => error(
                path.to_owned(),
                format!(
                    "input artifact `{input}` is produced by `{by}`, which does not run before this action; give this action a higher run order or move it to a later stage"
                ),
            ),
            None => {
                let hint = match crate::template::closest(input, produced.keys().copied()) {
                    Some(close) => format!(" (did you mean `{close}`?)"),
                    None if produced.is_empty() => String::new(),
                    None => format!(
                        " (artifacts produced so far: {})",
                        produced.keys().copied().collect::<Vec<_>>().join(", ")
                    ),
                };
                error(
                    path.to_owned(),
                    format!("input artifact `{input}` is not produced by any earlier action{hint}"),
                );
            }
        }
    }
}

/// Checks every `#{Namespace.variable}` in the action's configuration strings.
fn check_variables(
    action: &Action,
    path: &str,
    stage_index: usize,
    namespaces: &IndexMap<&str, (usize, u32)>,
    error: &mut impl FnMut(String, String),
) {
    let texts: Vec<&str> = match &action.kind {
        ActionKind::Build { env, .. } => env.values().map(String::as_str).collect(),
        ActionKind::Deploy(deploy) => deploy
            .parameter_overrides
            .values()
            .map(String::as_str)
            .collect(),
        ActionKind::Approval { message, url, .. } => {
            message.iter().chain(url).map(String::as_str).collect()
        }
        _ => Vec::new(),
    };
    for text in texts {
        for namespace in variable_namespaces(text) {
            if BUILTIN_NAMESPACES.contains(&namespace) {
                continue;
            }
            match namespaces.get(namespace) {
                Some(at) if earlier(*at, stage_index, action.run_order) => {}
                Some(_) => error(
                    path.to_owned(),
                    format!(
                        "variable namespace `{namespace}` belongs to an action that does not run before this one"
                    ),
                ),
                None => error(
                    path.to_owned(),
                    format!(
                        "variable namespace `{namespace}` is not declared by any earlier action"
                    ),
                ),
            }
        }
    }
}

/// The namespaces used in `#{Namespace.variable}` references.
fn variable_namespaces(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("#{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        if let Some((namespace, _)) = after[..end].split_once('.') {
            found.push(namespace);
        }
        rest = &after[end + 1..];
    }
    found
}

fn check_name(name: &str, what: &str, path: &str, error: &mut impl FnMut(String, String)) {
    let valid = (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !valid {
        error(
            path.to_owned(),
            format!(
                "{what} `{name}` must be 1 to 100 characters of letters, digits, `.`, `_`, `-` and `@`"
            ),
        );
    }
}

fn check_artifact_name(name: &str, path: &str, error: &mut impl FnMut(String, String)) {
    let valid = (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
    if !valid {
        error(
            path.to_owned(),
            format!(
                "artifact name `{name}` must be 1 to 100 characters of letters, digits, `_` and `-`"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_namespaces_are_found() {
        assert_eq!(
            variable_namespaces("#{Build.VERSION}-#{variables.stage}-#{broken"),
            ["Build", "variables"]
        );
    }
}
