//! The `LakePermissions` construct: data lake settings, LF-tags and their assignments,
//! registered locations and grants, with the dependencies between them.

use indexmap::{IndexMap, IndexSet};

use super::resource::{
    LakePrincipal, LakeResource, MAX_EXPRESSION_TAGS, MAX_GRANT_TAG_VALUES, TableSelector,
    permission_name,
};
use crate::app::{App, ResourceHandle};
use crate::constructs::{ConstructError, Scope};
use crate::l1::lake_formation::principal_permissions::{
    DataLakePrincipal, Permission, PrincipalPermissions,
};
use crate::l1::lake_formation::{data_lake_settings, resource, tag, tag_association};
use crate::template::{Resource, Val, sub};

/// The most LF-tags one Data Catalog resource can have.
pub const MAX_TAGS_PER_RESOURCE: usize = 50;
/// The most values an LF-tag can have.
pub const MAX_TAG_VALUES: usize = 1000;

/// A grant of permissions to one principal on one resource
/// (`AWS::LakeFormation::PrincipalPermissions`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Grant {
    /// Kebab-case words naming the grant; its logical ID is their PascalCase plus `Grant`.
    pub name: String,
    /// Who.
    pub principal: LakePrincipal,
    /// On what.
    pub resource: LakeResource,
    /// The permissions.
    pub permissions: Vec<Permission>,
    /// The permissions the principal may grant to others (a subset of `permissions`).
    pub grantable: Vec<Permission>,
}

/// What LF-tags are assigned to.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TagTarget {
    /// A database.
    Database(String),
    /// A table, or every table of a database.
    Table {
        /// The database.
        database: String,
        /// The table.
        table: TableSelector,
    },
    /// Columns of a table.
    Columns {
        /// The database.
        database: String,
        /// The table.
        table: String,
        /// The columns.
        columns: Vec<String>,
    },
}

impl TagTarget {
    fn id_words(&self) -> Vec<String> {
        match self {
            TagTarget::Database(name) => vec![name.clone(), "database".into()],
            TagTarget::Table {
                database,
                table: TableSelector::Named(table),
            } => vec![database.clone(), table.clone(), "table".into()],
            TagTarget::Table {
                database,
                table: TableSelector::Wildcard,
            } => vec![database.clone(), "all-tables".into()],
            TagTarget::Columns {
                database,
                table,
                columns,
            } => {
                let mut words = vec![database.clone(), table.clone()];
                words.extend(columns.iter().cloned());
                words.push("columns".into());
                words
            }
        }
    }
}

/// LF-tags (key → one value) assigned to a database, a table or columns
/// (`AWS::LakeFormation::TagAssociation`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TagAssignment {
    /// What is tagged.
    pub target: TagTarget,
    /// LF-tag key → its value there.
    pub tags: IndexMap<String, String>,
}

/// An S3 location registered with Lake Formation (`AWS::LakeFormation::Resource`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DataLocation {
    /// The S3 ARN (`arn:${AWS::Partition}:s3:::bucket/prefix`).
    pub arn: String,
    /// The role Lake Formation uses to reach it; the service-linked role when `None`.
    pub role_arn: Option<String>,
    /// Let IAM and Lake Formation permissions both apply (hybrid access mode).
    pub hybrid_access: bool,
}

/// Properties of [`LakePermissions`].
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct LakePermissionsProps {
    /// The data lake administrators (`AWS::LakeFormation::DataLakeSettings`). `Some`
    /// replaces the account's whole list: include the role that deploys the stack, or it
    /// loses the rights it needs to grant. `None` leaves the settings alone.
    pub admins: Option<Vec<LakePrincipal>>,
    /// LF-tags: key → allowed values.
    pub tags: IndexMap<String, Vec<String>>,
    /// Registered locations, by name.
    pub locations: IndexMap<String, DataLocation>,
    /// LF-tag assignments.
    pub assignments: Vec<TagAssignment>,
    /// Grants.
    pub grants: Vec<Grant>,
}

/// A problem with an LF-tag used in a grant or an assignment.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TagProblem {
    /// The key is not declared.
    UnknownKey,
    /// The value is not one of the key's values.
    UnknownValue,
}

/// Checks that `key` is a declared LF-tag and `value` one of its values.
pub fn check_tag_value(
    tags: &IndexMap<String, Vec<String>>,
    key: &str,
    value: &str,
) -> Result<(), TagProblem> {
    match tags.get(key) {
        None => Err(TagProblem::UnknownKey),
        Some(values) if !values.iter().any(|known| known == value) => Err(TagProblem::UnknownValue),
        Some(_) => Ok(()),
    }
}

