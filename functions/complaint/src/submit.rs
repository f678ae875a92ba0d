//! Submitting a complaint or a letter: logged in, or anonymously with a mobile number. The
//! answer carries the number and the query code, shown this once; only the code's digest is
//! stored. A retry with the same `Idempotency-Key` gets the same number and the same code,
//! which is derived from the platform secret rather than stored.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wangban_shared::{
    auth::AuthUser,
    domain::{
        account::{AccountKind, Role},
        calendar::Deadline,
        case::china_date,
        catalogue::iso_date,
        complaint::{
            About, Addressee, Contact, Content, Kind, NewSubmission, PersonName, Status, Subject, Submission,
        },
        ids::{ItemCode, Phone},
        tracking::{QueryCode, TrackingNo},
    },
    http::{ApiError, ApiJson, ApiResult, FieldError},
    store::{
        StoreError, cases, catalogue, complaints,
        idempotency::{self, IdempotencyKey},
        users,
    },
};

use crate::{
    App, KindOf,
    access::{MaybeUser, text},
    view::number_field,
};

/// How many times a submission is tried when a concurrent one may take the same number.
const RETRIES: usize = wangban_shared::store::CONTENTION_RETRIES;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitBody {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    department_id: Option<String>,
    #[serde(default)]
    item_code: Option<String>,
    #[serde(default)]
    application_id: Option<String>,
    /// Letters: the department's mailbox or its head's.
    #[serde(default)]
    addressee: Option<Addressee>,
    #[serde(default)]
    contact: Option<ContactBody>,
    /// Consent to publish the question and the answer, personal data removed (§4.1.1 b).
    #[serde(default)]
    publish_consent: bool,
}

/// What an `Idempotency-Key` remembers; the code is derived again on a retry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    number: TrackingNo,
    status: Status,
    reply_due: Deadline,
}

fn created_body(kind: Kind, created: &Created, code: &QueryCode) -> Json<Value> {
    let what = kind.label_zh();
    Json(json!({
        number_field(kind): created.number,
        "queryCode": code.expose(),
        "status": created.status,
        "statusLabel": created.status.label_zh(),
        "replyDueDate": iso_date::format(created.reply_due.date),
        "provisional": created.reply_due.provisional,
        "notice": format!("请妥善保存{what}编号和查询码：查询码只显示这一次，凭编号和查询码可查询办理进度和答复。"),
    }))
}

/// The query code of this submission: derived from the idempotency key when there is one (so a
/// retry shows it again), random otherwise.
fn query_code(app: &App, scope: &str, headers: &HeaderMap, number: &TrackingNo) -> QueryCode {
    match headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim) {
        Some(key) => QueryCode::from_secret(
            &app.ctx.urls.derive("query-code", &format!("{scope}\n{key}\n{}", number.as_str())),
        ),
        None => QueryCode::generate(),
    }
}

/// Everything the body says, parsed; every problem listed at once.
struct Parsed {
    subject: Subject,
    content: Content,
    contact: Contact,
    about: About,
}

async fn parse(app: &App, kind: Kind, body: &SubmitBody, caller: Option<&AuthUser>) -> ApiResult<Parsed> {
    let store = app.ctx.store.as_ref();
    let mut errors = Vec::new();
    let what = kind.label_zh();
    let subject = text(Subject::parse(&body.subject), "subject", &format!("{what}标题"), &mut errors);
    let content = text(Content::parse(&body.content), "content", &format!("{what}内容"), &mut errors);
    let given = body.contact.as_ref();
    let name = match given.and_then(|c| c.name.as_deref()).map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => text(PersonName::parse(n).map(String::from), "contact.name", "联系人姓名", &mut errors),
        None => None,
    };
    let phone = match given.and_then(|c| c.phone.as_deref()).map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Phone::parse(p)
            .map_err(|e| errors.push(FieldError::new("contact.phone", e.code(), e.message_zh())))
            .ok(),
        None if caller.is_none() => {
            errors.push(FieldError::new(
                "contact.phone",
                "contact_required",
                "匿名提交须留下手机号码，以便答复时联系您；也可以登录后提交",
            ));
            None
        }
        None => None,
    };
    let mut contact = Contact { name, phone, organisation: None };
    // A logged-in submitter's own details fill what they did not give.
    if let Some(caller) = caller
        && let Some(user) = users::get(store, caller.user_id()).await?.map(|u| u.value)
    {
        contact.name = contact.name.or(Some(user.name.clone()));
        contact.phone = contact.phone.or(user.phone.clone());
        if user.kind == AccountKind::Enterprise {
            contact.organisation = user.org_name.clone();
        }
    }

    let mut about = About::default();
    let mut refuse =
        |field: &str, code: &'static str, message: String| errors.push(FieldError::new(field, code, message));
    if let Some(id) = body.application_id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        // Only the submitter's own application: anyone else's is answered as missing.
        let own = match caller {
            Some(c) => {
                cases::get(store, id).await?.map(|v| v.value).filter(|case| case.applicant_id == c.user_id())
            }
            None => None,
        };
        match own {
            Some(case) => {
                about.application_id = Some(case.id);
                about.acceptance_no = case.acceptance_no;
                about.item_code = Some(case.item_code);
                about.item_name = Some(case.item_name);
                about.department_id = Some(case.department_id);
            }
            None => refuse(
                "applicationId",
                "application_not_found",
                "未找到您的该项申请（引用申请须登录本人账号）".into(),
            ),
        }
    }
    if let Some(raw) = body.item_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let item = match ItemCode::parse(raw) {
            Ok(code) => catalogue::item(store, &code).await?,
            Err(_) => None,
        };
        match item {
            None => refuse("itemCode", "item_not_found", format!("事项编码 {raw} 不存在")),
            Some(item) if about.item_code.as_ref().is_some_and(|c| c != &item.code) => {
                refuse("itemCode", "does_not_match_application", "所选事项与所引用的申请不一致".into())
            }
            Some(item) => {
                about.department_id = Some(item.department_id.clone());
                about.item_code = Some(item.code);
                about.item_name = Some(item.name);
            }
        }
    }
    if let Some(raw) = body.department_id.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        if catalogue::department(store, raw).await?.is_none() {
            refuse("departmentId", "unknown_department", format!("部门 {raw} 不存在"));
        } else if about.department_id.as_deref().is_some_and(|d| d != raw) {
            refuse("departmentId", "does_not_match_item", "所选部门与所涉事项或申请的实施部门不一致".into());
        } else {
            about.department_id = Some(raw.to_owned());
        }
    } else if kind == Kind::Letter && about.department_id.is_none() {
        refuse("departmentId", "required", "请选择收信部门".into());
    }
    match (subject, content) {
        (Some(subject), Some(content)) if errors.is_empty() => {
            Ok(Parsed { subject, content, contact, about })
        }
        _ => Err(ApiError::invalid(errors)),
    }
}

