//! The synthesized output: templates plus `assembly.json`, which tells `deploy` and other
//! tools what goes where and in which order.

use std::collections::HashSet;
use std::io;
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

use super::AccountRoles;
use super::asset::{Asset, AssetKind};
use super::env::Environment;
use super::stack::{Stack, StackRole};
use super::synth::parameter_defaults;
use crate::template::Template;

/// Version of the `assembly.json` format.
pub const ASSEMBLY_VERSION: u32 = 1;

/// Every synthesized stack, in deploy order, and the assets they need.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Assembly {
    /// The stacks, dependencies first.
    pub stacks: Vec<AssembledStack>,
    /// The files to upload before the stacks that use them deploy.
    pub assets: Vec<AssembledAsset>,
}

/// A file that a stack needs in S3 before it deploys. `deploy` uploads `file` (in the
/// output directory) to `s3://<bucket>/<key>` in the stack's account and region, unless
/// an object with that key is already there (keys are content hashes).
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssembledAsset {
    /// The SHA-256 of the content, in lowercase hex.
    pub id: String,
    /// What it is.
    pub kind: AssetKind,
    /// The id of the stack that uses it (see [`AssembledStack::id`]).
    pub stack: String,
    /// Where it came from: a file path, or what cfsynth synthesized.
    pub source: String,
    /// Its path in the output directory.
    pub file: String,
    /// The bucket to upload it to.
    pub bucket: String,
    /// The object key: `assets/<sha256>.<ext>`.
    pub key: String,
    /// The content.
    #[serde(skip)]
    pub content: Vec<u8>,
}

impl AssembledAsset {
    pub(super) fn new(stack: &Stack, asset: &Asset) -> AssembledAsset {
        AssembledAsset {
            id: asset.hash().to_owned(),
            kind: asset.kind,
            stack: AssembledStack::id_of(stack),
            source: asset.source.clone(),
            file: asset.key(),
            bucket: asset.bucket.clone(),
            key: asset.key(),
            content: asset.content().to_vec(),
        }
    }
}

/// One synthesized stack.
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssembledStack {
    /// Unique in the assembly: `<name>-<account>-<region>`.
    pub id: String,
    /// The CloudFormation stack name.
    pub name: String,
    /// Where it deploys.
    pub env: Environment,
    /// What it is for.
    pub role: StackRole,
    /// The template's file name in the output directory.
    pub template_file: String,
    /// Ids of the stacks that must deploy first.
    pub dependencies: Vec<String>,
    /// Template parameters and their defaults.
    pub parameters: IndexMap<String, Option<Json>>,
    /// The capabilities a deploy must acknowledge.
    pub capabilities: Vec<&'static str>,
    /// Number of resources.
    pub resources: usize,
    /// Whether termination protection is turned on.
    pub termination_protection: bool,
    /// The ARN of the role a deploy assumes in the stack's account, when the `Accounts`
    /// manifest names one (else the bootstrap stack's deploy role).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy_role: Option<String>,
    /// The ARN of the role CloudFormation deploys the stack with, when the `Accounts`
    /// manifest names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_role: Option<String>,
    /// The template body (JSON).
    #[serde(skip)]
    pub body: String,
}

/// The id of a stack in the assembly: `<name>-<account>-<region>`.
pub fn stack_id(name: &str, env: &Environment) -> String {
    format!("{name}-{}-{}", env.account(), env.region())
}

/// The file a stack's template is written to in the output directory (and in a
/// self-mutating pipeline's `synth` artifact).
pub fn template_file(name: &str, env: &Environment) -> String {
    format!("{}.template.json", stack_id(name, env))
}

impl AssembledStack {
    pub(super) fn id_of(stack: &Stack) -> String {
        stack_id(&stack.name, &stack.env)
    }

    pub(super) fn new(
        stack: &Stack,
        facts: TemplateFacts,
        body: String,
        dependencies: Vec<String>,
        roles: Option<&AccountRoles>,
    ) -> Self {
        let id = AssembledStack::id_of(stack);
        let arn = |role: Option<&String>| role.map(|role| role_arn(&stack.env, role));
        AssembledStack {
            template_file: template_file(&stack.name, &stack.env),
            id,
            name: stack.name.clone(),
            env: stack.env.clone(),
            role: stack.role,
            dependencies,
            parameters: facts.parameters,
            capabilities: facts.capabilities,
            resources: facts.resources,
            termination_protection: stack.termination_protection,
            deploy_role: roles.and_then(|roles| arn(roles.deploy.as_ref())),
            execution_role: roles.and_then(|roles| arn(roles.execution.as_ref())),
            body,
        }
    }
}

