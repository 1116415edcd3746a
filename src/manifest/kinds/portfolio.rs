//! `kind: Portfolio`: a Service Catalog portfolio with its products (template files, or
//! stacks cfsynth synthesizes), principals, shares, launch role and TagOptions (see
//! [`crate::constructs::servicecatalog`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::app::{Environment, StackRole};
use crate::constructs::iam::Statement;
use crate::constructs::servicecatalog::{
    LaunchRoleProps, MAX_PATTERN_PRINCIPALS, Portfolio, PortfolioPrincipal, PortfolioProps,
    Product, ProductOptions, ProductProps, ProductSupport, ProductTemplate, ProductVersion,
    TagUpdates, check_role_name, is_every_action,
};
use crate::constructs::{ConstructError, Scope};
use crate::diagnostics::{Diagnostic, Diagnostics, Span, codes};
use crate::manifest::node::Value;
use crate::manifest::{
    Blueprint, BuildContext, Document, Located, Origin, StackResource, check_kebab_case,
};
use crate::template::{Output, Parameter, ParameterType, Template, Val, sub};

/// A Service Catalog portfolio: products people launch themselves, offered to IAM
/// principals of this account and of the accounts it is shared with. The stack is named
/// `<name>-portfolio`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PortfolioSpec {
    /// The name people see (default: the document's name).
    #[serde(default)]
    pub display_name: Option<String>,
    /// Who provides the portfolio, e.g. a team.
    pub provider: String,
    /// What it offers.
    #[serde(default)]
    pub description: Option<String>,
    /// Who may launch its products: IAM role, user or group ARNs
    /// (`arn:${AWS::Partition}:iam::111111111111:role/admin`), or up to 10 account-less
    /// name patterns (`arn:${AWS::Partition}:iam:::role/data-engineer*`). Service Catalog
    /// applies patterns in the accounts a portfolio is shared with when the share shares
    /// principals, which organization shares do; after an account share, the recipient's
    /// administrator associates principals to the imported portfolio.
    #[serde(default)]
    pub principals: Vec<Located<String>>,
    /// Accounts (12-digit ids or aliases) the portfolio is shared with: one share each.
    #[serde(default)]
    pub share_with: Vec<Located<String>>,
    /// TagOptions: key → allowed values. They are shared with the portfolio; a TagOption
    /// (key and value) exists once per account and region.
    #[serde(default)]
    pub tag_options: IndexMap<Located<String>, Vec<Located<String>>>,
    /// The role Service Catalog launches every product as, named in a launch constraint
    /// (`LocalRoleName`) and created in this account and every shared account.
    #[serde(default)]
    pub launch_role: Option<LaunchRoleSpec>,
    /// The products.
    pub products: Vec<PortfolioProductSpec>,
}

/// The launch role.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchRoleSpec {
    /// The role name, the same in every account (default `cfsynth-<portfolio>-launch`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// What the role is for.
    #[serde(default)]
    pub description: Option<String>,
    /// What the products' templates create: the role also gets what Service Catalog needs
    /// to manage the stacks it provisions. No statement may allow `*` or `service:*`.
    pub statements: Vec<Located<LaunchStatementSpec>>,
}

/// An `Allow` statement of the launch role's policy.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchStatementSpec {
    /// Actions, `service:Action` (patterns such as `s3:Put*` allowed; `*` and `s3:*` not).
    pub actions: Vec<Located<String>>,
    /// Resource ARNs (pseudo parameters such as `${AWS::Partition}` are substituted).
    pub resources: Vec<String>,
    /// Conditions: operator → condition key → value(s).
    #[serde(default)]
    pub conditions: IndexMap<String, IndexMap<String, Json>>,
}

