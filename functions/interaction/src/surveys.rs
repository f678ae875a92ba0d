//! Surveys and public consultations (征集调查, §4.3 b): staff create them; every account answers
//! once while open (the account's claim, the anonymous response and the counts commit in one
//! transaction); counts are public once closed, free text only to the survey's department.

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
    domain::interaction::survey::{AnswerDraft, ResponseRefusal, ResultsAccess, Survey, SurveyDraft},
    http::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, cache, list::ListPage},
    store::{
        StoreError,
        idempotency::{self, IdempotencyKey},
        surveys, tally,
    },
};

use crate::{
    Interaction,
    access::{self, MaybeUser},
};

fn not_found() -> ApiError {
    ApiError::not_found("survey_not_found", "未找到该征集调查")
}

fn view(s: &Survey, now: time::OffsetDateTime) -> Value {
    let status = s.status(now);
    json!({
        "id": s.id,
        "title": s.title,
        "description": s.description,
        "departmentId": s.department_id,
        "opensAt": access::rfc3339(s.opens_at),
        "closesAt": access::rfc3339(s.closes_at),
        "status": status,
        "statusLabel": status.label_zh(),
        "questions": s.questions,
    })
}

#[derive(Deserialize)]
pub struct PageQuery {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /api/v1/surveys`: every survey, latest opening first, with its status now.
pub async fn list(
    State(state): State<Interaction>,
    ApiQuery(params): ApiQuery<PageQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (limit, cursor) = access::page(params.limit, params.cursor)?;
    let (items, next) = surveys::list(state.ctx.store.as_ref(), limit, cursor).await?;
    let now = state.ctx.clock.now();
    let items: Vec<Value> = items.iter().map(|s| view(s, now)).collect();
    Ok(cache::cached_json(&headers, &ListPage::new(items, next)))
}

/// `GET /api/v1/surveys/{id}`.
pub async fn read(
    State(state): State<Interaction>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let survey = surveys::get(state.ctx.store.as_ref(), &id).await?.ok_or_else(not_found)?;
    Ok(cache::cached_json(&headers, &view(&survey, state.ctx.clock.now())))
}

/// `POST /api/v1/surveys`: staff create a survey for their department (the administrator
/// without one, for the platform).
pub async fn create(
    State(state): State<Interaction>,
    caller: AuthUser,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<SurveyDraft>,
) -> ApiResult<impl IntoResponse> {
    let department = access::acting_department(&caller)?;
    let ctx = &state.ctx;
    let idempotency =
        IdempotencyKey::from_headers(&headers, &format!("survey#{}", caller.user_id()), &draft)?;
    if let Some(key) = &idempotency
        && let Some(done) = key.replay::<Value>(ctx.store.as_ref()).await?
    {
        return Ok((StatusCode::CREATED, Json(done)));
    }
    let now = ctx.clock.now();
    let survey =
        Survey::define(draft, uuid::Uuid::now_v7().to_string(), department, caller.user_id().to_owned(), now)
            .map_err(access::invalid)?;
    let created = view(&survey, now);
    let mut ops = vec![surveys::create_op(&survey)];
    if let Some(key) = &idempotency {
        ops.push(key.remember(&created, now.unix_timestamp()));
    }
    let outcome = ctx.store.transact(ops).await;
    if let Some(key) = &idempotency
        && idempotency::lost_race(&outcome, 1)
        && let Some(done) = key.replay::<Value>(ctx.store.as_ref()).await?
    {
        return Ok((StatusCode::CREATED, Json(done)));
    }
    outcome?;
    tracing::info!(survey = %survey.id, "survey created");
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize)]
pub struct ResponseBody {
    #[serde(default)]
    answers: Vec<AnswerDraft>,
}

/// `POST /api/v1/surveys/{id}/responses`: once per account, while the survey is open.
pub async fn respond(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ResponseBody>,
) -> ApiResult<impl IntoResponse> {
    let ctx = &state.ctx;
    let survey = surveys::get(ctx.store.as_ref(), &id).await?.ok_or_else(not_found)?;
    let now = ctx.clock.now();
    let response = survey.check(&body.answers, now).map_err(|refusal| match refusal {
        ResponseRefusal::NotOpen(status) => {
            ApiError::conflict("survey_not_open", format!("该征集调查{}，当前不能提交", status.label_zh()))
        }
        ResponseRefusal::Invalid(v) => access::invalid(v),
    })?;
    for attempt in 0..tally::ATTEMPTS {
        let ops =
            surveys::respond_ops(ctx.store.as_ref(), &survey.id, caller.user_id(), &response, now).await?;
        match ctx.store.transact(ops).await {
            Ok(()) => {
                return Ok((
                    StatusCode::CREATED,
                    Json(json!({ "surveyId": survey.id, "respondedAt": access::rfc3339(now) })),
                ));
            }
            Err(StoreError::TransactionConditionFailed { index }) if index == surveys::CLAIM_OP => {
                return Err(ApiError::conflict("already_responded", "每个账号只能参与一次该征集调查"));
            }
            // Another response moved the same counter shard first: read it again.
            Err(StoreError::TransactionConditionFailed { .. } | StoreError::Conflict) => {
                tally::backoff(attempt).await
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict("concurrent_update", "参与人数较多，请稍后重试").with_retry_after(1))
}

/// `GET /api/v1/surveys/{id}/results`: counts per option — to the survey's department and
/// supervisors at any time, to everyone once closed — and, once closed, the free-text answers
/// (a page at a time, `?limit=&cursor=`) to the department and supervisors.
pub async fn results(
    State(state): State<Interaction>,
    MaybeUser(caller): MaybeUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<PageQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let ctx = &state.ctx;
    let store = ctx.store.as_ref();
    let survey = surveys::get(store, &id).await?.ok_or_else(not_found)?;
    let now = ctx.clock.now();
    let responsible = access::responsible(caller.as_ref(), survey.department_id.as_deref());
    let access = survey.results_access(responsible, now);
    if access == ResultsAccess::Nothing {
        return Err(ApiError::forbidden("征集调查结束后公布结果").with_code("results_not_published"));
    }
    let (respondents, questions) = survey.results(&surveys::tally(store, &survey.id).await?);
    let status = survey.status(now);
    let mut body = json!({
        "surveyId": survey.id,
        "title": survey.title,
        "status": status,
        "statusLabel": status.label_zh(),
        "closesAt": access::rfc3339(survey.closes_at),
        "respondents": respondents,
        "questions": questions,
    });
    if access == ResultsAccess::CountsAndTexts {
        let (limit, cursor) = access::page(params.limit, params.cursor)?;
        let (texts, next) = surveys::texts(store, &survey.id, limit, cursor).await?;
        body["freeText"] = json!(ListPage::new(texts, next));
    }
    // What staff see is theirs alone; the published counts are the same for everyone.
    if responsible { Ok(Json(body).into_response()) } else { Ok(cache::cached_json(&headers, &body)) }
}
