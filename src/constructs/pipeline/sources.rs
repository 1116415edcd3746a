//! What starts the pipeline: V2 git triggers for connection sources, and EventBridge rules
//! for CodeCommit, ECR and S3 sources (which CodePipeline does not watch by itself).

use serde_json::{Value as Json, json};

use super::action::ActionKind;
use super::{Filter, PipelineProps, Trigger};
use crate::app::App;
use crate::constructs::events::{Rule, RuleProps, Target};
use crate::constructs::iam::{Grantee, Principal, Role, RoleProps, Statement};
use crate::constructs::{ConstructError, Scope};
use crate::l1::code_pipeline::pipeline as cfn;
use crate::template::{Expr, List, Val, sub};

/// V2 triggers with the git filters, one per connection source.
pub(super) fn git_triggers(
    props: &PipelineProps,
) -> Option<Val<List<cfn::PipelineTriggerDeclaration>>> {
    let trigger = props.trigger.as_ref()?;
    let triggers: List<cfn::PipelineTriggerDeclaration> = sources(props)
        .filter(|(_, kind)| matches!(kind, ActionKind::ConnectionSource { .. }))
        .map(|(name, _)| {
            let mut push = cfn::GitPushFilter::default();
            if !is_empty(&trigger.tags) {
                let mut tags = cfn::GitTagFilterCriteria::default();
                tags.includes = patterns(&trigger.tags.include);
                tags.excludes = patterns(&trigger.tags.exclude);
                push.tags = Some(Val::Lit(tags));
            }
            if !is_empty(&trigger.branches) {
                let mut branches = cfn::GitBranchFilterCriteria::default();
                branches.includes = patterns(&trigger.branches.include);
                branches.excludes = patterns(&trigger.branches.exclude);
                push.branches = Some(Val::Lit(branches));
            }
            let mut git = cfn::GitConfiguration::new(name);
            git.push = Some(Val::Lit(vec![Val::Lit(push)]));
            let mut declaration =
                cfn::PipelineTriggerDeclaration::new(cfn::ProviderType::CodeStarSourceConnection);
            declaration.git_configuration = Some(Val::Lit(git));
            Val::Lit(declaration)
        })
        .collect();
    (!triggers.is_empty()).then_some(Val::Lit(triggers))
}

/// One EventBridge rule per CodeCommit, ECR and S3 source, starting the pipeline through
/// a role allowed exactly `codepipeline:StartPipelineExecution` on it.
pub(super) fn source_rules(
    app: &mut App,
    root: &Scope,
    props: &PipelineProps,
    pipeline_arn: &Expr<String>,
) -> Result<(), Vec<ConstructError>> {
    let patterns: Vec<(String, Json)> = sources(props)
        .filter_map(|(name, kind)| {
            event_pattern(props, kind).map(|pattern| (name.to_owned(), pattern))
        })
        .collect();
    if patterns.is_empty() {
        return Ok(());
    }
    let scope = root.child("events");
    let role = Role::new(
        app,
        &scope,
        RoleProps {
            assumed_by: vec![Principal::service("events.amazonaws.com")],
            description: Some(format!("Starts pipeline {} on source changes", props.name)),
            ..RoleProps::default()
        },
    );
    role.add_to_policy(
        app,
        Statement::allow(["codepipeline:StartPipelineExecution"]).on([pipeline_arn.clone()]),
    );
    let mut errors = Vec::new();
    for (source, pattern) in patterns {
        let mut target = Target::new("Pipeline", pipeline_arn.clone());
        target.role_arn = Some(Val::Expr(role.arn()));
        let rule = Rule::new(
            app,
            &scope.child(&source),
            RuleProps {
                description: Some(format!(
                    "Starts pipeline {} when source {source} changes",
                    props.name
                )),
                event_pattern: pattern,
                schedule: None,
                targets: vec![target],
            },
        );
        if let Err(error) = rule {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn sources(props: &PipelineProps) -> impl Iterator<Item = (&str, &ActionKind)> {
    props
        .stages
        .first()
        .into_iter()
        .flat_map(|stage| &stage.actions)
        .map(|action| (action.name.as_str(), &action.kind))
}

fn event_pattern(props: &PipelineProps, kind: &ActionKind) -> Option<Json> {
    let (account, region) = (props.env.account(), props.env.region());
    match kind {
        ActionKind::CodeCommitSource {
            repository, branch, ..
        } => {
            let repository_arn = sub(format!(
                "arn:${{AWS::Partition}}:codecommit:{region}:{account}:{repository}"
            ));
            let references = match &props.trigger {
                Some(Trigger { tags, .. }) if !is_empty(tags) => json!({
                    "referenceType": ["tag"],
                    "referenceName": wildcard_filter(tags),
                }),
                Some(Trigger { branches, .. }) if !is_empty(branches) => json!({
                    "referenceType": ["branch"],
                    "referenceName": wildcard_filter(branches),
                }),
                _ => json!({ "referenceType": ["branch"], "referenceName": [branch] }),
            };
            let mut detail = json!({ "event": ["referenceCreated", "referenceUpdated"] });
            if let (Json::Object(detail), Json::Object(references)) = (&mut detail, references) {
                detail.extend(references);
            }
            Some(json!({
                "source": ["aws.codecommit"],
                "detail-type": ["CodeCommit Repository State Change"],
                "resources": [repository_arn.into_node()],
                "detail": detail,
            }))
        }
        ActionKind::EcrSource {
            repository, tag, ..
        } => Some(json!({
            "source": ["aws.ecr"],
            "detail-type": ["ECR Image Action"],
            "detail": {
                "action-type": ["PUSH"],
                "result": ["SUCCESS"],
                "repository-name": [repository],
                "image-tag": [tag],
            },
        })),
        ActionKind::S3Source { bucket, key, .. } => Some(json!({
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": { "bucket": { "name": [bucket] }, "object": { "key": [key] } },
        })),
        _ => None,
    }
}

/// EventBridge matching for glob patterns: a `wildcard` per include, or `anything-but`
/// the excludes (EventBridge cannot combine both on one field; the pipeline checks that
/// a CodeCommit trigger uses one of them).
fn wildcard_filter(filter: &Filter) -> Json {
    if filter.include.is_empty() {
        json!([{ "anything-but": { "wildcard": filter.exclude } }])
    } else {
        filter
            .include
            .iter()
            .map(|pattern| json!({ "wildcard": pattern }))
            .collect()
    }
}

/// Whether a CodeCommit source can express the trigger as an EventBridge pattern.
pub(super) fn fits_event_pattern(trigger: &Trigger) -> bool {
    let one_sided = |filter: &Filter| filter.include.is_empty() || filter.exclude.is_empty();
    one_sided(&trigger.tags)
        && one_sided(&trigger.branches)
        && (is_empty(&trigger.tags) || is_empty(&trigger.branches))
}

fn is_empty(filter: &Filter) -> bool {
    filter.include.is_empty() && filter.exclude.is_empty()
}

fn patterns(patterns: &[String]) -> Option<Val<List<String>>> {
    (!patterns.is_empty()).then(|| Val::list(patterns.iter()))
}
