//! Consultations (§4.3 a): asked online by anyone (logged in, or leaving contact details) or
//! recorded by staff from a phone call or a letter; followed with the number and the secret
//! query code; answered by the assigned department; published with the asker's consent.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wangban_shared::{
    auth::AuthUser,
    domain::{
        account::Role,
        case::china_date,
        catalogue::iso_date,
        ids::ItemCode,
        interaction::{
            self, Violation,
            consultation::{
                ANSWER_MAX_CHARS, ANSWER_WORKING_DAYS, AnswerCommand, Channel, Consultation,
                ConsultationError, ConsultationStatus, Contact, ContactDraft, QUESTION_MAX_CHARS,
            },
            text,
        },
        redact::Names,
        tracking::{QueryCode, TrackedKind, TrackingNo, code_matches},
    },
    http::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, list::ListPage},
    store::{
        StoreError, catalogue, consultations,
        idempotency::{self, IdempotencyKey},
        users,
    },
};

use crate::{
    Interaction,
    access::{self, MaybeUser},
};

/// How often taking a number is tried when a concurrent asker may take it first.
const RETRIES: usize = wangban_shared::store::CONTENTION_RETRIES;

fn not_found() -> ApiError {
    ApiError::not_found("consultation_not_found", "未找到该咨询，请核对咨询编号和查询码")
}