/// A product of the portfolio.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PortfolioProductSpec {
    /// The product name, kebab-case, unique in the portfolio.
    pub name: Located<String>,
    /// Who owns it.
    pub owner: String,
    /// Who distributes it, when not the owner.
    #[serde(default)]
    pub distributor: Option<String>,
    /// What it provisions.
    #[serde(default)]
    pub description: Option<String>,
    /// Support details shown to the people who launch it.
    #[serde(default)]
    pub support: Option<ProductSupportSpec>,
    /// Whether people may change the tags of what they launched (`allowed` or
    /// `not-allowed`); no resource update constraint when left out.
    #[serde(default)]
    pub tag_updates: Option<TagUpdatesSpec>,
    /// The versions, oldest first.
    pub versions: Vec<ProductVersionSpec>,
}

/// Support details.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductSupportSpec {
    /// How to get support.
    #[serde(default)]
    pub description: Option<String>,
    /// A support email address.
    #[serde(default)]
    pub email: Option<String>,
    /// A support URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// A resource update constraint on tags.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TagUpdatesSpec {
    /// Tags of launched products may change.
    Allowed,
    /// They may not.
    NotAllowed,
}

/// A version of a product: exactly one of `template` and `stack`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductVersionSpec {
    /// The version name, e.g. `v1` (no spaces), unique in the product.
    pub name: Located<String>,
    /// How it differs from the versions before it.
    #[serde(default)]
    pub description: Option<String>,
    /// A CloudFormation template file (JSON or YAML), relative to this manifest.
    #[serde(default)]
    pub template: Option<Located<String>>,
    /// A template cfsynth synthesizes, written like a `Stack` document's body.
    #[serde(default)]
    pub stack: Option<ProductStackSpec>,
}

/// A product template written like a stack: resources (`- cfn: {…}` and the typed
/// entries), parameters people fill in at launch, and outputs they see.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductStackSpec {
    /// The template's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Launch parameters: name (PascalCase) → definition.
    #[serde(default)]
    pub parameters: IndexMap<String, ProductParameterSpec>,
    /// The resources, each `- <kind>: {…}`.
    pub resources: Vec<StackResource>,
    /// Outputs shown for the launched product: name → value.
    #[serde(default)]
    pub outputs: IndexMap<String, ProductOutputSpec>,
}

/// A launch parameter.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProductParameterSpec {
    /// `String` (default), `Number`, `CommaDelimitedList`, `List<Number>` or an AWS type
    /// such as `AWS::EC2::VPC::Id`.
    #[serde(default, rename = "type")]
    pub parameter_type: Option<String>,
    /// What to enter.
    #[serde(default)]
    pub description: Option<String>,
    /// The default value.
    #[serde(default)]
    pub default: Option<Json>,
    /// The values people may choose from.
    #[serde(default)]
    pub allowed_values: Vec<Json>,
}

/// A template output.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductOutputSpec {
    /// The value: a string or an intrinsic function (`!GetAtt Queue.Arn`).
    pub value: Json,
    /// What it is.
    #[serde(default)]
    pub description: Option<String>,
}

/// The `Portfolio` kind.
pub struct PortfolioKind;

impl Blueprint for PortfolioKind {
    type Spec = PortfolioSpec;
    const KIND: &'static str = "Portfolio";

