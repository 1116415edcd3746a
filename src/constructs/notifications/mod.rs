//! CodeStar Notifications: rules that send pipeline events to an SNS topic.

mod rule;

pub use rule::{NotificationRule, PipelineEvent};
