//! Service ratings (政务服务“好差评”): the applicant rates a decided case once, on five levels;
//! a poor rating opens a follow-up the department must answer within 15 working days; counts
//! per department and per item are public here (this route is their disclosure).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use wangban_shared::{
    auth::AuthUser,
    domain::{
        account::Role,
        calendar::Calendar,
        case::china_date,
        catalogue::iso_date,
        ids::ItemCode,
        interaction::{
            self, Violation,
            rating::{
                self, Aggregate, FOLLOW_UP_WORKING_DAYS, FollowUpError, Level, REPLY_MAX_CHARS, Rating,
            },
            text,
        },
    },
    http::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, cache, list::ListPage},
    store::{StoreError, Versioned, cases, catalogue, ratings, tally},
    workflow,
};

use crate::{Interaction, access};

fn no_rating() -> ApiError {
    ApiError::not_found("rating_not_found", "该申请尚未评价")
}

fn view(r: &Rating, calendar: &Calendar, today: time::Date) -> Value {
    json!({
        "applicationId": r.application_id,
        "itemCode": r.item_code,
        "itemName": r.item_name,
        "departmentId": r.department_id,
        "level": r.level,
        "levelLabel": r.level.label_zh(),
        "comment": r.comment,
        "ratedAt": access::rfc3339(r.rated_at),
        "followUp": r.follow_up.as_ref().map(|f| {
            let mut v = json!({
                "dueDate": iso_date::format(f.due.date),
                "status": if f.reply.is_some() { "answered" } else { "open" },
                "reply": f.reply.as_ref().map(|reply| json!({ "content": reply.content, "at": access::rfc3339(reply.at) })),
            });
            if f.reply.is_none() {
                let (left, flag) = interaction::clock(calendar, f.due, today);
                v["workingDaysLeft"] = json!(left);
                v["clock"] = json!(flag);
            }
            v
        }),
    })
}

#[derive(Deserialize)]
pub struct RateBody {
    level: i64,
    #[serde(default)]
    comment: Option<String>,
}

