//! The `codebuild/project` resource entry.

use std::borrow::Cow;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;

use super::bucket::S3Bucket;
use super::{construct_error, invalid, scope_of};
use crate::constructs::codebuild::{
    BuildSpec, BuildSpecSource, Cache, Compute, EnvVar, Image, Phase, Phases, Project,
    ProjectProps, ProjectSource, ReportFiles, ReportFormat, ReportGroupProps, SecretRef, VpcConfig,
};
use crate::constructs::s3::Bucket;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::de::from_node;
use crate::manifest::{BuildContext, EntryRef, Located, Node, ResourceEntry, ResourceKind, Value};
use crate::template::{Expr, Val, closest};

/// The image of a project that names none.
const DEFAULT_IMAGE: &str = "standard:7.0";
/// The buildspec file of a project that has neither `buildspec` nor `commands`.
const DEFAULT_BUILDSPEC: &str = "buildspec.yml";

/// A CodeBuild project with a least-privilege service role (it may read exactly the
/// secrets and parameters of `env`, write its own logs and reports, use its VPC and its
/// cache), a log group and its report groups. Logical IDs `<Name>Project`, `<Name>Role`,
/// `<Name>RoleDefaultPolicy`, `<Name>LogGroup`, `<Name><Report>ReportGroup` and, in a VPC
/// without `securityGroups`, `<Name>SecurityGroup`.
///
/// With `commands`, the project has no source (`NO_SOURCE`) and runs an inline buildspec
/// (start it on a schedule or by hand); with `buildspec`, it runs as a CodePipeline
/// action on the pipeline's source (`CODEPIPELINE`).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProjectSpec {
    /// The project's name in the stack, kebab-case: its logical IDs start with the
    /// PascalCase of it (`integration-tests` → `IntegrationTestsProject`); the CodeBuild
    /// project is called `<stack>-<name>`.
    pub name: Located<String>,
    /// What the project is for (up to 255 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// The build image: a curated alias (`standard:7.0`, the default;
    /// `amazonlinux-x86_64-standard:5.0`, `amazonlinux-aarch64-standard:3.0`, …), an
    /// Amazon ECR image, or another registry's image with a tag.
    #[serde(default)]
    pub image: Option<Located<String>>,
    /// The machine size: `small` (the default), `medium`, `large`, `xlarge` or `2xlarge`.
    #[serde(default)]
    pub compute: Option<Located<String>>,
    /// Run the Docker daemon in the build (to build images).
    #[serde(default)]
    pub privileged: bool,
    /// The buildspec file in the pipeline's source (default `buildspec.yml` when there are
    /// no `commands`).
    #[serde(default)]
    pub buildspec: Option<Located<String>>,
    /// Commands of an inline buildspec (its `build` phase), for a project without source.
    #[serde(default)]
    pub commands: Option<Located<Vec<String>>>,
    /// Environment variables: a plain value, `{ secret: <name or ARN>, key: <JSON key> }`
    /// (Secrets Manager) or `{ parameter: <name> }` (Parameter Store).
    #[serde(default)]
    pub env: IndexMap<Located<String>, ProjectEnvValue>,
    /// Run builds in a VPC.
    #[serde(default)]
    pub vpc: Option<ProjectVpcSpec>,
    /// Report groups, by the name the buildspec reports to.
    #[serde(default)]
    pub reports: IndexMap<Located<String>, ProjectReportSpec>,
    /// Keep build caches in an `s3/bucket` entry of the stack.
    #[serde(default)]
    pub cache: Option<ProjectCacheSpec>,
    /// The build timeout in minutes (5 to 2160; CodeBuild's default is 60).
    #[serde(default)]
    pub timeout: Option<i64>,
}

/// An environment variable's value: plain, from Secrets Manager, or from Parameter Store.
/// Plain values are stored in the project, readable by anyone who can read the project:
/// never put secrets there.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct ProjectEnvValue(pub Node);

