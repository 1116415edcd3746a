//! A typed buildspec (version 0.2), rendered to YAML text for inline use.
//!
//! Parameter Store and Secrets Manager variables are declared on the project
//! ([`EnvVar`](super::EnvVar)), not here, so that the role's read permissions are generated
//! from one place.

use indexmap::IndexMap;
use serde_json::{Map, Value as Json, json};

use crate::constructs::ConstructError;
use crate::template::render_yaml;

/// A buildspec: `version: 0.2`, plaintext variables, phases, reports, artifacts, cache.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct BuildSpec {
    /// The `env` section.
    pub env: BuildSpecEnv,
    /// The `phases` section.
    pub phases: Phases,
    /// The `reports` section: report group name (one of the project's
    /// [`report_groups`](super::ProjectProps::report_groups)) → files.
    pub reports: IndexMap<String, ReportFiles>,
    /// The `artifacts` section.
    pub artifacts: Option<ArtifactFiles>,
    /// `cache.paths`: paths kept between builds when the project has a cache.
    pub cache_paths: Vec<String>,
}

/// The `env` section of a buildspec, without parameters and secrets (declared on the
/// project instead).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct BuildSpecEnv {
    /// `shell`: `bash` or `/bin/sh` on Linux.
    pub shell: Option<String>,
    /// `variables`: plaintext variables.
    pub variables: IndexMap<String, String>,
    /// `exported-variables`: variables made available to later pipeline actions.
    pub exported_variables: Vec<String>,
}

/// The four build phases.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Phases {
    /// `install.runtime-versions`: runtime → version (e.g. `python` → `3.12`).
    pub runtime_versions: IndexMap<String, String>,
    /// `install`.
    pub install: Option<Phase>,
    /// `pre_build`.
    pub pre_build: Option<Phase>,
    /// `build`.
    pub build: Option<Phase>,
    /// `post_build`.
    pub post_build: Option<Phase>,
}

/// One phase: commands, what runs whatever happens, and what to do on failure.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Phase {
    /// `commands`, run in order.
    pub commands: Vec<String>,
    /// `finally`: commands run even when a command fails.
    pub finally: Vec<String>,
    /// `on-failure`.
    pub on_failure: Option<OnFailure>,
}

impl Phase {
    /// A phase running these commands.
    pub fn commands<I, S>(commands: I) -> Phase
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Phase {
            commands: commands.into_iter().map(Into::into).collect(),
            ..Phase::default()
        }
    }
}

/// What CodeBuild does when a phase fails.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OnFailure {
    /// `ABORT`: stop the build.
    Abort,
    /// `CONTINUE`: go on with the next phase.
    Continue,
}

/// Output files of a build (`artifacts`, or one of its `secondary-artifacts`).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ArtifactFiles {
    /// `files`: paths or globs (`**/*`).
    pub files: Vec<String>,
    /// `base-directory`.
    pub base_directory: Option<String>,
    /// `discard-paths`: flatten the directory structure.
    pub discard_paths: bool,
    /// `name`.
    pub name: Option<String>,
    /// `secondary-artifacts`: artifact identifier → files.
    pub secondary: IndexMap<String, ArtifactFiles>,
}

/// Files of one report.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ReportFiles {
    /// `files`: paths or globs.
    pub files: Vec<String>,
    /// `base-directory`.
    pub base_directory: Option<String>,
    /// `discard-paths`.
    pub discard_paths: bool,
    /// `file-format`; CodeBuild assumes JUnit XML when `None`.
    pub file_format: Option<ReportFormat>,
}

/// The report file formats CodeBuild reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReportFormat {
    /// `JUNITXML` (test).
    JunitXml,
    /// `CUCUMBERJSON` (test).
    CucumberJson,
    /// `TESTNGXML` (test).
    TestNgXml,
    /// `VISUALSTUDIOTRX` (test).
    VisualStudioTrx,
    /// `NUNITXML` (test).
    NunitXml,
    /// `NUNIT3XML` (test).
    Nunit3Xml,
    /// `CLOVERXML` (code coverage).
    CloverXml,
    /// `COBERTURAXML` (code coverage).
    CoberturaXml,
    /// `JACOCOXML` (code coverage).
    JacocoXml,
    /// `SIMPLECOV` (code coverage).
    SimpleCov,
}

