//! The booking Lambda function: the router of `wangban_booking` behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    wangban_shared::runtime::run_lambda(wangban_booking::router).await
}
