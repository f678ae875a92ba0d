//! The interaction Lambda function: the router of `wangban_interaction` behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    wangban_shared::runtime::run_lambda(wangban_interaction::router).await
}
