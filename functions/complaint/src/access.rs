//! Who may see and act on a complaint or letter: the submitter (by query code, or logged in as
//! its author), the department that holds it and the supervisors. Everyone else, a wrong code
//! and a number that does not exist get one and the same 404.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{StatusCode, header, request::Parts},
};
use serde::Deserialize;
use wangban_shared::{
    auth::{AuthState, AuthUser},
    domain::{
        account::Role,
        complaint::{Actor, Event, Kind, Submission, TextError, TrackError},
        tracking::{TrackingNo, code_matches},
    },
    http::{ApiError, ApiResult, FieldError},
    store::{Versioned, complaints},
};

use crate::App;

/// The caller when a bearer token is sent; anonymous otherwise. A token that is sent must be
/// valid (401), so a logged-in caller never silently acts as anonymous.
pub struct MaybeUser(pub Option<AuthUser>);

impl<S> FromRequestParts<S> for MaybeUser
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(Self(None));
        }
        AuthUser::from_request_parts(parts, state).await.map(|u| Self(Some(u)))
    }
}

/// A parsed text field, or its problem added to `errors`.
pub fn text<T>(
    parsed: Result<T, TextError>,
    field: &str,
    label: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    parsed.map_err(|e| errors.push(FieldError::new(field, e.code(), e.message_zh(label)))).ok()
}

/// `?queryCode=`
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeQuery {
    pub query_code: Option<String>,
}

impl CodeQuery {
    pub fn code(&self) -> Option<&str> {
        self.query_code.as_deref().map(str::trim).filter(|c| !c.is_empty())
    }
}

pub fn not_found(kind: Kind) -> ApiError {
    match kind {
        Kind::Complaint => ApiError::not_found("complaint_not_found", "未找到该投诉，请核对投诉编号和查询码"),
        Kind::Letter => ApiError::not_found("letter_not_found", "未找到该来信，请核对信件编号和查询码"),
    }
}

/// How a refused command is answered.
pub fn refusal(kind: Kind, e: TrackError) -> ApiError {
    let status = match e {
        TrackError::NotAllowed => StatusCode::FORBIDDEN,
        TrackError::OtherDepartment => return not_found(kind),
        TrackError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        TrackError::WrongState { .. }
        | TrackError::SameDepartment
        | TrackError::NoPublishConsent
        | TrackError::NotAComplaint
        | TrackError::NotDissatisfied
        | TrackError::AlreadyReopened => StatusCode::CONFLICT,
    };
    ApiError::new(status, e.code(), e.message_zh())
}

/// The number in the path; a malformed one is answered like a missing one.
pub fn number(kind: Kind, raw: &str) -> ApiResult<TrackingNo> {
    TrackingNo::parse(kind.tracked(), raw).ok_or_else(|| not_found(kind))
}

/// How the reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Submitter,
    /// Supervisors and the department that holds it: contact details and the audit trail.
    Staff,
}

/// Whether `caller` may see `s` without a code, and how.
pub fn viewer_of(caller: &AuthUser, s: &Submission) -> Option<Viewer> {
    match caller.role() {
        Role::Applicant if s.author_id.as_deref() == Some(caller.user_id()) => Some(Viewer::Submitter),
        Role::Supervisor => Some(Viewer::Staff),
        Role::Clerk | Role::Reviewer | Role::Admin
            if caller.0.dept.is_some() && caller.0.dept == s.assigned_department =>
        {
            Some(Viewer::Staff)
        }
        _ => None,
    }
}

/// The submitter's proof: the right query code, or a token of the author. `None` when neither
/// was offered.
pub fn submitter_proof(code: Option<&str>, caller: Option<&AuthUser>, s: &Submission) -> Option<bool> {
    match (code, caller) {
        (Some(code), _) => Some(code_matches(&s.number, code, &s.query_code_digest)),
        (None, Some(user)) => {
            Some(user.role() == Role::Applicant && s.author_id.as_deref() == Some(user.user_id()))
        }
        (None, None) => None,
    }
}

pub fn code_required() -> ApiError {
    ApiError::bad_request("query_code_required", "请提供查询码，或登录后查看本人提交的事项")
}

/// Reads a submission for a reader: by code (any caller) or by token. Answers 404 alike for a
/// missing number, a wrong code and a caller who may not see it.
pub async fn read_for(
    app: &App,
    kind: Kind,
    raw_no: &str,
    code: Option<&str>,
    caller: Option<&AuthUser>,
) -> ApiResult<(Versioned<Submission>, Vec<Event>, Viewer)> {
    if code.is_none() && caller.is_none() {
        return Err(code_required());
    }
    let no = number(kind, raw_no)?;
    let (s, events) =
        complaints::with_events(app.ctx.store.as_ref(), &no).await?.ok_or_else(|| not_found(kind))?;
    let viewer = match (code, caller) {
        (Some(_), _) => (submitter_proof(code, caller, &s.value) == Some(true)).then_some(Viewer::Submitter),
        (None, Some(user)) => viewer_of(user, &s.value),
        (None, None) => None,
    };
    let viewer = viewer.ok_or_else(|| not_found(kind))?;
    Ok((s, events, viewer))
}

/// The actor a staff token stands for.
pub fn staff_actor(caller: &AuthUser) -> Actor {
    Actor::Staff {
        user_id: caller.user_id().to_owned(),
        role: caller.role(),
        department_id: caller.0.dept.clone(),
    }
}
