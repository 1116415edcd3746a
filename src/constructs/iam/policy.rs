//! Typed IAM policy documents.

use indexmap::IndexMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value as Json};

use crate::template::{Val, sub};

/// `Allow` or `Deny`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Serialize)]
pub enum Effect {
    /// Grants the actions.
    Allow,
    /// Denies the actions, whatever else allows them.
    Deny,
}

/// Who a statement applies to, in a resource or trust policy.
#[derive(Clone, PartialEq, Debug)]
pub enum Principal {
    /// An AWS service, e.g. `codebuild.amazonaws.com`.
    Service(String),
    /// An account (its root principal: any identity the account allows).
    Account(Val<String>),
    /// An IAM role, user or account by ARN.
    Arn(Val<String>),
    /// A federated identity provider.
    Federated(String),
    /// Anyone (`"*"`). Only with conditions that narrow it down.
    Anyone,
}

impl Principal {
    /// A service principal.
    pub fn service(name: impl Into<String>) -> Principal {
        Principal::Service(name.into())
    }

    /// An account's root principal, by 12-digit id.
    pub fn account(id: impl Into<String>) -> Principal {
        Principal::Account(Val::Lit(id.into()))
    }

    /// A principal by ARN (e.g. a role's `Arn` attribute).
    pub fn arn(arn: impl Into<Val<String>>) -> Principal {
        Principal::Arn(arn.into())
    }

    fn kind(&self) -> &'static str {
        match self {
            Principal::Service(_) => "Service",
            Principal::Account(_) | Principal::Arn(_) => "AWS",
            Principal::Federated(_) => "Federated",
            Principal::Anyone => "*",
        }
    }

    fn into_value(self) -> Json {
        match self {
            Principal::Service(name) | Principal::Federated(name) => Json::String(name),
            Principal::Account(Val::Lit(id)) => account_root_arn(&id).into_node(),
            Principal::Account(Val::Expr(id)) => crate::template::sub_with(
                "arn:${AWS::Partition}:iam::${Account}:root",
                [("Account", Val::Expr(id))],
            )
            .into_node(),
            Principal::Arn(arn) => arn.into_json(),
            Principal::Anyone => Json::String("*".into()),
        }
    }
}

/// `arn:${AWS::Partition}:iam::<account>:root`, partition-neutral.
pub fn account_root_arn(account: &str) -> crate::template::Expr<String> {
    sub(format!("arn:${{AWS::Partition}}:iam::{account}:root"))
}

/// One statement of a policy document.
#[derive(Clone, PartialEq, Debug)]
pub struct Statement {
    /// `Sid`: a readable statement id.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` (resource and trust policies only).
    pub principals: Vec<Principal>,
    /// `Action`.
    pub actions: Vec<String>,
    /// `Resource` (identity and resource policies; not trust policies).
    pub resources: Vec<Val<String>>,
    /// `Condition`: operator → key → value(s).
    pub conditions: IndexMap<String, IndexMap<String, Json>>,
}

impl Statement {
    /// An `Allow` statement of these actions.
    pub fn allow<I, S>(actions: I) -> Statement
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principals: Vec::new(),
            actions: actions.into_iter().map(Into::into).collect(),
            resources: Vec::new(),
            conditions: IndexMap::new(),
        }
    }

    /// A `Deny` statement of these actions.
    pub fn deny<I, S>(actions: I) -> Statement
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Statement {
            effect: Effect::Deny,
            ..Statement::allow(actions)
        }
    }

    /// Sets the statement id.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Adds resources.
    pub fn on<I, R>(mut self, resources: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Val<String>>,
    {
        self.resources.extend(resources.into_iter().map(Into::into));
        self
    }

    /// Adds a principal.
    pub fn to(mut self, principal: Principal) -> Self {
        self.principals.push(principal);
        self
    }

    /// Adds a condition, e.g. `("StringEquals", "iam:PassedToService", json!("codebuild.amazonaws.com"))`.
    pub fn when(mut self, operator: &str, key: &str, value: impl Into<Json>) -> Self {
        self.conditions
            .entry(operator.to_owned())
            .or_default()
            .insert(key.to_owned(), value.into());
        self
    }
}

