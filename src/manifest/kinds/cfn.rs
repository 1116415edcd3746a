//! The `cfn` resource entry: any CloudFormation resource type, written as in a template.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::app::logical_id;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::{
    BuildContext, Located, Origin, ResourceEntry, ResourceKind, check_kebab_case,
};
use crate::template::{RemovalPolicy, Resource};

/// Any CloudFormation resource, written as in a template. cfsynth does not check its
/// properties; prefer a typed entry where there is one.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CfnSpec {
    /// The resource type, e.g. `AWS::SQS::Queue`.
    #[serde(rename = "type")]
    pub type_name: Located<String>,
    /// The resource's name in the stack, kebab-case; its logical ID is the PascalCase of it
    /// (`dead-letters` → `DeadLetters`). Default: the last part of the type
    /// (`AWS::SQS::Queue` → logical ID `Queue`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// `Properties`, as in a template. Intrinsic functions may use the long form
    /// (`Fn::GetAtt: [DeadLetters, Arn]`) or the short form (`!GetAtt DeadLetters.Arn`).
    #[serde(default)]
    pub properties: Map<String, Json>,
    /// `DependsOn`: other resources of the stack, by name or logical ID.
    #[serde(default)]
    pub depends_on: Vec<Located<String>>,
    /// `DeletionPolicy`.
    #[serde(default)]
    pub deletion_policy: Option<Policy>,
    /// `UpdateReplacePolicy`.
    #[serde(default)]
    pub update_replace_policy: Option<Policy>,
}

/// What happens to the physical resource when it leaves the stack or is replaced.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
pub enum Policy {
    /// Delete it.
    Delete,
    /// Keep it.
    Retain,
    /// Keep it unless the stack's creation failed (`DeletionPolicy` only).
    RetainExceptOnCreate,
    /// Snapshot it, then delete it (types that support snapshots).
    Snapshot,
}

impl From<Policy> for RemovalPolicy {
    fn from(policy: Policy) -> Self {
        match policy {
            Policy::Delete => RemovalPolicy::Delete,
            Policy::Retain => RemovalPolicy::Retain,
            Policy::RetainExceptOnCreate => RemovalPolicy::RetainExceptOnCreate,
            Policy::Snapshot => RemovalPolicy::Snapshot,
        }
    }
}

/// The `cfn` resource entry.
pub struct CfnResource;

impl ResourceKind for CfnResource {
    type Spec = CfnSpec;
    const KEY: &'static str = "cfn";

    fn build(&self, entry: &ResourceEntry<CfnSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let spec = &entry.spec;
        let Some(last) = resource_type_name(&spec.type_name) else {
            return Diagnostic::error(
                codes::INVALID_RESOURCE_TYPE,
                format!("`{}` is not a CloudFormation resource type", spec.type_name),
            )
            .at(&spec.type_name.span)
            .expected("`Prefix::Service::Type`, e.g. `AWS::SQS::Queue`, or `Custom::Name`")
            .into();
        };
        let (name, id, span) = match &spec.name {
            Some(name) => {
                if let Err(error) = check_kebab_case(name, "resource name") {
                    return error;
                }
                (name.value.clone(), logical_id(&[name]), &name.span)
            }
            None => {
                let name = crate::app::physical_name(
                    &[&crate::manifest::document::kebab_words(last)],
                    255,
                );
                (name, logical_id(&[last]), &entry.key.span)
            }
        };
        let mut resource = Resource::raw(spec.type_name.value.clone(), spec.properties.clone());
        resource.depends_on = spec
            .depends_on
            .iter()
            .map(|target| logical_id(&[target]))
            .collect();
        resource.deletion_policy = spec.deletion_policy.map(RemovalPolicy::from);
        resource.update_replace_policy = spec.update_replace_policy.map(RemovalPolicy::from);
        let owner = format!("{}/{name}", cx.app().stack(entry.stack).name());
        let origin = Origin::at(span).mirrored_by(&entry.node);
        cx.add_resource(entry.stack, &owner, &id, resource, origin);
        Diagnostics::new()
    }
}

/// The last part of a well-formed resource type name (`Queue` of `AWS::SQS::Queue`):
/// `Prefix::Service::Type` (optionally `::MODULE`) of letters and digits, or `Custom::Name`.
fn resource_type_name(type_name: &str) -> Option<&str> {
    let parts: Vec<&str> = type_name.split("::").collect();
    let word = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric());
    let custom = |part: &&str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_@-".contains(&b))
    };
    match parts.as_slice() {
        ["Custom", name] if custom(name) => Some(name),
        [_, _, name] | [_, _, name, _] if parts.iter().all(word) => Some(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_type_names() {
        assert_eq!(resource_type_name("AWS::SQS::Queue"), Some("Queue"));
        assert_eq!(
            resource_type_name("AWS::Serverless::Function"),
            Some("Function")
        );
        assert_eq!(
            resource_type_name("Org::Service::Thing::MODULE"),
            Some("Thing")
        );
        assert_eq!(resource_type_name("Custom::My-Hook_1"), Some("My-Hook_1"));
        for bad in [
            "AWS::SQS",
            "AWS::SQS::",
            "aws sqs queue",
            "AWS::SQS::Queue::A::B",
            "AWS::S-3::Bucket",
        ] {
            assert_eq!(resource_type_name(bad), None, "{bad}");
        }
    }
}
