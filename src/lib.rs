//! cfsynth: a typed AWS CloudFormation synthesizer.

pub mod app;
pub mod cli;
pub mod constructs;
#[cfg(feature = "deploy")]
pub mod deploy;
pub mod diagnostics;
pub mod manifest;
pub mod template;

#[allow(
    clippy::all,
    rustdoc::all,
    reason = "generated from the CloudFormation resource provider schemas"
)]
pub mod l1;

mod parallel;
