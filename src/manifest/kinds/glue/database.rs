//! The `glue/database` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Refs, S3PathSpec, construct_error, error_at, location, path_references, scope_of};
use crate::constructs::glue::{Database, DatabaseProps, is_database_name};
use crate::diagnostics::Diagnostics;
use crate::manifest::{BuildContext, EntryRef, Located, ResourceEntry, ResourceKind};

/// A database of the account's Data Catalog, kept when it leaves the stack (retained):
/// deleting it would delete its table definitions. Logical ID `<Name>Database`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlueDatabaseSpec {
    /// The entry's name in the stack, kebab-case: its logical ID is the PascalCase of it
    /// and `Database` (`raw` → `RawDatabase`); jobs and crawlers refer to it by it.
    pub name: Located<String>,
    /// The database name in the catalog: lowercase letters, digits and `_`. Default: the
    /// entry's name with `_` for `-` (`purpose-built` → `purpose_built`). A catalog has
    /// one database of a name per account and region.
    #[serde(default)]
    pub database_name: Option<Located<String>>,
    /// What the database holds.
    #[serde(default)]
    pub description: Option<String>,
    /// Where its tables' data lives by default.
    #[serde(default)]
    pub location: Option<Located<S3PathSpec>>,
}

/// The `glue/database` resource entry.
pub struct GlueDatabase;

impl ResourceKind for GlueDatabase {
    type Spec = GlueDatabaseSpec;
    const KEY: &'static str = "glue/database";

    fn name(spec: &GlueDatabaseSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &GlueDatabaseSpec) -> Vec<EntryRef<'_>> {
        spec.location
            .iter()
            .flat_map(|location| path_references(location.bucket.as_ref()))
            .collect()
    }

    fn build(
        &self,
        entry: &ResourceEntry<GlueDatabaseSpec>,
        cx: &mut BuildContext<'_>,
    ) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        let database_name = match &spec.database_name {
            Some(name) => {
                if !is_database_name(name) {
                    diagnostics.push(
                        error_at(&name.span, format!("`{name}` is not a valid database name"))
                            .expected("1 to 255 lowercase letters, digits and `_` (Athena rejects other characters)"),
                    );
                }
                name.value.clone()
            }
            None => spec.name.replace('-', "_"),
        };
        let mut refs = Refs::new(cx, entry.stack);
        let location = spec.location.as_ref().and_then(|path| {
            location(
                &mut refs,
                &mut diagnostics,
                &path.span,
                path.bucket.as_ref(),
                path.bucket_name.as_ref(),
                path.prefix.as_ref(),
            )
        });
        let complete = refs.complete();
        diagnostics.extend(refs.diagnostics);
        if !complete || !diagnostics.is_empty() {
            return diagnostics;
        }
        let props = DatabaseProps {
            name: database_name,
            description: spec.description.clone(),
            location,
            retain: true,
        };
        match cx.construct(&scope, origin, |app| Database::new(app, &scope, props)) {
            Ok(database) => cx.publish(entry, &spec.name, database),
            Err(error) => diagnostics.push(construct_error(&error, &spec.name)),
        }
        diagnostics
    }
}
