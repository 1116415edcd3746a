//! Glue crawlers: they read data stores and keep the tables of a database up to date.

use super::connection::Connection;
use super::data::{Access, S3Location};
use super::database::Database;
use super::schedule::check_schedule;
use super::security::SecurityConfiguration;
use super::{GLUE_SERVICE, check_name, construct_path, default_name, glue_arn, log_group_arn};
use crate::app::{App, ResourceHandle};
use crate::constructs::iam::{Grantee, Principal, Role, RoleProps, Statement};
use crate::constructs::{ConstructError, Scope};
use crate::l1::glue::crawler as l1;
use crate::template::{Expr, Resource, Val};

/// The longest table prefix Glue accepts.
const MAX_TABLE_PREFIX_LEN: usize = 128;

/// The log group crawlers write to; under a security configuration with log encryption,
/// Glue writes to a group named after the role and the configuration under
/// `/aws-glue/crawlers-role/`.
const CRAWLER_LOG_GROUP: &str = "/aws-glue/crawlers";
/// The log groups of crawlers with encrypted logs: Glue names each after the crawler's
/// role and security configuration.
const ENCRYPTED_CRAWLER_LOG_GROUPS: &str = "/aws-glue/crawlers-role/*";

/// The catalog actions every crawler needs on its database: read it, and create and
/// update the tables and partitions it finds.
const CATALOG_ACTIONS: &[&str] = &[
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetTables",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:BatchUpdatePartition",
];
/// What a crawler that deletes vanished tables and partitions also needs.
const CATALOG_DELETE_ACTIONS: &[&str] = &[
    "glue:DeleteTable",
    "glue:BatchDeleteTable",
    "glue:DeletePartition",
    "glue:BatchDeletePartition",
];

/// What the crawler does with a table whose schema changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Default)]
pub enum UpdateBehavior {
    /// Update the table (the default).
    #[default]
    UpdateInDatabase,
    /// Leave the table as it is and log the change.
    Log,
}

/// What the crawler does with a table or partition whose data is gone.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Default)]
pub enum DeleteBehavior {
    /// Mark it deprecated (the default).
    #[default]
    DeprecateInDatabase,
    /// Delete it from the catalog.
    DeleteFromDatabase,
    /// Leave it and log.
    Log,
}

/// What later crawls read.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Default)]
pub enum RecrawlBehavior {
    /// The whole data store, every time (the default).
    #[default]
    Everything,
    /// Only S3 folders added since the last crawl (schema changes are then only logged).
    NewFoldersOnly,
}

/// An S3 prefix to crawl.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct S3Target {
    /// The prefix.
    pub location: S3Location,
    /// Glob patterns of keys to leave out, relative to the prefix (`**.tmp`).
    pub exclusions: Vec<String>,
    /// A network connection, to crawl through a VPC endpoint.
    pub connection: Option<Connection>,
}

impl S3Target {
    /// The whole prefix, without exclusions or connection.
    pub fn new(location: S3Location) -> S3Target {
        S3Target {
            location,
            exclusions: Vec::new(),
            connection: None,
        }
    }
}

/// A JDBC data store to crawl.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct JdbcTarget {
    /// The JDBC connection.
    pub connection: Connection,
    /// What to crawl: `database/schema/table`, where `%` matches any name
    /// (`sales/public/%`).
    pub path: String,
    /// Glob patterns of tables to leave out.
    pub exclusions: Vec<String>,
}

/// Properties of a [`Crawler`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CrawlerProps {
    /// The crawler name (1 to 255 characters). Default: the stack name and construct
    /// path in kebab case.
    pub name: Option<String>,
    /// What it crawls.
    pub description: Option<String>,
    /// The database its tables go into.
    pub database: Database,
    /// S3 prefixes.
    pub s3_targets: Vec<S3Target>,
    /// JDBC data stores.
    pub jdbc_targets: Vec<JdbcTarget>,
    /// When it runs: `cron(…)` (see [`check_schedule`]); on demand when `None`.
    pub schedule: Option<String>,
    /// Changed schemas.
    pub update_behavior: UpdateBehavior,
    /// Vanished tables and partitions.
    pub delete_behavior: DeleteBehavior,
    /// What later crawls read.
    pub recrawl: RecrawlBehavior,
    /// Read S3 with Lake Formation credentials instead of the role's own
    /// (`LakeFormationConfiguration.UseLakeFormationCredentials`): the targets must be
    /// locations registered with Lake Formation where the role has data location access,
    /// and the role gets no S3 permissions of its own. S3 targets only.
    pub lake_formation: bool,
    /// A prefix for the names of the tables it creates (at most 128 characters).
    pub table_prefix: Option<String>,
    /// What it encrypts with a customer-managed key (its logs).
    pub security_configuration: Option<SecurityConfiguration>,
}

