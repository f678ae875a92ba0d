//! Document uploads.

use axum::Router;
use wangban_shared::config::AppContext;

pub fn routes() -> Router<AppContext> {
    Router::new()
}
