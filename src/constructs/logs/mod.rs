//! CloudWatch Logs: log groups with a retention period and optional KMS encryption.

mod log_group;

pub use log_group::{DEFAULT_RETENTION_DAYS, LogGroup, LogGroupProps, RETENTION_DAYS};