impl CrawlerProps {
    /// A crawler of nothing yet into `database`, with Glue's default behaviors.
    pub fn new(database: Database) -> CrawlerProps {
        CrawlerProps {
            name: None,
            description: None,
            database,
            s3_targets: Vec::new(),
            jdbc_targets: Vec::new(),
            schedule: None,
            update_behavior: UpdateBehavior::default(),
            delete_behavior: DeleteBehavior::default(),
            recrawl: RecrawlBehavior::default(),
            lake_formation: false,
            table_prefix: None,
            security_configuration: None,
        }
    }
}

/// A crawler with a role of its own, trusted by `glue.amazonaws.com`, that may read
/// exactly its S3 target prefixes (or get Lake Formation credentials for them), use its
/// connections, maintain the tables of its database, and write its own log stream.
#[derive(Clone, PartialEq, Debug)]
pub struct Crawler {
    handle: ResourceHandle,
    role: Role,
    name: String,
}

impl Crawler {
    /// Creates the crawler (logical IDs `<Scope>Crawler`, `<Scope>CrawlerRole`,
    /// `<Scope>CrawlerRoleDefaultPolicy`). Every property is checked before anything is
    /// added.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: CrawlerProps,
    ) -> Result<Crawler, ConstructError> {
        let path = construct_path(scope, "Crawler");
        let name = default_name(app, scope, props.name.as_ref());
        check_name(&path, "crawler", &name)?;
        validate(&path, &props)?;

        let role = Role::new(
            app,
            &scope.child("crawler"),
            RoleProps {
                assumed_by: vec![Principal::service(GLUE_SERVICE)],
                description: Some(format!("Role of the Glue crawler {name}")),
                ..RoleProps::default()
            },
        );
        if props.lake_formation {
            // GetDataAccess has no resource-level permissions in IAM: `*` is the only
            // valid resource. Lake Formation decides which locations it vends credentials
            // for, from its own data location grants.
            role.add_to_policy(
                app,
                Statement::allow(["lakeformation:GetDataAccess"]).on(["*"]),
            );
        } else {
            for target in &props.s3_targets {
                target.location.grant(app, &role, Access::Read);
            }
        }
        let connections = props
            .s3_targets
            .iter()
            .filter_map(|target| target.connection.as_ref())
            .chain(props.jdbc_targets.iter().map(|target| &target.connection));
        for connection in connections {
            connection.grant_use(app, &role);
        }
        let mut actions = CATALOG_ACTIONS.to_vec();
        if props.delete_behavior == DeleteBehavior::DeleteFromDatabase {
            actions.extend_from_slice(CATALOG_DELETE_ACTIONS);
        }
        let database = props.database.physical_name();
        role.add_to_policy(
            app,
            // Every table of the crawler's database (and only of it): the crawler names
            // the tables after the data it finds.
            Statement::allow(actions).on([
                glue_arn("catalog"),
                glue_arn(&format!("database/{database}")),
                glue_arn(&format!("table/{database}/*")),
            ]),
        );
        let mut groups = vec![CRAWLER_LOG_GROUP];
        if let Some(configuration) = &props.security_configuration {
            configuration.grant_use(app, &role, ENCRYPTED_CRAWLER_LOG_GROUPS);
            if configuration.encrypts_logs() {
                groups.push(ENCRYPTED_CRAWLER_LOG_GROUPS);
            }
        }
        role.add_to_policy(
            app,
            Statement::allow(["logs:CreateLogGroup"])
                .on(groups.iter().map(|group| log_group_arn(group))),
        );
        // The crawler writes to the log stream named after it.
        role.add_to_policy(
            app,
            Statement::allow(["logs:CreateLogStream", "logs:PutLogEvents"]).on(groups
                .iter()
                .map(|group| log_group_arn(&format!("{group}:log-stream:{name}")))),
        );

        let targets = l1::Targets {
            s3_targets: (!props.s3_targets.is_empty()).then(|| {
                Val::Lit(
                    props
                        .s3_targets
                        .iter()
                        .map(|target| {
                            Val::Lit(l1::S3Target {
                                path: Some(target.location.uri()),
                                exclusions: exclusions(&target.exclusions),
                                connection_name: target
                                    .connection
                                    .as_ref()
                                    .map(|connection| Val::Expr(connection.name())),
                                ..l1::S3Target::default()
                            })
                        })
                        .collect(),
                )
            }),
            jdbc_targets: (!props.jdbc_targets.is_empty()).then(|| {
                Val::Lit(
                    props
                        .jdbc_targets
                        .iter()
                        .map(|target| {
                            Val::Lit(l1::JdbcTarget {
                                connection_name: Some(Val::Expr(target.connection.name())),
                                path: Some(Val::Lit(target.path.clone())),
                                exclusions: exclusions(&target.exclusions),
                                ..l1::JdbcTarget::default()
                            })
                        })
                        .collect(),
                )
            }),
            ..l1::Targets::default()
        };
        let mut crawler = l1::Crawler::new(Val::Expr(role.arn()), targets);
        crawler.name = Some(Val::Lit(name.clone()));
        crawler.description = props.description.clone().map(Val::Lit);
        crawler.database_name = Some(Val::Expr(props.database.name()));
        crawler.schedule = props.schedule.as_ref().map(|expression| {
            Val::Lit(l1::Schedule {
                schedule_expression: Some(Val::Lit(expression.clone())),
            })
        });
        crawler.schema_change_policy = Some(Val::Lit(l1::SchemaChangePolicy {
            update_behavior: Some(Val::Lit(match props.update_behavior {
                UpdateBehavior::UpdateInDatabase => l1::UpdateBehavior::UpdateInDatabase,
                UpdateBehavior::Log => l1::UpdateBehavior::Log,
            })),
            delete_behavior: Some(Val::Lit(match props.delete_behavior {
                DeleteBehavior::DeprecateInDatabase => l1::DeleteBehavior::DeprecateInDatabase,
                DeleteBehavior::DeleteFromDatabase => l1::DeleteBehavior::DeleteFromDatabase,
                DeleteBehavior::Log => l1::DeleteBehavior::Log,
            })),
        }));
        crawler.recrawl_policy = Some(Val::Lit(l1::RecrawlPolicy {
            recrawl_behavior: Some(Val::Lit(match props.recrawl {
                RecrawlBehavior::Everything => l1::RecrawlBehavior::CrawlEverything,
                RecrawlBehavior::NewFoldersOnly => l1::RecrawlBehavior::CrawlNewFoldersOnly,
            })),
        }));
        crawler.lake_formation_configuration = props.lake_formation.then(|| {
            Val::Lit(l1::LakeFormationConfiguration {
                use_lake_formation_credentials: Some(Val::Lit(true)),
                account_id: None,
            })
        });
        crawler.table_prefix = props.table_prefix.clone().map(Val::Lit);
        crawler.crawler_security_configuration = props
            .security_configuration
            .as_ref()
            .map(|configuration| Val::Expr(configuration.name()));
        let mut resource = Resource::new(&crawler);
        if let Some(policy) = role.default_policy_id(app) {
            resource = resource.depends_on(policy);
        }
        let handle = scope.add_resource(app, "Crawler", resource);
        Ok(Crawler { handle, role, name })
    }

    /// The crawler's role.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The crawler name (`Ref`), which makes a resource that uses it depend on it.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The crawler name as synthesized.
    pub fn physical_name(&self) -> &str {
        &self.name
    }

    /// `arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:crawler/<name>`.
    pub fn arn(&self) -> Expr<String> {
        glue_arn(&format!("crawler/{}", self.name))
    }

    /// The crawler resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}

