//! Build images and compute types: curated aliases, ECR and registry images, and which
//! compute types each environment type offers.

use std::fmt;

use crate::app::Partition;
use crate::constructs::ConstructError;
use crate::template::closest;

/// The construct name used in errors about an image string parsed on its own.
const IMAGE_CONTEXT: &str = "codebuild image";
/// The construct name used in errors about a compute string parsed on its own.
const COMPUTE_CONTEXT: &str = "codebuild compute";

/// The CodeBuild environment type (`Environment.Type`) of an on-demand EC2 container
/// build. Windows, GPU, macOS and Lambda environments are not modelled.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum EnvironmentType {
    /// `LINUX_CONTAINER`: x86-64 Linux.
    LinuxContainer,
    /// `ARM_CONTAINER`: aarch64 Linux.
    ArmContainer,
}

impl EnvironmentType {
    /// The value CloudFormation expects.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvironmentType::LinuxContainer => "LINUX_CONTAINER",
            EnvironmentType::ArmContainer => "ARM_CONTAINER",
        }
    }

    /// The compute types CodeBuild offers for this environment type in `partition`
    /// ("About on-demand environment types" in the CodeBuild user guide: Linux offers all
    /// five sizes; ARM offers all five in the commercial partition, but the China regions'
    /// guide lists only small and large. GovCloud is held to the same conservative list
    /// until its ARM sizes are confirmed). Some regions lack the larger Linux sizes; that
    /// is not checked here.
    pub fn computes(self, partition: Partition) -> &'static [Compute] {
        match (self, partition) {
            (EnvironmentType::LinuxContainer, _)
            | (EnvironmentType::ArmContainer, Partition::Aws) => &Compute::ALL,
            (EnvironmentType::ArmContainer, Partition::AwsCn | Partition::AwsUsGov) => {
                &[Compute::Small, Compute::Large]
            }
        }
    }
}

impl fmt::Display for EnvironmentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The size of the build machine (`Environment.ComputeType`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Compute {
    /// `BUILD_GENERAL1_SMALL`: 2 vCPUs.
    Small,
    /// `BUILD_GENERAL1_MEDIUM`: 4 vCPUs.
    Medium,
    /// `BUILD_GENERAL1_LARGE`: 8 vCPUs.
    Large,
    /// `BUILD_GENERAL1_XLARGE`: 32 to 36 vCPUs.
    XLarge,
    /// `BUILD_GENERAL1_2XLARGE`: 48 to 72 vCPUs.
    X2Large,
}

impl Compute {
    /// Every size, smallest first.
    pub const ALL: [Compute; 5] = [
        Compute::Small,
        Compute::Medium,
        Compute::Large,
        Compute::XLarge,
        Compute::X2Large,
    ];

    /// The name used in manifests: `small`, `medium`, `large`, `xlarge`, `2xlarge`.
    pub fn alias(self) -> &'static str {
        match self {
            Compute::Small => "small",
            Compute::Medium => "medium",
            Compute::Large => "large",
            Compute::XLarge => "xlarge",
            Compute::X2Large => "2xlarge",
        }
    }

    /// The value CloudFormation expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Compute::Small => "BUILD_GENERAL1_SMALL",
            Compute::Medium => "BUILD_GENERAL1_MEDIUM",
            Compute::Large => "BUILD_GENERAL1_LARGE",
            Compute::XLarge => "BUILD_GENERAL1_XLARGE",
            Compute::X2Large => "BUILD_GENERAL1_2XLARGE",
        }
    }

    /// Parses a manifest alias (`small` … `2xlarge`).
    pub fn parse(text: &str) -> Result<Compute, ConstructError> {
        if let Some(compute) = Compute::ALL.into_iter().find(|c| c.alias() == text) {
            return Ok(compute);
        }
        let aliases = Compute::ALL.map(Compute::alias);
        Err(ConstructError::invalid(
            COMPUTE_CONTEXT,
            format!(
                "unknown compute type `{text}`{}; valid compute types are {}",
                did_you_mean(text, aliases),
                aliases.join(", ")
            ),
        ))
    }
}

