//! Validation before emit: references, attributes, cycles, logical IDs and limits.

use std::fmt;

use indexmap::{IndexMap, IndexSet};
use serde_json::{Map, Value as Json};

use super::expr::Pseudo;
use super::model::Template;

/// Resources in one template.
pub const MAX_RESOURCES: usize = 500;
/// Parameters in one template.
pub const MAX_PARAMETERS: usize = 200;
/// Outputs in one template.
pub const MAX_OUTPUTS: usize = 200;
/// Mappings in one template.
pub const MAX_MAPPINGS: usize = 200;
/// Bytes of a template body passed inline (`TemplateBody`).
pub const MAX_BODY_DIRECT: usize = 51_200;
/// Bytes of a template body uploaded to S3 (`TemplateURL`).
pub const MAX_BODY_S3: usize = 1_000_000;

/// How a template body reaches CloudFormation, which decides its size limit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Upload {
    /// Inline in the API call: at most 51,200 bytes.
    Direct,
    /// Through an S3 object: at most 1,000,000 bytes.
    S3,
}

impl Upload {
    /// The size limit in bytes.
    pub fn limit(self) -> usize {
        match self {
            Upload::Direct => MAX_BODY_DIRECT,
            Upload::S3 => MAX_BODY_S3,
        }
    }
}

impl fmt::Display for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Upload::Direct => "a direct upload",
            Upload::S3 => "an upload through S3",
        })
    }
}

/// Where in a template something is: the section, the logical ID and the path below it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Location(String);

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A place being walked, as a chain of borrowed steps: building one costs no allocation;
/// only a [`Location`] for an error is rendered.
enum Path<'a> {
    Root(&'a str, &'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    fn root(section: &'a str, logical_id: &'a str) -> Path<'a> {
        Path::Root(section, logical_id)
    }

    fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }

    fn to_location(&self) -> Location {
        let mut text = String::new();
        self.render(&mut text);
        Location(text)
    }

    fn render(&self, text: &mut String) {
        match self {
            Path::Root(section, id) => {
                text.push_str(section);
                text.push('.');
                text.push_str(id);
            }
            Path::Key(parent, key) => {
                parent.render(text);
                text.push('.');
                text.push_str(key);
            }
            Path::Index(parent, index) => {
                parent.render(text);
                text.push_str(&format!("[{index}]"));
            }
        }
    }
}

