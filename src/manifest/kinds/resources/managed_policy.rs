//! The `iam/managed-policy` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::policy::{StatementSpec, statements};
use super::role::IamRole;
use super::{check_length, scope_of};
use crate::constructs::iam::{ManagedPolicy, PolicyDocument, Role};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::{BuildContext, EntryRef, Located, ResourceEntry, ResourceKind};

/// The longest managed policy description IAM accepts.
const MAX_DESCRIPTION_LEN: usize = 1000;

/// A customer-managed IAM policy, attached to roles of the stack. Logical ID
/// `<Name>ManagedPolicy`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ManagedPolicySpec {
    /// The policy's name in the stack, kebab-case: its logical ID is the PascalCase of it
    /// and `ManagedPolicy` (`read-releases` → `ReadReleasesManagedPolicy`).
    pub name: Located<String>,
    /// What the policy is for.
    #[serde(default)]
    pub description: Option<Located<String>>,
    /// What the policy allows or denies.
    pub statements: Vec<Located<StatementSpec>>,
    /// The `iam/role` entries of the stack (by `name`) to attach it to.
    #[serde(default)]
    pub roles: Vec<Located<String>>,
}

/// The `iam/managed-policy` resource entry.
pub struct IamManagedPolicy;

impl ResourceKind for IamManagedPolicy {
    type Spec = ManagedPolicySpec;
    const KEY: &'static str = "iam/managed-policy";

    fn name(spec: &ManagedPolicySpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &ManagedPolicySpec) -> Vec<EntryRef<'_>> {
        spec.roles
            .iter()
            .map(|role| EntryRef::new(IamRole::KEY, role))
            .collect()
    }

    fn build(
        &self,
        entry: &ResourceEntry<ManagedPolicySpec>,
        cx: &mut BuildContext<'_>,
    ) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        if spec.statements.is_empty() {
            diagnostics.push(
                Diagnostic::error(codes::INVALID_VALUE, "the policy has no statements")
                    .at(&spec.name.span)
                    .help("add `statements: [{ actions: […], resources: […] }]`"),
            );
        }
        check_length(
            spec.description.as_ref(),
            "description",
            MAX_DESCRIPTION_LEN,
            &mut diagnostics,
        );
        let statements = match statements(&spec.statements) {
            Ok(statements) => statements,
            Err(errors) => {
                diagnostics.extend(errors);
                Vec::new()
            }
        };
        let mut roles: Vec<Role> = Vec::with_capacity(spec.roles.len());
        for reference in Self::references(spec) {
            match cx.resolve::<Role>(entry.stack, &reference) {
                Ok(role) => roles.push(role),
                Err(errors) => diagnostics.extend(errors),
            }
        }
        if !diagnostics.is_empty() || roles.len() != spec.roles.len() {
            return diagnostics;
        }
        let document = PolicyDocument::of(statements);
        let description = spec.description.as_ref().map(|text| text.value.clone());
        cx.construct(&scope, origin, |app| {
            let roles: Vec<&Role> = roles.iter().collect();
            ManagedPolicy::new(app, &scope, &document, &roles, description)
        });
        diagnostics
    }
}
