//! The `glue/crawler` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::connection::GlueConnection;
use super::database::GlueDatabase;
use super::security::GlueSecurityConfiguration;
use super::{Refs, check_cron, construct_error, error_at, location, path_references, scope_of};
use crate::constructs::glue::{
    Connection, Crawler, CrawlerProps, Database, DeleteBehavior, JdbcTarget, RecrawlBehavior,
    S3Target, SecurityConfiguration, UpdateBehavior,
};
use crate::diagnostics::Diagnostics;
use crate::manifest::{BuildContext, EntryRef, Located, ResourceEntry, ResourceKind};

/// A Glue crawler that keeps the tables of a `glue/database` entry up to date, with a
/// role of its own that may read exactly its S3 target prefixes (or, with
/// `lakeFormation`, get Lake Formation credentials for them). Logical IDs `<Name>Crawler`,
/// `<Name>CrawlerRole` and `<Name>CrawlerRoleDefaultPolicy`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlueCrawlerSpec {
    /// The entry's name in the stack, kebab-case; triggers refer to it by it. The
    /// crawler's name is the stack name and this name.
    pub name: Located<String>,
    /// What it crawls.
    #[serde(default)]
    pub description: Option<String>,
    /// The `glue/database` entry its tables go into.
    pub database: Located<String>,
    /// S3 prefixes to crawl.
    #[serde(default)]
    pub s3: Vec<Located<CrawlerS3Spec>>,
    /// JDBC data stores to crawl.
    #[serde(default)]
    pub jdbc: Vec<CrawlerJdbcSpec>,
    /// When it runs, `cron(minutes hours day-of-month month day-of-week year)` in UTC,
    /// e.g. `cron(0 2 * * ? *)`; on demand (or by a trigger) when left out.
    #[serde(default)]
    pub schedule: Option<Located<String>>,
    /// What it does with changed and vanished tables.
    #[serde(default)]
    pub schema_change: SchemaChangeSpec,
    /// What later crawls read: `everything` (the default) or `new-folders-only` (which
    /// needs `schemaChange: { update: log, delete: log }`).
    #[serde(default)]
    pub recrawl: Option<Located<RecrawlSpec>>,
    /// Read S3 with Lake Formation credentials: the targets must be registered Lake
    /// Formation locations where the crawler's role has data location access (S3 targets
    /// only).
    #[serde(default)]
    pub lake_formation: Option<Located<bool>>,
    /// A prefix for the names of the tables it creates.
    #[serde(default)]
    pub table_prefix: Option<String>,
    /// A `glue/security-configuration` entry of the stack (for its logs).
    #[serde(default)]
    pub security_configuration: Option<Located<String>>,
}

/// An S3 prefix to crawl.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CrawlerS3Spec {
    /// An `s3/bucket` entry of the stack, by its `name`.
    #[serde(default)]
    pub bucket: Option<Located<String>>,
    /// Or the name of a bucket created elsewhere.
    #[serde(default)]
    pub bucket_name: Option<Located<String>>,
    /// The key prefix (`orders/`); the whole bucket when left out.
    #[serde(default)]
    pub prefix: Option<Located<String>>,
    /// Glob patterns of keys to leave out (`**.tmp`).
    #[serde(default)]
    pub exclusions: Vec<String>,
    /// A `glue/connection` entry (a network connection) to crawl through.
    #[serde(default)]
    pub connection: Option<Located<String>>,
}

/// A JDBC data store to crawl.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CrawlerJdbcSpec {
    /// A `glue/connection` entry with `jdbc`.
    pub connection: Located<String>,
    /// `database/schema/table`, where `%` matches any name (`sales/public/%`).
    pub path: Located<String>,
    /// Glob patterns of tables to leave out.
    #[serde(default)]
    pub exclusions: Vec<String>,
}

/// What a crawler does with changed and vanished tables.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaChangeSpec {
    /// Changed schemas: `update-in-database` (the default) or `log`.
    #[serde(default)]
    pub update: Option<Located<UpdateSpec>>,
    /// Vanished tables and partitions: `deprecate-in-database` (the default),
    /// `delete-from-database` or `log`.
    #[serde(default)]
    pub delete: Option<Located<DeleteSpec>>,
}

/// What a crawler does with a changed schema.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateSpec {
    /// Update the table.
    UpdateInDatabase,
    /// Log the change only.
    Log,
}

/// What a crawler does with vanished tables and partitions.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeleteSpec {
    /// Mark them deprecated.
    DeprecateInDatabase,
    /// Delete them from the catalog.
    DeleteFromDatabase,
    /// Log only.
    Log,
}

/// What later crawls read.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RecrawlSpec {
    /// Everything.
    Everything,
    /// Only folders added since the last crawl.
    NewFoldersOnly,
}

/// The `glue/crawler` resource entry.
pub struct GlueCrawler;

impl ResourceKind for GlueCrawler {
    type Spec = GlueCrawlerSpec;
    const KEY: &'static str = "glue/crawler";