impl JsonSchema for ProjectEnvValue {
    fn schema_name() -> Cow<'static, str> {
        "ProjectEnvValue".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A plain value (never a secret; it may be an intrinsic function), `{ secret: <name or ARN>, key: <JSON key> }` or `{ parameter: <name> }`.",
            "anyOf": [
                { "type": ["string", "number", "boolean"] },
                generator.subschema_for::<SecretEnvSpec>(),
                generator.subschema_for::<ParameterEnvSpec>(),
                {
                    "description": "An intrinsic function, e.g. `!Ref AWS::Region`.",
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "propertyNames": { "pattern": "^(Ref|Fn::[A-Za-z]+)$" },
                },
            ],
        })
    }
}

/// A Secrets Manager secret; the project's role may read exactly this secret.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretEnvSpec {
    /// The secret's name (`prod/db`) or ARN.
    pub secret: String,
    /// A key of a JSON secret (default: the whole secret string).
    #[serde(default)]
    pub key: Option<String>,
}

/// A Parameter Store parameter; the project's role may read exactly this parameter.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParameterEnvSpec {
    /// The parameter's name (`/build-tools/api-url`) or ARN.
    pub parameter: String,
}

/// Where builds run in a VPC.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProjectVpcSpec {
    /// The VPC id (`vpc-…`).
    pub vpc_id: Located<String>,
    /// Private subnets (`subnet-…`, 1 to 16) with a route to the internet or to VPC
    /// endpoints.
    pub subnets: Vec<Located<String>>,
    /// Security groups (`sg-…`, 1 to 5). Default: the project creates one that allows
    /// outbound traffic only.
    #[serde(default)]
    pub security_groups: Option<Vec<Located<String>>>,
}

/// A report group (CodeBuild calls it `<project>-<report>`).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectReportSpec {
    /// Code coverage reports (default: test reports).
    #[serde(default)]
    pub coverage: bool,
    /// The report files, with inline `commands` (a buildspec file lists them itself).
    #[serde(default)]
    pub files: Vec<String>,
    /// The file format, with inline `commands`: `junit` (the default for test reports),
    /// `cucumber`, `testng`, `visualstudio`, `nunit`, `nunit3`; for coverage `clover`,
    /// `cobertura`, `jacoco`, `simplecov`.
    #[serde(default)]
    pub format: Option<Located<ReportFormatSpec>>,
}

/// A report file format.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormatSpec {
    /// JUnit XML (test).
    Junit,
    /// Cucumber JSON (test).
    Cucumber,
    /// TestNG XML (test).
    Testng,
    /// Visual Studio TRX (test).
    Visualstudio,
    /// NUnit XML (test).
    Nunit,
    /// NUnit 3 XML (test).
    Nunit3,
    /// Clover XML (coverage).
    Clover,
    /// Cobertura XML (coverage).
    Cobertura,
    /// JaCoCo XML (coverage).
    Jacoco,
    /// SimpleCov JSON (coverage).
    Simplecov,
}

impl From<ReportFormatSpec> for ReportFormat {
    fn from(format: ReportFormatSpec) -> Self {
        match format {
            ReportFormatSpec::Junit => ReportFormat::JunitXml,
            ReportFormatSpec::Cucumber => ReportFormat::CucumberJson,
            ReportFormatSpec::Testng => ReportFormat::TestNgXml,
            ReportFormatSpec::Visualstudio => ReportFormat::VisualStudioTrx,
            ReportFormatSpec::Nunit => ReportFormat::NunitXml,
            ReportFormatSpec::Nunit3 => ReportFormat::Nunit3Xml,
            ReportFormatSpec::Clover => ReportFormat::CloverXml,
            ReportFormatSpec::Cobertura => ReportFormat::CoberturaXml,
            ReportFormatSpec::Jacoco => ReportFormat::JacocoXml,
            ReportFormatSpec::Simplecov => ReportFormat::SimpleCov,
        }
    }
}

