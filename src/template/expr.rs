//! Typed values and CloudFormation intrinsic functions.
//!
//! Every property of type `T` in cfsynth is a [`Val<T>`]: either a literal `T` or an
//! [`Expr<T>`], an intrinsic function whose result CloudFormation computes at deploy time.
//! The type parameter is checked by the compiler: `Fn::Join` yields a string, `Fn::Split`
//! and `Fn::GetAZs` yield lists, conditions yield booleans, so a list expression cannot be
//! passed where a string is expected.

use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};
use serde_json::{Value as Json, json};

/// A CloudFormation list whose items are literals or expressions.
pub type List<T> = Vec<Val<T>>;

/// An intrinsic function (or pseudo parameter reference) that evaluates to a `T`.
///
/// Internally an expression is the JSON tree CloudFormation expects (long form, e.g.
/// `{"Fn::Join": [...]}`); the type parameter only records what it evaluates to.
pub struct Expr<T> {
    node: Json,
    _evaluates_to: PhantomData<fn() -> T>,
}

impl<T> Expr<T> {
    /// An expression from raw CloudFormation JSON, unchecked by the compiler: for
    /// intrinsics without a typed constructor (e.g. `Fn::Length`) and for the synthesizer's
    /// own reference tokens. The template validator still checks what it can.
    pub fn from_node(node: Json) -> Self {
        Expr {
            node,
            _evaluates_to: PhantomData,
        }
    }

    /// The CloudFormation JSON of this expression.
    pub fn node(&self) -> &Json {
        &self.node
    }

    /// Consumes the expression, returning its CloudFormation JSON.
    pub fn into_node(self) -> Json {
        self.node
    }

    /// Reinterprets the result type. Use only where CloudFormation converts the value
    /// itself, e.g. a `Ref` to a `Number` parameter used as an integer property.
    pub fn cast<U>(self) -> Expr<U> {
        Expr::from_node(self.node)
    }
}

impl<T> Clone for Expr<T> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<T> PartialEq for Expr<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T> fmt::Debug for Expr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({})", self.node)
    }
}

impl<T> Serialize for Expr<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.node.serialize(serializer)
    }
}

/// A value of type `T`: a literal, or an expression evaluated by CloudFormation.
#[derive(Clone, PartialEq, Debug)]
pub enum Val<T> {
    /// A value known at synthesis time.
    Lit(T),
    /// A value computed by CloudFormation at deploy time.
    Expr(Expr<T>),
}

impl<T: Serialize> Serialize for Val<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Lit(value) => value.serialize(serializer),
            Val::Expr(expr) => expr.serialize(serializer),
        }
    }
}

impl<T> From<T> for Val<T> {
    fn from(value: T) -> Self {
        Val::Lit(value)
    }
}

impl<T> From<Expr<T>> for Val<T> {
    fn from(expr: Expr<T>) -> Self {
        Val::Expr(expr)
    }
}

impl From<&str> for Val<String> {
    fn from(value: &str) -> Self {
        Val::Lit(value.to_owned())
    }
}

impl From<&String> for Val<String> {
    fn from(value: &String) -> Self {
        Val::Lit(value.clone())
    }
}

impl Val<String> {
    /// The CloudFormation JSON of this value: a string, or the expression's tree.
    pub fn to_json(&self) -> Json {
        match self {
            Val::Lit(value) => Json::String(value.clone()),
            Val::Expr(expr) => expr.node.clone(),
        }
    }

    /// The CloudFormation JSON of this value, without copying it.
    pub fn into_json(self) -> Json {
        match self {
            Val::Lit(value) => Json::String(value),
            Val::Expr(expr) => expr.node,
        }
    }

    /// A literal list of strings.
    pub fn list<I, S>(items: I) -> Val<List<String>>
    where
        I: IntoIterator<Item = S>,
        S: Into<Val<String>>,
    {
        Val::Lit(items.into_iter().map(Into::into).collect())
    }
}

