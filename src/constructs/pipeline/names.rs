//! Deterministic physical names: what one account must know of another before either
//! stack exists (roles trusted across accounts, artifact buckets and keys per region).

use crate::app::physical_name;
use crate::constructs::ConstructError;

/// The most characters of a bucket name.
const MAX_BUCKET_NAME: usize = 63;
/// The most characters of a role name.
const MAX_ROLE_NAME: usize = 64;

/// The stack holding the pipeline.
pub fn pipeline_stack(pipeline: &str) -> String {
    format!("{pipeline}-pipeline")
}

/// The support stack of a pipeline for another region.
pub fn support_stack(pipeline: &str, region: &str) -> String {
    format!("{pipeline}-support-{region}")
}

/// The bootstrap stack of a pipeline in a target account.
pub fn bootstrap_stack(pipeline: &str) -> String {
    format!("{pipeline}-bootstrap")
}

/// The artifact bucket of a pipeline in one account and region.
pub fn artifact_bucket(pipeline: &str, account: &str, region: &str) -> String {
    physical_name(&["cfsynth", pipeline, account, region], usize::MAX)
}

/// The alias of a pipeline's artifact key (the same in every region).
pub fn artifact_key_alias(pipeline: &str) -> String {
    format!("alias/cfsynth/{pipeline}/artifacts")
}

/// The pipeline's service role (trusted by target accounts' deploy roles).
pub fn pipeline_role(pipeline: &str) -> String {
    format!("cfsynth-{pipeline}-pipeline")
}

/// The role the pipeline assumes in a target account.
pub fn deploy_role(pipeline: &str) -> String {
    format!("cfsynth-{pipeline}-deploy")
}

/// The role CloudFormation uses to change stacks in a target account.
pub fn execution_role(pipeline: &str) -> String {
    format!("cfsynth-{pipeline}-cfn-exec")
}

/// Checks that every name derived from `pipeline` fits its service's limits in the given
/// (account, region) pairs, so no name is ever truncated into a collision.
pub fn check_lengths<'a>(
    pipeline: &str,
    artifact_places: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<ConstructError> {
    let mut errors = Vec::new();
    let longest_role = execution_role(pipeline);
    if longest_role.len() > MAX_ROLE_NAME {
        errors.push(ConstructError::invalid(
            pipeline,
            format!(
                "the pipeline name is too long: role `{longest_role}` would have {} characters, IAM allows {MAX_ROLE_NAME}; use at most {} characters",
                longest_role.len(),
                pipeline.len() - (longest_role.len() - MAX_ROLE_NAME)
            ),
        ));
    }
    for (account, region) in artifact_places {
        let bucket = artifact_bucket(pipeline, account, region);
        if bucket.len() > MAX_BUCKET_NAME {
            errors.push(ConstructError::invalid(
                pipeline,
                format!(
                    "the pipeline name is too long: artifact bucket `{bucket}` would have {} characters, S3 allows {MAX_BUCKET_NAME}; use at most {} characters",
                    bucket.len(),
                    pipeline.len() - (bucket.len() - MAX_BUCKET_NAME)
                ),
            ));
            break;
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_derived_and_length_checked() {
        assert_eq!(
            artifact_bucket("products-api", "111111111111", "eu-west-1"),
            "cfsynth-products-api-111111111111-eu-west-1"
        );
        assert_eq!(artifact_key_alias("api"), "alias/cfsynth/api/artifacts");
        assert!(check_lengths("products-api", [("111111111111", "ap-southeast-2")]).is_empty());
        let long = "a".repeat(30);
        let errors: Vec<String> = check_lengths(&long, [("111111111111", "ap-southeast-2")])
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            [format!(
                "{long}: the pipeline name is too long: artifact bucket `cfsynth-{long}-111111111111-ap-southeast-2` would have 66 characters, S3 allows 63; use at most 27 characters"
            )]
        );
    }
}
