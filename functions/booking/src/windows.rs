//! The department administrator's side: a window's schedule, and closing it for a day (which
//! cancels that day's bookings, each with a message to its citizen).

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde::Deserialize;
use serde_json::json;
use wangban_shared::{
    auth::AuthUser,
    config::AppContext,
    domain::{booking::Schedule, case::china_date, catalogue::iso_date, interaction::text},
    http::{ApiError, ApiJson, ApiPath, ApiResult, FieldError},
    store::{
        StoreError,
        booking::{self, Closure},
        catalogue,
    },
};

use crate::{appointments::message_op, view};

/// `PUT /api/v1/windows/{id}/schedule`: replaces the window's schedule. It applies to the slots
/// offered from now on; existing appointments are kept and still count in their slots.
pub async fn schedule(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(schedule): ApiJson<Schedule>,
) -> ApiResult<impl IntoResponse> {
    let current = view::window(&ctx, &id).await?;
    view::require_window_admin(&caller, &current.value)?;
    let problems = schedule.problems_zh();
    if !problems.is_empty() {
        // Chinese for people (detail and each error); the English sentences as the hint.
        let errors =
            problems.into_iter().map(|p| FieldError::new("schedule", "invalid_schedule", p)).collect();
        return Err(ApiError::invalid(errors)
            .with_code("invalid_schedule")
            .with_hint(schedule.problems().join("; ")));
    }
    let mut window = current.value.clone();
    window.schedule = schedule;
    match catalogue::update_window(ctx.store.as_ref(), &window, current.version).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => {
            return Err(ApiError::conflict(
                "concurrent_update",
                "该窗口的预约安排刚被他人修改，请刷新后重试",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(window = %window.id, "window schedule changed");
    Ok(Json(window))
}

#[derive(Deserialize)]
pub struct ClosureBody {
    #[serde(default)]
    reason: String,
}

/// The longest closure reason, in characters.
const MAX_REASON_CHARS: usize = 200;

/// `PUT /api/v1/windows/{id}/closures/{date}` with `{reason}`: closes the window that day. No
/// booking of the day can be made from the moment the closure is recorded, and every confirmed
/// one is cancelled, each with a message to its citizen, in transactions of at most 100
/// operations. Idempotent: closing a closed day again resumes an interrupted cancellation.
pub async fn close(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath((id, date)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ClosureBody>,
) -> ApiResult<impl IntoResponse> {
    let window = view::window(&ctx, &id).await?.value;
    view::require_window_admin(&caller, &window)?;
    let date = view::parse_date("date", &date)?;
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::invalid(vec![FieldError::new(
            "reason",
            "invalid_reason",
            "请填写暂停办公的原因（不超过 200 字），将告知已预约的群众",
        )]));
    }
    // Control, zero-width and bidirectional characters are refused as in every other text.
    if reason.chars().any(text::forbidden) {
        let e = text::TextError::ControlCharacter;
        return Err(ApiError::invalid(vec![FieldError::new(
            "reason",
            e.code(),
            e.message_zh("暂停办公的原因"),
        )]));
    }
    let now = ctx.clock.now();
    if date < china_date(now) {
        return Err(view::refusal(wangban_shared::domain::booking::BookingError::PastDay));
    }
    let wanted = Closure { reason, closed_by: caller.user_id().to_owned(), closed_at: now };
    let closure = booking::close(ctx.store.as_ref(), &window.id, date, &wanted).await?;
    let cancelled = booking::cancel_day(ctx.store.as_ref(), &window.id, date, &closure.reason, now, |a| {
        message_op(a, now).expect("a cancellation is always told")
    })
    .await?;
    tracing::info!(window = %window.id, cancelled, "window closed for a day");
    Ok(Json(json!({
        "windowId": window.id,
        "date": iso_date::format(date),
        "reason": closure.reason,
        "closedBy": closure.closed_by,
        "closedAt": closure.closed_at.format(&time::format_description::well_known::Rfc3339).ok(),
        "cancelled": cancelled,
    })))
}

/// `DELETE /api/v1/windows/{id}/closures/{date}`: opens the day again for bookings; the bookings
/// the closure cancelled stay cancelled.
pub async fn reopen(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath((id, date)): ApiPath<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let window = view::window(&ctx, &id).await?.value;
    view::require_window_admin(&caller, &window)?;
    let date = view::parse_date("date", &date)?;
    if !booking::reopen(ctx.store.as_ref(), &window.id, date).await? {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "closure_not_found", "该窗口当天没有暂停办公"));
    }
    tracing::info!(window = %window.id, "window reopened for a day");
    Ok(Json(json!({ "windowId": window.id, "date": iso_date::format(date), "open": true })))
}
