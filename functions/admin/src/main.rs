//! The admin Lambda function: the router of `wangban_admin` behind API Gateway, on DynamoDB in the
//! cloud (or the embedded backends, as configured). It links only these SDKs and keeps no
//! documents.

use wangban_shared::{config::Links, runtime, store::dynamo};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let links = Links { dynamodb: Some(dynamo::open), without_documents: true, ..Links::EMBEDDED };
    runtime::run_lambda(wangban_admin::router, links).await
}
