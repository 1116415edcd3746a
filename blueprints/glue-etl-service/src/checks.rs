//! The kind's own checks: Glue version, worker type and count, S3 URIs, paths. Each
//! problem is a located diagnostic that says what would be valid; every problem of a
//! document is reported, not only the first.

use cfsynth::diagnostics::{Diagnostic, Diagnostics, codes};
use cfsynth::l1::glue::job::WorkerType;
use cfsynth::manifest::Located;
use cfsynth::template::closest;

use crate::spec::GlueEtlServiceSpec;

/// A Glue version this blueprint deploys: its worker types and the AWS Glue libraries
/// image the unit tests run in (the same Spark and Python as the job).
#[derive(Debug)]
pub struct Runtime {
    /// `GlueVersion`.
    pub version: &'static str,
    /// The image of "Develop and test AWS Glue jobs locally using a Docker image".
    pub test_image: &'static str,
    /// The worker types offered for Spark ETL jobs.
    pub workers: &'static [(&'static str, WorkerType)],
}

const G_WORKERS: [(&str, WorkerType); 4] = [
    ("G.1X", WorkerType::G1x),
    ("G.2X", WorkerType::G2x),
    ("G.4X", WorkerType::G4x),
    ("G.8X", WorkerType::G8x),
];

/// G.12X, G.16X and the memory-optimized R types came with Glue 4.0.
const LARGE_WORKERS: [(&str, WorkerType); 10] = [
    ("G.1X", WorkerType::G1x),
    ("G.2X", WorkerType::G2x),
    ("G.4X", WorkerType::G4x),
    ("G.8X", WorkerType::G8x),
    ("G.12X", WorkerType::G12x),
    ("G.16X", WorkerType::G16x),
    ("R.1X", WorkerType::R1x),
    ("R.2X", WorkerType::R2x),
    ("R.4X", WorkerType::R4x),
    ("R.8X", WorkerType::R8x),
];

/// The supported versions, oldest first (2.0 and earlier have reached end of support).
pub const RUNTIMES: [Runtime; 3] = [
    Runtime {
        version: "3.0",
        test_image: "public.ecr.aws/glue/aws-glue-libs:glue_libs_3.0.0_image_01",
        workers: &G_WORKERS,
    },
    Runtime {
        version: "4.0",
        test_image: "public.ecr.aws/glue/aws-glue-libs:glue_libs_4.0.0_image_01",
        workers: &LARGE_WORKERS,
    },
    Runtime {
        version: "5.0",
        test_image: "public.ecr.aws/glue/aws-glue-libs:5",
        workers: &LARGE_WORKERS,
    },
];

/// The version used when `glueVersion` is left out.
const DEFAULT_VERSION: &str = "5.0";

/// An S3 location: a bucket and a key prefix that is empty or ends with `/`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct S3Location {
    /// The bucket name.
    pub bucket: String,
    /// The key prefix: empty (the whole bucket) or ending with `/`.
    pub prefix: String,
}

impl S3Location {
    /// `s3://bucket/prefix`.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn contains(&self, other: &S3Location) -> bool {
        self.bucket == other.bucket && other.prefix.starts_with(&self.prefix)
    }
}

/// A document's values, checked.
#[derive(Debug)]
pub struct Checked {
    /// The Glue version.
    pub runtime: &'static Runtime,
    /// The worker type.
    pub worker_type: WorkerType,
    /// How many workers.
    pub workers: i64,
    /// What the job reads.
    pub input: S3Location,
    /// What the job writes.
    pub output: S3Location,
    /// The script's path in the repository.
    pub script: String,
    /// What pytest runs.
    pub tests: String,
}

/// Checks every value that needs no environment.
pub fn check(spec: &GlueEtlServiceSpec) -> Result<Checked, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let found = &mut diagnostics;
    let runtime = keep(found, runtime(spec.glue_version.as_ref()));
    let worker_type =
        runtime.and_then(|runtime| keep(found, worker_type(runtime, &spec.workers.kind)));
    let workers = keep(found, worker_count(&spec.workers.count));
    let input = keep(found, s3_location(&spec.data.input, "input"));
    let output = keep(found, s3_location(&spec.data.output, "output"));
    let script = keep(found, repository_path(&spec.script, "script", Some(".py")));
    let tests = match &spec.tests {
        Some(tests) => keep(found, repository_path(tests, "tests", None)),
        None => Some("tests".to_owned()),
    };
    if let (Some(input), Some(output)) = (&input, &output)
        && (input.contains(output) || output.contains(input))
    {
        diagnostics.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                format!(
                    "the output `{}` overlaps the input `{}`: the job would read what it writes",
                    output.uri(),
                    input.uri()
                ),
            )
            .at(&spec.data.output.span)
            .help("write to a bucket or prefix outside the input"),
        );
    }
    match (runtime, worker_type, workers, input, output, script, tests) {
        (
            Some(runtime),
            Some(worker_type),
            Some(workers),
            Some(input),
            Some(output),
            Some(script),
            Some(tests),
        ) if diagnostics.is_empty() => Ok(Checked {
            runtime,
            worker_type,
            workers,
            input,
            output,
            script,
            tests,
        }),
        _ => Err(diagnostics),
    }
}

