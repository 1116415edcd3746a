//! Deterministic JSON and YAML emitters.
//!
//! Both work from the template's JSON tree (ordered maps), so the same model gives
//! byte-identical output on every run and machine. YAML uses the long form of intrinsic
//! functions (`Fn::GetAtt:`), never the `!Tag` short form, so any YAML parser reads it.

use std::cell::RefCell;
use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;
use serde_json::{Map, Value as Json};

use super::model::Template;
use super::validate::{TemplateErrors, Upload, check_body_size};

impl Template {
    /// The template as a JSON tree, without validation.
    pub fn to_json_value(&self) -> Json {
        // The model contains only strings, numbers, booleans, sequences and string-keyed
        // maps, which always serialize.
        serde_json::to_value(self).unwrap_or(Json::Null)
    }

    /// The template as pretty-printed JSON (two-space indent, trailing newline), without
    /// validation; serialized directly, with no intermediate JSON tree.
    pub fn render_json(&self) -> String {
        // Rendered into a buffer reused by the thread, then copied once at its final size:
        // growing each body from empty reallocated it a dozen times and left it with up to
        // twice the memory it needs.
        thread_local! {
            static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            let mut serializer =
                serde_json::Serializer::with_formatter(&mut *buffer, Pretty::default());
            if self.serialize(&mut serializer).is_err() {
                return String::new();
            }
            buffer.push(b'\n');
            std::str::from_utf8(buffer).map_or_else(|_| String::new(), str::to_owned)
        })
    }

    /// Validates the template, then renders it as pretty-printed JSON (two-space indent,
    /// trailing newline). Fails if it is invalid or larger than the S3 upload limit.
    pub fn to_json(&self) -> Result<String, TemplateErrors> {
        self.validate()?;
        let body = self.render_json();
        check_body_size(&body, Upload::S3)?;
        Ok(body)
    }

    /// Validates the template, then renders it as YAML with long-form intrinsics.
    /// Fails if it is invalid or larger than the S3 upload limit.
    pub fn to_yaml(&self) -> Result<String, TemplateErrors> {
        self.validate()?;
        let body = render_yaml(&self.to_json_value());
        check_body_size(&body, Upload::S3)?;
        Ok(body)
    }
}

/// Pretty JSON with a trailing newline.
pub fn render_json(value: &Json) -> String {
    let mut body = serde_json::to_string_pretty(value).unwrap_or_default();
    body.push('\n');
    body
}