/// A build cache in a bucket of the stack; the role may read and write under its prefix
/// (and use the bucket's key).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectCacheSpec {
    /// An `s3/bucket` entry of the stack, by `name`.
    pub bucket: Located<String>,
    /// The key prefix (default: the project's `name`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Paths to keep between builds, with inline `commands` (a buildspec file lists them
    /// under `cache.paths`), e.g. `/root/.cache/pip/**/*`.
    #[serde(default)]
    pub paths: Vec<String>,
}

/// The `codebuild/project` resource entry.
pub struct CodeBuildProject;

impl ResourceKind for CodeBuildProject {
    type Spec = ProjectSpec;
    const KEY: &'static str = "codebuild/project";

    fn name(spec: &ProjectSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &ProjectSpec) -> Vec<EntryRef<'_>> {
        spec.cache
            .iter()
            .map(|cache| EntryRef::new(S3Bucket::KEY, &cache.bucket))
            .collect()
    }

    fn build(&self, entry: &ResourceEntry<ProjectSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        let (image, compute) =
            image_and_compute(spec.image.as_ref(), spec.compute.as_ref(), &mut diagnostics).unzip();
        let source = source(spec, &mut diagnostics);
        let env: Vec<EnvVar> = spec
            .env
            .iter()
            .filter_map(|(name, value)| {
                env_var(name, value)
                    .map_err(|errors| diagnostics.extend(errors))
                    .ok()
            })
            .collect();
        let vpc = spec
            .vpc
            .as_ref()
            .map(|vpc| vpc_config(vpc, &mut diagnostics));
        let mut cache = None;
        for reference in Self::references(spec) {
            match cx.resolve::<Bucket>(entry.stack, &reference) {
                Ok(bucket) => cache = Some(bucket),
                // The bucket entry has errors of its own.
                Err(errors) if errors.is_empty() => return diagnostics,
                Err(errors) => diagnostics.extend(errors),
            }
        }
        let (Some(image), Some(compute), Some(source), true) =
            (image, compute, source, diagnostics.is_empty())
        else {
            return diagnostics;
        };
        let mut props = ProjectProps::new(source, image);
        props.description = spec.description.clone();
        props.compute = compute;
        props.privileged = spec.privileged;
        props.env = env;
        props.vpc = vpc;
        props.timeout_minutes = spec.timeout;
        props.report_groups = spec
            .reports
            .iter()
            .map(|(name, report)| {
                let group = if report.coverage {
                    ReportGroupProps::coverage()
                } else {
                    ReportGroupProps::test()
                };
                (name.value.clone(), group)
            })
            .collect();
        props.cache = spec
            .cache
            .as_ref()
            .zip(cache)
            .map(|(spec_cache, bucket)| Cache::S3 {
                bucket,
                prefix: spec_cache
                    .prefix
                    .clone()
                    .unwrap_or_else(|| spec.name.value.clone()),
            });
        if let Err(error) = cx.construct(&scope, origin, |app| Project::new(app, &scope, props)) {
            diagnostics.push(construct_error(&error, &spec.name.span));
        }
        diagnostics
    }
}

