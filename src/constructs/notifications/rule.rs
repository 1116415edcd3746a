//! CodeStar notification rules.

use crate::app::{App, ResourceHandle, physical_name};
use crate::constructs::Scope;
use crate::constructs::sns::Topic;
use crate::l1::code_star_notifications::notification_rule;
use crate::template::{Expr, Resource, Val};

/// The service that publishes notifications.
const SERVICE: &str = "codestar-notifications.amazonaws.com";

/// The longest name CodeStar Notifications accepts.
const MAX_NAME: usize = 64;

/// A pipeline event a notification rule can send.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum PipelineEvent {
    /// A pipeline execution failed.
    Failed,
    /// A pipeline execution succeeded.
    Succeeded,
    /// A pipeline execution started.
    Started,
    /// A pipeline execution was stopped.
    Canceled,
    /// A manual approval is waiting for someone.
    ApprovalNeeded,
    /// A manual approval was approved.
    ApprovalSucceeded,
    /// A stage execution failed.
    StageFailed,
    /// An action execution failed.
    ActionFailed,
    /// A pipeline execution was superseded by a newer one.
    Superseded,
}

impl PipelineEvent {
    /// Every pipeline event.
    pub const ALL: [PipelineEvent; 9] = [
        PipelineEvent::Failed,
        PipelineEvent::Succeeded,
        PipelineEvent::Started,
        PipelineEvent::Canceled,
        PipelineEvent::ApprovalNeeded,
        PipelineEvent::ApprovalSucceeded,
        PipelineEvent::StageFailed,
        PipelineEvent::ActionFailed,
        PipelineEvent::Superseded,
    ];

    /// The kebab-case name manifests use, e.g. `failed`, `approval-needed`.
    pub fn name(self) -> &'static str {
        match self {
            PipelineEvent::Failed => "failed",
            PipelineEvent::Succeeded => "succeeded",
            PipelineEvent::Started => "started",
            PipelineEvent::Canceled => "canceled",
            PipelineEvent::ApprovalNeeded => "approval-needed",
            PipelineEvent::ApprovalSucceeded => "approval-succeeded",
            PipelineEvent::StageFailed => "stage-failed",
            PipelineEvent::ActionFailed => "action-failed",
            PipelineEvent::Superseded => "superseded",
        }
    }

    /// The event with this kebab-case name, if any.
    pub fn from_name(name: &str) -> Option<PipelineEvent> {
        PipelineEvent::ALL
            .into_iter()
            .find(|event| event.name() == name)
    }

    /// The CodeStar Notifications event type id.
    pub fn event_type_id(self) -> &'static str {
        match self {
            PipelineEvent::Failed => "codepipeline-pipeline-pipeline-execution-failed",
            PipelineEvent::Succeeded => "codepipeline-pipeline-pipeline-execution-succeeded",
            PipelineEvent::Started => "codepipeline-pipeline-pipeline-execution-started",
            PipelineEvent::Canceled => "codepipeline-pipeline-pipeline-execution-canceled",
            PipelineEvent::ApprovalNeeded => "codepipeline-pipeline-manual-approval-needed",
            PipelineEvent::ApprovalSucceeded => "codepipeline-pipeline-manual-approval-succeeded",
            PipelineEvent::StageFailed => "codepipeline-pipeline-stage-execution-failed",
            PipelineEvent::ActionFailed => "codepipeline-pipeline-action-execution-failed",
            PipelineEvent::Superseded => "codepipeline-pipeline-pipeline-execution-superseded",
        }
    }
}

/// A CodeStar notification rule that sends a resource's events, in full detail, to an SNS
/// topic.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NotificationRule {
    handle: ResourceHandle,
}

impl NotificationRule {
    /// A rule with the logical ID `<Scope>NotificationRule` that sends `events` of the
    /// pipeline `pipeline_arn` to `topic` (give at least one event; repeats are dropped).
    /// The topic needs a customer-managed key: CodeStar Notifications cannot use the
    /// AWS-managed `alias/aws/sns` key, so a topic without one never receives anything.
    ///
    /// The topic policy (and the topic's key policy, when it has a key) is extended to let
    /// CodeStar Notifications publish for this account, and the rule `DependsOn` the topic
    /// policy when both are in one stack: CodeStar Notifications checks that it may publish
    /// when the rule is created. The rule's name is the stack name and the scope path,
    /// kebab-case, at most 64 characters (names are unique per account and region).
    pub fn for_pipeline(
        app: &mut App,
        scope: &Scope,
        pipeline_arn: Expr<String>,
        events: &[PipelineEvent],
        topic: &Topic,
    ) -> NotificationRule {
        topic.allow_service_publish(app, SERVICE);
        let mut event_type_ids: Vec<Val<String>> = Vec::with_capacity(events.len());
        for event in events {
            let id = Val::Lit(event.event_type_id().to_owned());
            if !event_type_ids.contains(&id) {
                event_type_ids.push(id);
            }
        }
        let stack_name = app.stack(scope.stack).name().to_owned();
        let path = if scope.path.is_empty() {
            "notifications"
        } else {
            scope.path.as_str()
        };
        let rule = notification_rule::NotificationRule::new(
            notification_rule::DetailType::Full,
            event_type_ids,
            physical_name(&[&stack_name, path], MAX_NAME),
            pipeline_arn,
            vec![Val::Lit(notification_rule::Target::new(topic.arn(), "SNS"))],
        );
        let mut resource = Resource::new(&rule);
        let policy = topic.policy_handle();
        if policy.stack() == scope.stack {
            resource = resource.depends_on(policy.logical_id());
        }
        NotificationRule {
            handle: scope.add_resource(app, "NotificationRule", resource),
        }
    }

    /// The rule's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.handle.get_att("Arn")
    }

    /// The rule resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}