    fn build(&self, doc: &Document<PortfolioSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let env = match doc.env().and_then(|env| cx.resolve_env(env)) {
            Ok(env) => Some(env),
            Err(errors) => {
                diagnostics.extend(errors);
                None
            }
        };
        let checked = check(doc, cx, env.as_ref(), &mut diagnostics);
        let (Some(env), Some(props)) = (env, checked) else {
            return diagnostics;
        };
        if diagnostics.has_errors() {
            return diagnostics;
        }
        let stack_name = Located::new(format!("{}-portfolio", doc.name), doc.name.span.clone());
        let stack = cx.add_stack(&stack_name, env.clone(), StackRole::Application);
        cx.app_mut().stack_mut(stack).template.description =
            Some(format!("Service Catalog portfolio {}", props.display_name));
        let root = Scope::root(stack);
        let origin = Origin::at(&doc.name.span);
        let portfolio = match cx.construct(&root, origin, |app| Portfolio::new(app, &root, props)) {
            Ok(portfolio) => portfolio,
            Err(errors) => {
                diagnostics.extend(
                    errors
                        .iter()
                        .map(|error| construct_error(error, &doc.name.span)),
                );
                return diagnostics;
            }
        };
        for product in &doc.spec.products {
            if let Some(built) = build_product(doc, cx, &root, &env, product, &mut diagnostics) {
                let options = ProductOptions {
                    tag_updates: product.tag_updates.map(|updates| match updates {
                        TagUpdatesSpec::Allowed => TagUpdates::Allowed,
                        TagUpdatesSpec::NotAllowed => TagUpdates::NotAllowed,
                    }),
                };
                let scope = root.child(&product.name);
                cx.construct(&scope, Origin::at(&product.name.span), |app| {
                    portfolio.add_product(app, &built, options);
                });
            }
        }
        diagnostics
    }
}

/// Checks the document's values (those that need no environment too) and makes the
/// portfolio's properties; `None` when the environment is unknown.
fn check(
    doc: &Document<PortfolioSpec>,
    cx: &BuildContext<'_>,
    env: Option<&Environment>,
    diagnostics: &mut Diagnostics,
) -> Option<PortfolioProps> {
    let spec = &doc.spec;
    let mut principals = Vec::new();
    let mut seen: IndexMap<&str, &Span> = IndexMap::new();
    for written in &spec.principals {
        match PortfolioPrincipal::parse(written) {
            Ok(principal) => principals.push(principal),
            Err(message) => diagnostics.push(
                Diagnostic::error(codes::INVALID_VALUE, message)
                    .at(&written.span)
                    .expected("an IAM role, user or group ARN, e.g. `arn:${AWS::Partition}:iam::111111111111:role/admin`, or a pattern without the account, e.g. `arn:${AWS::Partition}:iam:::role/data-engineer*`"),
            ),
        }
        if let Some(first) = seen.insert(written.as_str(), &written.span) {
            diagnostics.push(duplicate(
                format!("the principal `{written}` is listed twice"),
                &written.span,
                first,
            ));
        }
    }
    if let Some(extra) = spec
        .principals
        .iter()
        .filter(|written| written.contains(":iam:::"))
        .nth(MAX_PATTERN_PRINCIPALS)
    {
        diagnostics.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                format!(
                    "a portfolio has at most {MAX_PATTERN_PRINCIPALS} principal name patterns; this is number {}",
                    MAX_PATTERN_PRINCIPALS + 1
                ),
            )
            .at(&extra.span)
            .help("use a broader pattern, or name roles by their full ARN"),
        );
    }
    let mut share_with: Vec<String> = Vec::new();
    let mut shared: IndexMap<String, &Located<String>> = IndexMap::new();
    for account in &spec.share_with {
        match cx.accounts().account_id(account) {
            Ok(id) => {
                if env.is_some_and(|env| env.account() == id) {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!(
                                "the portfolio is in account {id}: it is shared with other accounts only"
                            ),
                        )
                        .at(&account.span)
                        .help("remove this account from `shareWith`"),
                    );
                } else if let Some(first) = shared.get(&id) {
                    let same = if first.value == account.value {
                        String::new()
                    } else {
                        format!(" (`{first}` and `{account}` are both {id})")
                    };
                    diagnostics.push(duplicate(
                        format!(
                            "the portfolio is shared with account {id} twice{same}; there is one share per account"
                        ),
                        &account.span,
                        &first.span,
                    ));
                } else {
                    shared.insert(id.clone(), account);
                    share_with.push(id);
                }
            }
            Err(errors) => diagnostics.extend(errors),
        }
    }
    let mut tag_options: IndexMap<String, Vec<String>> = IndexMap::new();
    for (key, values) in &spec.tag_options {
        if key.is_empty() || key.chars().count() > 128 {
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("TagOption key `{key}` must have 1 to 128 characters"),
                )
                .at(&key.span),
            );
        }
        if values.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("TagOption `{key}` has no values"),
                )
                .at(&key.span)
                .help("list the values people may choose, e.g. `[analytics, research]`"),
            );
        }
        let mut seen: IndexMap<&str, &Span> = IndexMap::new();
        for value in values {
            if value.is_empty() || value.chars().count() > 256 {
                diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("TagOption value `{value}` must have 1 to 256 characters"),
                    )
                    .at(&value.span),
                );
            }
            if let Some(first) = seen.insert(value.as_str(), &value.span) {
                diagnostics.push(duplicate(
                    format!("TagOption `{key}` lists the value `{value}` twice"),
                    &value.span,
                    first,
                ));
            }
        }
        tag_options.insert(
            key.value.clone(),
            values.iter().map(|value| value.value.clone()).collect(),
        );
    }
    let launch_role = spec
        .launch_role
        .as_ref()
        .and_then(|role| launch_role(doc, role, diagnostics));
    let mut products: IndexMap<&str, &Span> = IndexMap::new();
    for product in &spec.products {
        if let Err(errors) = check_kebab_case(&product.name, "product name") {
            diagnostics.extend(errors);
        }
        if let Some(first) = products.insert(product.name.as_str(), &product.name.span) {
            diagnostics.push(duplicate(
                format!("the portfolio has two products named `{}`", product.name),
                &product.name.span,
                first,
            ));
        }
        check_versions(doc, product, diagnostics);
    }
    env?;
    Some(PortfolioProps {
        name: doc.name.value.clone(),
        display_name: spec
            .display_name
            .clone()
            .unwrap_or_else(|| doc.name.value.clone()),
        provider: spec.provider.clone(),
        description: spec.description.clone(),
        principals,
        share_with,
        tag_options,
        launch_role,
    })
}

