//! EventBridge rules.

use serde_json::Value as Json;

use crate::app::{App, ResourceHandle};
use crate::constructs::{ConstructError, Scope};
use crate::l1::events::rule;
use crate::template::{Expr, Val};

/// The most targets EventBridge allows on one rule.
pub const MAX_TARGETS: usize = 5;

/// Where a rule sends matching events.
#[derive(Clone, PartialEq, Debug)]
pub struct Target {
    /// The target's id, unique within the rule (1 to 64 letters, digits, `.`, `-`, `_`).
    pub id: String,
    /// The target's ARN (a topic, a pipeline, a function, …).
    pub arn: Val<String>,
    /// The role EventBridge assumes to call the target, for targets that need one (e.g.
    /// starting a pipeline); resource-policy targets such as SNS topics need none.
    pub role_arn: Option<Val<String>>,
    /// A fixed JSON text sent instead of the matched event.
    pub input: Option<String>,
}

impl Target {
    /// A target with no role and the matched event as input.
    pub fn new(id: impl Into<String>, arn: impl Into<Val<String>>) -> Target {
        Target {
            id: id.into(),
            arn: arn.into(),
            role_arn: None,
            input: None,
        }
    }

    fn to_l1(&self) -> rule::Target {
        rule::Target {
            role_arn: self.role_arn.clone(),
            input: self.input.clone().map(Val::Lit),
            ..rule::Target::new(self.arn.clone(), self.id.as_str())
        }
    }
}

/// Properties of a [`Rule`]: exactly one of `event_pattern` and `schedule`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct RuleProps {
    /// What the rule is for.
    pub description: Option<String>,
    /// The event pattern to match; `Null` (the default) or `{}` for none.
    pub event_pattern: Json,
    /// A schedule expression, e.g. `rate(1 day)` or `cron(0 6 * * ? *)`.
    pub schedule: Option<String>,
    /// Where matching events go (at most [`MAX_TARGETS`]).
    pub targets: Vec<Target>,
}

/// An EventBridge rule on the default event bus, enabled.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Rule {
    handle: ResourceHandle,
}

impl Rule {
    /// Creates a rule with the logical ID `<Scope>Rule`, after checking that it has
    /// exactly one trigger and valid, uniquely named targets.
    pub fn new(app: &mut App, scope: &Scope, props: RuleProps) -> Result<Rule, ConstructError> {
        let construct = construct_name(scope);
        let has_pattern = match &props.event_pattern {
            Json::Null => false,
            Json::Object(map) => !map.is_empty(),
            _ => true,
        };
        match (has_pattern, props.schedule.is_some()) {
            (true, true) => {
                return Err(ConstructError::RuleTrigger {
                    construct,
                    found: "both were given".into(),
                });
            }
            (false, false) => {
                return Err(ConstructError::RuleTrigger {
                    construct,
                    found: "neither was given".into(),
                });
            }
            _ => {}
        }
        if props.targets.len() > MAX_TARGETS {
            return Err(ConstructError::TooManyTargets {
                construct,
                count: props.targets.len(),
                max: MAX_TARGETS,
            });
        }
        for (index, target) in props.targets.iter().enumerate() {
            let valid = (1..=64).contains(&target.id.len())
                && target
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
            if !valid {
                return Err(ConstructError::invalid(
                    construct,
                    format!(
                        "event rule target id `{}` must be 1 to 64 letters, digits, `.`, `-` or `_`",
                        target.id
                    ),
                ));
            }
            if props.targets[..index]
                .iter()
                .any(|other| other.id == target.id)
            {
                return Err(ConstructError::DuplicateTargetId {
                    construct,
                    id: target.id.clone(),
                });
            }
        }
        let resource = rule::Rule {
            description: props.description.map(Val::Lit),
            event_pattern: has_pattern.then_some(props.event_pattern),
            schedule_expression: props.schedule.map(Val::Lit),
            state: Some(Val::Lit(rule::State::Enabled)),
            targets: (!props.targets.is_empty()).then(|| {
                Val::Lit(
                    props
                        .targets
                        .iter()
                        .map(|target| Val::Lit(target.to_l1()))
                        .collect(),
                )
            }),
            ..rule::Rule::default()
        };
        Ok(Rule {
            handle: scope.add(app, "Rule", &resource),
        })
    }

    /// The rule's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.handle.get_att("Arn")
    }

    /// The rule's name.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The rule resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}

/// The construct path errors name: the scope's path, or the logical ID at a stack's root.
fn construct_name(scope: &Scope) -> String {
    if scope.path.is_empty() {
        scope.logical_id("Rule")
    } else {
        scope.path.clone()
    }
}
