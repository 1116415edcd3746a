//! A serde deserializer over [`Node`] trees: typed kinds are read from manifests with every
//! error located at the node that caused it.
//!
//! Scalars follow the Rust type: a field that wants a string accepts any plain scalar as
//! written (`account: 111122223333` is the string `"111122223333"`); numbers, booleans,
//! sequences and mappings must be what the field wants (a sequence never fills a struct).

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};

use super::node::{Node, Value};
use crate::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use crate::template::closest;

/// The newtype name by which [`Located`](super::Located) asks for its span.
pub(crate) const LOCATED_MARKER: &str = "$cfsynth::Located";
/// The newtype name by which [`Node`] asks for itself.
pub(crate) const NODE_MARKER: &str = "$cfsynth::Node";

/// Reads a `T` from a node. `path` names the node in messages (empty at the top of a
/// document); `key` is the key it is the value of, where missing fields are reported.
/// `skip` lists keys of the node that are read elsewhere (a document's `kind`, `name`,
/// `env`): they are skipped, and offered as suggestions for unknown fields.
pub(crate) fn from_node<'de, T: de::Deserialize<'de>>(
    node: &'de Node,
    path: &str,
    key: Option<&'de Node>,
    skip: &'de [&'static str],
) -> Result<T, Diagnostics> {
    let de = NodeDe {
        node,
        path: path.to_owned(),
        key,
        skip,
    };
    T::deserialize(de).map_err(|error| error.into_diagnostic().into())
}

/// A deserialization error, located once it reaches the node that caused it.
#[derive(Debug)]
pub(crate) struct Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    code: &'static str,
    message: String,
    expected: Option<String>,
    found: Option<String>,
    /// For unknown names: the name and the valid ones.
    unknown: Option<(String, Vec<&'static str>)>,
    span: Option<Span>,
}

impl Error {
    fn new(code: &'static str, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            code,
            message: message.into(),
            expected: None,
            found: None,
            unknown: None,
            span: None,
        }))
    }

    fn expected(mut self, expected: impl Into<String>) -> Error {
        self.0.expected = Some(expected.into());
        self
    }

    fn found(mut self, found: impl Into<String>) -> Error {
        self.0.found = Some(found.into());
        self
    }

    fn unknown(mut self, name: &str, candidates: &[&'static str]) -> Error {
        self.0.unknown = Some((name.to_owned(), candidates.to_vec()));
        self
    }

    fn invalid_type_at(node: &Node, expected: &str) -> Error {
        Error::new(codes::INVALID_TYPE, "invalid type")
            .expected(expected)
            .found(node.describe())
    }

    /// Sets the span and path context, unless an inner node already did.
    fn locate(mut self, de: &NodeDe<'_>) -> Error {
        let inner = &mut *self.0;
        if inner.span.is_some() {
            return self;
        }
        let mut node = de.node;
        if !de.path.is_empty() {
            match inner.code {
                codes::INVALID_TYPE => inner.message = format!("invalid type for `{}`", de.path),
                codes::INVALID_VALUE if inner.unknown.is_some() => {
                    inner.message = format!("{} for `{}`", inner.message, de.path);
                }
                codes::INVALID_VALUE => {
                    inner.message = format!("{} (at `{}`)", inner.message, de.path);
                }
                codes::MISSING_FIELD => {
                    inner.message = format!("{} in `{}`", inner.message, de.path);
                    node = de.key.unwrap_or(node);
                }
                _ => {}
            }
        }
        inner.span = Some(node.span.clone());
        self
    }

    fn into_diagnostic(self) -> Diagnostic {
        let inner = *self.0;
        let mut diagnostic = Diagnostic::error(inner.code, inner.message);
        diagnostic.span = inner.span;
        diagnostic.expected = inner.expected;
        diagnostic.found = inner.found;
        if let Some((name, candidates)) = inner.unknown {
            if diagnostic.expected.is_none() {
                diagnostic.expected = Some(one_of(&candidates));
            }
            diagnostic = diagnostic.did_you_mean(closest(&name, candidates.iter().copied()));
        }
        diagnostic
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error::new(codes::INVALID_VALUE, message.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Error::new(codes::INVALID_TYPE, "invalid type")
            .expected(humanize(&expected.to_string()))
            .found(describe(&unexpected))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Error::new(codes::INVALID_VALUE, "invalid value")
            .expected(humanize(&expected.to_string()))
            .found(describe(&unexpected))
    }

    fn invalid_length(len: usize, expected: &dyn de::Expected) -> Self {
        Error::new(codes::INVALID_VALUE, "wrong number of items")
            .expected(humanize(&expected.to_string()))
            .found(format!("{len} items"))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::new(codes::INVALID_VALUE, format!("unknown value `{variant}`"))
            .unknown(variant, expected)
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Error::new(codes::UNKNOWN_FIELD, format!("unknown field `{field}`"))
            .unknown(field, expected)
    }

    fn missing_field(field: &'static str) -> Self {
        Error::new(codes::MISSING_FIELD, format!("missing field `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Error::new(codes::DUPLICATE_KEY, format!("duplicate key `{field}`"))
    }
}

/// `` one of `a`, `b` `` for a list of valid names.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => "no field here".to_owned(),
        [name] => format!("`{name}`"),
        names => {
            let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            format!("one of {}", quoted.join(", "))
        }
    }
}

/// Serde's expectation texts in manifest words.
fn humanize(expected: &str) -> String {
    let integer = |name: &str| {
        name.strip_prefix(['u', 'i'])
            .is_some_and(|bits| ["8", "16", "32", "64", "128", "size"].contains(&bits))
    };
    match expected {
        text if text.starts_with("struct ") || text == "a map" => "a mapping".to_owned(),
        text if integer(text) => "an integer".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        text => text.to_owned(),
    }
}

fn describe(unexpected: &Unexpected<'_>) -> String {
    match unexpected {
        Unexpected::Bool(value) => format!("the boolean `{value}`"),
        Unexpected::Unsigned(value) => format!("the number `{value}`"),
        Unexpected::Signed(value) => format!("the number `{value}`"),
        Unexpected::Float(value) => format!("the number `{value}`"),
        Unexpected::Char(value) => format!("the character `{value}`"),
        Unexpected::Str(value) => format!("the string `{value}`"),
        Unexpected::Unit => "nothing (null)".to_owned(),
        Unexpected::Seq => "a sequence".to_owned(),
        Unexpected::Map => "a mapping".to_owned(),
        other => other.to_string(),
    }
}

/// Deserializes one node.
#[derive(Clone)]
struct NodeDe<'de> {
    node: &'de Node,
    /// Where the node is in the document, e.g. `resources[0].cfn.type`.
    path: String,
    /// The key whose value this node is (missing-field errors point there).
    key: Option<&'de Node>,
    /// Keys of this mapping to skip (only at the top of a document).
    skip: &'de [&'static str],
}

