//! Report groups for test results and code coverage.
//!
//! A report named `unit` in the buildspec belongs to the report group
//! `<project-name>-unit` (CodeBuild's naming for buildspec report names). The project
//! creates that group itself, so its type, export and retention are managed by
//! CloudFormation, and the role may write to exactly the groups declared here.

use crate::app::App;
use crate::constructs::iam::{Grantee, Statement};
use crate::constructs::s3::Bucket;
use crate::constructs::{ConstructError, Scope};
use crate::l1::code_build::report_group::{
    ExportConfigType, Packaging, ReportExportConfig, ReportGroup, S3ReportExportConfig, Type,
};
use crate::template::{Expr, Val};

use super::buildspec::ReportFormat;

/// The longest report group name CodeBuild accepts.
const MAX_NAME_LEN: usize = 128;

/// What a report group holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReportType {
    /// `TEST`: test results.
    Test,
    /// `CODE_COVERAGE`: line and branch coverage.
    CodeCoverage,
}

/// Where raw report files are exported, besides CodeBuild's own 30-day report history.
#[derive(Clone, PartialEq, Debug)]
pub enum ReportExport {
    /// `NO_EXPORT`.
    None,
    /// `S3`: encrypted exports under a prefix of a bucket. The role may put objects
    /// under exactly that prefix (and use the bucket's key).
    S3 {
        /// The bucket.
        bucket: Bucket,
        /// The key prefix (`reports/unit`); the whole bucket when empty.
        prefix: String,
        /// Zip the files.
        zip: bool,
    },
}

/// A report group of a project.
#[derive(Clone, PartialEq, Debug)]
pub struct ReportGroupProps {
    /// Test results or code coverage.
    pub report_type: ReportType,
    /// Raw file export.
    pub export: ReportExport,
}

impl ReportGroupProps {
    /// A test report group without export.
    pub fn test() -> ReportGroupProps {
        ReportGroupProps {
            report_type: ReportType::Test,
            export: ReportExport::None,
        }
    }

    /// A code-coverage report group without export.
    pub fn coverage() -> ReportGroupProps {
        ReportGroupProps {
            report_type: ReportType::CodeCoverage,
            export: ReportExport::None,
        }
    }
}

/// Checks a report group's name (as written in the buildspec) and the full name CodeBuild
/// gives it.
pub(super) fn validate_name(
    path: &str,
    project_name: &str,
    name: &str,
) -> Result<(), ConstructError> {
    let full = full_name(project_name, name);
    let well_formed = name
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed || full.len() > MAX_NAME_LEN {
        return Err(ConstructError::invalid(
            path,
            format!(
                "report group name `{name}` is not valid: use letters, digits, `-` and `_`, \
                 starting with a letter or digit, so that `{project_name}-<name>` has at most \
                 {MAX_NAME_LEN} characters"
            ),
        ));
    }
    Ok(())
}

/// Checks that a buildspec report's file format fits its group's type.
pub(super) fn validate_format(
    path: &str,
    name: &str,
    report_type: ReportType,
    format: Option<ReportFormat>,
) -> Result<(), ConstructError> {
    let format = format.unwrap_or(ReportFormat::JunitXml);
    let fits = format.is_coverage() == (report_type == ReportType::CodeCoverage);
    if fits {
        return Ok(());
    }
    let expected = match report_type {
        ReportType::Test => {
            "a test format (JUNITXML, CUCUMBERJSON, TESTNGXML, VISUALSTUDIOTRX, NUNITXML, NUNIT3XML)"
        }
        ReportType::CodeCoverage => {
            "a coverage format (CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV)"
        }
    };
    Err(ConstructError::invalid(
        path,
        format!(
            "buildspec report `{name}` has file format {}, but its report group holds {}; \
             use {expected}",
            format.as_str(),
            match report_type {
                ReportType::Test => "test results",
                ReportType::CodeCoverage => "code coverage",
            }
        ),
    ))
}

/// The name CodeBuild gives the report group a buildspec names `name`.
pub(super) fn full_name(project_name: &str, name: &str) -> String {
    format!("{project_name}-{name}")
}

/// Creates a report group and returns its ARN.
pub(super) fn create(
    app: &mut App,
    scope: &Scope,
    project_name: &str,
    name: &str,
    props: &ReportGroupProps,
) -> Expr<String> {
    let export = match &props.export {
        ReportExport::None => ReportExportConfig::new(ExportConfigType::NoExport),
        ReportExport::S3 {
            bucket,
            prefix,
            zip,
        } => {
            let mut destination = S3ReportExportConfig::new(bucket.name());
            let prefix = prefix.trim_matches('/');
            destination.path = (!prefix.is_empty()).then(|| Val::Lit(prefix.to_owned()));
            destination.packaging = Some(Val::Lit(if *zip {
                Packaging::Zip
            } else {
                Packaging::None
            }));
            destination.encryption_disabled = Some(Val::Lit(false));
            let mut config = ReportExportConfig::new(ExportConfigType::S3);
            config.s3_destination = Some(Val::Lit(destination));
            config
        }
    };
    let report_type = match props.report_type {
        ReportType::Test => Type::Test,
        ReportType::CodeCoverage => Type::CodeCoverage,
    };
    let mut group = ReportGroup::new(export, report_type);
    group.name = Some(Val::Lit(full_name(project_name, name)));
    group.delete_reports = Some(Val::Lit(true));
    let handle = scope.child(name).add(app, "ReportGroup", &group);
    handle.get_att("Arn")
}

/// Lets the role export report files under the export prefix, when there is one.
pub(super) fn grant_export(app: &mut App, props: &ReportGroupProps, role: &dyn Grantee) {
    if let ReportExport::S3 { bucket, prefix, .. } = &props.export {
        role.add_to_policy(
            app,
            Statement::allow(["s3:PutObject"]).on([bucket.arn_for_objects(&objects_under(prefix))]),
        );
        if let Some(key) = bucket.key() {
            key.grant_encrypt_decrypt(app, role);
        }
    }
}

/// The object pattern for everything under `prefix` (`*` for the whole bucket).
pub(super) fn objects_under(prefix: &str) -> String {
    match prefix.trim_matches('/') {
        "" => "*".to_owned(),
        prefix => format!("{prefix}/*"),
    }
}

/// What the role needs to publish reports to exactly these groups.
pub(super) fn statement(arns: Vec<Expr<String>>) -> Statement {
    Statement::allow([
        "codebuild:CreateReportGroup",
        "codebuild:CreateReport",
        "codebuild:UpdateReport",
        "codebuild:BatchPutTestCases",
        "codebuild:BatchPutCodeCoverages",
    ])
    .on(arns)
}