/// A role of `env`'s account as an ARN: `role` itself when it is one, else the role of
/// that name (or `path/name`) in the account, in the environment's partition.
pub fn role_arn(env: &Environment, role: &str) -> String {
    if role.starts_with("arn:") {
        role.to_owned()
    } else {
        format!(
            "arn:{}:iam::{}:role/{role}",
            env.partition().name(),
            env.account()
        )
    }
}

/// The IAM properties that give a resource a custom name, which needs
/// `CAPABILITY_NAMED_IAM`.
const NAMED_IAM_PROPERTIES: [&str; 5] = [
    "RoleName",
    "ManagedPolicyName",
    "UserName",
    "GroupName",
    "InstanceProfileName",
];

/// What the assembly records about a stack's template besides its body.
#[derive(Clone, Debug)]
pub(crate) struct TemplateFacts {
    parameters: IndexMap<String, Option<Json>>,
    capabilities: Vec<&'static str>,
    resources: usize,
}

impl TemplateFacts {
    pub(super) fn of(template: &Template) -> TemplateFacts {
        TemplateFacts {
            parameters: parameter_defaults(template),
            capabilities: capabilities(template),
            resources: template.resources.len(),
        }
    }
}

fn capabilities(template: &Template) -> Vec<&'static str> {
    let mut capabilities = Vec::new();
    let iam: Vec<_> = template
        .resources
        .values()
        .filter(|resource| resource.type_name().starts_with("AWS::IAM::"))
        .collect();
    if iam.iter().any(|resource| {
        NAMED_IAM_PROPERTIES
            .iter()
            .any(|property| resource.properties.contains_key(*property))
    }) {
        capabilities.push("CAPABILITY_NAMED_IAM");
    } else if !iam.is_empty() {
        capabilities.push("CAPABILITY_IAM");
    }
    if !template.transform.is_empty() {
        capabilities.push("CAPABILITY_AUTO_EXPAND");
    }
    capabilities
}

impl Assembly {
    /// `assembly.json`: the stacks without their bodies, and the assets (when there are
    /// any) without their content.
    pub fn manifest(&self) -> String {
        /// `assembly.json`, serialized straight from the assembly.
        #[derive(Serialize)]
        struct Manifest<'a> {
            version: u32,
            stacks: &'a [AssembledStack],
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            assets: &'a [AssembledAsset],
        }
        let manifest = Manifest {
            version: ASSEMBLY_VERSION,
            stacks: &self.stacks,
            assets: &self.assets,
        };
        // Stacks and assets hold only strings, numbers, lists and string-keyed maps.
        let mut body = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        body.push('\n');
        body
    }

    /// Total resources over every stack.
    pub fn resource_count(&self) -> usize {
        self.stacks.iter().map(|stack| stack.resources).sum()
    }

    /// Writes every template and `assembly.json` into `dir`, and removes templates left
    /// there by an earlier run that this assembly no longer has.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let current: HashSet<&str> = self
            .stacks
            .iter()
            .map(|stack| stack.template_file.as_str())
            .collect();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let stale = path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.ends_with(".template.json") && !current.contains(name));
            if stale {
                std::fs::remove_file(&path)?;
            }
        }
        // Two threads write about as fast as the filesystem takes it: creating files in one
        // directory contends for its lock, but filling their pages does not.
        for written in crate::parallel::par_chunks(&self.stacks, |stacks| {
            stacks
                .iter()
                .try_for_each(|stack| std::fs::write(dir.join(&stack.template_file), &stack.body))
        }) {
            written?;
        }
        self.write_assets(dir)?;
        std::fs::write(dir.join("assembly.json"), self.manifest())
    }

    /// Writes every asset under `dir/assets/`, removing the files of assets this assembly
    /// no longer has.
    fn write_assets(&self, dir: &Path) -> io::Result<()> {
        let assets = dir.join("assets");
        if assets.is_dir() {
            for entry in std::fs::read_dir(&assets)? {
                let path = entry?.path();
                let stale = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| {
                        !self
                            .assets
                            .iter()
                            .any(|asset| asset.file == format!("assets/{name}"))
                    });
                if stale && path.is_file() {
                    std::fs::remove_file(&path)?;
                }
            }
        }
        if self.assets.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(&assets)?;
        for asset in &self.assets {
            std::fs::write(dir.join(&asset.file), &asset.content)?;
        }
        Ok(())
    }
}
