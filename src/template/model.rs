//! `Template` and its sections: parameters, mappings, conditions, outputs.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

use super::expr::{Expr, Val, ref_};
use super::resource::{Resource, ResourceId};

/// The only `AWSTemplateFormatVersion` CloudFormation knows.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// A CloudFormation template. Serializes its sections in CloudFormation's conventional
/// order (format version, description, metadata, parameters, mappings, conditions,
/// transform, resources, outputs) and leaves out empty ones.
#[derive(Clone, PartialEq, Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    /// `AWSTemplateFormatVersion`: always `2010-09-09` when set.
    #[serde(
        rename = "AWSTemplateFormatVersion",
        skip_serializing_if = "Option::is_none"
    )]
    pub format_version: Option<&'static str>,
    /// `Description` (at most 1,024 bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Metadata`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub metadata: IndexMap<String, Json>,
    /// `Parameters`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, Parameter>,
    /// `Mappings`: map name → top-level key → second-level key → value.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub mappings: IndexMap<String, IndexMap<String, IndexMap<String, Json>>>,
    /// `Conditions`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub conditions: IndexMap<String, Expr<bool>>,
    /// `Transform`: macros such as `AWS::Serverless-2016-10-31`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transform: Vec<String>,
    /// `Resources`.
    pub resources: IndexMap<String, Resource>,
    /// `Outputs`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub outputs: IndexMap<String, Output>,
}

impl Template {
    /// An empty template with `AWSTemplateFormatVersion` set.
    pub fn new() -> Template {
        Template {
            format_version: Some(FORMAT_VERSION),
            ..Template::default()
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds (or replaces) a resource and returns its handle.
    pub fn add_resource(
        &mut self,
        logical_id: impl Into<String>,
        resource: Resource,
    ) -> ResourceId {
        let logical_id = logical_id.into();
        self.resources.insert(logical_id.clone(), resource);
        ResourceId::new(logical_id)
    }

    /// Adds a parameter and returns a `Ref` to it.
    pub fn add_parameter<T>(&mut self, name: impl Into<String>, parameter: Parameter) -> Expr<T> {
        let name = name.into();
        self.parameters.insert(name.clone(), parameter);
        ref_(name)
    }

    /// Adds a condition; use its name in `Resource::condition` or `Fn::If`.
    pub fn add_condition(&mut self, name: impl Into<String>, condition: Expr<bool>) -> String {
        let name = name.into();
        self.conditions.insert(name.clone(), condition);
        name
    }

    /// Adds an output.
    pub fn add_output(&mut self, name: impl Into<String>, output: Output) {
        self.outputs.insert(name.into(), output);
    }
}

/// The type of a template parameter.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ParameterType {
    /// `String`
    String,
    /// `Number`
    Number,
    /// `List<Number>`
    NumberList,
    /// `CommaDelimitedList`
    CommaDelimitedList,
    /// An AWS-specific type such as `AWS::EC2::VPC::Id` or `List<AWS::EC2::Subnet::Id>`,
    /// or an SSM type such as `AWS::SSM::Parameter::Value<String>`.
    Aws(String),
}

impl ParameterType {
    /// The name CloudFormation uses.
    pub fn as_str(&self) -> &str {
        match self {
            ParameterType::String => "String",
            ParameterType::Number => "Number",
            ParameterType::NumberList => "List<Number>",
            ParameterType::CommaDelimitedList => "CommaDelimitedList",
            ParameterType::Aws(name) => name,
        }
    }
}

impl Serialize for ParameterType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A template parameter with its constraints.
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// `Type`.
    #[serde(rename = "Type")]
    pub parameter_type: ParameterType,
    /// `Description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Json>,
    /// `AllowedValues`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<Json>,
    /// `AllowedPattern` (a Java regular expression, strings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    /// `MinLength` (strings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// `MaxLength` (strings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// `MinValue` (numbers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<f64>,
    /// `MaxValue` (numbers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<f64>,
    /// `ConstraintDescription`: shown when a constraint is violated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
    /// `NoEcho`: masks the value in the console and API (`true` only when set).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_echo: bool,
}

impl Parameter {
    /// A parameter of this type with no constraints.
    pub fn new(parameter_type: ParameterType) -> Parameter {
        Parameter {
            parameter_type,
            description: None,
            default: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            constraint_description: None,
            no_echo: false,
        }
    }

    /// A `String` parameter.
    pub fn string() -> Parameter {
        Parameter::new(ParameterType::String)
    }

    /// A `Number` parameter.
    pub fn number() -> Parameter {
        Parameter::new(ParameterType::Number)
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the default value.
    pub fn with_default(mut self, default: impl Into<Json>) -> Self {
        self.default = Some(default.into());
        self
    }

    /// Masks the value (`NoEcho`).
    pub fn secret(mut self) -> Self {
        self.no_echo = true;
        self
    }
}

/// A template output, optionally exported for `Fn::ImportValue` in other stacks.
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// `Description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Value`.
    pub value: Val<String>,
    /// `Export.Name`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_export"
    )]
    pub export: Option<Val<String>>,
    /// `Condition`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

fn serialize_export<S: serde::Serializer>(
    export: &Option<Val<String>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Export<'a> {
        #[serde(rename = "Name")]
        name: &'a Val<String>,
    }
    match export {
        Some(name) => Export { name }.serialize(serializer),
        None => serializer.serialize_none(),
    }
}

impl Output {
    /// An output with this value.
    pub fn new(value: impl Into<Val<String>>) -> Output {
        Output {
            description: None,
            value: value.into(),
            export: None,
            condition: None,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Exports the value under this name (unique per account and region).
    pub fn exported_as(mut self, name: impl Into<Val<String>>) -> Self {
        self.export = Some(name.into());
        self
    }
}
