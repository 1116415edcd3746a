//! Locating and loading the CloudFormation resource provider schemas shipped by cfn-lint.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::model::TypeName;

/// Environment variable naming the schemas directory when `--schemas` is not given.
pub const SCHEMAS_ENV: &str = "CFSYNTH_CFN_SCHEMAS";

/// The schemas directory inside the cfn-lint package.
const SCHEMAS_IN_PACKAGE: &str = "site-packages/cfnlint/data/schemas";

/// The directory holding `providers/` and `resources/`: `explicit` (from `--schemas`), else
/// `$CFSYNTH_CFN_SCHEMAS`, else the cfn-lint installed in the repo-local `.venv`.
pub fn locate(explicit: Option<PathBuf>, workspace: &Path) -> Result<PathBuf> {
    let configured = explicit.map(|dir| (dir, "--schemas")).or_else(|| {
        env::var_os(SCHEMAS_ENV)
            .filter(|dir| !dir.is_empty())
            .map(|dir| (PathBuf::from(dir), SCHEMAS_ENV))
    });
    if let Some((dir, source)) = configured {
        return if dir.is_dir() {
            Ok(dir)
        } else {
            Err(Error::new(format!(
                "{source}: {} is not a directory",
                dir.display()
            )))
        };
    }
    let lib = workspace.join(".venv/lib");
    let mut pythons: Vec<PathBuf> = fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("python"))
        .map(|entry| entry.path().join(SCHEMAS_IN_PACKAGE))
        .filter(|dir| dir.is_dir())
        .collect();
    pythons.sort();
    pythons.into_iter().next().ok_or_else(|| {
        Error::new(format!(
            "cfn-lint's schemas not found: no {}/python*/{SCHEMAS_IN_PACKAGE}.\n\
             Run `scripts/test` to create the repo-local venv with cfn-lint, \
             or pass --schemas DIR (or set {SCHEMAS_ENV}).",
            lib.display()
        ))
    })
}

/// The resource provider schemas of one cfn-lint installation.
pub struct Schemas {
    dir: PathBuf,
    /// The cfn-lint version, from `cfnlint/version.py`.
    pub version: String,
    /// Type name → schema file hash, from `providers/us-east-1.json`.
    providers: Map<String, Json>,
}

impl Schemas {
    /// Opens the schemas directory `dir` (`…/cfnlint/data/schemas`).
    pub fn open(dir: &Path) -> Result<Schemas> {
        let version_file = dir.join("../../version.py");
        let version = fs::read_to_string(&version_file)
            .map_err(|e| {
                Error::new(format!(
                    "cannot read the cfn-lint version from {} ({e}); the schemas directory \
                     must be cfnlint/data/schemas inside a cfn-lint installation",
                    version_file.display()
                ))
            })?
            .lines()
            .find_map(|line| {
                let value = line
                    .strip_prefix("__version__")?
                    .trim_start()
                    .strip_prefix('=')?;
                Some(value.trim().trim_matches(['"', '\'']).to_owned())
            })
            .filter(|version| !version.is_empty())
            .ok_or_else(|| Error::new(format!("no __version__ in {}", version_file.display())))?;
        let providers = match read_json(&dir.join("providers/us-east-1.json"))? {
            Json::Object(providers) => providers,
            _ => return Err(Error::new("providers/us-east-1.json is not a JSON object")),
        };
        Ok(Schemas {
            dir: dir.to_owned(),
            version,
            providers,
        })
    }

    /// The resource provider schema of `type_name`.
    pub fn resource(&self, type_name: &TypeName) -> Result<Json> {
        let hash = self
            .providers
            .get(&type_name.full)
            .and_then(Json::as_str)
            .ok_or_else(|| {
                Error::new(format!(
                    "{} is not in cfn-lint {}'s provider schemas ({})",
                    type_name.full,
                    self.version,
                    self.dir.join("providers/us-east-1.json").display()
                ))
            })?;
        if !hash.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::new(format!(
                "{}: unexpected schema file name {hash:?}",
                type_name.full
            )));
        }
        read_json(&self.dir.join("resources").join(format!("{hash}.json")))
    }
}

/// The resource types listed in `path`: one per line, blank lines and `#` comments ignored.
pub fn read_type_list(path: &Path) -> Result<Vec<TypeName>> {
    let text = fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    let mut names: Vec<TypeName> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at =
            |message: String| Error::new(format!("{}:{}: {message}", path.display(), index + 1));
        let name = TypeName::parse(line).map_err(|e| at(e.to_string()))?;
        if names.contains(&name) {
            return Err(at(format!("{line} is listed twice")));
        }
        names.push(name);
    }
    Ok(names)
}

fn read_json(path: &Path) -> Result<Json> {
    let text = fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::new(format!("{}: invalid JSON: {e}", path.display())))
}
