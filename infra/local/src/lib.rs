//! The all-in-one local server: every function's router in one axum app.

use axum::Router;
use wangban_shared::{config::AppContext, runtime};

/// Every function's routes, as API Gateway would route them, with the shared edges.
pub fn app(ctx: AppContext) -> Router {
    runtime::with_edges(
        Router::new()
            .merge(wangban_disclosure::router(ctx.clone()))
            .merge(wangban_registration::router(ctx.clone()))
            .merge(wangban_upload::router(ctx.clone()))
            .merge(wangban_decision::router(ctx.clone()))
            .merge(wangban_status::router(ctx.clone()))
            .merge(wangban_admin::router(ctx.clone()))
            .merge(wangban_booking::router(ctx.clone()))
            .merge(wangban_complaint::router(ctx.clone()))
            .merge(wangban_interaction::router(ctx)),
    )
}
