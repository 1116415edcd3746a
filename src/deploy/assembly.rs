//! What a deploy reads: `assembly.json` and the templates beside it (or an
//! [`Assembly`](crate::app::Assembly) synthesized in memory).

use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value as Json;

use super::error::DeployError;
use crate::app::{Assembly, StackRole};

/// An account and region in a partition, as `assembly.json` writes it.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Deserialize)]
pub struct Target {
    /// The 12-digit account.
    pub account: String,
    /// The region.
    pub region: String,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: String,
}

impl Target {
    /// The ARN of an IAM role of this account.
    pub fn role_arn(&self, name: &str) -> String {
        format!("arn:{}:iam::{}:role/{name}", self.partition, self.account)
    }

    /// The S3 domain of the partition.
    pub fn s3_domain(&self) -> &'static str {
        if self.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// The staging bucket `cfsynth bootstrap` creates in this account and region.
    pub fn staging_bucket(&self) -> String {
        format!("cfsynth-staging-{}-{}", self.account, self.region)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.region)
    }
}

/// A file to upload to the staging bucket before the stacks that need it deploy.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Asset {
    /// Its id in the assembly.
    pub id: String,
    /// The file.
    pub path: PathBuf,
    /// The object key; `assets/<sha256 of the content><extension>` when not given.
    pub key: Option<String>,
    /// The bucket (in the stack's account and region); the staging bucket when not given.
    pub bucket: Option<String>,
}

/// One stack to deploy.
#[derive(Clone, PartialEq, Debug)]
pub struct DeployStack {
    /// Unique in the assembly: `<name>-<account>-<region>`.
    pub id: String,
    /// The CloudFormation stack name.
    pub name: String,
    /// Where it goes.
    pub env: Target,
    /// `bootstrap`, `support`, `pipeline` or `application`.
    pub role: String,
    /// The template body.
    pub body: String,
    /// Ids of the stacks that must deploy first.
    pub dependencies: Vec<String>,
    /// Parameter names and their defaults (`None`: no default).
    pub parameters: IndexMap<String, Option<Json>>,
    /// Capabilities to acknowledge.
    pub capabilities: Vec<String>,
    /// Termination protection plus a stack policy that forbids replacing or deleting
    /// stateful resources.
    pub protected: bool,
    /// Files this stack needs in its environment's staging bucket.
    pub assets: Vec<Asset>,
    /// The role to assume in the stack's account (ARN), when the `Accounts` manifest names
    /// one; else the deploy uses `--role-name` there.
    pub deploy_role: Option<String>,
    /// The role CloudFormation deploys the stack with (ARN), when the `Accounts` manifest
    /// names one.
    pub execution_role: Option<String>,
}

