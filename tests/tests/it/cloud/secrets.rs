//! GIVEN the environment of a deployed function WHEN it starts THEN it opens DynamoDB, S3 and
//! (registration only) its signing key from Secrets Manager through the same configuration code
//! the Lambda binaries run, against moto.

use std::sync::Arc;

use serde_json::json;
use wangban_shared::{
    auth::{PrivateKey, secret},
    clock::SystemClock,
    config::{AppContext, Links},
    docs::s3,
    store::{Condition, Record, dynamo},
};
use wangban_tests::emulators;

const CLOUD: Links = Links {
    dynamodb: Some(dynamo::open),
    s3: Some(s3::open),
    secrets: Some(secret::read),
    without_documents: false,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployed_function_opens_its_table_bucket_and_signing_secret_from_the_environment() {
    let moto = emulators::ambient_is_moto();
    let table = emulators::fresh_table().await.table().to_owned();
    let bucket = emulators::fresh_bucket(&moto, Arc::new(SystemClock)).await.bucket().to_owned();
    let key = PrivateKey::generate();
    let secrets = aws_sdk_secretsmanager::Client::new(&emulators::sdk_config(&moto).await);
    let secret_name = format!("wangban/signing-key-{}", uuid::Uuid::new_v4().simple());
    secrets.create_secret().name(&secret_name).secret_string(key.to_pem()).send().await.unwrap();

    let env = |vars: Vec<(&'static str, String)>| {
        move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    };
    let deployed = vec![
        ("WANGBAN_STORE", format!("dynamodb:{table}")),
        ("WANGBAN_DOCS", format!("s3:{bucket}")),
        ("WANGBAN_SIGNING_KEY_SECRET", secret_name.clone()),
        ("WANGBAN_DATA_DIR", "/nonexistent/read-only".to_owned()),
    ];
    let ctx = AppContext::from_lookup(env(deployed.clone()), CLOUD).await.unwrap();
    assert_eq!(ctx.verifier.keys()[0].x(), key.public().x(), "the key from the secret");
    assert!(ctx.signer.is_some());
    ctx.store.put(Record::new("T#config", "A", json!({"ok": true})), Condition::NotExists).await.unwrap();
    assert_eq!(ctx.store.get("T#config", "A").await.unwrap().unwrap().body, json!({"ok": true}));
    ctx.docs.put("catalogue/t/config.txt", b"ok".to_vec()).await.unwrap();
    assert_eq!(ctx.docs.get("catalogue/t/config.txt").await.unwrap().as_deref(), Some(&b"ok"[..]));

    // A missing secret stops the start with the variable named, and the secret's value is never
    // in an error.
    let mut missing = deployed.clone();
    missing[2].1 = "wangban/no-such-secret".into();
    let err = AppContext::from_lookup(env(missing), CLOUD).await.err().unwrap().to_string();
    assert!(err.contains("WANGBAN_SIGNING_KEY_SECRET"), "{err}");
    assert!(!err.contains("PRIVATE KEY"));
    // The other functions verify with the public key and never read the secret.
    let mut verify_only = deployed;
    verify_only[2] = ("WANGBAN_PUBLIC_KEYS", key.public().x());
    let ctx = AppContext::from_lookup(env(verify_only), Links { secrets: None, ..CLOUD }).await.unwrap();
    assert!(ctx.signer.is_none());
}
