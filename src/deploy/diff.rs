//! What a change set will do: the resource changes CloudFormation reports, and the IAM
//! and security-group permission changes found by comparing the old and new templates.
//!
//! Permissions are compared as atoms: every IAM statement is split into one entry per
//! (effect, principal, action, resource, condition), every security-group rule into
//! (group, direction, protocol, port range, peer). A new `Allow` atom that no old atom
//! covers (same principal and condition, an old action/resource pattern matching it), a
//! removed `Deny`, a newly attached managed policy, and a new or wider security-group rule
//! are *broadening*: `--require-approval broadening` stops for them.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::cloud::ResourceChange;

/// The permission changes between two templates.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct PermissionDiff {
    /// IAM changes, in template order.
    pub iam: Vec<PermissionChange>,
    /// Security-group changes, in template order.
    pub security_groups: Vec<PermissionChange>,
}

/// One added or removed permission.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PermissionChange {
    /// `true` for added, `false` for removed.
    pub added: bool,
    /// Whether it widens what is allowed.
    pub broadening: bool,
    /// The resource (logical ID) and where in it, e.g. `DeployRole policy default`.
    pub location: String,
    /// What it allows or denies, one line.
    pub description: String,
}

impl PermissionDiff {
    /// Compares `old` (none for a new stack) with `new`.
    pub fn between(old: Option<&Json>, new: &Json) -> PermissionDiff {
        let empty = Json::Null;
        let old = old.unwrap_or(&empty);
        PermissionDiff {
            iam: iam_changes(&iam_atoms(old), &iam_atoms(new)),
            security_groups: rule_changes(&rule_atoms(old), &rule_atoms(new)),
        }
    }

    /// Whether any change widens permissions.
    pub fn is_broadening(&self) -> bool {
        self.iam
            .iter()
            .chain(&self.security_groups)
            .any(|change| change.broadening)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.iam.is_empty() && self.security_groups.is_empty()
    }
}

/// Everything a deploy shows before asking to execute a change set.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StackDiff {
    /// CloudFormation's resource changes.
    pub resources: Vec<ResourceChange>,
    /// The permission changes.
    pub permissions: PermissionDiff,
    /// Set when the old template could not be compared (e.g. it is YAML).
    pub note: Option<String>,
}

impl StackDiff {
    /// Whether the diff widens permissions.
    pub fn is_broadening(&self) -> bool {
        self.permissions.is_broadening()
    }

