//! The upload Lambda function: the router of `wangban_upload` behind API Gateway, on DynamoDB and
//! S3 in the cloud (or the embedded backends, as configured). It links only these SDKs.

use wangban_shared::{config::Links, docs::s3, runtime, store::dynamo};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let links = Links { dynamodb: Some(dynamo::open), s3: Some(s3::open), ..Links::EMBEDDED };
    runtime::run_lambda(wangban_upload::router, links).await
}