fn refusal(e: ConsultationError) -> ApiError {
    let status = match e {
        ConsultationError::OtherDepartment => StatusCode::NOT_FOUND,
        ConsultationError::NoConsent => StatusCode::UNPROCESSABLE_ENTITY,
        ConsultationError::AlreadyAnswered | ConsultationError::Unassigned => StatusCode::CONFLICT,
    };
    ApiError::new(status, e.code(), e.message_zh())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AskBody {
    #[serde(default)]
    question: String,
    #[serde(default)]
    department_id: Option<String>,
    #[serde(default)]
    item_code: Option<String>,
    #[serde(default)]
    contact: Option<ContactDraft>,
    #[serde(default)]
    publish_consent: bool,
    /// `phone` or `letter` when staff record an offline question.
    #[serde(default)]
    channel: Option<Channel>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Asked {
    consultation_no: String,
    query_code: String,
    status: ConsultationStatus,
    answer_due_date: String,
}

/// Where a question goes: the named item's department, else the named department, else none
/// (a supervisor assigns it). Both named must agree.
async fn route(
    state: &Interaction,
    item_code: Option<&str>,
    department_id: Option<&str>,
) -> ApiResult<(Option<ItemCode>, Option<String>, Option<String>)> {
    let store = state.ctx.store.as_ref();
    let department_id = department_id.map(str::trim).filter(|d| !d.is_empty());
    if let Some(raw) = item_code.map(str::trim).filter(|c| !c.is_empty()) {
        let code = ItemCode::parse(raw)
            .map_err(|e| access::invalid_one(Violation::new("itemCode", e.code(), e.message_zh())))?;
        let item = catalogue::item(store, &code).await?.ok_or_else(|| {
            access::invalid_one(Violation::new(
                "itemCode",
                "item_not_found",
                format!("没有编码为 {raw} 的事项"),
            ))
        })?;
        if department_id.is_some_and(|d| d != item.department_id) {
            return Err(access::invalid_one(Violation::new(
                "departmentId",
                "department_mismatch",
                "所选部门不是该事项的实施部门",
            )));
        }
        return Ok((Some(code), Some(item.name), Some(item.department_id)));
    }
    match department_id {
        None => Ok((None, None, None)),
        Some(d) => match catalogue::department(store, d).await? {
            Some(dept) => Ok((None, None, Some(dept.id))),
            None => {
                Err(access::invalid_one(Violation::new("departmentId", "department_not_found", "没有该部门")))
            }
        },
    }
}

/// `POST /api/v1/consultations`: a question online, or staff recording one received offline.
pub async fn ask(
    State(state): State<Interaction>,
    MaybeUser(caller): MaybeUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AskBody>,
) -> ApiResult<impl IntoResponse> {
    let ctx = &state.ctx;
    let scope = format!("consult#{}", caller.as_ref().map_or("anonymous", |c| c.user_id()));
    let idempotency = IdempotencyKey::from_headers(&headers, &scope, &body)?;
    if let Some(key) = &idempotency
        && let Some(done) = key.replay::<Asked>(ctx.store.as_ref()).await?
    {
        return Ok((StatusCode::CREATED, Json(done)));
    }
    let channel = body.channel.unwrap_or(Channel::Online);
    let mut errors = Vec::new();
    let question = text::field("question", "咨询内容", &body.question, QUESTION_MAX_CHARS)
        .map_err(|v| errors.push(v))
        .unwrap_or_default();
    // Offline questions are recorded by staff for their own department; online ones by anyone.
    let recorder = match (channel.is_offline(), &caller) {
        (true, Some(c)) => Some((c.user_id().to_owned(), access::department_staff(c)?)),
        (true, None) => return Err(ApiError::unauthorized("记录电话或来信咨询须由部门工作人员登录后办理")),
        (false, _) => None,
    };
    let asker_id = caller.as_ref().filter(|c| c.role() == Role::Applicant).map(|c| c.user_id().to_owned());
    // Anyone who is not a logged-in citizen must say how to be answered.
    let contact = match (&body.contact, asker_id.is_some()) {
        (Some(draft), _) => Contact::parse(draft).map_err(|v| errors.extend(v)).ok(),
        (None, true) => None,
        (None, false) => {
            errors.push(Violation::new(
                "contact",
                "contact_required",
                "未登录或记录离线咨询时，请留下联系方式",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(access::invalid(errors));
    }
    let named_department = match &recorder {
        Some((_, own)) => {
            if body.department_id.as_deref().is_some_and(|d| d != own) {
                return Err(access::invalid_one(Violation::new(
                    "departmentId",
                    "department_mismatch",
                    "只能为本部门记录离线咨询",
                )));
            }
            Some(own.as_str())
        }
        None => body.department_id.as_deref(),
    };
    let (item_code, item_name, department_id) =
        route(&state, body.item_code.as_deref(), named_department).await?;
    if recorder.as_ref().is_some_and(|(_, own)| department_id.as_deref() != Some(own.as_str())) {
        return Err(access::invalid_one(Violation::new(
            "itemCode",
            "department_mismatch",
            "只能为本部门的事项记录离线咨询",
        )));
    }
    let now = ctx.clock.now();
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let due = calendar.add_working_days(china_date(now), ANSWER_WORKING_DAYS);
    for _ in 0..RETRIES {
        let (no, seq_op) = consultations::next_number(ctx.store.as_ref(), china_date(now).year()).await?;
        let code = QueryCode::generate();
        let consultation = Consultation {
            no: no.clone(),
            question: question.clone(),
            department_id: department_id.clone(),
            item_code: item_code.clone(),
            item_name: item_name.clone(),
            channel,
            asker_id: asker_id.clone(),
            contact: contact.clone(),
            publish_consent: body.publish_consent,
            code_digest: code.digest(&no),
            status: ConsultationStatus::Pending,
            received_at: now,
            due,
            recorded_by: recorder.as_ref().map(|(id, _)| id.clone()),
            answer: None,
        };
        let asked = Asked {
            consultation_no: no.as_str().to_owned(),
            query_code: code.expose().to_owned(),
            status: ConsultationStatus::Pending,
            answer_due_date: iso_date::format(due.date),
        };
        let mut ops = vec![seq_op, consultations::create_op(&consultation)];
        let idempotency_index = ops.len();
        if let Some(key) = &idempotency {
            ops.push(key.remember(&asked, now.unix_timestamp()));
        }
        let outcome = ctx.store.transact(ops).await;
        if let Some(key) = &idempotency
            && idempotency::lost_race(&outcome, idempotency_index)
            && let Some(done) = key.replay::<Asked>(ctx.store.as_ref()).await?
        {
            return Ok((StatusCode::CREATED, Json(done)));
        }
        match outcome {
            Ok(()) => {
                tracing::info!(no = no.as_str(), ?channel, "consultation received");
                return Ok((StatusCode::CREATED, Json(asked)));
            }
            // Another question took this number first: wait a little, at random, so the askers
            // that lost do not collide again, and take the next one.
            Err(StoreError::TransactionConditionFailed { .. } | StoreError::Conflict) => {
                wangban_shared::store::contention_pause().await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict("concurrent_update", "咨询提交繁忙，请稍后重试").with_retry_after(1))
}

/// The consultation for its asker: contact details masked, no staff identities.
fn asker_view(c: &Consultation) -> Value {
    json!({
        "consultationNo": c.no.as_str(),
        "question": c.question,
        "itemCode": c.item_code.as_ref().map(ItemCode::as_str),
        "itemName": c.item_name,
        "departmentId": c.department_id,
        "channel": c.channel,
        "status": c.status,
        "statusLabel": c.status.label_zh(),
        "receivedAt": access::rfc3339(c.received_at),
        "answerDueDate": iso_date::format(c.due.date),
        "publishConsent": c.publish_consent,
        "contact": c.contact.as_ref().map(Contact::masked),
        "answer": c.answer.as_ref().map(|a| json!({
            "content": a.content,
            "answeredAt": access::rfc3339(a.answered_at),
            "published": a.published,
        })),
    })
}

/// The consultation for the department and supervisors: full contact details (to answer by
/// phone or letter) and the promised date's clock.
fn staff_view(
    c: &Consultation,
    calendar: &wangban_shared::domain::calendar::Calendar,
    today: time::Date,
) -> Value {
    let mut v = asker_view(c);
    v["contact"] = json!(c.contact);
    v["recordedBy"] = json!(c.recorded_by);
    v["fromLoggedInUser"] = json!(c.asker_id.is_some());
    if c.status == ConsultationStatus::Pending {
        let (left, flag) = interaction::clock(calendar, c.due, today);
        v["workingDaysLeft"] = json!(left);
        v["clock"] = json!(flag);
    }
    if let Some(a) = &c.answer {
        v["answer"]["answeredBy"] = json!(a.answered_by);
    }
    v
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeParam {
    query_code: Option<String>,
}

async fn load(state: &Interaction, raw: &str) -> ApiResult<wangban_shared::store::Versioned<Consultation>> {
    let no = TrackingNo::parse(TrackedKind::Consultation, raw).ok_or_else(not_found)?;
    consultations::get(state.ctx.store.as_ref(), &no).await?.ok_or_else(not_found)
}

/// `GET /api/v1/consultations/{no}?queryCode=`: for whoever holds the query code, the logged-in
/// asker, the department and supervisors; everyone else gets the same 404 as for a wrong number.
pub async fn read(
    State(state): State<Interaction>,
    MaybeUser(caller): MaybeUser,
    ApiPath(no): ApiPath<String>,
    ApiQuery(params): ApiQuery<CodeParam>,
) -> ApiResult<Json<Value>> {
    let c = load(&state, &no).await?.value;
    if access::responsible(caller.as_ref(), c.department_id.as_deref()) {
        let calendar = state.ctx.calendar.get(state.ctx.store.as_ref()).await?;
        return Ok(Json(staff_view(&c, &calendar, china_date(state.ctx.clock.now()))));
    }
    let by_code = params.query_code.as_deref().is_some_and(|code| code_matches(&c.no, code, &c.code_digest));
    let by_account = caller.as_ref().is_some_and(|u| c.asker_id.as_deref() == Some(u.user_id()));
    if by_code || by_account { Ok(Json(asker_view(&c))) } else { Err(not_found()) }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnswerBody {
    #[serde(default)]
    answer: String,
    #[serde(default)]
    publish: bool,
    /// The question as it may be published (`publicQuestion` is the older name).
    #[serde(default, alias = "publicQuestion")]
    published_question: Option<String>,
    /// The answer as it may be published; the answer itself when absent.
    #[serde(default)]
    published_answer: Option<String>,
}

/// `POST /api/v1/consultations/{no}/answer`: staff of the assigned department answer once; with
/// `publish` (and the asker's consent) the answer becomes a public reply and a knowledge-base
/// entry in the same transaction.
pub async fn answer(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiPath(no): ApiPath<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> ApiResult<Json<Value>> {
    let department = access::department_staff(&caller)?;
    let mut errors = Vec::new();
    let content = text::field("answer", "答复内容", &body.answer, ANSWER_MAX_CHARS)
        .map_err(|v| errors.push(v))
        .unwrap_or_default();
    let public_question = text::optional_field(
        "publishedQuestion",
        "公开的问题",
        body.published_question.as_deref(),
        QUESTION_MAX_CHARS,
    )
    .map_err(|v| errors.push(v))
    .ok()
    .flatten();
    let public_answer = text::optional_field(
        "publishedAnswer",
        "公开的答复",
        body.published_answer.as_deref(),
        ANSWER_MAX_CHARS,
    )
    .map_err(|v| errors.push(v))
    .ok()
    .flatten();
    let loaded = load(&state, &no).await?;
    // Another department's consultation is answered as missing, before anything about it is said.
    if loaded.value.department_id.as_deref() != Some(department.as_str()) {
        return Err(not_found());
    }
    if !errors.is_empty() {
        return Err(access::invalid(errors));
    }
    let ctx = &state.ctx;
    let now = ctx.clock.now();
    // A logged-in asker's account names are removed from the published text too.
    let mut asker_names = Names::default();
    if let Some(asker) = &loaded.value.asker_id
        && let Some(user) = users::get(ctx.store.as_ref(), asker).await?.map(|u| u.value)
    {
        asker_names.people.push(user.name);
        asker_names.people.extend(user.legal_representative);
        asker_names.organisations.extend(user.org_name);
    }
    let command = AnswerCommand {
        department_id: department,
        answered_by: caller.user_id().to_owned(),
        content,
        publish: body.publish,
        public_question,
        public_answer,
        asker_names,
    };
    let (next, reply) = loaded.value.answer(command, now).map_err(refusal)?;
    let mut ops = vec![consultations::update_op(&next, loaded.version)];
    ops.extend(reply.as_ref().map(consultations::reply_op));
    if let Some(asker) = &next.asker_id {
        ops.push(access::inbox(
            asker,
            format!("咨询已答复：{}", next.no.as_str()),
            format!(
                "您的咨询（编号 {}）已答复：\n{}",
                next.no.as_str(),
                next.answer.as_ref().map_or("", |a| &a.content)
            ),
            None,
            now,
        ));
    }
    match ctx.store.transact(ops).await {
        Ok(()) => {}
        Err(StoreError::TransactionConditionFailed { .. } | StoreError::Conflict) => {
            return Err(ApiError::conflict("concurrent_update", "该咨询刚被他人处理，请刷新后重试"));
        }
        Err(e) => return Err(e.into()),
    }
    if reply.is_some() {
        // This process's next search finds the answer at once; others within a minute.
        state.kb.invalidate();
    }
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    Ok(Json(staff_view(&next, &calendar, china_date(now))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignBody {
    #[serde(default)]
    department_id: String,
}

/// `POST /api/v1/consultations/{no}/assign`: a supervisor sends a question to a department.
pub async fn assign(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiPath(no): ApiPath<String>,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Supervisor]).map_err(|_| ApiError::forbidden("仅监督人员可以分派咨询"))?;
    let loaded = load(&state, &no).await?;
    let ctx = &state.ctx;
    let department =
        catalogue::department(ctx.store.as_ref(), body.department_id.trim()).await?.ok_or_else(|| {
            access::invalid_one(Violation::new("departmentId", "department_not_found", "没有该部门"))
        })?;
    let next = loaded.value.assign(&department.id).map_err(refusal)?;
    match ctx.store.transact(vec![consultations::update_op(&next, loaded.version)]).await {
        Ok(()) => {}
        Err(StoreError::TransactionConditionFailed { .. } | StoreError::Conflict) => {
            return Err(ApiError::conflict("concurrent_update", "该咨询刚被他人处理，请刷新后重试"));
        }
        Err(e) => return Err(e.into()),
    }
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    Ok(Json(staff_view(&next, &calendar, china_date(ctx.clock.now()))))
}

#[derive(Deserialize)]
pub struct QueueParams {
    status: Option<String>,
    department: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /api/v1/work/consultations?status=pending|answered`: the department's consultations,
/// pending ones nearest promised date first with their clock; a supervisor names the department
/// (or `unassigned`).
pub async fn queue(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> ApiResult<Json<ListPage<Value>>> {
    let status = match params.status.as_deref().filter(|s| !s.is_empty()) {
        None => ConsultationStatus::Pending,
        Some(s) => ConsultationStatus::parse(s)
            .ok_or_else(|| ApiError::bad_request("invalid_status", "status 须为 pending 或 answered"))?,
    };
    let department = access::queue_department(&caller, params.department.as_deref())?;
    let department = department.filter(|d| d != "unassigned");
    let (limit, cursor) = access::page(params.limit, params.cursor)?;
    let ctx = &state.ctx;
    let (items, next) =
        consultations::queue(ctx.store.as_ref(), department.as_deref(), status, limit, cursor).await?;
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    let today = china_date(ctx.clock.now());
    Ok(Json(ListPage::new(items.iter().map(|c| staff_view(c, &calendar, today)).collect(), next)))
}
