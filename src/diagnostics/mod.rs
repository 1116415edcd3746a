//! Diagnostics: every problem cfsynth reports to a person or a tool, from any layer.
//!
//! A [`Diagnostic`] has a stable code, a severity, a message, and where known a
//! [`Span`] (file, 1-based line and column, length), what was expected, what was found,
//! a suggestion and notes. A run collects all of them in [`Diagnostics`] rather than
//! stopping at the first. [`render_text`] prints them rustc-style for people (with colour
//! when asked), [`render_json`] as JSON for tools.
//!
//! # Codes
//!
//! Codes are stable: a code keeps its meaning across releases, and a retired code is never
//! reused.
//!
//! | code | meaning |
//! |------|---------|
//! | `E0100` | a manifest path cannot be read (missing, not UTF-8, I/O error) |
//! | `E0101` | YAML syntax error |
//! | `E0102` | a key appears twice in one mapping |
//! | `E0103` | a YAML tag that is not a CloudFormation short form (`!Ref`, `!Sub`, …) |
//! | `E0104` | a mapping key that is not a string |
//! | `E0105` | no manifest files (`*.yaml`, `*.yml`) under the given paths |
//! | `E0106` | a string with a NUL character (`\0`), which no CloudFormation value has |
//! | `E0201` | unknown `kind` |
//! | `E0202` | a value of the wrong type |
//! | `E0203` | unknown field |
//! | `E0204` | missing field |
//! | `E0205` | invalid value (unknown variant, wrong length, out of range) |
//! | `E0206` | a name that is not kebab-case |
//! | `E0207` | two documents of one kind with one name |
//! | `E0301` | an account id that is not 12 digits |
//! | `E0302` | unknown region |
//! | `E0303` | unknown account alias |
//! | `E0304` | an account alias declared twice |
//! | `E0305` | no region: neither `env.region` nor a default region of the account |
//! | `E0306` | a CloudFormation resource type name that is not `Prefix::Service::Type` |
//! | `E0307` | unknown resource entry in a stack's `resources` |
//! | `E0308` | a resource entry that is not a mapping with exactly one key |
//! | `E0309` | a resource entry that refers to a name its stack has no entry of that kind for |
//! | `E0310` | resource entries that refer to each other in a cycle |
//! | `E0311` | a policy statement cfsynth refuses: `iam:PassRole` on `*` or without an `iam:PassedToService` condition, or allowing every action (`*`, `service:*`) |
//! | `E0312` | a deploy or execution role that is not a role of its account (`Accounts`) |
//! | `E0320` | a value given twice where each must be unique (a share account, a principal, a product or version name, a grant, an account's roles) |
//! | `E0321` | a name its document does not declare (a persona, an LF-tag or a value of it, a data location) |
//! | `E0322` | a Lake Formation permission that the kind of resource it is granted on does not take |
//! | `E0401` | two stacks with one name in one environment |
//! | `E0402` | two resources with one logical ID in one stack |
//! | `E0403` | a reference across environments (accounts or regions) |
//! | `E0404` | a reference to a resource that does not exist |
//! | `E0405` | stacks that depend on each other in a cycle |
//! | `E0406` | an invalid template (bad `Ref`, `GetAtt`, `DependsOn`, condition, limits, size) |
//! | `E0501` | the output directory cannot be written |
//!
//! Warnings have codes of their own:
//!
//! | code | meaning |
//! |------|---------|
//! | `W0301` | a setting that replaces an account-wide list (Lake Formation's data lake administrators) |
//! | `W0302` | an `executionRole` without a `deployRole` (`Accounts`): the bootstrap stack's deploy role may pass only `cfsynth-cfn-exec` |

mod json;
mod render;
mod sources;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

pub use json::{render_json, to_json};
pub use render::render_text;
pub use sources::Sources;