/// The value, or `None` after adding the problems to `diagnostics`.
pub(crate) fn keep<T, E: Into<Diagnostics>>(
    diagnostics: &mut Diagnostics,
    result: Result<T, E>,
) -> Option<T> {
    result
        .map_err(|errors| diagnostics.extend(errors.into()))
        .ok()
}

fn versions() -> String {
    let names: Vec<String> = RUNTIMES
        .iter()
        .map(|runtime| format!("`{}`", runtime.version))
        .collect();
    names.join(", ")
}

fn runtime(version: Option<&Located<String>>) -> Result<&'static Runtime, Diagnostics> {
    let Some(version) = version else {
        return Ok(RUNTIMES
            .iter()
            .find(|runtime| runtime.version == DEFAULT_VERSION)
            .unwrap_or(&RUNTIMES[RUNTIMES.len() - 1]));
    };
    if let Some(runtime) = RUNTIMES.iter().find(|runtime| runtime.version == **version) {
        return Ok(runtime);
    }
    let message = match version.as_str() {
        "0.9" | "1.0" | "2.0" => {
            format!("Glue {version} has reached end of support: new jobs cannot be created with it")
        }
        _ => format!("unknown Glue version `{version}`"),
    };
    Err(Diagnostic::error(codes::INVALID_VALUE, message)
        .at(&version.span)
        .expected(format!("one of {}", versions()))
        .into())
}

fn worker_type(runtime: &Runtime, written: &Located<String>) -> Result<WorkerType, Diagnostics> {
    if let Some((_, worker_type)) = runtime.workers.iter().find(|(name, _)| *name == **written) {
        return Ok(*worker_type);
    }
    let offered: Vec<&str> = runtime.workers.iter().map(|(name, _)| *name).collect();
    let expected = format!(
        "a worker type of Glue {}: {}",
        runtime.version,
        offered.join(", ")
    );
    let newer = RUNTIMES
        .iter()
        .find(|later| later.workers.iter().any(|(name, _)| *name == **written));
    let message = match (written.as_str(), newer) {
        (_, Some(newer)) => format!(
            "`{written}` workers need Glue {} or later; this job uses Glue {}",
            newer.version, runtime.version
        ),
        ("G.025X", None) => {
            "`G.025X` workers run streaming jobs only; this is a batch Spark job".into()
        }
        ("Z.2X", None) => "`Z.2X` workers run Ray jobs only; this is a Spark job".into(),
        ("Standard", None) => {
            "the `Standard` worker type is for Glue 1.0 and earlier, which are out of support"
                .into()
        }
        _ => format!(
            "unknown worker type `{written}` for Glue {}",
            runtime.version
        ),
    };
    let diagnostic = Diagnostic::error(codes::INVALID_VALUE, message)
        .at(&written.span)
        .expected(expected);
    let diagnostic = match newer {
        Some(newer) => diagnostic.help(format!(
            "set `glueVersion: \"{}\"`, or choose one of the types above",
            newer.version
        )),
        None => diagnostic.did_you_mean(closest(written, offered.iter().copied())),
    };
    Err(diagnostic.into())
}

fn worker_count(count: &Located<i64>) -> Result<i64, Diagnostics> {
    if count.value >= 2 {
        return Ok(count.value);
    }
    Err(Diagnostic::error(
        codes::INVALID_VALUE,
        format!(
            "a Spark job needs at least 2 workers (one driver and one executor), found {}",
            count.value
        ),
    )
    .at(&count.span)
    .expected("`count: 2` or more")
    .into())
}

