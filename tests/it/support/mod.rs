//! Helpers shared by the integration tests.

use serde_json::Value as Json;

pub mod cfn_lint;

/// The `kind` of each document schema in a manifest JSON Schema, in order.
pub fn schema_kinds(schema: &Json) -> Vec<&str> {
    schema["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .filter_map(|kind| kind["properties"]["kind"]["const"].as_str())
        .collect()
}
