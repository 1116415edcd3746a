//! The IAM principals a portfolio is associated with: full ARNs, or account-less name
//! patterns that match principals in every account the portfolio is shared with.

use crate::template::{Val, sub};

/// What kind of IAM identity a principal ARN names.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum IamIdentity {
    /// `role/…`
    Role,
    /// `user/…`
    User,
    /// `group/…`
    Group,
}

impl IamIdentity {
    fn from_prefix(prefix: &str) -> Option<IamIdentity> {
        match prefix {
            "role" => Some(IamIdentity::Role),
            "user" => Some(IamIdentity::User),
            "group" => Some(IamIdentity::Group),
            _ => None,
        }
    }

    /// `role`, `user` or `group`.
    pub fn name(self) -> &'static str {
        match self {
            IamIdentity::Role => "role",
            IamIdentity::User => "user",
            IamIdentity::Group => "group",
        }
    }
}

/// An IAM role, user or group given access to a portfolio's products.
///
/// Written as an ARN: `arn:${AWS::Partition}:iam::111111111111:role/platform-admin` names
/// one principal (`PrincipalType: IAM`); leaving the account out,
/// `arn:${AWS::Partition}:iam:::role/data-engineer*`, makes a name pattern
/// (`IAM_PATTERN`, `*` and `?` allowed) that Service Catalog matches in the portfolio's
/// account and in every account that imports the share.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct PortfolioPrincipal {
    arn: String,
    identity: IamIdentity,
    account: Option<String>,
    name: String,
}

/// The partitions an ARN may name (`${AWS::Partition}` as [`PARTITION`]).
const PARTITIONS: [&str; 4] = [PARTITION, "aws", "aws-cn", "aws-us-gov"];
/// `${AWS::Partition}` while an ARN is split at its colons.
const PARTITION: &str = "\u{1}partition";
/// `${AWS::AccountId}` while an ARN is split at its colons.
const ACCOUNT_ID: &str = "\u{1}account";

/// A part of a split ARN with its pseudo parameters written back.
fn restore(part: &str) -> String {
    part.replace(PARTITION, "${AWS::Partition}")
        .replace(ACCOUNT_ID, "${AWS::AccountId}")
}