/// The stable diagnostic codes (see the [module documentation](self) for the table).
pub mod codes {
    /// A manifest path cannot be read.
    pub const READ: &str = "E0100";
    /// YAML syntax error.
    pub const YAML_SYNTAX: &str = "E0101";
    /// A key appears twice in one mapping.
    pub const DUPLICATE_KEY: &str = "E0102";
    /// A YAML tag that is not a CloudFormation short form.
    pub const UNKNOWN_TAG: &str = "E0103";
    /// A mapping key that is not a string.
    pub const NON_STRING_KEY: &str = "E0104";
    /// No manifest files under the given paths.
    pub const NO_MANIFESTS: &str = "E0105";
    /// A string with a NUL character.
    pub const NUL_CHARACTER: &str = "E0106";
    /// Unknown `kind`.
    pub const UNKNOWN_KIND: &str = "E0201";
    /// A value of the wrong type.
    pub const INVALID_TYPE: &str = "E0202";
    /// Unknown field.
    pub const UNKNOWN_FIELD: &str = "E0203";
    /// Missing field.
    pub const MISSING_FIELD: &str = "E0204";
    /// Invalid value.
    pub const INVALID_VALUE: &str = "E0205";
    /// A name that is not kebab-case.
    pub const INVALID_NAME: &str = "E0206";
    /// Two documents of one kind with one name.
    pub const DUPLICATE_NAME: &str = "E0207";
    /// An account id that is not 12 digits.
    pub const INVALID_ACCOUNT: &str = "E0301";
    /// Unknown region.
    pub const UNKNOWN_REGION: &str = "E0302";
    /// Unknown account alias.
    pub const UNKNOWN_ALIAS: &str = "E0303";
    /// An account alias declared twice.
    pub const DUPLICATE_ALIAS: &str = "E0304";
    /// No region for an environment.
    pub const MISSING_REGION: &str = "E0305";
    /// A malformed CloudFormation resource type name.
    pub const INVALID_RESOURCE_TYPE: &str = "E0306";
    /// Unknown resource entry in a stack.
    pub const UNKNOWN_RESOURCE_KIND: &str = "E0307";
    /// A resource entry that is not a mapping with exactly one key.
    pub const MALFORMED_RESOURCE_ENTRY: &str = "E0308";
    /// A reference to a resource entry its stack does not have.
    pub const UNKNOWN_REFERENCE: &str = "E0309";
    /// Resource entries that refer to each other in a cycle.
    pub const REFERENCE_CYCLE: &str = "E0310";
    /// A policy statement cfsynth refuses.
    pub const INSECURE_POLICY: &str = "E0311";
    /// A deploy or execution role that is not a role of its account.
    pub const INVALID_ROLE: &str = "E0312";
    /// A value given twice where each must be unique.
    pub const DUPLICATE_VALUE: &str = "E0320";
    /// A name its document does not declare.
    pub const UNDECLARED_NAME: &str = "E0321";
    /// A Lake Formation permission the resource does not take.
    pub const INVALID_PERMISSION: &str = "E0322";
    /// Two stacks with one name in one environment.
    pub const DUPLICATE_STACK: &str = "E0401";
    /// Two resources with one logical ID in one stack.
    pub const DUPLICATE_LOGICAL_ID: &str = "E0402";
    /// A reference across environments.
    pub const CROSS_ENVIRONMENT_REFERENCE: &str = "E0403";
    /// A reference to a resource that does not exist.
    pub const DANGLING_REFERENCE: &str = "E0404";
    /// Stacks that depend on each other in a cycle.
    pub const STACK_CYCLE: &str = "E0405";
    /// An invalid template.
    pub const INVALID_TEMPLATE: &str = "E0406";
    /// A self-contained kind changed a stack another document added.
    pub const CHANGED_AFTER_FINISHING: &str = "E0407";
    /// The output directory cannot be written.
    pub const WRITE: &str = "E0501";
    /// Warning: a setting that replaces an account-wide list.
    pub const REPLACES_ACCOUNT_SETTING: &str = "W0301";
    /// Warning: an execution role the bootstrap deploy role may not pass.
    pub const UNPASSABLE_ROLE: &str = "W0302";
}

/// Where something is in a source file. Lines and columns are 1-based and count
/// characters; `len` is the number of characters to underline (0 marks a point).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Span {
    /// The file, as given on the command line or found under a given directory.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Characters to underline.
    pub len: u32,
}

impl Span {
    /// A span in `file`.
    pub fn new(file: Arc<str>, line: u32, column: u32, len: u32) -> Span {
        Span {
            file,
            line,
            column,
            len,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The run fails.
    Error,
    /// Worth a look; the run goes on.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem, with what is needed to show it and to fix it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diagnostic {
    /// Stable code, e.g. `E0203`.
    pub code: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// One line, without the position or the suggestion.
    pub message: String,
    /// Where it is, when known.
    pub span: Option<Span>,
    /// What would be valid there.
    pub expected: Option<String>,
    /// What was there instead.
    pub found: Option<String>,
    /// A suggestion, e.g. ``did you mean `stages`?``.
    pub help: Option<String>,
    /// Further context, e.g. where the first of two duplicates is.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            expected: None,
            found: None,
            help: None,
            notes: Vec::new(),
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Sets where it is.
    pub fn at(mut self, span: &Span) -> Self {
        self.span = Some(span.clone());
        self
    }

    /// Sets what would be valid.
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Sets what was found.
    pub fn found(mut self, found: impl Into<String>) -> Self {
        self.found = Some(found.into());
        self
    }

    /// Sets the suggestion.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets ``did you mean `x`?`` as the suggestion when there is a close candidate.
    pub fn did_you_mean(mut self, suggestion: Option<String>) -> Self {
        if let Some(name) = suggestion {
            self.help = Some(format!("did you mean `{name}`?"));
        }
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `file:line:column: error[E0203]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = &self.span {
            write!(f, "{span}: ")?;
        }
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)
    }
}

/// Every diagnostic of a run.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Adds one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// How many have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.0.iter().filter(|d| d.severity == severity).count()
    }

    /// The diagnostics in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Orders them by file, line and column (those without a position last), keeping the
    /// order of diagnostics at one position.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| match (&a.span, &b.span) {
            (Some(a), Some(b)) => (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    /// One line per diagnostic (see [`render_text`] for the full rendering).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
