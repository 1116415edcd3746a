//! Service Catalog portfolios: principals, shares, TagOptions, products and their
//! constraints.

use indexmap::{IndexMap, IndexSet};

use super::launch_role::{LaunchRole, LaunchRoleProps};
use super::principal::PortfolioPrincipal;
use super::product::Product;
use crate::app::{App, ResourceHandle, StackId, StackRole};
use crate::constructs::{ConstructError, Scope};
use crate::l1::service_catalog::{
    launch_role_constraint::LaunchRoleConstraint, portfolio,
    portfolio_principal_association::PortfolioPrincipalAssociation,
    portfolio_product_association::PortfolioProductAssociation, portfolio_share::PortfolioShare,
    resource_update_constraint::ResourceUpdateConstraint, tag_option::TagOption,
    tag_option_association::TagOptionAssociation,
};
use crate::template::{Expr, Resource, Val};

/// The most name patterns (`IAM_PATTERN` principals) a portfolio can have.
pub const MAX_PATTERN_PRINCIPALS: usize = 10;
/// The most characters of a TagOption key.
const MAX_TAG_OPTION_KEY: usize = 128;
/// The most characters of a TagOption value.
const MAX_TAG_OPTION_VALUE: usize = 256;

/// Whether the people who launch a product may change the tags of what they launched
/// (a resource update constraint).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TagUpdates {
    /// `ALLOWED`
    Allowed,
    /// `NOT_ALLOWED`
    NotAllowed,
}

impl TagUpdates {
    fn value(self) -> &'static str {
        match self {
            TagUpdates::Allowed => "ALLOWED",
            TagUpdates::NotAllowed => "NOT_ALLOWED",
        }
    }
}

/// Properties of a [`Portfolio`].
#[derive(Clone, PartialEq, Debug)]
pub struct PortfolioProps {
    /// A kebab-case name: the launch role stacks in shared accounts are
    /// `<name>-launch-role`.
    pub name: String,
    /// The name people see.
    pub display_name: String,
    /// Who provides it, e.g. a team.
    pub provider: String,
    /// What it offers.
    pub description: Option<String>,
    /// Who may launch its products: full ARNs (`IAM`) and account-less name patterns
    /// (`IAM_PATTERN`, at most [`MAX_PATTERN_PRINCIPALS`]). Service Catalog matches
    /// patterns in recipient accounts for shares with principal sharing, which only
    /// organization shares have; with the account shares CloudFormation makes, the
    /// recipient's administrator associates principals to the imported portfolio.
    pub principals: Vec<PortfolioPrincipal>,
    /// 12-digit ids of the accounts it is shared with: one share per account.
    pub share_with: Vec<String>,
    /// TagOptions (key → allowed values), associated with the portfolio and shared with
    /// it. TagOptions are unique per account and region: two portfolios of one account
    /// cannot both declare the same key and value.
    pub tag_options: IndexMap<String, Vec<String>>,
    /// The launch role, named in a launch constraint of every product: created here and
    /// in every account the portfolio is shared with (same name, same permissions).
    pub launch_role: Option<LaunchRoleProps>,
}

/// How a product is offered in a portfolio.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ProductOptions {
    /// A resource update constraint on tag changes, when set.
    pub tag_updates: Option<TagUpdates>,
}

/// A Service Catalog portfolio (`<Scope>Portfolio`) with its principal associations,
/// one share per account, TagOptions, and a launch role (by name, so the launch constraint
/// works in every shared account). Add products with [`Portfolio::add_product`].
#[derive(Clone, PartialEq, Debug)]
pub struct Portfolio {
    handle: ResourceHandle,
    scope: Scope,
    launch_role: Option<LaunchRoleInfo>,
    launch_role_stacks: Vec<StackId>,
}

/// The hub account's launch role, for the constraints' dependencies.
#[derive(Clone, PartialEq, Debug)]
struct LaunchRoleInfo {
    name: String,
    depends_on: Vec<String>,
}