impl Statement {
    /// The statement as policy JSON, in the usual key order (`Sid`, `Effect`, `Principal`,
    /// `Action`, `Resource`, `Condition`).
    pub fn to_json(&self) -> Json {
        self.clone().into_json()
    }

    /// The statement as policy JSON, moving its strings rather than copying them.
    pub fn into_json(self) -> Json {
        let mut map = Map::with_capacity(6);
        if let Some(sid) = self.sid {
            map.insert("Sid".into(), Json::String(sid));
        }
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        map.insert("Effect".into(), Json::from(effect));
        if !self.principals.is_empty() {
            let principal = if self.principals == [Principal::Anyone] {
                Json::from("*")
            } else {
                let mut by_kind: IndexMap<&str, Vec<Json>> = IndexMap::new();
                for principal in self.principals {
                    by_kind
                        .entry(principal.kind())
                        .or_default()
                        .push(principal.into_value());
                }
                Json::Object(
                    by_kind
                        .into_iter()
                        .map(|(kind, values)| (kind.to_owned(), one_or_many(values)))
                        .collect(),
                )
            };
            map.insert("Principal".into(), principal);
        }
        let actions = self.actions.into_iter().map(Json::String).collect();
        map.insert("Action".into(), one_or_many(actions));
        if !self.resources.is_empty() {
            let resources = self.resources.into_iter().map(Val::into_json).collect();
            map.insert("Resource".into(), one_or_many(resources));
        }
        if !self.conditions.is_empty() {
            let conditions = self
                .conditions
                .into_iter()
                .map(|(operator, keys)| (operator, Json::Object(keys.into_iter().collect())))
                .collect();
            map.insert("Condition".into(), Json::Object(conditions));
        }
        Json::Object(map)
    }
}

