//! Which stacks a run touches and in which order: `--only` selection, dependency waves,
//! and the plan `--dry-run` prints.

use indexmap::{IndexMap, IndexSet};

use super::assembly::{DeployAssembly, DeployStack};
use super::error::DeployError;
use crate::manifest::{Manifests, Node, Value};
use crate::template::MAX_BODY_DIRECT;

/// Names that `--only` understands besides stack names and `account/region`: account
/// aliases (`kind: Accounts`) and pipeline targets, each standing for one or more places
/// (an account, and a region when known).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Aliases(IndexMap<String, Vec<(String, Option<String>)>>);

fn scalar(node: Option<&Node>) -> Option<String> {
    match &node?.value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn entries(node: Option<&Node>) -> &[(Node, Node)] {
    match node.map(|node| &node.value) {
        Some(Value::Mapping(entries)) => entries,
        _ => &[],
    }
}

impl Aliases {
    /// Reads the account aliases of `kind: Accounts` documents and the `targets` of
    /// `kind: Pipeline` documents.
    pub fn from_manifests(manifests: &Manifests) -> Aliases {
        let mut accounts: IndexMap<String, (String, Option<String>)> = IndexMap::new();
        for document in manifests.documents() {
            if scalar(document.get("kind")).as_deref() == Some("Accounts") {
                for (alias, account) in entries(document.get("accounts")) {
                    if let Some(id) = scalar(account.get("id")) {
                        accounts.insert(
                            alias.as_key().into_owned(),
                            (id, scalar(account.get("region"))),
                        );
                    }
                }
            }
        }
        let mut aliases = Aliases::default();
        for (alias, place) in &accounts {
            aliases.add(alias, place.0.clone(), place.1.clone());
        }
        for document in manifests.documents() {
            if scalar(document.get("kind")).as_deref() != Some("Pipeline") {
                continue;
            }
            for (name, target) in entries(document.get("targets")) {
                let Some(env) = target.get("env").or(Some(target)) else {
                    continue;
                };
                let Some(account) = scalar(env.get("account")) else {
                    continue;
                };
                let (account, default_region) = match accounts.get(&account) {
                    Some((id, region)) => (id.clone(), region.clone()),
                    None => (account, None),
                };
                let region = scalar(env.get("region")).or(default_region);
                aliases.add(&name.as_key(), account, region);
            }
        }
        aliases
    }

    /// Adds a name for a place.
    pub fn add(&mut self, name: &str, account: String, region: Option<String>) {
        let places = self.0.entry(name.to_owned()).or_default();
        if !places.contains(&(account.clone(), region.clone())) {
            places.push((account, region));
        }
    }

    fn places(&self, name: &str) -> Option<&[(String, Option<String>)]> {
        self.0.get(name).map(Vec::as_slice)
    }
}

/// Whether the `*`-wildcard pattern matches.
fn wildcard(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(mut remaining) = text.strip_prefix(head) else {
                return false;
            };
            let parts: Vec<&str> = rest.split('*').collect();
            for (index, part) in parts.iter().enumerate() {
                if index == parts.len() - 1 {
                    return remaining.ends_with(part);
                }
                match remaining.find(part) {
                    Some(at) => remaining = &remaining[at + part.len()..],
                    None => return false,
                }
            }
            true
        }
    }
}

fn matches(selector: &str, stack: &DeployStack, aliases: &Aliases) -> bool {
    if let Some((account, region)) = selector.split_once('/') {
        let accounts: Vec<String> = match aliases.places(account) {
            Some(places) => places.iter().map(|(id, _)| id.clone()).collect(),
            None => vec![account.to_owned()],
        };
        return accounts
            .iter()
            .any(|account| wildcard(account, &stack.env.account))
            && wildcard(region, &stack.env.region);
    }
    if wildcard(selector, &stack.name) || wildcard(selector, &stack.id) {
        return true;
    }
    if selector == stack.env.account || selector == stack.role {
        return true;
    }
    aliases.places(selector).is_some_and(|places| {
        places.iter().any(|(account, region)| {
            *account == stack.env.account && region.as_ref().is_none_or(|r| *r == stack.env.region)
        })
    })
}

