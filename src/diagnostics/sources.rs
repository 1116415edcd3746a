//! The text of every file read in a run, so diagnostics can show their source line.

use std::sync::Arc;

use indexmap::IndexMap;

/// File name → text of every source read in a run.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Sources {
    files: IndexMap<Arc<str>, String>,
}

impl Sources {
    /// No sources.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds (or replaces) a file and returns its shared name, for spans.
    pub fn add(&mut self, file: impl Into<Arc<str>>, text: impl Into<String>) -> Arc<str> {
        let file = file.into();
        self.files.insert(file.clone(), text.into());
        file
    }

    /// The text of a file.
    pub fn text(&self, file: &str) -> Option<&str> {
        self.files.get(file).map(String::as_str)
    }

    /// Line `line` (1-based) of a file, without its line break.
    pub fn line(&self, file: &str, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let line = self.text(file)?.split('\n').nth(index)?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based_and_without_line_breaks() {
        let mut sources = Sources::new();
        sources.add("a.yaml", "one\r\ntwo\n");
        assert_eq!(sources.line("a.yaml", 1), Some("one"));
        assert_eq!(sources.line("a.yaml", 2), Some("two"));
        assert_eq!(sources.line("a.yaml", 0), None);
        assert_eq!(sources.line("a.yaml", 9), None);
        assert_eq!(sources.line("b.yaml", 1), None);
    }
}
