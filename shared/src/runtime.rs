//! Start-up shared by every binary: JSON logs, the context from the environment, and an
//! optional demo seed; plus the request log line.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{config::AppContext, http::ApiError, seed};

/// JSON logs to stdout (CloudWatch reads them), filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().json().with_env_filter(filter).with_target(false).without_time().try_init();
}

/// Builds the context once; with `WANGBAN_SEED_DEMO=1`, loads the demo catalogue if the store
/// lacks this version of it (for `cargo lambda watch` on a fresh SQLite file).
pub async fn bootstrap() -> Result<AppContext, Box<dyn std::error::Error + Send + Sync>> {
    init_tracing();
    let ctx = AppContext::from_env()?;
    if std::env::var("WANGBAN_SEED_DEMO").is_ok_and(|v| v == "1") {
        let outcome = seed::load_catalogue(ctx.store.as_ref(), ctx.docs.as_ref()).await?;
        tracing::info!(?outcome, "demo catalogue");
    }
    Ok(ctx)
}

/// One log line per request: method, route template (never the raw path or query, which may
/// carry personal data), status, duration and the request id, which is also echoed back.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    tracing::info!(
        %method,
        route = route.as_deref().unwrap_or("(unmatched)"),
        status,
        ms = started.elapsed().as_millis() as u64,
        request_id = %request_id,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Adds what every deployed router shares: problem+json for unknown paths and methods, and
/// the request log.
pub fn with_edges(router: axum::Router) -> axum::Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(log_request))
}

/// Runs one function's router as a Lambda function: context built once at cold start.
pub async fn run_lambda(router: fn(AppContext) -> axum::Router) -> Result<(), lambda_http::Error> {
    let ctx = bootstrap().await?;
    lambda_http::run(with_edges(router(ctx))).await
}

/// The answer for a path no function owns.
pub async fn not_found() -> Response {
    ApiError::not_found("not_found", "请求的地址不存在").into_response()
}

/// The answer for a known path with the wrong method.
pub async fn method_not_allowed() -> Response {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "不支持该请求方法").into_response()
}
