//! The decision Lambda function: the router of `wangban_decision` behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    wangban_shared::runtime::run_lambda(wangban_decision::router).await
}