/// `POST /api/v1/complaints` and `POST /api/v1/letters`.
pub async fn submit<K: KindOf>(
    State(app): State<App>,
    MaybeUser(caller): MaybeUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SubmitBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = K::KIND;
    if caller.as_ref().is_some_and(|c| c.role() != Role::Applicant) {
        return Err(ApiError::forbidden("工作人员账号不能提交投诉或来信，请以个人身份提交"));
    }
    let scope = format!("{}#{}", kind.as_str(), caller.as_ref().map_or("anonymous", |c| c.user_id()));
    let idempotency = IdempotencyKey::from_headers(&headers, &scope, &body)?;
    let store = app.ctx.store.as_ref();
    if let Some(key) = &idempotency
        && let Some(done) = key.replay::<Created>(store).await?
    {
        return Ok((
            StatusCode::CREATED,
            created_body(kind, &done, &query_code(&app, &scope, &headers, &done.number)),
        ));
    }
    let parsed = parse(&app, kind, &body, caller.as_ref()).await?;
    let calendar = app.ctx.calendar.get(store).await?;
    for _ in 0..RETRIES {
        let now = app.ctx.clock.now();
        let (number, take_number) = complaints::next_number(store, kind, china_date(now).year()).await?;
        let code = query_code(&app, &scope, &headers, &number);
        let new = NewSubmission {
            kind,
            query_code_digest: code.digest(&number),
            number,
            subject: parsed.subject.clone(),
            content: parsed.content.clone(),
            about: parsed.about.clone(),
            addressee: (kind == Kind::Letter).then(|| body.addressee.unwrap_or_default()),
            author_id: caller.as_ref().map(|c| c.user_id().to_owned()),
            contact: parsed.contact.clone(),
            publish_consent: body.publish_consent,
            reply_limit_days: app.settings.reply_days(kind),
        };
        let (s, event) = Submission::open(new, &calendar, now)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.message_zh()))?;
        let created = Created { number: s.number.clone(), status: s.status, reply_due: s.reply_due };
        let mut ops = vec![take_number];
        ops.extend(complaints::create_ops(&s, &event));
        let idempotency_index = ops.len();
        if let Some(key) = &idempotency {
            ops.push(key.remember(&created, now.unix_timestamp()));
        }
        let outcome = store.transact(ops).await;
        if let Some(key) = &idempotency
            && idempotency::lost_race(&outcome, idempotency_index)
            && let Some(done) = key.replay::<Created>(store).await?
        {
            // A concurrent retry with the same key won: answer what it created.
            let code = query_code(&app, &scope, &headers, &done.number);
            return Ok((StatusCode::CREATED, created_body(kind, &done, &code)));
        }
        match outcome {
            Ok(()) => {
                tracing::info!(number = %created.number.as_str(), kind = kind.as_str(), "submitted");
                return Ok((StatusCode::CREATED, created_body(kind, &created, &code)));
            }
            // Someone took this number first: wait a little, at random, so the submitters that
            // lost do not collide again, and take the next one.
            Err(StoreError::TransactionConditionFailed { .. }) | Err(StoreError::Conflict) => {
                wangban_shared::store::contention_pause().await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict("concurrent_update", "提交人数较多，请稍后重试").with_retry_after(1))
}