/// Every stack of an assembly, in deploy order, and the assets.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct DeployAssembly {
    /// The directory it was read from (where `outputs.json` goes), if any.
    pub dir: Option<PathBuf>,
    /// The stacks, dependencies first.
    pub stacks: Vec<DeployStack>,
    /// Assets not tied to one stack: uploaded to every environment deployed.
    pub assets: Vec<Asset>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssemblyFile {
    stacks: Vec<StackEntry>,
    #[serde(default)]
    assets: Vec<AssetEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StackEntry {
    id: String,
    name: String,
    env: Target,
    role: String,
    template_file: String,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    parameters: IndexMap<String, Option<Json>>,
    #[serde(default)]
    capabilities: Vec<String>,
    #[serde(default)]
    termination_protection: bool,
    #[serde(default)]
    protected: bool,
    #[serde(default)]
    assets: Vec<AssetEntry>,
    #[serde(default)]
    deploy_role: Option<String>,
    #[serde(default)]
    execution_role: Option<String>,
}

/// An asset entry: `{id, path | file, key?, bucket?, stack?}`; `stack` (an assembly stack
/// id) ties a top-level asset to the stack that needs it.
#[derive(Deserialize)]
struct AssetEntry {
    id: String,
    #[serde(alias = "file")]
    path: PathBuf,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    bucket: Option<String>,
    #[serde(default)]
    stack: Option<String>,
}

impl AssetEntry {
    fn resolve(self, dir: &Path) -> Asset {
        Asset {
            id: self.id,
            path: dir.join(self.path),
            key: self.key,
            bucket: self.bucket,
        }
    }
}

impl DeployAssembly {
    /// Reads `dir/assembly.json` and every template it names.
    pub fn read(dir: &Path) -> Result<DeployAssembly, DeployError> {
        let path = dir.join("assembly.json");
        let text = std::fs::read_to_string(&path).map_err(|error| DeployError::Assembly {
            path: path.clone(),
            message: if error.kind() == std::io::ErrorKind::NotFound {
                "no such file: synthesize first (`cfsynth synth --out DIR`), or give manifest paths"
                    .to_owned()
            } else {
                error.to_string()
            },
        })?;
        let file: AssemblyFile =
            serde_json::from_str(&text).map_err(|error| DeployError::Assembly {
                path: path.clone(),
                message: error.to_string(),
            })?;
        let mut shared = Vec::new();
        let mut by_stack: Vec<(String, Asset)> = Vec::new();
        for entry in file.assets {
            match entry.stack.clone() {
                Some(stack) => by_stack.push((stack, entry.resolve(dir))),
                None => shared.push(entry.resolve(dir)),
            }
        }
        let mut stacks = Vec::with_capacity(file.stacks.len());
        for entry in file.stacks {
            let template = dir.join(&entry.template_file);
            let body =
                std::fs::read_to_string(&template).map_err(|error| DeployError::Assembly {
                    path: template.clone(),
                    message: error.to_string(),
                })?;
            let id = entry.id.clone();
            stacks.push(DeployStack {
                id: entry.id,
                name: entry.name,
                env: entry.env,
                role: entry.role,
                body,
                dependencies: entry.dependencies,
                parameters: entry.parameters,
                capabilities: entry.capabilities,
                protected: entry.termination_protection || entry.protected,
                assets: entry
                    .assets
                    .into_iter()
                    .map(|asset| asset.resolve(dir))
                    .chain(
                        by_stack
                            .iter()
                            .filter(|(stack, _)| *stack == id)
                            .map(|(_, asset)| asset.clone()),
                    )
                    .collect(),
                deploy_role: entry.deploy_role,
                execution_role: entry.execution_role,
            });
        }
        Ok(DeployAssembly {
            dir: Some(dir.to_owned()),
            stacks,
            assets: shared,
        })
    }

    /// An assembly synthesized in memory (e.g. the bootstrap stack), without a directory.
    pub fn from_assembly(assembly: &Assembly) -> DeployAssembly {
        let stacks = assembly
            .stacks
            .iter()
            .map(|stack| DeployStack {
                id: stack.id.clone(),
                name: stack.name.clone(),
                env: Target {
                    account: stack.env.account().to_owned(),
                    region: stack.env.region().to_owned(),
                    partition: stack.env.partition().name().to_owned(),
                },
                role: role_name(stack.role),
                body: stack.body.clone(),
                dependencies: stack.dependencies.clone(),
                parameters: stack.parameters.clone(),
                capabilities: stack
                    .capabilities
                    .iter()
                    .map(|&capability| capability.to_owned())
                    .collect(),
                protected: stack.termination_protection,
                assets: Vec::new(),
                deploy_role: stack.deploy_role.clone(),
                execution_role: stack.execution_role.clone(),
            })
            .collect();
        DeployAssembly {
            dir: None,
            stacks,
            assets: Vec::new(),
        }
    }

    /// The stack with this id.
    pub fn stack(&self, id: &str) -> Option<&DeployStack> {
        self.stacks.iter().find(|stack| stack.id == id)
    }
}

fn role_name(role: StackRole) -> String {
    match serde_json::to_value(role) {
        Ok(Json::String(name)) => name,
        _ => "application".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_assembly_with_optional_assets_and_protection() {
        let dir = std::env::temp_dir().join(format!("cfsynth-assembly-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.template.json"), "{\"Resources\":{}}").unwrap();
        std::fs::write(
            dir.join("assembly.json"),
            r#"{"version": 1, "stacks": [{"id": "a-111111111111-eu-west-1", "name": "a",
                "env": {"account": "111111111111", "region": "eu-west-1", "partition": "aws"},
                "role": "application", "templateFile": "a.template.json", "dependencies": [],
                "parameters": {"P": null}, "capabilities": ["CAPABILITY_IAM"], "resources": 0,
                "terminationProtection": true,
                "assets": [{"id": "code", "path": "code.zip"}]}],
                "assets": [{"id": "shared", "path": "x/y.bin", "key": "assets/abc.bin"},
                    {"id": "abc", "kind": "glue-job-script", "stack": "a-111111111111-eu-west-1",
                     "source": "jobs/x.py", "file": "assets/abc.py", "bucket": "cfsynth-assets-111111111111-eu-west-1",
                     "key": "assets/abc.py"}]}"#,
        )
        .unwrap();
        let assembly = DeployAssembly::read(&dir).unwrap();
        let stack = &assembly.stacks[0];
        assert!(stack.protected);
        assert_eq!(stack.body, "{\"Resources\":{}}");
        assert_eq!(stack.env.role_arn("r"), "arn:aws:iam::111111111111:role/r");
        assert_eq!(stack.assets[0].path, dir.join("code.zip"));
        assert_eq!(assembly.assets[0].key.as_deref(), Some("assets/abc.bin"));
        assert_eq!(assembly.assets.len(), 1);
        assert_eq!(stack.assets[1].path, dir.join("assets/abc.py"));
        assert_eq!(
            stack.assets[1].bucket.as_deref(),
            Some("cfsynth-assets-111111111111-eu-west-1")
        );
        let missing = DeployAssembly::read(&dir.join("nope")).unwrap_err();
        assert!(
            missing.to_string().contains("synthesize first"),
            "{missing}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
