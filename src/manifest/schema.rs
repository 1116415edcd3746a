//! The JSON Schema of the manifest format, assembled from the registered kinds.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value as Json, json};

use super::blueprint::EnvPolicy;
use super::env::EnvSpec;

/// The pattern of kebab-case names.
const KEBAB_CASE: &str = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$";

pub(crate) fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
}

/// One kind's document schema: `kind`, `name` and `env` first, then the kind's fields.
pub(crate) fn kind(
    kind: &str,
    env: EnvPolicy,
    spec: Schema,
    generator: &mut SchemaGenerator,
) -> Json {
    let mut spec = match spec.to_value() {
        Json::Object(object) => object,
        _ => Map::new(),
    };
    let mut properties = Map::new();
    properties.insert("kind".into(), json!({ "const": kind }));
    properties.insert(
        "name".into(),
        json!({
            "description": "The document's name, kebab-case and unique among documents of its kind.",
            "type": "string",
            "pattern": KEBAB_CASE,
        }),
    );
    if env != EnvPolicy::Forbidden {
        properties.insert(
            "env".into(),
            generator.subschema_for::<EnvSpec>().to_value(),
        );
    }
    if let Some(Json::Object(own)) = spec.remove("properties") {
        properties.extend(own);
    }
    let mut required = vec![json!("kind"), json!("name")];
    if env == EnvPolicy::Required {
        required.push(json!("env"));
    }
    if let Some(Json::Array(own)) = spec.remove("required") {
        required.extend(own);
    }
    let mut schema = Map::new();
    schema.insert("title".into(), json!(kind));
    if let Some(description) = spec.remove("description") {
        schema.insert("description".into(), description);
    }
    spec.remove("title");
    spec.remove("type");
    spec.remove("additionalProperties");
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Json::Object(properties));
    schema.insert("required".into(), Json::Array(required));
    schema.insert("additionalProperties".into(), json!(false));
    schema.extend(spec);
    Json::Object(schema)
}

/// The root schema: one of the kinds; `$defs/ResourceEntry` one of the resource kinds.
pub(crate) fn document(
    mut generator: SchemaGenerator,
    kinds: Vec<Json>,
    resources: Vec<(&str, Schema)>,
) -> Json {
    let mut definitions = generator.take_definitions(true);
    let entries: Vec<Json> = resources
        .into_iter()
        .map(|(key, schema)| {
            json!({
                "type": "object",
                "properties": { key: schema.to_value() },
                "required": [key],
                "additionalProperties": false,
            })
        })
        .collect();
    definitions.insert(
        "ResourceEntry".into(),
        json!({ "description": "One resource of a stack: `- <kind>: {…}`.", "oneOf": entries }),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cfsynth manifest document",
        "description": "One YAML document of a cfsynth manifest; `kind` says which.",
        "oneOf": kinds,
        "$defs": definitions,
    })
}
