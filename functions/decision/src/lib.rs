//! decision (§4.2.4–4.2.5): the staff side of a case. Work queues per stage, acceptance
//! (accept / not accept / one-time supplement notice), review (start, approve, deny),
//! extension, and the sweeper that applies the statutory clock (deemed acceptance).

mod handlers;
pub mod sweeper;

use axum::{
    Router,
    routing::{get, post},
};
use wangban_shared::config::AppContext;

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/work/queue"),
    ("POST", "/api/v1/applications/{id}/acceptance"),
    ("POST", "/api/v1/applications/{id}/review"),
    ("POST", "/api/v1/applications/{id}/extension"),
];

pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/api/v1/work/queue", get(handlers::queue))
        .route("/api/v1/applications/{id}/acceptance", post(handlers::acceptance))
        .route("/api/v1/applications/{id}/review", post(handlers::review))
        .route("/api/v1/applications/{id}/extension", post(handlers::extension))
        .with_state(ctx)
}
