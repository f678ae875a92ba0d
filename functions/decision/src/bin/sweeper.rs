//! The scheduled sweeper as its own Lambda function (invoked by an EventBridge schedule), on
//! DynamoDB; it keeps no documents and links no other SDK.

use lambda_http::{lambda_runtime, service_fn};
use wangban_shared::{config::Links, runtime, store::dynamo};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let links = Links { dynamodb: Some(dynamo::open), without_documents: true, ..Links::EMBEDDED };
    let ctx = runtime::bootstrap(links).await?;
    lambda_runtime::run(service_fn(move |_: lambda_runtime::LambdaEvent<serde_json::Value>| {
        let ctx = ctx.clone();
        async move {
            let report = wangban_decision::sweeper::sweep(&ctx).await.map_err(|e| e.detail)?;
            Ok::<_, lambda_http::Error>(serde_json::to_value(report)?)
        }
    }))
    .await
}