/// Lake Formation permissions of one account: its data lake settings, LF-tags, tag
/// assignments, registered locations and grants, in one stack.
///
/// Every other resource depends on the settings (the deploying role must be an
/// administrator before it grants), assignments and tag grants on the LF-tags they use,
/// and location grants on the registration of their location.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LakePermissions {
    settings: Option<ResourceHandle>,
    grants: Vec<ResourceHandle>,
}

impl LakePermissions {
    /// Adds everything to the stack of `scope`; every problem found when the properties
    /// do not make a valid set of resources.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: LakePermissionsProps,
    ) -> Result<LakePermissions, Vec<ConstructError>> {
        let errors = check(scope, &props);
        if !errors.is_empty() {
            return Err(errors);
        }
        let catalog = app.env(scope.stack).account().to_owned();
        let settings = props.admins.as_ref().map(|admins| {
            let resource = data_lake_settings::DataLakeSettings {
                admins: Some(Val::Lit(
                    admins
                        .iter()
                        .map(|admin| {
                            Val::Lit(data_lake_settings::DataLakePrincipal::new(
                                admin.identifier(),
                            ))
                        })
                        .collect(),
                )),
                ..data_lake_settings::DataLakeSettings::default()
            };
            scope.add(app, "DataLakeSettings", &resource)
        });
        let after_settings = |resource: Resource| match &settings {
            Some(handle) => resource.depends_on(handle.logical_id().to_owned()),
            None => resource,
        };
        let mut tag_ids: IndexMap<&str, String> = IndexMap::new();
        for (key, values) in &props.tags {
            let mut lf_tag = tag::Tag::new(
                key.as_str(),
                Val::Lit(values.iter().map(Val::from).collect()),
            );
            lf_tag.catalog_id = Some(Val::Lit(catalog.clone()));
            let handle = scope.add_resource(
                app,
                &format!("{key}-LfTag"),
                after_settings(Resource::new(&lf_tag)),
            );
            tag_ids.insert(key, handle.logical_id().to_owned());
        }
        let with_tags = |resource: Resource, keys: &[&str]| {
            keys.iter()
                .filter_map(|key| tag_ids.get(key))
                .fold(resource, |resource, id| resource.depends_on(id.clone()))
        };
        let mut location_ids: IndexMap<&str, String> = IndexMap::new();
        for (name, location) in &props.locations {
            let arn = if location.arn.contains("${") {
                Val::Expr(sub(location.arn.clone()))
            } else {
                Val::Lit(location.arn.clone())
            };
            let mut registration = resource::Resource::new(arn, location.role_arn.is_none());
            registration.role_arn = location.role_arn.as_ref().map(|role| {
                if role.contains("${") {
                    Val::Expr(sub(role.clone()))
                } else {
                    Val::Lit(role.clone())
                }
            });
            if location.hybrid_access {
                registration.hybrid_access_enabled = Some(Val::Lit(true));
            }
            let handle = scope.add_resource(
                app,
                &format!("{name}-Location"),
                after_settings(Resource::new(&registration)),
            );
            location_ids.insert(&location.arn, handle.logical_id().to_owned());
        }
        for assignment in &props.assignments {
            let pairs = assignment
                .tags
                .iter()
                .map(|(key, value)| {
                    Val::Lit(tag_association::LFTagPair::new(
                        catalog.as_str(),
                        key.as_str(),
                        Val::Lit(vec![Val::from(value)]),
                    ))
                })
                .collect();
            let association = tag_association::TagAssociation::new(
                Val::Lit(pairs),
                tag_target(&assignment.target, &catalog),
            );
            let keys: Vec<&str> = assignment.tags.keys().map(String::as_str).collect();
            let words = assignment.target.id_words().join("-");
            scope.add_resource(
                app,
                &format!("{words}-Tags"),
                with_tags(after_settings(Resource::new(&association)), &keys),
            );
        }
        let mut grants = Vec::with_capacity(props.grants.len());
        for grant in &props.grants {
            let l1 = PrincipalPermissions::new(
                Val::Lit(grant.permissions.iter().copied().map(Val::Lit).collect()),
                Val::Lit(grant.grantable.iter().copied().map(Val::Lit).collect()),
                Val::Lit(DataLakePrincipal {
                    data_lake_principal_identifier: Some(grant.principal.identifier()),
                }),
                Val::Lit(grant.resource.to_l1(&catalog)),
            );
            let mut resource = with_tags(
                after_settings(Resource::new(&l1)),
                &grant.resource.tag_keys(),
            );
            if let LakeResource::DataLocation(arn) = &grant.resource
                && let Some(id) = location_ids.get(arn.as_str())
            {
                resource = resource.depends_on(id.clone());
            }
            grants.push(scope.add_resource(app, &format!("{}-Grant", grant.name), resource));
        }
        Ok(LakePermissions { settings, grants })
    }

    /// The data lake settings resource, when the construct manages the administrators.
    pub fn settings(&self) -> Option<&ResourceHandle> {
        self.settings.as_ref()
    }

    /// The grants, in order.
    pub fn grants(&self) -> &[ResourceHandle] {
        &self.grants
    }
}

