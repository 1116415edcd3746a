//! SNS: topics that are always encrypted and accept publishing only over TLS.

mod topic;

pub use topic::{Topic, TopicProps};
