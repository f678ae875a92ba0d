//! The staff routes. Staff act only within their department: a case of another department is
//! answered as missing.

use axum::{Json, extract::State, response::IntoResponse};
use serde::Deserialize;
use serde_json::{Value, json};
use wangban_shared::{
    auth::AuthUser,
    config::AppContext,
    domain::{
        account::Role,
        case::{Command, MissingMaterial, Outcome, Stage, china_date},
    },
    http::{
        ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, FieldError, case_view,
        list::{ListPage, PageParams},
    },
    store::{cases, catalogue},
    workflow,
};

fn staff_department(caller: &AuthUser, roles: &[Role]) -> ApiResult<String> {
    caller.require(roles).map_err(|_| ApiError::forbidden("仅本部门的窗口工作人员或审查人员可以办理"))?;
    caller.0.dept.clone().ok_or_else(|| ApiError::forbidden("该账号未关联部门"))
}

#[derive(Deserialize)]
pub struct QueueParams {
    stage: String,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// The department's cases of one stage, nearest deadline first, each with its clock flag.
pub async fn queue(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> ApiResult<impl IntoResponse> {
    let stage = Stage::parse(&params.stage)
        .ok_or_else(|| ApiError::bad_request("invalid_stage", "stage 须为 acceptance 或 review"))?;
    let department = staff_department(&caller, &[stage.role()])?;
    let page = PageParams { limit: params.limit, cursor: params.cursor };
    let (items, next) =
        cases::queue(ctx.store.as_ref(), &department, stage, page.limit()?, page.cursor()).await?;
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let today = china_date(ctx.clock.now());
    let items: Vec<Value> = items.iter().map(|c| case_view::summary(&c.value, &calendar, today)).collect();
    Ok(Json(ListPage::new(items, next)))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceDecision {
    Accept,
    NotAccept,
    Supplement,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptanceBody {
    decision: AcceptanceDecision,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    missing: Vec<MissingMaterial>,
}

/// §4.2.4: accept (with a 受理编号), not accept (with reason), or one supplement notice listing
/// every missing or defective material.
pub async fn acceptance(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AcceptanceBody>,
) -> ApiResult<impl IntoResponse> {
    staff_department(&caller, &[Role::Clerk])?;
    let actor = workflow::actor_of(&caller);
    let (case, _) = match body.decision {
        AcceptanceDecision::Accept => {
            let year = china_date(ctx.clock.now()).year();
            workflow::apply_with(&ctx, &id, &actor, |case| {
                let (store, department, case_id) =
                    (ctx.store.clone(), case.department_id.clone(), case.id.clone());
                async move {
                    // Taken in the acceptance's own transaction: unique, sequential, no gaps.
                    let (no, ops) =
                        cases::next_acceptance_no(store.as_ref(), &department, year, &case_id).await?;
                    Ok((Command::Accept { acceptance_no: no }, ops))
                }
            })
            .await?
        }
        AcceptanceDecision::NotAccept => {
            workflow::apply(&ctx, &id, &actor, Command::NotAccept { reason: body.reason }).await?
        }
        AcceptanceDecision::Supplement => {
            if body.missing.is_empty() {
                return Err(ApiError::invalid(vec![FieldError::new(
                    "missing",
                    "required",
                    "请一次性列明所有需要补正的材料及问题",
                )]));
            }
            let (reason, missing) = (body.reason, body.missing);
            workflow::apply_with(&ctx, &id, &actor, |case| {
                let (store, code) = (ctx.store.clone(), case.item_code.clone());
                let (reason, mut missing) = (reason.clone(), missing.clone());
                async move {
                    // Every listed material must be one of the item's, and is named as the guide names it.
                    let item =
                        catalogue::item(store.as_ref(), &code).await?.ok_or_else(ApiError::internal)?;
                    let mut unknown = Vec::new();
                    for m in &mut missing {
                        match item.material(&m.material_id) {
                            Some(material) => m.name = Some(material.name.clone()),
                            None => unknown.push(FieldError::new(
                                "missing",
                                "unknown_material",
                                format!("该事项没有名为 {} 的申请材料", m.material_id),
                            )),
                        }
                    }
                    if !unknown.is_empty() {
                        return Err(ApiError::invalid(unknown));
                    }
                    Ok((Command::RequestSupplement { reason, missing }, Vec::new()))
                }
            })
            .await?
        }
    };
    let mut view = workflow::summary(&ctx, &case).await?;
    view["acceptanceNo"] = json!(case.acceptance_no);
    Ok(Json(view))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Start,
    Approve,
    Deny,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewBody {
    decision: ReviewDecision,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    legal_basis: String,
}

/// §4.2.5: start the review, then approve or deny with opinion and legal basis.
pub async fn review(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<impl IntoResponse> {
    staff_department(&caller, &[Role::Reviewer])?;
    let command = match body.decision {
        ReviewDecision::Start => Command::StartReview,
        ReviewDecision::Approve => Command::Decide {
            outcome: Outcome::Approve,
            opinion: body.opinion,
            legal_basis: body.legal_basis,
        },
        ReviewDecision::Deny => {
            Command::Decide { outcome: Outcome::Deny, opinion: body.opinion, legal_basis: body.legal_basis }
        }
    };
    let (case, _) = workflow::apply(&ctx, &id, &workflow::actor_of(&caller), command).await?;
    Ok(Json(workflow::summary(&ctx, &case).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionBody {
    #[serde(default)]
    reason: String,
    working_days: u16,
}

/// Art. 42: one extension of at most 10 working days, with a reason.
pub async fn extension(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ExtensionBody>,
) -> ApiResult<impl IntoResponse> {
    staff_department(&caller, &[Role::Reviewer])?;
    let command = Command::Extend { working_days: body.working_days, reason: body.reason };
    let (case, _) = workflow::apply(&ctx, &id, &workflow::actor_of(&caller), command).await?;
    Ok(Json(workflow::summary(&ctx, &case).await?))
}
