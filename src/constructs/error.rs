//! The constructs layer's error type.

/// A construct given properties that cannot produce a valid deployment.
///
/// The enum is open: new constructs add variants, so match with a wildcard arm. Every
/// message names the construct (its scope path) and says what would be valid.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConstructError {
    /// Properties that contradict each other or break a service rule.
    #[error("{construct}: {message}")]
    Invalid {
        /// The construct path.
        construct: String,
        /// What is wrong, and what would be valid.
        message: String,
    },
    /// An EventBridge rule given both an event pattern and a schedule, or neither.
    #[error(
        "{construct}: an event rule needs exactly one trigger, an event pattern or a schedule \
         expression, but {found}"
    )]
    RuleTrigger {
        /// The construct path.
        construct: String,
        /// What was given: `both were given` or `neither was given`.
        found: String,
    },
    /// An EventBridge rule with more targets than EventBridge allows.
    #[error("{construct}: an event rule has {count} targets; EventBridge allows at most {max}")]
    TooManyTargets {
        /// The construct path.
        construct: String,
        /// How many targets were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Two targets of one EventBridge rule with the same `Id`.
    #[error(
        "{construct}: two targets of the event rule have the id `{id}`; target ids must be unique"
    )]
    DuplicateTargetId {
        /// The construct path.
        construct: String,
        /// The repeated id.
        id: String,
    },
    /// A log retention that CloudWatch Logs does not offer.
    #[error(
        "{construct}: CloudWatch Logs cannot keep logs for {days} days; valid retentions are {valid}"
    )]
    InvalidRetention {
        /// The construct path.
        construct: String,
        /// The retention given.
        days: i64,
        /// The valid retentions, comma-separated.
        valid: String,
    },
}

impl ConstructError {
    /// An [`ConstructError::Invalid`] for the construct at `construct`.
    pub fn invalid(construct: impl Into<String>, message: impl Into<String>) -> ConstructError {
        ConstructError::Invalid {
            construct: construct.into(),
            message: message.into(),
        }
    }
}
