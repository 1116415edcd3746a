//! What jobs and crawlers touch: S3 prefixes and Data Catalog objects, and the
//! least-privilege statements that let a role use them.

use serde_json::json;

use super::database::Database;
use super::{escape_sub, glue_arn};
use crate::app::App;
use crate::constructs::ConstructError;
use crate::constructs::iam::{Grantee, Role, Statement};
use crate::constructs::s3::{Bucket, BucketRef};
use crate::template::{Expr, Val, sub_with};

/// Whether a role only reads, or also writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Access {
    /// Read objects (and list them) or catalog objects.
    Read,
    /// Read, write and delete objects; read, create and update tables and partitions.
    ReadWrite,
}

/// A bucket data lives in: one of this app, or one known by name.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DataBucket {
    /// A bucket construct; grants also cover its KMS key.
    Bucket(Bucket),
    /// A bucket another stack or account creates under a fixed name; grants also cover its
    /// key when given with [`BucketRef::with_key`].
    Named(BucketRef),
}

impl From<Bucket> for DataBucket {
    fn from(bucket: Bucket) -> Self {
        DataBucket::Bucket(bucket)
    }
}

impl From<BucketRef> for DataBucket {
    fn from(bucket: BucketRef) -> Self {
        DataBucket::Named(bucket)
    }
}

/// A prefix of a bucket: the data a job reads or writes, or a crawler crawls.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct S3Location {
    /// The bucket.
    pub bucket: DataBucket,
    /// The key prefix (`orders/`), without a leading `/`; the whole bucket when empty.
    pub prefix: String,
}

/// The object actions of read access: `GetObject` only (no versions, ACLs or tags).
const READ_OBJECTS: &[&str] = &["s3:GetObject"];
/// The object actions of read-write access: Spark output committers write, rename
/// (copy and delete) and abort uploads of objects under the prefix.
const WRITE_OBJECTS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
];
/// The KMS actions reading SSE-KMS objects needs.
const KMS_READ: &[&str] = &["kms:Decrypt"];
/// The KMS actions writing SSE-KMS objects needs (multipart uploads also decrypt).
const KMS_WRITE: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey"];

impl S3Location {
    /// The prefix `prefix` of `bucket` (a leading `/` is dropped).
    pub fn new(bucket: impl Into<DataBucket>, prefix: impl Into<String>) -> S3Location {
        let prefix: String = prefix.into();
        S3Location {
            bucket: bucket.into(),
            prefix: prefix.trim_start_matches('/').to_owned(),
        }
    }

    /// Checks the prefix (see [`check_prefix`]).
    pub(super) fn validate(&self, path: &str) -> Result<(), ConstructError> {
        check_prefix(&self.prefix).map_err(|message| ConstructError::invalid(path, message))
    }

    /// `s3://<bucket>/<prefix>`.
    pub fn uri(&self) -> Val<String> {
        match &self.bucket {
            DataBucket::Bucket(bucket) => Val::Expr(sub_with(
                format!("s3://${{Bucket}}/{}", escape_sub(&self.prefix)),
                [("Bucket", Val::Expr(bucket.name()))],
            )),
            DataBucket::Named(bucket) => {
                Val::Lit(format!("s3://{}/{}", bucket.name(), self.prefix))
            }
        }
    }

    /// The bucket's ARN.
    fn bucket_arn(&self) -> Expr<String> {
        match &self.bucket {
            DataBucket::Bucket(bucket) => bucket.arn(),
            DataBucket::Named(bucket) => bucket.arn(),
        }
    }

    /// The prefix as an IAM pattern: the prefix without its trailing `/`, then `*`. The
    /// pattern also matches the prefix's own key and the `<prefix>_$folder$` directory
    /// markers Hadoop file systems write and look up next to it; the whole bucket (`*`)
    /// when the prefix is empty.
    fn pattern(&self) -> String {
        format!("{}*", self.prefix.trim_end_matches('/'))
    }