/// `POST /api/v1/applications/{id}/rating`: the case's applicant, once, after the decision.
pub async fn rate(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RateBody>,
) -> ApiResult<impl IntoResponse> {
    if caller.role() != Role::Applicant {
        return Err(ApiError::forbidden("仅申请人可以评价"));
    }
    let ctx = &state.ctx;
    let case = cases::get(ctx.store.as_ref(), &id).await?.ok_or_else(workflow::not_found)?.value;
    if case.applicant_id != caller.user_id() {
        return Err(workflow::not_found());
    }
    if !rating::rateable(case.status) {
        return Err(ApiError::conflict("not_decided", "办件办结（作出受理或许可决定）后才能评价"));
    }
    let parsed = rating::parse(body.level, body.comment.as_deref()).map_err(access::invalid)?;
    let now = ctx.clock.now();
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let due = calendar.add_working_days(china_date(now), FOLLOW_UP_WORKING_DAYS);
    let r = Rating::new(
        case.id.clone(),
        (case.item_code.as_str().to_owned(), case.item_name.clone()),
        case.department_id.clone(),
        case.applicant_id.clone(),
        parsed,
        now,
        due,
    );
    for attempt in 0..tally::ATTEMPTS {
        let ops = ratings::rate_ops(ctx.store.as_ref(), &r).await?;
        match ctx.store.transact(ops).await {
            Ok(()) => {
                tracing::info!(level = r.level.value(), follow_up = r.follow_up.is_some(), "case rated");
                return Ok((StatusCode::CREATED, Json(view(&r, &calendar, china_date(now)))));
            }
            Err(StoreError::TransactionConditionFailed { index }) if index == ratings::RATING_OP => {
                return Err(ApiError::conflict("already_rated", "每件办件只能评价一次"));
            }
            // Another rating moved the same counter shard first: read it again.
            Err(StoreError::TransactionConditionFailed { .. } | StoreError::Conflict) => {
                tally::backoff(attempt).await
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict("concurrent_update", "评价人数较多，请稍后重试").with_retry_after(1))
}

/// The rating of a case the caller may see: its applicant, its department, supervisors.
async fn load(state: &Interaction, caller: &AuthUser, id: &str) -> ApiResult<Versioned<Rating>> {
    let store = state.ctx.store.as_ref();
    let case = cases::get(store, id).await?.ok_or_else(workflow::not_found)?.value;
    workflow::may_read(caller, &case)?;
    ratings::get(store, id).await?.ok_or_else(no_rating)
}

/// `GET /api/v1/applications/{id}/rating`.
pub async fn read(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let r = load(&state, &caller, &id).await?.value;
    let calendar = state.ctx.calendar.get(state.ctx.store.as_ref()).await?;
    Ok(Json(view(&r, &calendar, china_date(state.ctx.clock.now()))))
}

#[derive(Deserialize)]
pub struct FollowUpBody {
    #[serde(default)]
    content: String,
}

/// `POST /api/v1/applications/{id}/rating/follow-up`: the department answers a poor rating once;
/// the applicant finds the answer in the inbox.
pub async fn follow_up(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FollowUpBody>,
) -> ApiResult<Json<Value>> {
    let department = access::department_staff(&caller)?;
    let ctx = &state.ctx;
    let loaded = load(&state, &caller, &id).await?;
    if loaded.value.department_id != department {
        return Err(workflow::not_found());
    }
    let content =
        text::field("content", "回访答复", &body.content, REPLY_MAX_CHARS).map_err(access::invalid_one)?;
    let now = ctx.clock.now();
    let next = loaded
        .value
        .answer_follow_up(content, caller.user_id(), now)
        .map_err(|e: FollowUpError| ApiError::conflict(e.code(), e.message_zh()))?;
    let notice = access::inbox(
        &next.applicant_id,
        format!("评价回访：{}", next.item_name),
        format!(
            "您对「{}」的评价（{}）已收到部门答复：\n{}",
            next.item_name,
            next.level.label_zh(),
            next.follow_up.as_ref().and_then(|f| f.reply.as_ref()).map_or("", |r| &r.content)
        ),
        Some(next.application_id.clone()),
        now,
    );
    match ctx.store.transact(vec![ratings::update_op(&next, loaded.version), notice]).await {
        Ok(()) => {}
        Err(StoreError::TransactionConditionFailed { .. } | StoreError::Conflict) => {
            return Err(ApiError::conflict("concurrent_update", "该评价刚被他人处理，请刷新后重试"));
        }
        Err(e) => return Err(e.into()),
    }
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    Ok(Json(view(&next, &calendar, china_date(now))))
}

#[derive(Deserialize)]
pub struct QueueParams {
    status: Option<String>,
    department: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /api/v1/work/rating-follow-ups?status=open|answered`: the department's poor ratings,
/// open ones nearest due date first, each flagged `overdue` once its 15 working days passed.
pub async fn follow_ups(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> ApiResult<Json<ListPage<Value>>> {
    let open = match params.status.as_deref().filter(|s| !s.is_empty()) {
        None | Some("open") => true,
        Some("answered") => false,
        Some(_) => return Err(ApiError::bad_request("invalid_status", "status 须为 open 或 answered")),
    };
    let department = access::queue_department(&caller, params.department.as_deref())?
        .ok_or_else(|| ApiError::forbidden("该账号未关联部门"))?;
    let (limit, cursor) = access::page(params.limit, params.cursor)?;
    let ctx = &state.ctx;
    let (items, next) = ratings::follow_ups(ctx.store.as_ref(), &department, open, limit, cursor).await?;
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let today = china_date(ctx.clock.now());
    Ok(Json(ListPage::new(items.iter().map(|r| view(r, &calendar, today)).collect(), next)))
}

fn aggregate_view(id: &str, name: Option<&str>, a: &Aggregate) -> Value {
    json!({
        "id": id,
        "name": name,
        "count": a.count(),
        "average": a.average(),
        "satisfactionPercent": a.satisfaction_percent(),
        "poor": a.poor(),
        "levels": Level::ALL.iter().map(|l| json!({
            "level": l,
            "label": l.label_zh(),
            "count": a.by_level[usize::from(l.value()) - 1],
        })).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
pub struct AggregateParams {
    department: Option<String>,
    item: Option<String>,
}

/// `GET /api/v1/ratings?department=&item=`: counts by level, average, 满意率 (基本满意 or better)
/// and poor ratings — of the department and/or item named, or of every department and item
/// rated so far. Public and cacheable.
pub async fn aggregates(
    State(state): State<Interaction>,
    ApiQuery(params): ApiQuery<AggregateParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let store = state.ctx.store.as_ref();
    let department = params.department.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let item = params.item.as_deref().map(str::trim).filter(|i| !i.is_empty());
    let (mut departments, mut items) = (Vec::new(), Vec::new());
    if department.is_none() && item.is_none() {
        let names: std::collections::HashMap<String, String> = catalogue::departments(store)
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .chain(
                catalogue::item_summaries(store)
                    .await?
                    .into_iter()
                    .map(|i| (i.code.as_str().to_owned(), i.name)),
            )
            .collect();
        for (scope, id, a) in ratings::all_aggregates(store).await? {
            let v = aggregate_view(&id, names.get(&id).map(String::as_str), &a);
            if scope == "department" { departments.push(v) } else { items.push(v) }
        }
    }
    if let Some(id) = department {
        let d = catalogue::department(store, id)
            .await?
            .ok_or_else(|| ApiError::not_found("department_not_found", "没有该部门"))?;
        departments.push(aggregate_view(
            &d.id,
            Some(&d.name),
            &ratings::department_aggregate(store, &d.id).await?,
        ));
    }
    if let Some(raw) = item {
        let code = ItemCode::parse(raw)
            .map_err(|e| access::invalid_one(Violation::new("item", e.code(), e.message_zh())))?;
        let guide = catalogue::item(store, &code)
            .await?
            .ok_or_else(|| ApiError::not_found("item_not_found", "没有该事项"))?;
        items.push(aggregate_view(
            code.as_str(),
            Some(&guide.name),
            &ratings::item_aggregate(store, code.as_str()).await?,
        ));
    }
    Ok(cache::cached_json(&headers, &json!({ "departments": departments, "items": items })))
}
