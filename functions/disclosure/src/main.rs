//! The disclosure Lambda function: the router of `wangban_disclosure` behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    wangban_shared::runtime::run_lambda(wangban_disclosure::router).await
}
