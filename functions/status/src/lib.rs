//! status.

use axum::Router;
use wangban_shared::config::AppContext;

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[];

pub fn router(ctx: AppContext) -> Router {
    Router::new().with_state(ctx)
}
