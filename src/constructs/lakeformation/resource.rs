//! What Lake Formation permissions are granted on, who they are granted to, and which
//! permissions each kind of resource takes.

use indexmap::IndexMap;
use serde_json::json;

use crate::l1::lake_formation::principal_permissions::{
    self as l1, ColumnWildcard, DataLocationResource, DatabaseResource, LFTag, LFTagKeyResource,
    LFTagPolicyResource, Permission, ResourceTypeProperty, TableResource, TableWithColumnsResource,
};
use crate::template::{Val, sub};

/// The most LF-tag conditions (keys) in the expression of an `LFTagPolicy` grant.
/// `AWS::LakeFormation::PrincipalPermissions` accepts 5 (its `Expression` has
/// `maxItems: 5`), fewer than the 50 keys of a saved LF-tag expression.
pub const MAX_EXPRESSION_TAGS: usize = 5;
/// The most values of one LF-tag in a grant (`TagValues` of an expression or an LF-tag).
pub const MAX_GRANT_TAG_VALUES: usize = 50;

/// Every permission, in Lake Formation's order.
pub const PERMISSIONS: [Permission; 13] = [
    Permission::All,
    Permission::Select,
    Permission::Alter,
    Permission::Drop,
    Permission::Delete,
    Permission::Insert,
    Permission::Describe,
    Permission::CreateDatabase,
    Permission::CreateTable,
    Permission::DataLocationAccess,
    Permission::CreateLfTag,
    Permission::Associate,
    Permission::GrantWithLfTagExpression,
];

/// The name Lake Formation uses, e.g. `CREATE_TABLE`.
pub fn permission_name(permission: Permission) -> &'static str {
    match permission {
        Permission::All => "ALL",
        Permission::Select => "SELECT",
        Permission::Alter => "ALTER",
        Permission::Drop => "DROP",
        Permission::Delete => "DELETE",
        Permission::Insert => "INSERT",
        Permission::Describe => "DESCRIBE",
        Permission::CreateDatabase => "CREATE_DATABASE",
        Permission::CreateTable => "CREATE_TABLE",
        Permission::DataLocationAccess => "DATA_LOCATION_ACCESS",
        Permission::CreateLfTag => "CREATE_LF_TAG",
        Permission::Associate => "ASSOCIATE",
        Permission::GrantWithLfTagExpression => "GRANT_WITH_LF_TAG_EXPRESSION",
    }
}

/// Who is granted permissions.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum LakePrincipal {
    /// An IAM role or user, by ARN (with `${AWS::Partition}` and other pseudo parameters
    /// substituted).
    Arn(String),
    /// Another account, by 12-digit id: a cross-account grant, which that account's data
    /// lake administrators pass on to its own principals.
    Account(String),
}

impl LakePrincipal {
    /// Parses an IAM role or user ARN or a 12-digit account id; the error says why not.
    pub fn parse(text: &str) -> Result<LakePrincipal, String> {
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(LakePrincipal::Account(text.to_owned()));
        }
        let rest = text
            .strip_prefix("arn:${AWS::Partition}:iam::")
            .or_else(|| {
                ["aws", "aws-cn", "aws-us-gov"]
                    .iter()
                    .find_map(|partition| text.strip_prefix(&format!("arn:{partition}:iam::")))
            })
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a principal: expected an IAM role or user ARN (`arn:${{AWS::Partition}}:iam::<account>:role/<name>`) or a 12-digit account id"
                )
            })?;
        let (account, resource) = rest.split_once(':').unwrap_or((rest, ""));
        let account_ok = account == "${AWS::AccountId}"
            || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
        let (kind, name) = resource.split_once('/').unwrap_or((resource, ""));
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
        if !account_ok || !matches!(kind, "role" | "user") || !name_ok {
            return Err(format!(
                "`{text}` is not an IAM role or user ARN: expected `arn:${{AWS::Partition}}:iam::<12-digit account>:role/<name>` (or `user/<name>`), without wildcards"
            ));
        }
        Ok(LakePrincipal::Arn(text.to_owned()))
    }

    /// The `DataLakePrincipalIdentifier`.
    pub fn identifier(&self) -> Val<String> {
        match self {
            LakePrincipal::Arn(arn) if arn.contains("${") => Val::Expr(sub(arn.clone())),
            LakePrincipal::Arn(arn) | LakePrincipal::Account(arn) => Val::Lit(arn.clone()),
        }
    }

    /// A short name for logical IDs: the role or user name, or the account id.
    pub fn short_name(&self) -> &str {
        match self {
            LakePrincipal::Arn(arn) => arn.rsplit('/').next().unwrap_or(arn),
            LakePrincipal::Account(id) => id,
        }
    }
}

/// A table, or every table of a database (`TableWildcard`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum TableSelector {
    /// The table of this name.
    Named(String),
    /// Every table, those created later too.
    Wildcard,
}