/// One problem found in a template.
#[derive(Clone, PartialEq, Debug, thiserror::Error)]
pub enum TemplateError {
    /// A `Ref` (or `${Name}` in `Fn::Sub`) to something the template does not define.
    #[error(
        "{at}: `Ref` to `{target}`, which is not a {expected} of this template{}",
        did_you_mean(.suggestion)
    )]
    UnknownRef {
        /// Where the reference is.
        at: Location,
        /// The missing name.
        target: String,
        /// What may be referenced there.
        expected: &'static str,
        /// A close existing name.
        suggestion: Option<String>,
    },
    /// A `Fn::GetAtt` on a resource the template does not define.
    #[error(
        "{at}: `Fn::GetAtt` on `{target}`, which is not a resource of this template{}",
        did_you_mean(.suggestion)
    )]
    UnknownGetAttResource {
        /// Where the reference is.
        at: Location,
        /// The missing logical ID.
        target: String,
        /// A close existing logical ID.
        suggestion: Option<String>,
    },
    /// A `Fn::GetAtt` of an attribute the resource type does not have.
    #[error(
        "{at}: `{type_name}` has no attribute `{attribute}` (resource `{resource}`); it has: {}",
        .known.join(", ")
    )]
    UnknownAttribute {
        /// Where the reference is.
        at: Location,
        /// The resource's logical ID.
        resource: String,
        /// The resource's type.
        type_name: String,
        /// The attribute asked for.
        attribute: String,
        /// The attributes the type has.
        known: Vec<&'static str>,
    },
    /// A `DependsOn` entry naming no resource.
    #[error(
        "{at}: `DependsOn` names `{target}`, which is not a resource of this template{}",
        did_you_mean(.suggestion)
    )]
    UnknownDependsOn {
        /// Where the entry is.
        at: Location,
        /// The missing logical ID.
        target: String,
        /// A close existing logical ID.
        suggestion: Option<String>,
    },
    /// A `Condition` attribute or `Fn::If`/`Condition` reference to an undefined condition.
    #[error(
        "{at}: condition `{condition}` is not defined in `Conditions`{}",
        did_you_mean(.suggestion)
    )]
    UnknownCondition {
        /// Where the reference is.
        at: Location,
        /// The missing condition name.
        condition: String,
        /// A close existing condition name.
        suggestion: Option<String>,
    },
    /// A `Fn::FindInMap` on a mapping or key that does not exist.
    #[error("{at}: `Fn::FindInMap` looks up `{path}`, which `Mappings` does not define")]
    UnknownMapping {
        /// Where the lookup is.
        at: Location,
        /// The mapping (and keys) looked up.
        path: String,
    },
    /// An intrinsic function with the wrong shape of arguments.
    #[error("{at}: `{function}` expects {expected}")]
    MalformedIntrinsic {
        /// Where the function is.
        at: Location,
        /// The function name.
        function: String,
        /// What its arguments must look like.
        expected: &'static str,
    },
    /// Resources that depend on each other in a circle.
    #[error("dependency cycle between resources: {}", .cycle.join(" → "))]
    DependencyCycle {
        /// The logical IDs on the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A logical ID CloudFormation rejects.
    #[error("{section}.{id}: logical IDs must be 1 to 255 ASCII letters and digits")]
    InvalidLogicalId {
        /// The section it is in.
        section: &'static str,
        /// The invalid ID.
        id: String,
    },
    /// Too many entries in a section.
    #[error("{section}: {actual} entries, CloudFormation allows {limit} ({} over)", .actual - .limit)]
    LimitExceeded {
        /// The section.
        section: &'static str,
        /// The limit.
        limit: usize,
        /// The count.
        actual: usize,
    },
    /// A template body over the size limit.
    #[error("the template body is {bytes} bytes; {upload} allows {} ({} over)", .upload.limit(), .bytes - .upload.limit())]
    BodyTooLarge {
        /// The body size in bytes.
        bytes: usize,
        /// How it would be uploaded.
        upload: Upload,
    },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => String::new(),
    }
}

/// Every problem found in a template, in template order.
#[derive(Clone, PartialEq, Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct TemplateErrors(pub Vec<TemplateError>);

impl From<TemplateError> for TemplateErrors {
    fn from(error: TemplateError) -> Self {
        TemplateErrors(vec![error])
    }
}

/// Checks a rendered body against the size limit of an upload method.
pub fn check_body_size(body: &str, upload: Upload) -> Result<(), TemplateError> {
    if body.len() > upload.limit() {
        return Err(TemplateError::BodyTooLarge {
            bytes: body.len(),
            upload,
        });
    }
    Ok(())
}