impl Portfolio {
    /// Creates the portfolio in `scope`, and the launch role stacks of the shared
    /// accounts. Returns every problem found.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: PortfolioProps,
    ) -> Result<Portfolio, Vec<ConstructError>> {
        let errors = check(app, scope, &props);
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut resource =
            portfolio::Portfolio::new(props.display_name.clone(), props.provider.clone());
        resource.description = props.description.clone().map(Val::Lit);
        let handle = scope.add(app, "Portfolio", &resource);
        let id: Expr<String> = handle.ref_();
        for principal in &props.principals {
            let mut association = PortfolioPrincipalAssociation::new(principal.principal_type());
            association.portfolio_id = Some(Val::Expr(id.clone()));
            association.principal_arn = Some(principal.arn());
            let words = principal.id_words();
            let suffix = format!("Principal-{}", words.join("-"));
            scope.add(app, &suffix, &association);
        }
        for account in &props.share_with {
            let mut share = PortfolioShare::new(account.clone(), id.clone());
            if !props.tag_options.is_empty() {
                share.share_tag_options = Some(Val::Lit(true));
            }
            scope.add(app, &format!("Share{account}"), &share);
        }
        for (key, values) in &props.tag_options {
            for value in values {
                let suffix = format!("TagOption-{key}-{value}");
                let option = scope.add(app, &suffix, &TagOption::new(key.clone(), value.clone()));
                let association = TagOptionAssociation {
                    resource_id: Some(Val::Expr(id.clone())),
                    tag_option_id: Some(Val::Expr(option.ref_())),
                };
                scope.add(app, &format!("{suffix}-Association"), &association);
            }
        }
        let mut launch_role = None;
        let mut launch_role_stacks = Vec::new();
        if let Some(role_props) = props.launch_role {
            let role = LaunchRole::new(app, &scope.child("launch"), role_props.clone())
                .map_err(|error| vec![error])?;
            let mut depends_on = vec![role.role().handle().logical_id().to_owned()];
            depends_on.extend(role.role().default_policy_id(app));
            launch_role = Some(LaunchRoleInfo {
                name: role.name().to_owned(),
                depends_on,
            });
            let region = app.env(scope.stack).region().to_owned();
            for account in &props.share_with {
                let env = crate::app::Environment::new(account.clone(), region.clone()).map_err(
                    |error| vec![ConstructError::invalid(&scope.path, error.to_string())],
                )?;
                let stack = app.add_stack(
                    format!("{}-launch-role", props.name),
                    env,
                    StackRole::Bootstrap,
                );
                app.stack_mut(stack).template.description = Some(format!(
                    "Service Catalog launch role `{}` for the portfolio `{}` shared from {}",
                    role_props.name,
                    props.name,
                    app.env(scope.stack).account()
                ));
                LaunchRole::new(app, &Scope::root(stack).child("launch"), role_props.clone())
                    .map_err(|error| vec![error])?;
                launch_role_stacks.push(stack);
            }
        }
        Ok(Portfolio {
            handle,
            scope: scope.clone(),
            launch_role,
            launch_role_stacks,
        })
    }

    /// The portfolio id.
    pub fn id(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The portfolio resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }

    /// The stacks holding the launch role in the shared accounts.
    pub fn launch_role_stacks(&self) -> &[StackId] {
        &self.launch_role_stacks
    }

    /// Offers `product` in the portfolio (`<Scope><Product>Association`), with a launch
    /// constraint naming the launch role (`<Scope><Product>LaunchConstraint`) when the
    /// portfolio has one, and a resource update constraint when `options` asks for one.
    pub fn add_product(&self, app: &mut App, product: &Product, options: ProductOptions) {
        let scope = self.scope.child(product.name());
        let association = PortfolioProductAssociation {
            portfolio_id: Some(Val::Expr(self.id())),
            product_id: Some(Val::Expr(product.id())),
            ..PortfolioProductAssociation::default()
        };
        let association = scope.add(app, "Association", &association);
        if let Some(role) = &self.launch_role {
            let mut constraint = LaunchRoleConstraint::new(self.id(), product.id());
            constraint.local_role_name = Some(Val::Lit(role.name.clone()));
            constraint.description = Some(Val::Lit(format!(
                "Launch as the role `{}` of the account the product is launched in",
                role.name
            )));
            let mut resource =
                Resource::new(&constraint).depends_on(association.logical_id().to_owned());
            resource.depends_on.extend(role.depends_on.iter().cloned());
            scope.add_resource(app, "LaunchConstraint", resource);
        }
        if let Some(updates) = options.tag_updates {
            let constraint =
                ResourceUpdateConstraint::new(self.id(), product.id(), updates.value());
            let resource =
                Resource::new(&constraint).depends_on(association.logical_id().to_owned());
            scope.add_resource(app, "UpdateConstraint", resource);
        }
    }
}

/// Every problem with the properties.
fn check(app: &App, scope: &Scope, props: &PortfolioProps) -> Vec<ConstructError> {
    let mut errors = Vec::new();
    let mut invalid = |message: String| errors.push(ConstructError::invalid(&scope.path, message));
    let own = app.env(scope.stack).account();
    let mut accounts: IndexSet<&str> = IndexSet::new();
    for account in &props.share_with {
        if account == own {
            invalid(format!(
                "the portfolio is in account {own}; it is shared with other accounts only"
            ));
        } else if !accounts.insert(account) {
            invalid(format!(
                "the portfolio is shared with account {account} twice; one share per account"
            ));
        }
    }
    let patterns = props
        .principals
        .iter()
        .filter(|principal| principal.is_pattern())
        .count();
    if patterns > MAX_PATTERN_PRINCIPALS {
        invalid(format!(
            "the portfolio has {patterns} principal name patterns; Service Catalog allows {MAX_PATTERN_PRINCIPALS}"
        ));
    }
    let mut principals: IndexSet<&str> = IndexSet::new();
    for principal in &props.principals {
        if !principals.insert(principal.as_str()) {
            invalid(format!(
                "the principal `{}` is associated twice",
                principal.as_str()
            ));
        }
    }
    for (key, values) in &props.tag_options {
        if key.is_empty() || key.chars().count() > MAX_TAG_OPTION_KEY {
            invalid(format!(
                "TagOption key `{key}` must have 1 to {MAX_TAG_OPTION_KEY} characters"
            ));
        }
        if values.is_empty() {
            invalid(format!("TagOption key `{key}` has no values"));
        }
        let mut seen: IndexSet<&str> = IndexSet::new();
        for value in values {
            if value.is_empty() || value.chars().count() > MAX_TAG_OPTION_VALUE {
                invalid(format!(
                    "TagOption value `{value}` of `{key}` must have 1 to {MAX_TAG_OPTION_VALUE} characters"
                ));
            }
            if !seen.insert(value) {
                invalid(format!("TagOption `{key}` lists the value `{value}` twice"));
            }
        }
    }
    errors
}
