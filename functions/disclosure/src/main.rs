//! The disclosure Lambda function: the router of `wangban_disclosure` behind API Gateway, on
//! DynamoDB and S3 (templates) in the cloud (or the embedded backends, as configured). It links
//! only these SDKs.

use wangban_shared::{config::Links, docs::s3, runtime, store::dynamo};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let links = Links { dynamodb: Some(dynamo::open), s3: Some(s3::open), ..Links::EMBEDDED };
    runtime::run_lambda(wangban_disclosure::router, links).await
}