/// A single value when there is one, else a list — the form people write.
fn one_or_many(mut items: Vec<Json>) -> Json {
    match items.len() {
        1 => items.pop().unwrap_or(Json::Null),
        _ => Json::Array(items),
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// An IAM policy document (version `2012-10-17`).
#[derive(Clone, PartialEq, Debug, Default)]
pub struct PolicyDocument {
    statements: Vec<Json>,
}

impl PolicyDocument {
    /// An empty document.
    pub fn new() -> PolicyDocument {
        PolicyDocument::default()
    }

    /// A document of these statements.
    pub fn of(statements: impl IntoIterator<Item = Statement>) -> PolicyDocument {
        let mut document = PolicyDocument::new();
        for statement in statements {
            document.add(statement);
        }
        document
    }

    /// Adds a statement (see [`merge_statement`]).
    pub fn add(&mut self, statement: Statement) {
        merge_statement(&mut self.statements, statement);
    }

    /// Whether the document has no statements.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Json {
        self.clone().into_json()
    }

    /// The document as JSON, without copying its statements.
    pub fn into_json(self) -> Json {
        // Built directly: through `json!`, the statements were copied by serializing them.
        let mut map = Map::with_capacity(2);
        map.insert("Version".into(), Json::from("2012-10-17"));
        map.insert("Statement".into(), Json::Array(self.statements));
        Json::Object(map)
    }
}

/// Adds a statement to a policy document already in a template (e.g. a key policy or a
/// role's default policy). A document that has no `Statement` list gets one.
pub fn add_statement(document: &mut Json, statement: Statement) {
    let Json::Object(map) = document else {
        *document = PolicyDocument::of([statement]).into_json();
        return;
    };
    map.entry("Version")
        .or_insert_with(|| Json::from("2012-10-17"));
    let statements = map
        .entry("Statement")
        .or_insert_with(|| Json::Array(Vec::new()));
    if let Json::Array(statements) = statements {
        merge_statement(statements, statement);
    }
}

/// Adds `statement` to `statements`: skipped if already there, merged into an existing
/// statement without `Sid` that differs only in its actions (so grants stay compact),
/// else appended.
pub fn merge_statement(statements: &mut Vec<Json>, statement: Statement) {
    let new = statement.into_json();
    if statements.contains(&new) {
        return;
    }
    let same_target = match new.as_object() {
        Some(new_map) if !new_map.contains_key("Sid") => statements.iter_mut().find(|existing| {
            existing
                .as_object()
                .is_some_and(|map| same_but_actions(map, new_map))
        }),
        _ => None,
    };
    match same_target {
        Some(existing) => {
            let mut actions: Vec<Json> = match existing.get("Action") {
                Some(Json::Array(actions)) => actions.clone(),
                Some(single) => vec![single.clone()],
                None => Vec::new(),
            };
            let added: &[Json] = match new.get("Action") {
                Some(Json::Array(added)) => added,
                Some(single) => std::slice::from_ref(single),
                None => &[],
            };
            for action in added {
                if !actions.contains(action) {
                    actions.push(action.clone());
                }
            }
            existing["Action"] = match actions.as_slice() {
                [single] => single.clone(),
                _ => Json::Array(actions),
            };
        }
        None => statements.push(new),
    }
}

/// Whether two statements without `Sid` differ at most in their `Action`.
fn same_but_actions(existing: &Map<String, Json>, new: &Map<String, Json>) -> bool {
    let keys = |map: &Map<String, Json>| map.keys().filter(|key| *key != "Action").count();
    !existing.contains_key("Sid")
        && keys(existing) == keys(new)
        && new
            .iter()
            .filter(|(key, _)| *key != "Action")
            .all(|(key, value)| existing.get(key) == Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::ref_;
    use serde_json::json;

    #[test]
    fn statements_serialize_in_the_usual_shape() {
        let statement = Statement::allow(["s3:GetObject"])
            .on(["arn:aws:s3:::b/*"])
            .to(Principal::account("222222222222"))
            .when("Bool", "aws:SecureTransport", json!("true"));
        assert_eq!(
            serde_json::to_value(&statement).unwrap(),
            json!({
                "Effect": "Allow",
                "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:root"}},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}}
            })
        );
    }

    #[test]
    fn documents_merge_statements_on_the_same_resources() {
        let mut document = PolicyDocument::new();
        document.add(Statement::allow(["s3:GetObject"]).on(["a"]));
        document.add(Statement::allow(["s3:PutObject", "s3:GetObject"]).on(["a"]));
        document.add(Statement::allow(["kms:Decrypt"]).on(["k"]));
        assert_eq!(
            document.to_json(),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "a"},
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "k"}
            ]})
        );
    }

    #[test]
    fn principals_group_by_kind() {
        let statement = Statement::allow(["sts:AssumeRole"])
            .to(Principal::service("codebuild.amazonaws.com"))
            .to(Principal::service("codepipeline.amazonaws.com"))
            .to(Principal::arn("arn:aws:iam::1:role/x"));
        assert_eq!(
            serde_json::to_value(&statement).unwrap()["Principal"],
            json!({"Service": ["codebuild.amazonaws.com", "codepipeline.amazonaws.com"], "AWS": "arn:aws:iam::1:role/x"})
        );
    }

    #[test]
    fn statements_in_another_key_order_are_still_found_and_merged() {
        let reordered =
            json!({"Resource": {"Ref": "B"}, "Action": "s3:GetObject", "Effect": "Allow"});
        let mut statements = vec![reordered];
        merge_statement(
            &mut statements,
            Statement::allow(["s3:GetObject"]).on([ref_::<String>("B")]),
        );
        assert_eq!(statements.len(), 1, "{statements:?}");
        let existing =
            json!({"Action": "s3:PutObject", "Resource": {"Ref": "B"}, "Effect": "Allow"});
        let mut statements = vec![existing];
        merge_statement(
            &mut statements,
            Statement::allow(["s3:GetObject"]).on([ref_::<String>("B")]),
        );
        assert_eq!(
            statements,
            [
                json!({"Action": ["s3:PutObject", "s3:GetObject"], "Resource": {"Ref": "B"}, "Effect": "Allow"})
            ]
        );
    }
}
