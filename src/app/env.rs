//! Environments: an AWS account and region, in a partition.

use std::fmt;

use serde::Serialize;

/// An AWS partition.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Serialize)]
pub enum Partition {
    /// `aws`: the commercial regions.
    #[serde(rename = "aws")]
    Aws,
    /// `aws-cn`: the China regions.
    #[serde(rename = "aws-cn")]
    AwsCn,
    /// `aws-us-gov`: AWS GovCloud (US).
    #[serde(rename = "aws-us-gov")]
    AwsUsGov,
}

/// The regions cfsynth knows, with their partition (the regions cfn-lint has schemas for).
pub const REGIONS: &[(&str, Partition)] = &[
    ("af-south-1", Partition::Aws),
    ("ap-east-1", Partition::Aws),
    ("ap-east-2", Partition::Aws),
    ("ap-northeast-1", Partition::Aws),
    ("ap-northeast-2", Partition::Aws),
    ("ap-northeast-3", Partition::Aws),
    ("ap-south-1", Partition::Aws),
    ("ap-south-2", Partition::Aws),
    ("ap-southeast-1", Partition::Aws),
    ("ap-southeast-2", Partition::Aws),
    ("ap-southeast-3", Partition::Aws),
    ("ap-southeast-4", Partition::Aws),
    ("ap-southeast-5", Partition::Aws),
    ("ap-southeast-6", Partition::Aws),
    ("ap-southeast-7", Partition::Aws),
    ("ca-central-1", Partition::Aws),
    ("ca-west-1", Partition::Aws),
    ("eu-central-1", Partition::Aws),
    ("eu-central-2", Partition::Aws),
    ("eu-north-1", Partition::Aws),
    ("eu-south-1", Partition::Aws),
    ("eu-south-2", Partition::Aws),
    ("eu-west-1", Partition::Aws),
    ("eu-west-2", Partition::Aws),
    ("eu-west-3", Partition::Aws),
    ("il-central-1", Partition::Aws),
    ("me-central-1", Partition::Aws),
    ("me-south-1", Partition::Aws),
    ("mx-central-1", Partition::Aws),
    ("sa-east-1", Partition::Aws),
    ("us-east-1", Partition::Aws),
    ("us-east-2", Partition::Aws),
    ("us-west-1", Partition::Aws),
    ("us-west-2", Partition::Aws),
    ("cn-north-1", Partition::AwsCn),
    ("cn-northwest-1", Partition::AwsCn),
    ("us-gov-east-1", Partition::AwsUsGov),
    ("us-gov-west-1", Partition::AwsUsGov),
];

impl Partition {
    /// The partition of a known region.
    pub fn of_region(region: &str) -> Option<Partition> {
        REGIONS
            .iter()
            .find(|(name, _)| *name == region)
            .map(|(_, partition)| *partition)
    }

    /// The name used in ARNs.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The regions of this partition.
    pub fn regions(self) -> impl Iterator<Item = &'static str> {
        REGIONS
            .iter()
            .filter(move |(_, partition)| *partition == self)
            .map(|(name, _)| *name)
    }
}

/// Why an account or region was rejected.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum EnvError {
    /// Not a 12-digit account id.
    #[error("account id `{0}` is not 12 digits")]
    BadAccount(String),
    /// A region cfsynth does not know.
    #[error("unknown region `{region}`{}", match .suggestion { Some(s) => format!(" (did you mean `{s}`?)"), None => String::new() })]
    UnknownRegion {
        /// The region given.
        region: String,
        /// A close known region.
        suggestion: Option<String>,
    },
}

/// Where a stack is deployed: an account and a region (which decides the partition).
#[derive(Clone, PartialEq, Eq, Debug, Hash, Serialize)]
pub struct Environment {
    account: String,
    region: String,
    partition: Partition,
}

impl Environment {
    /// An environment; the account must be 12 digits and the region known.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Result<Self, EnvError> {
        let (account, region) = (account.into(), region.into());
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EnvError::BadAccount(account));
        }
        let Some(partition) = Partition::of_region(&region) else {
            let suggestion =
                crate::template::closest(&region, REGIONS.iter().map(|(name, _)| *name));
            return Err(EnvError::UnknownRegion { region, suggestion });
        };
        Ok(Environment {
            account,
            region,
            partition,
        })
    }

    /// The 12-digit account id.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The partition of the region.
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The same account in another region.
    pub fn in_region(&self, region: &str) -> Result<Self, EnvError> {
        Environment::new(self.account.clone(), region)
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_twelve_digits_and_regions_known() {
        let env = Environment::new("123456789012", "eu-west-1").unwrap();
        assert_eq!(env.partition(), Partition::Aws);
        assert_eq!(env.to_string(), "123456789012/eu-west-1");
        assert_eq!(
            Environment::new("12345", "eu-west-1")
                .unwrap_err()
                .to_string(),
            "account id `12345` is not 12 digits"
        );
        assert_eq!(
            Environment::new("123456789012", "eu-wets-1")
                .unwrap_err()
                .to_string(),
            "unknown region `eu-wets-1` (did you mean `eu-west-1`?)"
        );
        assert_eq!(
            Environment::new("123456789012", "cn-north-1")
                .unwrap()
                .partition()
                .name(),
            "aws-cn"
        );
        assert_eq!(
            Partition::AwsUsGov.regions().collect::<Vec<_>>(),
            ["us-gov-east-1", "us-gov-west-1"]
        );
    }
}
