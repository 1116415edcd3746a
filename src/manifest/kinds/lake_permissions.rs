//! `kind: LakePermissions`: Lake Formation permissions of one account, stated per persona
//! (see [`crate::constructs::lakeformation`]).
//!
//! Personas name who someone is (`data-engineer`, `analyst`, `gdpr-officer`) and list the
//! principals that are that persona (role ARNs, or accounts for cross-account grants);
//! each grant says once what personas may do, and cfsynth expands it into one
//! `AWS::LakeFormation::PrincipalPermissions` per principal.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::portfolio::{construct_error, duplicate};
use crate::app::{Environment, StackRole};
use crate::constructs::Scope;
use crate::constructs::lakeformation::{
    ColumnSelector, DataLocation, Grant, LakePermissions, LakePermissionsProps, LakePrincipal,
    LakeResource, MAX_EXPRESSION_TAGS, MAX_GRANT_TAG_VALUES, MAX_TAG_VALUES, MAX_TAGS_PER_RESOURCE,
    Permission, TableSelector, TagAssignment, TagPolicyTarget, TagTarget, permission_name,
};
use crate::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use crate::manifest::Blueprint;
use crate::manifest::{BuildContext, Document, Located, Origin, check_kebab_case};
use crate::template::closest;

/// Lake Formation permissions of one account: administrators, LF-tags and where they are
/// assigned, registered S3 locations, personas and what each may do. The stack is named
/// `<name>-lake-permissions`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LakePermissionsSpec {
    /// The data lake administrators: IAM role or user ARNs. Setting them replaces the
    /// account's whole list, so include the role that deploys this stack (or give it as
    /// `deployRole`). Leave both out to keep the account's administrators as they are.
    #[serde(default)]
    pub admins: Option<Vec<Located<String>>>,
    /// The role that deploys this stack, added to `admins`: it must be an administrator to
    /// grant. For a cfsynth pipeline, its CloudFormation execution role
    /// (`arn:${AWS::Partition}:iam::<account>:role/cfsynth-<pipeline>-cfn-exec`).
    #[serde(default)]
    pub deploy_role: Option<Located<String>>,
    /// LF-tags: key → the values it may take.
    #[serde(default)]
    pub tags: IndexMap<Located<String>, Vec<Located<String>>>,
    /// S3 locations registered with Lake Formation: name → location.
    #[serde(default)]
    pub locations: IndexMap<Located<String>, LocationSpec>,
    /// LF-tags assigned to databases, tables and columns.
    #[serde(default)]
    pub tag_assignments: Vec<TagAssignmentSpec>,
    /// Personas: name (kebab-case) → the principals that are that persona.
    #[serde(default)]
    pub personas: IndexMap<Located<String>, PersonaSpec>,
    /// What personas may do: each grant goes to every principal of its personas.
    #[serde(default)]
    pub grants: Vec<LakeGrantSpec>,
}

/// A registered S3 location.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LocationSpec {
    /// `s3://bucket` or `s3://bucket/prefix`.
    pub path: Located<String>,
    /// The role Lake Formation reaches it with (default: its service-linked role).
    #[serde(default)]
    pub role: Option<Located<String>>,
    /// IAM permissions keep working next to Lake Formation's (hybrid access mode).
    #[serde(default)]
    pub hybrid_access: bool,
}

/// A persona: who someone is, and which principals are that.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonaSpec {
    /// Who they are.
    #[serde(default)]
    pub description: Option<String>,
    /// IAM role or user ARNs, and accounts (12-digit ids or aliases) for cross-account
    /// grants.
    pub principals: Vec<Located<String>>,
}

/// A table by name, or every table of a database.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LakeTableSpec {
    /// The database.
    pub database: Located<String>,
    /// The table.
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// `true` for every table of the database, present and future (`TableWildcard`).
    #[serde(default)]
    pub wildcard: Option<Located<bool>>,
}

/// Columns of a table: `names`, or every column `except` some.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LakeColumnsSpec {
    /// The database.
    pub database: Located<String>,
    /// The table.
    pub table: Located<String>,
    /// These columns.
    #[serde(default)]
    pub names: Option<Vec<Located<String>>>,
    /// Every column but these (`ColumnWildcard` with `ExcludedColumnNames`; `[]` for
    /// every column).
    #[serde(default)]
    pub except: Option<Vec<Located<String>>>,
}

/// LF-tags assigned to exactly one of a database, a table, or columns.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagAssignmentSpec {
    /// A database.
    #[serde(default)]
    pub database: Option<Located<String>>,
    /// A table, or every table of a database.
    #[serde(default)]
    pub table: Option<LakeTableSpec>,
    /// Columns (by name).
    #[serde(default)]
    pub columns: Option<LakeColumnsSpec>,
    /// LF-tag key → its value here (a declared value).
    pub tags: IndexMap<Located<String>, Located<String>>,
}

