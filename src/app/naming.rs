//! Readable, stable logical IDs and deterministic physical names.

/// PascalCase of the given name parts: `["products-api", "artifacts", "Bucket"]` →
/// `ProductsApiArtifactsBucket`. Characters other than ASCII letters and digits separate
/// words; the rest of each word keeps its case. Capped at CloudFormation's 255 characters.
pub fn logical_id(parts: &[&str]) -> String {
    let mut id = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for word in parts
        .iter()
        .flat_map(|part| part.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| !word.is_empty())
    {
        // Words are ASCII letters and digits: the first byte is the first character.
        let (first, rest) = word.split_at(1);
        id.push_str(&first.to_ascii_uppercase());
        id.push_str(rest);
    }
    id.truncate(255);
    id
}

/// A physical name made of kebab-case parts, lowercased, each part's non-alphanumeric runs
/// turned into single dashes, capped at `max_len` characters.
pub fn physical_name(parts: &[&str], max_len: usize) -> String {
    let mut name = String::with_capacity(parts.iter().map(|part| part.len() + 1).sum());
    for word in parts
        .iter()
        .flat_map(|part| part.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| !word.is_empty())
    {
        if !name.is_empty() {
            name.push('-');
        }
        name.extend(
            word.bytes()
                .map(|byte| char::from(byte.to_ascii_lowercase())),
        );
    }
    name.truncate(max_len);
    name.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_are_pascal_case_of_the_parts() {
        assert_eq!(
            logical_id(&["products-api", "artifacts", "Bucket"]),
            "ProductsApiArtifactsBucket"
        );
        assert_eq!(logical_id(&["eu_west 1", "KMS"]), "EuWest1KMS");
        assert_eq!(logical_id(&["--"]), "");
        assert_eq!(logical_id(&["a".repeat(300).as_str()]).len(), 255);
    }

    #[test]
    fn physical_names_are_lower_kebab_case() {
        assert_eq!(
            physical_name(
                &["cfsynth", "Products_API", "111122223333", "eu-west-1"],
                63
            ),
            "cfsynth-products-api-111122223333-eu-west-1"
        );
        assert_eq!(physical_name(&["abc", "def"], 5), "abc-d");
        assert_eq!(physical_name(&["abcd", "ef"], 5), "abcd");
    }
}
