//! `GET /api/v1/slots?window=&item=&date=`: the slots of a window's day with their capacity and
//! remaining places, or, without `date`, of every bookable day. Public. Past slots, slots whose
//! booking has closed, days off, closed days and days beyond the horizon are not offered; each
//! day in the answer's `days` says whether it is open and, if not, why.

use axum::{Json, extract::State, response::IntoResponse};
use serde::Deserialize;
use serde_json::{Value, json};
use time::Date;
use wangban_shared::{
    config::AppContext,
    domain::{
        booking::{BookingError, weekday},
        case::china_date,
        catalogue::iso_date,
        ids::ItemCode,
    },
    http::{ApiError, ApiQuery, ApiResult, FieldError},
    store::{booking, catalogue},
};

use crate::view;

#[derive(Deserialize)]
pub struct SlotParams {
    window: String,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

fn not_at_window(code: &str, window_name: &str) -> ApiError {
    ApiError::invalid(vec![FieldError::new(
        "item",
        "item_not_at_window",
        format!("「{window_name}」不办理事项 {code}，请选择办理该事项的窗口"),
    )])
}

pub async fn list(
    State(ctx): State<AppContext>,
    ApiQuery(params): ApiQuery<SlotParams>,
) -> ApiResult<impl IntoResponse> {
    let window = view::window(&ctx, params.window.trim()).await?.value;
    let item = match params.item.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            let code = ItemCode::parse(raw)
                .ok()
                .filter(|c| window.item_codes.contains(c))
                .ok_or_else(|| not_at_window(raw, &window.name))?;
            let item = catalogue::item(ctx.store.as_ref(), &code)
                .await?
                .ok_or_else(|| not_at_window(raw, &window.name))?;
            Some(json!({ "code": item.code, "name": item.name }))
        }
    };
    let now = ctx.clock.now();
    let today = china_date(now);
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let schedule = &window.schedule;
    let last = schedule.last_bookable_day(&calendar, today);
    let dates: Vec<Date> = match params.date.as_deref() {
        Some(raw) => vec![view::parse_date("date", raw)?],
        None => std::iter::successors(Some(today), |d| d.next_day()).take_while(|d| *d <= last).collect(),
    };
    let (first, final_day) = (dates[0], dates[dates.len() - 1]);
    let closures = booking::closures_between(ctx.store.as_ref(), &window.id, first, final_day).await?;
    let capacity = u32::from(schedule.capacity);
    let mut items = Vec::new();
    let mut days = Vec::new();
    for date in dates {
        let closure = closures.get(&date).map(|c| c.reason.as_str());
        let mut entry = json!({
            "date": iso_date::format(date),
            "weekday": weekday::name_zh(date.weekday()),
        });
        match schedule.open_slots(&calendar, now, date, closure) {
            Ok(slots) => {
                let counts = if slots.is_empty() {
                    Default::default()
                } else {
                    booking::day_counts(ctx.store.as_ref(), &window.id, date).await?
                };
                let provisional = calendar.is_provisional(date);
                entry["open"] = json!(true);
                entry["slots"] = json!(slots.len());
                if provisional {
                    entry["provisional"] = json!(true);
                }
                for slot in slots {
                    let booked = counts.get(&slot.start).copied().unwrap_or(0);
                    items.push(json!({
                        "date": iso_date::format(date),
                        "start": slot.start,
                        "end": slot.end,
                        "capacity": capacity,
                        "remaining": capacity.saturating_sub(booked),
                        "provisional": provisional,
                    }));
                }
                if entry["slots"] == 0 {
                    entry["detail"] = json!("当天的预约时段均已截止");
                }
            }
            Err(refused) => {
                entry["open"] = json!(false);
                entry["code"] = json!(refused.code());
                entry["detail"] = json!(refused.message_zh());
                if let BookingError::NotWorkingDay { holiday: Some(name), .. } = &refused {
                    entry["holiday"] = json!(name);
                }
            }
        }
        days.push(entry);
    }
    let body: Value = json!({
        "window": { "id": window.id, "name": window.name, "location": window.location },
        "item": item,
        "today": iso_date::format(today),
        "lastBookableDate": iso_date::format(last),
        "days": days,
        "items": items,
        "next": null,
    });
    Ok(Json(body))
}
