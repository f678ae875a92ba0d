//! upload (§4.2.3): document uploads and online applications (single and joint), supplements
//! and withdrawal.

mod uploads;

use axum::Router;
use wangban_shared::config::AppContext;

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[];

pub fn router(ctx: AppContext) -> Router {
    Router::new().merge(uploads::routes()).with_state(ctx)
}
