//! complaint: supervision complaints (网上监督投诉, §4.4) and the government mailbox (政务信箱,
//! §4.3 b), which is tracked the same way and so lives here rather than in interaction.
//!
//! Anyone may complain or write, logged in or anonymously with a mobile number; they get a
//! number and a secret query code (shown once, stored only as a digest) to follow it. A
//! supervisor assigns a complaint to the department that must answer (a letter goes straight to
//! the department it is addressed to, and a supervisor may forward it); that department's staff
//! reply within the configured working days; the complainant rates the handling and may reopen
//! it once when dissatisfied. With the submitter's consent the question and the answer are
//! published, personal data removed, in `GET /api/v1/public/replies`.
//!
//! Who sees what: the submitter (by query code, or logged in as its author), the department
//! that holds it and the supervisors; anyone else gets the same 404 as for a number that does
//! not exist. Staff act only within their department.

mod access;
mod act;
mod lists;
mod submit;
mod view;

use axum::{
    Router,
    extract::FromRef,
    routing::{get, post},
};
use wangban_shared::{
    auth::AuthState,
    config::{AppContext, ConfigError},
    domain::complaint::{DEFAULT_REPLY_WORKING_DAYS, Kind, MAX_REPLY_WORKING_DAYS},
};

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/complaints"),
    ("GET", "/api/v1/complaints/mine"),
    ("GET", "/api/v1/complaints/queue"),
    ("GET", "/api/v1/complaints/{no}"),
    ("POST", "/api/v1/complaints/{no}/assign"),
    ("POST", "/api/v1/complaints/{no}/reply"),
    ("POST", "/api/v1/complaints/{no}/rating"),
    ("POST", "/api/v1/complaints/{no}/reopen"),
    ("POST", "/api/v1/letters"),
    ("GET", "/api/v1/letters/mine"),
    ("GET", "/api/v1/letters/queue"),
    ("GET", "/api/v1/letters/{no}"),
    ("POST", "/api/v1/letters/{no}/assign"),
    ("POST", "/api/v1/letters/{no}/reply"),
];

/// How many working days a department has to reply, read once at cold start.
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `WANGBAN_COMPLAINT_REPLY_DAYS` | working days to reply to a complaint (1–60) | 15 |
/// | `WANGBAN_LETTER_REPLY_DAYS` | working days to reply to a letter (1–60) | 15 |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub complaint_reply_days: u16,
    pub letter_reply_days: u16,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            complaint_reply_days: DEFAULT_REPLY_WORKING_DAYS,
            letter_reply_days: DEFAULT_REPLY_WORKING_DAYS,
        }
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let days = |name: &str| match env(name) {
            None => Ok(DEFAULT_REPLY_WORKING_DAYS),
            Some(v) => {
                v.trim().parse().ok().filter(|d| (1..=MAX_REPLY_WORKING_DAYS).contains(d)).ok_or_else(|| {
                    ConfigError(format!(
                        "{name}={v}: a whole number of working days from 1 to {MAX_REPLY_WORKING_DAYS}"
                    ))
                })
            }
        };
        Ok(Self {
            complaint_reply_days: days("WANGBAN_COMPLAINT_REPLY_DAYS")?,
            letter_reply_days: days("WANGBAN_LETTER_REPLY_DAYS")?,
        })
    }

    pub fn reply_days(&self, kind: Kind) -> u16 {
        match kind {
            Kind::Complaint => self.complaint_reply_days,
            Kind::Letter => self.letter_reply_days,
        }
    }
}

/// The router's state: the context and the settings.
#[derive(Clone)]
pub struct App {
    pub ctx: AppContext,
    pub settings: Settings,
}

impl FromRef<App> for AuthState {
    fn from_ref(app: &App) -> Self {
        AuthState::from_ref(&app.ctx)
    }
}

/// Which kind a generic handler serves.
pub trait KindOf: Send + Sync + 'static {
    const KIND: Kind;
}

pub struct Complaints;
pub struct Letters;

impl KindOf for Complaints {
    const KIND: Kind = Kind::Complaint;
}

impl KindOf for Letters {
    const KIND: Kind = Kind::Letter;
}

/// The router with the settings from the environment.
///
/// # Panics
/// At cold start, with the variable named, when a setting is invalid.
pub fn router(ctx: AppContext) -> Router {
    let settings = Settings::from_env().unwrap_or_else(|e| panic!("{e}"));
    router_with(ctx, settings)
}

pub fn router_with(ctx: AppContext, settings: Settings) -> Router {
    Router::new()
        .route("/api/v1/complaints", post(submit::submit::<Complaints>))
        .route("/api/v1/complaints/mine", get(lists::mine::<Complaints>))
        .route("/api/v1/complaints/queue", get(lists::queue::<Complaints>))
        .route("/api/v1/complaints/{no}", get(act::read::<Complaints>))
        .route("/api/v1/complaints/{no}/assign", post(act::assign::<Complaints>))
        .route("/api/v1/complaints/{no}/reply", post(act::reply::<Complaints>))
        .route("/api/v1/complaints/{no}/rating", post(act::rate))
        .route("/api/v1/complaints/{no}/reopen", post(act::reopen))
        .route("/api/v1/letters", post(submit::submit::<Letters>))
        .route("/api/v1/letters/mine", get(lists::mine::<Letters>))
        .route("/api/v1/letters/queue", get(lists::queue::<Letters>))
        .route("/api/v1/letters/{no}", get(act::read::<Letters>))
        .route("/api/v1/letters/{no}/assign", post(act::assign::<Letters>))
        .route("/api/v1/letters/{no}/reply", post(act::reply::<Letters>))
        .with_state(App { ctx, settings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_days_default_to_fifteen_and_refuse_nonsense_naming_the_variable() {
        assert_eq!(Settings::from_lookup(|_| None).unwrap(), Settings::default());
        assert_eq!(Settings::default().reply_days(Kind::Complaint), 15);
        let s =
            Settings::from_lookup(|n| (n == "WANGBAN_COMPLAINT_REPLY_DAYS").then(|| " 10 ".into())).unwrap();
        assert_eq!((s.reply_days(Kind::Complaint), s.reply_days(Kind::Letter)), (10, 15));
        for bad in ["0", "61", "abc", "-3", "1.5"] {
            let err = Settings::from_lookup(|n| (n == "WANGBAN_LETTER_REPLY_DAYS").then(|| bad.into()))
                .unwrap_err();
            assert!(err.to_string().contains("WANGBAN_LETTER_REPLY_DAYS"), "{err}");
        }
    }
}