impl PortfolioPrincipal {
    /// Parses a principal ARN; the error says what is wrong and what would be valid.
    pub fn parse(arn: &str) -> Result<PortfolioPrincipal, String> {
        const SHAPE: &str = "expected `arn:${AWS::Partition}:iam::<account>:role/<name>` (or `user/`, `group/`), or `arn:${AWS::Partition}:iam:::role/<name-pattern>` without an account";
        let hidden = arn
            .replace("${AWS::Partition}", PARTITION)
            .replace("${AWS::AccountId}", ACCOUNT_ID);
        let parts: Vec<&str> = hidden.splitn(6, ':').collect();
        let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
            return Err(format!("`{arn}` is not an IAM principal ARN: {SHAPE}"));
        };
        if *prefix != "arn" || *service != "iam" {
            return Err(format!("`{arn}` is not an IAM principal ARN: {SHAPE}"));
        }
        if !PARTITIONS.contains(partition) {
            return Err(format!(
                "`{arn}` names the partition `{}`: write `${{AWS::Partition}}` (or `aws`, `aws-cn`, `aws-us-gov`)",
                restore(partition)
            ));
        }
        if !region.is_empty() {
            return Err(format!(
                "`{arn}` has a region, but IAM ARNs have none: {SHAPE}"
            ));
        }
        let account = match *account {
            "" => None,
            ACCOUNT_ID => Some("${AWS::AccountId}".to_owned()),
            id if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => Some(id.to_owned()),
            other => {
                return Err(format!(
                    "`{arn}` names the account `{}`: an account is 12 digits or `${{AWS::AccountId}}`, or left out for a name pattern",
                    restore(other)
                ));
            }
        };
        let resource = restore(resource);
        let Some((kind, name)) = resource.split_once('/') else {
            return Err(format!("`{arn}` names no role, user or group: {SHAPE}"));
        };
        let Some(identity) = IamIdentity::from_prefix(kind) else {
            return Err(format!(
                "`{arn}` names a `{kind}`: a portfolio principal is a `role`, `user` or `group`"
            ));
        };
        let pattern = account.is_none();
        let valid_char = |c: char| {
            c.is_ascii_alphanumeric()
                || "+=,.@_-/".contains(c)
                || (pattern && (c == '*' || c == '?'))
        };
        if name.is_empty() || name.starts_with('/') || !name.chars().all(valid_char) {
            let hint = if !pattern && name.contains(['*', '?']) {
                "; wildcards need an account-less name pattern: leave the account out (`arn:${AWS::Partition}:iam:::role/name*`)"
            } else {
                ""
            };
            return Err(format!(
                "`{arn}` has the {} name `{name}`: IAM names are letters, digits and `+=,.@_-` (with `/` for paths){hint}",
                identity.name()
            ));
        }
        Ok(PortfolioPrincipal {
            arn: arn.to_owned(),
            identity,
            account,
            name: name.to_owned(),
        })
    }

    /// Whether it is an account-less name pattern (`IAM_PATTERN`).
    pub fn is_pattern(&self) -> bool {
        self.account.is_none()
    }

    /// `IAM` for a full ARN, `IAM_PATTERN` for a name pattern.
    pub fn principal_type(&self) -> &'static str {
        if self.is_pattern() {
            "IAM_PATTERN"
        } else {
            "IAM"
        }
    }

    /// Whether it is a role, a user or a group.
    pub fn identity(&self) -> IamIdentity {
        self.identity
    }

    /// The account, `None` for a pattern.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The name (or name pattern), with its path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ARN as written.
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The ARN for a template: `Fn::Sub` when it names pseudo parameters.
    pub fn arn(&self) -> Val<String> {
        if self.arn.contains("${") {
            Val::Expr(sub(self.arn.clone()))
        } else {
            Val::Lit(self.arn.clone())
        }
    }

    /// Words for its logical ID: the identity, the account (or `pattern`) and the name.
    pub(crate) fn id_words(&self) -> Vec<String> {
        let account = match self.account.as_deref() {
            None => "pattern",
            Some("${AWS::AccountId}") => "local",
            Some(id) => id,
        };
        let name = self.name.replace('*', " any ").replace('?', " one ");
        vec![self.identity.name().to_owned(), account.to_owned(), name]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_arns_and_patterns() {
        let admin = PortfolioPrincipal::parse("arn:${AWS::Partition}:iam::111111111111:role/admin")
            .unwrap();
        assert_eq!(admin.principal_type(), "IAM");
        assert_eq!(admin.account(), Some("111111111111"));
        let engineers =
            PortfolioPrincipal::parse("arn:${AWS::Partition}:iam:::role/data-engineer*").unwrap();
        assert!(engineers.is_pattern());
        assert_eq!(engineers.principal_type(), "IAM_PATTERN");
        assert_eq!(engineers.name(), "data-engineer*");
        let group =
            PortfolioPrincipal::parse("arn:aws:iam::111111111111:group/ops/oncall").unwrap();
        assert_eq!(group.identity(), IamIdentity::Group);
        assert_eq!(
            group.arn(),
            Val::Lit("arn:aws:iam::111111111111:group/ops/oncall".into())
        );
    }

    #[test]
    fn malformed_arns_say_why() {
        for (arn, says) in [
            ("data-engineer", "is not an IAM principal ARN"),
            ("arn:aws:s3:::bucket/x", "is not an IAM principal ARN"),
            ("arn:aws:iam:us-east-1:111111111111:role/x", "has a region"),
            ("arn:aws:iam::1111:role/x", "names the account `1111`"),
            ("arn:aws:iam::111111111111:policy/x", "names a `policy`"),
            (
                "arn:aws:iam::111111111111:role/x*",
                "wildcards need an account-less",
            ),
            (
                "arn:awz:iam::111111111111:role/x",
                "names the partition `awz`",
            ),
            ("arn:aws:iam::111111111111:role/", "has the role name ``"),
        ] {
            let error = PortfolioPrincipal::parse(arn).unwrap_err();
            assert!(error.contains(says), "{arn}: {error}");
        }
    }
}
