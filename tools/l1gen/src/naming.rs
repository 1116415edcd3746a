//! Rust names for CloudFormation names: modules, types, fields and enum variants.
//!
//! Type naming rules within one resource module (all names must be unique there):
//! 1. the resource struct is named after the resource (`AWS::S3::Bucket` → `Bucket`);
//! 2. a definition keeps its schema name; if that name is already taken (by the resource
//!    struct, or reserved: `Val`, `List`, `ResourceType` and the prelude's names such as
//!    `Result`), it gets the suffix `Property` (`ResourceType` → `ResourceTypeProperty`);
//! 3. an inline object or string enum of a property is named after the property; when
//!    several such types share that name, or it is already taken (ignoring case), each is
//!    prefixed with the name of the struct owning the property
//!    (`VersioningConfigurationStatus`);
//! 4. any remaining clash gets a numeric suffix (`Name2`, `Name3`, …).

use std::collections::{HashMap, HashSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::model::{Origin, TypeDef};

/// Rust keywords (strict and reserved, edition 2024).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Type names generated types must avoid: those the generated code uses unqualified, and
/// the prelude's (so a glob import of a resource module does not shadow them).
const RESERVED_TYPE_NAMES: &[&str] = &[
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Future",
    "Into",
    "IntoFuture",
    "IntoIterator",
    "Iterator",
    "List",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "ResourceType",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Val",
    "Vec",
];

/// A module (and file) name: snake case; keywords get a trailing underscore instead of
/// becoming raw identifiers, so the file name is a plain word.
pub fn module_name(name: &str) -> String {
    escape_snake(ascii_snake(name), "m_", false)
}

/// A type name from a schema name: ASCII letters and digits only, a capital letter after
/// every dropped character, a capital first letter, and the prefix `V` before a digit.
pub fn type_name(name: &str) -> String {
    let mut out = String::new();
    let mut capitalize = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if capitalize {
                c.to_ascii_uppercase()
            } else {
                c
            });
            capitalize = false;
        } else {
            capitalize = true;
        }
    }
    prefix_pascal(out)
}

/// An enum variant name for a string value: upper camel case of its words
/// (`aws:kms` → `AwsKms`), the prefix `V` when empty or starting with a digit.
pub fn variant_name(value: &str) -> String {
    let camel: String = value
        .to_upper_camel_case()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    prefix_pascal(camel)
}

/// Variant names for all values of an enum, with numeric suffixes on clashes.
pub fn variant_names(values: &[String]) -> Vec<String> {
    let mut taken = HashSet::new();
    values
        .iter()
        .map(|value| unique(variant_name(value), "", &mut taken))
        .collect()
}

/// Field names for the properties of a struct: snake case, keywords as raw identifiers
/// (`r#type`), `self`/`super`/`crate` with a trailing underscore, the prefix `p_` when a
/// name would start with a digit, and numeric suffixes on clashes (`kms_key_2`).
pub fn field_names<'a>(properties: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = HashSet::new();
    properties
        .into_iter()
        .map(|property| escape_snake(unique(ascii_snake(property), "_", &mut taken), "p_", true))
        .collect()
}

/// File stems for the types of a resource module: the snake case of each type name, with
/// numeric suffixes on clashes (`kms_key_2`); `mod` is never returned (it becomes `mod_`).
pub fn file_stems<'a>(type_names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = HashSet::new();
    type_names
        .into_iter()
        .map(|name| unique(module_name(name), "_", &mut taken))
        .collect()
}