/// Parses `s3://bucket/prefix/`; a prefix without a trailing `/` is taken as a folder.
fn s3_location(uri: &Located<String>, what: &str) -> Result<S3Location, Diagnostics> {
    let invalid = |message: String| {
        Diagnostic::error(codes::INVALID_VALUE, message)
            .at(&uri.span)
            .expected(format!("an S3 URI such as `s3://my-bucket/{what}/`"))
    };
    let invalid_uri = |message: String| Diagnostics::from(invalid(message));
    let Some(rest) = uri.strip_prefix("s3://") else {
        let diagnostic = invalid(format!("the {what} `{uri}` is not an `s3://` URI"));
        return Err(match uri.split_once("://") {
            Some(("s3a" | "s3n", rest)) => diagnostic.help(format!("write `s3://{rest}`")),
            _ => diagnostic,
        }
        .into());
    };
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if let Some(problem) = bucket_problem(bucket) {
        return Err(invalid_uri(format!(
            "the {what} bucket name `{bucket}` is not valid: {problem}"
        )));
    }
    if key.contains(['*', '?']) || key.contains("//") || key.starts_with('/') {
        return Err(invalid_uri(format!(
            "the {what} prefix `{key}` is not valid: give a plain key prefix, without wildcards or empty path segments"
        )));
    }
    let prefix = if key.is_empty() || key.ends_with('/') {
        key.to_owned()
    } else {
        format!("{key}/")
    };
    Ok(S3Location {
        bucket: bucket.to_owned(),
        prefix,
    })
}

/// What is wrong with a bucket name, by the S3 naming rules; `None` when it is valid.
fn bucket_problem(bucket: &str) -> Option<&'static str> {
    let edges_ok =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&bucket.len()) {
        Some("it must have 3 to 63 characters")
    } else if !bucket
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        Some("use only lowercase letters, digits, `-` and `.`")
    } else if !edges_ok(bucket.chars().next()) || !edges_ok(bucket.chars().last()) {
        Some("it must start and end with a lowercase letter or a digit")
    } else if bucket.contains("..") {
        Some("it must not contain `..`")
    } else {
        None
    }
}

/// A relative path inside the repository (with `extension`, when given). It becomes part
/// of build commands, so only plain path characters are accepted.
fn repository_path(
    path: &Located<String>,
    what: &str,
    extension: Option<&str>,
) -> Result<String, Diagnostics> {
    let escapes = path.split('/').any(|part| part == "..");
    let problem = if path.is_empty() || path.starts_with('/') || path.contains('\\') || escapes {
        Some("a path relative to the repository root, with `/` separators")
    } else if extension.is_some_and(|extension| !path.ends_with(extension)) {
        Some("a Python file (`.py`): AWS Glue runs PySpark scripts")
    } else if !path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
    {
        Some("a path of letters, digits, `.`, `_`, `-` and `/`")
    } else {
        None
    };
    match problem {
        None => Ok(path.trim_start_matches("./").to_owned()),
        Some(expected) => Err(Diagnostic::error(
            codes::INVALID_VALUE,
            format!("the {what} `{path}` is not a path in the repository"),
        )
        .at(&path.span)
        .expected(expected)
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cfsynth::diagnostics::Span;

    use super::*;

    fn located(text: &str) -> Located<String> {
        Located::new(text.to_owned(), Span::new(Arc::from("t.yaml"), 1, 1, 1))
    }

    #[test]
    fn s3_uris_are_a_bucket_and_a_folder_prefix() {
        let parse = |uri: &str| s3_location(&located(uri), "input");
        let location = |bucket: &str, prefix: &str| S3Location {
            bucket: bucket.into(),
            prefix: prefix.into(),
        };
        assert_eq!(parse("s3://raw/orders/"), Ok(location("raw", "orders/")));
        assert_eq!(parse("s3://raw/orders"), Ok(location("raw", "orders/")));
        assert_eq!(parse("s3://raw.data-1"), Ok(location("raw.data-1", "")));
        for bad in [
            "raw/orders/",
            "s3://ab/x/",
            "s3://Raw/x/",
            "s3://-raw/x/",
            "s3://a..b/x/",
            "s3://raw/orders/*",
            "s3://raw//orders/",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(location("raw", "").contains(&location("raw", "orders/")));
        assert!(!location("raw", "orders/").contains(&location("raw", "order/")));
    }

    #[test]
    fn worker_types_depend_on_the_glue_version() {
        let glue3 = &RUNTIMES[0];
        let glue5 = &RUNTIMES[2];
        assert_eq!(worker_type(glue3, &located("G.2X")), Ok(WorkerType::G2x));
        assert_eq!(worker_type(glue5, &located("R.1X")), Ok(WorkerType::R1x));
        let message = |errors: Diagnostics| {
            errors
                .iter()
                .map(|error| error.message.clone())
                .collect::<String>()
        };
        let error = worker_type(glue3, &located("R.1X")).expect_err("R.1X needs Glue 4.0");
        assert_eq!(
            message(error),
            "`R.1X` workers need Glue 4.0 or later; this job uses Glue 3.0"
        );
        let error = worker_type(glue5, &located("G.025X")).expect_err("streaming only");
        assert!(message(error).contains("streaming"));
        assert_eq!(runtime(None).map(|runtime| runtime.version), Ok("5.0"));
        assert!(runtime(Some(&located("2.0"))).is_err());
    }
}
