//! JSON rendering for tools.

use serde::Serialize;
use serde_json::Value as Json;

use super::{Diagnostic, Diagnostics, Severity};

/// One diagnostic as JSON: every key is always present (`null` when unknown).
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: Severity,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    length: Option<u32>,
    expected: Option<&'a str>,
    found: Option<&'a str>,
    help: Option<&'a str>,
    notes: &'a [String],
}

impl<'a> From<&'a Diagnostic> for JsonDiagnostic<'a> {
    fn from(diagnostic: &'a Diagnostic) -> Self {
        let span = diagnostic.span.as_ref();
        JsonDiagnostic {
            code: diagnostic.code,
            severity: diagnostic.severity,
            message: &diagnostic.message,
            file: span.map(|span| &*span.file),
            line: span.map(|span| span.line),
            column: span.map(|span| span.column),
            length: span.map(|span| span.len),
            expected: diagnostic.expected.as_deref(),
            found: diagnostic.found.as_deref(),
            help: diagnostic.help.as_deref(),
            notes: &diagnostic.notes,
        }
    }
}

/// Diagnostics as a JSON object: `{"diagnostics": [{"code", "severity", "message", "file",
/// "line", "column", "length", "expected", "found", "help", "notes"}, …], "errors": n,
/// "warnings": n}`.
pub fn to_json(diagnostics: &Diagnostics) -> Json {
    let list: Vec<JsonDiagnostic<'_>> = diagnostics.iter().map(JsonDiagnostic::from).collect();
    serde_json::json!({
        "diagnostics": list,
        "errors": diagnostics.count(Severity::Error),
        "warnings": diagnostics.count(Severity::Warning),
    })
}

/// [`to_json`], pretty-printed with a trailing newline.
pub fn render_json(diagnostics: &Diagnostics) -> String {
    // Strings, numbers and nulls always serialize.
    let mut text = serde_json::to_string_pretty(&to_json(diagnostics)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::diagnostics::Span;

    #[test]
    fn every_key_is_present() {
        let diagnostics: Diagnostics = [
            Diagnostic::error("E0203", "unknown field `stges`")
                .at(&Span::new(Arc::from("m.yaml"), 2, 1, 5))
                .did_you_mean(Some("stages".into())),
            Diagnostic::warning("E0405", "cycle"),
        ]
        .into_iter()
        .collect();
        let value: Json = serde_json::from_str(&render_json(&diagnostics)).unwrap();
        assert_eq!(
            value,
            json!({
                "diagnostics": [
                    {"code": "E0203", "severity": "error", "message": "unknown field `stges`",
                     "file": "m.yaml", "line": 2, "column": 1, "length": 5, "expected": null,
                     "found": null, "help": "did you mean `stages`?", "notes": []},
                    {"code": "E0405", "severity": "warning", "message": "cycle", "file": null,
                     "line": null, "column": null, "length": null, "expected": null,
                     "found": null, "help": null, "notes": []}
                ],
                "errors": 1,
                "warnings": 1
            })
        );
    }
}
