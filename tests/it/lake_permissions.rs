//! Lake Formation permissions as a data platform engineer checks them: persona grants
//! expanded per principal, `TableWildcard`, `ColumnWildcard` with `ExcludedColumnNames`,
//! `LFTagPolicy`, cross-account grants, the administrators warning; and every invalid
//! combination rejected where it is written.

use cfsynth::app::Assembly;
use cfsynth::diagnostics::{Diagnostic, Diagnostics, Severity};
use cfsynth::manifest::{Manifests, Registry};
use serde_json::{Value as Json, json};

const ACCOUNTS: &str = "kind: Accounts
name: org
accounts:
  workloads: { id: \"222222222222\", region: eu-west-1 }
  prod: { id: \"555555555555\" }
";

/// Personas, tags and a location; `GRANTS` follow.
const BASE: &str = r#"kind: LakePermissions
name: sales
env: { account: workloads }
tags:
  classification: [public, internal, pii]
  domain: [sales, marketing]
locations:
  sales-raw: { path: "s3://sales-raw/orders/" }
personas:
  data-engineer:
    principals: ["arn:${AWS::Partition}:iam::222222222222:role/data-engineer"]
  analyst:
    principals:
      - arn:${AWS::Partition}:iam::222222222222:role/analyst
      - arn:${AWS::Partition}:iam::222222222222:role/bi-dashboards
  reporting:
    principals: [prod]
"#;

fn manifests(grants: &str) -> Manifests {
    let mut manifests = Manifests::new();
    manifests.add("accounts.yaml", ACCOUNTS);
    manifests.add("lake.yaml", format!("{BASE}{grants}"));
    manifests
}

fn run(grants: &str) -> Result<Assembly, Diagnostics> {
    Registry::builtin().synth(&manifests(grants))
}

/// The resources of the one stack.
fn resources(grants: &str) -> serde_json::Map<String, Json> {
    let assembly = run(grants).unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
    assert_eq!(assembly.stacks.len(), 1);
    assert_eq!(assembly.stacks[0].name, "sales-lake-permissions");
    let template: Json = serde_json::from_str(&assembly.stacks[0].body).expect("JSON");
    template["Resources"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// Every diagnostic as `file:line:column: error[CODE]: message`.
fn errors(grants: &str) -> Vec<String> {
    match run(grants) {
        Ok(_) => panic!("expected errors"),
        Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect(),
    }
}

/// The only diagnostic.
fn only(grants: &str) -> Diagnostic {
    let diagnostics: Vec<Diagnostic> = run(grants).err().into_iter().flatten().collect();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    diagnostics
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

#[test]
fn a_persona_grant_becomes_one_grant_per_principal_with_a_column_wildcard() {
    let resources = resources(
        "grants:\n  - to: [analyst]\n    columns: { database: sales, table: customers, except: [email, phone] }\n    permissions: [select]\n",
    );
    let grants: Vec<(&String, &Json)> = resources
        .iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::LakeFormation::PrincipalPermissions")
        .collect();
    let ids: Vec<&str> = grants.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "AnalystSalesCustomersColumnsGrant",
            "AnalystSalesCustomersColumnsBiDashboardsGrant"
        ]
    );
    for (_, grant) in &grants {
        assert_eq!(
            grant["Properties"]["Resource"],
            json!({"TableWithColumns": {
                "CatalogId": "222222222222",
                "ColumnWildcard": {"ExcludedColumnNames": ["email", "phone"]},
                "DatabaseName": "sales",
                "Name": "customers"
            }})
        );
        assert_eq!(grant["Properties"]["Permissions"], json!(["SELECT"]));
    }
}

#[test]
fn every_table_of_a_database_is_a_table_wildcard() {
    let resources = resources(
        "grants:\n  - to: [data-engineer]\n    table: { database: sales, wildcard: true }\n    permissions: [SELECT, insert, describe]\n",
    );
    let grant = &resources["DataEngineerSalesAllTablesGrant"];
    assert_eq!(
        grant["Properties"]["Resource"],
        json!({"Table": {"CatalogId": "222222222222", "DatabaseName": "sales", "TableWildcard": {}}})
    );
    assert_eq!(
        grant["Properties"]["Permissions"],
        json!(["SELECT", "INSERT", "DESCRIBE"])
    );
}

#[test]
fn tag_expressions_are_lf_tag_policies_after_their_tags() {
    let resources = resources(
        "grants:\n  - to: [analyst]\n    tagged: { resource: table, expression: { domain: [sales], classification: [public, internal] } }\n    permissions: [select, describe]\n",
    );
    let grant = &resources["AnalystDomainClassificationTaggedTablesGrant"];
    assert_eq!(
        grant["Properties"]["Resource"],
        json!({"LFTagPolicy": {
            "CatalogId": "222222222222",
            "Expression": [
                {"TagKey": "domain", "TagValues": ["sales"]},
                {"TagKey": "classification", "TagValues": ["public", "internal"]}
            ],
            "ResourceType": "TABLE"
        }})
    );
    assert_eq!(
        grant["DependsOn"],
        json!(["DomainLfTag", "ClassificationLfTag"])
    );
    assert_eq!(
        resources["ClassificationLfTag"]["Properties"],
        json!({"CatalogId": "222222222222", "TagKey": "classification", "TagValues": ["public", "internal", "pii"]})
    );
}

#[test]
fn an_account_is_a_cross_account_grant_with_grant_options() {
    let resources = resources(
        "grants:\n  - to: [reporting]\n    table: { database: sales, name: orders }\n    permissions: [select, describe]\n    grantable: [select]\n",
    );
    let grant = &resources["ReportingSalesOrdersTable555555555555Grant"];
    assert_eq!(
        grant["Properties"]["Principal"],
        json!({"DataLakePrincipalIdentifier": "555555555555"})
    );
    assert_eq!(
        grant["Properties"]["PermissionsWithGrantOption"],
        json!(["SELECT"])
    );
}

#[test]
fn locations_catalog_and_tag_assignments() {
    let resources = resources(
        "tagAssignments:\n  - table: { database: sales, name: customers }\n    tags: { classification: internal }\n  - columns: { database: sales, table: customers, names: [email] }\n    tags: { classification: pii }\ngrants:\n  - to: [data-engineer]\n    location: sales-raw\n    permissions: [data-location-access]\n  - to: [data-engineer]\n    catalog: true\n    permissions: [create-database]\n  - to: [data-engineer]\n    tag: { key: domain, values: [sales] }\n    permissions: [associate, describe]\n",
    );
    assert_eq!(
        resources["SalesRawLocation"]["Properties"],
        json!({"ResourceArn": {"Fn::Sub": "arn:${AWS::Partition}:s3:::sales-raw/orders"}, "UseServiceLinkedRole": true})
    );
    let location = &resources["DataEngineerSalesRawLocationGrant"];
    assert_eq!(location["DependsOn"], "SalesRawLocation");
    assert_eq!(
        location["Properties"]["Resource"]["DataLocation"]["ResourceArn"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::sales-raw/orders"})
    );
    assert_eq!(
        resources["DataEngineerCatalogGrant"]["Properties"]["Resource"],
        json!({"Catalog": "222222222222"})
    );
    assert_eq!(
        resources["DataEngineerDomainTagGrant"]["Properties"]["Resource"],
        json!({"LFTag": {"CatalogId": "222222222222", "TagKey": "domain", "TagValues": ["sales"]}})
    );
    assert_eq!(
        resources["SalesCustomersEmailColumnsTags"]["Properties"]["Resource"],
        json!({"TableWithColumns": {"CatalogId": "222222222222", "ColumnNames": ["email"], "DatabaseName": "sales", "Name": "customers"}})
    );
    assert_eq!(
        resources["SalesCustomersTableTags"]["DependsOn"],
        "ClassificationLfTag"
    );
}

#[test]
fn setting_admins_warns_that_it_replaces_the_list() {
    let text = BASE.replace(
        "tags:\n",
        "admins: [\"arn:${AWS::Partition}:iam::222222222222:role/lake-admin\"]\ndeployRole: arn:${AWS::Partition}:iam::222222222222:role/cfsynth-platform-cfn-exec\ntags:\n",
    );
    let mut manifests = Manifests::new();
    manifests.add("accounts.yaml", ACCOUNTS);
    manifests.add("lake.yaml", text);
    let build = Registry::builtin().build(&manifests);
    let warnings: Vec<String> = build.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "lake.yaml:4:1: warning[W0301]: this replaces the account's whole list of data lake administrators"
        ]
    );
    let assembly = build.synth().expect("warnings do not fail");
    let template: Json = serde_json::from_str(&assembly.stacks[0].body).expect("JSON");
    assert_eq!(
        template["Resources"]["DataLakeSettings"]["Properties"]["Admins"],
        json!([
            {"DataLakePrincipalIdentifier": {"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:role/lake-admin"}},
            {"DataLakePrincipalIdentifier": {"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:role/cfsynth-platform-cfn-exec"}}
        ])
    );
    assert_eq!(
        template["Resources"]["ClassificationLfTag"]["DependsOn"],
        "DataLakeSettings"
    );

    let mut manifests = Manifests::new();
    manifests.add("accounts.yaml", ACCOUNTS);
    manifests.add("lake.yaml", BASE.replace("tags:\n", "admins: []\ntags:\n"));
    let build = Registry::builtin().build(&manifests);
    assert_eq!(build.diagnostics.count(Severity::Warning), 2);
    assert!(
        build
            .diagnostics
            .iter()
            .any(|warning| warning.message == "an empty list removes every data lake administrator")
    );
}

#[test]
fn each_kind_of_resource_takes_only_its_permissions() {
    assert_eq!(
        errors(
            "grants:\n  - to: [analyst]\n    database: sales\n    permissions: [select, create-table]\n  - to: [analyst]\n    columns: { database: sales, table: customers, names: [id] }\n    permissions: [select, insert]\n  - to: [analyst]\n    location: sales-raw\n    permissions: [select]\n  - to: [analyst]\n    table: { database: sales, name: orders }\n    permissions: [data-location-access, create-table]\n",
        ),
        [
            "lake.yaml:21:19: error[E0322]: `select` cannot be granted on a database",
            "lake.yaml:24:27: error[E0322]: `insert` cannot be granted on columns",
            "lake.yaml:27:19: error[E0322]: `select` cannot be granted on a data location",
            "lake.yaml:30:19: error[E0322]: `data-location-access` cannot be granted on a table",
            "lake.yaml:30:41: error[E0322]: `create-table` cannot be granted on a table",
        ]
    );
    let error =
        only("grants:\n  - to: [analyst]\n    database: sales\n    permissions: [SELECT]\n");
    assert_eq!(
        error.expected.as_deref(),
        Some("on a database: `all`, `alter`, `create-table`, `describe`, `drop`")
    );
}

#[test]
fn tag_values_must_be_declared() {
    let error = only(
        "grants:\n  - to: [analyst]\n    tagged: { resource: table, expression: { classification: [pi] } }\n    permissions: [select]\n",
    );
    assert_eq!(
        error.to_string(),
        "lake.yaml:20:63: error[E0321]: `pi` is not a value of the LF-tag `classification`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `pii`?"));
    let error = only("tagAssignments:\n  - database: sales\n    tags: { domian: sales }\n");
    assert_eq!(
        error.to_string(),
        "lake.yaml:20:13: error[E0321]: `domian` is not a declared LF-tag"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `domain`?"));
}

#[test]
fn an_expression_has_at_most_five_tags() {
    let mut text = BASE.replace(
        "tags:\n",
        "tags:\n  a: [x]\n  b: [x]\n  c: [x]\n  d: [x]\n  e: [x]\n  f: [x]\n",
    );
    text.push_str("grants:\n  - to: [analyst]\n    tagged:\n      resource: table\n      expression: { a: [x], b: [x], c: [x], d: [x], e: [x], f: [x] }\n    permissions: [select]\n");
    let mut manifests = Manifests::new();
    manifests.add("accounts.yaml", ACCOUNTS);
    manifests.add("lake.yaml", text);
    let diagnostics: Vec<Diagnostic> = Registry::builtin()
        .synth(&manifests)
        .err()
        .into_iter()
        .flatten()
        .collect();
    let messages: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "lake.yaml:28:61: error[E0205]: an LF-tag expression has at most 5 LF-tags; `f` is number 6"
        ]
    );
}

