//! What the routes share: how an appointment is shown, refusals as problem+json, who may act on
//! a window, and the look-ups every route starts with.

use axum::http::StatusCode;
use serde_json::{Value, json};
use time::{Date, format_description::well_known::Rfc3339};
use wangban_shared::{
    auth::AuthUser,
    config::AppContext,
    domain::{
        account::Role,
        booking::{Appointment, AppointmentNo, BookingError, weekday},
        catalogue::{Window, iso_date},
    },
    http::{ApiError, ApiResult, FieldError},
    store::{Versioned, booking::ChangeError, catalogue},
};

fn time(at: Option<time::OffsetDateTime>) -> Value {
    at.and_then(|t| t.format(&Rfc3339).ok()).map(Value::String).unwrap_or(Value::Null)
}

/// An appointment as its citizen sees it: the confirmation with window, location, date, time
/// and what to bring.
pub fn citizen(a: &Appointment) -> Value {
    json!({
        "appointmentNo": a.no,
        "status": a.status,
        "statusLabel": a.status.label_zh(),
        "windowId": a.window_id,
        "windowName": a.window_name,
        "location": a.location,
        "departmentId": a.department_id,
        "itemCode": a.item_code,
        "itemName": a.item_name,
        "date": iso_date::format(a.date),
        "weekday": weekday::name_zh(a.date.weekday()),
        "start": a.start,
        "end": a.end,
        "bring": a.bring,
        "bookedAt": time(Some(a.booked_at)),
        "cancellableUntil": time(Some(a.cancellable_until)),
        "cancelledAt": time(a.cancelled_at),
        "cancelledBy": a.cancelled_by,
        "cancelReason": a.cancel_reason,
        "checkedInAt": time(a.checked_in_at),
        "noShowAt": time(a.no_show_at),
        "confirmation": a.confirmation_zh(),
    })
}

/// An appointment as the window's staff see it: who is coming (numbers masked), and who
/// handled it.
pub fn staff(a: &Appointment) -> Value {
    let mut view = citizen(a);
    view["applicantName"] = json!(a.applicant_name);
    view["idNumberMasked"] = json!(a.id_masked);
    view["phoneMasked"] = json!(a.phone_masked);
    view["handledBy"] = json!(a.handled_by);
    view
}

/// A refusal of the booking rules as problem+json, with the members a program needs.
pub fn refusal(e: BookingError) -> ApiError {
    let status = match &e {
        BookingError::PastDay
        | BookingError::NotWorkingDay { .. }
        | BookingError::BeyondHorizon { .. }
        | BookingError::NoSuchSlot { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        BookingError::WindowClosed { .. }
        | BookingError::BookingClosed { .. }
        | BookingError::SlotFull
        | BookingError::AlreadyBooked
        | BookingError::CancellationClosed { .. }
        | BookingError::WrongState { .. }
        | BookingError::NotAppointmentDay { .. }
        | BookingError::SlotNotOver { .. } => StatusCode::CONFLICT,
    };
    let mut error = ApiError::new(status, e.code(), e.message_zh());
    match &e {
        BookingError::NotWorkingDay { holiday: Some(name), .. } => {
            error = error.with_extension("holiday", name)
        }
        BookingError::WindowClosed { reason, .. } => error = error.with_extension("reason", reason),
        BookingError::BeyondHorizon { last, .. } => {
            error = error.with_extension("lastBookableDate", iso_date::format(*last))
        }
        BookingError::CancellationClosed { until } => {
            error = error.with_extension("cancellableUntil", time(Some(*until)))
        }
        BookingError::WrongState { status, .. } => error = error.with_extension("appointmentStatus", status),
        _ => {}
    }
    error
}

pub fn appointment_not_found() -> ApiError {
    ApiError::not_found("appointment_not_found", "未找到该预约")
}

pub fn window_not_found() -> ApiError {
    ApiError::not_found("window_not_found", "未找到该服务窗口")
}

pub fn busy() -> ApiError {
    ApiError::conflict("concurrent_update", "该时段正被大量预约，请稍后重试").with_retry_after(1)
}

/// The store's answer to a change, as the route's answer.
pub fn change_error(e: ChangeError<BookingError>) -> ApiError {
    match e {
        ChangeError::NotFound => appointment_not_found(),
        ChangeError::Refused(e) => refusal(e),
        ChangeError::Busy => busy(),
        ChangeError::Store(e) => e.into(),
    }
}

/// A number from a path: a malformed one is answered like a missing one.
pub fn appointment_no(raw: &str) -> ApiResult<AppointmentNo> {
    AppointmentNo::parse(raw).ok_or_else(appointment_not_found)
}

pub fn parse_date(field: &str, raw: &str) -> ApiResult<Date> {
    iso_date::parse(raw.trim()).map_err(|_| {
        ApiError::invalid(vec![FieldError::new(
            field,
            "invalid_date",
            "日期格式应为 YYYY-MM-DD，例如 2026-12-04",
        )])
    })
}

pub async fn window(ctx: &AppContext, id: &str) -> ApiResult<Versioned<Window>> {
    catalogue::window(ctx.store.as_ref(), id).await?.ok_or_else(window_not_found)
}

/// Staff of `department_id` (clerk, reviewer or the department's administrator).
pub fn is_department_staff(caller: &AuthUser, department_id: &str) -> bool {
    matches!(caller.role(), Role::Clerk | Role::Reviewer | Role::Admin)
        && caller.0.dept.as_deref() == Some(department_id)
}

/// The platform's administrator (an administrator of no department).
pub fn is_platform_admin(caller: &AuthUser) -> bool {
    caller.role() == Role::Admin && caller.0.dept.is_none()
}

/// May change the window's schedule and close it: its department's administrator, or the
/// platform's.
pub fn require_window_admin(caller: &AuthUser, window: &Window) -> ApiResult<()> {
    let own_admin =
        caller.role() == Role::Admin && caller.0.dept.as_deref() == Some(window.department_id.as_str());
    if own_admin || is_platform_admin(caller) {
        Ok(())
    } else {
        Err(ApiError::forbidden("仅该窗口所属部门的管理员或平台管理员可以调整预约安排"))
    }
}

/// May see the window's day and act on its appointments: its department's staff, or the
/// platform's administrator.
pub fn require_window_staff(caller: &AuthUser, department_id: &str) -> ApiResult<()> {
    if is_department_staff(caller, department_id) || is_platform_admin(caller) {
        Ok(())
    } else {
        Err(ApiError::forbidden("仅该窗口所属部门的工作人员可以查看和办理窗口预约"))
    }
}