/// The launch role's properties, every problem of its statements reported.
fn launch_role(
    doc: &Document<PortfolioSpec>,
    spec: &LaunchRoleSpec,
    diagnostics: &mut Diagnostics,
) -> Option<LaunchRoleProps> {
    let name = match &spec.name {
        Some(name) => {
            if let Err(message) = check_role_name(name) {
                diagnostics.push(Diagnostic::error(codes::INVALID_VALUE, message).at(&name.span));
            }
            name.value.clone()
        }
        None => format!("cfsynth-{}-launch", doc.name),
    };
    let mut statements = Vec::new();
    let mut valid = true;
    for located in &spec.statements {
        let statement = &located.value;
        if statement.actions.is_empty() || statement.resources.is_empty() {
            valid = false;
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    "a launch role statement needs actions and resources",
                )
                .at(&located.span)
                .help("e.g. `{ actions: [s3:CreateBucket], resources: [\"arn:${AWS::Partition}:s3:::analytics-*\"] }`"),
            );
        }
        for action in &statement.actions {
            if is_every_action(action) {
                valid = false;
                let what = match action.strip_suffix(":*") {
                    Some(service) => format!("every `{service}` action"),
                    None => "every action of every service".to_owned(),
                };
                diagnostics.push(
                    Diagnostic::error(
                        codes::INSECURE_POLICY,
                        format!("the launch role may not allow `{action}` ({what})"),
                    )
                    .at(&action.span)
                    .note("whoever may launch a product acts with the launch role's permissions")
                    .help("list the actions the products' templates need, e.g. `s3:CreateBucket`, or a narrower pattern such as `s3:PutBucket*`"),
                );
            } else if !is_action(action) {
                valid = false;
                diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("`{action}` is not an IAM action"),
                    )
                    .at(&action.span)
                    .expected("`service:Action`, e.g. `s3:CreateBucket`, or a pattern such as `s3:PutBucket*`"),
                );
            }
        }
        let mut built = Statement::allow(statement.actions.iter().map(|action| action.as_str()))
            .on(statement
                .resources
                .iter()
                .map(|resource| arn_value(resource)));
        built.conditions = statement.conditions.clone();
        statements.push(built);
    }
    valid.then_some(LaunchRoleProps {
        name,
        statements,
        description: spec.description.clone(),
    })
}

