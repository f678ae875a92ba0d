//! registration (§4.2.1): sign-up for individuals and enterprises, login, token refresh, the
//! public keys, and the caller's own profile and inbox.

mod accounts;
mod login;

use axum::{
    Router,
    routing::{get, post},
};
use wangban_shared::config::AppContext;

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("GET", "/api/v1/auth/jwks"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/me/messages"),
];

pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/api/v1/auth/register", post(accounts::register))
        .route("/api/v1/auth/login", post(login::login))
        .route("/api/v1/auth/refresh", post(login::refresh))
        .route("/api/v1/auth/jwks", get(login::jwks))
        .route("/api/v1/me", get(accounts::me))
        .route("/api/v1/me/messages", get(accounts::messages))
        .with_state(ctx)
}
