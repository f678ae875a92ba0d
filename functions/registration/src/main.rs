//! The registration Lambda function: the router of `wangban_registration` behind API Gateway, on
//! DynamoDB, with the signing key from Secrets Manager in the cloud (or the embedded backends, as
//! configured). It links only these SDKs and keeps no documents.

use wangban_shared::{auth::secret, config::Links, runtime, store::dynamo};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let links = Links {
        dynamodb: Some(dynamo::open),
        secrets: Some(secret::read),
        without_documents: true,
        ..Links::EMBEDDED
    };
    runtime::run_lambda(wangban_registration::router, links).await
}