/// `service:Name` where the name may hold `*` and `?`.
fn is_action(action: &str) -> bool {
    action.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
    })
}

/// Checks a product's versions: unique names, exactly one template source each, and
/// readable template files.
fn check_versions(
    doc: &Document<PortfolioSpec>,
    product: &PortfolioProductSpec,
    diagnostics: &mut Diagnostics,
) {
    if product.versions.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                format!("the product `{}` has no versions", product.name),
            )
            .at(&product.name.span)
            .help("add `versions: [{ name: v1, template: products/….yaml }]`"),
        );
    }
    let mut names: IndexMap<&str, &Span> = IndexMap::new();
    for version in &product.versions {
        let name = &version.name;
        if name.is_empty() || name.contains(char::is_whitespace) {
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("version name `{name}` is empty or has spaces"),
                )
                .at(&name.span)
                .expected("a name without spaces, e.g. `v1` or `2024-06`"),
            );
        }
        if let Some(first) = names.insert(name.as_str(), &name.span) {
            diagnostics.push(duplicate(
                format!(
                    "the product `{}` has two versions named `{name}`",
                    product.name
                ),
                &name.span,
                first,
            ));
        }
        match (&version.template, &version.stack) {
            (Some(template), None) => {
                diagnostics.extend(template_problem(&template_path(doc, template), template));
            }
            (None, Some(_)) => {}
            (Some(_), Some(_)) | (None, None) => diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!(
                        "version `{name}` needs exactly one of `template` (a file) and `stack` (resources cfsynth synthesizes)"
                    ),
                )
                .at(&name.span),
            ),
        }
    }
}

/// A template file's path: relative to the manifest that names it.
fn template_path(doc: &Document<PortfolioSpec>, template: &Located<String>) -> PathBuf {
    let written = Path::new(template.as_str());
    if written.is_absolute() {
        return written.to_path_buf();
    }
    match Path::new(doc.name.span.file.as_ref()).parent() {
        Some(folder) => folder.join(written),
        None => written.to_path_buf(),
    }
}

/// Reads a template file and checks that it is one YAML or JSON document with
/// `Resources`: the problem, if there is one.
fn template_problem(path: &Path, written: &Located<String>) -> Option<Diagnostic> {
    let fail = |reason: String| {
        Some(
            Diagnostic::error(
                codes::INVALID_VALUE,
                format!("cannot use the template `{}`: {reason}", path.display()),
            )
            .at(&written.span)
            .help(
                "give the path of a CloudFormation template (JSON or YAML), relative to this manifest",
            ),
        )
    };
    let content = match std::fs::read(path) {
        Ok(content) => content,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return fail("it does not exist".to_owned());
        }
        Err(error) => return fail(error.to_string()),
    };
    let Ok(text) = String::from_utf8(content) else {
        return fail("it is not UTF-8 text".to_owned());
    };
    let file: Arc<str> = Arc::from(path.display().to_string());
    let (documents, errors) = crate::manifest::yaml::parse_stream(&file, &text);
    if let Some(error) = errors.iter().next() {
        return fail(format!("it is not YAML or JSON ({})", error.message));
    }
    match documents.as_slice() {
        [template]
            if matches!(
                template.get("Resources").map(|node| &node.value),
                Some(Value::Mapping(_))
            ) =>
        {
            None
        }
        [_] => fail("it has no `Resources` section".to_owned()),
        _ => fail("a template is one YAML or JSON document".to_owned()),
    }
}

