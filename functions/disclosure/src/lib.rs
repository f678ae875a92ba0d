//! disclosure (§4.1): departments, windows, licensing items with their full service guides,
//! form templates, policy news, and the public replies and decisions. Every route is public and
//! cacheable (strong ETag, 304 on `If-None-Match`).

mod catalogue;
mod public;

use axum::{Router, routing::get};
use wangban_shared::config::AppContext;

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/departments"),
    ("GET", "/api/v1/departments/{id}"),
    ("GET", "/api/v1/windows"),
    ("GET", "/api/v1/items"),
    ("GET", "/api/v1/items/{code}"),
    ("GET", "/api/v1/items/{code}/materials/{material_id}/template"),
    ("GET", "/api/v1/items/{code}/materials/{material_id}/sample"),
    ("GET", "/api/v1/policies"),
    ("GET", "/api/v1/public/replies"),
    ("GET", "/api/v1/public/decisions"),
    ("GET", "/api/v1/openapi.json"),
];

pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(public::openapi))
        .route("/api/v1/departments", get(catalogue::departments))
        .route("/api/v1/departments/{id}", get(catalogue::department))
        .route("/api/v1/windows", get(catalogue::windows))
        .route("/api/v1/items", get(catalogue::items))
        .route("/api/v1/items/{code}", get(catalogue::item))
        .route("/api/v1/items/{code}/materials/{material_id}/template", get(catalogue::template))
        .route("/api/v1/items/{code}/materials/{material_id}/sample", get(catalogue::sample))
        .route("/api/v1/policies", get(public::policies))
        .route("/api/v1/public/replies", get(public::replies))
        .route("/api/v1/public/decisions", get(public::decisions))
        .with_state(ctx)
}
