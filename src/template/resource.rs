//! Resources, their attributes and policies.

use serde::{Serialize, Serializer, ser::SerializeMap};
use serde_json::{Map, Value as Json};

use super::expr::{Expr, get_att, ref_};

/// A typed CloudFormation resource type (implemented by the generated L1 structs).
pub trait ResourceType: Serialize {
    /// The CloudFormation type name, e.g. `AWS::S3::Bucket`.
    const TYPE_NAME: &'static str;
    /// The attributes this type exposes to `Fn::GetAtt` (dotted paths, e.g. `Endpoint.Address`).
    const ATTRIBUTES: &'static [&'static str];
}

/// What happens to a resource's physical object when the resource leaves the stack
/// (`DeletionPolicy`) or is replaced (`UpdateReplacePolicy`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub enum RemovalPolicy {
    /// Delete the physical object (CloudFormation's default for most types).
    Delete,
    /// Keep the physical object.
    Retain,
    /// Keep it only if the stack operation is not a failed create
    /// (`DeletionPolicy` only).
    RetainExceptOnCreate,
    /// Take a snapshot before deleting (types that support snapshots).
    Snapshot,
}

/// The type of a resource: checked when built from an L1 struct, or raw.
#[derive(Clone, PartialEq, Debug)]
enum Kind {
    /// Built from an L1 type: its attributes are known.
    Typed {
        type_name: &'static str,
        attributes: &'static [&'static str],
    },
    /// The raw escape hatch: any type name with unchecked JSON properties.
    Raw { type_name: String },
}

/// One entry of a template's `Resources` section, with every resource attribute.
#[derive(Clone, PartialEq, Debug)]
pub struct Resource {
    kind: Kind,
    /// `Properties`, in the order they were set.
    pub properties: Map<String, Json>,
    /// `DependsOn`: logical IDs created before this resource.
    pub depends_on: Vec<String>,
    /// `Condition`: the name of a template condition that decides whether it is created.
    pub condition: Option<String>,
    /// `DeletionPolicy`.
    pub deletion_policy: Option<RemovalPolicy>,
    /// `UpdateReplacePolicy`.
    pub update_replace_policy: Option<RemovalPolicy>,
    /// `CreationPolicy` (e.g. `{"ResourceSignal": {"Count": 1, "Timeout": "PT15M"}}`).
    pub creation_policy: Option<Json>,
    /// `UpdatePolicy` (e.g. `AutoScalingRollingUpdate`).
    pub update_policy: Option<Json>,
    /// `Metadata`.
    pub metadata: Option<Json>,
}

impl Resource {
    /// A resource built from a generated L1 type: its type name and attributes are known.
    pub fn new<R: ResourceType>(properties: &R) -> Resource {
        let properties = match serde_json::to_value(properties) {
            Ok(Json::Object(map)) => map,
            // L1 structs always serialize to objects; anything else would be a generator bug.
            _ => Map::new(),
        };
        Resource::with_kind(
            Kind::Typed {
                type_name: R::TYPE_NAME,
                attributes: R::ATTRIBUTES,
            },
            properties,
        )
    }

    /// The raw escape hatch: any resource type, with JSON properties that cfsynth does not
    /// check (neither property names nor `GetAtt` attributes). Prefer an L1 type when one
    /// exists.
    pub fn raw(type_name: impl Into<String>, properties: Map<String, Json>) -> Resource {
        Resource::with_kind(
            Kind::Raw {
                type_name: type_name.into(),
            },
            properties,
        )
    }

    fn with_kind(kind: Kind, properties: Map<String, Json>) -> Resource {
        Resource {
            kind,
            properties,
            depends_on: Vec::new(),
            condition: None,
            deletion_policy: None,
            update_replace_policy: None,
            creation_policy: None,
            update_policy: None,
            metadata: None,
        }
    }

    /// The CloudFormation type name.
    pub fn type_name(&self) -> &str {
        match &self.kind {
            Kind::Typed { type_name, .. } => type_name,
            Kind::Raw { type_name } => type_name,
        }
    }

    /// The `GetAtt` attributes, when the type is known (`None` for raw resources).
    pub fn attributes(&self) -> Option<&'static [&'static str]> {
        match &self.kind {
            Kind::Typed { attributes, .. } => Some(attributes),
            Kind::Raw { .. } => None,
        }
    }

    /// Adds a `DependsOn` entry.
    pub fn depends_on(mut self, logical_id: impl Into<String>) -> Self {
        self.depends_on.push(logical_id.into());
        self
    }

    /// Sets both `DeletionPolicy` and `UpdateReplacePolicy`, as stateful resources need.
    pub fn retain(mut self) -> Self {
        self.deletion_policy = Some(RemovalPolicy::Retain);
        self.update_replace_policy = Some(RemovalPolicy::Retain);
        self
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("Type", self.type_name())?;
        if let Some(condition) = &self.condition {
            map.serialize_entry("Condition", condition)?;
        }
        match self.depends_on.as_slice() {
            [] => {}
            [single] => map.serialize_entry("DependsOn", single)?,
            many => map.serialize_entry("DependsOn", many)?,
        }
        if let Some(policy) = &self.deletion_policy {
            map.serialize_entry("DeletionPolicy", policy)?;
        }
        if let Some(policy) = &self.update_replace_policy {
            map.serialize_entry("UpdateReplacePolicy", policy)?;
        }
        if let Some(policy) = &self.creation_policy {
            map.serialize_entry("CreationPolicy", policy)?;
        }
        if let Some(policy) = &self.update_policy {
            map.serialize_entry("UpdatePolicy", policy)?;
        }
        if let Some(metadata) = &self.metadata {
            map.serialize_entry("Metadata", metadata)?;
        }
        if !self.properties.is_empty() {
            map.serialize_entry("Properties", &self.properties)?;
        }
        map.end()
    }
}

/// A handle on a resource added to a template: its logical ID, from which references are
/// built.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct ResourceId(String);

impl ResourceId {
    /// A handle for a logical ID.
    pub fn new(logical_id: impl Into<String>) -> Self {
        ResourceId(logical_id.into())
    }

    /// The logical ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `{"Ref": id}`; what it returns depends on the resource type.
    pub fn ref_<T>(&self) -> Expr<T> {
        ref_(self.0.clone())
    }

    /// `{"Fn::GetAtt": [id, attribute]}`.
    pub fn get_att<T>(&self, attribute: &str) -> Expr<T> {
        get_att(self.0.clone(), attribute)
    }
}