/// Block-style YAML of a JSON tree.
pub fn render_yaml(value: &Json) -> String {
    let mut out = String::new();
    match value {
        Json::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0),
        Json::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0),
        scalar => {
            write_inline(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_mapping(out: &mut String, map: &Map<String, Json>, indent: usize) {
    for (key, value) in map {
        pad(out, indent);
        out.push_str(&scalar_string(key));
        out.push(':');
        write_nested(out, value, indent + 2);
    }
}

fn write_sequence(out: &mut String, items: &[Json], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            Json::Object(map) if !map.is_empty() => {
                // The first entry goes on the dash's line: "- Key: value".
                let mut block = String::new();
                write_mapping(&mut block, map, indent + 2);
                out.push(' ');
                out.push_str(&block[indent + 2..]);
            }
            Json::Array(inner) if !inner.is_empty() => {
                let mut block = String::new();
                write_sequence(&mut block, inner, indent + 2);
                out.push(' ');
                out.push_str(&block[indent + 2..]);
            }
            scalar => {
                out.push(' ');
                write_inline(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// Writes a value after `key:`: inline when scalar, else as an indented block.
fn write_nested(out: &mut String, value: &Json, indent: usize) {
    match value {
        Json::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_mapping(out, map, indent);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_sequence(out, items, indent);
        }
        scalar => {
            out.push(' ');
            write_inline(out, scalar, indent);
            out.push('\n');
        }
    }
}

/// Writes a scalar or empty collection; multi-line strings become literal blocks whose
/// lines are indented by `indent`.
fn write_inline(out: &mut String, value: &Json, indent: usize) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Json::Number(number) => out.push_str(&number.to_string()),
        Json::String(text) if fits_literal_block(text) => write_literal_block(out, text, indent),
        Json::String(text) => out.push_str(&scalar_string(text)),
        Json::Array(_) => out.push_str("[]"),
        Json::Object(_) => out.push_str("{}"),
    }
}

fn fits_literal_block(text: &str) -> bool {
    text.contains('\n')
        && !text.starts_with([' ', '\n'])
        && text
            .chars()
            .all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !text.lines().any(|line| line.ends_with([' ', '\t']))
}

fn write_literal_block(out: &mut String, text: &str, indent: usize) {
    let trailing_newlines = text.len() - text.trim_end_matches('\n').len();
    out.push_str(match trailing_newlines {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    let body = text.strip_suffix('\n').unwrap_or(text);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
}

/// A string as a YAML scalar: plain when that cannot be misread, double-quoted otherwise.
fn scalar_string(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_owned()
    } else {
        // A JSON string literal is a valid YAML double-quoted scalar.
        serde_json::to_string(text).unwrap_or_default()
    }
}

fn is_plain_safe(text: &str) -> bool {
    const RESERVED: [&str; 14] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "none", "nan", "inf", "=",
    ];
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_' || first == '/')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_-./:@*".contains(c))
        && !text.ends_with(':')
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_pretty_format_is_serde_jsons_at_every_depth() {
        let mut deep = json!({"leaf": [1, {}, [], "x\n\"y\""], "empty": {}});
        for depth in 0..40 {
            deep = json!({ format!("level-{depth}"): [deep, null, true, 1.5, {"a": []}] });
        }
        let mut ours = Vec::new();
        deep.serialize(&mut serde_json::Serializer::with_formatter(
            &mut ours,
            Pretty::default(),
        ))
        .expect("serializes");
        let expected = serde_json::to_string_pretty(&deep).expect("serializes");
        assert_eq!(String::from_utf8(ours).expect("UTF-8"), expected);
    }

    #[test]
    fn yaml_of_nested_maps_lists_and_intrinsics() {
        let value = json!({
            "Resources": {
                "Bucket": {
                    "Type": "AWS::S3::Bucket",
                    "Properties": {
                        "Tags": [{"Key": "team", "Value": "data platform"}],
                        "Arn": {"Fn::GetAtt": ["Role", "Arn"]},
                        "Empty": [],
                        "Nested": [["a", "b"], []],
                        "Count": 3,
                        "Enabled": true
                    }
                }
            }
        });
        let expected = "\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - Key: team
          Value: \"data platform\"
      Arn:
        Fn::GetAtt:
          - Role
          - Arn
      Empty: []
      Nested:
        - - a
          - b
        - []
      Count: 3
      Enabled: true
";
        assert_eq!(render_yaml(&value), expected);
    }

    #[test]
    fn strings_that_yaml_would_misread_are_quoted() {
        for text in [
            "yes",
            "No",
            "true",
            "null",
            "~",
            "123",
            "1.5",
            "",
            " lead",
            "a: b",
            "#x",
            "*",
            "-",
            "a:",
            "key: value",
            "@x",
            "2010-09-09",
        ] {
            let rendered = scalar_string(text);
            assert!(rendered.starts_with('"'), "{text:?} rendered as {rendered}");
        }
        for text in [
            "AWS::S3::Bucket",
            "arn:aws:s3:::bucket/*",
            "aws:kms",
            "Fn::Sub",
        ] {
            assert_eq!(scalar_string(text), text);
        }
    }

    #[test]
    fn multi_line_strings_become_literal_blocks() {
        let value =
            json!({"BuildSpec": "version: 0.2\nphases:\n  build:\n\n    commands: [make]\n"});
        assert_eq!(
            render_yaml(&value),
            "BuildSpec: |\n  version: 0.2\n  phases:\n    build:\n\n      commands: [make]\n"
        );
        let no_newline = json!({"A": "x\ny"});
        assert_eq!(render_yaml(&no_newline), "A: |-\n  x\n  y\n");
        let trailing_space = json!({"A": "x \ny"});
        assert_eq!(render_yaml(&trailing_space), "A: \"x \\ny\"\n");
    }

    #[test]
    fn json_ends_with_a_newline() {
        assert_eq!(render_json(&json!({"A": 1})), "{\n  \"A\": 1\n}\n");
    }
}

/// serde_json's pretty format (two-space indent), each line break and its indentation
/// written at once rather than one indent level at a time.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// A line break followed by the indentation of the deepest level written at once.
const BREAK: &[u8] = b"\n                                                                ";

impl Pretty {
    /// A line break and the indentation of the current depth.
    fn line<W: ?Sized + io::Write>(&self, writer: &mut W) -> io::Result<()> {
        let width = 1 + 2 * self.depth;
        match BREAK.get(..width) {
            Some(line) => writer.write_all(line),
            None => {
                writer.write_all(b"\n")?;
                (0..self.depth).try_for_each(|_| writer.write_all(b"  "))
            }
        }
    }

    /// Opens an array or an object.
    fn open<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// Closes an array or an object, on a line of its own unless it is empty.
    fn close<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(writer)?;
        }
        writer.write_all(bracket)
    }

    /// Starts an element or a key: after a comma unless it is the first, on a new line.
    fn entry<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        self.line(writer)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.entry(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.entry(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}
