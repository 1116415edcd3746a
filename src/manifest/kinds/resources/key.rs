//! The `kms/key` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{check_length, invalid, scope_of};
use crate::constructs::kms::{Key, KeyProps};
use crate::diagnostics::Diagnostics;
use crate::manifest::{BuildContext, Located, ResourceEntry, ResourceKind};

/// The longest key description KMS accepts.
const MAX_DESCRIPTION_LEN: usize = 8192;
/// The longest alias name KMS accepts, `alias/` included.
const MAX_ALIAS_LEN: usize = 256;

/// A symmetric customer-managed KMS key: rotated every year, kept when it leaves the stack
/// (retained), and administered through the account's IAM policies. Logical IDs
/// `<Name>Key` and, with an alias, `<Name>KeyAlias`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeySpec {
    /// The key's name in the stack, kebab-case: its logical ID is the PascalCase of it and
    /// `Key` (`build-cache` → `BuildCacheKey`); `s3/bucket` and `sns/topic` entries refer
    /// to it by it (`key: build-cache`).
    pub name: Located<String>,
    /// What the key protects.
    #[serde(default)]
    pub description: Option<Located<String>>,
    /// An alias (`alias/` is added when missing), by which other stacks, accounts and
    /// regions can find the key: letters, digits and `/_-`, not starting with `aws/`.
    #[serde(default)]
    pub alias: Option<Located<String>>,
}

/// The `kms/key` resource entry.
pub struct KmsKey;

impl ResourceKind for KmsKey {
    type Spec = KeySpec;
    const KEY: &'static str = "kms/key";

    fn name(spec: &KeySpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn build(&self, entry: &ResourceEntry<KeySpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        check_length(
            spec.description.as_ref(),
            "description",
            MAX_DESCRIPTION_LEN,
            &mut diagnostics,
        );
        if let Some(alias) = &spec.alias
            && !is_alias(alias)
        {
            diagnostics.push(invalid(
                alias,
                format!("`{alias}` is not a valid KMS alias"),
                "letters, digits and `/_-` (up to 250), not starting with `aws/`, e.g. `build-tools/cache`",
            ));
        }
        if !diagnostics.is_empty() {
            return diagnostics;
        }
        let props = KeyProps {
            description: spec.description.as_ref().map(|text| text.value.clone()),
            alias: spec.alias.as_ref().map(|alias| alias.value.clone()),
            retain: true,
        };
        let key = cx.construct(&scope, origin, |app| Key::new(app, &scope, props));
        cx.publish(entry, &spec.name, key);
        diagnostics
    }
}

/// An alias name with or without `alias/`: letters, digits and `/_-`, not reserved for
/// AWS managed keys (`aws/`).
fn is_alias(alias: &str) -> bool {
    let name = alias.strip_prefix("alias/").unwrap_or(alias);
    !name.is_empty()
        && name.len() + "alias/".len() <= MAX_ALIAS_LEN
        && !name.starts_with("aws/")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_kms_rules() {
        assert!(is_alias("build-tools/cache"));
        assert!(is_alias("alias/build_cache"));
        assert!(!is_alias("alias/aws/s3"));
        assert!(!is_alias("alias/"));
        assert!(!is_alias("build cache"));
    }
}