/// Assigns [`TypeDef::name`] to every type of a resource module whose first type is the
/// resource struct, following the rules in the module documentation.
pub fn name_types(types: &mut [TypeDef], resource: &str) {
    let mut taken: HashSet<String> = RESERVED_TYPE_NAMES.iter().map(|&n| n.to_owned()).collect();
    let mut names: Vec<Option<String>> = vec![None; types.len()];

    for (id, def) in types.iter().enumerate() {
        let name = match &def.origin {
            Origin::Resource => type_name(resource),
            Origin::Definition(definition) => {
                let base = type_name(definition);
                if taken.contains(&base) {
                    format!("{base}Property")
                } else {
                    base
                }
            }
            Origin::Derived { .. } => continue,
        };
        names[id] = Some(unique(name, "", &mut taken));
    }

    // Names that differ only in case (`SSEAlgorithm`, `SseAlgorithm`) count as equal here.
    let key = |name: &str| name.to_snake_case();
    let mut taken_keys: HashSet<String> = taken.iter().map(|name| key(name)).collect();
    let mut bases: HashMap<String, usize> = HashMap::new();
    for def in types.iter() {
        if let Origin::Derived { property, .. } = &def.origin {
            *bases.entry(key(&type_name(property))).or_default() += 1;
        }
    }
    // Structs before enums: owners are always structs, so their names exist when needed.
    let mut derived: Vec<usize> = (0..types.len())
        .filter(|&id| matches!(types[id].origin, Origin::Derived { .. }))
        .collect();
    derived.sort_by_key(|&id| (types[id].is_enum(), id));
    for id in derived {
        let Origin::Derived { owners, property } = &types[id].origin else {
            continue;
        };
        let base = type_name(property);
        let name = if bases[&key(&base)] == 1 && !taken_keys.contains(&key(&base)) {
            base
        } else {
            let owner = owners.iter().find_map(|&owner| names[owner].as_deref());
            format!("{}{base}", owner.unwrap_or_default())
        };
        let name = unique(name, "", &mut taken);
        taken_keys.insert(key(&name));
        names[id] = Some(name);
    }

    for (def, name) in types.iter_mut().zip(names) {
        def.name = name.unwrap_or_default();
    }
}

/// `base`, or `base{separator}2`, `base{separator}3`, … whichever is free first; records
/// the result as taken.
fn unique(base: String, separator: &str, taken: &mut HashSet<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}{separator}{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

fn ascii_snake(name: &str) -> String {
    name.to_snake_case()
        .chars()
        .filter(|&c| c.is_ascii_alphanumeric() || c == '_')
        .collect()
}

fn escape_snake(snake: String, digit_prefix: &str, raw: bool) -> String {
    if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{digit_prefix}{snake}")
    } else if NOT_RAW.contains(&snake.as_str()) || (!raw && KEYWORDS.contains(&snake.as_str())) {
        format!("{snake}_")
    } else if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else {
        snake
    }
}

fn prefix_pascal(name: String) -> String {
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) || name == "Self" {
        format!("V{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_snake_case_and_escape_keywords() {
        let properties = [
            "BucketName",
            "KMSMasterKeyID",
            "Type",
            "Self",
            "Super",
            "Crate",
            "Gen",
            "3DES",
            "*",
        ];
        assert_eq!(
            field_names(properties),
            [
                "bucket_name",
                "kms_master_key_id",
                "r#type",
                "self_",
                "super_",
                "crate_",
                "r#gen",
                "p_3des",
                "p_",
            ]
        );
    }

    #[test]
    fn clashing_field_names_get_suffixes() {
        assert_eq!(
            field_names(["KmsKey", "KMSKey", "Type", "type"]),
            ["kms_key", "kms_key_2", "r#type", "type_2"]
        );
    }

    #[test]
    fn module_names_avoid_keywords_without_raw_identifiers() {
        assert_eq!(module_name("CodePipeline"), "code_pipeline");
        assert_eq!(module_name("DynamoDB"), "dynamo_db");
        assert_eq!(module_name("EC2"), "ec2");
        assert_eq!(module_name("Type"), "type_");
        assert_eq!(
            file_stems(["Mod", "KmsKey", "KMSKey"]),
            ["mod_", "kms_key", "kms_key_2"]
        );
    }

    #[test]
    fn type_names_keep_schema_casing() {
        assert_eq!(type_name("SSEAlgorithm"), "SSEAlgorithm");
        assert_eq!(type_name("keySchema"), "KeySchema");
        assert_eq!(type_name("Foo_bar.baz"), "FooBarBaz");
        assert_eq!(type_name("3Tier"), "V3Tier");
    }

    #[test]
    fn enum_variants_are_sanitized_and_deduplicated() {
        assert_eq!(variant_name("aws:kms"), "AwsKms");
        assert_eq!(variant_name("SSE-KMS"), "SseKms");
        assert_eq!(variant_name("AES256"), "Aes256");
        assert_eq!(variant_name("s3:ObjectCreated:*"), "S3ObjectCreated");
        assert_eq!(variant_name("python3.12"), "Python312");
        assert_eq!(variant_name("1"), "V1");
        assert_eq!(variant_name("*"), "V");
        assert_eq!(variant_name("self"), "VSelf");
        let values = ["ENABLED", "Enabled", "enabled"].map(String::from);
        assert_eq!(variant_names(&values), ["Enabled", "Enabled2", "Enabled3"]);
    }
}
