//! The complaint Lambda function: the router of `wangban_complaint` behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    wangban_shared::runtime::run_lambda(wangban_complaint::router).await
}
