//! Assets: files a stack needs in S3 before it deploys (e.g. the template of a Service
//! Catalog product), recorded in `assembly.json` so that `deploy` uploads them first.
//!
//! An asset's S3 key is content-addressed (`assets/<sha256>.<ext>`): a changed file gets a
//! new key, so a stack that names the key changes with it, and an unchanged file is never
//! uploaded twice.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// What an asset is, which tells `deploy` how it is used.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetKind {
    /// A CloudFormation template that a Service Catalog product version loads from S3
    /// (`Info.LoadTemplateFromURL`).
    ServiceCatalogTemplate,
    /// The script of a Glue job (`Command.ScriptLocation`).
    GlueJobScript,
}

/// A file to upload to S3 before the stack that uses it deploys.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Asset {
    /// What it is.
    pub kind: AssetKind,
    /// Where it came from, for people: a file path, or a description of what cfsynth
    /// synthesized.
    pub source: String,
    /// The bucket it is uploaded to (in the account and region of the stack using it).
    pub bucket: String,
    hash: String,
    extension: String,
    content: Vec<u8>,
}

impl Asset {
    /// An asset with this content, uploaded to `bucket` under
    /// `assets/<sha256 of content>.<extension>`.
    pub fn new(
        kind: AssetKind,
        source: impl Into<String>,
        content: Vec<u8>,
        extension: &str,
        bucket: impl Into<String>,
    ) -> Asset {
        let hash = Sha256::digest(&content)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Asset {
            kind,
            source: source.into(),
            bucket: bucket.into(),
            hash,
            extension: extension.trim_start_matches('.').to_owned(),
            content,
        }
    }

    /// The SHA-256 of the content, in lowercase hex.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The S3 object key, also its path under the output directory:
    /// `assets/<sha256>.<extension>`.
    pub fn key(&self) -> String {
        if self.extension.is_empty() {
            format!("assets/{}", self.hash)
        } else {
            format!("assets/{}.{}", self.hash, self.extension)
        }
    }

    /// The content.
    pub fn content(&self) -> &[u8] {
        &self.content
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_content_addressed() {
        let asset = Asset::new(
            AssetKind::ServiceCatalogTemplate,
            "products/bucket.yaml",
            b"abc".to_vec(),
            ".yaml",
            "cfsynth-assets-111111111111-us-east-1",
        );
        assert_eq!(
            asset.hash(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            asset.key(),
            "assets/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.yaml"
        );
        assert_eq!(asset.content(), b"abc");
    }
}
