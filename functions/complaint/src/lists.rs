//! The lists: a logged-in submitter's own complaints or letters, and the work queues — the
//! supervisors' (everything staff owe a reply on, the unassigned, the overdue; nearest due date
//! first) and each department's.

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::Value;
use wangban_shared::{
    auth::AuthUser,
    domain::{account::Role, case::china_date},
    http::{
        ApiError, ApiQuery, ApiResult,
        list::{ListPage, PageParams},
    },
    store::complaints::{self, QueueOf},
};

use crate::{App, KindOf, view};

/// `GET …/mine`: the caller's own, newest first.
pub async fn mine<K: KindOf>(
    State(app): State<App>,
    caller: AuthUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<ListPage<Value>>> {
    caller.require(&[Role::Applicant]).map_err(|_| ApiError::forbidden("仅提交人本人可以查看"))?;
    let (items, next) = complaints::by_author(
        app.ctx.store.as_ref(),
        caller.user_id(),
        K::KIND,
        page.limit()?,
        page.cursor(),
    )
    .await?;
    Ok(Json(ListPage::new(items.iter().map(view::own).collect(), next)))
}

#[derive(Deserialize)]
pub struct QueueParams {
    view: Option<String>,
    department: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET …/queue?view=all|unassigned|overdue&department=`: supervisors see every department's
/// and the unassigned; staff see their own department's. Each entry carries its clock and an
/// `overdue` flag.
pub async fn queue<K: KindOf>(
    State(app): State<App>,
    caller: AuthUser,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> ApiResult<Json<ListPage<Value>>> {
    let view = params.view.as_deref().filter(|v| !v.is_empty()).unwrap_or("all");
    if !["all", "unassigned", "overdue"].contains(&view) {
        return Err(ApiError::bad_request("invalid_view", "view 须为 all、unassigned 或 overdue"));
    }
    let department = params.department.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let of = match caller.role() {
        Role::Supervisor => match (view, department) {
            ("unassigned", Some(_)) => {
                return Err(ApiError::bad_request(
                    "invalid_view",
                    "未分派的事项不属于任何部门，请去掉 department",
                ));
            }
            ("unassigned", None) => QueueOf::Unassigned,
            (_, Some(d)) => QueueOf::Department(d.to_owned()),
            (_, None) => QueueOf::All,
        },
        Role::Clerk | Role::Reviewer | Role::Admin => {
            let own = caller.0.dept.clone().ok_or_else(|| ApiError::forbidden("该账号未关联部门"))?;
            if view == "unassigned" || department.is_some_and(|d| d != own) {
                return Err(ApiError::forbidden("只能查看本部门承办的事项"));
            }
            QueueOf::Department(own)
        }
        Role::Applicant => return Err(ApiError::forbidden("仅工作人员可以查看办理队列")),
    };
    let today = china_date(app.ctx.clock.now());
    let overdue_on = (view == "overdue").then_some(today);
    let page = PageParams { limit: params.limit, cursor: params.cursor };
    let store = app.ctx.store.as_ref();
    let (items, next) =
        complaints::queue(store, K::KIND, &of, overdue_on, page.limit()?, page.cursor()).await?;
    let calendar = app.ctx.calendar.get(store).await?;
    Ok(Json(ListPage::new(items.iter().map(|s| view::entry(s, &calendar, today)).collect(), next)))
}
