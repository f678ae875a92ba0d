//! Online applications (§4.2.3): submit one item or a joint application (联办件) of several
//! items sharing uploaded materials; list, read, answer a supplement notice, withdraw.

use std::collections::{BTreeMap, BTreeSet};

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wangban_shared::{
    auth::AuthUser,
    config::AppContext,
    domain::{
        account::{AccountKind, Role},
        case::{Actor, AttachedMaterial, Case, Command, NewCase, china_date},
        catalogue::{ApplicantKind, LicensingItem},
        ids::ItemCode,
    },
    http::{
        ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, FieldError, OptionalJson, case_view,
        list::{ListPage, PageParams},
    },
    store::{
        TxOp, cases, catalogue,
        idempotency::{self, IdempotencyKey},
        uploads::{self, UploadRefusal},
        users,
    },
};

use wangban_shared::workflow as transition;

/// At most this many items in one joint application.
pub const MAX_JOINT_ITEMS: usize = 5;
/// The attachments an application may carry (the largest joint application needs ~40).
pub const MAX_MATERIALS: usize = 60;
/// The form data an application may carry.
pub const MAX_FORM_BYTES: usize = 32 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaterialRef {
    /// Limits the material to one item of a joint application; without it, the upload serves
    /// every item that asks for this material (shared materials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_code: Option<String>,
    pub material_id: String,
    pub upload_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationBody {
    pub item_codes: Vec<String>,
    #[serde(default)]
    pub materials: Vec<MaterialRef>,
    #[serde(default)]
    pub form: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    application_id: String,
    group_id: String,
    status: String,
    acceptance_due_date: String,
    applications: Vec<SubmittedCase>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubmittedCase {
    application_id: String,
    item_code: String,
    item_name: String,
    acceptance_due_date: String,
}

fn applicant_only(caller: &AuthUser) -> ApiResult<()> {
    caller.require(&[Role::Applicant]).map_err(|_| ApiError::forbidden("仅申请人可以提交或处理自己的申请"))
}

/// Loads the items named, refusing unknown codes and duplicates.
async fn load_items(ctx: &AppContext, codes: &[String]) -> ApiResult<Vec<LicensingItem>> {
    if codes.is_empty() || codes.len() > MAX_JOINT_ITEMS {
        return Err(ApiError::invalid(vec![FieldError::new(
            "itemCodes",
            "invalid_value",
            format!("请选择 1 至 {MAX_JOINT_ITEMS} 个办理事项"),
        )]));
    }
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for raw in codes {
        let Ok(code) = ItemCode::parse(raw) else {
            let shown: String = raw.chars().take(48).collect();
            errors.push(FieldError::new("itemCodes", "item_not_found", format!("事项编码 {shown} 不存在")));
            continue;
        };
        if !seen.insert(code.clone()) {
            errors.push(FieldError::new("itemCodes", "invalid_value", format!("事项 {code} 重复")));
            continue;
        }
        match catalogue::item(ctx.store.as_ref(), &code).await? {
            Some(item) => items.push(item),
            None => {
                errors.push(FieldError::new("itemCodes", "item_not_found", format!("事项编码 {code} 不存在")))
            }
        }
    }
    if errors.is_empty() { Ok(items) } else { Err(ApiError::invalid(errors)) }
}

/// Resolves every referenced upload: it must be the caller's own and verified.
async fn resolve_uploads(
    ctx: &AppContext,
    owner: &str,
    refs: impl Iterator<Item = &str>,
) -> ApiResult<BTreeMap<String, uploads::Upload>> {
    let mut found = BTreeMap::new();
    let mut errors = Vec::new();
    for id in refs.collect::<BTreeSet<_>>() {
        match uploads::usable_now(ctx, id, owner).await {
            Ok(upload) => {
                found.insert(id.to_owned(), upload);
            }
            Err(UploadRefusal::NotFound) => {
                errors.push(FieldError::new("materials", "upload_not_found", format!("未找到上传文件 {id}")))
            }
            Err(UploadRefusal::NotVerified) => errors.push(FieldError::new(
                "materials",
                "upload_not_verified",
                format!("上传文件 {id} 尚未完成上传或校验"),
            )),
            Err(UploadRefusal::Store(e)) => return Err(e.into()),
        }
    }
    if errors.is_empty() { Ok(found) } else { Err(ApiError::invalid(errors)) }
}

fn attach(m: &MaterialRef, upload: &uploads::Upload) -> AttachedMaterial {
    AttachedMaterial {
        material_id: m.material_id.clone(),
        upload_id: upload.upload_id.clone(),
        file_name: upload.file_name.clone(),
        content_type: upload.content_type.clone(),
        size: upload.size,
        sha256: upload.sha256.clone(),
    }
}

/// Matches the materials to each item; every required material of every item must be there,
/// and the error lists all that are missing at once.
fn materials_per_item(
    items: &[LicensingItem],
    refs: &[MaterialRef],
    uploads: &BTreeMap<String, uploads::Upload>,
) -> ApiResult<Vec<Vec<AttachedMaterial>>> {
    let mut errors = Vec::new();
    for r in refs {
        let targets: Vec<&LicensingItem> = items
            .iter()
            .filter(|i| r.item_code.as_deref().is_none_or(|c| c.eq_ignore_ascii_case(i.code.as_str())))
            .collect();
        if !targets.iter().any(|i| i.material(&r.material_id).is_some()) {
            errors.push(FieldError::new(
                "materials",
                "unknown_material",
                format!("所选事项没有名为 {} 的申请材料", r.material_id),
            ));
        }
    }
    let mut per_item = Vec::new();
    for item in items {
        let mut attached = Vec::new();
        for material in &item.materials {
            let chosen = refs.iter().rev().find(|r| {
                r.material_id == material.id
                    && r.item_code.as_deref().is_none_or(|c| c.eq_ignore_ascii_case(item.code.as_str()))
            });
            match chosen {
                Some(r) => attached.push(attach(r, &uploads[&r.upload_id])),
                None if material.required => errors.push(FieldError::new(
                    "materials",
                    "missing_material",
                    format!("「{}」缺少必需材料「{}」", item.name, material.name),
                )),
                None => {}
            }
        }
        per_item.push(attached);
    }
    if errors.is_empty() { Ok(per_item) } else { Err(ApiError::invalid(errors)) }
}

pub async fn submit(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ApplicationBody>,
) -> ApiResult<impl IntoResponse> {
    applicant_only(&caller)?;
    let idempotency = IdempotencyKey::from_headers(&headers, &format!("apply#{}", caller.user_id()), &body)?;
    if let Some(key) = &idempotency
        && let Some(done) = key.replay::<Submitted>(ctx.store.as_ref()).await?
    {
        return Ok((StatusCode::CREATED, Json(done)));
    }
    if !body.form.is_null() && !body.form.is_object() {
        return Err(ApiError::invalid(vec![FieldError::new(
            "form",
            "invalid_value",
            "表单内容须为 JSON 对象",
        )]));
    }
    if body.materials.len() > MAX_MATERIALS {
        return Err(ApiError::invalid(vec![FieldError::new(
            "materials",
            "too_many",
            format!("一次申请最多附 {MAX_MATERIALS} 份材料"),
        )]));
    }
    if body.form.to_string().len() > MAX_FORM_BYTES {
        return Err(ApiError::invalid(vec![FieldError::new(
            "form",
            "too_long",
            "表单内容过长（不超过 32 KB）",
        )]));
    }
    let user = users::get(ctx.store.as_ref(), caller.user_id())
        .await?
        .ok_or_else(|| ApiError::unauthorized("账号不存在或已注销"))?
        .value;
    let kind = match user.kind {
        AccountKind::Enterprise => ApplicantKind::Enterprise,
        _ => ApplicantKind::Individual,
    };
    let items = load_items(&ctx, &body.item_codes).await?;
    let wrong_kind: Vec<FieldError> = items
        .iter()
        .filter(|i| !i.applicant_kinds.contains(&kind))
        .map(|i| {
            let who = if kind == ApplicantKind::Enterprise { "法人或其他组织" } else { "自然人" };
            FieldError::new(
                "itemCodes",
                "applicant_kind_not_allowed",
                format!("「{}」不面向{who}办理", i.name),
            )
        })
        .collect();
    if !wrong_kind.is_empty() {
        return Err(ApiError::invalid(wrong_kind));
    }
    let uploads =
        resolve_uploads(&ctx, caller.user_id(), body.materials.iter().map(|m| m.upload_id.as_str())).await?;
    let per_item = materials_per_item(&items, &body.materials, &uploads)?;

    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let now = ctx.clock.now();
    let group_id = uuid::Uuid::now_v7().to_string();
    let applicant_name = user.org_name.clone().unwrap_or_else(|| user.name.clone());
    let mut ops: Vec<TxOp> = Vec::new();
    let mut created = Vec::new();
    for (item, materials) in items.iter().zip(per_item) {
        let (case, event) = Case::open(
            NewCase {
                id: uuid::Uuid::now_v7().to_string(),
                group_id: group_id.clone(),
                item_code: item.code.clone(),
                item_name: item.name.clone(),
                department_id: item.department_id.clone(),
                decision_limit_days: item.promised_days.min(item.statutory_days),
                statutory_days: item.statutory_days,
                applicant_id: caller.user_id().to_owned(),
                applicant_name: applicant_name.clone(),
                applicant_kind: kind,
                materials,
                form: body.form.clone(),
            },
            &calendar,
            now,
        );
        ops.extend(cases::create_ops(&case, &event));
        ops.extend(transition::notify(&case, &event));
        created.push(case);
    }
    let result = Submitted {
        application_id: created[0].id.clone(),
        group_id,
        status: "submitted".into(),
        acceptance_due_date: wangban_shared::domain::catalogue::iso_date::format(
            created[0].acceptance_due.date,
        ),
        applications: created
            .iter()
            .map(|c| SubmittedCase {
                application_id: c.id.clone(),
                item_code: c.item_code.to_string(),
                item_name: c.item_name.clone(),
                acceptance_due_date: wangban_shared::domain::catalogue::iso_date::format(
                    c.acceptance_due.date,
                ),
            })
            .collect(),
    };
    let idempotency_index = ops.len();
    if let Some(key) = &idempotency {
        ops.push(key.remember(&result, now.unix_timestamp()));
    }
    let outcome = ctx.store.transact(ops).await;
    if let Some(key) = &idempotency
        && idempotency::lost_race(&outcome, idempotency_index)
        && let Some(done) = key.replay::<Submitted>(ctx.store.as_ref()).await?
    {
        // A concurrent retry with the same key won: answer what it created.
        return Ok((StatusCode::CREATED, Json(done)));
    }
    outcome?;
    tracing::info!(group_id = %result.group_id, items = created.len(), "application submitted");
    Ok((StatusCode::CREATED, Json(result)))
}

pub async fn list(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<impl IntoResponse> {
    applicant_only(&caller)?;
    let (items, next) =
        cases::by_applicant(ctx.store.as_ref(), caller.user_id(), page.limit()?, page.cursor()).await?;
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let today = china_date(ctx.clock.now());
    let items: Vec<Value> = items.iter().map(|c| case_view::summary(c, &calendar, today)).collect();
    Ok(Json(ListPage::new(items, next)))
}

/// One application: to its applicant, or to staff of its department (with the audit trail).
pub async fn read(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let (case, events) =
        cases::with_events(ctx.store.as_ref(), &id).await?.ok_or_else(transition::not_found)?;
    let case = case.value;
    let staff = transition::may_read(&caller, &case)?;
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let documents = transition::documents(&ctx, &case).await?;
    let today = china_date(ctx.clock.now());
    Ok(Json(case_view::detail(&case, &events, documents, staff, &calendar, today)))
}

#[derive(Deserialize)]
pub struct SupplementBody {
    materials: Vec<MaterialRef>,
}

/// 补正: the materials the notice listed, all of them, in one go.
pub async fn supplement(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SupplementBody>,
) -> ApiResult<impl IntoResponse> {
    applicant_only(&caller)?;
    let case = cases::get(ctx.store.as_ref(), &id).await?.ok_or_else(transition::not_found)?;
    if case.value.applicant_id != caller.user_id() {
        return Err(transition::not_found());
    }
    let Some(notice) = case.value.supplement_notice.clone().filter(|n| n.answered_at.is_none()) else {
        return Err(ApiError::conflict("no_supplement_requested", "该申请没有待补正的材料"));
    };
    let uploads =
        resolve_uploads(&ctx, caller.user_id(), body.materials.iter().map(|m| m.upload_id.as_str())).await?;
    let item =
        catalogue::item(ctx.store.as_ref(), &case.value.item_code).await?.ok_or_else(ApiError::internal)?;
    let mut errors: Vec<FieldError> = body
        .materials
        .iter()
        .filter(|m| item.material(&m.material_id).is_none())
        .map(|m| {
            FieldError::new(
                "materials",
                "unknown_material",
                format!("该事项没有名为 {} 的申请材料", m.material_id),
            )
        })
        .collect();
    for missing in &notice.missing {
        if !body.materials.iter().any(|m| m.material_id == missing.material_id) {
            errors.push(FieldError::new(
                "materials",
                "missing_material",
                format!("补正通知要求的材料 {} 尚未提交", missing.material_id),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let materials = body.materials.iter().map(|m| attach(m, &uploads[&m.upload_id])).collect();
    let actor = Actor::Applicant { user_id: caller.user_id().to_owned() };
    let (case, _) = transition::apply(&ctx, &id, &actor, Command::Supplement { materials }).await?;
    Ok(Json(transition::summary(&ctx, &case).await?))
}

#[derive(Deserialize)]
pub struct WithdrawBody {
    #[serde(default)]
    reason: Option<String>,
}

pub async fn withdraw(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    OptionalJson(body): OptionalJson<WithdrawBody>,
) -> ApiResult<impl IntoResponse> {
    applicant_only(&caller)?;
    // The body is optional: `{"reason": "..."}` or nothing.
    let reason = body.and_then(|b| b.reason);
    let actor = Actor::Applicant { user_id: caller.user_id().to_owned() };
    let (case, _) = transition::apply(&ctx, &id, &actor, Command::Withdraw { reason }).await?;
    Ok(Json(transition::summary(&ctx, &case).await?))
}