/// The stacks of a run, in deploy order, with their dependencies inside the run.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Plan {
    /// Indexes into the assembly's stacks, dependencies first.
    pub stacks: Vec<usize>,
    /// For each planned stack, the positions (in `stacks`) of the stacks it waits for.
    pub waits_for: Vec<Vec<usize>>,
    /// For each planned stack, the ids of dependencies not in the run (assumed deployed).
    pub outside: Vec<Vec<String>>,
}

impl Plan {
    /// Selects the stacks matching any `only` selector (every stack when `only` is
    /// empty). A selector is a stack name or id (`*` wildcards allowed), an
    /// `account/region` (either part `*`, the account may be an alias), an account id, a
    /// role (`bootstrap`, `support`, `pipeline`, `application`), an account alias or a
    /// pipeline target. Dependencies outside the selection are not added: they are
    /// assumed deployed, and the plan says so.
    pub fn select(
        assembly: &DeployAssembly,
        only: &[String],
        aliases: &Aliases,
    ) -> Result<Plan, DeployError> {
        let selectors: Vec<&str> = only
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .collect();
        for selector in &selectors {
            if !assembly
                .stacks
                .iter()
                .any(|stack| matches(selector, stack, aliases))
            {
                let known: IndexSet<String> = assembly
                    .stacks
                    .iter()
                    .flat_map(|stack| [stack.name.clone(), stack.env.to_string()])
                    .collect();
                return Err(DeployError::Usage(format!(
                    "--only `{selector}` matches no stack; stacks and environments are: {}",
                    known.into_iter().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        let stacks: Vec<usize> = assembly
            .stacks
            .iter()
            .enumerate()
            .filter(|(_, stack)| {
                selectors.is_empty()
                    || selectors
                        .iter()
                        .any(|selector| matches(selector, stack, aliases))
            })
            .map(|(index, _)| index)
            .collect();
        let position: IndexMap<&str, usize> = stacks
            .iter()
            .enumerate()
            .map(|(position, &index)| (assembly.stacks[index].id.as_str(), position))
            .collect();
        let mut waits_for = Vec::with_capacity(stacks.len());
        let mut outside = Vec::with_capacity(stacks.len());
        for &index in &stacks {
            let stack = &assembly.stacks[index];
            let (inside, out): (Vec<&String>, Vec<&String>) = stack
                .dependencies
                .iter()
                .partition(|id| position.contains_key(id.as_str()));
            waits_for.push(inside.iter().map(|id| position[id.as_str()]).collect());
            outside.push(out.into_iter().cloned().collect());
        }
        Ok(Plan {
            stacks,
            waits_for,
            outside,
        })
    }

    /// The wave of each planned stack: 1 for stacks that wait for nothing, else one more
    /// than the latest wave they wait for. Stacks of one wave may deploy in parallel.
    pub fn waves(&self) -> Vec<usize> {
        let mut waves: Vec<usize> = Vec::with_capacity(self.stacks.len());
        for waits in &self.waits_for {
            let wave = waits
                .iter()
                .filter_map(|&position| waves.get(position))
                .max()
                .map_or(1, |wave| wave + 1);
            waves.push(wave);
        }
        waves
    }

    /// The plan as text, for `--dry-run` and before a deploy.
    pub fn render(&self, assembly: &DeployAssembly, concurrency: usize, role_name: &str) -> String {
        let environments: IndexSet<String> = self
            .stacks
            .iter()
            .map(|&index| assembly.stacks[index].env.to_string())
            .collect();
        let mut out = format!(
            "Plan: {} stack{} in {} environment{}, at most {concurrency} at a time\n",
            self.stacks.len(),
            if self.stacks.len() == 1 { "" } else { "s" },
            environments.len(),
            if environments.len() == 1 { "" } else { "s" },
        );
        let waves = self.waves();
        // A stack named like another one is shown with its environment where it is
        // waited for.
        let mut named: IndexMap<&str, usize> = IndexMap::new();
        for stack in &assembly.stacks {
            *named.entry(stack.name.as_str()).or_default() += 1;
        }
        let label = |position: usize| {
            let stack = &assembly.stacks[self.stacks[position]];
            if named
                .get(stack.name.as_str())
                .is_some_and(|&count| count > 1)
            {
                format!("{} ({})", stack.name, stack.env)
            } else {
                stack.name.clone()
            }
        };
        // Wave by wave; within a wave, in deploy order.
        let mut positions: Vec<usize> = (0..self.stacks.len()).collect();
        positions.sort_by_key(|&position| waves[position]);
        let mut current = 0;
        for position in positions {
            let stack = &assembly.stacks[self.stacks[position]];
            if waves[position] != current {
                current = waves[position];
                out.push_str(&format!("  wave {current}:\n"));
            }
            let mut notes = vec![stack.role.clone()];
            if stack.protected {
                notes.push("protected".to_owned());
            }
            if stack.body.len() > MAX_BODY_DIRECT {
                notes.push(format!(
                    "template {} bytes via s3://{}",
                    stack.body.len(),
                    stack.env.staging_bucket()
                ));
            }
            if !stack.assets.is_empty() {
                notes.push(format!("{} asset(s)", stack.assets.len()));
            }
            if let Some(role) = &stack.deploy_role {
                notes.push(format!("through role {role}"));
            }
            if let Some(role) = &stack.execution_role {
                notes.push(format!("executed by {role}"));
            }
            out.push_str(&format!(
                "    {}  {}  {}\n",
                stack.name,
                stack.env,
                notes.join(", ")
            ));
            let after: Vec<String> = self.waits_for[position].iter().map(|&p| label(p)).collect();
            if !after.is_empty() {
                out.push_str(&format!("      after {}\n", after.join(", ")));
            }
            if !self.outside[position].is_empty() {
                out.push_str(&format!(
                    "      needs {} (not selected: assumed deployed)\n",
                    self.outside[position].join(", ")
                ));
            }
        }
        out.push_str(&format!(
            "  Stacks in another account than the caller's are deployed through role `{role_name}` there, unless the `Accounts` manifest names one.\n"
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::assembly::Target;

    fn stack(name: &str, account: &str, region: &str, dependencies: &[&str]) -> DeployStack {
        DeployStack {
            id: format!("{name}-{account}-{region}"),
            name: name.to_owned(),
            env: Target {
                account: account.to_owned(),
                region: region.to_owned(),
                partition: "aws".to_owned(),
            },
            role: "application".to_owned(),
            body: "{}".to_owned(),
            dependencies: dependencies.iter().map(|d| (*d).to_owned()).collect(),
            parameters: IndexMap::new(),
            capabilities: Vec::new(),
            protected: false,
            assets: Vec::new(),
            deploy_role: None,
            execution_role: None,
        }
    }

    fn assembly() -> DeployAssembly {
        DeployAssembly {
            dir: None,
            stacks: vec![
                stack("api-bootstrap", "222222222222", "us-east-1", &[]),
                stack("api-support-eu-west-1", "111111111111", "eu-west-1", &[]),
                stack(
                    "api-pipeline",
                    "111111111111",
                    "us-east-1",
                    &[
                        "api-bootstrap-222222222222-us-east-1",
                        "api-support-eu-west-1-111111111111-eu-west-1",
                    ],
                ),
                stack("queues", "222222222222", "eu-west-1", &[]),
            ],
            assets: Vec::new(),
        }
    }

    fn names(plan: &Plan, assembly: &DeployAssembly) -> Vec<String> {
        plan.stacks
            .iter()
            .map(|&i| assembly.stacks[i].name.clone())
            .collect()
    }

    #[test]
    fn everything_in_waves_by_dependencies() {
        let assembly = assembly();
        let plan = Plan::select(&assembly, &[], &Aliases::default()).unwrap();
        assert_eq!(plan.waves(), [1, 1, 2, 1]);
        assert_eq!(plan.waits_for[2], [0, 1]);
        let text = plan.render(&assembly, 4, "cfsynth-deploy");
        assert!(
            text.starts_with("Plan: 4 stacks in 4 environments, at most 4 at a time\n"),
            "{text}"
        );
        assert!(text.contains("  wave 2:\n    api-pipeline  111111111111/us-east-1  application\n      after api-bootstrap, api-support-eu-west-1\n"), "{text}");
        // Every stack of wave 1 comes before wave 2, whatever the deploy order.
        assert_eq!(text.matches("  wave 1:").count(), 1, "{text}");
        let queues = text.find("    queues  ").expect("queues is planned");
        assert!(queues < text.find("  wave 2:").unwrap_or(0), "{text}");
    }

    #[test]
    fn stacks_waited_for_are_named_with_their_environment_when_names_repeat() {
        let mut assembly = assembly();
        let mut twin = stack("api-bootstrap", "444444444444", "eu-west-1", &[]);
        twin.role = "bootstrap".into();
        assembly.stacks.insert(0, twin);
        let pipeline = assembly
            .stacks
            .iter_mut()
            .find(|stack| stack.name == "api-pipeline")
            .expect("the pipeline");
        pipeline
            .dependencies
            .push("api-bootstrap-444444444444-eu-west-1".into());
        let plan = Plan::select(&assembly, &[], &Aliases::default()).unwrap();
        let text = plan.render(&assembly, 4, "cfsynth-deploy");
        assert!(
            text.contains(
                "      after api-bootstrap (222222222222/us-east-1), api-support-eu-west-1, api-bootstrap (444444444444/eu-west-1)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn only_selects_by_name_environment_alias_and_target() {
        let assembly = assembly();
        let mut aliases = Aliases::default();
        aliases.add("workloads", "222222222222".into(), None);
        aliases.add("test", "222222222222".into(), Some("eu-west-1".into()));
        let select = |only: &[&str]| {
            let only: Vec<String> = only.iter().map(|s| (*s).to_owned()).collect();
            Plan::select(&assembly, &only, &aliases).map(|plan| names(&plan, &assembly))
        };
        assert_eq!(select(&["queues"]).unwrap(), ["queues"]);
        assert_eq!(select(&["api-*"]).unwrap().len(), 3);
        assert_eq!(
            select(&["111111111111/us-east-1"]).unwrap(),
            ["api-pipeline"]
        );
        assert_eq!(
            select(&["*/eu-west-1"]).unwrap(),
            ["api-support-eu-west-1", "queues"]
        );
        assert_eq!(select(&["workloads"]).unwrap(), ["api-bootstrap", "queues"]);
        assert_eq!(select(&["workloads/us-east-1"]).unwrap(), ["api-bootstrap"]);
        assert_eq!(select(&["test"]).unwrap(), ["queues"]);
        assert_eq!(
            select(&["queues,api-pipeline"]).unwrap(),
            ["api-pipeline", "queues"]
        );
        let plan = Plan::select(&assembly, &["api-pipeline".into()], &aliases).unwrap();
        assert_eq!(plan.outside[0].len(), 2);
        assert!(
            plan.render(&assembly, 1, "r")
                .contains("(not selected: assumed deployed)")
        );
        let error = select(&["nope"]).unwrap_err().to_string();
        assert!(error.starts_with("--only `nope` matches no stack; stacks and environments are: api-bootstrap, 222222222222/us-east-1"), "{error}");
    }

    #[test]
    fn aliases_come_from_accounts_and_pipeline_targets() {
        let mut manifests = Manifests::new();
        manifests.add(
            "a.yaml",
            "kind: Accounts\nname: org\naccounts:\n  prod: { id: \"555555555555\", region: us-east-1 }\n---\nkind: Pipeline\nname: p\ntargets:\n  live: { account: prod, region: eu-west-1 }\n  qa: { account: \"444444444444\" }\n",
        );
        let aliases = Aliases::from_manifests(&manifests);
        assert_eq!(
            aliases.places("prod").unwrap(),
            [("555555555555".to_owned(), Some("us-east-1".to_owned()))]
        );
        assert_eq!(
            aliases.places("live").unwrap(),
            [("555555555555".to_owned(), Some("eu-west-1".to_owned()))]
        );
        assert_eq!(
            aliases.places("qa").unwrap(),
            [("444444444444".to_owned(), None)]
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("a*", "abc"));
        assert!(wildcard("*c", "abc"));
        assert!(wildcard("a*c*e", "abcde"));
        assert!(!wildcard("a*d", "abc"));
        assert!(wildcard("*", ""));
    }
}