impl<T> Val<T> {
    /// The literal, if this value is known at synthesis time.
    pub fn as_lit(&self) -> Option<&T> {
        match self {
            Val::Lit(value) => Some(value),
            Val::Expr(_) => None,
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Json {
    // Serializing the model's own types cannot fail: they contain only strings, numbers,
    // booleans, sequences and maps with string keys.
    serde_json::to_value(value).unwrap_or(Json::Null)
}

/// `{"Ref": logical_id}` to a resource or parameter; the type is what the target returns.
pub fn ref_<T>(logical_id: impl Into<String>) -> Expr<T> {
    Expr::from_node(json!({ "Ref": logical_id.into() }))
}

/// `{"Fn::GetAtt": [logical_id, attribute]}`. The validator checks that the resource
/// type really exposes `attribute`.
pub fn get_att<T>(logical_id: impl Into<String>, attribute: impl Into<String>) -> Expr<T> {
    Expr::from_node(json!({ "Fn::GetAtt": [logical_id.into(), attribute.into()] }))
}

/// `{"Fn::Sub": template}`: `${Name}` and `${Resource.Attribute}` are resolved by
/// CloudFormation; `${!Literal}` escapes.
pub fn sub(template: impl Into<String>) -> Expr<String> {
    Expr::from_node(json!({ "Fn::Sub": template.into() }))
}

/// `{"Fn::Sub": [template, {name: value, …}]}`: the map form with local variables.
pub fn sub_with<I, K>(template: impl Into<String>, variables: I) -> Expr<String>
where
    I: IntoIterator<Item = (K, Val<String>)>,
    K: Into<String>,
{
    let variables: IndexMap<String, Val<String>> = variables
        .into_iter()
        .map(|(name, value)| (name.into(), value))
        .collect();
    Expr::from_node(json!({ "Fn::Sub": [template.into(), to_json(&variables)] }))
}

/// `{"Fn::Join": [delimiter, values]}`.
pub fn join(delimiter: impl Into<String>, values: impl Into<Val<List<String>>>) -> Expr<String> {
    let values: Val<List<String>> = values.into();
    Expr::from_node(json!({ "Fn::Join": [delimiter.into(), to_json(&values)] }))
}

/// `{"Fn::Select": [index, list]}`.
pub fn select<T: Serialize>(index: impl Into<Val<u32>>, list: impl Into<Val<List<T>>>) -> Expr<T> {
    let index: Val<u32> = index.into();
    let list: Val<List<T>> = list.into();
    Expr::from_node(json!({ "Fn::Select": [to_json(&index), to_json(&list)] }))
}

/// `{"Fn::Split": [delimiter, source]}`.
pub fn split(delimiter: impl Into<String>, source: impl Into<Val<String>>) -> Expr<List<String>> {
    let source: Val<String> = source.into();
    Expr::from_node(json!({ "Fn::Split": [delimiter.into(), to_json(&source)] }))
}

/// `{"Fn::If": [condition, if_true, if_false]}`; `condition` names a template condition.
pub fn if_<T: Serialize>(
    condition: impl Into<String>,
    if_true: impl Into<Val<T>>,
    if_false: impl Into<Val<T>>,
) -> Expr<T> {
    let (if_true, if_false): (Val<T>, Val<T>) = (if_true.into(), if_false.into());
    Expr::from_node(json!({
        "Fn::If": [condition.into(), to_json(&if_true), to_json(&if_false)]
    }))
}

/// `{"Fn::Equals": [left, right]}`.
pub fn equals(left: impl Into<Val<String>>, right: impl Into<Val<String>>) -> Expr<bool> {
    let (left, right): (Val<String>, Val<String>) = (left.into(), right.into());
    Expr::from_node(json!({ "Fn::Equals": [to_json(&left), to_json(&right)] }))
}

/// `{"Fn::And": [...]}`; CloudFormation accepts 2 to 10 conditions (checked by the validator).
pub fn and(conditions: impl IntoIterator<Item = Expr<bool>>) -> Expr<bool> {
    let nodes: Vec<Json> = conditions.into_iter().map(Expr::into_node).collect();
    Expr::from_node(json!({ "Fn::And": nodes }))
}

/// `{"Fn::Or": [...]}`; CloudFormation accepts 2 to 10 conditions (checked by the validator).
pub fn or(conditions: impl IntoIterator<Item = Expr<bool>>) -> Expr<bool> {
    let nodes: Vec<Json> = conditions.into_iter().map(Expr::into_node).collect();
    Expr::from_node(json!({ "Fn::Or": nodes }))
}

/// `{"Fn::Not": [condition]}`.
pub fn not(condition: Expr<bool>) -> Expr<bool> {
    Expr::from_node(json!({ "Fn::Not": [condition.into_node()] }))
}

/// `{"Condition": name}`: a reference to another template condition, for use inside
/// `Fn::And`, `Fn::Or` and `Fn::Not`.
pub fn condition(name: impl Into<String>) -> Expr<bool> {
    Expr::from_node(json!({ "Condition": name.into() }))
}

/// `{"Fn::ImportValue": export_name}`: a value exported by another stack of the same
/// account and region.
pub fn import_value(export_name: impl Into<Val<String>>) -> Expr<String> {
    let export_name: Val<String> = export_name.into();
    Expr::from_node(json!({ "Fn::ImportValue": to_json(&export_name) }))
}

/// `{"Fn::FindInMap": [map, top_level_key, second_level_key]}`.
pub fn find_in_map<T>(
    map: impl Into<String>,
    top_level_key: impl Into<Val<String>>,
    second_level_key: impl Into<Val<String>>,
) -> Expr<T> {
    let (top, second): (Val<String>, Val<String>) = (top_level_key.into(), second_level_key.into());
    Expr::from_node(json!({
        "Fn::FindInMap": [map.into(), to_json(&top), to_json(&second)]
    }))
}

/// `{"Fn::GetAZs": region}`; an empty region means the stack's region.
pub fn get_azs(region: impl Into<Val<String>>) -> Expr<List<String>> {
    let region: Val<String> = region.into();
    Expr::from_node(json!({ "Fn::GetAZs": to_json(&region) }))
}

/// `{"Fn::Base64": value}`.
pub fn base64(value: impl Into<Val<String>>) -> Expr<String> {
    let value: Val<String> = value.into();
    Expr::from_node(json!({ "Fn::Base64": to_json(&value) }))
}

/// `{"Fn::Cidr": [ip_block, count, cidr_bits]}`.
pub fn cidr(
    ip_block: impl Into<Val<String>>,
    count: impl Into<Val<u32>>,
    cidr_bits: impl Into<Val<u32>>,
) -> Expr<List<String>> {
    let ip_block: Val<String> = ip_block.into();
    let (count, cidr_bits): (Val<u32>, Val<u32>) = (count.into(), cidr_bits.into());
    Expr::from_node(json!({
        "Fn::Cidr": [to_json(&ip_block), to_json(&count), to_json(&cidr_bits)]
    }))
}

/// The pseudo parameters CloudFormation defines in every stack.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Pseudo {
    /// `AWS::AccountId`
    AccountId,
    /// `AWS::Region`
    Region,
    /// `AWS::Partition` (`aws`, `aws-cn`, `aws-us-gov`, …)
    Partition,
    /// `AWS::URLSuffix` (`amazonaws.com`, `amazonaws.com.cn`, …)
    UrlSuffix,
    /// `AWS::StackName`
    StackName,
    /// `AWS::StackId`
    StackId,
    /// `AWS::NotificationARNs` (a list)
    NotificationArns,
    /// `AWS::NoValue`: removes the property it is assigned to.
    NoValue,
}

impl Pseudo {
    /// Every pseudo parameter.
    pub const ALL: [Pseudo; 8] = [
        Pseudo::AccountId,
        Pseudo::Region,
        Pseudo::Partition,
        Pseudo::UrlSuffix,
        Pseudo::StackName,
        Pseudo::StackId,
        Pseudo::NotificationArns,
        Pseudo::NoValue,
    ];

    /// The name used in `Ref` and `Fn::Sub`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Region => "AWS::Region",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
        }
    }

