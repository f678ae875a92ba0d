//! booking (§4.2.2): window appointments. The public list of a window's slots with their
//! remaining places; citizens book (never beyond a slot's capacity, whatever the concurrency),
//! list and cancel their appointments; the department's staff see the day's list, check
//! citizens in and mark no-shows; the department's administrator changes a window's schedule
//! and closes it for a day, which cancels that day's bookings with a message to each citizen.
//! The rules are in `wangban_shared::domain::booking`, the transactions in
//! `wangban_shared::store::booking`.

mod appointments;
mod slots;
mod staff;
mod view;
mod windows;

use axum::{
    Router,
    routing::{get, post, put},
};
use wangban_shared::config::AppContext;

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/slots"),
    ("POST", "/api/v1/appointments"),
    ("GET", "/api/v1/appointments"),
    ("GET", "/api/v1/appointments/{no}"),
    ("DELETE", "/api/v1/appointments/{no}"),
    ("POST", "/api/v1/appointments/{no}/check-in"),
    ("POST", "/api/v1/appointments/{no}/no-show"),
    ("GET", "/api/v1/windows/{id}/appointments"),
    ("PUT", "/api/v1/windows/{id}/schedule"),
    ("PUT", "/api/v1/windows/{id}/closures/{date}"),
    ("DELETE", "/api/v1/windows/{id}/closures/{date}"),
];

pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/api/v1/slots", get(slots::list))
        .route("/api/v1/appointments", post(appointments::book).get(appointments::mine))
        .route("/api/v1/appointments/{no}", get(appointments::read).delete(appointments::cancel))
        .route("/api/v1/appointments/{no}/check-in", post(staff::check_in))
        .route("/api/v1/appointments/{no}/no-show", post(staff::no_show))
        .route("/api/v1/windows/{id}/appointments", get(staff::day_list))
        .route("/api/v1/windows/{id}/schedule", put(windows::schedule))
        .route("/api/v1/windows/{id}/closures/{date}", put(windows::close).delete(windows::reopen))
        .with_state(ctx)
}