    fn name(spec: &GlueCrawlerSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &GlueCrawlerSpec) -> Vec<EntryRef<'_>> {
        let mut references = vec![EntryRef::new(GlueDatabase::KEY, &spec.database)];
        for target in &spec.s3 {
            references.extend(path_references(target.bucket.as_ref()));
            references.extend(
                target
                    .connection
                    .iter()
                    .map(|connection| EntryRef::new(GlueConnection::KEY, connection)),
            );
        }
        references.extend(
            spec.jdbc
                .iter()
                .map(|target| EntryRef::new(GlueConnection::KEY, &target.connection)),
        );
        references.extend(
            spec.security_configuration
                .iter()
                .map(|name| EntryRef::new(GlueSecurityConfiguration::KEY, name)),
        );
        references
    }

    fn build(
        &self,
        entry: &ResourceEntry<GlueCrawlerSpec>,
        cx: &mut BuildContext<'_>,
    ) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        check_cron(spec.schedule.as_ref(), &mut diagnostics);
        let update = spec
            .schema_change
            .update
            .as_ref()
            .map(|update| update.value);
        let delete = spec
            .schema_change
            .delete
            .as_ref()
            .map(|delete| delete.value);
        if let Some(recrawl) = spec
            .recrawl
            .as_ref()
            .filter(|recrawl| recrawl.value == RecrawlSpec::NewFoldersOnly)
            && (update != Some(UpdateSpec::Log) || delete != Some(DeleteSpec::Log))
        {
            diagnostics.push(
                error_at(
                    &recrawl.span,
                    "a crawler that crawls only new folders cannot change existing tables",
                )
                .help("add `schemaChange: { update: log, delete: log }`, or crawl `everything`"),
            );
        }
        let lake_formation = spec.lake_formation.as_ref().filter(|lake| lake.value);
        if let (Some(lake), Some(_)) = (lake_formation, spec.jdbc.first()) {
            diagnostics.push(
                error_at(
                    &lake.span,
                    "Lake Formation credentials are for S3 targets; JDBC targets are read with their connection's credentials",
                )
                .help("crawl the JDBC data stores with another crawler"),
            );
        }
        if spec.s3.is_empty() && spec.jdbc.is_empty() {
            diagnostics.push(
                error_at(&spec.name.span, "a crawler needs at least one target").help(
                    "add `s3: [{ bucket: …, prefix: … }]` or `jdbc: [{ connection: …, path: … }]`",
                ),
            );
        }

        let mut refs = Refs::new(cx, entry.stack);
        let database = refs.get::<Database>(GlueDatabase::KEY, &spec.database);
        let mut s3_targets = Vec::with_capacity(spec.s3.len());
        for target in &spec.s3 {
            let Some(found) = location(
                &mut refs,
                &mut diagnostics,
                &target.span,
                target.bucket.as_ref(),
                target.bucket_name.as_ref(),
                target.prefix.as_ref(),
            ) else {
                continue;
            };
            let connection = target
                .connection
                .as_ref()
                .and_then(|name| refs.get::<Connection>(GlueConnection::KEY, name));
            s3_targets.push(S3Target {
                location: found,
                exclusions: target.exclusions.clone(),
                connection,
            });
        }
        let mut jdbc_targets = Vec::with_capacity(spec.jdbc.len());
        for target in &spec.jdbc {
            if let Some(connection) =
                refs.get::<Connection>(GlueConnection::KEY, &target.connection)
            {
                jdbc_targets.push(JdbcTarget {
                    connection,
                    path: target.path.value.clone(),
                    exclusions: target.exclusions.clone(),
                });
            }
        }
        let security_configuration = spec.security_configuration.as_ref().and_then(|name| {
            refs.get::<SecurityConfiguration>(GlueSecurityConfiguration::KEY, name)
        });
        let complete = refs.complete();
        diagnostics.extend(refs.diagnostics);
        let Some(database) = database else {
            return diagnostics;
        };
        if !complete || diagnostics.has_errors() {
            return diagnostics;
        }
        let mut props = CrawlerProps::new(database);
        props.description = spec.description.clone();
        props.s3_targets = s3_targets;
        props.jdbc_targets = jdbc_targets;
        props.schedule = spec
            .schedule
            .as_ref()
            .map(|schedule| schedule.value.clone());
        props.update_behavior = match update {
            Some(UpdateSpec::Log) => UpdateBehavior::Log,
            Some(UpdateSpec::UpdateInDatabase) | None => UpdateBehavior::UpdateInDatabase,
        };
        props.delete_behavior = match delete {
            Some(DeleteSpec::Log) => DeleteBehavior::Log,
            Some(DeleteSpec::DeleteFromDatabase) => DeleteBehavior::DeleteFromDatabase,
            Some(DeleteSpec::DeprecateInDatabase) | None => DeleteBehavior::DeprecateInDatabase,
        };
        props.recrawl = match spec.recrawl.as_ref().map(|recrawl| recrawl.value) {
            Some(RecrawlSpec::NewFoldersOnly) => RecrawlBehavior::NewFoldersOnly,
            Some(RecrawlSpec::Everything) | None => RecrawlBehavior::Everything,
        };
        props.lake_formation = lake_formation.is_some();
        props.table_prefix = spec.table_prefix.clone();
        props.security_configuration = security_configuration;
        match cx.construct(&scope, origin, |app| Crawler::new(app, &scope, props)) {
            Ok(crawler) => cx.publish(entry, &spec.name, crawler),
            Err(error) => diagnostics.push(construct_error(&error, &spec.name)),
        }
        diagnostics
    }
}