/// Permissions for personas on exactly one of `catalog`, `database`, `table`, `columns`,
/// `location`, `tag` and `tagged`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LakeGrantSpec {
    /// The personas.
    pub to: Vec<Located<String>>,
    /// `true`: the account's Data Catalog (`create-database`).
    #[serde(default)]
    pub catalog: Option<Located<bool>>,
    /// A database.
    #[serde(default)]
    pub database: Option<Located<String>>,
    /// A table, or every table of a database.
    #[serde(default)]
    pub table: Option<LakeTableSpec>,
    /// Columns of a table (`select` only).
    #[serde(default)]
    pub columns: Option<LakeColumnsSpec>,
    /// A registered location, by its name in `locations` (`data-location-access` only).
    #[serde(default)]
    pub location: Option<Located<String>>,
    /// An LF-tag and some of its values.
    #[serde(default)]
    pub tag: Option<TagGrantSpec>,
    /// Databases or tables whose LF-tags match an expression (`LFTagPolicy`).
    #[serde(default)]
    pub tagged: Option<TaggedSpec>,
    /// The permissions.
    pub permissions: Vec<Located<LakePermissionSpec>>,
    /// Permissions the principals may grant to others (granted ones only).
    #[serde(default)]
    pub grantable: Vec<Located<LakePermissionSpec>>,
}

/// An LF-tag and values of it.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagGrantSpec {
    /// The LF-tag key.
    pub key: Located<String>,
    /// Values of it.
    pub values: Vec<Located<String>>,
}

/// An LF-tag expression: every key must match one of its values.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaggedSpec {
    /// `database` or `table`.
    pub resource: TaggedResourceSpec,
    /// LF-tag key → the values that match (at most 5 keys).
    pub expression: IndexMap<Located<String>, Vec<Located<String>>>,
}

/// What an LF-tag expression grant applies to.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TaggedResourceSpec {
    /// Databases.
    Database,
    /// Tables.
    Table,
}

/// A Lake Formation permission (Lake Formation's spelling, e.g. `CREATE_TABLE`, works
/// too).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LakePermissionSpec {
    /// `ALL` (super): every permission of the resource.
    #[serde(alias = "ALL")]
    All,
    /// `SELECT`: read data.
    #[serde(alias = "SELECT")]
    Select,
    /// `ALTER`: change metadata.
    #[serde(alias = "ALTER")]
    Alter,
    /// `DROP`: delete the database or table.
    #[serde(alias = "DROP")]
    Drop,
    /// `DELETE`: delete data.
    #[serde(alias = "DELETE")]
    Delete,
    /// `INSERT`: write data.
    #[serde(alias = "INSERT")]
    Insert,
    /// `DESCRIBE`: see metadata.
    #[serde(alias = "DESCRIBE")]
    Describe,
    /// `CREATE_DATABASE` (on the catalog).
    #[serde(alias = "CREATE_DATABASE")]
    CreateDatabase,
    /// `CREATE_TABLE` (on a database).
    #[serde(alias = "CREATE_TABLE")]
    CreateTable,
    /// `DATA_LOCATION_ACCESS` (on a location).
    #[serde(alias = "DATA_LOCATION_ACCESS")]
    DataLocationAccess,
    /// `CREATE_LF_TAG` (on the catalog).
    #[serde(alias = "CREATE_LF_TAG")]
    CreateLfTag,
    /// `ASSOCIATE` (on an LF-tag).
    #[serde(alias = "ASSOCIATE")]
    Associate,
    /// `GRANT_WITH_LF_TAG_EXPRESSION` (on an LF-tag).
    #[serde(alias = "GRANT_WITH_LF_TAG_EXPRESSION")]
    GrantWithLfTagExpression,
}

impl LakePermissionSpec {
    fn permission(self) -> Permission {
        match self {
            LakePermissionSpec::All => Permission::All,
            LakePermissionSpec::Select => Permission::Select,
            LakePermissionSpec::Alter => Permission::Alter,
            LakePermissionSpec::Drop => Permission::Drop,
            LakePermissionSpec::Delete => Permission::Delete,
            LakePermissionSpec::Insert => Permission::Insert,
            LakePermissionSpec::Describe => Permission::Describe,
            LakePermissionSpec::CreateDatabase => Permission::CreateDatabase,
            LakePermissionSpec::CreateTable => Permission::CreateTable,
            LakePermissionSpec::DataLocationAccess => Permission::DataLocationAccess,
            LakePermissionSpec::CreateLfTag => Permission::CreateLfTag,
            LakePermissionSpec::Associate => Permission::Associate,
            LakePermissionSpec::GrantWithLfTagExpression => Permission::GrantWithLfTagExpression,
        }
    }
}