    /// The diff as text; `paint` colours a piece of text (`+`, `-`, `~`, `!`).
    pub fn render(&self, paint: &dyn Fn(char, &str) -> String) -> String {
        let mut out = String::new();
        if self.resources.is_empty() {
            out.push_str("  (no resource changes)\n");
        }
        for change in &self.resources {
            let (sign, verb) = match change.action.as_str() {
                "Add" => ('+', "add"),
                "Remove" => ('-', "remove"),
                "Modify" => ('~', "modify"),
                "Import" => ('+', "import"),
                other => ('~', other),
            };
            let replacement = match change.replacement.as_deref() {
                Some("True") => paint(
                    '!',
                    " REPLACE (a new physical resource; the old one is deleted)",
                ),
                Some("Conditional") => {
                    paint('!', " MAY REPLACE (depends on values known at deploy time)")
                }
                _ => String::new(),
            };
            let line = format!(
                "{sign} {verb:<7} {} ({}){}",
                change.logical_id,
                change.resource_type,
                change
                    .physical_id
                    .as_ref()
                    .map(|id| format!(" [{id}]"))
                    .unwrap_or_default()
            );
            out.push_str(&format!("  {}{replacement}\n", paint(sign, &line)));
            let details: Vec<String> = change
                .details
                .iter()
                .map(|(name, recreation)| match recreation.as_deref() {
                    Some("Always") => format!("{name} (forces replacement)"),
                    Some("Conditionally") => format!("{name} (may force replacement)"),
                    _ => name.clone(),
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if !details.is_empty() {
                out.push_str(&format!("      changes: {}\n", details.join(", ")));
            }
        }
        for (title, changes) in [
            ("IAM permission changes", &self.permissions.iam),
            ("Security group changes", &self.permissions.security_groups),
        ] {
            if changes.is_empty() {
                continue;
            }
            out.push_str(&format!("  {title}:\n"));
            for change in changes {
                let sign = if change.added { '+' } else { '-' };
                let flag = if change.broadening {
                    paint('!', " [broadening]")
                } else {
                    String::new()
                };
                let line = format!("{sign} {}: {}", change.location, change.description);
                out.push_str(&format!("    {}{flag}\n", paint(sign, &line)));
            }
        }
        if let Some(note) = &self.note {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }
}

/// One exploded IAM permission.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct IamAtom {
    location: String,
    effect: String,
    principal: String,
    /// `Action`, `NotAction`, or `attach` for managed policy attachments.
    action_key: String,
    action: String,
    resource_key: String,
    resource: String,
    condition: String,
}

/// Properties that hold one policy document.
const DOCUMENT_PROPERTIES: &[(&str, &str)] = &[
    ("PolicyDocument", "policy"),
    ("AssumeRolePolicyDocument", "trust policy"),
    ("KeyPolicy", "key policy"),
    ("ResourcePolicy", "resource policy"),
];

fn resources(template: &Json) -> impl Iterator<Item = (&String, &Json)> {
    template
        .get("Resources")
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|resources| resources.iter())
}

fn canonical(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn as_list(value: Option<&Json>) -> Vec<&Json> {
    match value {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(Json::Null) | None => Vec::new(),
        Some(other) => vec![other],
    }
}

fn iam_atoms(template: &Json) -> Vec<IamAtom> {
    let mut atoms = Vec::new();
    for (logical_id, resource) in resources(template) {
        let Some(properties) = resource.get("Properties") else {
            continue;
        };
        for (property, what) in DOCUMENT_PROPERTIES {
            if let Some(document) = properties.get(*property) {
                statement_atoms(&format!("{logical_id} {what}"), document, &mut atoms);
            }
        }
        for policy in as_list(properties.get("Policies")) {
            let name = policy.get("PolicyName").map(canonical).unwrap_or_default();
            if let Some(document) = policy.get("PolicyDocument") {
                statement_atoms(&format!("{logical_id} policy {name}"), document, &mut atoms);
            }
        }
        for arn in as_list(properties.get("ManagedPolicyArns")) {
            atoms.push(IamAtom {
                location: logical_id.clone(),
                effect: "Allow".to_owned(),
                principal: String::new(),
                action_key: "attach".to_owned(),
                action: canonical(arn),
                resource_key: String::new(),
                resource: String::new(),
                condition: String::new(),
            });
        }
        if resource.get("Type").and_then(Json::as_str) == Some("AWS::Lambda::Permission") {
            atoms.push(IamAtom {
                location: format!("{logical_id} permission"),
                effect: "Allow".to_owned(),
                principal: properties
                    .get("Principal")
                    .map(canonical)
                    .unwrap_or_default(),
                action_key: "Action".to_owned(),
                action: properties.get("Action").map(canonical).unwrap_or_default(),
                resource_key: "Resource".to_owned(),
                resource: properties
                    .get("FunctionName")
                    .map(canonical)
                    .unwrap_or_default(),
                condition: properties
                    .get("SourceArn")
                    .or_else(|| properties.get("SourceAccount"))
                    .map(canonical)
                    .unwrap_or_default(),
            });
        }
    }
    atoms.sort();
    atoms.dedup();
    atoms
}

fn principals(statement: &Json) -> Vec<String> {
    let (key, value) = match (statement.get("Principal"), statement.get("NotPrincipal")) {
        (Some(value), _) => ("", value),
        (None, Some(value)) => ("not ", value),
        (None, None) => return vec![String::new()],
    };
    match value {
        Json::Object(map) => map
            .iter()
            .flat_map(|(kind, ids)| {
                as_list(Some(ids))
                    .into_iter()
                    .map(move |id| format!("{key}{kind}:{}", canonical(id)))
            })
            .collect(),
        other => vec![format!("{key}{}", canonical(other))],
    }
}

fn statement_atoms(location: &str, document: &Json, atoms: &mut Vec<IamAtom>) {
    for statement in as_list(document.get("Statement")) {
        let effect = statement
            .get("Effect")
            .map(canonical)
            .unwrap_or_else(|| "Allow".to_owned());
        let (action_key, actions) = match statement.get("NotAction") {
            Some(actions) => ("NotAction", as_list(Some(actions))),
            None => ("Action", as_list(statement.get("Action"))),
        };
        let (resource_key, resources) = match statement.get("NotResource") {
            Some(resources) => ("NotResource", as_list(Some(resources))),
            None => ("Resource", as_list(statement.get("Resource"))),
        };
        let resources: Vec<String> = if resources.is_empty() {
            vec![String::new()]
        } else {
            resources.into_iter().map(canonical).collect()
        };
        let condition = statement
            .get("Condition")
            .map(Json::to_string)
            .unwrap_or_default();
        for principal in principals(statement) {
            for action in &actions {
                for resource in &resources {
                    atoms.push(IamAtom {
                        location: location.to_owned(),
                        effect: effect.clone(),
                        principal: principal.clone(),
                        action_key: action_key.to_owned(),
                        action: canonical(action),
                        resource_key: resource_key.to_owned(),
                        resource: resource.clone(),
                        condition: condition.clone(),
                    });
                }
            }
        }
    }
}

/// Whether the IAM wildcard pattern `pattern` (`*` any run, `?` one character) matches
/// `text`. Actions compare case-insensitively, as IAM does.
fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (pattern, text) = (fold(pattern), fold(text));
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Whether `old` allows at least what `new` allows (for `Allow`), i.e. `new` is no wider.
fn covers(old: &IamAtom, new: &IamAtom) -> bool {
    old.location == new.location
        && old.effect == new.effect
        && old.principal == new.principal
        && old.action_key == new.action_key
        && old.resource_key == new.resource_key
        && (old.condition.is_empty() || old.condition == new.condition)
        && if new.action_key == "NotAction" {
            old.action == new.action
        } else {
            glob(&old.action, &new.action, true)
        }
        && if new.resource_key == "NotResource" {
            old.resource == new.resource
        } else {
            glob(&old.resource, &new.resource, false)
        }
}

fn describe_iam(atoms: &[&IamAtom]) -> Vec<(String, String)> {
    // Group the atoms of one statement shape back together, for readable lines.
    let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
    for atom in atoms {
        let head = match atom.action_key.as_str() {
            "attach" => format!("attach managed policy {}", atom.action),
            _ => {
                let mut head = atom.effect.clone();
                if !atom.principal.is_empty() {
                    head.push_str(&format!(" {}", atom.principal));
                }
                head.push_str(if atom.action_key == "NotAction" {
                    " all but {actions}"
                } else {
                    " {actions}"
                });
                if !atom.resource.is_empty() {
                    let not = if atom.resource_key == "NotResource" {
                        "all but "
                    } else {
                        ""
                    };
                    head.push_str(&format!(" on {not}{}", atom.resource));
                }
                if !atom.condition.is_empty() {
                    head.push_str(&format!(" when {}", atom.condition));
                }
                head
            }
        };
        match groups
            .iter_mut()
            .find(|(location, shape, _)| *location == atom.location && *shape == head)
        {
            Some((_, _, actions)) => actions.push(atom.action.clone()),
            None => groups.push((atom.location.clone(), head, vec![atom.action.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(location, head, actions)| (location, head.replace("{actions}", &actions.join(", "))))
        .collect()
}

fn iam_changes(old: &[IamAtom], new: &[IamAtom]) -> Vec<PermissionChange> {
    let mut changes = Vec::new();
    let added: Vec<&IamAtom> = new.iter().filter(|atom| !old.contains(atom)).collect();
    let removed: Vec<&IamAtom> = old.iter().filter(|atom| !new.contains(atom)).collect();
    let (broad, narrow): (Vec<&IamAtom>, Vec<&IamAtom>) = added.into_iter().partition(|atom| {
        atom.effect != "Deny" && !old.iter().any(|old_atom| covers(old_atom, atom))
    });
    for (atoms, added, broadening) in [(broad, true, true), (narrow, true, false)] {
        for (location, description) in describe_iam(&atoms) {
            changes.push(PermissionChange {
                added,
                broadening,
                location,
                description,
            });
        }
    }
    let (lost_denies, others): (Vec<&IamAtom>, Vec<&IamAtom>) =
        removed.into_iter().partition(|atom| {
            atom.effect == "Deny" && !new.iter().any(|new_atom| covers(new_atom, atom))
        });
    for (atoms, broadening) in [(lost_denies, true), (others, false)] {
        for (location, description) in describe_iam(&atoms) {
            changes.push(PermissionChange {
                added: false,
                broadening,
                location,
                description,
            });
        }
    }
    changes
}

/// One security-group rule.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct RuleAtom {
    group: String,
    direction: &'static str,
    protocol: String,
    from: i64,
    to: i64,
    peer: String,
}

const PEERS: &[&str] = &[
    "CidrIp",
    "CidrIpv6",
    "SourceSecurityGroupId",
    "SourceSecurityGroupName",
    "SourcePrefixListId",
    "DestinationSecurityGroupId",
    "DestinationPrefixListId",
];

fn port(value: Option<&Json>, default: i64) -> i64 {
    match value {
        Some(Json::Number(number)) => number.as_i64().unwrap_or(default),
        Some(Json::String(text)) => text.parse().unwrap_or(default),
        _ => default,
    }
}

fn rule_atom(group: String, direction: &'static str, rule: &Json) -> RuleAtom {
    let protocol = rule
        .get("IpProtocol")
        .map(canonical)
        .unwrap_or_else(|| "-1".to_owned())
        .to_lowercase();
    let all = protocol == "-1" || protocol == "all";
    let (from, to) = if all {
        (0, 65535)
    } else {
        let from = port(rule.get("FromPort"), 0);
        let to = port(rule.get("ToPort"), from);
        if from == -1 { (0, 65535) } else { (from, to) }
    };
    let peer = PEERS
        .iter()
        .find_map(|key| {
            rule.get(*key)
                .map(|value| format!("{key} {}", canonical(value)))
        })
        .unwrap_or_default();
    RuleAtom {
        group,
        direction,
        protocol: if all { "-1".to_owned() } else { protocol },
        from,
        to,
        peer,
    }
}

fn rule_atoms(template: &Json) -> Vec<RuleAtom> {
    let mut atoms = Vec::new();
    for (logical_id, resource) in resources(template) {
        let Some(properties) = resource.get("Properties") else {
            continue;
        };
        match resource.get("Type").and_then(Json::as_str) {
            Some("AWS::EC2::SecurityGroup") => {
                for (key, direction) in [
                    ("SecurityGroupIngress", "ingress"),
                    ("SecurityGroupEgress", "egress"),
                ] {
                    for rule in as_list(properties.get(key)) {
                        atoms.push(rule_atom(logical_id.clone(), direction, rule));
                    }
                }
            }
            Some(kind @ ("AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress")) => {
                let group = properties
                    .get("GroupId")
                    .or_else(|| properties.get("GroupName"))
                    .map(canonical)
                    .unwrap_or_else(|| logical_id.clone());
                let direction = if kind.ends_with("Ingress") {
                    "ingress"
                } else {
                    "egress"
                };
                atoms.push(rule_atom(group, direction, properties));
            }
            _ => {}
        }
    }
    atoms.sort();
    atoms.dedup();
    atoms
}

fn rule_covers(old: &RuleAtom, new: &RuleAtom) -> bool {
    old.group == new.group
        && old.direction == new.direction
        && old.peer == new.peer
        && (old.protocol == "-1" || old.protocol == new.protocol)
        && old.from <= new.from
        && new.to <= old.to
}

fn describe_rule(rule: &RuleAtom) -> (String, String) {
    let ports = if rule.protocol == "-1" {
        "all traffic".to_owned()
    } else if rule.from == rule.to {
        format!("{} port {}", rule.protocol, rule.from)
    } else {
        format!("{} ports {}-{}", rule.protocol, rule.from, rule.to)
    };
    let peer = if rule.peer.is_empty() {
        "(no peer)".to_owned()
    } else {
        rule.peer.clone()
    };
    let way = if rule.direction == "ingress" {
        "from"
    } else {
        "to"
    };
    (
        format!("{} {}", rule.group, rule.direction),
        format!("{ports} {way} {peer}"),
    )
}

fn rule_changes(old: &[RuleAtom], new: &[RuleAtom]) -> Vec<PermissionChange> {
    let mut changes = Vec::new();
    for rule in new.iter().filter(|rule| !old.contains(rule)) {
        let (location, description) = describe_rule(rule);
        changes.push(PermissionChange {
            added: true,
            broadening: !old.iter().any(|old_rule| rule_covers(old_rule, rule)),
            location,
            description,
        });
    }
    for rule in old.iter().filter(|rule| !new.contains(rule)) {
        let (location, description) = describe_rule(rule);
        changes.push(PermissionChange {
            added: false,
            broadening: false,
            location,
            description,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn role(statements: Json) -> Json {
        json!({"Resources": {"AppRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "app", "PolicyDocument": {"Statement": statements}}]}}}})
    }

    #[test]
    fn globs_match_like_iam() {
        assert!(glob("s3:*", "s3:GetObject", true));
        assert!(glob("s3:Get*", "S3:getobject", true));
        assert!(!glob("s3:Get*", "s3:PutObject", true));
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/key", false));
        assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::c/key", false));
        assert!(glob("*", "", false));
        assert!(glob("a?c", "abc", false));
    }

    #[test]
    fn a_new_stack_with_iam_is_broadening() {
        let new = role(json!([{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]));
        let diff = PermissionDiff::between(None, &new);
        assert!(diff.is_broadening());
        let lines: Vec<String> = diff
            .iam
            .iter()
            .map(|c| format!("{} {}", c.location, c.description))
            .collect();
        assert_eq!(
            lines,
            [
                "AppRole policy app Allow s3:GetObject on *",
                "AppRole trust policy Allow Service:lambda.amazonaws.com sts:AssumeRole",
            ]
        );
    }

    #[test]
    fn widened_actions_and_resources_are_broadening_narrowed_ones_are_not() {
        let old =
            role(json!([{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]));
        let narrower = role(
            json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}]),
        );
        let diff = PermissionDiff::between(Some(&old), &narrower);
        assert!(!diff.is_broadening(), "{diff:?}");
        assert_eq!(diff.iam.len(), 2, "{diff:?}");

        let wider = role(
            json!([{"Effect": "Allow", "Action": ["s3:Get*", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}]),
        );
        let diff = PermissionDiff::between(Some(&old), &wider);
        assert!(diff.is_broadening());
        assert_eq!(
            diff.iam[0].description,
            "Allow s3:PutObject on arn:aws:s3:::b/*"
        );

        let other_bucket =
            role(json!([{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::c/*"}]));
        assert!(PermissionDiff::between(Some(&old), &other_bucket).is_broadening());

        let dropped_condition =
            role(json!([{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]));
        let conditioned = role(
            json!([{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]),
        );
        assert!(!PermissionDiff::between(Some(&dropped_condition), &conditioned).is_broadening());
        assert!(PermissionDiff::between(Some(&conditioned), &dropped_condition).is_broadening());
    }

    #[test]
    fn removed_denies_and_attached_managed_policies_are_broadening() {
        let deny = json!({"Resources": {"Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "PolicyDocument": {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}}}});
        let none = json!({"Resources": {}});
        assert!(PermissionDiff::between(Some(&deny), &none).is_broadening());
        assert!(!PermissionDiff::between(Some(&none), &deny).is_broadening());

        let attached = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}}}});
        let diff = PermissionDiff::between(Some(&none), &attached);
        assert!(diff.is_broadening());
        assert_eq!(
            diff.iam[0].description,
            "attach managed policy arn:aws:iam::aws:policy/AdministratorAccess"
        );
    }

    #[test]
    fn security_group_rules_widen_by_port_range_protocol_and_peer() {
        let group = |rules: Json| {
            json!({"Resources": {"Web": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": "web", "SecurityGroupIngress": rules}}}})
        };
        let old = group(
            json!([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}]),
        );
        let wider_ports = group(
            json!([{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 1024, "CidrIp": "10.0.0.0/8"}]),
        );
        let diff = PermissionDiff::between(Some(&old), &wider_ports);
        assert!(diff.is_broadening());
        assert_eq!(
            diff.security_groups[0].description,
            "tcp ports 0-1024 from CidrIp 10.0.0.0/8"
        );
        let open = group(
            json!([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}]),
        );
        assert!(PermissionDiff::between(Some(&old), &open).is_broadening());
        let narrower = PermissionDiff::between(Some(&wider_ports), &old);
        assert!(!narrower.is_broadening(), "{narrower:?}");
        let separate = json!({"Resources": {"Rule": {"Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {"GroupId": {"Ref": "Web"}, "IpProtocol": "-1", "CidrIpv6": "::/0"}}}});
        let diff = PermissionDiff::between(None, &separate);
        assert_eq!(diff.security_groups[0].location, r#"{"Ref":"Web"} ingress"#);
        assert_eq!(
            diff.security_groups[0].description,
            "all traffic from CidrIpv6 ::/0"
        );
    }

    #[test]
    fn the_rendered_diff_shows_replacements_and_broadening() {
        let diff = StackDiff {
            resources: vec![ResourceChange {
                action: "Modify".into(),
                logical_id: "Queue".into(),
                physical_id: Some("https://q".into()),
                resource_type: "AWS::SQS::Queue".into(),
                replacement: Some("True".into()),
                scope: vec!["Properties".into()],
                details: vec![("Properties.QueueName".into(), Some("Always".into()))],
            }],
            permissions: PermissionDiff::between(
                None,
                &role(json!([{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}])),
            ),
            note: None,
        };
        let text = diff.render(&|_, text| text.to_owned());
        assert!(
            text.contains("~ modify  Queue (AWS::SQS::Queue) [https://q] REPLACE"),
            "{text}"
        );
        assert!(
            text.contains("changes: Properties.QueueName (forces replacement)"),
            "{text}"
        );
        assert!(
            text.contains("+ AppRole policy app: Allow sqs:SendMessage on * [broadening]"),
            "{text}"
        );
    }
}
