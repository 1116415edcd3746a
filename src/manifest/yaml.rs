//! YAML → [`Node`] trees. The only module that knows the YAML library (serde-saphyr and
//! its parser, granit-parser), so it can be swapped without touching the rest of the
//! manifest layer.
//!
//! Most manifests are read straight from the parser's events ([`events`]); anything that
//! path does not handle exactly as serde-saphyr would (anchors, unusual scalars, errors) is
//! read again through serde-saphyr, which decides and words every error.
//!
//! Parsing is strict where YAML is surprising: only `true`/`false` are booleans, numbers
//! with leading zeros or underscores stay strings, and keys must be unique (every duplicate
//! is reported, with the place of the first). Tags are CloudFormation short forms (`!Ref`,
//! `!Sub`, `!GetAtt a.b`, …), expanded to their long form.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use serde_saphyr::{DuplicateKeyPolicy, MessageFormatter, Spanned, Tagged, UserMessageFormatter};

use super::node::{Node, Value};
use crate::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use crate::template::closest;

mod events;

/// The CloudFormation intrinsic functions that have a YAML short form, by tag name.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAtt", "Fn::GetAtt"),
    ("GetAZs", "Fn::GetAZs"),
    ("ImportValue", "Fn::ImportValue"),
    ("Join", "Fn::Join"),
    ("Length", "Fn::Length"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Transform", "Fn::Transform"),
    ("And", "Fn::And"),
    ("Equals", "Fn::Equals"),
    ("If", "Fn::If"),
    ("Not", "Fn::Not"),
    ("Or", "Fn::Or"),
];

/// The prefix of the YAML core schema's own tags (`!!str`, `!!int`, …), which need no
/// expansion: the parser already applied them.
const CORE_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// How deeply mappings and sequences may nest: far more than manifests need, and shallow
/// enough that the recursive steps after parsing fit a 2 MiB thread stack in debug builds.
const MAX_DEPTH: usize = 32;

/// Parses every document of a YAML stream. Empty documents are skipped. A syntax error
/// ends the file (one diagnostic); problems inside well-formed documents (duplicate keys,
/// unknown tags) are all reported.
pub(crate) fn parse_stream(file: &Arc<str>, text: &str) -> (Vec<Node>, Diagnostics) {
    let converter = Converter {
        file: file.clone(),
        text,
        diagnostics: Diagnostics::new(),
    };
    match events::documents(text, MAX_DEPTH) {
        Some(documents) => converter.documents(documents),
        None => parse_with_library(converter),
    }
}

/// [`parse_stream`] through serde-saphyr.
fn parse_with_library(converter: Converter<'_>) -> (Vec<Node>, Diagnostics) {
    let (file, text) = (converter.file.clone(), converter.text);
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_depth: MAX_DEPTH },
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
    };
    match serde_saphyr::from_multiple_with_options::<LibraryNode>(text, options) {
        Ok(documents) => converter.documents(documents),
        Err(error) => {
            let inner = error.without_snippet();
            let message = UserMessageFormatter.format_message(inner).into_owned();
            let (line, column) = error
                .location()
                .map_or((1, 1), |at| (to_u32(at.line()), to_u32(at.column())));
            let diagnostic = Diagnostic::error(codes::YAML_SYNTAX, message).at(&Span::new(
                file.clone(),
                line.max(1),
                column.max(1),
                1,
            ));
            (Vec::new(), Diagnostics::from(diagnostic))
        }
    }
}

fn to_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Where a node is, as the parser reports it.
struct At {
    /// 1-based.
    line: u64,
    /// 1-based, in characters.
    column: u64,
    /// In characters.
    len: u64,
    /// The byte range in the text, when known.
    bytes: Option<(u64, u64)>,
}

/// A node before conversion: where it is, its value and its tag (e.g. `!Ref`).
trait RawNode: Sized {
    fn into_parts(self) -> (At, Raw<Self>, Option<String>);
}

/// A node as serde-saphyr delivers it.
struct LibraryNode(Spanned<Tagged<Raw<LibraryNode>>>);

