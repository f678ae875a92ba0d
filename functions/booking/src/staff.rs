//! The window's side: the day's appointment list, check-in (签到) on arrival, and no-show
//! marking once the slot has ended, with the suspension rule applied in the same transaction.

use axum::{Json, extract::State, response::IntoResponse};
use serde::Deserialize;
use serde_json::{Value, json};
use wangban_shared::{
    auth::AuthUser,
    config::AppContext,
    domain::{
        account::Role,
        booking::{Appointment, AppointmentStatus, BookingError, NoShow, Suspension},
        case::china_date,
        catalogue::iso_date,
    },
    http::{ApiError, ApiPath, ApiQuery, ApiResult},
    store::{
        RecordStore, TxOp,
        booking::{self, ChangeError},
        users::{self, Message},
    },
};

use crate::{appointments::message_op, view};

#[derive(Deserialize)]
pub struct DayParams {
    #[serde(default)]
    date: Option<String>,
}

/// `GET /api/v1/windows/{id}/appointments?date=`: every appointment of the window's day (today
/// unless given), in time order, with the citizen's name and masked numbers.
pub async fn day_list(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<DayParams>,
) -> ApiResult<impl IntoResponse> {
    let window = view::window(&ctx, &id).await?.value;
    view::require_window_staff(&caller, &window.department_id)?;
    let date = match params.date.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(raw) => view::parse_date("date", raw)?,
        None => china_date(ctx.clock.now()),
    };
    let appointments = booking::window_day(ctx.store.as_ref(), &window.id, date).await?;
    let closure = booking::closure(ctx.store.as_ref(), &window.id, date).await?;
    let count = |status: AppointmentStatus| appointments.iter().filter(|a| a.value.status == status).count();
    let items: Vec<Value> = appointments.iter().map(|a| view::staff(&a.value)).collect();
    Ok(Json(json!({
        "window": { "id": window.id, "name": window.name, "location": window.location },
        "date": iso_date::format(date),
        "closed": closure,
        "counts": {
            "confirmed": count(AppointmentStatus::Confirmed),
            "checkedIn": count(AppointmentStatus::CheckedIn),
            "noShow": count(AppointmentStatus::NoShow),
            "cancelled": count(AppointmentStatus::Cancelled),
        },
        "items": items,
        "next": null,
    })))
}

/// Staff only, and of the appointment's department: anyone else's request for it is answered
/// like a missing one.
fn staff_only(caller: &AuthUser) -> ApiResult<()> {
    caller
        .require(&[Role::Clerk, Role::Reviewer, Role::Admin])
        .map_err(|_| ApiError::forbidden("仅窗口工作人员可以办理签到和登记未到"))
}

fn may_handle(caller: &AuthUser, a: &Appointment) -> bool {
    view::is_department_staff(caller, &a.department_id) || view::is_platform_admin(caller)
}

/// `POST /api/v1/appointments/{no}/check-in`: the citizen arrived (on the appointment's day).
pub async fn check_in(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    staff_only(&caller)?;
    let no = view::appointment_no(&no)?;
    let now = ctx.clock.now();
    let caller = &caller;
    let done = booking::change(ctx.store.as_ref(), &no, |current| async move {
        let a = current.value;
        if !may_handle(caller, &a) {
            return Err(ChangeError::NotFound);
        }
        let next = a.check_in(caller.user_id(), now).map_err(ChangeError::Refused)?;
        Ok((next, Vec::new()))
    })
    .await
    .map_err(view::change_error)?;
    Ok(Json(view::staff(&done)))
}

/// `POST /api/v1/appointments/{no}/no-show`: the citizen did not come; only after the slot has
/// ended. The no-show is recorded on the citizen in the same transaction, and the third within
/// 90 days suspends their online booking for 30 days, with a message telling them why.
pub async fn no_show(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    staff_only(&caller)?;
    let no = view::appointment_no(&no)?;
    let now = ctx.clock.now();
    let today = china_date(now);
    let store: &dyn RecordStore = ctx.store.as_ref();
    let caller = &caller;
    let suspension = std::sync::Mutex::new(None::<Suspension>);
    let suspension_ref = &suspension;
    let done = booking::change(store, &no, |current| async move {
        let a = current.value;
        if !may_handle(caller, &a) {
            return Err(ChangeError::<BookingError>::NotFound);
        }
        let next = a.mark_no_show(caller.user_id(), now).map_err(ChangeError::Refused)?;
        let mut record = booking::no_shows(store, &a.user_id).await?;
        let version = record.version;
        let no_show = NoShow { appointment_no: a.no.clone(), date: a.date, item_name: a.item_name.clone() };
        let suspended = record.value.record(no_show, today).cloned();
        let mut ops: Vec<TxOp> = vec![booking::no_shows_op(&a.user_id, &record.value, version)];
        ops.extend(message_op(&next, now));
        if let Some(s) = &suspended {
            let message = Message {
                id: uuid::Uuid::now_v7().to_string(),
                title: "在线预约已暂停".into(),
                body: s.reason_zh(),
                sent_at: now,
                application_id: None,
                appointment_no: Some(a.no.to_string()),
            };
            ops.push(users::message_op(&a.user_id, &message));
        }
        *suspension_ref.lock().expect("no poisoning") = suspended;
        Ok((next, ops))
    })
    .await
    .map_err(view::change_error)?;
    let mut view = view::staff(&done);
    if let Some(s) = suspension.into_inner().expect("no poisoning") {
        tracing::info!("online booking suspended after three no-shows");
        view["suspension"] = json!({
            "suspendedUntil": iso_date::format(s.until),
            "bookingResumesOn": iso_date::format(s.resumes_on()),
            "noShows": s.because,
        });
    }
    Ok(Json(view))
}
