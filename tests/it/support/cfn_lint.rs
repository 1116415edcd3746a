//! Runs the pinned cfn-lint over templates, in one process, and applies the allowlist.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

const INSTALL_HINT: &str = "cfn-lint is not installed: run `scripts/setup-venv` (or the whole \
     suite with `scripts/test`), or point CFSYNTH_CFN_LINT at a cfn-lint executable";

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cfn-lint executable: `$CFSYNTH_CFN_LINT`, else the repository's `.venv`.
fn executable() -> PathBuf {
    match std::env::var_os("CFSYNTH_CFN_LINT") {
        Some(path) => PathBuf::from(path),
        None => repo_root().join(".venv/bin/cfn-lint"),
    }
}

/// One allowlisted warning: a rule, the files it applies to, and why it is accepted.
struct Allowed {
    rule: String,
    file_pattern: String,
}

impl Allowed {
    fn matches(&self, rule: &str, file: &str) -> bool {
        self.rule == rule && (self.file_pattern == "*" || file.contains(&self.file_pattern))
    }
}

/// Reads `tests/cfn-lint-allowlist.txt`: `RULE FILE-PATTERN -- reason` per line.
fn allowlist() -> Vec<Allowed> {
    let path = repo_root().join("tests/cfn-lint-allowlist.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (entry, reason) = line.split_once(" -- ").unwrap_or((line, ""));
            let mut words = entry.split_whitespace();
            let (Some(rule), Some(file_pattern), None) = (words.next(), words.next(), words.next())
            else {
                panic!("allowlist line `{line}`: expected `RULE FILE-PATTERN -- reason`");
            };
            assert!(
                !reason.trim().is_empty(),
                "allowlist line `{line}`: every entry needs a reason after ` -- `"
            );
            assert!(
                rule.starts_with('W'),
                "allowlist line `{line}`: only warnings may be allowlisted, never errors"
            );
            Allowed {
                rule: rule.to_owned(),
                file_pattern: file_pattern.to_owned(),
            }
        })
        .collect()
}

/// Lints every file in one cfn-lint process. Returns the findings that fail the suite:
/// every error, and every warning not on the allowlist, formatted as
/// `file:line:column: RULE message`.
pub fn lint(files: &[PathBuf]) -> Vec<String> {
    assert!(!files.is_empty(), "nothing to lint");
    let exe = executable();
    assert!(
        exe.exists(),
        "{INSTALL_HINT} (looked for {})",
        exe.display()
    );
    let output = Command::new(&exe)
        .args(["--format", "json", "--"])
        .args(files)
        .output()
        .unwrap_or_else(|error| {
            panic!("{INSTALL_HINT}: running {} failed: {error}", exe.display())
        });
    let code = output.status.code().unwrap_or(1);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        code & 1 == 0 && code < 16,
        "cfn-lint crashed (exit {code}):\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let matches: Vec<Json> = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("cfn-lint printed no JSON ({error}):\n{stdout}"));
    let allowed = allowlist();
    matches
        .iter()
        .filter_map(|finding| {
            let level = finding["Level"].as_str().unwrap_or("Error");
            let rule = finding["Rule"]["Id"].as_str().unwrap_or("?");
            let file = finding["Filename"].as_str().unwrap_or("?");
            let blocking = match level {
                "Error" => true,
                "Warning" => !allowed.iter().any(|entry| entry.matches(rule, file)),
                _ => false,
            };
            blocking.then(|| {
                let start = &finding["Location"]["Start"];
                format!(
                    "{file}:{}:{}: {rule} {}",
                    start["LineNumber"],
                    start["ColumnNumber"],
                    finding["Message"].as_str().unwrap_or("")
                )
            })
        })
        .collect()
}

/// The templates among the snapshot files under `dir`: the `.snap` files whose content is a
/// JSON object with a `Resources` section. Returns (snapshot name, template body).
pub fn snapshot_templates(dir: &Path) -> Vec<(String, String)> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "snap"))
        .collect();
    entries.sort();
    entries
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let body = snapshot_body(&text)?;
            let json: Json = serde_json::from_str(body).ok()?;
            json.get("Resources")?;
            let name = path.file_stem()?.to_string_lossy().into_owned();
            Some((name, body.to_owned()))
        })
        .collect()
}

/// The content of an insta snapshot file: what follows its `---`-delimited header.
fn snapshot_body(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some(&rest[end + 5..])
}
