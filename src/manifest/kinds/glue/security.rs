//! The `glue/security-configuration` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Refs, construct_error, scope_of};
use crate::constructs::glue::{SecurityConfiguration, SecurityConfigurationProps};
use crate::constructs::kms::Key;
use crate::diagnostics::Diagnostics;
use crate::manifest::kinds::resources::KmsKey;
use crate::manifest::{BuildContext, EntryRef, Located, ResourceEntry, ResourceKind};

/// A Glue security configuration: what jobs and crawlers that name it encrypt with a
/// `kms/key` of the stack (S3 data, CloudWatch logs, job bookmarks; all by default).
/// Logical ID `<Name>SecurityConfiguration`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlueSecurityConfigurationSpec {
    /// The entry's name in the stack, kebab-case; jobs and crawlers refer to it by it
    /// (`securityConfiguration: lake-encryption`). The configuration's name is the stack
    /// name and this name.
    pub name: Located<String>,
    /// The `kms/key` entry of the stack everything is encrypted with.
    pub key: Located<String>,
    /// Encrypt what jobs write to S3 (SSE-KMS). Default `true`.
    #[serde(default = "enabled")]
    pub s3: bool,
    /// Encrypt the logs of jobs and crawlers (SSE-KMS). Default `true`.
    #[serde(default = "enabled")]
    pub cloud_watch: bool,
    /// Encrypt job bookmarks (CSE-KMS). Default `true`.
    #[serde(default = "enabled")]
    pub bookmarks: bool,
}

fn enabled() -> bool {
    true
}

/// The `glue/security-configuration` resource entry.
pub struct GlueSecurityConfiguration;

impl ResourceKind for GlueSecurityConfiguration {
    type Spec = GlueSecurityConfigurationSpec;
    const KEY: &'static str = "glue/security-configuration";

    fn name(spec: &GlueSecurityConfigurationSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &GlueSecurityConfigurationSpec) -> Vec<EntryRef<'_>> {
        vec![EntryRef::new(<KmsKey as ResourceKind>::KEY, &spec.key)]
    }

    fn build(
        &self,
        entry: &ResourceEntry<GlueSecurityConfigurationSpec>,
        cx: &mut BuildContext<'_>,
    ) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut refs = Refs::new(cx, entry.stack);
        let key = refs.get::<Key>(<KmsKey as ResourceKind>::KEY, &spec.key);
        let mut diagnostics = refs.diagnostics;
        let Some(key) = key else {
            return diagnostics;
        };
        let props = SecurityConfigurationProps {
            name: None,
            key,
            s3: spec.s3,
            cloud_watch: spec.cloud_watch,
            bookmarks: spec.bookmarks,
        };
        match cx.construct(&scope, origin, |app| {
            SecurityConfiguration::new(app, &scope, props)
        }) {
            Ok(configuration) => cx.publish(entry, &spec.name, configuration),
            Err(error) => diagnostics.push(construct_error(&error, &spec.name)),
        }
        diagnostics
    }
}