impl fmt::Display for Compute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.alias())
    }
}

/// Where an image comes from, which decides how CodeBuild pulls it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ImageSource {
    /// A CodeBuild curated image (`aws/codebuild/…`), pulled with CodeBuild's credentials.
    Curated,
    /// An Amazon ECR image, pulled with the project's service role, which is granted pull
    /// access to exactly this repository. A repository in another account also needs a
    /// repository policy that lets the role pull.
    Ecr {
        /// The registry's account.
        account: String,
        /// The registry's region.
        region: String,
        /// The repository name (may contain `/`).
        repository: String,
    },
    /// An image from another registry: Amazon ECR Public, Docker Hub, or a private registry
    /// (which needs a registry credential).
    Registry,
}

/// A build image: its identifier, the environment type it runs on, and where it comes from.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Image {
    identifier: String,
    environment_type: EnvironmentType,
    source: ImageSource,
}

/// One curated image: the names users may write for it, and its platform.
struct Curated {
    /// The name after `aws/codebuild/` that CodeBuild documents today.
    name: &'static str,
    /// The name before November 2024, when CodeBuild renamed `amazonlinux2-*` images to
    /// `amazonlinux-*`; the old names still resolve to the same images.
    legacy: Option<&'static str>,
    /// Short aliases for manifests (never valid after `aws/codebuild/`).
    short: &'static [&'static str],
    environment_type: EnvironmentType,
}

impl Curated {
    /// Every spelling that parses to this image without the `aws/codebuild/` prefix.
    fn spellings(&self) -> impl Iterator<Item = &'static str> + use<> {
        std::iter::once(self.name)
            .chain(self.legacy)
            .chain(self.short.iter().copied())
    }
}

const fn linux(
    name: &'static str,
    legacy: Option<&'static str>,
    short: &'static [&'static str],
) -> Curated {
    Curated {
        name,
        legacy,
        short,
        environment_type: EnvironmentType::LinuxContainer,
    }
}

const fn arm(
    name: &'static str,
    legacy: Option<&'static str>,
    short: &'static [&'static str],
) -> Curated {
    Curated {
        name,
        legacy,
        short,
        environment_type: EnvironmentType::ArmContainer,
    }
}

/// The CodeBuild curated EC2 container images cfsynth knows, from "Docker images provided
/// by CodeBuild" (Ubuntu `standard`, Amazon Linux x86-64 and aarch64 `standard`).
const CURATED: &[Curated] = &[
    linux("standard:5.0", None, &[]),
    linux("standard:6.0", None, &[]),
    linux("standard:7.0", None, &[]),
    linux("standard:8.0", None, &[]),
    linux(
        "amazonlinux-x86_64-standard:4.0",
        Some("amazonlinux2-x86_64-standard:4.0"),
        &["al2:4.0"],
    ),
    linux(
        "amazonlinux-x86_64-standard:5.0",
        Some("amazonlinux2-x86_64-standard:5.0"),
        &["al2:5.0", "al2023:5.0"],
    ),
    linux(
        "amazonlinux-x86_64-standard:6.0",
        Some("amazonlinux2-x86_64-standard:6.0"),
        &["al2023:6.0"],
    ),
    linux(
        "amazonlinux-x86_64-standard:corretto8",
        Some("amazonlinux2-x86_64-standard:corretto8"),
        &["al2:corretto8"],
    ),
    linux(
        "amazonlinux-x86_64-standard:corretto11",
        Some("amazonlinux2-x86_64-standard:corretto11"),
        &["al2:corretto11"],
    ),
    arm(
        "amazonlinux-aarch64-standard:2.0",
        Some("amazonlinux2-aarch64-standard:2.0"),
        &["al2-arm:2.0"],
    ),
    arm(
        "amazonlinux-aarch64-standard:3.0",
        Some("amazonlinux2-aarch64-standard:3.0"),
        &["al2-arm:3.0", "al2023-arm:3.0"],
    ),
];