impl ReportFormat {
    /// The value in the buildspec.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::JunitXml => "JUNITXML",
            ReportFormat::CucumberJson => "CUCUMBERJSON",
            ReportFormat::TestNgXml => "TESTNGXML",
            ReportFormat::VisualStudioTrx => "VISUALSTUDIOTRX",
            ReportFormat::NunitXml => "NUNITXML",
            ReportFormat::Nunit3Xml => "NUNIT3XML",
            ReportFormat::CloverXml => "CLOVERXML",
            ReportFormat::CoberturaXml => "COBERTURAXML",
            ReportFormat::JacocoXml => "JACOCOXML",
            ReportFormat::SimpleCov => "SIMPLECOV",
        }
    }

    /// Whether the format holds code coverage (else test results).
    pub fn is_coverage(self) -> bool {
        matches!(
            self,
            ReportFormat::CloverXml
                | ReportFormat::CoberturaXml
                | ReportFormat::JacocoXml
                | ReportFormat::SimpleCov
        )
    }
}

fn yes_no(flag: bool) -> Json {
    // CodeBuild documents `yes`/`no` strings for these flags.
    Json::from(if flag { "yes" } else { "no" })
}

fn strings(items: &[String]) -> Json {
    Json::from(items.to_vec())
}

impl Phase {
    fn to_json(&self, runtime_versions: &IndexMap<String, String>) -> Json {
        let mut map = Map::new();
        if !runtime_versions.is_empty() {
            map.insert("runtime-versions".into(), json!(runtime_versions));
        }
        if let Some(on_failure) = self.on_failure {
            let value = match on_failure {
                OnFailure::Abort => "ABORT",
                OnFailure::Continue => "CONTINUE",
            };
            map.insert("on-failure".into(), Json::from(value));
        }
        if !self.commands.is_empty() {
            map.insert("commands".into(), strings(&self.commands));
        }
        if !self.finally.is_empty() {
            map.insert("finally".into(), strings(&self.finally));
        }
        Json::Object(map)
    }
}

impl ArtifactFiles {
    fn to_json(&self) -> Json {
        let mut map = Map::new();
        map.insert("files".into(), strings(&self.files));
        if let Some(name) = &self.name {
            map.insert("name".into(), Json::from(name.as_str()));
        }
        if let Some(base) = &self.base_directory {
            map.insert("base-directory".into(), Json::from(base.as_str()));
        }
        if self.discard_paths {
            map.insert("discard-paths".into(), yes_no(true));
        }
        if !self.secondary.is_empty() {
            let secondary: Map<String, Json> = self
                .secondary
                .iter()
                .map(|(id, files)| (id.clone(), files.to_json()))
                .collect();
            map.insert("secondary-artifacts".into(), Json::Object(secondary));
        }
        Json::Object(map)
    }
}

impl ReportFiles {
    fn to_json(&self) -> Json {
        let mut map = Map::new();
        map.insert("files".into(), strings(&self.files));
        if let Some(base) = &self.base_directory {
            map.insert("base-directory".into(), Json::from(base.as_str()));
        }
        if self.discard_paths {
            map.insert("discard-paths".into(), yes_no(true));
        }
        if let Some(format) = self.file_format {
            map.insert("file-format".into(), Json::from(format.as_str()));
        }
        Json::Object(map)
    }
}

impl BuildSpec {
    /// The buildspec as a JSON tree (keys in CodeBuild's spelling).
    pub fn to_json(&self) -> Json {
        let mut root = Map::new();
        root.insert("version".into(), Json::from("0.2"));
        let mut env = Map::new();
        if let Some(shell) = &self.env.shell {
            env.insert("shell".into(), Json::from(shell.as_str()));
        }
        if !self.env.variables.is_empty() {
            env.insert("variables".into(), json!(self.env.variables));
        }
        if !self.env.exported_variables.is_empty() {
            env.insert(
                "exported-variables".into(),
                strings(&self.env.exported_variables),
            );
        }
        if !env.is_empty() {
            root.insert("env".into(), Json::Object(env));
        }
        let phases = &self.phases;
        let mut phase_map = Map::new();
        let install = match (&phases.install, phases.runtime_versions.is_empty()) {
            (Some(install), _) => Some(install.to_json(&phases.runtime_versions)),
            (None, false) => Some(Phase::default().to_json(&phases.runtime_versions)),
            (None, true) => None,
        };
        for (name, phase) in [
            ("install", install),
            (
                "pre_build",
                phases
                    .pre_build
                    .as_ref()
                    .map(|p| p.to_json(&IndexMap::new())),
            ),
            (
                "build",
                phases.build.as_ref().map(|p| p.to_json(&IndexMap::new())),
            ),
            (
                "post_build",
                phases
                    .post_build
                    .as_ref()
                    .map(|p| p.to_json(&IndexMap::new())),
            ),
        ] {
            if let Some(phase) = phase {
                phase_map.insert(name.into(), phase);
            }
        }
        root.insert("phases".into(), Json::Object(phase_map));
        if !self.reports.is_empty() {
            let reports: Map<String, Json> = self
                .reports
                .iter()
                .map(|(name, files)| (name.clone(), files.to_json()))
                .collect();
            root.insert("reports".into(), Json::Object(reports));
        }
        if let Some(artifacts) = &self.artifacts {
            root.insert("artifacts".into(), artifacts.to_json());
        }
        if !self.cache_paths.is_empty() {
            root.insert("cache".into(), json!({ "paths": self.cache_paths }));
        }
        Json::Object(root)
    }

