//! Start-up shared by every binary: JSON logs, the context from the environment, and an
//! optional demo seed; plus the edges every router shares (request log, request timeout,
//! `Cache-Control: no-store` by default, problem+json fallbacks).

use std::time::{Duration, Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    config::{AppContext, Links},
    http::ApiError,
    seed,
};

/// JSON logs to stdout (CloudWatch reads them), filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::util::SubscriberInitExt::try_init(json_logs(filter, std::io::stdout));
}

/// The log format: one JSON object per event, with its timestamp (RFC 3339, UTC), level,
/// message and fields.
fn json_logs<W>(filter: tracing_subscriber::EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt().json().with_env_filter(filter).with_target(false).with_writer(writer).finish()
}

/// Builds the context once, with the cloud adapters this binary links; with
/// `WANGBAN_SEED_DEMO=1`, loads the demo catalogue if the store lacks this version of it, and the
/// demo complaints and letters once (for `cargo lambda watch` on a fresh SQLite file; a cloud
/// deployment is seeded by `wangban-admin`).
pub async fn bootstrap(links: Links) -> Result<AppContext, Box<dyn std::error::Error + Send + Sync>> {
    init_tracing();
    let ctx = AppContext::from_env(links).await?;
    if std::env::var("WANGBAN_SEED_DEMO").is_ok_and(|v| v == "1") {
        let outcome = seed::load_catalogue(ctx.store.as_ref(), ctx.docs.as_ref()).await?;
        tracing::info!(?outcome, "demo catalogue");
        let demo = seed::load_demo_submissions(ctx.store.as_ref()).await?;
        tracing::info!(created = demo, "demo complaints and letters");
    }
    Ok(ctx)
}

/// How long a request may take, body included, before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One log line per request: method, route template (never the raw path or query, which may
/// carry personal data), status, duration and the request id, which is also echoed back.
///
/// A client's `x-request-id` is kept only if it is a UUID (then in its canonical form): anything
/// else could smuggle personal data or forged log content into the log, so it is replaced.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| uuid::Uuid::try_parse(v.trim()).ok())
        .unwrap_or_else(uuid::Uuid::new_v4)
        .to_string();
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

/// Responses that name their own caching (public catalogue answers, signed downloads) keep it;
/// every other answer may carry tokens or personal data and must not be stored by any cache.
pub async fn no_store_by_default(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Time allowed for sending a document's bytes to the local upload route: as long as its
/// signed URL lives, so a citizen on a slow mobile connection can finish a 20 MB file.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

fn is_upload(request: &Request) -> bool {
    request.method() == axum::http::Method::PUT
        && request.uri().path().starts_with("/api/v1/uploads/")
        && request.uri().path().ends_with("/content")
}

/// Answers 408 problem+json when a request takes longer than allowed.
async fn time_limit(timeout: Duration, request: Request, next: Next) -> Response {
    let limit = if is_upload(&request) { UPLOAD_TIMEOUT.max(timeout) } else { timeout };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", "请求处理超时，请稍后重试")
            .into_response(),
    }
}

/// Adds what every deployed router shares: problem+json for unknown paths and methods, a
/// request timeout ([`REQUEST_TIMEOUT`], answered 408), `Cache-Control: no-store` unless a
/// handler chose otherwise, and the request log.
pub fn with_edges(router: axum::Router) -> axum::Router {
    edges(router, REQUEST_TIMEOUT)
}

fn edges(router: axum::Router, timeout: Duration) -> axum::Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(move |request, next| time_limit(timeout, request, next)))
        .layer(axum::middleware::from_fn(no_store_by_default))
        .layer(axum::middleware::from_fn(log_request))
}

/// Runs one function's router as a Lambda function: context built once at cold start (no
/// request is served and no backend is called before the first event).
pub async fn run_lambda(
    router: fn(AppContext) -> axum::Router,
    links: Links,
) -> Result<(), lambda_http::Error> {
    let ctx = bootstrap(links).await?;
    lambda_http::run(lambda_service(router(ctx))).await
}

/// A function's router as it serves API Gateway events: the shared edges, behind the stage
/// handling of [`without_stage`].
pub fn lambda_service(
    router: axum::Router,
) -> tower::util::MapRequest<axum::Router, fn(lambda_http::Request) -> lambda_http::Request> {
    use tower::ServiceExt;
    with_edges(router).map_request(without_stage::<lambda_http::Body> as fn(_) -> _)
}

/// Routes are served at `/api/...` whatever the API Gateway stage. lambda_http prefixes a named
/// stage to the path unless `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set (the template sets it),
/// and an HTTP API's raw path of a named stage already starts with it; so a leading `/<stage>` in
/// front of `/api/` is dropped here whichever way the path came. (The rewrite happens around the
/// router: a layer inside it would run after routing.)
pub fn without_stage<B>(mut request: axum::http::Request<B>) -> axum::http::Request<B> {
    use lambda_http::request::RequestContext;
    let stage = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(c)) => c.stage.clone(),
        Some(RequestContext::ApiGatewayV1(c)) => c.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| !s.is_empty() && s != "$default") else { return request };
    let uri = request.uri();
    let Some(rest) = uri.path().strip_prefix(&format!("/{stage}")).filter(|r| r.starts_with("/api/")) else {
        return request;
    };
    let path_and_query = match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    match path_and_query.parse() {
        Ok(pq) => parts.path_and_query = Some(pq),
        Err(_) => return request,
    }
    if let Ok(stripped) = axum::http::Uri::from_parts(parts) {
        *request.uri_mut() = stripped;
    }
    request
}

/// The answer for a path no function owns.
pub async fn not_found() -> Response {
    ApiError::not_found("not_found", "请求的地址不存在").into_response()
}

/// The answer for a known path with the wrong method.
pub async fn method_not_allowed() -> Response {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "不支持该请求方法").into_response()
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, routing::get};
    use tower::ServiceExt;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn log_lines_are_json_with_a_timestamp() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = json_logs(tracing_subscriber::EnvFilter::new("info"), move || writer.clone());
        tracing::subscriber::with_default(subscriber, || tracing::info!(status = 200, "request"));
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        let at = line["timestamp"].as_str().unwrap_or_else(|| panic!("no timestamp: {line}"));
        assert!(
            time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_ok(),
            "{at}"
        );
        assert_eq!((line["level"].as_str(), line["fields"]["status"].as_u64()), (Some("INFO"), Some(200)));
    }

    #[tokio::test]
    async fn a_request_that_takes_too_long_is_answered_408_problem_json() {
        let slow = axum::Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "done"
            }),
        );
        let app = edges(slow, Duration::from_millis(50));
        let started = Instant::now();
        let response = app.oneshot(Request::get("/slow").body(Body::empty()).unwrap()).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "request_timeout");
    }
}
