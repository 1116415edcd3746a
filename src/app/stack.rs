//! Stacks and handles on the resources in them.

use indexmap::{IndexMap, IndexSet};
use serde::Serialize;
use serde_json::Value as Json;

use super::env::Environment;
use super::synth::Finished;
use crate::template::{Expr, Template};

/// Identifies a stack of an [`App`](super::App).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct StackId(pub(crate) usize);

/// What a stack is for, which decides where it comes in the deploy order.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StackRole {
    /// Roles and buckets a target account needs before a pipeline can deploy into it.
    Bootstrap,
    /// Per-region artifact buckets and keys of a cross-region pipeline.
    Support,
    /// A pipeline.
    Pipeline,
    /// Anything else.
    Application,
}

/// A CloudFormation stack under construction: its environment, its template and the
/// construct that owns each logical ID.
#[derive(Clone, Debug)]
pub struct Stack {
    pub(crate) name: String,
    pub(crate) env: Environment,
    pub(crate) role: StackRole,
    /// The template being built.
    pub template: Template,
    /// Logical ID → path of the construct that created it (for collision errors).
    pub(crate) owners: IndexMap<String, String>,
    pub(crate) depends_on: IndexSet<StackId>,
    /// Turn on termination protection when deploying.
    pub termination_protection: bool,
    /// Whether its references were resolved when its part was built apart, and it has not
    /// changed since (see [`App::resolve_own_references`](super::App::resolve_own_references)).
    pub(crate) resolved: bool,
    /// The template validated and rendered while its part was built, its tree freed
    /// (see [`App::seal_resolved`](super::App::seal_resolved)).
    pub(crate) sealed: Option<Finished>,
}

impl Stack {
    /// The CloudFormation stack name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the stack is deployed.
    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// What the stack is for.
    pub fn role(&self) -> StackRole {
        self.role
    }

    /// The construct path that created a logical ID.
    pub fn owner_of(&self, logical_id: &str) -> Option<&str> {
        self.owners.get(logical_id).map(String::as_str)
    }
}

/// How a reference token string starts. A token is one JSON string (one allocation to
/// build or copy, where an object of three fields took about ten); the NUL characters
/// keep it apart from any value CloudFormation accepts.
const TOKEN_MARKER: &str = "\0cfsynth:ref\0";

/// Separates the fields of a reference token: stack, logical ID, attribute.
const TOKEN_SEPARATOR: char = '\0';

/// A handle on a resource in some stack. References made from it are tokens that the
/// synthesizer resolves: `Ref`/`GetAtt` in the same stack, an export and `Fn::ImportValue`
/// across stacks of one environment, an error across environments.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct ResourceHandle {
    pub(crate) stack: StackId,
    pub(crate) logical_id: String,
}

impl ResourceHandle {
    /// A handle on the resource `logical_id` of `stack`.
    pub fn new(stack: StackId, logical_id: impl Into<String>) -> ResourceHandle {
        ResourceHandle {
            stack,
            logical_id: logical_id.into(),
        }
    }

    /// The stack the resource is in.
    pub fn stack(&self) -> StackId {
        self.stack
    }

    /// The resource's logical ID.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// What `Ref` returns for the resource (name, ID or ARN, depending on the type).
    pub fn ref_<T>(&self) -> Expr<T> {
        Expr::from_node(self.token(None))
    }

    /// `Fn::GetAtt` of one of the resource's attributes.
    pub fn get_att<T>(&self, attribute: &str) -> Expr<T> {
        Expr::from_node(self.token(Some(attribute)))
    }

    pub(crate) fn token(&self, attribute: Option<&str>) -> Json {
        let (stack, id) = (self.stack.0, &self.logical_id);
        Json::String(match attribute {
            Some(attribute) => {
                format!("{TOKEN_MARKER}{stack}{TOKEN_SEPARATOR}{id}{TOKEN_SEPARATOR}{attribute}")
            }
            None => format!("{TOKEN_MARKER}{stack}{TOKEN_SEPARATOR}{id}"),
        })
    }
}

/// A reference token decoded from a template tree.
pub(crate) struct Token<'a> {
    pub stack: StackId,
    pub logical_id: &'a str,
    pub attribute: Option<&'a str>,
}

impl Token<'_> {
    /// Decodes `value` if it is a reference token.
    pub fn decode(value: &Json) -> Option<Token<'_>> {
        let mut fields = value
            .as_str()?
            .strip_prefix(TOKEN_MARKER)?
            .splitn(3, TOKEN_SEPARATOR);
        let stack = StackId(fields.next()?.parse().ok()?);
        let logical_id = fields.next()?;
        Some(Token {
            stack,
            logical_id,
            attribute: fields.next(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_decode_to_what_they_were_made_from() {
        let handle = ResourceHandle::new(StackId(12), "PipelineRole");
        for attribute in [None, Some("Arn"), Some("Endpoint.Address")] {
            let token = handle.token(attribute);
            let decoded = Token::decode(&token).expect("a token");
            assert_eq!(decoded.stack, StackId(12));
            assert_eq!(decoded.logical_id, "PipelineRole");
            assert_eq!(decoded.attribute, attribute);
        }
    }

    #[test]
    fn other_values_are_not_tokens() {
        for value in [
            Json::from("PipelineRole"),
            Json::from("cfsynth:ref"),
            Json::from("\0cfsynth:ref\0x\0Role"),
            serde_json::json!({"Ref": "PipelineRole"}),
            Json::from(12),
        ] {
            assert!(Token::decode(&value).is_none(), "{value:?}");
        }
    }
}
