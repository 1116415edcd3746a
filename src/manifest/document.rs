//! The fields every document has (`kind`, `name`, `env`) and a parsed document.

use std::sync::Arc;

use serde::Deserialize;

use super::env::EnvSpec;
use super::located::Located;
use super::node::Node;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};

/// The top-level fields read for every kind; a kind's own type has the others.
pub(crate) const HEADER_FIELDS: &[&str] = &["kind", "name", "env"];

/// The header of a document: `kind`, `name` and `env`.
#[derive(Deserialize)]
pub(crate) struct Header {
    pub kind: Located<String>,
    pub name: Located<String>,
    #[serde(default)]
    pub env: Option<EnvSpec>,
}

/// A manifest document of one kind: its header and its kind's typed fields.
#[derive(Clone, Debug)]
pub struct Document<T> {
    /// `name`: kebab-case, unique among the documents of its kind.
    pub name: Located<String>,
    /// `env`, as written (resolve it with
    /// [`BuildContext::resolve_env`](super::BuildContext::resolve_env)).
    pub env: Option<EnvSpec>,
    /// The kind's fields.
    pub spec: T,
    /// The whole document, to locate anything in it.
    pub node: Arc<Node>,
}

impl<T> Document<T> {
    /// The document's `env`, or an error at its name when it has none.
    pub fn env(&self) -> Result<&EnvSpec, Diagnostics> {
        self.env.as_ref().ok_or_else(|| {
            Diagnostic::error(
                codes::MISSING_FIELD,
                format!("`{}` has no `env`", self.name),
            )
            .at(&self.name.span)
            .help("add `env: { account: …, region: … }`")
            .into()
        })
    }
}

/// Whether a name is kebab-case: lowercase ASCII letters and digits in words joined by
/// single dashes, starting with a letter (`products-api`, `team2-data`).
pub fn is_kebab_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Checks that a name is kebab-case; the error suggests the kebab-case spelling.
pub fn check_kebab_case(name: &Located<String>, what: &str) -> Result<(), Diagnostics> {
    if is_kebab_case(name) {
        return Ok(());
    }
    let kebab = crate::app::physical_name(&[kebab_words(name).as_str()], 128);
    let diagnostic = Diagnostic::error(
        codes::INVALID_NAME,
        format!("{what} `{name}` is not kebab-case"),
    )
    .at(&name.span)
    .expected(
        "lowercase letters and digits in words joined by single dashes, starting with a letter",
    );
    Err(if is_kebab_case(&kebab) {
        diagnostic.help(format!("write `{kebab}`")).into()
    } else {
        diagnostic.into()
    })
}

/// Splits PascalCase and camelCase words with dashes: `QueuePolicy` → `Queue-Policy`.
pub(crate) fn kebab_words(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('-');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diagnostics::Span;

    #[test]
    fn kebab_case_names() {
        for good in ["api", "products-api", "team2-data", "a1"] {
            assert!(is_kebab_case(good), "{good}");
        }
        for bad in [
            "",
            "Api",
            "products_api",
            "-api",
            "api-",
            "a--b",
            "2api",
            "api v2",
        ] {
            assert!(!is_kebab_case(bad), "{bad}");
        }
        let name = Located::new(
            "ProductsAPI_v2".to_owned(),
            Span::new(Arc::from("t.yaml"), 2, 7, 14),
        );
        let error = check_kebab_case(&name, "name")
            .unwrap_err()
            .into_iter()
            .next()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "t.yaml:2:7: error[E0206]: name `ProductsAPI_v2` is not kebab-case"
        );
        assert_eq!(error.help.as_deref(), Some("write `products-api-v2`"));
        assert_eq!(kebab_words("QueuePolicy"), "Queue-Policy");
    }
}
