//! Manifests read straight from granit-parser's events, without serde-saphyr's
//! deserializer in between: the same nodes, in a fraction of the time. Only what this path
//! reads exactly as serde-saphyr does is read here; for anything else (anchors and aliases,
//! merge keys, explicit core tags, numbers other than plain integers, very deep or very
//! large input, syntax errors) it gives up and the caller reads the text with serde-saphyr.

use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle, Span as ParserSpan, Tag};

use super::{At, Raw, RawNode};

/// Texts longer than this are left to serde-saphyr, whose budgets guard large inputs.
const MAX_LEN: usize = 256 * 1024;

/// A node read from the parser's events.
pub(super) struct EventNode {
    at: At,
    raw: Raw<EventNode>,
    tag: Option<String>,
}

impl RawNode for EventNode {
    fn into_parts(self) -> (At, Raw<Self>, Option<String>) {
        (self.at, self.raw, self.tag)
    }
}

/// The documents of `text` (empty ones skipped), or `None` when serde-saphyr must read it.
/// Collections nest at most `max_depth` deep here.
pub(super) fn documents(text: &str, max_depth: usize) -> Option<Vec<EventNode>> {
    if text.len() > MAX_LEN {
        return None;
    }
    let mut options = granit_parser::Options::default();
    options.set_emit_comments(false);
    options.strict_indentation = false;
    options.bom_inside_document_as_content = false;
    let mut reader = Reader {
        parser: Parser::new_from_str_with_options(text, options),
        // serde-saphyr reports a document nested too deep: leave it room to.
        max_depth: max_depth.saturating_sub(2),
    };
    let mut documents = Vec::new();
    loop {
        let (event, span) = reader.next()?;
        match event {
            Event::StreamStart | Event::DocumentStart(..) | Event::DocumentEnd => {}
            Event::StreamEnd => return Some(documents),
            // An empty or null document is skipped, as serde-saphyr does.
            Event::Scalar(value, ScalarStyle::Plain, 0, None) if is_null(&value) => {}
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                documents.push(reader.node(event, span, 1)?);
            }
            _ => return None,
        }
    }
}

struct Reader<'t> {
    parser: Parser<'t, granit_parser::StrInput<'t>>,
    max_depth: usize,
}

impl<'t> Reader<'t> {
    /// The next event, or `None` at a syntax error or the end of the events.
    fn next(&mut self) -> Option<(Event<'t>, ParserSpan)> {
        self.parser.next_event()?.ok()
    }

    /// The node that `event` starts, at nesting `depth`.
    fn node(&mut self, event: Event<'t>, span: ParserSpan, depth: usize) -> Option<EventNode> {
        let at = at(&span);
        match event {
            Event::Scalar(value, style, 0, tag) => {
                let tag = short_form(tag)?;
                let raw = scalar(value, style, tag.is_some())?;
                Some(EventNode { at, raw, tag })
            }
            Event::SequenceStart(_, 0, tag) if depth <= self.max_depth => {
                let tag = short_form(tag)?;
                let mut items = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, span, depth + 1)?);
                }
                let raw = Raw::Sequence(items);
                Some(EventNode { at, raw, tag })
            }
            Event::MappingStart(_, 0, tag) if depth <= self.max_depth => {
                let tag = short_form(tag)?;
                let mut entries = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break;
                    }
                    // A merge key (`<<: *base`) is serde-saphyr's to apply.
                    if matches!(&event, Event::Scalar(key, ScalarStyle::Plain, ..) if key == "<<") {
                        return None;
                    }
                    let key = self.node(event, span, depth + 1)?;
                    let (event, span) = self.next()?;
                    let value = self.node(event, span, depth + 1)?;
                    entries.push((key, value));
                }
                let raw = Raw::Mapping(entries);
                Some(EventNode { at, raw, tag })
            }
            // Anchors, aliases, nesting too deep.
            _ => None,
        }
    }
}

/// Where an event is, as serde-saphyr reports it: 1-based line and column, length in
/// characters, byte range.
fn at(span: &ParserSpan) -> At {
    let bytes = span
        .start
        .byte_offset()
        .zip(span.end.byte_offset())
        .map(|(start, end)| (start as u64, end.saturating_sub(start) as u64));
    At {
        line: span.start.line() as u64,
        column: span.start.col() as u64 + 1,
        len: span.len() as u64,
        bytes,
    }
}

/// `Some(None)` without a tag, `Some(Some("!Name"))` for a local tag (a CloudFormation
/// short form, or an unknown tag the converter reports), `None` for any other tag.
fn short_form(tag: Option<Cow<'_, Tag>>) -> Option<Option<String>> {
    match tag {
        None => Some(None),
        Some(tag)
            if tag.handle() == "!" && tag.original_handle() == "!" && !tag.suffix().is_empty() =>
        {
            Some(Some(format!("!{}", tag.suffix())))
        }
        Some(_) => None,
    }
}

/// A scalar's value under serde-saphyr's rules as cfsynth configures them (YAML 1.2 core
/// schema, strict booleans, leading zeros and underscores keep numbers strings), for the
/// scalars whose value is certain without its number parser; `None` for the others.
fn scalar(value: Cow<'_, str>, style: ScalarStyle, tagged: bool) -> Option<Raw<EventNode>> {
    if style != ScalarStyle::Plain {
        return Some(Raw::String(value.into_owned()));
    }
    let text: &str = &value;
    if !is_null(text) && !is_bool(text) && !could_be_number(text) {
        return Some(Raw::String(value.into_owned()));
    }
    // A tag other than a core one leaves serde-saphyr's typing of the value to rules this
    // path does not copy.
    if tagged {
        return None;
    }
    if is_null(text) {
        return Some(Raw::Null);
    }
    if is_bool(text) {
        return Some(Raw::Bool(text.starts_with(['t', 'T'])));
    }
    if !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return Some(Raw::String(value.into_owned()));
    }
    text.parse::<u64>()
        .ok()
        .map(|number| Raw::Number(number.into()))
}

/// The plain spellings of null.
fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// The YAML 1.2 spellings of a boolean.
fn is_bool(text: &str) -> bool {
    matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// Whether a plain scalar may be read as a number: a digit first (after a sign), a point
/// and a digit, or a spelling of infinity or not-a-number.
fn could_be_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    match unsigned.as_bytes() {
        [b'0'..=b'9', ..] | [b'.', b'0'..=b'9', ..] => true,
        _ => [".inf", ".nan", "inf", "infinity", "nan"]
            .iter()
            .any(|word| unsigned.eq_ignore_ascii_case(word)),
    }
}
