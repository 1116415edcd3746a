//! EventBridge: rules that match an event pattern or run on a schedule, with targets.

mod rule;

pub use rule::{MAX_TARGETS, Rule, RuleProps, Target};