impl<'de> NodeDe<'de> {
    fn child(&self, node: &'de Node, path: String, key: Option<&'de Node>) -> NodeDe<'de> {
        NodeDe {
            node,
            path,
            key,
            skip: &[],
        }
    }

    fn any<V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(value) => visitor.visit_bool(*value),
            Value::Number(number) => {
                if let Some(value) = number.as_u64() {
                    visitor.visit_u64(value)
                } else if let Some(value) = number.as_i64() {
                    visitor.visit_i64(value)
                } else {
                    visitor.visit_f64(number.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Sequence(items) => visitor.visit_seq(SeqDe {
                parent: self,
                items: items.iter().enumerate(),
            }),
            Value::Mapping(entries) => visitor.visit_map(MapDe {
                parent: self,
                entries: entries.iter(),
                value: None,
            }),
        }
    }

    fn string<V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, Error> {
        match (&self.node.value, &self.node.plain) {
            (Value::String(text), _) => visitor.visit_borrowed_str(text),
            (Value::Bool(_) | Value::Number(_), Some(plain)) => visitor.visit_borrowed_str(plain),
            (Value::Bool(value), None) => visitor.visit_string(value.to_string()),
            (Value::Number(value), None) => visitor.visit_string(value.to_string()),
            _ => Err(Error::invalid_type_at(self.node, "a string")),
        }
    }

    fn located<V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, Error> {
        let span = &self.node.span;
        let encoded = format!("{}:{}:{}:{}", span.line, span.column, span.len, span.file);
        visitor.visit_seq(PartsDe {
            parts: vec![encoded],
            rest: Some(self.clone()),
            content: false,
        })
    }

    fn captured<V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, Error> {
        let span = &self.node.span;
        let parts = vec![
            format!("{}:{}:{}:{}", span.line, span.column, span.len, span.file),
            self.node.tag.clone().unwrap_or_default(),
            self.node.plain.clone().unwrap_or_default(),
        ];
        visitor.visit_seq(PartsDe {
            parts,
            rest: Some(self.clone()),
            content: true,
        })
    }
}

macro_rules! forward_to_any {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.any(visitor).map_err(|error| error.locate(&self))
            }
        )*
    };
}

