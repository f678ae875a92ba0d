//! The citizen's side: book a slot (with `Idempotency-Key`), list my appointments, read one,
//! cancel one until the cut-off.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wangban_shared::{
    auth::AuthUser,
    config::AppContext,
    domain::{
        account::{AccountKind, Role},
        booking::{Appointment, AppointmentNo, AppointmentStatus, BookingError, ClockTime, ToBring},
        case::china_date,
        catalogue::{ApplicantKind, iso_date},
        ids::ItemCode,
    },
    http::{
        ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, FieldError,
        list::{ListPage, PageParams},
    },
    store::{
        TxOp,
        booking::{self, BookError, ChangeError},
        catalogue,
        idempotency::IdempotencyKey,
        users::{self, Message},
    },
};

use crate::view;

fn applicant_only(caller: &AuthUser) -> ApiResult<()> {
    caller
        .require(&[Role::Applicant])
        .map_err(|_| ApiError::forbidden("仅办事群众（个人或法人账号）可以在线预约和管理自己的预约"))
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingBody {
    pub window_id: String,
    pub item_code: String,
    pub date: String,
    pub start: String,
}

/// The inbox message about an appointment's new state, if the citizen is owed one.
pub fn message_op(a: &Appointment, now: time::OffsetDateTime) -> Option<TxOp> {
    let (title, body) = a.notice_zh()?;
    let message = Message {
        id: uuid::Uuid::now_v7().to_string(),
        title,
        body,
        sent_at: now,
        application_id: None,
        appointment_no: Some(a.no.to_string()),
    };
    Some(users::message_op(&a.user_id, &message))
}

fn created(view: Value) -> Response {
    let location = format!("/api/v1/appointments/{}", view["appointmentNo"].as_str().unwrap_or_default());
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `POST /api/v1/appointments`: books a slot for the caller. 201 with the appointment number
/// and the confirmation; 409 `slot_full` when the places are gone, 409 `already_booked` for a
/// second booking of the item on the day, 403 `booking_suspended` after three no-shows.
pub async fn book(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BookingBody>,
) -> ApiResult<Response> {
    applicant_only(&caller)?;
    let idempotency = IdempotencyKey::from_headers(&headers, &format!("book#{}", caller.user_id()), &body)?;
    if let Some(key) = &idempotency
        && let Some(done) = key.replay::<Value>(ctx.store.as_ref()).await?
    {
        return Ok(created(done));
    }
    let mut errors = Vec::new();
    let date = iso_date::parse(body.date.trim()).ok();
    if date.is_none() {
        errors.push(FieldError::new("date", "invalid_date", "日期格式应为 YYYY-MM-DD，例如 2026-12-04"));
    }
    let start = ClockTime::parse(&body.start);
    if start.is_none() {
        errors.push(FieldError::new("start", "invalid_time", "时段开始时间格式应为 HH:MM，例如 09:30"));
    }
    let code = ItemCode::parse(&body.item_code).ok();
    if code.is_none() {
        errors.push(FieldError::new(
            "itemCode",
            "item_not_at_window",
            format!("事项编码 {} 不存在", body.item_code),
        ));
    }
    let (Some(date), Some(start), Some(code)) = (date, start, code) else {
        return Err(ApiError::invalid(errors));
    };
    let window = view::window(&ctx, body.window_id.trim()).await?.value;
    if !window.item_codes.contains(&code) {
        return Err(ApiError::invalid(vec![FieldError::new(
            "itemCode",
            "item_not_at_window",
            format!("「{}」不办理事项 {code}，请选择办理该事项的窗口", window.name),
        )]));
    }
    let now = ctx.clock.now();
    let today = china_date(now);
    // Told first, and why: a suspended citizen learns it before anything else about the slot.
    let standing = booking::no_shows(ctx.store.as_ref(), caller.user_id()).await?;
    if let Some(suspension) = standing.value.suspended_on(today) {
        return Err(ApiError::forbidden(suspension.reason_zh())
            .with_code("booking_suspended")
            .with_extension("suspendedUntil", iso_date::format(suspension.until))
            .with_extension("bookingResumesOn", iso_date::format(suspension.resumes_on()))
            .with_extension("noShows", &suspension.because));
    }
    let item = catalogue::item(ctx.store.as_ref(), &code).await?.ok_or_else(ApiError::internal)?;
    let user = users::get(ctx.store.as_ref(), caller.user_id())
        .await?
        .ok_or_else(|| ApiError::unauthorized("账号不存在或已注销"))?
        .value;
    let kind = if user.kind == AccountKind::Enterprise {
        ApplicantKind::Enterprise
    } else {
        ApplicantKind::Individual
    };
    if !item.applicant_kinds.contains(&kind) {
        let who = if kind == ApplicantKind::Enterprise { "法人或其他组织" } else { "自然人" };
        return Err(ApiError::invalid(vec![FieldError::new(
            "itemCode",
            "applicant_kind_not_allowed",
            format!("「{}」不面向{who}办理", item.name),
        )]));
    }
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let schedule = &window.schedule;
    let closure = booking::closure(ctx.store.as_ref(), &window.id, date).await?;
    let slot = schedule
        .bookable_slot(&calendar, now, date, start, closure.as_ref().map(|c| c.reason.as_str()))
        .map_err(view::refusal)?;

    let bring = ToBring::for_item(&item);
    let make = || Appointment {
        no: AppointmentNo::generate(date),
        user_id: user.user_id.clone(),
        applicant_name: user.org_name.clone().unwrap_or_else(|| user.name.clone()),
        id_masked: user
            .id_number
            .as_ref()
            .map(|id| id.masked())
            .or_else(|| user.uscc.as_ref().map(|u| u.masked())),
        phone_masked: user.phone.as_ref().map(|p| p.masked()),
        window_id: window.id.clone(),
        window_name: window.name.clone(),
        location: window.location.clone(),
        department_id: window.department_id.clone(),
        item_code: item.code.clone(),
        item_name: item.name.clone(),
        date,
        start: slot.start,
        end: slot.end,
        bring: bring.clone(),
        status: AppointmentStatus::Confirmed,
        booked_at: now,
        cancellable_until: schedule.cancellation_deadline(date, slot),
        cancelled_at: None,
        cancelled_by: None,
        cancel_reason: None,
        checked_in_at: None,
        no_show_at: None,
        handled_by: None,
    };
    // The confirmation in the inbox, then the idempotency record (extra operation 1).
    let extra = |a: &Appointment| {
        let mut ops: Vec<TxOp> = message_op(a, now).into_iter().collect();
        if let Some(key) = &idempotency {
            ops.push(key.remember(&view::citizen(a), now.unix_timestamp()));
        }
        ops
    };
    match booking::book(ctx.store.as_ref(), u32::from(schedule.capacity), make, extra).await {
        Ok(appointment) => {
            tracing::info!(window = %appointment.window_id, date = %iso_date::format(date), start = %slot.start, "appointment booked");
            Ok(created(view::citizen(&appointment)))
        }
        Err(BookError::Refused(e)) => {
            // A concurrent retry with the same key may have taken the place or the day's claim
            // first: then its booking is the answer.
            if let Some(key) = &idempotency
                && let Some(done) = key.replay::<Value>(ctx.store.as_ref()).await?
            {
                return Ok(created(done));
            }
            Err(view::refusal(e))
        }
        // Extra operation 1 is the idempotency record: a concurrent retry with the same key
        // won, so answer what it booked.
        Err(BookError::Extra(1)) if idempotency.is_some() => {
            let key = idempotency.as_ref().expect("checked above");
            key.replay::<Value>(ctx.store.as_ref()).await?.map(created).ok_or_else(view::busy)
        }
        Err(BookError::Extra(_)) => Err(ApiError::internal()),
        Err(BookError::Busy) => Err(view::busy()),
        Err(BookError::Store(e)) => Err(e.into()),
    }
}

/// `GET /api/v1/appointments`: the caller's appointments, latest day first.
pub async fn mine(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<impl IntoResponse> {
    applicant_only(&caller)?;
    let (items, next) =
        booking::by_user(ctx.store.as_ref(), caller.user_id(), page.limit()?, page.cursor()).await?;
    Ok(Json(ListPage::new(items.iter().map(view::citizen).collect::<Vec<_>>(), next)))
}

/// `GET /api/v1/appointments/{no}`: to its citizen, or to staff of the window's department;
/// anyone else gets the same 404 as for a number that does not exist.
pub async fn read(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let no = view::appointment_no(&no)?;
    let a = booking::get(ctx.store.as_ref(), &no).await?.ok_or_else(view::appointment_not_found)?.value;
    if caller.role() == Role::Applicant && caller.user_id() == a.user_id {
        return Ok(Json(view::citizen(&a)));
    }
    if view::is_department_staff(&caller, &a.department_id) || view::is_platform_admin(&caller) {
        return Ok(Json(view::staff(&a)));
    }
    Err(view::appointment_not_found())
}

/// `DELETE /api/v1/appointments/{no}`: the citizen cancels until the cut-off, and the place is
/// free at once. Cancelling a cancelled appointment answers it as it is.
pub async fn cancel(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    applicant_only(&caller)?;
    let no = view::appointment_no(&no)?;
    let now = ctx.clock.now();
    let user_id = caller.user_id().to_owned();
    let outcome = booking::change(ctx.store.as_ref(), &no, |current| {
        let user_id = user_id.clone();
        async move {
            let a = current.value;
            if a.user_id != user_id {
                return Err(ChangeError::NotFound);
            }
            if a.status == AppointmentStatus::Cancelled {
                return Err(ChangeError::Refused(CancelRefusal::AlreadyCancelled(Box::new(a))));
            }
            let next = a.cancel(now).map_err(|e| ChangeError::Refused(CancelRefusal::Rule(e)))?;
            let ops = message_op(&next, now).into_iter().collect();
            Ok((next, ops))
        }
    })
    .await;
    match outcome {
        Ok(cancelled) => {
            tracing::info!(window = %cancelled.window_id, "appointment cancelled");
            Ok(Json(view::citizen(&cancelled)))
        }
        Err(ChangeError::Refused(CancelRefusal::AlreadyCancelled(a))) => Ok(Json(view::citizen(&a))),
        Err(ChangeError::Refused(CancelRefusal::Rule(e))) => Err(view::refusal(e)),
        Err(ChangeError::NotFound) => Err(view::appointment_not_found()),
        Err(ChangeError::Busy) => Err(view::busy()),
        Err(ChangeError::Store(e)) => Err(e.into()),
    }
}

enum CancelRefusal {
    AlreadyCancelled(Box<Appointment>),
    Rule(BookingError),
}