const CURATED_PREFIX: &str = "aws/codebuild/";

impl Image {
    /// Every curated alias and the identifier it maps to, for documentation and tests.
    pub fn curated_aliases() -> Vec<(&'static str, String, EnvironmentType)> {
        CURATED
            .iter()
            .flat_map(|image| {
                image.spellings().map(|alias| {
                    (
                        alias,
                        format!("{CURATED_PREFIX}{}", image.name),
                        image.environment_type,
                    )
                })
            })
            .collect()
    }

    /// Parses an image as users write it:
    ///
    /// - a curated alias (`standard:7.0`, `amazonlinux-x86_64-standard:5.0`, `al2:5.0`,
    ///   `amazonlinux-aarch64-standard:3.0`, …) or its full `aws/codebuild/…` identifier;
    /// - an Amazon ECR image `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`
    ///   (or `@sha256:<digest>`), pulled with the service role;
    /// - any other registry image with a tag or digest: `public.ecr.aws/<repo>:<tag>`,
    ///   a Docker Hub `name:tag` or `owner/name:tag`, or `<host>/<path>:<tag>`.
    ///
    /// Custom images run on x86-64 Linux; use [`Image::on_arm`] for aarch64 images. A name
    /// close to a curated alias is taken for a typo, not for a Docker Hub image.
    pub fn parse(text: &str) -> Result<Image, ConstructError> {
        let text = text.trim();
        if let Some(curated) = find_curated(text) {
            return Ok(Image {
                identifier: format!("{CURATED_PREFIX}{}", curated.name),
                environment_type: curated.environment_type,
                source: ImageSource::Curated,
            });
        }
        let unqualified = text.strip_prefix(CURATED_PREFIX).unwrap_or(text);
        let suggestion = closest(unqualified, all_curated_names());
        if text.starts_with(CURATED_PREFIX) || suggestion.is_some() || text.is_empty() {
            return Err(unknown_image(text, suggestion));
        }
        if !has_tag_or_digest(text) {
            return Err(ConstructError::invalid(
                IMAGE_CONTEXT,
                format!(
                    "image `{text}` has no tag or digest; pin it (`{text}:<tag>` or \
                     `{text}@sha256:<digest>`) so every build runs the same image"
                ),
            ));
        }
        if text.contains(char::is_whitespace) {
            return Err(unknown_image(text, None));
        }
        let source = parse_ecr(text).unwrap_or(ImageSource::Registry);
        Ok(Image {
            identifier: text.to_owned(),
            environment_type: EnvironmentType::LinuxContainer,
            source,
        })
    }

    /// The same custom image, run on aarch64 (`ARM_CONTAINER`). Curated images have a
    /// fixed platform: use an `amazonlinux-aarch64-standard` alias instead.
    pub fn on_arm(self) -> Result<Image, ConstructError> {
        if self.source == ImageSource::Curated {
            return Err(ConstructError::invalid(
                IMAGE_CONTEXT,
                format!(
                    "`{}` is a curated image with a fixed platform; for ARM builds use \
                     amazonlinux-aarch64-standard:3.0 (or :2.0)",
                    self.identifier
                ),
            ));
        }
        Ok(Image {
            environment_type: EnvironmentType::ArmContainer,
            ..self
        })
    }

    /// The image identifier (`Environment.Image`).
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The environment type the image runs on.
    pub fn environment_type(&self) -> EnvironmentType {
        self.environment_type
    }

    /// Where the image comes from.
    pub fn source(&self) -> &ImageSource {
        &self.source
    }
}

/// The curated image `text` names: `aws/codebuild/<name or legacy name>`, or without the
/// prefix, any spelling.
fn find_curated(text: &str) -> Option<&'static Curated> {
    match text.strip_prefix(CURATED_PREFIX) {
        Some(rest) => CURATED
            .iter()
            .find(|image| image.name == rest || image.legacy == Some(rest)),
        None => CURATED
            .iter()
            .find(|image| image.spellings().any(|spelling| spelling == text)),
    }
}

