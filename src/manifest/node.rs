//! The parsed YAML tree: every node knows where it came from.

use std::borrow::Cow;

use serde_json::{Map, Number, Value as Json};

use crate::diagnostics::Span;

/// A YAML node with its position. CloudFormation short forms (`!Ref x`, `!Sub …`) are
/// already expanded to their long form (`{Ref: x}`), with the tag kept for messages.
#[derive(Clone, PartialEq, Debug)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it is (for a mapping or sequence: where it starts).
    pub span: Span,
    /// The CloudFormation short-form tag it was written with (e.g. `!Sub`), if any.
    pub tag: Option<String>,
    /// The source spelling of a plain non-string scalar (`0x1F`, `1e3`, `true`), so that a
    /// field that wants a string gets what was written.
    pub plain: Option<String>,
}

/// The value of a [`Node`].
#[derive(Clone, PartialEq, Debug)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer or a float.
    Number(Number),
    /// A string.
    String(String),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in source order, with unique keys.
    Mapping(Vec<(Node, Node)>),
}

/// One step of a path into a node tree.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Step<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A sequence index.
    Index(usize),
}

impl Node {
    /// A node without a tag or source spelling.
    pub fn new(value: Value, span: Span) -> Node {
        Node {
            value,
            span,
            tag: None,
            plain: None,
        }
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The key node and the value under `key`, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Mapping(entries) => entries
                .iter()
                .find(|(k, _)| k.as_key() == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The node at a path, or the deepest node on the way that exists.
    pub fn find<'n>(&'n self, path: &[Step<'_>]) -> &'n Node {
        let mut node = self;
        for step in path {
            let next = match (step, &node.value) {
                (Step::Key(key), _) => node.get(key),
                (Step::Index(index), Value::Sequence(items)) => items.get(*index),
                (Step::Index(_), _) => None,
            };
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        node
    }

    /// The text of a scalar used as a mapping key: a string's value, or what was written.
    pub fn as_key(&self) -> Cow<'_, str> {
        match (&self.value, &self.plain) {
            (Value::String(text), _) => Cow::Borrowed(text),
            (_, Some(plain)) => Cow::Borrowed(plain),
            (Value::Bool(value), None) => Cow::Owned(value.to_string()),
            (Value::Number(value), None) => Cow::Owned(value.to_string()),
            (Value::Null, None) => Cow::Borrowed(""),
            (Value::Sequence(_) | Value::Mapping(_), None) => Cow::Borrowed(""),
        }
    }

    /// What this node is, for messages: `a mapping`, ``the string `abc` ``, ```!Ref` ``.
    pub fn describe(&self) -> String {
        if let Some(tag) = &self.tag {
            return format!("the intrinsic function `{tag}`");
        }
        match &self.value {
            Value::Null => "nothing (null)".to_owned(),
            Value::Bool(value) => format!("the boolean `{value}`"),
            Value::Number(value) => format!(
                "the number `{}`",
                self.plain.clone().unwrap_or_else(|| value.to_string())
            ),
            Value::String(text) => format!("the string `{}`", shorten(text)),
            Value::Sequence(_) => "a sequence".to_owned(),
            Value::Mapping(_) => "a mapping".to_owned(),
        }
    }

    /// The node as JSON (keys as text).
    pub fn to_json(&self) -> Json {
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(value) => Json::Bool(*value),
            Value::Number(value) => Json::Number(value.clone()),
            Value::String(text) => Json::String(text.clone()),
            Value::Sequence(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Mapping(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.as_key().into_owned(), value.to_json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }
}

/// A string cut to 40 characters for messages.
fn shorten(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(40) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn span(line: u32) -> Span {
        Span::new(Arc::from("t.yaml"), line, 1, 1)
    }

    fn string(text: &str, line: u32) -> Node {
        Node::new(Value::String(text.to_owned()), span(line))
    }

    #[test]
    fn paths_lead_to_the_deepest_existing_node() {
        let list = Node::new(Value::Sequence(vec![string("x", 3)]), span(2));
        let root = Node::new(Value::Mapping(vec![(string("items", 2), list)]), span(1));
        assert_eq!(
            root.find(&[Step::Key("items"), Step::Index(0)]).span.line,
            3
        );
        assert_eq!(
            root.find(&[Step::Key("items"), Step::Index(4)]).span.line,
            2
        );
        assert_eq!(
            root.find(&[Step::Key("other"), Step::Index(0)]).span.line,
            1
        );
        assert_eq!(root.to_json(), serde_json::json!({"items": ["x"]}));
    }

    #[test]
    fn descriptions_name_the_value() {
        assert_eq!(string("abc", 1).describe(), "the string `abc`");
        assert_eq!(
            string(&"x".repeat(50), 1).describe(),
            format!("the string `{}…`", "x".repeat(40))
        );
        let mut number = Node::new(Value::Number(31.into()), span(1));
        number.plain = Some("0x1F".into());
        assert_eq!(number.describe(), "the number `0x1F`");
        assert_eq!(number.as_key(), "0x1F");
    }
}