/// How a manifest spells a permission: `create-table`.
fn spelled(permission: Permission) -> String {
    permission_name(permission)
        .to_ascii_lowercase()
        .replace('_', "-")
}

/// The `LakePermissions` kind.
pub struct LakePermissionsKind;

impl Blueprint for LakePermissionsKind {
    type Spec = LakePermissionsSpec;
    const KIND: &'static str = "LakePermissions";

    fn build(&self, doc: &Document<LakePermissionsSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let mut checker = Checker {
            doc,
            diagnostics: Diagnostics::new(),
        };
        let env = match doc.env().and_then(|env| cx.resolve_env(env)) {
            Ok(env) => Some(env),
            Err(errors) => {
                checker.diagnostics.extend(errors);
                None
            }
        };
        let props = checker.props(cx, env.as_ref());
        let Checker {
            mut diagnostics, ..
        } = checker;
        let Some(env) = env else {
            return diagnostics;
        };
        if diagnostics.has_errors() {
            return diagnostics;
        }
        let stack_name = Located::new(
            format!("{}-lake-permissions", doc.name),
            doc.name.span.clone(),
        );
        let stack = cx.add_stack(&stack_name, env, StackRole::Application);
        cx.app_mut().stack_mut(stack).template.description =
            Some(format!("Lake Formation permissions {}", doc.name));
        let root = Scope::root(stack);
        let origin = Origin::at(&doc.name.span);
        if let Err(errors) =
            cx.construct(&root, origin, |app| LakePermissions::new(app, &root, props))
        {
            diagnostics.extend(
                errors
                    .iter()
                    .map(|error| construct_error(error, &doc.name.span)),
            );
        }
        diagnostics
    }
}

/// Checks one document, collecting located diagnostics, and makes the construct's props.
struct Checker<'d> {
    doc: &'d Document<LakePermissionsSpec>,
    diagnostics: Diagnostics,
}

