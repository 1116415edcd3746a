//! The integration tests, built as one binary: linking the library (and the AWS SDK behind
//! the `deploy` feature) once instead of once per file keeps builds fast and small.

mod app_synth;
mod cfn_lint;
mod cli_synth;
mod construct_codebuild;
mod construct_glue;
mod constructs_storage;
mod deploy_moto;
mod l1_templates;
mod l1_types;
mod lake_permissions;
mod manifest_errors;
mod manifest_examples;
mod manifest_glue;
mod manifest_registry;
mod manifest_resources;
mod manifest_snapshots;
mod manifest_upload;
mod pipelines;
mod schema;
mod service_catalog;
mod support;
mod template_validation;
