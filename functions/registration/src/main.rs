//! The registration Lambda function: the router of `wangban_registration` behind API Gateway.

use axum::middleware;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let ctx = wangban_shared::runtime::bootstrap().await?;
    let app = wangban_registration::router(ctx)
        .fallback(wangban_shared::runtime::not_found)
        .method_not_allowed_fallback(wangban_shared::runtime::method_not_allowed)
        .layer(middleware::from_fn(wangban_shared::runtime::log_request));
    lambda_http::run(app).await
}