/// The L1 resource a tag assignment tags.
fn tag_target(target: &TagTarget, catalog: &str) -> tag_association::Resource {
    let mut resource = tag_association::Resource::default();
    match target {
        TagTarget::Database(name) => {
            resource.database = Some(Val::Lit(tag_association::DatabaseResource::new(
                catalog,
                name.as_str(),
            )));
        }
        TagTarget::Table { database, table } => {
            let mut l1 = tag_association::TableResource::new(catalog, database.as_str());
            match table {
                TableSelector::Named(name) => l1.name = Some(Val::from(name)),
                TableSelector::Wildcard => l1.table_wildcard = Some(serde_json::json!({})),
            }
            resource.table = Some(Val::Lit(l1));
        }
        TagTarget::Columns {
            database,
            table,
            columns,
        } => {
            resource.table_with_columns =
                Some(Val::Lit(tag_association::TableWithColumnsResource::new(
                    catalog,
                    Val::Lit(columns.iter().map(Val::from).collect()),
                    database.as_str(),
                    table.as_str(),
                )));
        }
    }
    resource
}

/// Every problem with the properties.
fn check(scope: &Scope, props: &LakePermissionsProps) -> Vec<ConstructError> {
    let mut errors = Vec::new();
    let mut invalid = |message: String| errors.push(ConstructError::invalid(&scope.path, message));
    for (key, values) in &props.tags {
        if values.is_empty() || values.len() > MAX_TAG_VALUES {
            invalid(format!(
                "LF-tag `{key}` has {} values; an LF-tag has 1 to {MAX_TAG_VALUES}",
                values.len()
            ));
        }
    }
    for assignment in &props.assignments {
        if assignment.tags.is_empty() || assignment.tags.len() > MAX_TAGS_PER_RESOURCE {
            invalid(format!(
                "a tag assignment has {} LF-tags; a resource has 1 to {MAX_TAGS_PER_RESOURCE}",
                assignment.tags.len()
            ));
        }
        for (key, value) in &assignment.tags {
            if check_tag_value(&props.tags, key, value).is_err() {
                invalid(format!("`{key}: {value}` is not a declared LF-tag value"));
            }
        }
    }
    let mut names: IndexSet<&str> = IndexSet::new();
    for grant in &props.grants {
        if !names.insert(&grant.name) {
            invalid(format!("two grants are named `{}`", grant.name));
        }
        if grant.permissions.is_empty() {
            invalid(format!("grant `{}` has no permissions", grant.name));
        }
        let wrong = grant.resource.invalid_permissions(&grant.permissions);
        if !wrong.is_empty() {
            let wrong: Vec<&str> = wrong.into_iter().map(permission_name).collect();
            invalid(format!(
                "grant `{}`: {} cannot be granted on {}",
                grant.name,
                wrong.join(", "),
                grant.resource.kind()
            ));
        }
        if let Some(extra) = grant
            .grantable
            .iter()
            .find(|permission| !grant.permissions.contains(permission))
        {
            invalid(format!(
                "grant `{}`: {} is grantable but not granted",
                grant.name,
                permission_name(*extra)
            ));
        }
        match &grant.resource {
            LakeResource::TagPolicy { expression, .. } => {
                if expression.is_empty() || expression.len() > MAX_EXPRESSION_TAGS {
                    invalid(format!(
                        "grant `{}`: an LF-tag expression has 1 to {MAX_EXPRESSION_TAGS} LF-tags, not {}",
                        grant.name,
                        expression.len()
                    ));
                }
                for (key, values) in expression {
                    if values.is_empty() || values.len() > MAX_GRANT_TAG_VALUES {
                        invalid(format!(
                            "grant `{}`: LF-tag `{key}` needs 1 to {MAX_GRANT_TAG_VALUES} values",
                            grant.name
                        ));
                    }
                    for value in values {
                        if check_tag_value(&props.tags, key, value).is_err() {
                            invalid(format!(
                                "grant `{}`: `{key}: {value}` is not a declared LF-tag value",
                                grant.name
                            ));
                        }
                    }
                }
            }
            LakeResource::Tag { key, values } => {
                for value in values {
                    if check_tag_value(&props.tags, key, value).is_err() {
                        invalid(format!(
                            "grant `{}`: `{key}: {value}` is not a declared LF-tag value",
                            grant.name
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    errors
}