fn exclusions(patterns: &[String]) -> Option<Val<crate::template::List<String>>> {
    (!patterns.is_empty()).then(|| Val::list(patterns.iter()))
}

fn validate(path: &str, props: &CrawlerProps) -> Result<(), ConstructError> {
    let invalid = |message: String| Err(ConstructError::invalid(path, message));
    if props.s3_targets.is_empty() && props.jdbc_targets.is_empty() {
        return invalid("a crawler needs at least one S3 or JDBC target".into());
    }
    if let Some(schedule) = &props.schedule {
        check_schedule(schedule).map_err(|message| ConstructError::invalid(path, message))?;
    }
    if props.recrawl == RecrawlBehavior::NewFoldersOnly
        && (props.update_behavior != UpdateBehavior::Log
            || props.delete_behavior != DeleteBehavior::Log)
    {
        return invalid(
            "a crawler that crawls only new folders cannot change existing tables: its schema change policy must log updates and deletes".into(),
        );
    }
    if props.recrawl == RecrawlBehavior::NewFoldersOnly && !props.jdbc_targets.is_empty() {
        return invalid("only S3 targets can be crawled for new folders only".into());
    }
    if props.lake_formation && !props.jdbc_targets.is_empty() {
        return invalid(
            "Lake Formation credentials are for S3 targets; JDBC targets are read with their connection's credentials".into(),
        );
    }
    for target in &props.s3_targets {
        target.location.validate(path)?;
    }
    for target in &props.jdbc_targets {
        if !target.connection.is_jdbc() {
            return invalid(format!(
                "the connection `{}` of a JDBC target is not a JDBC connection",
                target.connection.physical_name()
            ));
        }
        if target.path.is_empty() {
            return invalid(
                "a JDBC target needs a path: `database/schema/table`, where `%` matches any name"
                    .into(),
            );
        }
    }
    if let Some(prefix) = &props.table_prefix
        && prefix.chars().count() > MAX_TABLE_PREFIX_LEN
    {
        return invalid(format!(
            "the table prefix has {} characters; Glue allows at most {MAX_TABLE_PREFIX_LEN}",
            prefix.chars().count()
        ));
    }
    Ok(())
}
