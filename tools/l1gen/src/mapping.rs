//! Maps a CloudFormation resource provider schema to the type model.
//!
//! - `string`, `integer`, `number`, `boolean` → `String`, `i64`, `f64`, `bool`;
//!   `type` lists reduce to their single non-`null` entry, several entries → JSON;
//! - `$ref: #/definitions/X` → the type of definition `X`, generated once; a `$ref` to
//!   another part of the schema (`#/properties/Arn`) → the type of that schema;
//! - `array` with an `items` schema → a list of the item type;
//! - `object` with `properties` → a struct (inline objects are named after the property);
//!   equal inline objects or enums of equally named properties become one type;
//! - `object` with a `patternProperties` or `additionalProperties` schema → a map (of JSON
//!   when the value schemas differ); any other object → JSON;
//! - string `enum` → a Rust enum; other enums → their base type;
//! - `oneOf`/`anyOf`: branches that only constrain (`required`, `format`, …) are ignored;
//!   otherwise every branch is mapped and they must all give the same type, else JSON;
//! - `allOf`: the branches (definitions for `$ref` branches) are merged into one schema.

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::model::{Field, Kind, Module, Origin, RESOURCE, Ty, TypeDef, TypeId, TypeName};
use crate::naming;

/// Builds the finished model (read-only fields dropped, types named) of one resource type.
pub fn build(type_name: &TypeName, schema: &Json) -> Result<Module> {
    let context = |message: String| Error::new(format!("{}: {message}", type_name.full));
    let mut builder = Builder {
        root: schema,
        types: Vec::new(),
        definition_types: HashMap::new(),
        resolving: Vec::new(),
        derived: HashMap::new(),
    };
    builder.new_type(Origin::Resource, schema, Kind::Struct(Vec::new()));
    let fields = builder
        .fields(schema, RESOURCE)
        .map_err(|e| context(e.to_string()))?;
    builder.types[RESOURCE].kind = Kind::Struct(fields);

    let read_only: Vec<&str> = schema
        .get("readOnlyProperties")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    let mut attributes: Vec<String> = Vec::new();
    for pointer in &read_only {
        if let Some(path) = pointer.strip_prefix("/properties/") {
            let attribute = path.replace('/', ".");
            if !attributes.contains(&attribute) {
                attributes.push(attribute);
            }
        }
    }

    let mut module = Module {
        type_name: type_name.clone(),
        attributes,
        types: builder.types,
    };
    module.finish(&read_only);
    naming::name_types(&mut module.types, &type_name.resource);
    Ok(module)
}

/// Where a schema appears, which decides the origin (and so the name) of a type made for it.
#[derive(Clone, Copy)]
enum Site<'a> {
    /// The top level of `#/definitions/<name>`.
    Definition(&'a str),
    /// A property (or its items or values) of the struct `owner`, if any.
    Property {
        owner: Option<TypeId>,
        name: &'a str,
    },
}

impl<'a> Site<'a> {
    /// The site of schemas nested below this one (items, map values, combinator branches).
    fn nested(self) -> Site<'a> {
        match self {
            Site::Definition(name) => Site::Property { owner: None, name },
            property => property,
        }
    }
}

struct Builder<'a> {
    /// The whole resource schema, which `$ref` pointers point into.
    root: &'a Json,
    types: Vec<TypeDef>,
    /// The type of each definition mapped so far.
    definition_types: HashMap<String, Ty>,
    /// JSON pointers of the `$ref` targets being mapped, to stop cycles no struct breaks.
    resolving: Vec<String>,
    /// Types derived from properties, by property name, so equal ones are generated once.
    derived: HashMap<String, Vec<TypeId>>,
}

impl<'a> Builder<'a> {
    fn new_type(&mut self, origin: Origin, schema: &Json, kind: Kind) -> TypeId {
        self.types.push(TypeDef {
            name: String::new(),
            origin,
            doc: description(schema),
            kind,
        });
        self.types.len() - 1
    }