    /// Lets `role` read (or read and write) the objects under the prefix: object actions
    /// on `<bucket>/<prefix>*`, `s3:ListBucket` narrowed to the prefix by an `s3:prefix`
    /// condition, `s3:GetBucketLocation`, and the bucket key's permissions.
    pub(super) fn grant(&self, app: &mut App, role: &Role, access: Access) {
        let (objects, kms) = match access {
            Access::Read => (READ_OBJECTS, KMS_READ),
            Access::ReadWrite => (WRITE_OBJECTS, KMS_WRITE),
        };
        let pattern = self.pattern();
        let objects_arn = match &self.bucket {
            DataBucket::Bucket(bucket) => bucket.arn_for_objects(&pattern),
            DataBucket::Named(bucket) => bucket.arn_for_objects(&pattern),
        };
        role.add_to_policy(
            app,
            Statement::allow(objects.iter().copied()).on([objects_arn]),
        );
        let list = Statement::allow(["s3:ListBucket"]).on([self.bucket_arn()]);
        let list = if self.prefix.is_empty() {
            list
        } else {
            list.when("StringLike", "s3:prefix", json!([pattern]))
        };
        role.add_to_policy(app, list);
        role.add_to_policy(
            app,
            Statement::allow(["s3:GetBucketLocation"]).on([self.bucket_arn()]),
        );
        match &self.bucket {
            DataBucket::Bucket(bucket) => {
                if let Some(key) = bucket.key() {
                    key.grant(app, role, kms);
                }
            }
            DataBucket::Named(bucket) => {
                if let Some(key) = bucket.key() {
                    key.grant(app, role, kms);
                }
            }
        }
    }
}

/// Checks an S3 prefix: IAM would read `*` and `?` in it as wildcards.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    if prefix.contains(['*', '?']) {
        return Err(format!(
            "the S3 prefix `{prefix}` contains a wildcard; give the literal prefix the data is under (`orders/`), which covers everything below it"
        ));
    }
    Ok(())
}

/// Tables of a Data Catalog database a job uses.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CatalogAccess {
    /// The database name.
    pub database: String,
    /// The table names; every table of the database when empty.
    pub tables: Vec<String>,
    /// Read only, or also create and update tables and partitions.
    pub access: Access,
}

/// The catalog actions of read access.
const CATALOG_READ: &[&str] = &[
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
];
/// The catalog actions of read-write access: also create and update tables and
/// partitions (never delete tables).
const CATALOG_WRITE: &[&str] = &[
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:BatchUpdatePartition",
];

impl CatalogAccess {
    /// `access` to `tables` (every table when empty) of `database`.
    pub fn new<I, S>(database: &Database, tables: I, access: Access) -> CatalogAccess
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CatalogAccess::named(database.physical_name(), tables, access)
    }

    /// `access` to `tables` (every table when empty) of the database called `database`
    /// (e.g. one another stack creates).
    pub fn named<I, S>(database: impl Into<String>, tables: I, access: Access) -> CatalogAccess
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CatalogAccess {
            database: database.into(),
            tables: tables.into_iter().map(Into::into).collect(),
            access,
        }
    }

    /// Checks the table names: IAM would read `*` and `?` in them as wildcards.
    pub(super) fn validate(&self, path: &str) -> Result<(), ConstructError> {
        if let Some(table) = self
            .tables
            .iter()
            .find(|table| table.is_empty() || table.contains(['*', '?', '/']))
        {
            return Err(ConstructError::invalid(
                path,
                format!(
                    "`{table}` is not a table name of the database `{}`; name the tables, or list none for every table",
                    self.database
                ),
            ));
        }
        Ok(())
    }

    /// The statement that lets a role use the tables: IAM checks catalog actions against
    /// the catalog, the database and the tables together.
    pub(super) fn statement(&self) -> Statement {
        let actions = match self.access {
            Access::Read => CATALOG_READ,
            Access::ReadWrite => CATALOG_WRITE,
        };
        let mut resources = vec![
            glue_arn("catalog"),
            glue_arn(&format!("database/{}", self.database)),
        ];
        if self.tables.is_empty() {
            // Every table of this database (and only of this database): the tables are
            // not declared, e.g. a job that creates them as it finds new data.
            resources.push(glue_arn(&format!("table/{}/*", self.database)));
        } else {
            resources.extend(
                self.tables
                    .iter()
                    .map(|table| glue_arn(&format!("table/{}/{table}", self.database))),
            );
        }
        Statement::allow(actions.iter().copied()).on(resources)
    }
}
