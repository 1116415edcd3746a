//! KMS: customer-managed keys with rotation, retained by default, whose key policy lets
//! the account's IAM policies manage access; and references to keys of other accounts and
//! regions known by their alias.

mod key;

pub use key::{Key, KeyProps, KeyRef};

use serde_json::Value as Json;

use crate::template::aws;

/// `StringEquals` `aws:SourceAccount` = the stack's account: the condition that scopes a
/// service principal to requests made on behalf of this account (confused-deputy
/// protection).
pub(crate) fn this_account() -> Json {
    aws::account_id().into_node()
}
