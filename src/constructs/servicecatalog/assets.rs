//! The asset bucket of an environment: where `deploy` uploads product templates before the
//! portfolio stack that names them deploys.

use crate::app::{App, Asset, AssetKind, Environment, StackId, StackRole, physical_name};
use crate::constructs::Scope;
use crate::constructs::s3::{Bucket, BucketProps, LifecycleRule};
use crate::template::{Expr, sub};

/// The name of the stack holding an environment's asset bucket.
pub const ASSETS_STACK: &str = "cfsynth-assets";

/// The asset bucket of an account and region: `cfsynth-assets-<account>-<region>`.
pub fn asset_bucket_name(env: &Environment) -> String {
    physical_name(&["cfsynth-assets", env.account(), env.region()], 63)
}

/// The stack with the asset bucket of `env`, created (as a bootstrap stack, which deploys
/// before the others) the first time an environment needs one.
pub fn asset_stack(app: &mut App, env: &Environment) -> StackId {
    if let Some(stack) = app.find_stack(ASSETS_STACK, env) {
        return stack;
    }
    let stack = app.add_stack(ASSETS_STACK, env.clone(), StackRole::Bootstrap);
    app.stack_mut(stack).template.description =
        Some("cfsynth assets: files that stacks of this account and region load from S3".into());
    Bucket::new(
        app,
        &Scope::root(stack).child("assets"),
        BucketProps {
            name: Some(asset_bucket_name(env)),
            lifecycle: vec![
                LifecycleRule::AbortIncompleteMultipartUploads { days: 1 },
                LifecycleRule::ExpireNoncurrentVersions { days: 30 },
            ],
            ..BucketProps::default()
        },
    );
    stack
}

/// Records `content` as a Service Catalog template asset of `stack` (creating the asset
/// bucket of its environment, which the stack then deploys after) and returns the URL
/// the product loads it from.
pub(super) fn template_asset(
    app: &mut App,
    stack: StackId,
    source: String,
    content: Vec<u8>,
    extension: &str,
) -> Expr<String> {
    let env = app.env(stack).clone();
    let assets = asset_stack(app, &env);
    app.add_dependency(stack, assets);
    let bucket = asset_bucket_name(&env);
    let key = app.add_asset(
        stack,
        Asset::new(
            AssetKind::ServiceCatalogTemplate,
            source,
            content,
            extension,
            bucket.clone(),
        ),
    );
    sub(format!(
        "https://{bucket}.s3.{}.${{AWS::URLSuffix}}/{key}",
        env.region()
    ))
}