    /// The fields of struct `owner` for an object schema's `properties` and `required`.
    fn fields(&mut self, schema: &Json, owner: TypeId) -> Result<Vec<Field>> {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        let Some(properties) = schema.get("properties").and_then(Json::as_object) else {
            return Ok(Vec::new());
        };
        let mut fields = Vec::with_capacity(properties.len());
        for (name, property) in properties {
            let site = Site::Property {
                owner: Some(owner),
                name,
            };
            fields.push(Field {
                cfn_name: name.clone(),
                doc: description(property),
                ty: self.map(property, site)?,
                required: required.contains(&name.as_str()),
                boxed: false,
            });
        }
        Ok(fields)
    }

    fn map(&mut self, schema: &Json, site: Site) -> Result<Ty> {
        let Some(object) = schema.as_object() else {
            return Ok(Ty::Json);
        };
        if let Some(reference) = object.get("$ref") {
            return self.map_ref(reference, site);
        }
        if let Some(branches) = object.get("allOf") {
            let merged = self.merge_all_of(object, branches)?;
            return self.map(&merged, site);
        }
        if let Some(ty) = self.map_alternatives(object, site)? {
            return Ok(ty);
        }

        let declared = declared_types(object);
        if let Some(values) = string_enum(object, &declared) {
            return Ok(self.map_enum(values, schema, site));
        }
        let kind = match declared.as_slice() {
            [kind] => *kind,
            [] if object.contains_key("properties") => "object",
            [] if object.contains_key("items") => "array",
            _ => return Ok(Ty::Json),
        };
        Ok(match kind {
            "string" => Ty::String,
            "integer" => Ty::Integer,
            "number" => Ty::Number,
            "boolean" => Ty::Boolean,
            "array" => match object.get("items") {
                Some(items) if items.is_object() => {
                    Ty::List(Box::new(self.map(items, site.nested())?))
                }
                _ => Ty::Json,
            },
            "object" => self.map_object(schema, object, site)?,
            _ => Ty::Json,
        })
    }

    fn map_ref(&mut self, reference: &Json, site: Site) -> Result<Ty> {
        let (pointer, schema) = self.resolve(reference)?;
        let definition = pointer.strip_prefix("/definitions/");
        if let Some(ty) = definition.and_then(|name| self.definition_types.get(name)) {
            return Ok(ty.clone());
        }
        if self.resolving.iter().any(|r| r == pointer) {
            // e.g. a definition that is a list of itself: no struct breaks the cycle.
            return Ok(Ty::Json);
        }
        self.resolving.push(pointer.to_owned());
        let ty = match definition {
            Some(name) => self.map(schema, Site::Definition(name)),
            // Another part of the schema, e.g. `#/properties/Arn`: mapped where it is used.
            None => self.map(schema, site),
        };
        self.resolving.pop();
        let ty = ty?;
        if let Some(name) = definition {
            self.definition_types.insert(name.to_owned(), ty.clone());
        }
        Ok(ty)
    }

