//! Service Catalog portfolios as a platform engineer checks them: one share per account,
//! principals (account-less patterns too), launch constraints by role name with the role
//! in every shared account, product templates as content-hashed assets; and every invalid
//! input rejected where it is written.

use cfsynth::app::Assembly;
use cfsynth::diagnostics::{Diagnostics, render_text};
use cfsynth::manifest::{Manifests, Registry};
use serde_json::Value as Json;

const ACCOUNTS: &str = "kind: Accounts
name: org
accounts:
  tooling: { id: \"111111111111\", region: us-east-1 }
  test: { id: \"444444444444\" }
  prod: { id: \"555555555555\" }
";

fn run(manifest: &str) -> Result<Assembly, Diagnostics> {
    let mut manifests = Manifests::new();
    manifests.add("accounts.yaml", ACCOUNTS);
    manifests.add("manifests/portfolio.yaml", manifest);
    Registry::builtin().synth(&manifests)
}

fn synth(manifest: &str) -> Assembly {
    run(manifest).unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
}

/// Every diagnostic as `file:line:column: error[CODE]: message`.
fn errors(manifest: &str) -> Vec<String> {
    match run(manifest) {
        Ok(_) => panic!("expected errors"),
        Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect(),
    }
}

/// The template of the stack with this name (in any environment, the first).
fn template(assembly: &Assembly, name: &str, account: &str) -> Json {
    let stack = assembly
        .stacks
        .iter()
        .find(|stack| stack.name == name && stack.env.account() == account)
        .unwrap_or_else(|| panic!("no stack {name} in {account}"));
    serde_json::from_str(&stack.body).expect("a JSON template")
}

/// The resources of a template that have this type.
fn of_type<'a>(template: &'a Json, type_name: &str) -> Vec<(&'a String, &'a Json)> {
    template["Resources"]
        .as_object()
        .map(|resources| {
            resources
                .iter()
                .filter(|(_, resource)| resource["Type"] == type_name)
                .collect()
        })
        .unwrap_or_default()
}

/// A portfolio with a product from a template file and one from an inline stack.
const PORTFOLIO: &str = r#"kind: Portfolio
name: data-products
env: { account: tooling }
provider: Data Platform team
principals:
  - arn:${AWS::Partition}:iam::111111111111:role/platform-admin
  - arn:${AWS::Partition}:iam:::role/data-engineer*
shareWith: [test, "555555555555"]
tagOptions: { cost-center: [analytics] }
launchRole:
  statements:
    - actions: [sqs:CreateQueue, sqs:DeleteQueue, sqs:GetQueueAttributes]
      resources: ["arn:${AWS::Partition}:sqs:*:${AWS::AccountId}:SC-*"]
products:
  - name: data-bucket
    owner: Data Platform team
    tagUpdates: allowed
    versions:
      - { name: v1, template: products/data-bucket-v1.yaml }
      - { name: v2, template: products/data-bucket-v2.yaml }
  - name: work-queue
    owner: Data Platform team
    versions:
      - name: v1
        stack:
          resources:
            - cfn: { name: queue, type: AWS::SQS::Queue, properties: { SqsManagedSseEnabled: true } }
          outputs:
            QueueUrl: { value: !Ref Queue }
"#;

#[test]
fn the_portfolio_is_shared_once_with_each_account() {
    let assembly = synth(PORTFOLIO);
    let portfolio = template(&assembly, "data-products-portfolio", "111111111111");
    let mut accounts: Vec<&str> = of_type(&portfolio, "AWS::ServiceCatalog::PortfolioShare")
        .iter()
        .map(|(_, share)| {
            share["Properties"]["AccountId"]
                .as_str()
                .unwrap_or_default()
        })
        .collect();
    accounts.sort_unstable();
    assert_eq!(accounts, ["444444444444", "555555555555"]);
    let shares = of_type(&portfolio, "AWS::ServiceCatalog::PortfolioShare");
    assert!(
        shares
            .iter()
            .all(|(_, share)| share["Properties"]["ShareTagOptions"] == true)
    );
}

#[test]
fn account_less_principals_are_name_patterns() {
    let assembly = synth(PORTFOLIO);
    let portfolio = template(&assembly, "data-products-portfolio", "111111111111");
    let principals: Vec<(String, String)> = of_type(
        &portfolio,
        "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
    )
    .iter()
    .map(|(_, association)| {
        let properties = &association["Properties"];
        (
            properties["PrincipalARN"]["Fn::Sub"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            properties["PrincipalType"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    })
    .collect();
    assert_eq!(
        principals,
        [
            (
                "arn:${AWS::Partition}:iam::111111111111:role/platform-admin".to_owned(),
                "IAM".to_owned()
            ),
            (
                "arn:${AWS::Partition}:iam:::role/data-engineer*".to_owned(),
                "IAM_PATTERN".to_owned()
            ),
        ]
    );
}

#[test]
fn launch_constraints_name_the_role_which_exists_in_every_shared_account() {
    let assembly = synth(PORTFOLIO);
    let portfolio = template(&assembly, "data-products-portfolio", "111111111111");
    let constraints = of_type(&portfolio, "AWS::ServiceCatalog::LaunchRoleConstraint");
    assert_eq!(constraints.len(), 2, "one per product");
    for (_, constraint) in &constraints {
        let properties = &constraint["Properties"];
        assert_eq!(properties["LocalRoleName"], "cfsynth-data-products-launch");
        assert!(properties.get("RoleArn").is_none(), "by name, not by ARN");
    }
    let depends_on = &constraints[0].1["DependsOn"];
    assert_eq!(
        depends_on,
        &serde_json::json!([
            "DataBucketAssociation",
            "LaunchRole",
            "LaunchRoleDefaultPolicy"
        ])
    );
    for account in ["111111111111", "444444444444", "555555555555"] {
        let stack = if account == "111111111111" {
            "data-products-portfolio"
        } else {
            "data-products-launch-role"
        };
        let template = template(&assembly, stack, account);
        let roles = of_type(&template, "AWS::IAM::Role");
        let [(_, role)] = roles.as_slice() else {
            panic!("one launch role in {account}: {roles:?}");
        };
        assert_eq!(
            role["Properties"]["RoleName"],
            "cfsynth-data-products-launch"
        );
        assert_eq!(
            role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
            serde_json::json!({"Service": "servicecatalog.amazonaws.com"})
        );
    }
    let launch_stack = assembly
        .stacks
        .iter()
        .find(|stack| stack.name == "data-products-launch-role")
        .expect("a launch role stack");
    assert_eq!(launch_stack.capabilities, ["CAPABILITY_NAMED_IAM"]);
}

#[test]
fn generated_launch_roles_allow_no_wildcard_actions() {
    let assembly = synth(PORTFOLIO);
    let mut policies = 0;
    for stack in &assembly.stacks {
        let template: Json = serde_json::from_str(&stack.body).expect("JSON");
        for (_, policy) in of_type(&template, "AWS::IAM::Policy") {
            policies += 1;
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let actions: Vec<&str> = match &statement["Action"] {
                    Json::String(action) => vec![action],
                    Json::Array(actions) => actions.iter().filter_map(Json::as_str).collect(),
                    other => panic!("unexpected Action {other}"),
                };
                for action in actions {
                    assert!(
                        action != "*" && !action.ends_with(":*"),
                        "{}: `{action}`",
                        stack.id
                    );
                }
            }
        }
    }
    assert_eq!(
        policies, 3,
        "the launch role in the hub and in two shared accounts"
    );
}

#[test]
fn product_templates_are_content_hashed_assets() {
    let assembly = synth(PORTFOLIO);
    assert_eq!(assembly.assets.len(), 3);
    let portfolio = template(&assembly, "data-products-portfolio", "111111111111");
    let urls: Vec<String> = of_type(&portfolio, "AWS::ServiceCatalog::CloudFormationProduct")
        .iter()
        .flat_map(|(_, product)| {
            product["Properties"]["ProvisioningArtifactParameters"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|artifact| {
            artifact["Info"]["LoadTemplateFromURL"]["Fn::Sub"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(urls.len(), 3);
    for (asset, url) in assembly.assets.iter().zip(&urls) {
        assert_eq!(asset.id.len(), 64);
        assert!(asset.key.starts_with(&format!("assets/{}.", asset.id)));
        assert_eq!(asset.bucket, "cfsynth-assets-111111111111-us-east-1");
        assert_eq!(
            url,
            &format!(
                "https://cfsynth-assets-111111111111-us-east-1.s3.us-east-1.${{AWS::URLSuffix}}/{}",
                asset.key
            )
        );
        assert_eq!(
            asset.stack,
            "data-products-portfolio-111111111111-us-east-1"
        );
    }
    assert_eq!(
        assembly.assets[0].source,
        "manifests/products/data-bucket-v1.yaml"
    );
    assert!(assembly.assets[0].key.ends_with(".yaml"));
    let inline = &assembly.assets[2];
    assert_eq!(inline.source, "synthesized: data-products-work-queue-v1");
    assert!(inline.key.ends_with(".json"));
    let body: Json = serde_json::from_slice(&inline.content).expect("a JSON template");
    assert_eq!(body["Resources"]["Queue"]["Type"], "AWS::SQS::Queue");
    assert_eq!(
        body["Outputs"]["QueueUrl"]["Value"],
        serde_json::json!({"Ref": "Queue"})
    );
    // The asset bucket is a bootstrap stack the portfolio deploys after.
    let order: Vec<&str> = assembly
        .stacks
        .iter()
        .map(|stack| stack.name.as_str())
        .collect();
    let assets = order.iter().position(|name| *name == "cfsynth-assets");
    let portfolio = order
        .iter()
        .position(|name| *name == "data-products-portfolio");
    assert!(assets < portfolio, "{order:?}");
    let manifest: Json = serde_json::from_str(&assembly.manifest()).expect("JSON");
    assert_eq!(manifest["assets"][2]["file"], serde_json::json!(inline.key));
}

#[test]
fn the_same_content_is_one_key_and_changed_content_a_new_one() {
    let first = synth(PORTFOLIO);
    let again = synth(PORTFOLIO);
    assert_eq!(first.assets, again.assets);
    let changed = synth(&PORTFOLIO.replace(
        "SqsManagedSseEnabled: true",
        "SqsManagedSseEnabled: true, VisibilityTimeout: 60",
    ));
    assert_eq!(first.assets[0].key, changed.assets[0].key);
    assert_ne!(first.assets[2].key, changed.assets[2].key);
}

#[test]
fn assets_are_written_into_the_output_directory() {
    let assembly = synth(PORTFOLIO);
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("service-catalog-out");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("assets")).expect("dir");
    std::fs::write(dir.join("assets/stale.json"), "{}").expect("a stale asset");
    assembly.write(&dir).expect("written");
    for asset in &assembly.assets {
        let written = std::fs::read(dir.join(&asset.file)).expect("the asset file");
        assert_eq!(written, asset.content);
    }
    assert!(!dir.join("assets/stale.json").exists());
    let on_disk = std::fs::read("manifests/products/data-bucket-v1.yaml").expect("the example");
    assert_eq!(assembly.assets[0].content, on_disk);
}

#[test]
fn a_share_account_given_twice_is_an_error_even_as_alias_and_id() {
    let manifest = PORTFOLIO.replace(
        "shareWith: [test, \"555555555555\"]",
        "shareWith: [test, prod, \"444444444444\", prod]",
    );
    assert_eq!(
        errors(&manifest),
        [
            "manifests/portfolio.yaml:8:25: error[E0320]: the portfolio is shared with account 444444444444 twice (`test` and `444444444444` are both 444444444444); there is one share per account",
            "manifests/portfolio.yaml:8:41: error[E0320]: the portfolio is shared with account 555555555555 twice; there is one share per account",
        ]
    );
    let manifest = PORTFOLIO.replace("shareWith: [test,", "shareWith: [tooling, test,");
    assert_eq!(
        errors(&manifest),
        [
            "manifests/portfolio.yaml:8:13: error[E0205]: the portfolio is in account 111111111111: it is shared with other accounts only"
        ]
    );
}

#[test]
fn version_names_are_unique_in_a_product() {
    let manifest = PORTFOLIO.replace("{ name: v2, template", "{ name: v1, template");
    let errors = errors(&manifest);
    assert_eq!(
        errors,
        [
            "manifests/portfolio.yaml:20:17: error[E0320]: the product `data-bucket` has two versions named `v1`"
        ]
    );
}

#[test]
fn malformed_principal_arns_are_rejected_where_written() {
    let manifest = PORTFOLIO
        .replace(
            "iam::111111111111:role/platform-admin",
            "iam::1111:role/platform-admin",
        )
        .replace("iam:::role/data-engineer*", "iam:::policy/data-engineer");
    assert_eq!(
        errors(&manifest),
        [
            "manifests/portfolio.yaml:6:5: error[E0205]: `arn:${AWS::Partition}:iam::1111:role/platform-admin` names the account `1111`: an account is 12 digits or `${AWS::AccountId}`, or left out for a name pattern",
            "manifests/portfolio.yaml:7:5: error[E0205]: `arn:${AWS::Partition}:iam:::policy/data-engineer` names a `policy`: a portfolio principal is a `role`, `user` or `group`",
        ]
    );
    let manifest = PORTFOLIO.replace("role/platform-admin", "role/platform-admin*");
    let found = errors(&manifest);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("wildcards need an account-less name pattern"),
        "{found:?}"
    );
}

#[test]
fn launch_role_statements_may_not_allow_every_action() {
    let manifest = PORTFOLIO.replace(
        "actions: [sqs:CreateQueue, sqs:DeleteQueue, sqs:GetQueueAttributes]",
        "actions: [sqs:*, \"*\", sqs:CreateQueue, s3 GetObject]",
    );
    assert_eq!(
        errors(&manifest),
        [
            "manifests/portfolio.yaml:12:17: error[E0311]: the launch role may not allow `sqs:*` (every `sqs` action)",
            "manifests/portfolio.yaml:12:24: error[E0311]: the launch role may not allow `*` (every action of every service)",
            "manifests/portfolio.yaml:12:46: error[E0205]: `s3 GetObject` is not an IAM action",
        ]
    );
}

#[test]
fn a_version_has_exactly_one_template_source_that_exists() {
    let manifest = PORTFOLIO.replace(
        "{ name: v2, template: products/data-bucket-v2.yaml }",
        "{ name: v2 }",
    );
    assert_eq!(
        errors(&manifest),
        [
            "manifests/portfolio.yaml:20:17: error[E0205]: version `v2` needs exactly one of `template` (a file) and `stack` (resources cfsynth synthesizes)"
        ]
    );
    let manifest = PORTFOLIO.replace("products/data-bucket-v2.yaml", "products/missing.yaml");
    assert_eq!(
        errors(&manifest),
        [
            "manifests/portfolio.yaml:20:31: error[E0205]: cannot use the template `manifests/products/missing.yaml`: it does not exist"
        ]
    );
    let manifest = PORTFOLIO.replace("products/data-bucket-v2.yaml", "accounts.yaml");
    assert_eq!(
        errors(&manifest),
        [
            "manifests/portfolio.yaml:20:31: error[E0205]: cannot use the template `manifests/accounts.yaml`: it has no `Resources` section"
        ]
    );
}

#[test]
fn inline_product_stacks_report_errors_in_the_manifest() {
    let manifest = PORTFOLIO.replace("value: !Ref Queue", "value: !GetAtt Missing.Arn");
    let found = errors(&manifest);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("manifests/portfolio.yaml:"),
        "{found:?}"
    );
    assert!(found[0].contains("Missing"), "{found:?}");
    let manifest = PORTFOLIO.replace("cfn: { name: queue", "cfn: { name: Queue");
    assert_eq!(
        errors(&manifest),
        ["manifests/portfolio.yaml:27:28: error[E0206]: resource name `Queue` is not kebab-case"]
    );
}

#[test]
fn the_example_renders_its_inline_product_templates() {
    let manifests = Manifests::load(&["manifests/accounts.yaml", "manifests/service-catalog.yaml"]);
    let assembly = match Registry::builtin().synth(&manifests) {
        Ok(assembly) => assembly,
        Err(diagnostics) => panic!("{}", render_text(&diagnostics, manifests.sources(), false)),
    };
    // Synthesized product templates are snapshots too, so the cfn-lint test lints them.
    for asset in &assembly.assets {
        if let Some(name) = asset.source.strip_prefix("synthesized: ") {
            let body = String::from_utf8_lossy(&asset.content).into_owned();
            insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(format!("manifest-example-product-{name}"), body);
            });
        }
    }
}

#[test]
fn a_portfolio_has_at_most_ten_name_patterns() {
    let patterns: String = (1..=11)
        .map(|index| format!("  - arn:${{AWS::Partition}}:iam:::role/team{index}-*\n"))
        .collect();
    let manifest = PORTFOLIO.replace(
        "  - arn:${AWS::Partition}:iam:::role/data-engineer*\n",
        &patterns,
    );
    assert_eq!(
        errors(&manifest),
        [
            "manifests/portfolio.yaml:17:5: error[E0205]: a portfolio has at most 10 principal name patterns; this is number 11"
        ]
    );
}