    /// The pseudo parameter with this name, if any.
    pub fn from_name(name: &str) -> Option<Pseudo> {
        Pseudo::ALL.into_iter().find(|pseudo| pseudo.name() == name)
    }
}

/// The pseudo parameters as typed expressions.
pub mod aws {
    use super::{Expr, List, Pseudo, ref_};

    /// `{"Ref": "AWS::AccountId"}`
    pub fn account_id() -> Expr<String> {
        ref_(Pseudo::AccountId.name())
    }
    /// `{"Ref": "AWS::Region"}`
    pub fn region() -> Expr<String> {
        ref_(Pseudo::Region.name())
    }
    /// `{"Ref": "AWS::Partition"}`
    pub fn partition() -> Expr<String> {
        ref_(Pseudo::Partition.name())
    }
    /// `{"Ref": "AWS::URLSuffix"}`
    pub fn url_suffix() -> Expr<String> {
        ref_(Pseudo::UrlSuffix.name())
    }
    /// `{"Ref": "AWS::StackName"}`
    pub fn stack_name() -> Expr<String> {
        ref_(Pseudo::StackName.name())
    }
    /// `{"Ref": "AWS::StackId"}`
    pub fn stack_id() -> Expr<String> {
        ref_(Pseudo::StackId.name())
    }
    /// `{"Ref": "AWS::NotificationARNs"}`
    pub fn notification_arns() -> Expr<List<String>> {
        ref_(Pseudo::NotificationArns.name())
    }
    /// `{"Ref": "AWS::NoValue"}`: removes the property, whatever its type.
    pub fn no_value<T>() -> Expr<T> {
        ref_(Pseudo::NoValue.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node<T>(expr: Expr<T>) -> Json {
        expr.into_node()
    }

    #[test]
    fn ref_and_get_att() {
        assert_eq!(node(ref_::<String>("Bucket")), json!({"Ref": "Bucket"}));
        assert_eq!(
            node(get_att::<String>("Bucket", "Arn")),
            json!({"Fn::GetAtt": ["Bucket", "Arn"]})
        );
    }

    #[test]
    fn sub_string_and_map_forms() {
        assert_eq!(
            node(sub("arn:${AWS::Partition}:s3:::${Bucket}")),
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}"})
        );
        assert_eq!(
            node(sub_with(
                "${Name}-logs",
                [("Name", Val::from(ref_::<String>("P")))]
            )),
            json!({"Fn::Sub": ["${Name}-logs", {"Name": {"Ref": "P"}}]})
        );
    }

    #[test]
    fn join_of_literals_and_expressions() {
        let parts = Val::list(["arn:", "x"]);
        assert_eq!(
            node(join("", parts)),
            json!({"Fn::Join": ["", ["arn:", "x"]]})
        );
        let mixed: List<String> = vec!["a".into(), aws::region().into()];
        assert_eq!(
            node(join("-", mixed)),
            json!({"Fn::Join": ["-", ["a", {"Ref": "AWS::Region"}]]})
        );
        assert_eq!(
            node(join(",", get_azs(""))),
            json!({"Fn::Join": [",", {"Fn::GetAZs": ""}]})
        );
    }

    #[test]
    fn select_split_get_azs_cidr() {
        assert_eq!(
            node(select(1u32, split(",", "a,b"))),
            json!({"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]})
        );
        assert_eq!(
            node(select(0u32, get_azs(aws::region()))),
            json!({"Fn::Select": [0, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]})
        );
        assert_eq!(
            node(cidr("10.0.0.0/16", 4u32, 8u32)),
            json!({"Fn::Cidr": ["10.0.0.0/16", 4, 8]})
        );
    }

    #[test]
    fn conditions() {
        let is_prod = equals(ref_::<String>("Stage"), "prod");
        assert_eq!(
            node(is_prod.clone()),
            json!({"Fn::Equals": [{"Ref": "Stage"}, "prod"]})
        );
        assert_eq!(
            node(and([is_prod.clone(), condition("HasVpc")])),
            json!({"Fn::And": [{"Fn::Equals": [{"Ref": "Stage"}, "prod"]}, {"Condition": "HasVpc"}]})
        );
        assert_eq!(
            node(or([condition("A"), condition("B")])),
            json!({"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]})
        );
        assert_eq!(
            node(not(condition("A"))),
            json!({"Fn::Not": [{"Condition": "A"}]})
        );
        assert_eq!(
            node(if_::<String>("IsProd", "big", aws::no_value())),
            json!({"Fn::If": ["IsProd", "big", {"Ref": "AWS::NoValue"}]})
        );
    }

    #[test]
    fn import_find_in_map_base64() {
        assert_eq!(
            node(import_value("shared-vpc-id")),
            json!({"Fn::ImportValue": "shared-vpc-id"})
        );
        assert_eq!(
            node(import_value(sub("${Env}-vpc"))),
            json!({"Fn::ImportValue": {"Fn::Sub": "${Env}-vpc"}})
        );
        assert_eq!(
            node(find_in_map::<String>("Regions", aws::region(), "Ami")),
            json!({"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Ami"]})
        );
        assert_eq!(
            node(base64("#!/bin/sh")),
            json!({"Fn::Base64": "#!/bin/sh"})
        );
    }

    #[test]
    fn pseudo_parameters() {
        for pseudo in Pseudo::ALL {
            assert_eq!(Pseudo::from_name(pseudo.name()), Some(pseudo));
        }
        assert_eq!(Pseudo::from_name("AWS::Nope"), None);
        assert_eq!(node(aws::account_id()), json!({"Ref": "AWS::AccountId"}));
        assert_eq!(node(aws::partition()), json!({"Ref": "AWS::Partition"}));
        assert_eq!(node(aws::url_suffix()), json!({"Ref": "AWS::URLSuffix"}));
        assert_eq!(node(aws::stack_name()), json!({"Ref": "AWS::StackName"}));
        assert_eq!(node(aws::stack_id()), json!({"Ref": "AWS::StackId"}));
        assert_eq!(
            node(aws::notification_arns()),
            json!({"Ref": "AWS::NotificationARNs"})
        );
    }

    #[test]
    fn a_val_serializes_as_its_literal_or_its_expression() {
        let literal: Val<i64> = 5.into();
        let expression: Val<i64> = ref_::<i64>("Size").into();
        assert_eq!(serde_json::to_value(&literal).unwrap(), json!(5));
        assert_eq!(
            serde_json::to_value(&expression).unwrap(),
            json!({"Ref": "Size"})
        );
    }
}
