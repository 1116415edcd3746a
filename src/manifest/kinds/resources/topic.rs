//! The `sns/topic` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::key::KmsKey;
use super::{check_length, scope_of};
use crate::constructs::kms::Key;
use crate::constructs::sns::{Topic, TopicProps};
use crate::diagnostics::Diagnostics;
use crate::manifest::{BuildContext, EntryRef, Located, ResourceEntry, ResourceKind};

/// The longest display name SNS accepts.
const MAX_DISPLAY_NAME_LEN: usize = 100;

/// An SNS topic, always encrypted (with the `key` entry, else the AWS managed
/// `alias/aws/sns`), with a topic policy that denies publishing other than over TLS.
/// Logical IDs `<Name>Topic` and `<Name>TopicPolicy`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TopicSpec {
    /// The topic's name in the stack, kebab-case: its logical ID is the PascalCase of it
    /// and `Topic` (`releases` → `ReleasesTopic`).
    pub name: Located<String>,
    /// The sender name of SMS and email messages (up to 100 characters).
    #[serde(default)]
    pub display_name: Option<Located<String>>,
    /// A `kms/key` entry of the stack (by `name`) that encrypts the messages; AWS services
    /// such as EventBridge and CodeStar Notifications can publish only to topics with a
    /// customer-managed key.
    #[serde(default)]
    pub key: Option<Located<String>>,
}

/// The `sns/topic` resource entry.
pub struct SnsTopic;

impl ResourceKind for SnsTopic {
    type Spec = TopicSpec;
    const KEY: &'static str = "sns/topic";

    fn name(spec: &TopicSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &TopicSpec) -> Vec<EntryRef<'_>> {
        spec.key
            .iter()
            .map(|key| EntryRef::new(KmsKey::KEY, key))
            .collect()
    }

    fn build(&self, entry: &ResourceEntry<TopicSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        check_length(
            spec.display_name.as_ref(),
            "display name",
            MAX_DISPLAY_NAME_LEN,
            &mut diagnostics,
        );
        let mut key = None;
        for reference in Self::references(spec) {
            match cx.resolve::<Key>(entry.stack, &reference) {
                Ok(found) => key = Some(found),
                Err(errors) if errors.is_empty() => return diagnostics,
                Err(errors) => diagnostics.extend(errors),
            }
        }
        if !diagnostics.is_empty() {
            return diagnostics;
        }
        let props = TopicProps {
            name: None,
            display_name: spec.display_name.as_ref().map(|name| name.value.clone()),
            key,
        };
        cx.construct(&scope, origin, |app| Topic::new(app, &scope, props));
        diagnostics
    }
}