    /// The JSON pointer of a `$ref` within this schema (`#/definitions/X`) and its target.
    fn resolve<'r>(&self, reference: &'r Json) -> Result<(&'r str, &'a Json)> {
        let pointer = reference
            .as_str()
            .and_then(|r| r.strip_prefix('#'))
            .ok_or_else(|| Error::new(format!("unsupported $ref {reference}")))?;
        let target = self
            .root
            .pointer(pointer)
            .ok_or_else(|| Error::new(format!("$ref {reference} points to nothing")))?;
        Ok((pointer, target))
    }

    /// `oneOf`/`anyOf`: `None` when absent or when no branch says anything about the type.
    fn map_alternatives(&mut self, object: &Map<String, Json>, site: Site) -> Result<Option<Ty>> {
        let branches: Vec<&Json> = ["oneOf", "anyOf"]
            .into_iter()
            .filter_map(|key| object.get(key).and_then(Json::as_array))
            .flatten()
            .collect();
        if !branches.iter().any(|branch| shapes_type(branch)) {
            return Ok(None);
        }
        let mut base = object.clone();
        base.retain(|key, _| !matches!(key.as_str(), "oneOf" | "anyOf"));
        let mut types = Vec::with_capacity(branches.len());
        for branch in branches {
            let mut merged = base.clone();
            if let Some(branch) = branch.as_object() {
                merged.extend(branch.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            types.push(self.map(&Json::Object(merged), site.nested())?);
        }
        Ok(Some(if types.windows(2).all(|pair| pair[0] == pair[1]) {
            types.swap_remove(0)
        } else {
            Ty::Json
        }))
    }

    /// One schema from the object and its `allOf` branches: `properties` and `required`
    /// are united, any other keyword keeps its first value; `allOf` nested in a branch is
    /// not merged (which also stops a definition from including itself).
    fn merge_all_of(&self, object: &Map<String, Json>, branches: &Json) -> Result<Json> {
        let mut merged = object.clone();
        merged.remove("allOf");
        for branch in branches.as_array().into_iter().flatten() {
            let branch = match branch.get("$ref") {
                Some(reference) => self.resolve(reference)?.1,
                None => branch,
            };
            for (key, value) in branch.as_object().into_iter().flatten() {
                if let Some(existing) = merged.get_mut(key) {
                    match (key.as_str(), existing, value) {
                        ("properties", Json::Object(all), Json::Object(more)) => {
                            for (name, property) in more {
                                all.entry(name.clone()).or_insert_with(|| property.clone());
                            }
                        }
                        ("required", Json::Array(all), Json::Array(more)) => {
                            all.extend(more.iter().cloned());
                        }
                        _ => {}
                    }
                } else if key != "allOf" {
                    merged.insert(key.clone(), value.clone());
                }
            }
        }
        Ok(Json::Object(merged))
    }

    fn map_object(&mut self, schema: &Json, object: &Map<String, Json>, site: Site) -> Result<Ty> {
        if object
            .get("properties")
            .and_then(Json::as_object)
            .is_some_and(|properties| !properties.is_empty())
        {
            return self.map_struct(schema, site);
        }
        let mut values: Vec<&Json> = object
            .get("patternProperties")
            .and_then(Json::as_object)
            .into_iter()
            .flat_map(|patterns| patterns.values())
            .collect();
        values.extend(object.get("additionalProperties").filter(|v| v.is_object()));
        if values.is_empty() {
            return Ok(Ty::Json);
        }
        let mut types = Vec::with_capacity(values.len());
        for value in values {
            types.push(self.map(value, site.nested())?);
        }
        let value = if types.windows(2).all(|pair| pair[0] == pair[1]) {
            types.swap_remove(0)
        } else {
            Ty::Json
        };
        Ok(Ty::Map(Box::new(value)))
    }

    fn map_struct(&mut self, schema: &Json, site: Site) -> Result<Ty> {
        let origin = match site {
            Site::Definition(name) => Origin::Definition(name.to_owned()),
            Site::Property { owner, name } => Origin::Derived {
                owners: owner.into_iter().collect(),
                property: name.to_owned(),
            },
        };
        let id = self.new_type(origin, schema, Kind::Struct(Vec::new()));
        if let Site::Definition(name) = site {
            // Registered before the fields are mapped, so the struct can refer to itself.
            self.definition_types.insert(name.to_owned(), Ty::Named(id));
        }
        let kind = Kind::Struct(self.fields(schema, id)?);
        Ok(Ty::Named(self.complete(id, kind, site)))
    }

    fn map_enum(&mut self, values: Vec<String>, schema: &Json, site: Site) -> Ty {
        let origin = match site {
            Site::Definition(name) => Origin::Definition(name.to_owned()),
            Site::Property { owner, name } => Origin::Derived {
                owners: owner.into_iter().collect(),
                property: name.to_owned(),
            },
        };
        let id = self.new_type(origin, schema, Kind::Enum(Vec::new()));
        Ty::Named(self.complete(id, Kind::Enum(values), site))
    }

    /// Gives type `id` its kind, unless it is derived from a property and an earlier type
    /// derived from a property of the same name has the same kind: then that type is
    /// returned (gaining the new owner) and `id`, now unused, is dropped by
    /// [`Module::finish`].
    fn complete(&mut self, id: TypeId, kind: Kind, site: Site) -> TypeId {
        let Site::Property { owner, name } = site else {
            self.types[id].kind = kind;
            return id;
        };
        let candidates = self.derived.entry(name.to_owned()).or_default();
        let Some(&existing) = candidates
            .iter()
            .find(|&&other| self.types[other].kind == kind)
        else {
            candidates.push(id);
            self.types[id].kind = kind;
            return id;
        };
        if let (Origin::Derived { owners, .. }, Some(owner)) =
            (&mut self.types[existing].origin, owner)
            && !owners.contains(&owner)
        {
            owners.push(owner);
        }
        existing
    }
}

/// The schema's `description`, unless blank.
fn description(schema: &Json) -> Option<String> {
    schema
        .get("description")
        .and_then(Json::as_str)
        .filter(|text| !text.trim().is_empty())
        .map(str::to_owned)
}

/// The `type` keyword as a list, without `null` (an absent value already means null).
fn declared_types(object: &Map<String, Json>) -> Vec<&str> {
    match object.get("type") {
        Some(Json::String(kind)) => vec![kind.as_str()],
        Some(Json::Array(kinds)) => kinds
            .iter()
            .filter_map(Json::as_str)
            .filter(|&kind| kind != "null")
            .collect(),
        _ => Vec::new(),
    }
}

/// The distinct values of an `enum` of strings on a string (or untyped) schema.
fn string_enum(object: &Map<String, Json>, declared: &[&str]) -> Option<Vec<String>> {
    if !matches!(declared, [] | ["string"]) {
        return None;
    }
    let mut values = Vec::new();
    for value in object.get("enum")?.as_array()? {
        let value = value.as_str()?.to_owned();
        if !values.contains(&value) {
            values.push(value);
        }
    }
    Some(values)
}

/// Whether a `oneOf`/`anyOf` branch says something about the type of the value, as opposed
/// to only constraining it (`required`, `format`, `relationshipRef`, …).
fn shapes_type(branch: &Json) -> bool {
    const TYPE_KEYWORDS: &[&str] = &[
        "$ref",
        "allOf",
        "anyOf",
        "enum",
        "items",
        "oneOf",
        "patternProperties",
        "properties",
        "type",
    ];
    branch.as_object().is_some_and(|branch| {
        branch.iter().any(|(key, value)| {
            TYPE_KEYWORDS.contains(&key.as_str())
                || (key == "additionalProperties" && value.is_object())
        })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn module(schema: Json) -> Module {
        build(&TypeName::parse("AWS::Test::Thing").unwrap(), &schema).unwrap()
    }

    fn field<'m>(module: &'m Module, id: TypeId, name: &str) -> &'m Field {
        module.types[id]
            .fields()
            .iter()
            .find(|field| field.cfn_name == name)
            .unwrap()
    }

    fn named(module: &Module, name: &str) -> TypeId {
        module
            .types
            .iter()
            .position(|def| def.name == name)
            .unwrap()
    }

    #[test]
    fn maps_scalars_lists_maps_and_json() {
        let module = module(json!({
            "properties": {
                "Name": {"type": "string"},
                "Count": {"type": "integer"},
                "Ratio": {"type": "number"},
                "Enabled": {"type": ["boolean", "null"]},
                "Ids": {"type": "array", "items": {"type": "string"}},
                "Labels": {"type": "object", "patternProperties": {".*": {"type": "string"}}},
                "Policy": {"type": ["object", "string"]},
                "Loose": {"type": "object"},
                "Either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "Arn": {"type": "string", "anyOf": [{"format": "a"}, {"format": "b"}]},
                "Days": {"type": "integer", "enum": [1, 3, 7]},
            },
            "required": ["Name"],
        }));
        let ty = |name| field(&module, RESOURCE, name).ty.clone();
        assert_eq!(ty("Name"), Ty::String);
        assert!(field(&module, RESOURCE, "Name").required);
        assert!(!field(&module, RESOURCE, "Count").required);
        assert_eq!(ty("Count"), Ty::Integer);
        assert_eq!(ty("Ratio"), Ty::Number);
        assert_eq!(ty("Enabled"), Ty::Boolean);
        assert_eq!(ty("Ids"), Ty::List(Box::new(Ty::String)));
        assert_eq!(ty("Labels"), Ty::Map(Box::new(Ty::String)));
        assert_eq!(ty("Policy"), Ty::Json);
        assert_eq!(ty("Loose"), Ty::Json);
        assert_eq!(ty("Either"), Ty::Json);
        assert_eq!(ty("Arn"), Ty::String);
        assert_eq!(ty("Days"), Ty::Integer);
    }

    #[test]
    fn maps_definitions_enums_and_inline_objects() {
        let module = module(json!({
            "definitions": {
                "Rule": {
                    "type": "object",
                    "properties": {
                        "Status": {"type": "string", "enum": ["Enabled", "Disabled"]},
                        "Filter": {"type": "object", "properties": {"Prefix": {"type": "string"}}},
                    },
                    "required": ["Status"],
                },
                "Thing": {"type": "object", "properties": {"Id": {"type": "string"}}},
            },
            "properties": {
                "Rules": {"type": "array", "items": {"$ref": "#/definitions/Rule"}},
                "Status": {"type": "string", "enum": ["On", "Off"]},
                "Inner": {"$ref": "#/definitions/Thing"},
            },
        }));
        let rule = named(&module, "Rule");
        assert_eq!(
            field(&module, RESOURCE, "Rules").ty,
            Ty::List(Box::new(Ty::Named(rule)))
        );
        assert_eq!(
            field(&module, RESOURCE, "Inner").ty,
            Ty::Named(named(&module, "ThingProperty"))
        );
        assert_eq!(
            field(&module, rule, "Filter").ty,
            Ty::Named(named(&module, "Filter"))
        );
        let rule_status = named(&module, "RuleStatus");
        assert_eq!(field(&module, rule, "Status").ty, Ty::Named(rule_status));
        assert_eq!(
            module.types[rule_status].kind,
            Kind::Enum(vec!["Enabled".into(), "Disabled".into()])
        );
        assert_eq!(
            field(&module, RESOURCE, "Status").ty,
            Ty::Named(named(&module, "ThingStatus"))
        );
    }

    #[test]
    fn drops_read_only_fields_and_boxes_recursion() {
        let module = module(json!({
            "definitions": {
                "Node": {
                    "type": "object",
                    "properties": {
                        "Next": {"$ref": "#/definitions/Node"},
                        "Children": {"type": "array", "items": {"$ref": "#/definitions/Node"}},
                        "Id": {"type": "string"},
                    },
                },
                "Unused": {"type": "object", "properties": {"X": {"type": "string"}}},
            },
            "properties": {
                "Arn": {"type": "string"},
                "Root": {"$ref": "#/definitions/Node"},
                "Meta": {"$ref": "#/definitions/Unused"},
            },
            "readOnlyProperties": ["/properties/Arn", "/properties/Meta", "/properties/Root/Id"],
        }));
        assert_eq!(module.attributes, ["Arn", "Meta", "Root.Id"]);
        let names: Vec<&str> = module.types.iter().map(|def| def.name.as_str()).collect();
        assert_eq!(names, ["Thing", "Node"]);
        let root: Vec<&str> = module.types[RESOURCE]
            .fields()
            .iter()
            .map(|f| f.cfn_name.as_str())
            .collect();
        assert_eq!(root, ["Root"]);
        // `Id` is read-only at /properties/Root/Id but writable at /properties/Root/Next/Id.
        let node = &module.types[1];
        assert!(
            node.fields()
                .iter()
                .find(|f| f.cfn_name == "Next")
                .unwrap()
                .boxed
        );
        assert!(
            !node
                .fields()
                .iter()
                .find(|f| f.cfn_name == "Children")
                .unwrap()
                .boxed
        );
        assert!(node.fields().iter().any(|f| f.cfn_name == "Id"));
    }

    #[test]
    fn merges_all_of() {
        let module = module(json!({
            "definitions": {"Base": {"type": "object", "properties": {"A": {"type": "string"}}, "required": ["A"]}},
            "properties": {
                "Merged": {"allOf": [{"$ref": "#/definitions/Base"}, {"properties": {"B": {"type": "integer"}}}]},
            },
        }));
        let merged = named(&module, "Merged");
        assert!(field(&module, merged, "A").required);
        assert_eq!(field(&module, merged, "B").ty, Ty::Integer);
    }

    #[test]
    fn rejects_dangling_references() {
        let schema = json!({"properties": {"X": {"$ref": "#/definitions/Missing"}}});
        let err = build(&TypeName::parse("AWS::Test::Thing").unwrap(), &schema).unwrap_err();
        assert_eq!(
            err.to_string(),
            "AWS::Test::Thing: $ref \"#/definitions/Missing\" points to nothing"
        );
    }
}
