//! upload (§4.2.3): document uploads and online applications (single and joint), supplements
//! and withdrawal.

mod applications;
mod uploads;

use axum::{
    Router,
    routing::{get, post},
};
use wangban_shared::config::AppContext;

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/uploads"),
    ("GET", "/api/v1/uploads/{id}"),
    ("PUT", "/api/v1/uploads/{id}/content"),
    ("GET", "/api/v1/files/{id}"),
    ("POST", "/api/v1/applications"),
    ("GET", "/api/v1/applications"),
    ("GET", "/api/v1/applications/{id}"),
    ("POST", "/api/v1/applications/{id}/supplement"),
    ("POST", "/api/v1/applications/{id}/withdraw"),
];

pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/api/v1/applications", post(applications::submit).get(applications::list))
        .route("/api/v1/applications/{id}", get(applications::read))
        .route("/api/v1/applications/{id}/supplement", post(applications::supplement))
        .route("/api/v1/applications/{id}/withdraw", post(applications::withdraw))
        .merge(uploads::routes())
        .with_state(ctx)
}
