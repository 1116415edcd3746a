//! CodeBuild: build projects with a least-privilege service role.
//!
//! A [`Project`] is made of an image ([`Image::parse`] reads curated aliases such as
//! `standard:7.0`, ECR images and other registries' images), a compute size checked
//! against the image's platform, environment variables ([`EnvVar`]: plaintext, Parameter
//! Store, Secrets Manager), a buildspec (a file in the source, or a typed [`BuildSpec`]
//! rendered to YAML), and optional VPC, report groups, logs, cache and encryption settings.
//! The service role gets exactly the permissions those settings need, nothing else.
//!
//! ```
//! use cfsynth::app::{App, Environment, StackRole};
//! use cfsynth::constructs::Scope;
//! use cfsynth::constructs::codebuild::{
//!     BuildSpecSource, EnvVar, Image, Project, ProjectProps, ProjectSource, SecretRef,
//! };
//!
//! let mut app = App::new();
//! let env = Environment::new("111111111111", "us-east-1").expect("valid environment");
//! let stack = app.add_stack("tooling", env, StackRole::Pipeline);
//! let mut props = ProjectProps::new(
//!     ProjectSource::CodePipeline(BuildSpecSource::File("buildspec.yml".into())),
//!     Image::parse("standard:7.0").expect("a curated alias"),
//! );
//! props.env = vec![EnvVar::secret("DB_PASSWORD", SecretRef::parse("prod/db:password"))];
//! let project = Project::new(&mut app, &Scope::root(stack).child("package"), props)
//!     .expect("valid properties");
//! assert_eq!(project.physical_name(), "tooling-package");
//! ```

mod buildspec;
mod env_vars;
mod image;
mod project;
mod reports;
mod vpc;

pub use buildspec::{
    ArtifactFiles, BuildSpec, BuildSpecEnv, OnFailure, Phase, Phases, ReportFiles, ReportFormat,
};
pub use env_vars::{EnvValue, EnvVar, SecretRef};
pub use image::{Compute, EnvironmentType, Image, ImageSource};
pub use project::{
    BuildSpecSource, Cache, LocalCache, LogsProps, Project, ProjectProps, ProjectSource, S3Logs,
};
pub use reports::{ReportExport, ReportGroupProps, ReportType};
pub use vpc::VpcConfig;
