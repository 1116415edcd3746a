//! Manifests: YAML documents in, an [`App`](crate::app::App) of stacks out.
//!
//! [`Manifests::load`] reads files and directories (every `*.yaml`/`*.yml`, sorted; several
//! documents per file). Every document has a `kind` and a kebab-case `name`, and usually an
//! `env: { account, region }` where the account may be an alias of a `kind: Accounts`
//! document. A [`Registry`] maps each `kind` to a [`Blueprint`] with a typed document
//! ([`serde`] + [`schemars`], unknown fields rejected with a suggestion) that builds
//! constructs; a team crate registers its own kinds and [`ResourceKind`]s next to the
//! built-in ones:
//!
//! ```
//! use cfsynth::manifest::{Manifests, Registry};
//!
//! let mut manifests = Manifests::new();
//! manifests.add(
//!     "queues.yaml",
//!     r#"
//! kind: Stack
//! name: orders
//! env: { account: "111111111111", region: eu-west-1 }
//! resources:
//!   - cfn: { type: AWS::SQS::Queue }
//! "#,
//! );
//! let assembly = Registry::builtin().synth(&manifests).expect("valid manifests");
//! assert_eq!(assembly.stacks[0].name, "orders");
//! ```
//!
//! Every problem becomes a [`Diagnostic`](crate::diagnostics::Diagnostic) with the file,
//! line and column of the value at fault, and a run reports all of them: every file and
//! document is read, and within a document, the first structural error (wrong type,
//! unknown or missing field) plus every semantic one (bad account, unknown region or
//! alias, duplicate names, synthesis errors traced back to their resource).

mod blueprint;
mod de;
pub(crate) mod document;
mod env;
pub mod kinds;
mod load;
mod located;
mod node;
mod origins;
mod registry;
mod schema;
mod yaml;

pub use blueprint::{
    Blueprint, BuildContext, EntryRef, EnvPolicy, ResourceEntry, ResourceKind, StackResource,
};
pub use document::{Document, check_kebab_case, is_kebab_case};
pub use env::{Account, AccountBook, EnvSpec, is_account_id};
pub use load::Manifests;
pub use located::Located;
pub use node::{Node, Step, Value};
pub use origins::Origin;
pub use registry::{Build, Registry};