/// The project's source: a buildspec file of a pipeline's source, or an inline buildspec
/// of the commands (with the reports and cache paths it writes).
fn source(spec: &ProjectSpec, diagnostics: &mut Diagnostics) -> Option<ProjectSource> {
    let Some(commands) = &spec.commands else {
        let file = spec
            .buildspec
            .as_ref()
            .map_or(DEFAULT_BUILDSPEC, |file| file.as_str());
        for (name, report) in &spec.reports {
            if !report.files.is_empty() || report.format.is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("the files of report `{name}` belong in the buildspec file"),
                    )
                    .at(&name.span)
                    .help(format!(
                        "list them under `reports.{name}` in `{file}`, and remove `files` and `format` here"
                    )),
                );
            }
        }
        if let Some(cache) = spec.cache.as_ref().filter(|cache| !cache.paths.is_empty()) {
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    "cache paths belong in the buildspec file",
                )
                .at(&cache.bucket.span)
                .help(format!(
                    "list them under `cache.paths` in `{file}`, and remove `paths` here"
                )),
            );
        }
        return Some(ProjectSource::CodePipeline(BuildSpecSource::File(
            file.to_owned(),
        )));
    };
    if let Some(file) = &spec.buildspec {
        diagnostics.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                "a project runs a buildspec file or inline commands, not both",
            )
            .at(&file.span)
            .help("remove `buildspec` to run the commands without a source, or `commands` to run the file"),
        );
        return None;
    }
    if commands.is_empty() {
        diagnostics.push(
            Diagnostic::error(codes::INVALID_VALUE, "`commands` is empty")
                .at(&commands.span)
                .help("give the commands the build runs"),
        );
        return None;
    }
    let mut reports = IndexMap::new();
    for (name, report) in &spec.reports {
        let format = report
            .format
            .as_ref()
            .map(|format| ReportFormat::from(format.value));
        if report.files.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    codes::MISSING_FIELD,
                    format!("report `{name}` has no files"),
                )
                .at(&name.span)
                .help("list the files the commands write, e.g. `files: [reports/junit.xml]`"),
            );
        }
        match (&report.format, format) {
            (None, _) if report.coverage => diagnostics.push(
                Diagnostic::error(
                    codes::MISSING_FIELD,
                    format!("coverage report `{name}` has no `format`"),
                )
                .at(&name.span)
                .expected("`format: clover`, `cobertura`, `jacoco` or `simplecov`"),
            ),
            (Some(written), Some(format)) if format.is_coverage() != report.coverage => {
                let (kind, valid) = if report.coverage {
                    ("coverage", "`clover`, `cobertura`, `jacoco` or `simplecov`")
                } else {
                    (
                        "test",
                        "`junit`, `cucumber`, `testng`, `visualstudio`, `nunit` or `nunit3`",
                    )
                };
                diagnostics.push(invalid(
                    &Located::new(format.as_str(), written.span.clone()),
                    format!("`{}` is not a {kind} report format", format.as_str()),
                    &format!("one of {valid}"),
                ));
            }
            _ => {}
        }
        reports.insert(
            name.value.clone(),
            ReportFiles {
                files: report.files.clone(),
                file_format: format,
                ..ReportFiles::default()
            },
        );
    }
    Some(ProjectSource::NoSource(Box::new(BuildSpec {
        phases: Phases {
            build: Some(Phase::commands(commands.iter().cloned())),
            ..Phases::default()
        },
        reports,
        cache_paths: spec
            .cache
            .as_ref()
            .map(|cache| cache.paths.clone())
            .unwrap_or_default(),
        ..BuildSpec::default()
    })))
}

/// The build image (default `standard:7.0`) and compute size (default `small`) as
/// written, each reported where written when invalid. Shared with the pipeline's build
/// actions.
pub(crate) fn image_and_compute(
    image: Option<&Located<String>>,
    compute: Option<&Located<String>>,
    diagnostics: &mut Diagnostics,
) -> Option<(Image, Compute)> {
    let image = match image {
        Some(image) => Image::parse(image)
            .map_err(|error| diagnostics.push(construct_error(&error, &image.span)))
            .ok(),
        None => Image::parse(DEFAULT_IMAGE).ok(),
    };
    let compute = match compute {
        Some(compute) => Compute::parse(compute)
            .map_err(|error| diagnostics.push(construct_error(&error, &compute.span)))
            .ok(),
        None => Some(Compute::Small),
    };
    Some((image?, compute?))
}