/// `` `a`, `b`, `c` ``
fn quoted<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether every character may be in an LF-tag key (`value`: or value, which may also
/// hold `*`).
fn is_tag_text(text: &str, value: bool) -> bool {
    text.chars().all(|c| {
        c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@%".contains(c) || (value && c == '*')
    })
}

impl Checker<'_> {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The span of a top-level key of the document (or of its name).
    fn key_span(&self, key: &str) -> Span {
        self.doc
            .node
            .entry(key)
            .map_or_else(|| self.doc.name.span.clone(), |(key, _)| key.span.clone())
    }

    fn props(&mut self, cx: &BuildContext<'_>, env: Option<&Environment>) -> LakePermissionsProps {
        let admins = self.admins();
        let tags = self.tags();
        let locations = self.locations();
        let assignments = self.assignments(&tags);
        let personas = self.personas(cx, env);
        let grants = self.grants(&tags, &locations, &personas);
        LakePermissionsProps {
            admins,
            tags,
            locations,
            assignments,
            grants,
        }
    }

    /// The administrators (with the deploy role), and the warnings that setting them
    /// deserves.
    fn admins(&mut self) -> Option<Vec<LakePrincipal>> {
        let spec = &self.doc.spec;
        if spec.admins.is_none() && spec.deploy_role.is_none() {
            return None;
        }
        let mut admins: Vec<LakePrincipal> = Vec::new();
        let mut seen: IndexMap<&str, &Span> = IndexMap::new();
        for written in spec.admins.iter().flatten() {
            if let Some(principal) = self.admin(written) {
                match seen.get(written.as_str()) {
                    Some(first) => self.push(duplicate(
                        format!("the administrator `{written}` is listed twice"),
                        &written.span,
                        first,
                    )),
                    None => admins.push(principal),
                }
            }
            seen.entry(written.as_str()).or_insert(&written.span);
        }
        if let Some(role) = &spec.deploy_role
            && !seen.contains_key(role.as_str())
            && let Some(principal) = self.admin(role)
        {
            admins.push(principal);
        }
        let span = if spec.admins.is_some() {
            self.key_span("admins")
        } else {
            self.key_span("deployRole")
        };
        let mut warning = Diagnostic::warning(
            codes::REPLACES_ACCOUNT_SETTING,
            "this replaces the account's whole list of data lake administrators",
        )
        .at(&span)
        .note("Lake Formation keeps one list per account and region; an administrator not listed here (in the console or another stack) loses the role when this stack deploys");
        warning = if spec.deploy_role.is_some() {
            warning.help("list every administrator here; `deployRole` is added to them")
        } else {
            warning.help("list every administrator here, including the role that deploys this stack (or give it as `deployRole`): it must be one to grant")
        };
        self.push(warning);
        if admins.is_empty() {
            self.push(
                Diagnostic::warning(
                    codes::REPLACES_ACCOUNT_SETTING,
                    "an empty list removes every data lake administrator",
                )
                .at(&span)
                .note("the role that deploys this stack then cannot grant, and no one can administer the data lake until an IAM administrator adds one")
                .help("list the administrators, or leave `admins` out to keep the current ones"),
            );
        }
        Some(admins)
    }

    fn admin(&mut self, written: &Located<String>) -> Option<LakePrincipal> {
        match LakePrincipal::parse(written) {
            Ok(LakePrincipal::Account(_)) => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("`{written}` is an account; a data lake administrator is an IAM role or user"),
                    )
                    .at(&written.span)
                    .expected("an IAM role or user ARN, e.g. `arn:${AWS::Partition}:iam::222222222222:role/data-platform-admin`"),
                );
                None
            }
            Ok(principal) => Some(principal),
            Err(message) => {
                self.push(Diagnostic::error(codes::INVALID_VALUE, message).at(&written.span));
                None
            }
        }
    }

    /// The declared LF-tags.
    fn tags(&mut self) -> IndexMap<String, Vec<String>> {
        let mut tags = IndexMap::new();
        for (key, values) in &self.doc.spec.tags {
            if key.is_empty() || key.chars().count() > 128 || !is_tag_text(key, false) {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("`{key}` is not an LF-tag key"),
                    )
                    .at(&key.span)
                    .expected("1 to 128 letters, digits, spaces and `_.:/=+-@%`"),
                );
            }
            if values.is_empty() || values.len() > MAX_TAG_VALUES {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!(
                            "the LF-tag `{key}` has {} values; an LF-tag has 1 to {MAX_TAG_VALUES}",
                            values.len()
                        ),
                    )
                    .at(&key.span),
                );
            }
            let mut seen: IndexMap<&str, &Span> = IndexMap::new();
            for value in values {
                if value.chars().count() > 256 || !is_tag_text(value, true) {
                    self.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!("`{value}` is not an LF-tag value"),
                        )
                        .at(&value.span)
                        .expected("up to 256 letters, digits, spaces and `_.:/=+-@%*`"),
                    );
                }
                if let Some(first) = seen.insert(value.as_str(), &value.span) {
                    self.push(duplicate(
                        format!("the LF-tag `{key}` lists the value `{value}` twice"),
                        &value.span,
                        first,
                    ));
                }
            }
            tags.insert(
                key.value.clone(),
                values.iter().map(|value| value.value.clone()).collect(),
            );
        }
        tags
    }

    /// The registered locations.
    fn locations(&mut self) -> IndexMap<String, DataLocation> {
        let mut locations = IndexMap::new();
        for (name, spec) in &self.doc.spec.locations {
            if let Err(errors) = check_kebab_case(name, "location name") {
                self.diagnostics.extend(errors);
            }
            let path = spec
                .path
                .strip_prefix("s3://")
                .map(|path| path.trim_end_matches('/'))
                .filter(|path| !path.is_empty() && !path.starts_with('/'));
            let Some(path) = path else {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("`{}` is not an S3 location", spec.path),
                    )
                    .at(&spec.path.span)
                    .expected("`s3://bucket` or `s3://bucket/prefix`"),
                );
                continue;
            };
            let role_arn = spec
                .role
                .as_ref()
                .and_then(|role| match LakePrincipal::parse(role) {
                    Ok(LakePrincipal::Arn(arn)) if arn.contains(":role/") => Some(arn),
                    _ => {
                        self.push(
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                format!("`{role}` is not an IAM role ARN"),
                            )
                            .at(&role.span)
                            .expected("`arn:${AWS::Partition}:iam::<account>:role/<name>`"),
                        );
                        None
                    }
                });
            locations.insert(
                name.value.clone(),
                DataLocation {
                    arn: format!("arn:${{AWS::Partition}}:s3:::{path}"),
                    role_arn,
                    hybrid_access: spec.hybrid_access,
                },
            );
        }
        locations
    }

    /// A table, or every table; both or neither is an error.
    fn table(&mut self, spec: &LakeTableSpec) -> Option<TableSelector> {
        let wildcard = spec.wildcard.as_ref().filter(|wildcard| wildcard.value);
        match (&spec.name, wildcard) {
            (Some(name), Some(wildcard)) => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!(
                            "the table is given both by name (`{name}`) and as every table (`wildcard: true`)"
                        ),
                    )
                    .at(&wildcard.span)
                    .help(format!(
                        "keep `name: {name}` for one table, or `wildcard: true` for every table of `{}`",
                        spec.database
                    )),
                );
                None
            }
            (Some(name), None) => Some(TableSelector::Named(name.value.clone())),
            (None, Some(_)) => Some(TableSelector::Wildcard),
            (None, None) => {
                self.push(
                    Diagnostic::error(
                        codes::MISSING_FIELD,
                        format!("which table of `{}`?", spec.database),
                    )
                    .at(&spec.database.span)
                    .help("add `name: <table>` for one table, or `wildcard: true` for every table"),
                );
                None
            }
        }
    }

    /// Columns by name, or every column but some; both or neither is an error.
    fn columns(&mut self, spec: &LakeColumnsSpec) -> Option<ColumnSelector> {
        let names = |columns: &[Located<String>]| -> Vec<String> {
            columns.iter().map(|column| column.value.clone()).collect()
        };
        match (&spec.names, &spec.except) {
            (Some(_), Some(except)) => {
                let span = except
                    .first()
                    .map_or(&spec.table.span, |column| &column.span);
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!(
                            "the columns of `{}.{}` are given both by name and as all but some",
                            spec.database, spec.table
                        ),
                    )
                    .at(span)
                    .help("keep `names` for those columns, or `except` for every other column"),
                );
                None
            }
            (Some(columns), None) if columns.is_empty() => {
                self.push(
                    Diagnostic::error(codes::INVALID_VALUE, "`names` lists no columns")
                        .at(&spec.table.span)
                        .help("list the columns, or write `except: []` for every column"),
                );
                None
            }
            (Some(columns), None) => Some(ColumnSelector::Named(names(columns))),
            (None, Some(except)) => Some(ColumnSelector::AllExcept(names(except))),
            (None, None) => {
                self.push(
                    Diagnostic::error(
                        codes::MISSING_FIELD,
                        format!("which columns of `{}.{}`?", spec.database, spec.table),
                    )
                    .at(&spec.table.span)
                    .help("add `names: [..]` for some columns, or `except: [..]` for every other column"),
                );
                None
            }
        }
    }

    /// Checks that `key` is a declared LF-tag, reporting it otherwise.
    fn tag_key(&mut self, tags: &IndexMap<String, Vec<String>>, key: &Located<String>) -> bool {
        if tags.contains_key(key.as_str()) {
            return true;
        }
        let diagnostic = Diagnostic::error(
            codes::UNDECLARED_NAME,
            format!("`{key}` is not a declared LF-tag"),
        )
        .at(&key.span);
        self.push(if tags.is_empty() {
            diagnostic.help(format!("declare it: `tags: {{ {key}: [..] }}`"))
        } else {
            diagnostic
                .expected(format!(
                    "one of the LF-tags under `tags`: {}",
                    quoted(tags.keys().map(String::as_str))
                ))
                .did_you_mean(closest(key, tags.keys().map(String::as_str)))
        });
        false
    }

    /// Checks that `value` is a declared value of the (declared) LF-tag `key`.
    fn tag_value(
        &mut self,
        tags: &IndexMap<String, Vec<String>>,
        key: &Located<String>,
        value: &Located<String>,
    ) -> bool {
        let Some(values) = tags.get(key.as_str()) else {
            return false;
        };
        if values.iter().any(|known| known == value.as_str()) {
            return true;
        }
        let diagnostic = Diagnostic::error(
            codes::UNDECLARED_NAME,
            format!("`{value}` is not a value of the LF-tag `{key}`"),
        )
        .at(&value.span)
        .expected(format!(
            "one of {}",
            quoted(values.iter().map(String::as_str))
        ));
        self.push(match closest(value, values.iter().map(String::as_str)) {
            Some(close) => diagnostic.did_you_mean(Some(close)),
            None => diagnostic.help(format!(
                "add `{value}` to the values of `{key}` under `tags`"
            )),
        });
        false
    }

    /// The LF-tag assignments.
    fn assignments(&mut self, tags: &IndexMap<String, Vec<String>>) -> Vec<TagAssignment> {
        let mut assignments = Vec::new();
        for spec in &self.doc.spec.tag_assignments {
            let mut valid = true;
            let mut assigned = IndexMap::new();
            for (key, value) in &spec.tags {
                if self.tag_key(tags, key) && self.tag_value(tags, key, value) {
                    assigned.insert(key.value.clone(), value.value.clone());
                } else {
                    valid = false;
                }
            }
            let first_key = spec.tags.keys().next().map(|key| key.span.clone());
            if spec.tags.len() > MAX_TAGS_PER_RESOURCE {
                valid = false;
                let span = spec
                    .tags
                    .keys()
                    .nth(MAX_TAGS_PER_RESOURCE)
                    .map(|key| key.span.clone());
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("a resource has at most {MAX_TAGS_PER_RESOURCE} LF-tags"),
                    )
                    .at(&span.unwrap_or_else(|| self.doc.name.span.clone())),
                );
            }
            let targets = [
                spec.database.as_ref().map(|database| database.span.clone()),
                spec.table.as_ref().map(|table| table.database.span.clone()),
                spec.columns
                    .as_ref()
                    .map(|columns| columns.database.span.clone()),
            ];
            let given: Vec<Span> = targets.into_iter().flatten().collect();
            let target = match (given.as_slice(), &spec.database, &spec.table, &spec.columns) {
                ([_], Some(database), _, _) => Some(TagTarget::Database(database.value.clone())),
                ([_], _, Some(table), _) => self.table(table).map(|selector| TagTarget::Table {
                    database: table.database.value.clone(),
                    table: selector,
                }),
                ([_], _, _, Some(columns)) => self.tagged_columns(columns),
                _ => {
                    let span = given
                        .get(1)
                        .cloned()
                        .or(first_key)
                        .unwrap_or_else(|| self.doc.name.span.clone());
                    self.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            "a tag assignment tags exactly one of `database`, `table` and `columns`",
                        )
                        .at(&span),
                    );
                    None
                }
            };
            if let Some(target) = target
                && valid
            {
                assignments.push(TagAssignment {
                    target,
                    tags: assigned,
                });
            }
        }
        assignments
    }

    /// Columns that LF-tags are assigned to: by name only.
    fn tagged_columns(&mut self, spec: &LakeColumnsSpec) -> Option<TagTarget> {
        match (&spec.names, &spec.except) {
            (Some(names), None) if !names.is_empty() => Some(TagTarget::Columns {
                database: spec.database.value.clone(),
                table: spec.table.value.clone(),
                columns: names.iter().map(|name| name.value.clone()).collect(),
            }),
            _ => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        "LF-tags are assigned to columns by name",
                    )
                    .at(&spec.table.span)
                    .help("list the columns with `names: [..]`"),
                );
                None
            }
        }
    }

    /// The personas' principals.
    fn personas(
        &mut self,
        cx: &BuildContext<'_>,
        env: Option<&Environment>,
    ) -> IndexMap<String, Vec<LakePrincipal>> {
        let mut personas = IndexMap::new();
        for (name, spec) in &self.doc.spec.personas {
            if let Err(errors) = check_kebab_case(name, "persona name") {
                self.diagnostics.extend(errors);
            }
            if spec.principals.is_empty() {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("the persona `{name}` has no principals"),
                    )
                    .at(&name.span)
                    .help("list role ARNs, or accounts for cross-account grants"),
                );
            }
            let mut principals = Vec::new();
            let mut seen: IndexMap<String, &Span> = IndexMap::new();
            for written in &spec.principals {
                let parsed =
                    if written.starts_with("arn:") || written.bytes().all(|b| b.is_ascii_digit()) {
                        LakePrincipal::parse(written).map_err(|message| {
                            Diagnostic::error(codes::INVALID_VALUE, message)
                                .at(&written.span)
                                .into()
                        })
                    } else {
                        cx.accounts()
                            .account_id(written)
                            .map(LakePrincipal::Account)
                    };
                let principal = match parsed {
                    Ok(principal) => principal,
                    Err(errors) => {
                        self.diagnostics.extend(errors);
                        continue;
                    }
                };
                if let (LakePrincipal::Account(id), Some(env)) = (&principal, env)
                    && id == env.account()
                {
                    self.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!("`{written}` is this stack's own account ({id})"),
                        )
                        .at(&written.span)
                        .help("an account is a principal for cross-account grants; name the roles of this account instead"),
                    );
                    continue;
                }
                let identifier = match &principal {
                    LakePrincipal::Arn(arn) | LakePrincipal::Account(arn) => arn.clone(),
                };
                if let Some(first) = seen.get(&identifier) {
                    self.push(duplicate(
                        format!("the persona `{name}` lists `{written}` twice"),
                        &written.span,
                        first,
                    ));
                    continue;
                }
                seen.insert(identifier, &written.span);
                principals.push(principal);
            }
            personas.insert(name.value.clone(), principals);
        }
        personas
    }

    /// The grants, expanded to every principal of their personas.
    fn grants(
        &mut self,
        tags: &IndexMap<String, Vec<String>>,
        locations: &IndexMap<String, DataLocation>,
        personas: &IndexMap<String, Vec<LakePrincipal>>,
    ) -> Vec<Grant> {
        let mut grants = Vec::new();
        let mut seen: IndexMap<(String, Vec<String>), Span> = IndexMap::new();
        for spec in &self.doc.spec.grants {
            let resource = self.grant_resource(spec, tags, locations);
            let mut permissions: Vec<Permission> = Vec::new();
            let mut valid = resource.is_some();
            for written in &spec.permissions {
                let permission = written.value.permission();
                if let Some(resource) = &resource
                    && !resource.valid_permissions().contains(&permission)
                {
                    valid = false;
                    self.push(
                        Diagnostic::error(
                            codes::INVALID_PERMISSION,
                            format!(
                                "`{}` cannot be granted on {}",
                                spelled(permission),
                                resource.kind()
                            ),
                        )
                        .at(&written.span)
                        .expected(format!(
                            "on {}: {}",
                            resource.kind(),
                            quoted(
                                resource
                                    .valid_permissions()
                                    .iter()
                                    .map(|permission| spelled(*permission))
                                    .collect::<Vec<_>>()
                                    .iter()
                                    .map(String::as_str)
                            )
                        )),
                    );
                }
                if !permissions.contains(&permission) {
                    permissions.push(permission);
                }
            }
            let anchor = spec.to.first().map_or_else(
                || self.doc.name.span.clone(),
                |persona| persona.span.clone(),
            );
            if spec.permissions.is_empty() {
                valid = false;
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        "a grant needs at least one permission",
                    )
                    .at(&anchor),
                );
            }
            let mut grantable = Vec::new();
            for written in &spec.grantable {
                let permission = written.value.permission();
                if permissions.contains(&permission) {
                    grantable.push(permission);
                } else {
                    valid = false;
                    self.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!("`{}` is grantable but not granted", spelled(permission)),
                        )
                        .at(&written.span)
                        .help("add it to `permissions`, or remove it from `grantable`"),
                    );
                }
            }
            if spec.to.is_empty() {
                valid = false;
                self.push(
                    Diagnostic::error(codes::INVALID_VALUE, "a grant needs at least one persona")
                        .at(&anchor)
                        .help("add `to: [<persona>]`"),
                );
            }
            for persona in &spec.to {
                let Some(principals) = personas.get(persona.as_str()) else {
                    valid = false;
                    let known = personas.keys().map(String::as_str);
                    let diagnostic = Diagnostic::error(
                        codes::UNDECLARED_NAME,
                        format!("unknown persona `{persona}`"),
                    )
                    .at(&persona.span);
                    self.push(if personas.is_empty() {
                        diagnostic.help(format!(
                            "declare it under `personas: {{ {persona}: {{ principals: [..] }} }}`"
                        ))
                    } else {
                        diagnostic
                            .expected(format!("one of the personas: {}", quoted(known.clone())))
                            .did_you_mean(closest(persona, known))
                    });
                    continue;
                };
                let Some(resource) = &resource else { continue };
                let key = (persona.value.clone(), resource.id_words());
                if let Some(first) = seen.get(&key) {
                    valid = false;
                    self.push(
                        duplicate(
                            format!(
                                "the persona `{persona}` is granted on the same {} twice",
                                resource
                                    .kind()
                                    .trim_start_matches("a ")
                                    .trim_start_matches("an ")
                            ),
                            &persona.span,
                            first,
                        )
                        .help("merge the permissions into one grant"),
                    );
                    continue;
                }
                seen.insert(key, persona.span.clone());
                if !valid {
                    continue;
                }
                for principal in principals {
                    // Persona, resource, principal: `analyst-sales-customers-columns-bi`;
                    // a location by its name, a principal named like its persona once.
                    let mut words = vec![persona.value.clone()];
                    match &spec.location {
                        Some(location) => words.extend([location.value.clone(), "location".into()]),
                        None => words.extend(resource.id_words()),
                    }
                    if principal.short_name() != persona.as_str() {
                        words.push(principal.short_name().to_owned());
                    }
                    grants.push(Grant {
                        name: words.join("-"),
                        principal: principal.clone(),
                        resource: resource.clone(),
                        permissions: permissions.clone(),
                        grantable: grantable.clone(),
                    });
                }
            }
        }
        grants
    }

    /// The one resource a grant is on.
    fn grant_resource(
        &mut self,
        spec: &LakeGrantSpec,
        tags: &IndexMap<String, Vec<String>>,
        locations: &IndexMap<String, DataLocation>,
    ) -> Option<LakeResource> {
        let catalog = spec.catalog.as_ref().filter(|catalog| catalog.value);
        let given: Vec<(&str, Span)> = [
            ("catalog", catalog.map(|catalog| catalog.span.clone())),
            (
                "database",
                spec.database.as_ref().map(|database| database.span.clone()),
            ),
            (
                "table",
                spec.table.as_ref().map(|table| table.database.span.clone()),
            ),
            (
                "columns",
                spec.columns
                    .as_ref()
                    .map(|columns| columns.database.span.clone()),
            ),
            (
                "location",
                spec.location.as_ref().map(|location| location.span.clone()),
            ),
            ("tag", spec.tag.as_ref().map(|tag| tag.key.span.clone())),
            (
                "tagged",
                spec.tagged.as_ref().map(|tagged| {
                    tagged
                        .expression
                        .keys()
                        .next()
                        .map_or_else(|| self.doc.name.span.clone(), |key| key.span.clone())
                }),
            ),
        ]
        .into_iter()
        .filter_map(|(field, span)| Some((field, span?)))
        .collect();
        if given.len() != 1 {
            let span = given
                .get(1)
                .map(|(_, span)| span.clone())
                .unwrap_or_else(|| {
                    spec.to.first().map_or_else(
                        || self.doc.name.span.clone(),
                        |persona| persona.span.clone(),
                    )
                });
            let found = match given.as_slice() {
                [] => "none".to_owned(),
                fields => quoted(fields.iter().map(|(field, _)| *field)),
            };
            self.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    "a grant is on exactly one of `catalog`, `database`, `table`, `columns`, `location`, `tag` and `tagged`",
                )
                .at(&span)
                .found(found),
            );
            return None;
        }
        if catalog.is_some() {
            return Some(LakeResource::Catalog);
        }
        if let Some(database) = &spec.database {
            return Some(LakeResource::Database(database.value.clone()));
        }
        if let Some(table) = &spec.table {
            return self.table(table).map(|selector| LakeResource::Table {
                database: table.database.value.clone(),
                table: selector,
            });
        }
        if let Some(columns) = &spec.columns {
            return self.columns(columns).map(|selector| LakeResource::Columns {
                database: columns.database.value.clone(),
                table: columns.table.value.clone(),
                columns: selector,
            });
        }
        if let Some(location) = &spec.location {
            return match locations.get(location.as_str()) {
                Some(found) => Some(LakeResource::DataLocation(found.arn.clone())),
                None => {
                    let known = locations.keys().map(String::as_str);
                    let diagnostic = Diagnostic::error(
                        codes::UNDECLARED_NAME,
                        format!("unknown location `{location}`"),
                    )
                    .at(&location.span);
                    self.push(if locations.is_empty() {
                        diagnostic.help(format!(
                            "register it: `locations: {{ {location}: {{ path: s3://bucket/prefix }} }}`"
                        ))
                    } else {
                        diagnostic
                            .expected(format!("one of the locations: {}", quoted(known.clone())))
                            .did_you_mean(closest(location, known))
                    });
                    None
                }
            };
        }
        if let Some(tag) = &spec.tag {
            let mut valid = self.tag_key(tags, &tag.key);
            for value in &tag.values {
                valid &= self.tag_value(tags, &tag.key, value);
            }
            valid &= self.value_count(&tag.key, tag.values.len());
            return valid.then(|| LakeResource::Tag {
                key: tag.key.value.clone(),
                values: tag.values.iter().map(|value| value.value.clone()).collect(),
            });
        }
        let tagged = spec.tagged.as_ref()?;
        let mut valid = true;
        if let Some((extra, _)) = tagged.expression.get_index(MAX_EXPRESSION_TAGS) {
            valid = false;
            self.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!(
                        "an LF-tag expression has at most {MAX_EXPRESSION_TAGS} LF-tags; `{extra}` is number {}",
                        MAX_EXPRESSION_TAGS + 1
                    ),
                )
                .at(&extra.span)
                .note(format!(
                    "AWS::LakeFormation::PrincipalPermissions takes {MAX_EXPRESSION_TAGS} conditions in an `LFTagPolicy` expression (Lake Formation's saved expressions take up to 50)"
                ))
                .help("grant on fewer LF-tags, e.g. assign one LF-tag that stands for the combination"),
            );
        }
        let mut expression = IndexMap::new();
        for (key, values) in &tagged.expression {
            if !self.tag_key(tags, key) {
                valid = false;
                continue;
            }
            for value in values {
                valid &= self.tag_value(tags, key, value);
            }
            valid &= self.value_count(key, values.len());
            expression.insert(
                key.value.clone(),
                values.iter().map(|value| value.value.clone()).collect(),
            );
        }
        valid.then(|| LakeResource::TagPolicy {
            target: match tagged.resource {
                TaggedResourceSpec::Database => TagPolicyTarget::Database,
                TaggedResourceSpec::Table => TagPolicyTarget::Table,
            },
            expression,
        })
    }

    /// Checks the number of values of an LF-tag in a grant.
    fn value_count(&mut self, key: &Located<String>, count: usize) -> bool {
        if (1..=MAX_GRANT_TAG_VALUES).contains(&count) {
            return true;
        }
        self.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                format!("a grant names 1 to {MAX_GRANT_TAG_VALUES} values of the LF-tag `{key}`, not {count}"),
            )
            .at(&key.span),
        );
        false
    }
}