/// The closest of `candidates` to `name`, if any is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lowered = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let distance = edit_distance(&lowered, &candidate.to_ascii_lowercase());
            (distance, candidate)
        })
        .filter(|(distance, candidate)| *distance <= (candidate.len().max(name.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.to_owned())
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// adjacent characters each cost 1 (so `tset` is one edit from `test`).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

fn is_valid_logical_id(id: &str) -> bool {
    (1..=255).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Template {
    /// Checks references, attributes, dependency cycles, logical IDs and section limits.
    /// Returns every problem found, not only the first.
    pub fn validate(&self) -> Result<(), TemplateErrors> {
        let mut checker = Checker {
            template: self,
            errors: Vec::new(),
            edges: IndexMap::new(),
        };
        checker.check_sections();
        checker.check_conditions();
        checker.check_resources();
        checker.check_outputs();
        checker.check_cycles();
        if checker.errors.is_empty() {
            Ok(())
        } else {
            Err(TemplateErrors(checker.errors))
        }
    }
}

/// What a `Ref` may name in the part of the template being checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Resources, parameters and pseudo parameters.
    Everything,
    /// Conditions see only parameters and pseudo parameters.
    ParametersOnly,
}

struct Checker<'a> {
    template: &'a Template,
    errors: Vec<TemplateError>,
    /// Resource → resources it depends on, for the cycle check.
    edges: IndexMap<String, IndexSet<String>>,
}

impl Checker<'_> {
    fn check_sections(&mut self) {
        let template = self.template;
        let sections: [(&'static str, Vec<&String>, usize); 5] = [
            (
                "Parameters",
                template.parameters.keys().collect(),
                MAX_PARAMETERS,
            ),
            ("Mappings", template.mappings.keys().collect(), MAX_MAPPINGS),
            (
                "Conditions",
                template.conditions.keys().collect(),
                usize::MAX,
            ),
            (
                "Resources",
                template.resources.keys().collect(),
                MAX_RESOURCES,
            ),
            ("Outputs", template.outputs.keys().collect(), MAX_OUTPUTS),
        ];
        for (section, ids, limit) in sections {
            for id in &ids {
                if !is_valid_logical_id(id) {
                    self.errors.push(TemplateError::InvalidLogicalId {
                        section,
                        id: (*id).clone(),
                    });
                }
            }
            if ids.len() > limit {
                self.errors.push(TemplateError::LimitExceeded {
                    section,
                    limit,
                    actual: ids.len(),
                });
            }
        }
    }

    fn check_conditions(&mut self) {
        for (name, condition) in &self.template.conditions {
            let at = Path::root("Conditions", name);
            self.walk(condition.node(), &at, Scope::ParametersOnly, None);
        }
    }

    fn check_resources(&mut self) {
        for (id, resource) in &self.template.resources {
            let at = Path::root("Resources", id);
            self.edges.insert(id.clone(), IndexSet::new());
            if let Some(condition) = &resource.condition {
                self.check_condition_name(condition, &at.key("Condition"));
            }
            for (index, target) in resource.depends_on.iter().enumerate() {
                if self.template.resources.contains_key(target) {
                    self.depend(id, target);
                } else {
                    self.errors.push(TemplateError::UnknownDependsOn {
                        at: at.key("DependsOn").index(index).to_location(),
                        target: target.clone(),
                        suggestion: closest(
                            target,
                            self.template.resources.keys().map(String::as_str),
                        ),
                    });
                }
            }
            let properties = at.key("Properties");
            for (key, value) in &resource.properties {
                self.walk(value, &properties.key(key), Scope::Everything, Some(id));
            }
            for (key, value) in [
                ("Metadata", &resource.metadata),
                ("CreationPolicy", &resource.creation_policy),
                ("UpdatePolicy", &resource.update_policy),
            ] {
                if let Some(value) = value {
                    self.walk(value, &at.key(key), Scope::Everything, Some(id));
                }
            }
        }
    }

    fn check_outputs(&mut self) {
        for (name, output) in &self.template.outputs {
            let at = Path::root("Outputs", name);
            if let Some(condition) = &output.condition {
                self.check_condition_name(condition, &at.key("Condition"));
            }
            let value = serde_json::to_value(&output.value).unwrap_or(Json::Null);
            self.walk(&value, &at.key("Value"), Scope::Everything, None);
            if let Some(export) = &output.export {
                let export = serde_json::to_value(export).unwrap_or(Json::Null);
                self.walk(
                    &export,
                    &at.key("Export").key("Name"),
                    Scope::Everything,
                    None,
                );
            }
        }
    }

    fn depend(&mut self, from: &str, to: &str) {
        if let Some(targets) = self.edges.get_mut(from) {
            targets.insert(to.to_owned());
        } else {
            self.edges
                .insert(from.to_owned(), IndexSet::from([to.to_owned()]));
        }
    }

    fn check_condition_name(&mut self, name: &str, at: &Path<'_>) {
        if !self.template.conditions.contains_key(name) {
            self.errors.push(TemplateError::UnknownCondition {
                at: at.to_location(),
                condition: name.to_owned(),
                suggestion: closest(name, self.template.conditions.keys().map(String::as_str)),
            });
        }
    }

    /// Walks a JSON tree, checking every intrinsic function in it. `owner` is the resource
    /// whose dependencies are being collected.
    fn walk(&mut self, value: &Json, at: &Path<'_>, scope: Scope, owner: Option<&str>) {
        match value {
            Json::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.walk(item, &at.index(index), scope, owner);
                }
            }
            Json::Object(map) => {
                if let Some((function, argument)) = single_intrinsic(map) {
                    self.check_intrinsic(function, argument, &at.key(function), scope, owner);
                } else {
                    for (key, item) in map {
                        self.walk(item, &at.key(key), scope, owner);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_intrinsic(
        &mut self,
        function: &str,
        argument: &Json,
        at: &Path<'_>,
        scope: Scope,
        owner: Option<&str>,
    ) {
        match function {
            "Ref" => match argument {
                Json::String(target) => self.check_ref(target, at, scope, owner),
                _ => self.malformed(at, function, "a logical ID or pseudo parameter name"),
            },
            "Fn::GetAtt" => self.check_get_att(argument, at, scope, owner),
            "Fn::Sub" => self.check_sub(argument, at, scope, owner),
            "Fn::If" => match argument.as_array().map(Vec::as_slice) {
                Some([Json::String(condition), if_true, if_false]) => {
                    self.check_condition_name(condition, &at.index(0));
                    self.walk(if_true, &at.index(1), scope, owner);
                    self.walk(if_false, &at.index(2), scope, owner);
                }
                _ => self.malformed(
                    at,
                    function,
                    "[condition name, value if true, value if false]",
                ),
            },
            "Fn::And" | "Fn::Or" => match argument.as_array() {
                Some(conditions) if (2..=10).contains(&conditions.len()) => {
                    self.walk_conditions(conditions, at, scope, owner)
                }
                _ => self.malformed(at, function, "a list of 2 to 10 conditions"),
            },
            "Fn::Not" => match argument.as_array() {
                Some(conditions) if conditions.len() == 1 => {
                    self.walk_conditions(conditions, at, scope, owner)
                }
                _ => self.malformed(at, function, "a list of exactly one condition"),
            },
            "Fn::Equals" => match argument.as_array() {
                Some(values) if values.len() == 2 => self.walk(argument, at, scope, owner),
                _ => self.malformed(at, function, "a list of exactly two values"),
            },
            "Fn::FindInMap" => self.check_find_in_map(argument, at, scope, owner),
            "Fn::Join" => match argument.as_array().map(Vec::as_slice) {
                Some([Json::String(_), values]) => self.walk(values, &at.index(1), scope, owner),
                _ => self.malformed(at, function, "[delimiter, list of values]"),
            },
            "Fn::Select" => match argument.as_array() {
                Some(values) if values.len() == 2 => self.walk(argument, at, scope, owner),
                _ => self.malformed(at, function, "[index, list]"),
            },
            "Fn::Split" => match argument.as_array().map(Vec::as_slice) {
                Some([Json::String(_), source]) => self.walk(source, &at.index(1), scope, owner),
                _ => self.malformed(at, function, "[delimiter, source string]"),
            },
            "Fn::Cidr" => match argument.as_array() {
                Some(values) if values.len() == 3 => self.walk(argument, at, scope, owner),
                _ => self.malformed(at, function, "[ip block, count, cidr bits]"),
            },
            _ => self.walk(argument, at, scope, owner),
        }
    }

    fn walk_conditions(
        &mut self,
        conditions: &[Json],
        at: &Path<'_>,
        scope: Scope,
        owner: Option<&str>,
    ) {
        for (index, condition) in conditions.iter().enumerate() {
            let at = at.index(index);
            // `{"Condition": name}` is a reference only inside condition functions; elsewhere
            // a property may well be called `Condition`.
            match condition
                .as_object()
                .and_then(|map| map.get("Condition").filter(|_| map.len() == 1))
            {
                Some(Json::String(name)) => self.check_condition_name(name, &at.key("Condition")),
                _ => self.walk(condition, &at, scope, owner),
            }
        }
    }

    fn malformed(&mut self, at: &Path<'_>, function: &str, expected: &'static str) {
        self.errors.push(TemplateError::MalformedIntrinsic {
            at: at.to_location(),
            function: function.to_owned(),
            expected,
        });
    }

    fn check_ref(&mut self, target: &str, at: &Path<'_>, scope: Scope, owner: Option<&str>) {
        if Pseudo::from_name(target).is_some() || self.template.parameters.contains_key(target) {
            return;
        }
        if scope == Scope::Everything && self.template.resources.contains_key(target) {
            if let Some(owner) = owner {
                self.depend(owner, target);
            }
            return;
        }
        let (expected, candidates): (&'static str, Vec<&str>) = match scope {
            Scope::Everything => (
                "resource, parameter or pseudo parameter",
                self.template
                    .resources
                    .keys()
                    .chain(self.template.parameters.keys())
                    .map(String::as_str)
                    .chain(Pseudo::ALL.map(Pseudo::name))
                    .collect(),
            ),
            Scope::ParametersOnly => (
                "parameter or pseudo parameter (conditions cannot refer to resources)",
                self.template
                    .parameters
                    .keys()
                    .map(String::as_str)
                    .chain(Pseudo::ALL.map(Pseudo::name))
                    .collect(),
            ),
        };
        self.errors.push(TemplateError::UnknownRef {
            at: at.to_location(),
            target: target.to_owned(),
            expected,
            suggestion: closest(target, candidates),
        });
    }

    fn check_get_att(&mut self, argument: &Json, at: &Path<'_>, scope: Scope, owner: Option<&str>) {
        let (target, attribute) = match argument {
            Json::Array(parts) => match parts.as_slice() {
                [Json::String(target), Json::String(attribute)] => {
                    (target.as_str(), Some(attribute.as_str()))
                }
                [Json::String(target), dynamic @ Json::Object(_)] => {
                    self.walk(dynamic, &at.index(1), scope, owner);
                    (target.as_str(), None)
                }
                _ => return self.malformed(at, "Fn::GetAtt", "[logical ID, attribute name]"),
            },
            Json::String(dotted) => match dotted.split_once('.') {
                Some((target, attribute)) => (target, Some(attribute)),
                None => return self.malformed(at, "Fn::GetAtt", "[logical ID, attribute name]"),
            },
            _ => return self.malformed(at, "Fn::GetAtt", "[logical ID, attribute name]"),
        };
        self.check_attribute(target, attribute, at, scope, owner);
    }

    fn check_attribute(
        &mut self,
        target: &str,
        attribute: Option<&str>,
        at: &Path<'_>,
        scope: Scope,
        owner: Option<&str>,
    ) {
        let resource = match self.template.resources.get(target) {
            Some(resource) if scope == Scope::Everything => resource,
            _ => {
                self.errors.push(TemplateError::UnknownGetAttResource {
                    at: at.to_location(),
                    target: target.to_owned(),
                    suggestion: closest(target, self.template.resources.keys().map(String::as_str)),
                });
                return;
            }
        };
        if let Some(owner) = owner {
            self.depend(owner, target);
        }
        if let (Some(attribute), Some(known)) = (attribute, resource.attributes())
            && !known.contains(&attribute)
        {
            self.errors.push(TemplateError::UnknownAttribute {
                at: at.to_location(),
                resource: target.to_owned(),
                type_name: resource.type_name().to_owned(),
                attribute: attribute.to_owned(),
                known: known.to_vec(),
            });
        }
    }

    fn check_sub(&mut self, argument: &Json, at: &Path<'_>, scope: Scope, owner: Option<&str>) {
        let (text, variables) = match argument {
            Json::String(text) => (text.as_str(), None),
            Json::Array(parts) => match parts.as_slice() {
                [Json::String(text), Json::Object(variables)] => (text.as_str(), Some(variables)),
                _ => {
                    return self.malformed(
                        at,
                        "Fn::Sub",
                        "a string, or [string, map of variables]",
                    );
                }
            },
            _ => return self.malformed(at, "Fn::Sub", "a string, or [string, map of variables]"),
        };
        if let Some(variables) = variables {
            for (name, value) in variables {
                self.walk(value, &at.index(1).key(name), scope, owner);
            }
        }
        for name in sub_variables(text) {
            if variables.is_some_and(|variables| variables.contains_key(name)) {
                continue;
            }
            match name.split_once('.') {
                Some((target, attribute)) if Pseudo::from_name(name).is_none() => {
                    self.check_attribute(target, Some(attribute), &at.index(0), scope, owner)
                }
                _ => self.check_ref(name, &at.index(0), scope, owner),
            }
        }
    }

    fn check_find_in_map(
        &mut self,
        argument: &Json,
        at: &Path<'_>,
        scope: Scope,
        owner: Option<&str>,
    ) {
        let Some([map, top, second]) = argument.as_array().map(Vec::as_slice) else {
            return self.malformed(
                at,
                "Fn::FindInMap",
                "[map name, top-level key, second-level key]",
            );
        };
        self.walk(argument, at, scope, owner);
        let Json::String(map_name) = map else { return };
        let missing = match self.template.mappings.get(map_name) {
            None => Some(map_name.clone()),
            Some(mapping) => match (top, second) {
                (Json::String(top), _) if !mapping.contains_key(top) => {
                    Some(format!("{map_name}.{top}"))
                }
                (Json::String(top), Json::String(second))
                    if !mapping
                        .get(top)
                        .is_some_and(|entries| entries.contains_key(second)) =>
                {
                    Some(format!("{map_name}.{top}.{second}"))
                }
                _ => None,
            },
        };
        if let Some(path) = missing {
            self.errors.push(TemplateError::UnknownMapping {
                at: at.to_location(),
                path,
            });
        }
    }

    fn check_cycles(&mut self) {
        let mut state: IndexMap<&str, Visit> = IndexMap::new();
        let mut stack: Vec<&str> = Vec::new();
        let ids: Vec<&str> = self.edges.keys().map(String::as_str).collect();
        for id in ids {
            if let Some(cycle) = find_cycle(id, &self.edges, &mut state, &mut stack) {
                self.errors.push(TemplateError::DependencyCycle { cycle });
                return;
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    InProgress,
    Done,
}

/// Depth-first search from `id`; returns the first cycle found, as a closed path.
fn find_cycle<'a>(
    id: &'a str,
    edges: &'a IndexMap<String, IndexSet<String>>,
    state: &mut IndexMap<&'a str, Visit>,
    stack: &mut Vec<&'a str>,
) -> Option<Vec<String>> {
    match state.get(id) {
        Some(Visit::Done) => return None,
        Some(Visit::InProgress) => {
            let start = stack.iter().position(|entry| *entry == id).unwrap_or(0);
            let mut cycle: Vec<String> = stack[start..].iter().map(|s| (*s).to_owned()).collect();
            cycle.push(id.to_owned());
            return Some(cycle);
        }
        None => {}
    }
    state.insert(id, Visit::InProgress);
    stack.push(id);
    for next in edges.get(id).into_iter().flatten() {
        if let Some(cycle) = find_cycle(next, edges, state, stack) {
            return Some(cycle);
        }
    }
    stack.pop();
    state.insert(id, Visit::Done);
    None
}

/// The function name and argument of a JSON object that is one intrinsic function call.
fn single_intrinsic(map: &Map<String, Json>) -> Option<(&str, &Json)> {
    if map.len() != 1 {
        return None;
    }
    let (key, value) = map.iter().next()?;
    (key == "Ref" || key.starts_with("Fn::")).then_some((key.as_str(), value))
}

/// The variable names in a `Fn::Sub` string: `${Name}` and `${Id.Attribute}`, but not the
/// escaped `${!Literal}`.
fn sub_variables(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].trim();
        if !name.starts_with('!') && !name.is_empty() {
            names.push(name);
        }
        rest = &after[end + 1..];
    }
    names
}