impl<'de> Deserializer<'de> for NodeDe<'de> {
    type Error = Error;

    forward_to_any! {
        deserialize_any deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Bool(value) => visitor.visit_bool(value),
            _ => Err(Error::invalid_type_at(self.node, "`true` or `false`")),
        }
        .map_err(|error| error.locate(&self))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor).map_err(|error| error.locate(&self))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor).map_err(|error| error.locate(&self))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor).map_err(|error| error.locate(&self))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor).map_err(|error| error.locate(&self))
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(Error::invalid_type_at(self.node, "bytes").locate(&self))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(Error::invalid_type_at(self.node, "bytes").locate(&self))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self.clone()),
        }
        .map_err(|error| error.locate(&self))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(Error::invalid_type_at(self.node, "nothing (null)")),
        }
        .map_err(|error| error.locate(&self))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match name {
            LOCATED_MARKER => self.located(visitor),
            NODE_MARKER => self.captured(visitor),
            _ => visitor.visit_newtype_struct(self.clone()),
        }
        .map_err(|error| error.locate(&self))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Sequence(_) => self.any(visitor),
            _ => Err(Error::invalid_type_at(self.node, "a sequence")),
        }
        .map_err(|error| error.locate(&self))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Mapping(_) => self.any(visitor),
            _ => Err(Error::invalid_type_at(self.node, "a mapping")),
        }
        .map_err(|error| error.locate(&self))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::String(text) => visitor.visit_enum(text.as_str().into_deserializer()),
            Value::Mapping(entries) if entries.len() == 1 => visitor.visit_enum(EnumDe {
                parent: &self,
                entry: &entries[0],
            }),
            _ => Err(Error::invalid_type_at(
                self.node,
                "a name, or a mapping with one key",
            )),
        }
        .map_err(|error| error.locate(&self))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct SeqDe<'a, 'de> {
    parent: &'a NodeDe<'de>,
    items: std::iter::Enumerate<std::slice::Iter<'de, Node>>,
}

impl<'de> SeqAccess<'de> for SeqDe<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some((index, item)) = self.items.next() else {
            return Ok(None);
        };
        let path = format!("{}[{index}]", self.parent.path);
        seed.deserialize(self.parent.child(item, path, None))
            .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDe<'a, 'de> {
    parent: &'a NodeDe<'de>,
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<(&'de Node, &'de Node)>,
}

impl<'de> MapDe<'_, 'de> {
    fn path(&self, key: &Node) -> String {
        match self.parent.path.as_str() {
            "" => key.as_key().into_owned(),
            path => format!("{path}.{}", key.as_key()),
        }
    }
}

impl<'de> MapAccess<'de> for MapDe<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let skip = self.parent.skip;
        let Some((key, value)) = self
            .entries
            .find(|(key, _)| !skip.contains(&&*key.as_key()))
        else {
            return Ok(None);
        };
        self.value = Some((key, value));
        let key_de = self.parent.child(key, self.path(key), None);
        seed.deserialize(key_de).map(Some).map_err(|mut error| {
            if let Some((_, candidates)) = &mut error.0.unknown {
                candidates.splice(0..0, skip.iter().copied());
            }
            error
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some((key, value)) => {
                seed.deserialize(self.parent.child(value, self.path(key), Some(key)))
            }
            None => Err(Error::new(codes::INVALID_VALUE, "a value without a key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A mapping with one key read as an enum variant: `{variant: value}`.
struct EnumDe<'a, 'de> {
    parent: &'a NodeDe<'de>,
    entry: &'de (Node, Node),
}

impl<'de> EnumAccess<'de> for EnumDe<'_, 'de> {
    type Error = Error;
    type Variant = NodeDe<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'de>), Error> {
        let (key, value) = self.entry;
        let path = match self.parent.path.as_str() {
            "" => key.as_key().into_owned(),
            path => format!("{path}.{}", key.as_key()),
        };
        let variant = seed.deserialize(self.parent.child(key, path.clone(), None))?;
        Ok((variant, self.parent.child(value, path, Some(key))))
    }
}

impl<'de> VariantAccess<'de> for NodeDe<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }
}

/// The parts of a located or captured node: encoded strings, then the node itself.
struct PartsDe<'de> {
    parts: Vec<String>,
    rest: Option<NodeDe<'de>>,
    /// Whether the node is given as its bare content (for a captured [`Node`]).
    content: bool,
}

impl<'de> SeqAccess<'de> for PartsDe<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if !self.parts.is_empty() {
            let part = self.parts.remove(0);
            return seed.deserialize(part.into_deserializer()).map(Some);
        }
        match self.rest.take() {
            Some(rest) if self.content => seed.deserialize(ContentDe(rest)).map(Some),
            Some(rest) => seed.deserialize(rest).map(Some),
            None => Ok(None),
        }
    }
}

/// A node's bare value, its children again as nodes (for capturing a [`Node`]).
struct ContentDe<'de>(NodeDe<'de>);

impl<'de> Deserializer<'de> for ContentDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.0.any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// Decodes the span that [`NodeDe`] encodes for located values.
pub(crate) fn decode_span(encoded: &str) -> Option<Span> {
    let mut parts = encoded.splitn(4, ':');
    let line = parts.next()?.parse().ok()?;
    let column = parts.next()?.parse().ok()?;
    let len = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    Some(Span::new(file.into(), line, column, len))
}