/// Columns of a table: named ones, or all but some (`ColumnWildcard`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum ColumnSelector {
    /// These columns.
    Named(Vec<String>),
    /// Every column except these (every column when empty).
    AllExcept(Vec<String>),
}

/// The kind of resource an LF-tag expression grant applies to.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum TagPolicyTarget {
    /// Databases whose LF-tags match.
    Database,
    /// Tables (and their columns) whose LF-tags match.
    Table,
}

/// What permissions are granted on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LakeResource {
    /// The Data Catalog of the account (e.g. `CREATE_DATABASE`).
    Catalog,
    /// A database.
    Database(String),
    /// A table, or every table of a database.
    Table {
        /// The database.
        database: String,
        /// The table.
        table: TableSelector,
    },
    /// Columns of a table (`SELECT` only).
    Columns {
        /// The database.
        database: String,
        /// The table.
        table: String,
        /// The columns.
        columns: ColumnSelector,
    },
    /// A registered S3 location, by ARN (`DATA_LOCATION_ACCESS` only).
    DataLocation(String),
    /// An LF-tag and some of its values (to describe, associate or grant with it).
    Tag {
        /// The LF-tag key.
        key: String,
        /// Its values.
        values: Vec<String>,
    },
    /// Every database or table whose LF-tags match an expression: key → any of the
    /// values; every key must match.
    TagPolicy {
        /// Databases or tables.
        target: TagPolicyTarget,
        /// The expression.
        expression: IndexMap<String, Vec<String>>,
    },
}

