//! interaction (§4.3): consultations online and offline with published answers, surveys and
//! public consultations, comments with moderation, the knowledge base, and service ratings
//! (好差评) with their follow-ups. The government mailbox lives with complaints.

mod access;
mod comments;
mod consultations;
pub mod demo;
mod kb;
mod ratings;
mod surveys;

use std::sync::Arc;

use axum::{
    Router,
    extract::FromRef,
    routing::{get, post},
};
use wangban_shared::{auth::AuthState, config::AppContext, store::kb::KbCache};

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/consultations"),
    ("GET", "/api/v1/consultations/{no}"),
    ("POST", "/api/v1/consultations/{no}/answer"),
    ("POST", "/api/v1/consultations/{no}/assign"),
    ("GET", "/api/v1/work/consultations"),
    ("GET", "/api/v1/surveys"),
    ("POST", "/api/v1/surveys"),
    ("GET", "/api/v1/surveys/{id}"),
    ("POST", "/api/v1/surveys/{id}/responses"),
    ("GET", "/api/v1/surveys/{id}/results"),
    ("GET", "/api/v1/comments"),
    ("POST", "/api/v1/comments"),
    ("GET", "/api/v1/comments/{id}"),
    ("POST", "/api/v1/comments/{id}/moderation"),
    ("POST", "/api/v1/comments/{id}/reply"),
    ("GET", "/api/v1/work/comments"),
    ("GET", "/api/v1/kb"),
    ("POST", "/api/v1/applications/{id}/rating"),
    ("GET", "/api/v1/applications/{id}/rating"),
    ("POST", "/api/v1/applications/{id}/rating/follow-up"),
    ("GET", "/api/v1/ratings"),
    ("GET", "/api/v1/work/rating-follow-ups"),
];

/// The router's state: the context and this process's knowledge-base index.
#[derive(Clone)]
pub struct Interaction {
    pub ctx: AppContext,
    pub kb: Arc<KbCache>,
}

impl FromRef<Interaction> for AuthState {
    fn from_ref(state: &Interaction) -> Self {
        AuthState::from_ref(&state.ctx)
    }
}

pub fn router(ctx: AppContext) -> Router {
    let state = Interaction { ctx, kb: Arc::default() };
    Router::new()
        .route("/api/v1/consultations", post(consultations::ask))
        .route("/api/v1/consultations/{no}", get(consultations::read))
        .route("/api/v1/consultations/{no}/answer", post(consultations::answer))
        .route("/api/v1/consultations/{no}/assign", post(consultations::assign))
        .route("/api/v1/work/consultations", get(consultations::queue))
        .route("/api/v1/surveys", get(surveys::list).post(surveys::create))
        .route("/api/v1/surveys/{id}", get(surveys::read))
        .route("/api/v1/surveys/{id}/responses", post(surveys::respond))
        .route("/api/v1/surveys/{id}/results", get(surveys::results))
        .route("/api/v1/comments", get(comments::list).post(comments::post))
        .route("/api/v1/comments/{id}", get(comments::read))
        .route("/api/v1/comments/{id}/moderation", post(comments::moderate))
        .route("/api/v1/comments/{id}/reply", post(comments::reply))
        .route("/api/v1/work/comments", get(comments::queue))
        .route("/api/v1/kb", get(kb::search))
        .route("/api/v1/applications/{id}/rating", post(ratings::rate).get(ratings::read))
        .route("/api/v1/applications/{id}/rating/follow-up", post(ratings::follow_up))
        .route("/api/v1/ratings", get(ratings::aggregates))
        .route("/api/v1/work/rating-follow-ups", get(ratings::follow_ups))
        .with_state(state)
}
