//! S3: buckets that are private, encrypted and TLS-only whatever their properties, with
//! grants that cover the bucket's key; and references to buckets known by name.

mod bucket;

pub use bucket::{Bucket, BucketEncryption, BucketProps, BucketRef, LifecycleRule};