#[test]
fn a_table_is_given_by_name_or_as_every_table() {
    let error = only(
        "grants:\n  - to: [analyst]\n    table: { database: sales, name: orders, wildcard: true }\n    permissions: [select]\n",
    );
    assert_eq!(
        error.to_string(),
        "lake.yaml:20:55: error[E0205]: the table is given both by name (`orders`) and as every table (`wildcard: true`)"
    );
    let error = only(
        "grants:\n  - to: [analyst]\n    columns: { database: sales, table: customers, names: [id], except: [email] }\n    permissions: [select]\n",
    );
    assert_eq!(
        error.to_string(),
        "lake.yaml:20:73: error[E0205]: the columns of `sales.customers` are given both by name and as all but some"
    );
    let error = only(
        "grants:\n  - to: [analyst]\n    database: sales\n    table: { database: sales, name: orders }\n    permissions: [describe]\n",
    );
    assert_eq!(
        error.to_string(),
        "lake.yaml:21:24: error[E0205]: a grant is on exactly one of `catalog`, `database`, `table`, `columns`, `location`, `tag` and `tagged`"
    );
}

#[test]
fn grants_to_unknown_personas_suggest_the_closest() {
    let error =
        only("grants:\n  - to: [analyts]\n    database: sales\n    permissions: [describe]\n");
    assert_eq!(
        error.to_string(),
        "lake.yaml:19:10: error[E0321]: unknown persona `analyts`"
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `analyst`?"));
    assert_eq!(
        error.expected.as_deref(),
        Some("one of the personas: `data-engineer`, `analyst`, `reporting`")
    );
}

#[test]
fn grant_options_duplicates_and_locations_are_checked() {
    assert_eq!(
        errors(
            "grants:\n  - to: [analyst]\n    database: sales\n    permissions: [describe]\n    grantable: [alter]\n  - to: [analyst]\n    database: sales\n    permissions: [alter]\n  - to: [analyst]\n    location: sales-ra\n    permissions: [data-location-access]\n",
        ),
        [
            "lake.yaml:22:17: error[E0205]: `alter` is grantable but not granted",
            "lake.yaml:23:10: error[E0320]: the persona `analyst` is granted on the same database twice",
            "lake.yaml:27:15: error[E0321]: unknown location `sales-ra`",
        ]
    );
}

#[test]
fn principals_are_roles_users_or_accounts() {
    let text = BASE.replace(
        "principals: [prod]",
        "principals: [prdo, \"222222222222\", \"arn:aws:iam::222222222222:group/x\"]",
    );
    let mut manifests = Manifests::new();
    manifests.add("accounts.yaml", ACCOUNTS);
    manifests.add("lake.yaml", text);
    let messages: Vec<String> = Registry::builtin()
        .synth(&manifests)
        .err()
        .into_iter()
        .flatten()
        .map(|diagnostic| diagnostic.to_string())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages[0].starts_with("lake.yaml:17:18: error[E0303]: unknown account alias `prdo`"),
        "{messages:#?}"
    );
    assert_eq!(
        messages[1],
        "lake.yaml:17:24: error[E0205]: `222222222222` is this stack's own account (222222222222)"
    );
    assert!(
        messages[2].contains("is not an IAM role or user ARN"),
        "{messages:#?}"
    );
}
