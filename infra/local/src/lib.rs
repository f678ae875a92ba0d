//! The all-in-one local server: every function's router in one axum app.

use axum::{Router, middleware};
use wangban_shared::{config::AppContext, runtime};

/// Every function's routes, as API Gateway would route them, with the shared fallbacks and the
/// request log.
pub fn app(ctx: AppContext) -> Router {
    Router::new()
        .merge(wangban_disclosure::router(ctx.clone()))
        .merge(wangban_registration::router(ctx))
        .fallback(runtime::not_found)
        .method_not_allowed_fallback(runtime::method_not_allowed)
        .layer(middleware::from_fn(runtime::log_request))
}