impl<'de> Deserialize<'de> for LibraryNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Spanned::deserialize(deserializer).map(LibraryNode)
    }
}

impl RawNode for LibraryNode {
    fn into_parts(self) -> (At, Raw<Self>, Option<String>) {
        let Spanned {
            value: Tagged(raw, tag),
            referenced,
            ..
        } = self.0;
        let span = referenced.span();
        let at = At {
            line: referenced.line(),
            column: referenced.column(),
            len: span.len(),
            bytes: span.byte_offset().zip(span.byte_len()),
        };
        (at, raw, tag)
    }
}

/// A value before conversion, with children of type `N`.
enum Raw<N> {
    Null,
    Bool(bool),
    Number(Number),
    /// An integer or float that JSON cannot hold (kept as written).
    Unrepresentable,
    String(String),
    Sequence(Vec<N>),
    Mapping(Vec<(N, N)>),
}

impl<'de, N: Deserialize<'de>> Deserialize<'de> for Raw<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor(std::marker::PhantomData))
    }
}

struct RawVisitor<N>(std::marker::PhantomData<N>);

impl<'de, N: Deserialize<'de>> Visitor<'de> for RawVisitor<N> {
    type Value = Raw<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Raw<N>, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E>(self) -> Result<Raw<N>, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw<N>, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Raw<N>, E> {
        Ok(Raw::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Raw<N>, E> {
        Ok(Raw::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Raw<N>, E> {
        Ok(Raw::Number(value.into()))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Raw<N>, E> {
        Ok(i64::try_from(value).map_or(Raw::Unrepresentable, |value| Raw::Number(value.into())))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Raw<N>, E> {
        Ok(u64::try_from(value).map_or(Raw::Unrepresentable, |value| Raw::Number(value.into())))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Raw<N>, E> {
        Ok(Number::from_f64(value).map_or(Raw::Unrepresentable, Raw::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Raw<N>, E> {
        Ok(Raw::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Raw<N>, E> {
        Ok(Raw::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw<N>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<N>, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Raw::Mapping(entries))
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Raw<N>, E> {
        Err(E::custom("binary values are not supported"))
    }
}

/// Turns library nodes into [`Node`]s, collecting diagnostics.
struct Converter<'t> {
    file: Arc<str>,
    text: &'t str,
    diagnostics: Diagnostics,
}

impl Converter<'_> {
    /// The documents converted, and every problem found in them.
    fn documents<N: RawNode>(mut self, documents: Vec<N>) -> (Vec<Node>, Diagnostics) {
        let nodes = documents.into_iter().map(|raw| self.node(raw)).collect();
        (nodes, self.diagnostics)
    }

    fn node<N: RawNode>(&mut self, raw: N) -> Node {
        let (at, raw, tag) = raw.into_parts();
        let span = Span::new(
            self.file.clone(),
            to_u32(at.line).max(1),
            to_u32(at.column).max(1),
            to_u32(at.len),
        );
        // The source spelling of the node, when the parser knows its byte range.
        let source = at.bytes.and_then(|(start, len)| {
            let start = usize::try_from(start).ok()?;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            self.text.get(start..end)
        });
        let tag_span = tag
            .as_deref()
            .map(|tag| self.tag_span(tag, &span, at.bytes.map(|(start, _)| start)));
        let plain = match raw {
            Raw::Bool(_) | Raw::Number(_) | Raw::Unrepresentable | Raw::Null => {
                source.map(str::to_owned)
            }
            _ => None,
        };
        let value = match raw {
            Raw::Null => Value::Null,
            Raw::Bool(value) => Value::Bool(value),
            Raw::Number(value) => Value::Number(value),
            Raw::Unrepresentable => Value::String(source.unwrap_or_default().to_owned()),
            Raw::String(text) => {
                if text.contains('\0') {
                    // CloudFormation has no use for it, and cfsynth marks its own
                    // reference tokens with it: a manifest must not be able to forge one.
                    self.diagnostics.push(
                        Diagnostic::error(codes::NUL_CHARACTER, "a NUL character in a string")
                            .at(&span)
                            .expected("text without NUL characters")
                            .help(
                                "remove it: in double-quoted YAML it is written `\\0`, \
                                 `\\x00` or `\\u0000`",
                            ),
                    );
                }
                Value::String(text)
            }
            Raw::Sequence(items) => {
                Value::Sequence(items.into_iter().map(|item| self.node(item)).collect())
            }
            Raw::Mapping(entries) => self.mapping(entries),
        };
        let node = Node {
            value,
            span,
            tag: None,
            plain,
        };
        match (tag, tag_span) {
            (Some(tag), Some(tag_span)) if !tag.starts_with(CORE_TAG_PREFIX) => {
                self.short_form(&tag, tag_span, node)
            }
            _ => node,
        }
    }

    /// Where the tag of a node is: just before the value on its line when it is written
    /// there (`!Sub "…"`), else the value itself.
    fn tag_span(&self, tag: &str, value: &Span, byte_offset: Option<u64>) -> Span {
        let width = byte_offset
            .and_then(|offset| usize::try_from(offset).ok())
            .and_then(|offset| self.text.get(..offset))
            .and_then(|before| {
                let trimmed = before.trim_end_matches([' ', '\t']);
                let gap = before.len() - trimmed.len();
                (gap > 0 && trimmed.ends_with(tag)).then(|| gap + tag.chars().count())
            });
        let column = width
            .and_then(|width| value.column.checked_sub(u32::try_from(width).ok()?))
            .filter(|column| *column >= 1);
        match column {
            Some(column) => Span::new(
                value.file.clone(),
                value.line,
                column,
                u32::try_from(tag.chars().count()).unwrap_or(u32::MAX),
            ),
            None => value.clone(),
        }
    }

    fn mapping<N: RawNode>(&mut self, entries: Vec<(N, N)>) -> Value {
        let mut mapping: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let key = self.node(key);
            let value = self.node(value);
            if matches!(key.value, Value::Sequence(_) | Value::Mapping(_)) {
                self.diagnostics.push(
                    Diagnostic::error(codes::NON_STRING_KEY, "mapping keys must be strings")
                        .at(&key.span)
                        .found(key.describe()),
                );
                continue;
            }
            let name = key.as_key();
            if let Some((first, _)) = mapping.iter().find(|(k, _)| k.as_key() == name) {
                self.diagnostics.push(
                    Diagnostic::error(codes::DUPLICATE_KEY, format!("duplicate key `{name}`"))
                        .at(&key.span)
                        .note(format!("`{name}` is first defined at {}", first.span))
                        .help("remove one of them"),
                );
                continue;
            }
            mapping.push((key, value));
        }
        Value::Mapping(mapping)
    }

    /// `!Name value` → `{Fn::Name: value}` (`!GetAtt a.b` → `{Fn::GetAtt: [a, b]}`).
    fn short_form(&mut self, tag: &str, tag_span: Span, node: Node) -> Node {
        let name = tag.trim_start_matches('!');
        let Some((_, function)) = SHORT_FORMS.iter().find(|(short, _)| *short == name) else {
            let known: Vec<String> = SHORT_FORMS
                .iter()
                .map(|(short, _)| format!("!{short}"))
                .collect();
            self.diagnostics.push(
                Diagnostic::error(codes::UNKNOWN_TAG, format!("unknown tag `{tag}`"))
                    .at(&tag_span)
                    .expected("a CloudFormation short form such as `!Ref`, `!Sub` or `!GetAtt`")
                    .did_you_mean(closest(tag, known.iter().map(String::as_str))),
            );
            return node;
        };
        let span = node.span.clone();
        let argument = match (&node.value, *function) {
            (Value::String(text), "Fn::GetAtt") => match text.split_once('.') {
                Some((resource, attribute)) => Node::new(
                    Value::Sequence(vec![
                        Node::new(Value::String(resource.to_owned()), span.clone()),
                        Node::new(Value::String(attribute.to_owned()), span.clone()),
                    ]),
                    span.clone(),
                ),
                None => node,
            },
            _ => node,
        };
        let key = Node::new(Value::String((*function).to_owned()), tag_span.clone());
        Node {
            value: Value::Mapping(vec![(key, argument)]),
            span: tag_span,
            tag: Some(format!("!{name}")),
            plain: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(text: &str) -> (Vec<Node>, Vec<String>) {
        let (nodes, diagnostics) = parse_stream(&Arc::from("t.yaml"), text);
        (nodes, diagnostics.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn documents_keep_positions_and_skip_empty_ones() {
        let (nodes, errors) = parse("kind: Stack\nname: \"api\"\n---\n---\nkind: Accounts\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(nodes.len(), 2);
        let (key, value) = nodes[0].entry("name").unwrap();
        assert_eq!((key.span.line, key.span.column, key.span.len), (2, 1, 4));
        assert_eq!(
            (value.span.line, value.span.column, value.span.len),
            (2, 7, 5)
        );
        assert_eq!(nodes[1].get("kind").unwrap().span.line, 5);
    }

    #[test]
    fn scalars_are_strict_and_keep_their_spelling() {
        let (nodes, _) =
            parse("a: yes\nb: true\nc: 011122223333\nd: 111122223333\ne: 1_000\nf: 1e3\ng: ~\n");
        assert_eq!(
            nodes[0].to_json(),
            json!({"a": "yes", "b": true, "c": "011122223333", "d": 111122223333u64, "e": "1_000", "f": 1000.0, "g": null})
        );
        assert_eq!(nodes[0].get("f").unwrap().plain.as_deref(), Some("1e3"));
    }

    #[test]
    fn short_forms_expand_to_long_forms() {
        let (nodes, errors) = parse(
            "a: !Ref Bucket\nb: !GetAtt Queue.Arn\nc: !Join [\",\", [x, !Sub \"${AWS::Region}\"]]\nd: !!str 12\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            nodes[0].to_json(),
            json!({
                "a": {"Ref": "Bucket"},
                "b": {"Fn::GetAtt": ["Queue", "Arn"]},
                "c": {"Fn::Join": [",", ["x", {"Fn::Sub": "${AWS::Region}"}]]},
                "d": "12"
            })
        );
        assert_eq!(
            nodes[0].get("a").unwrap().describe(),
            "the intrinsic function `!Ref`"
        );
    }

    #[test]
    fn unknown_tags_duplicate_and_complex_keys_are_reported() {
        let (_, errors) = parse("a: !Reff x\nb: 1\nb: 2\n? [x]\n: 3\n");
        assert_eq!(
            errors,
            [
                "t.yaml:1:4: error[E0103]: unknown tag `!Reff`",
                "t.yaml:3:1: error[E0102]: duplicate key `b`",
                "t.yaml:4:3: error[E0104]: mapping keys must be strings",
            ]
        );
    }

    /// The nodes and the diagnostics of a text.
    type Read = (Vec<Node>, Vec<String>);

    /// What each path makes of `text`: the fast one (`None` when it gives up) and
    /// serde-saphyr's.
    fn both_paths(text: &str) -> (Option<Read>, Read) {
        let file: Arc<str> = Arc::from("t.yaml");
        let converter = || Converter {
            file: file.clone(),
            text,
            diagnostics: Diagnostics::new(),
        };
        let shown = |(nodes, diagnostics): (Vec<Node>, Diagnostics)| -> Read {
            (nodes, diagnostics.iter().map(ToString::to_string).collect())
        };
        let fast = events::documents(text, MAX_DEPTH)
            .map(|documents| shown(converter().documents(documents)));
        (fast, shown(parse_with_library(converter())))
    }

    /// Every YAML file under `dir`.
    fn yaml_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && !path.ends_with("node_modules") {
                yaml_files(&path, found);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
            {
                found.push(path);
            }
        }
    }

    #[test]
    fn the_fast_path_reads_every_manifest_here_as_serde_saphyr_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["manifests", "tests", "blueprints", "bench"] {
            yaml_files(&root.join(dir), &mut files);
        }
        let mut fast = 0;
        for file in &files {
            let text = std::fs::read_to_string(file).expect("UTF-8");
            let (ours, library) = both_paths(&text);
            if let Some(ours) = ours {
                assert_eq!(ours, library, "{}", file.display());
                fast += 1;
            }
        }
        // The ones it gives up on have a float (a Glue capacity) or a syntax error.
        assert!(files.len() >= 30, "{} files", files.len());
        assert!(
            fast * 10 >= files.len() * 8,
            "{fast} of {} files",
            files.len()
        );
    }

    #[test]
    fn the_fast_path_reads_tricky_yaml_as_serde_saphyr_does_or_gives_up() {
        let texts = [
            "a: 1\nb: -1\nc: 007\nd: 1_000\ne: 1.5\nf: .inf\ng: -.nan\nh: 0x1F\ni: 18446744073709551616\n",
            "a: inf\nb: NaN\nc: Infinity\nd: +1\ne: 1e3\nf: 0o17\ng: 0\nh: 12abc\ni: abc12\n",
            "a: -foo\nb: +bar\nc: .hidden\nd: ../x.yaml\ne: -\nf: --flag\ng: -.inf\nh: +.5\ni: .5e3\n",
            "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: ''\ng: \"\"\nh: 'null'\ni: \"true\"\n",
            "a: true\nb: True\nc: TRUE\nd: yes\ne: on\nf: false\ng: FALSE\nh: 'false'\n",
            "a: !Ref x\nb: !Sub '${A}'\nc: !GetAtt q.Arn\nd: !Reff y\ne: !!str 12\nf: !Ref 12\ng: !Ref\n",
            "a: !Ref x\nb: !Sub '${A}'\nc: !GetAtt q.Arn\nd: !Reff y\ne: !Sub\n  - '${A}'\n  - {A: !Ref b}\n",
            "a: !If [c, !Ref x, !Ref AWS::NoValue]\nb: !Join [',', [!Ref a, b]]\nc: !Select [0, !GetAZs '']\n",
            "base: &b {x: 1}\nother: *b\nmerged:\n  <<: *b\n  y: 2\n",
            "a: |\n  line\n  two\nb: >\n  folded\n  text\nc: \"esc\\tape\\u00e9\"\nd: multi\n  line plain\n",
            "? [complex]\n: key\n? {m: 1}\n: v\n1: one\ntrue: t\nnull: n\n",
            "a: 1\na: 2\nb: {c: 1, c: 2}\n",
            "---\n---\na: 1\n--- ~\n---\n- x\n- {y: z}\n...\n",
            "# comment\na: b # trailing\n# more\nc: [d, e] # flow\n",
            "caf\u{e9}: \"\u{e9}t\u{e9}\"\nna\u{ef}ve: 'x'\n\u{1F600}: smile\n",
            "a: [1, 2\nb: c\n",
            "a:\n  - b\n - c\n",
            "%YAML 1.2\n---\na: b\n",
            "%TAG ! tag:example.com,2000:\n---\na: !Ref x\n",
            "a: b: c\n",
            "key with spaces: value with spaces\n'quoted key': 1\n\"dq key\": 2\n",
            "list:\n- a\n-\n- - nested\n  - list\n- k: v\n  k2: v2\n",
            "just a scalar\n",
            "- top\n- level\n",
        ];
        let mut fast = Vec::new();
        for (index, text) in texts.iter().enumerate() {
            let (ours, library) = both_paths(text);
            if let Some(ours) = ours {
                assert_eq!(ours, library, "{text:?}");
                fast.push(index);
            }
        }
        // It gives up on numbers it would have to parse, core tags, anchors, `%TAG`,
        // syntax errors and scalar documents.
        assert_eq!(fast, [3, 4, 6, 7, 9, 10, 11, 12, 13, 14, 17, 20, 21, 23]);
        let deep = format!("{}x{}", "[".repeat(40), "]".repeat(40));
        assert!(both_paths(&format!("a: {deep}\n")).0.is_none());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let (nodes, errors) = parse("a: [1, 2\nb: c\n");
        assert!(nodes.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("t.yaml:2:2: error[E0101]: "),
            "{errors:?}"
        );
    }
}
