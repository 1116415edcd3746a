//! Service Catalog: portfolios of CloudFormation products, offered to IAM principals of
//! the portfolio's account and of the accounts it is shared with.
//!
//! A [`Portfolio`] has its principal associations (full ARNs, or account-less name
//! patterns such as `arn:${AWS::Partition}:iam:::role/data-engineer*`, for principals that
//! exist under one name in several accounts), one share per account, TagOptions, and
//! optionally a [`LaunchRole`]:
//! every product gets a launch constraint naming the role by name (`LocalRoleName`), and
//! the role is created in the portfolio's account and, in a stack of its own
//! (`<portfolio>-launch-role`), in every shared account, so launching works there too.
//!
//! A [`Product`]'s versions are CloudFormation templates: files, or templates cfsynth
//! synthesizes from constructs ([`ProductTemplate::from_app`]). Each is an asset of the
//! portfolio stack (see [`crate::app::Asset`]) in the asset bucket of its environment
//! (the bootstrap stack [`ASSETS_STACK`]), under a content-hashed key.
//!
//! ```
//! use cfsynth::app::{App, Environment, StackRole};
//! use cfsynth::constructs::Scope;
//! use cfsynth::constructs::iam::Statement;
//! use cfsynth::constructs::servicecatalog::{
//!     LaunchRoleProps, Portfolio, PortfolioPrincipal, PortfolioProps, Product, ProductOptions,
//!     ProductProps, ProductSupport, ProductTemplate, ProductVersion,
//! };
//! use cfsynth::template::Resource;
//!
//! let hub = Environment::new("111111111111", "us-east-1").unwrap();
//! let mut app = App::new();
//! let stack = app.add_stack("analytics-portfolio", hub.clone(), StackRole::Application);
//! let portfolio = Portfolio::new(&mut app, &Scope::root(stack), PortfolioProps {
//!     name: "analytics".into(),
//!     display_name: "Analytics".into(),
//!     provider: "Data platform".into(),
//!     description: None,
//!     principals: vec![PortfolioPrincipal::parse("arn:${AWS::Partition}:iam:::role/analyst*").unwrap()],
//!     share_with: vec!["222222222222".into()],
//!     tag_options: Default::default(),
//!     launch_role: Some(LaunchRoleProps {
//!         name: "analytics-launch".into(),
//!         statements: vec![Statement::allow(["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes"])
//!             .on(["arn:${AWS::Partition}:sqs:*:*:SC-*"])],
//!         description: None,
//!     }),
//! }).unwrap();
//!
//! // A product template built from constructs, in an app of its own.
//! let mut template = App::new();
//! let queue = template.add_stack("work-queue", hub, StackRole::Application);
//! template.add_resource(queue, "queue", "Queue", Resource::raw("AWS::SQS::Queue", Default::default()));
//! let product = Product::new(&mut app, &Scope::root(stack).child("work-queue"), ProductProps {
//!     name: "work-queue".into(),
//!     owner: "Data platform".into(),
//!     distributor: None,
//!     description: None,
//!     support: ProductSupport::default(),
//!     versions: vec![ProductVersion {
//!         name: "v1".into(),
//!         description: None,
//!         template: ProductTemplate::from_app(template).unwrap(),
//!     }],
//! }).unwrap();
//! portfolio.add_product(&mut app, &product, ProductOptions::default());
//!
//! let assembly = app.synth().unwrap();
//! assert_eq!(assembly.assets.len(), 1);
//! assert!(assembly.stacks.iter().any(|stack| stack.name == "analytics-launch-role"));
//! ```

mod assets;
mod launch_role;
mod portfolio;
mod principal;
mod product;

pub use assets::{ASSETS_STACK, asset_bucket_name, asset_stack};
pub use launch_role::{
    LaunchRole, LaunchRoleProps, SERVICE_CATALOG, check_role_name, is_every_action,
    provisioning_statements,
};
pub use portfolio::{
    MAX_PATTERN_PRINCIPALS, Portfolio, PortfolioProps, ProductOptions, TagUpdates,
};
pub use principal::{IamIdentity, PortfolioPrincipal};
pub use product::{Product, ProductProps, ProductSupport, ProductTemplate, ProductVersion};
