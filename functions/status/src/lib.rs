//! status (§4.2.6): the public status query by acceptance number and applicant name.

use axum::{Json, Router, extract::State, response::IntoResponse, routing::get};
use serde::Deserialize;
use wangban_shared::{
    config::AppContext,
    domain::case::{AcceptanceNo, china_date},
    http::{ApiError, ApiQuery, ApiResult, case_view},
    store::cases,
};

/// Every (method, path) this function serves; API Gateway routes these to it.
pub const ROUTES: &[(&str, &str)] = &[("GET", "/api/v1/status")];

pub fn router(ctx: AppContext) -> Router {
    Router::new().route("/api/v1/status", get(status)).with_state(ctx)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusQuery {
    #[serde(default)]
    acceptance_no: String,
    #[serde(default)]
    applicant_name: String,
}

/// The same answer for a wrong number and a wrong name, so numbers cannot be probed.
fn no_match() -> ApiError {
    ApiError::not_found("status_not_found", "未查询到办件，请核对受理编号和申请人名称")
}

pub async fn status(
    State(ctx): State<AppContext>,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> ApiResult<impl IntoResponse> {
    let name = q.applicant_name.trim();
    if name.is_empty() || q.acceptance_no.trim().is_empty() {
        return Err(ApiError::bad_request("missing_query", "请输入受理编号和申请人名称"));
    }
    let no = AcceptanceNo::parse(&q.acceptance_no).ok_or_else(no_match)?;
    let case = cases::by_acceptance_no(ctx.store.as_ref(), &no).await?.ok_or_else(no_match)?.value;
    if case.applicant_name != name {
        return Err(no_match());
    }
    let events = cases::events(ctx.store.as_ref(), &case.id).await?;
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    Ok(Json(case_view::public_status(&case, &events, &calendar, china_date(ctx.clock.now()))))
}
