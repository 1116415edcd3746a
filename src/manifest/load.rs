//! Finding and reading manifest files.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexSet;

use super::node::Node;
use super::yaml::parse_stream;
use crate::diagnostics::{Diagnostic, Diagnostics, Sources, codes};
use crate::parallel::par_map;

/// The documents of a set of manifest files, their text (for rendering diagnostics) and
/// the problems found while reading them.
#[derive(Clone, Debug, Default)]
pub struct Manifests {
    sources: Sources,
    /// Shared with the documents built from them, which keep them to locate things.
    documents: Vec<Arc<Node>>,
    diagnostics: Diagnostics,
}

impl Manifests {
    /// No manifests.
    pub fn new() -> Manifests {
        Manifests::default()
    }

    /// Reads files and directories. A directory is searched recursively for `*.yaml` and
    /// `*.yml` files, in sorted order; a file is read whatever its name. Each file may
    /// hold several documents (`---`). A file found in a directory that is a
    /// CloudFormation template (no `kind`, and `Resources` or `AWSTemplateFormatVersion`),
    /// such as a Service Catalog product's template kept next to its manifest, is not a
    /// manifest and is left out.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Manifests {
        let mut manifests = Manifests::new();
        let mut files = IndexSet::new();
        let mut named = IndexSet::new();
        for path in paths.iter().map(AsRef::as_ref) {
            if path.is_file() {
                named.insert(path.to_path_buf());
            }
            if let Err(error) = collect(path, &mut files) {
                manifests.diagnostics.push(read_error(path, &error));
            }
        }
        if files.is_empty() && manifests.diagnostics.is_empty() {
            let shown: Vec<String> = paths
                .iter()
                .map(|path| format!("`{}`", path.as_ref().display()))
                .collect();
            manifests.diagnostics.push(
                Diagnostic::error(
                    codes::NO_MANIFESTS,
                    format!("no manifest files in {}", shown.join(", ")),
                )
                .help("manifests are `*.yaml` or `*.yml` files"),
            );
        }
        // Files read and parse independently: do both on every core, add them in file order.
        let files: Vec<PathBuf> = files.into_iter().collect();
        let loaded = par_map(&files, |file| {
            let text = read(file)?;
            let name: Arc<str> = Arc::from(file.display().to_string());
            let parsed = parse_stream(&name, &text);
            Ok((name, text, parsed))
        });
        for (file, loaded) in files.iter().zip(loaded) {
            match loaded {
                Ok((_, _, (documents, _))) if !named.contains(file) && is_template(&documents) => {}
                Ok((name, text, parsed)) => manifests.add_parsed(name, text, parsed),
                Err(error) => manifests.diagnostics.push(read_error(file, &error)),
            }
        }
        manifests
    }

    /// Adds the documents of one file's text, e.g. a manifest that is not on disk.
    pub fn add(&mut self, file: &str, text: impl Into<String>) {
        let text = text.into();
        let file: Arc<str> = Arc::from(file);
        let parsed = parse_stream(&file, &text);
        self.add_parsed(file, text, parsed);
    }

    fn add_parsed(
        &mut self,
        file: Arc<str>,
        text: String,
        (documents, diagnostics): (Vec<Node>, Diagnostics),
    ) {
        self.sources.add(file, text);
        self.documents.extend(documents.into_iter().map(Arc::new));
        self.diagnostics.extend(diagnostics);
    }

    /// The text of every file read.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The documents, in file order.
    pub fn documents(&self) -> &[Arc<Node>] {
        &self.documents
    }

    /// The problems found while reading.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// Adds `path` (a file) or the manifest files under it (a directory) to `files`.
fn collect(path: &Path, files: &mut IndexSet<PathBuf>) -> io::Result<()> {
    if std::fs::metadata(path)?.is_dir() {
        walk(path, files)
    } else {
        files.insert(path.to_path_buf());
        Ok(())
    }
}

/// Adds the `*.yaml`/`*.yml` files under `dir`, sorted by name at each level. Symbolic
/// links to directories are not followed (no loops).
fn walk(dir: &Path, files: &mut IndexSet<PathBuf>) -> io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, files)?;
        } else if (kind.is_file() || kind.is_symlink() && path.is_file())
            && path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            files.insert(path);
        }
    }
    Ok(())
}

/// Whether a file's documents are CloudFormation templates rather than manifests: none
/// has a `kind`, and each has `Resources` or `AWSTemplateFormatVersion`.
fn is_template(documents: &[Node]) -> bool {
    !documents.is_empty()
        && documents.iter().all(|document| {
            document.get("kind").is_none()
                && (document.get("Resources").is_some()
                    || document.get("AWSTemplateFormatVersion").is_some())
        })
}

fn read(file: &Path) -> io::Result<String> {
    let bytes = std::fs::read(file)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8"))?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text))
}

fn read_error(path: &Path, error: &io::Error) -> Diagnostic {
    let reason = match error.kind() {
        io::ErrorKind::NotFound => "it does not exist".to_owned(),
        _ => error.to_string(),
    };
    Diagnostic::error(
        codes::READ,
        format!("cannot read `{}`: {reason}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cfsynth-load-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn directories_are_searched_recursively_in_sorted_order() {
        let dir = temp_dir("walk");
        std::fs::create_dir_all(dir.join("b/nested")).unwrap();
        std::fs::write(dir.join("b/nested/z.yml"), "kind: Stack\n").unwrap();
        std::fs::write(dir.join("a.yaml"), "kind: Accounts\n---\nkind: Stack\n").unwrap();
        std::fs::write(dir.join("c.yaml"), "\u{feff}kind: Stack\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "not a manifest").unwrap();
        std::fs::write(
            dir.join("b/template.yaml"),
            "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
        )
        .unwrap();
        let manifests = Manifests::load(&[&dir]);
        assert!(
            manifests.diagnostics().is_empty(),
            "{}",
            manifests.diagnostics()
        );
        let files: Vec<String> = manifests
            .documents()
            .iter()
            .map(|node| node.span.file.replace(&dir.display().to_string(), ""))
            .collect();
        assert_eq!(files, ["/a.yaml", "/a.yaml", "/b/nested/z.yml", "/c.yaml"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_paths_and_empty_directories_are_errors() {
        let dir = temp_dir("empty");
        let manifests = Manifests::load(&[&dir]);
        assert_eq!(
            manifests.diagnostics().to_string(),
            format!("error[E0105]: no manifest files in `{}`\n", dir.display())
        );
        let missing = dir.join("missing.yaml");
        let manifests = Manifests::load(&[&missing]);
        assert_eq!(
            manifests.diagnostics().to_string(),
            format!(
                "error[E0100]: cannot read `{}`: it does not exist\n",
                missing.display()
            )
        );
        std::fs::write(dir.join("bad.yaml"), [0xff, 0xfe, 0x00]).unwrap();
        let manifests = Manifests::load(&[&dir]);
        assert!(
            manifests
                .diagnostics()
                .to_string()
                .contains("it is not UTF-8")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