fn all_curated_names() -> impl Iterator<Item = &'static str> {
    CURATED.iter().flat_map(Curated::spellings)
}

fn unknown_image(text: &str, suggestion: Option<String>) -> ConstructError {
    let hint = match suggestion {
        Some(alias) => format!(" (did you mean `{alias}`?)"),
        None => String::new(),
    };
    ConstructError::invalid(
        IMAGE_CONTEXT,
        format!(
            "unknown image `{text}`{hint}; valid images are a curated alias \
             (standard:5.0|6.0|7.0|8.0; amazonlinux-x86_64-standard:4.0|5.0|6.0|corretto8|corretto11, \
             also written amazonlinux2-x86_64-standard:<version> or al2:<version>; \
             amazonlinux-aarch64-standard:2.0|3.0, also written al2-arm:<version>), \
             an Amazon ECR image <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>, \
             or another registry's image with a tag (public.ecr.aws/<repository>:<tag>, \
             <name>:<tag> on Docker Hub)"
        ),
    )
}

fn did_you_mean<'a>(text: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match closest(text, candidates) {
        Some(candidate) => format!(" (did you mean `{candidate}`?)"),
        None => String::new(),
    }
}

/// Whether the last path segment carries a `:tag`, or the reference an `@digest`.
fn has_tag_or_digest(text: &str) -> bool {
    if text.contains('@') {
        return true;
    }
    let last_segment = text.rsplit('/').next().unwrap_or(text);
    last_segment
        .split_once(':')
        .is_some_and(|(name, tag)| !name.is_empty() && !tag.is_empty())
}

/// `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]`.
fn parse_ecr(text: &str) -> Option<ImageSource> {
    let (host, path) = text.split_once('/')?;
    let host = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let (account, region) = host.split_once(".dkr.ecr.")?;
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) || !region_ok {
        return None;
    }
    let repository = match path.split_once('@') {
        Some((repository, _)) => repository,
        None => path
            .rsplit_once(':')
            .map_or(path, |(repository, _)| repository),
    };
    Some(ImageSource::Ecr {
        account: account.to_owned(),
        region: region.to_owned(),
        repository: repository.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curated_aliases_map_to_documented_identifiers() {
        let cases = [
            (
                "standard:7.0",
                "aws/codebuild/standard:7.0",
                EnvironmentType::LinuxContainer,
            ),
            (
                "aws/codebuild/standard:5.0",
                "aws/codebuild/standard:5.0",
                EnvironmentType::LinuxContainer,
            ),
            (
                "amazonlinux2-x86_64-standard:5.0",
                "aws/codebuild/amazonlinux-x86_64-standard:5.0",
                EnvironmentType::LinuxContainer,
            ),
            (
                "al2:5.0",
                "aws/codebuild/amazonlinux-x86_64-standard:5.0",
                EnvironmentType::LinuxContainer,
            ),
            (
                "aws/codebuild/amazonlinux2-aarch64-standard:3.0",
                "aws/codebuild/amazonlinux-aarch64-standard:3.0",
                EnvironmentType::ArmContainer,
            ),
            (
                "al2-arm:3.0",
                "aws/codebuild/amazonlinux-aarch64-standard:3.0",
                EnvironmentType::ArmContainer,
            ),
        ];
        for (alias, identifier, environment_type) in cases {
            let image = Image::parse(alias).unwrap();
            assert_eq!(image.identifier(), identifier, "{alias}");
            assert_eq!(image.environment_type(), environment_type, "{alias}");
            assert_eq!(image.source(), &ImageSource::Curated);
        }
    }

    #[test]
    fn short_aliases_are_not_valid_after_the_curated_prefix() {
        assert!(Image::parse("aws/codebuild/al2:5.0").is_err());
    }
}
