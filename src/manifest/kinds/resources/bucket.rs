//! The `s3/bucket` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::key::KmsKey;
use super::{invalid, scope_of};
use crate::constructs::kms::{Key, KeyProps};
use crate::constructs::s3::{Bucket, BucketEncryption, BucketProps, LifecycleRule};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::{BuildContext, EntryRef, Located, ResourceEntry, ResourceKind};

/// An S3 bucket, private and encrypted whatever its fields: every public access blocked,
/// ACLs disabled, a bucket policy that denies requests not made over TLS, and kept when
/// it leaves the stack (retained). Logical IDs `<Name>Bucket` and `<Name>BucketPolicy`
/// (and `<Name>Key` for a key of its own).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BucketSpec {
    /// The bucket's name in the stack, kebab-case: its logical ID is the PascalCase of it
    /// and `Bucket` (`build-cache` → `BuildCacheBucket`); `codebuild/project` entries
    /// refer to it by it (`cache: { bucket: build-cache }`).
    pub name: Located<String>,
    /// A fixed physical bucket name (3 to 63 lowercase letters, digits, `-` and `.`),
    /// for a bucket others must find by name. Default: CloudFormation generates one.
    #[serde(default)]
    pub bucket_name: Option<Located<String>>,
    /// `s3` (SSE-S3, the default without `key`) or `kms` (SSE-KMS with a customer-managed
    /// key: the `key` entry, else a key of the bucket's own).
    #[serde(default)]
    pub encryption: Option<Located<BucketEncryptionSpec>>,
    /// A `kms/key` entry of the stack (by `name`) that encrypts the objects; implies
    /// `encryption: kms`.
    #[serde(default)]
    pub key: Option<Located<String>>,
    /// Keep every version of every object (default `true`).
    #[serde(default = "versioned_by_default")]
    pub versioned: bool,
    /// Lifecycle rules.
    #[serde(default)]
    pub lifecycle: LifecycleSpec,
}

fn versioned_by_default() -> bool {
    true
}

/// How a bucket's objects are encrypted at rest.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BucketEncryptionSpec {
    /// SSE-S3: keys S3 manages.
    S3,
    /// SSE-KMS with a customer-managed key (needed for objects read from other accounts).
    Kms,
}

/// A bucket's lifecycle rules.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LifecycleSpec {
    /// Delete object versions this many days after they stop being current (versioned
    /// buckets).
    #[serde(default)]
    pub expire_noncurrent_after_days: Option<Located<u32>>,
    /// Abort multipart uploads still incomplete this many days after they started,
    /// deleting their parts.
    #[serde(default)]
    pub abort_incomplete_uploads_after_days: Option<Located<u32>>,
}

/// The `s3/bucket` resource entry.
pub struct S3Bucket;

impl ResourceKind for S3Bucket {
    type Spec = BucketSpec;
    const KEY: &'static str = "s3/bucket";

    fn name(spec: &BucketSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn references(spec: &BucketSpec) -> Vec<EntryRef<'_>> {
        spec.key
            .iter()
            .map(|key| EntryRef::new(KmsKey::KEY, key))
            .collect()
    }

    fn build(&self, entry: &ResourceEntry<BucketSpec>, cx: &mut BuildContext<'_>) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        if let Some(name) = &spec.bucket_name
            && !is_bucket_name(name)
        {
            diagnostics.push(invalid(
                name,
                format!("`{name}` is not a valid S3 bucket name"),
                "3 to 63 lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit, not like an IP address",
            ));
        }
        let mut lifecycle = Vec::new();
        if let Some(days) = &spec.lifecycle.expire_noncurrent_after_days {
            if !spec.versioned {
                diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        "a bucket without versioning has no noncurrent versions to expire",
                    )
                    .at(&days.span)
                    .help("remove `expireNoncurrentAfterDays`, or set `versioned: true`"),
                );
            }
            lifecycle.push(LifecycleRule::ExpireNoncurrentVersions {
                days: i64::from(days.value),
            });
        }
        if let Some(days) = &spec.lifecycle.abort_incomplete_uploads_after_days {
            lifecycle.push(LifecycleRule::AbortIncompleteMultipartUploads {
                days: i64::from(days.value),
            });
        }
        for days in [
            &spec.lifecycle.expire_noncurrent_after_days,
            &spec.lifecycle.abort_incomplete_uploads_after_days,
        ]
        .into_iter()
        .flatten()
        .filter(|days| days.value == 0)
        {
            diagnostics.push(invalid(
                days,
                "0 days is not a lifetime".into(),
                "at least 1 day",
            ));
        }
        let encryption = spec.encryption.as_ref().map(|located| located.value);
        if let (Some(_), Some(written)) = (&spec.key, &spec.encryption)
            && written.value == BucketEncryptionSpec::S3
        {
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    "`encryption: s3` uses keys S3 manages, but `key` names a KMS key",
                )
                .at(&written.span)
                .help("write `encryption: kms`, or remove `key`"),
            );
        }
        let mut key = None;
        for reference in Self::references(spec) {
            match cx.resolve::<Key>(entry.stack, &reference) {
                Ok(found) => key = Some(found),
                // The key entry has errors of its own.
                Err(errors) if errors.is_empty() => return diagnostics,
                Err(errors) => diagnostics.extend(errors),
            }
        }
        if !diagnostics.is_empty() {
            return diagnostics;
        }
        let stack_name = cx.app().stack(entry.stack).name().to_owned();
        let props = |encryption| BucketProps {
            name: spec.bucket_name.as_ref().map(|name| name.value.clone()),
            encryption,
            versioned: spec.versioned,
            lifecycle,
            retain: true,
        };
        let bucket = cx.construct(&scope, origin, |app| {
            let encryption = match (key, encryption) {
                (Some(key), _) => BucketEncryption::Kms(key),
                (None, Some(BucketEncryptionSpec::Kms)) => BucketEncryption::Kms(Key::new(
                    app,
                    &scope,
                    KeyProps {
                        description: Some(format!(
                            "Encrypts the objects of the bucket {}/{}",
                            stack_name, spec.name
                        )),
                        ..KeyProps::default()
                    },
                )),
                (None, _) => BucketEncryption::S3Managed,
            };
            Bucket::new(app, &scope, props(encryption))
        });
        cx.publish(entry, &spec.name, bucket);
        diagnostics
    }
}

/// S3's naming rules for general purpose buckets.
fn is_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ip_like = name.split('.').count() == 4
        && name
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    (3..=63).contains(&name.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && edge(bytes.first())
        && edge(bytes.last())
        && !name.contains("..")
        && !name.contains(".-")
        && !name.contains("-.")
        && !ip_like
        && !name.starts_with("xn--")
        && !name.starts_with("sthree-")
        && !name.ends_with("-s3alias")
        && !name.ends_with("--ol-s3")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3_rules() {
        for good in ["abc", "build-tools.cache-1", "a".repeat(63).as_str()] {
            assert!(is_bucket_name(good), "{good}");
        }
        for bad in [
            "ab",
            "Build",
            "a_b",
            "-abc",
            "abc-",
            "a..b",
            "192.168.1.10",
            "xn--abc",
            "abc-s3alias",
            "a".repeat(64).as_str(),
        ] {
            assert!(!is_bucket_name(bad), "{bad}");
        }
    }
}
