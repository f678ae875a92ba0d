//! admin: reference data that agencies maintain. Today: the working-day calendar — an
//! administrator loads next year's State Council holiday notice when it is published, and every
//! open case's deadlines are recomputed at once (until then they are marked provisional).
//! [`tool`] is the `wangban-admin` command that creates and seeds a cloud deployment.

#[cfg(feature = "cloud")]
pub mod tool;

use axum::{
    Json, Router,
    extract::State,
    response::IntoResponse,
    routing::{get, put},
};
use serde_json::json;
use wangban_shared::{
    auth::AuthUser,
    config::AppContext,
    domain::{
        account::Role,
        calendar::{COMPUTABLE_YEARS, YearNotice},
        case::{Actor, Command, Stage},
    },
    http::{ApiBytes, ApiError, ApiPath, ApiResult, parse_json},
    store::{calendar as notices, cases, catalogue},
    workflow,
};

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] =
    &[("GET", "/api/v1/admin/calendar"), ("PUT", "/api/v1/admin/calendar/{year}")];

pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/api/v1/admin/calendar", get(calendar))
        .route("/api/v1/admin/calendar/{year}", put(load_notice))
        .with_state(ctx)
}

/// The loaded years and their notices (public information).
pub async fn calendar(State(ctx): State<AppContext>) -> ApiResult<impl IntoResponse> {
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let years: Vec<_> = calendar
        .loaded_years()
        .into_iter()
        .map(|y| json!({ "year": y, "notice": calendar.notice(y) }))
        .collect();
    Ok(Json(json!({ "loadedYears": calendar.loaded_years(), "years": years })))
}

/// Loads (or corrects) one year's notice, then recomputes every open case's deadlines.
pub async fn load_notice(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(year): ApiPath<i32>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<impl IntoResponse> {
    // The platform's administrator only: a department's administrator (with a department) may not.
    if caller.role() != Role::Admin || caller.0.dept.is_some() {
        return Err(ApiError::forbidden("仅平台管理员可以维护节假日安排"));
    }
    if !COMPUTABLE_YEARS.contains(&year) {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_notice",
            format!("年份须在 {} 至 {} 之间", COMPUTABLE_YEARS.start(), COMPUTABLE_YEARS.end()),
        ));
    }
    let notice: YearNotice = parse_json(&body)?;
    let current = notices::load(ctx.store.as_ref()).await?;
    current.with_year(year, notice.clone()).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_notice",
            "节假日安排有误：日期须在该年内，放假区间按时间顺序且不重叠，调休上班日须为周末，且须包含全部法定节假日",
        )
        .with_hint(e.to_string())
    })?;
    notices::save_notice(ctx.store.as_ref(), year, &notice).await?;
    ctx.calendar.invalidate();
    let recomputed = recompute_open_cases(&ctx).await?;
    tracing::info!(year, recomputed, "holiday notice loaded");
    Ok(Json(json!({ "year": year, "recomputed": recomputed })))
}

/// Walks every department's queues; a case whose deadlines move gets an audit event.
pub async fn recompute_open_cases(ctx: &AppContext) -> ApiResult<usize> {
    let mut changed = 0;
    for department in catalogue::departments(ctx.store.as_ref()).await? {
        for stage in [Stage::Acceptance, Stage::Review] {
            for case in cases::due_by(ctx.store.as_ref(), &department.id, stage, "9999-12-31").await? {
                match workflow::apply(ctx, &case.value.id, &Actor::System, Command::RecomputeDeadlines).await
                {
                    Ok(_) => changed += 1,
                    Err(e) if e.status.is_client_error() => {} // unchanged, or moved meanwhile
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(changed)
}
