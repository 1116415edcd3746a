//! Formatting the generated sources with rustfmt and bringing `src/l1` up to date.

use std::collections::BTreeMap;
use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::{ErrorKind, Write};
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;

use crate::error::{Error, Result};
use crate::render::MARKER;

/// Formats every file with `rustfmt --edition 2024` run in `workspace` (so its rustfmt
/// configuration applies, as for `cargo fmt`), on several threads.
pub fn format_all(
    files: BTreeMap<PathBuf, String>,
    workspace: &Path,
) -> Result<BTreeMap<PathBuf, String>> {
    let files: Vec<(PathBuf, String)> = files.into_iter().collect();
    let threads = thread::available_parallelism().map_or(1, NonZero::get);
    let chunk_size = files.len().div_ceil(threads).max(1);
    thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk_size)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(path, source)| {
                            let formatted = rustfmt(source, workspace).map_err(|e| {
                                Error::new(format!("formatting {}: {e}", path.display()))
                            })?;
                            Ok((path.clone(), formatted))
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut formatted = BTreeMap::new();
        for worker in workers {
            let chunk = worker
                .join()
                .map_err(|_| Error::new("a rustfmt worker thread panicked"))??;
            formatted.extend(chunk);
        }
        Ok(formatted)
    })
}

fn rustfmt(source: &str, workspace: &Path) -> Result<String> {
    let program = env::var_os("RUSTFMT").unwrap_or_else(|| OsString::from("rustfmt"));
    let mut child = Command::new(&program)
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(workspace)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::new(format!(
                "cannot run {} (install it with `rustup component add rustfmt`): {e}",
                program.to_string_lossy()
            ))
        })?;
    // rustfmt reads all of its input before writing, so this cannot deadlock.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(source.as_bytes())
            .map_err(|e| Error::new(format!("cannot write to rustfmt: {e}")))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("rustfmt failed: {e}")))?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "rustfmt failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    String::from_utf8(output.stdout).map_err(|_| Error::new("rustfmt printed invalid UTF-8"))
}

/// How a file under the output directory differs from what the generator produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Create,
    Update,
    /// A generated file that is no longer produced.
    Delete,
}

/// The changes that would bring `dir` to exactly `files` (paths relative to `dir`). Only
/// files starting with the generated-code marker are ever deleted.
pub fn plan(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<Vec<(PathBuf, Change)>> {
    let mut changes = Vec::new();
    for (path, content) in files {
        let full = dir.join(path);
        match fs::read_to_string(&full) {
            Ok(existing) if existing == *content => {}
            Ok(_) => changes.push((path.clone(), Change::Update)),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                changes.push((path.clone(), Change::Create))
            }
            Err(e) => return Err(Error::io("read", &full, e)),
        }
    }
    let mut existing = Vec::new();
    generated_files(dir, Path::new(""), &mut existing)?;
    for path in existing {
        if !files.contains_key(&path) {
            changes.push((path, Change::Delete));
        }
    }
    changes.sort();
    Ok(changes)
}

/// Applies `changes` from [`plan`] to `dir`, removing directories left empty.
pub fn apply(
    dir: &Path,
    files: &BTreeMap<PathBuf, String>,
    changes: &[(PathBuf, Change)],
) -> Result<()> {
    for (path, change) in changes {
        let full = dir.join(path);
        match (change, files.get(path)) {
            (Change::Create | Change::Update, Some(content)) => {
                if let Some(parent) = full.parent() {
                    fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
                }
                fs::write(&full, content).map_err(|e| Error::io("write", &full, e))?;
            }
            (Change::Delete, _) => {
                fs::remove_file(&full).map_err(|e| Error::io("remove", &full, e))?;
                for parent in full.ancestors().skip(1).take_while(|&p| p != dir) {
                    let empty =
                        fs::read_dir(parent).is_ok_and(|mut entries| entries.next().is_none());
                    if !empty {
                        break;
                    }
                    fs::remove_dir(parent).map_err(|e| Error::io("remove", parent, e))?;
                }
            }
            (_, None) => return Err(Error::new(format!("no content for {}", path.display()))),
        }
    }
    Ok(())
}

/// Collects (relative to the output directory) the `.rs` files under `dir` that start
/// with the generated-code marker.
fn generated_files(dir: &Path, relative: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        let path = entry.path();
        let relative = relative.join(entry.file_name());
        if path.is_dir() {
            generated_files(&path, &relative, found)?;
        } else if path.extension().is_some_and(|ext| ext == "rs")
            && fs::read_to_string(&path).is_ok_and(|text| text.starts_with(MARKER))
        {
            found.push(relative);
        }
    }
    Ok(())
}