/// An environment variable as written: a plain scalar (or intrinsic function), a secret
/// or a parameter.
pub(crate) fn env_var(
    name: &Located<String>,
    value: &ProjectEnvValue,
) -> Result<EnvVar, Diagnostics> {
    let node = &value.0;
    let path = format!("env.{name}");
    if node.tag.is_some() || is_intrinsic(node) {
        return Ok(EnvVar::plaintext(
            name.as_str(),
            Val::Expr(Expr::from_node(node.to_json())),
        ));
    }
    match &node.value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            Ok(EnvVar::plaintext(name.as_str(), node.as_key().into_owned()))
        }
        Value::Mapping(_) if node.get("secret").is_some() => {
            let spec: SecretEnvSpec = from_node(node, &path, None, &[])?;
            let secret = SecretRef::new(spec.secret);
            Ok(EnvVar::secret(
                name.as_str(),
                match spec.key {
                    Some(key) => secret.key(key),
                    None => secret,
                },
            ))
        }
        Value::Mapping(_) if node.get("parameter").is_some() => {
            let spec: ParameterEnvSpec = from_node(node, &path, None, &[])?;
            Ok(EnvVar::parameter(name.as_str(), spec.parameter))
        }
        Value::Mapping(entries) => {
            let (span, suggestion) = match entries.first() {
                Some((key, _)) => (&key.span, closest(&key.as_key(), ["secret", "parameter"])),
                None => (&node.span, None),
            };
            Err(Diagnostic::error(
                codes::INVALID_VALUE,
                format!("environment variable `{name}` has no value"),
            )
            .at(span)
            .expected(
                "a plain value, `{ secret: <name>, key: <JSON key> }` or `{ parameter: <name> }`",
            )
            .did_you_mean(suggestion)
            .into())
        }
        Value::Null | Value::Sequence(_) => Err(Diagnostic::error(
            codes::INVALID_TYPE,
            format!("invalid type for `{path}`"),
        )
        .at(&node.span)
        .expected("a plain value, `{ secret: <name>, key: <JSON key> }` or `{ parameter: <name> }`")
        .found(node.describe())
        .into()),
    }
}

/// A long-form intrinsic function: `{ Ref: … }` or `{ Fn::…: … }`.
fn is_intrinsic(node: &Node) -> bool {
    match &node.value {
        Value::Mapping(entries) => match entries.as_slice() {
            [(key, _)] => {
                let key = key.as_key();
                key == "Ref" || key.starts_with("Fn::")
            }
            _ => false,
        },
        _ => false,
    }
}

/// The VPC configuration, with every id checked.
fn vpc_config(spec: &ProjectVpcSpec, diagnostics: &mut Diagnostics) -> VpcConfig {
    let mut check = |id: &Located<String>, prefix: &str, what: &str| {
        if !is_resource_id(id, prefix) {
            diagnostics.push(invalid(
                id,
                format!("`{id}` is not a {what} id"),
                &format!(
                    "`{prefix}-` and 8 or 17 hexadecimal digits, e.g. `{prefix}-0123456789abcdef0`"
                ),
            ));
        }
        Val::Lit(id.value.clone())
    };
    VpcConfig {
        vpc_id: check(&spec.vpc_id, "vpc", "VPC"),
        subnet_ids: spec
            .subnets
            .iter()
            .map(|subnet| check(subnet, "subnet", "subnet"))
            .collect(),
        security_group_ids: spec.security_groups.as_ref().map(|groups| {
            groups
                .iter()
                .map(|group| check(group, "sg", "security group"))
                .collect()
        }),
    }
}

/// `<prefix>-` and 8 or 17 lowercase hexadecimal digits.
fn is_resource_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            (hex.len() == 8 || hex.len() == 17)
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_have_a_prefix_and_hex_digits() {
        assert!(is_resource_id("vpc-0a1b2c3d", "vpc"));
        assert!(is_resource_id("subnet-0123456789abcdef0", "subnet"));
        assert!(!is_resource_id("subnet-0123456789abcdef0", "sg"));
        assert!(!is_resource_id("vpc-0A1B2C3D", "vpc"));
        assert!(!is_resource_id("vpc-123", "vpc"));
    }
}
