//! rustc-style text rendering for people.

use std::fmt::Write as _;

use super::{Diagnostic, Diagnostics, Severity, Sources};

/// ANSI styles, or nothing when colour is off.
struct Palette {
    color: bool,
}

impl Palette {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, severity: Severity, text: &str) -> String {
        match severity {
            Severity::Error => self.paint("1;31", text),
            Severity::Warning => self.paint("1;33", text),
        }
    }

    fn gutter(&self, text: &str) -> String {
        self.paint("1;34", text)
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// Renders diagnostics rustc-style, each followed by a blank line:
///
/// ```text
/// error[E0203]: unknown field `stges`
///  --> manifests/api.yaml:7:1
///   |
/// 7 | stges:
///   | ^^^^^ expected one of `kind`, `name`, `env`, `stages`
///   |
///   = help: did you mean `stages`?
/// ```
///
/// `color` adds ANSI colours (pass it only when the output is a terminal).
pub fn render_text(diagnostics: &Diagnostics, sources: &Sources, color: bool) -> String {
    let palette = Palette { color };
    let mut out = String::new();
    for diagnostic in diagnostics {
        render_one(&mut out, diagnostic, sources, &palette);
        out.push('\n');
    }
    out
}

fn render_one(out: &mut String, diagnostic: &Diagnostic, sources: &Sources, palette: &Palette) {
    let head = format!("{}[{}]", diagnostic.severity, diagnostic.code);
    let _ = writeln!(
        out,
        "{}{}",
        palette.severity(diagnostic.severity, &head),
        palette.bold(&format!(": {}", sanitize(&diagnostic.message)))
    );
    let label = label(diagnostic);
    let mut notes: Vec<(&str, String)> = Vec::new();
    let width = diagnostic
        .span
        .as_ref()
        .map_or(1, |span| span.line.to_string().len());
    let pad = " ".repeat(width);
    match &diagnostic.span {
        Some(span) => {
            let _ = writeln!(out, "{pad}{} {span}", palette.gutter("-->"));
            match sources.line(&span.file, span.line) {
                Some(line) => {
                    let shown = sanitize(line);
                    let bar = palette.gutter("|");
                    let _ = writeln!(out, "{pad} {bar}");
                    let number = palette.gutter(&span.line.to_string());
                    let _ = writeln!(out, "{number} {bar} {shown}");
                    let chars = shown.chars().count();
                    let start = usize::try_from(span.column.saturating_sub(1)).unwrap_or(0);
                    let len = usize::try_from(span.len).unwrap_or(1);
                    let len = len.min(chars.saturating_sub(start)).max(1);
                    let carets = palette.severity(diagnostic.severity, &"^".repeat(len));
                    let label = label
                        .map(|label| format!(" {}", palette.severity(diagnostic.severity, &label)))
                        .unwrap_or_default();
                    let _ = writeln!(out, "{pad} {bar} {}{carets}{label}", " ".repeat(start));
                }
                None => notes.extend(label.map(|label| ("note", label))),
            }
        }
        None => notes.extend(label.map(|label| ("note", label))),
    }
    notes.extend(diagnostic.notes.iter().map(|note| ("note", sanitize(note))));
    notes.extend(diagnostic.help.iter().map(|help| ("help", sanitize(help))));
    if notes.is_empty() {
        return;
    }
    if diagnostic.span.is_some() {
        let _ = writeln!(out, "{pad} {}", palette.gutter("|"));
    }
    for (kind, text) in notes {
        let _ = writeln!(
            out,
            "{pad} {} {}: {text}",
            palette.gutter("="),
            palette.bold(kind)
        );
    }
}

/// `expected X, found Y`, or either half alone.
fn label(diagnostic: &Diagnostic) -> Option<String> {
    match (&diagnostic.expected, &diagnostic.found) {
        (Some(expected), Some(found)) => Some(format!("expected {expected}, found {found}")),
        (Some(expected), None) => Some(format!("expected {expected}")),
        (None, Some(found)) => Some(format!("found {found}")),
        (None, None) => None,
    }
    .map(|label| sanitize(&label))
}

/// Keeps terminal control characters out of the output: tabs become one space (so
/// columns still line up), other control characters the replacement character.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diagnostics::Span;

    fn sources() -> Sources {
        let mut sources = Sources::new();
        sources.add("m.yaml", "kind: Stack\nstges: []\n");
        sources
    }

    #[test]
    fn renders_the_source_line_with_a_caret_underline() {
        let file: Arc<str> = Arc::from("m.yaml");
        let diagnostics = Diagnostics::from(
            Diagnostic::error("E0203", "unknown field `stges`")
                .at(&Span::new(file, 2, 1, 5))
                .expected("one of `stages`")
                .did_you_mean(Some("stages".into())),
        );
        assert_eq!(
            render_text(&diagnostics, &sources(), false),
            "error[E0203]: unknown field `stges`\n \
             --> m.yaml:2:1\n  \
             |\n\
             2 | stges: []\n  \
             | ^^^^^ expected one of `stages`\n  \
             |\n  \
             = help: did you mean `stages`?\n\n"
        );
    }

    #[test]
    fn renders_without_a_position_and_clamps_carets_to_the_line() {
        let diagnostics: Diagnostics = [
            Diagnostic::error("E0405", "cycle").note("a → b → a"),
            Diagnostic::error("E0101", "oops\x1b[31m").at(&Span::new(
                Arc::from("m.yaml"),
                1,
                11,
                40,
            )),
            Diagnostic::error("E0100", "gone")
                .at(&Span::new(Arc::from("other.yaml"), 1, 1, 0))
                .found("nothing"),
        ]
        .into_iter()
        .collect();
        let text = render_text(&diagnostics, &sources(), false);
        assert!(
            text.starts_with("error[E0405]: cycle\n  = note: a → b → a\n\n"),
            "{text}"
        );
        assert!(
            text.contains("1 | kind: Stack\n  |           ^\n"),
            "{text}"
        );
        assert!(text.contains("oops\u{fffd}[31m"), "{text}");
        assert!(
            text.contains(" --> other.yaml:1:1\n  |\n  = note: found nothing\n"),
            "{text}"
        );
    }

    #[test]
    fn colours_only_when_asked() {
        let diagnostics = Diagnostics::from(Diagnostic::error("E0405", "cycle"));
        assert!(
            render_text(&diagnostics, &sources(), true).contains("\x1b[1;31merror[E0405]\x1b[0m")
        );
        assert!(!render_text(&diagnostics, &sources(), false).contains('\x1b'));
    }
}