impl LakeResource {
    /// The permissions this kind of resource takes.
    pub fn valid_permissions(&self) -> &'static [Permission] {
        use Permission::*;
        match self {
            LakeResource::Catalog => &[CreateDatabase, CreateLfTag],
            LakeResource::Database(_)
            | LakeResource::TagPolicy {
                target: TagPolicyTarget::Database,
                ..
            } => &[All, Alter, CreateTable, Describe, Drop],
            LakeResource::Table { .. }
            | LakeResource::TagPolicy {
                target: TagPolicyTarget::Table,
                ..
            } => &[All, Alter, Delete, Describe, Drop, Insert, Select],
            LakeResource::Columns { .. } => &[Select],
            LakeResource::DataLocation(_) => &[DataLocationAccess],
            LakeResource::Tag { .. } => &[Describe, Associate, GrantWithLfTagExpression],
        }
    }

    /// What it is, for messages: `a database`, `columns`, …
    pub fn kind(&self) -> &'static str {
        match self {
            LakeResource::Catalog => "the catalog",
            LakeResource::Database(_) => "a database",
            LakeResource::Table {
                table: TableSelector::Named(_),
                ..
            } => "a table",
            LakeResource::Table {
                table: TableSelector::Wildcard,
                ..
            } => "every table of a database",
            LakeResource::Columns { .. } => "columns",
            LakeResource::DataLocation(_) => "a data location",
            LakeResource::Tag { .. } => "an LF-tag",
            LakeResource::TagPolicy {
                target: TagPolicyTarget::Database,
                ..
            } => "databases matching an LF-tag expression",
            LakeResource::TagPolicy {
                target: TagPolicyTarget::Table,
                ..
            } => "tables matching an LF-tag expression",
        }
    }

    /// The permissions of `permissions` that this kind of resource does not take.
    pub fn invalid_permissions(&self, permissions: &[Permission]) -> Vec<Permission> {
        let valid = self.valid_permissions();
        permissions
            .iter()
            .filter(|permission| !valid.contains(permission))
            .copied()
            .collect()
    }

    /// The LF-tag keys the resource names (for dependencies on the tags).
    pub fn tag_keys(&self) -> Vec<&str> {
        match self {
            LakeResource::Tag { key, .. } => vec![key],
            LakeResource::TagPolicy { expression, .. } => {
                expression.keys().map(String::as_str).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Words for logical IDs.
    pub(crate) fn id_words(&self) -> Vec<String> {
        match self {
            LakeResource::Catalog => vec!["catalog".into()],
            LakeResource::Database(name) => vec![name.clone(), "database".into()],
            LakeResource::Table {
                database,
                table: TableSelector::Named(table),
            } => vec![database.clone(), table.clone(), "table".into()],
            LakeResource::Table {
                database,
                table: TableSelector::Wildcard,
            } => vec![database.clone(), "all-tables".into()],
            LakeResource::Columns {
                database, table, ..
            } => vec![database.clone(), table.clone(), "columns".into()],
            LakeResource::DataLocation(arn) => {
                vec![
                    arn.rsplit(":::").next().unwrap_or(arn).to_owned(),
                    "location".into(),
                ]
            }
            LakeResource::Tag { key, .. } => vec![key.clone(), "tag".into()],
            LakeResource::TagPolicy { expression, target } => {
                let mut words: Vec<String> = expression.keys().cloned().collect();
                words.push(match target {
                    TagPolicyTarget::Database => "tagged-databases".into(),
                    TagPolicyTarget::Table => "tagged-tables".into(),
                });
                words
            }
        }
    }

    /// The L1 resource, in the catalog of `catalog` (an account id).
    pub(crate) fn to_l1(&self, catalog: &str) -> l1::Resource {
        let mut resource = l1::Resource::default();
        let list = |items: &[String]| Val::Lit(items.iter().map(Val::from).collect());
        match self {
            // CloudFormation documents `Catalog` as JSON, its registry schema (which
            // cfn-lint checks) as a string; Lake Formation only needs it present.
            LakeResource::Catalog => resource.catalog = Some(Val::Lit(catalog.to_owned())),
            LakeResource::Database(name) => {
                resource.database = Some(Val::Lit(DatabaseResource::new(catalog, name.as_str())));
            }
            LakeResource::Table { database, table } => {
                let mut l1_table = TableResource::new(catalog, database.as_str());
                match table {
                    TableSelector::Named(name) => l1_table.name = Some(Val::from(name)),
                    TableSelector::Wildcard => l1_table.table_wildcard = Some(json!({})),
                }
                resource.table = Some(Val::Lit(l1_table));
            }
            LakeResource::Columns {
                database,
                table,
                columns,
            } => {
                let mut l1_columns =
                    TableWithColumnsResource::new(catalog, database.as_str(), table.as_str());
                match columns {
                    ColumnSelector::Named(names) => l1_columns.column_names = Some(list(names)),
                    ColumnSelector::AllExcept(excluded) => {
                        l1_columns.column_wildcard = Some(Val::Lit(ColumnWildcard {
                            excluded_column_names: (!excluded.is_empty()).then(|| list(excluded)),
                        }));
                    }
                }
                resource.table_with_columns = Some(Val::Lit(l1_columns));
            }
            LakeResource::DataLocation(arn) => {
                let arn = if arn.contains("${") {
                    Val::Expr(sub(arn.clone()))
                } else {
                    Val::Lit(arn.clone())
                };
                resource.data_location = Some(Val::Lit(DataLocationResource::new(catalog, arn)));
            }
            LakeResource::Tag { key, values } => {
                resource.lf_tag = Some(Val::Lit(LFTagKeyResource::new(
                    catalog,
                    key.as_str(),
                    list(values),
                )));
            }
            LakeResource::TagPolicy { target, expression } => {
                let conditions = expression
                    .iter()
                    .map(|(key, values)| {
                        Val::Lit(LFTag {
                            tag_key: Some(Val::from(key)),
                            tag_values: Some(list(values)),
                        })
                    })
                    .collect();
                let target = match target {
                    TagPolicyTarget::Database => ResourceTypeProperty::Database,
                    TagPolicyTarget::Table => ResourceTypeProperty::Table,
                };
                resource.lf_tag_policy = Some(Val::Lit(LFTagPolicyResource::new(
                    catalog,
                    Val::Lit(conditions),
                    target,
                )));
            }
        }
        resource
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_per_kind_of_resource() {
        let columns = LakeResource::Columns {
            database: "sales".into(),
            table: "customers".into(),
            columns: ColumnSelector::AllExcept(vec!["email".into()]),
        };
        assert_eq!(
            columns.invalid_permissions(&[Permission::Select, Permission::Insert]),
            [Permission::Insert]
        );
        let location = LakeResource::DataLocation("arn:aws:s3:::raw".into());
        assert_eq!(
            location.valid_permissions(),
            [Permission::DataLocationAccess]
        );
        let database = LakeResource::Database("sales".into());
        assert!(
            database
                .invalid_permissions(&[Permission::CreateTable])
                .is_empty()
        );
        assert_eq!(
            database.invalid_permissions(&[Permission::Select]),
            [Permission::Select]
        );
        assert_eq!(permission_name(Permission::CreateTable), "CREATE_TABLE");
    }

    #[test]
    fn principals_are_role_or_user_arns_or_accounts() {
        assert_eq!(
            LakePrincipal::parse("444444444444"),
            Ok(LakePrincipal::Account("444444444444".into()))
        );
        let role =
            LakePrincipal::parse("arn:${AWS::Partition}:iam::222222222222:role/analyst").unwrap();
        assert_eq!(role.short_name(), "analyst");
        assert!(matches!(role.identifier(), Val::Expr(_)));
        for bad in [
            "analyst",
            "arn:aws:iam::2222:role/analyst",
            "arn:aws:iam::222222222222:group/analysts",
            "arn:aws:iam::222222222222:role/analyst*",
            "arn:aws:s3:::bucket",
        ] {
            assert!(LakePrincipal::parse(bad).is_err(), "{bad}");
        }
    }
}
