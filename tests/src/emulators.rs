//! The AWS emulators that `scripts/test.sh` starts on loopback ports: moto (DynamoDB, S3,
//! Secrets Manager; no signature checks) at `WANGBAN_TEST_MOTO_URL` and s3s-fs (S3 with SigV4
//! and presigned-URL checks) at `WANGBAN_TEST_S3S_URL`. A test that needs one fails when its
//! variable is unset or nothing answers there: a missing emulator is a failure, never a skip.
//!
//! Every client is built with fixed test credentials and region, so a test can never reach a
//! real AWS account whatever the developer's environment holds.

use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use wangban_shared::{
    clock::Clock,
    docs::s3::S3Documents,
    store::dynamo::{DynamoStore, create_table},
};

/// The access key and secret s3s-fs is started with (and moto accepts anything).
pub const TEST_KEY: &str = "test";

/// The URL of an emulator from its variable, after checking something listens there.
pub fn endpoint(variable: &str) -> String {
    let url = std::env::var(variable).unwrap_or_else(|_| {
        panic!("{variable} is not set: run scripts/test.sh, which starts the emulators (feature `emulators`)")
    });
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    if let Err(e) = std::net::TcpStream::connect(authority) {
        panic!("{variable}={url} is unreachable ({e}): the emulator is not running");
    }
    url
}

pub fn moto() -> String {
    endpoint("WANGBAN_TEST_MOTO_URL")
}

pub fn s3s() -> String {
    endpoint("WANGBAN_TEST_S3S_URL")
}

/// The platform's SDK configuration (retries, timeouts, TLS), pointed at `url`.
pub async fn sdk_config(url: &str) -> SdkConfig {
    wangban_shared::aws::loader()
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(TEST_KEY, TEST_KEY, None, None, "wangban-tests"))
        .load()
        .await
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A fresh table on moto, created from THE definition.
pub async fn fresh_table() -> DynamoStore {
    let config = sdk_config(&moto()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let name = unique("wangban-test");
    create_table(&client, &name).await.unwrap_or_else(|e| panic!("create table {name}: {e}"));
    DynamoStore::new(client, &name)
}

/// A fresh bucket on the S3 emulator at `url`, with documents presigned at `clock`.
pub async fn fresh_bucket(url: &str, clock: Arc<dyn Clock>) -> S3Documents {
    let config = sdk_config(url).await;
    let client = S3Documents::client(&config);
    let bucket = unique("wangban-test");
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create bucket on {url}: {}", aws_sdk_s3::error::DisplayErrorContext(&e)));
    S3Documents::new(client, &bucket, clock)
}

/// Checks that the process's own AWS configuration (what the functions and `wangban-admin` read:
/// `AWS_ENDPOINT_URL`, region, credentials) points at moto, as `scripts/test.sh` sets it, before
/// a test runs code that loads it.
pub fn ambient_is_moto() -> String {
    let moto = moto();
    let ambient = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert_eq!(ambient, moto, "AWS_ENDPOINT_URL must point at moto (scripts/test.sh sets it)");
    moto
}