/// Builds one product: its versions' templates (files read, stacks synthesized), then
/// the product. `None` when it has errors (reported).
fn build_product(
    doc: &Document<PortfolioSpec>,
    cx: &mut BuildContext<'_>,
    root: &Scope,
    env: &Environment,
    spec: &PortfolioProductSpec,
    diagnostics: &mut Diagnostics,
) -> Option<Product> {
    let mut versions = Vec::with_capacity(spec.versions.len());
    for version in &spec.versions {
        let template = match (&version.template, &version.stack) {
            (Some(file), _) => ProductTemplate::File(template_path(doc, file)),
            (None, Some(stack)) => {
                let name = Located::new(
                    format!("{}-{}-{}", doc.name, spec.name, version.name),
                    version.name.span.clone(),
                );
                let (body, found) = cx.synth_detached(
                    &name,
                    env.clone(),
                    product_template(stack),
                    &stack.resources,
                );
                diagnostics.extend(found);
                ProductTemplate::Synthesized {
                    name: name.value,
                    body: body?,
                }
            }
            (None, None) => return None,
        };
        versions.push(ProductVersion {
            name: version.name.value.clone(),
            description: version.description.clone(),
            template,
        });
    }
    let support = spec
        .support
        .as_ref()
        .map_or_else(ProductSupport::default, |support| ProductSupport {
            description: support.description.clone(),
            email: support.email.clone(),
            url: support.url.clone(),
        });
    let props = ProductProps {
        name: spec.name.value.clone(),
        owner: spec.owner.clone(),
        distributor: spec.distributor.clone(),
        description: spec.description.clone(),
        support,
        versions,
    };
    let scope = root.child(&spec.name);
    let origin = Origin::at(&spec.name.span);
    match cx.construct(&scope, origin, |app| Product::new(app, &scope, props)) {
        Ok(product) => Some(product),
        Err(error) => {
            diagnostics.push(construct_error(&error, &spec.name.span));
            None
        }
    }
}

/// The template an inline product stack starts from: its description, parameters and
/// outputs.
fn product_template(spec: &ProductStackSpec) -> Template {
    let mut template = Template::new();
    template.description = spec.description.clone();
    for (name, parameter) in &spec.parameters {
        let parameter_type = match parameter.parameter_type.as_deref() {
            None | Some("String") => ParameterType::String,
            Some("Number") => ParameterType::Number,
            Some("CommaDelimitedList") => ParameterType::CommaDelimitedList,
            Some("List<Number>") => ParameterType::NumberList,
            Some(other) => ParameterType::Aws(other.to_owned()),
        };
        let mut built = Parameter::new(parameter_type);
        built.description = parameter.description.clone();
        built.default = parameter.default.clone();
        built.allowed_values = parameter.allowed_values.clone();
        template.parameters.insert(name.clone(), built);
    }
    for (name, output) in &spec.outputs {
        let value = match &output.value {
            Json::String(text) => Val::Lit(text.clone()),
            node => Val::Expr(crate::template::Expr::from_node(node.clone())),
        };
        let mut built = Output::new(value);
        built.description = output.description.clone();
        template.outputs.insert(name.clone(), built);
    }
    template
}

/// A written ARN (or other string) for a template: `Fn::Sub` when it names pseudo
/// parameters (`${AWS::Partition}`).
pub(super) fn arn_value(text: &str) -> Val<String> {
    if text.contains("${") {
        Val::Expr(sub(text))
    } else {
        Val::Lit(text.to_owned())
    }
}

/// The error for a value given twice, at the second with a note of the first.
pub(super) fn duplicate(message: String, span: &Span, first: &Span) -> Diagnostic {
    Diagnostic::error(codes::DUPLICATE_VALUE, message)
        .at(span)
        .note(format!("the first is at {first}"))
}

/// A construct's error at `span`, without the construct path.
pub(super) fn construct_error(error: &ConstructError, span: &Span) -> Diagnostic {
    let message = match error {
        ConstructError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    Diagnostic::error(codes::INVALID_VALUE, message).at(span)
}