    /// The buildspec as YAML text, for `Source.BuildSpec`.
    pub fn to_yaml(&self) -> String {
        render_yaml(&self.to_json())
    }

    /// Checks what CodeBuild would reject when the build starts.
    pub(super) fn validate(&self, path: &str) -> Result<(), ConstructError> {
        let invalid = |message: String| Err(ConstructError::invalid(path, message));
        let phases = [
            ("install", &self.phases.install),
            ("pre_build", &self.phases.pre_build),
            ("build", &self.phases.build),
            ("post_build", &self.phases.post_build),
        ];
        if phases
            .iter()
            .all(|(_, phase)| phase.as_ref().is_none_or(|p| p.commands.is_empty()))
        {
            return invalid(
                "the inline buildspec runs no commands; give at least one phase \
                 (install, pre_build, build, post_build) some commands"
                    .into(),
            );
        }
        for (name, phase) in phases {
            if let Some(phase) = phase
                && phase.commands.is_empty()
            {
                return invalid(format!(
                    "buildspec phase `{name}` has no commands; remove it or give it commands"
                ));
            }
        }
        if let Some(artifacts) = &self.artifacts {
            let secondary = artifacts.secondary.iter();
            for (label, files) in std::iter::once(("artifacts", artifacts))
                .chain(secondary.map(|(id, files)| (id.as_str(), files)))
            {
                if files.files.is_empty() {
                    return invalid(format!(
                        "buildspec artifacts `{label}` list no files; give paths or globs such as `**/*`"
                    ));
                }
            }
        }
        for (name, report) in &self.reports {
            if report.files.is_empty() {
                return invalid(format!(
                    "buildspec report `{name}` lists no files; give paths or globs such as `reports/*.xml`"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_buildspec_renders_as_codebuild_yaml() {
        let spec = BuildSpec {
            env: BuildSpecEnv {
                shell: Some("bash".into()),
                variables: IndexMap::from([("STAGE".to_owned(), "test".to_owned())]),
                exported_variables: vec!["VERSION".into()],
            },
            phases: Phases {
                runtime_versions: IndexMap::from([("python".to_owned(), "3.12".to_owned())]),
                build: Some(Phase {
                    on_failure: Some(OnFailure::Abort),
                    finally: vec!["echo done".into()],
                    ..Phase::commands(["make test", "echo \"${STAGE}\""])
                }),
                ..Phases::default()
            },
            reports: IndexMap::from([(
                "unit".to_owned(),
                ReportFiles {
                    files: vec!["junit.xml".into()],
                    base_directory: Some("reports".into()),
                    file_format: Some(ReportFormat::JunitXml),
                    ..ReportFiles::default()
                },
            )]),
            artifacts: Some(ArtifactFiles {
                files: vec!["**/*".into()],
                base_directory: Some("dist".into()),
                discard_paths: true,
                ..ArtifactFiles::default()
            }),
            cache_paths: vec!["/root/.cache/pip/**/*".into()],
        };
        assert_eq!(
            spec.to_yaml(),
            "\
version: \"0.2\"
env:
  shell: bash
  variables:
    STAGE: test
  exported-variables:
    - VERSION
phases:
  install:
    runtime-versions:
      python: \"3.12\"
  build:
    on-failure: ABORT
    commands:
      - \"make test\"
      - \"echo \\\"${STAGE}\\\"\"
    finally:
      - \"echo done\"
reports:
  unit:
    files:
      - junit.xml
    base-directory: reports
    file-format: JUNITXML
artifacts:
  files:
    - \"**/*\"
  base-directory: dist
  discard-paths: \"yes\"
cache:
  paths:
    - /root/.cache/pip/**/*
"
        );
        assert_eq!(spec.validate("p"), Ok(()));
    }
}
