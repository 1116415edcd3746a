//! Data Catalog databases.

use super::data::S3Location;
use super::{construct_path, glue_arn};
use crate::app::{App, ResourceHandle};
use crate::constructs::{ConstructError, Scope};
use crate::l1::glue::database as l1;
use crate::template::{Expr, Resource, Val, aws};

/// The longest database name Glue accepts.
const MAX_DATABASE_NAME_LEN: usize = 255;

/// Whether `name` is a database name every catalog client accepts: 1 to 255 lowercase
/// letters, digits and underscores (Athena rejects other characters, and Glue lowercases
/// names).
pub fn is_database_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_DATABASE_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Properties of a [`Database`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DatabaseProps {
    /// The database name in the account's catalog (see [`is_database_name`]).
    pub name: String,
    /// What the database holds.
    pub description: Option<String>,
    /// Where its tables' data lives by default (`LocationUri`).
    pub location: Option<S3Location>,
    /// Keep the database (and so its table definitions) when it leaves the stack or is
    /// replaced. Default `true`.
    pub retain: bool,
}

impl DatabaseProps {
    /// A retained database called `name`, without description or location.
    pub fn named(name: impl Into<String>) -> DatabaseProps {
        DatabaseProps {
            name: name.into(),
            description: None,
            location: None,
            retain: true,
        }
    }
}

/// A database of the account's Data Catalog, retained by default: deleting it would
/// delete every table definition in it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Database {
    handle: ResourceHandle,
    name: String,
}

impl Database {
    /// Creates the database with the logical ID `<Scope>Database`.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: DatabaseProps,
    ) -> Result<Database, ConstructError> {
        let path = construct_path(scope, "Database");
        if !is_database_name(&props.name) {
            return Err(ConstructError::invalid(
                path,
                format!(
                    "`{}` is not a valid database name; use 1 to {MAX_DATABASE_NAME_LEN} lowercase letters, digits and `_` (Athena rejects other characters)",
                    props.name
                ),
            ));
        }
        if let Some(location) = &props.location {
            location.validate(&path)?;
        }
        let input = l1::DatabaseInput {
            name: Some(Val::Lit(props.name.clone())),
            description: props.description.map(Val::Lit),
            location_uri: props.location.as_ref().map(S3Location::uri),
            ..l1::DatabaseInput::default()
        };
        let database = l1::Database::new(aws::account_id(), input);
        let mut resource = Resource::new(&database);
        if props.retain {
            resource = resource.retain();
        }
        Ok(Database {
            handle: scope.add_resource(app, "Database", resource),
            name: props.name,
        })
    }

    /// The database name (`Ref`), which makes a resource that uses it depend on it.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The database name as synthesized.
    pub fn physical_name(&self) -> &str {
        &self.name
    }

    /// `arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/<name>`.
    pub fn arn(&self) -> Expr<String> {
        glue_arn(&format!("database/{}", self.name))
    }

    /// The database resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}
