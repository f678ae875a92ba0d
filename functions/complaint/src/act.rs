//! Reading one complaint or letter, and what happens to it: a supervisor assigns (or forwards),
//! the department replies (and publishes, with consent), the complainant rates and may reopen.
//! Each change is one transaction: the submission, its audit event, the submitter's list entry,
//! and the published reply or inbox message it brings.

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};
use wangban_shared::{
    auth::AuthUser,
    domain::{
        account::Role,
        case::china_date,
        complaint::{Actor, Command, Comment, Content, Event, Kind, RatingLevel, Submission},
        tracking::TrackingNo,
    },
    http::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, FieldError},
    store::{StoreError, TxOp, Versioned, catalogue, complaints, users},
};

use crate::{
    App, KindOf,
    access::{self, CodeQuery, MaybeUser, Viewer, not_found, refusal, text},
    view,
};

/// How many times a change is tried when a concurrent writer may change it first.
const RETRIES: usize = wangban_shared::store::CONTENTION_RETRIES;

/// Applies `command` as one transaction and returns the changed submission with its whole
/// audit trail. `gate` sees the submission first and refuses (as missing) callers who may not
/// see it; `extra` adds the writes the change brings.
async fn apply(
    app: &App,
    kind: Kind,
    no: &TrackingNo,
    actor: &Actor,
    command: Command,
    gate: impl Fn(&Submission) -> bool,
    extra: impl Fn(&Submission, &Event) -> Vec<TxOp>,
) -> ApiResult<(Submission, Vec<Event>)> {
    let store = app.ctx.store.as_ref();
    let calendar = app.ctx.calendar.get(store).await?;
    for _ in 0..RETRIES {
        let (Versioned { value: s, version }, mut events) =
            complaints::with_events(store, no).await?.ok_or_else(|| not_found(kind))?;
        if !gate(&s) {
            return Err(not_found(kind));
        }
        let (next, event) =
            s.apply(command.clone(), actor, &calendar, app.ctx.clock.now()).map_err(|e| refusal(kind, e))?;
        let mut ops = complaints::update_ops(&next, version, &event);
        ops.extend(extra(&next, &event));
        match store.transact(ops).await {
            Ok(()) => {
                events.push(event);
                return Ok((next, events));
            }
            Err(StoreError::TransactionConditionFailed { .. }) | Err(StoreError::Conflict) => {
                wangban_shared::store::contention_pause().await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict("concurrent_update", "该事项刚被他人处理，请刷新后重试"))
}

async fn shown(app: &App, s: &Submission, events: &[Event], viewer: Viewer) -> ApiResult<Json<Value>> {
    let calendar = app.ctx.calendar.get(app.ctx.store.as_ref()).await?;
    Ok(Json(view::detail(s, events, viewer, &calendar, china_date(app.ctx.clock.now()))))
}

/// `GET …/{no}?queryCode=`: the submitter's view by code (or as the logged-in author), the
/// staff view for supervisors and the department that holds it.
pub async fn read<K: KindOf>(
    State(app): State<App>,
    MaybeUser(caller): MaybeUser,
    ApiPath(no): ApiPath<String>,
    ApiQuery(q): ApiQuery<CodeQuery>,
) -> ApiResult<Json<Value>> {
    let (s, events, viewer) = access::read_for(&app, K::KIND, &no, q.code(), caller.as_ref()).await?;
    shown(&app, &s.value, &events, viewer).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignBody {
    #[serde(default)]
    department_id: String,
}

/// A supervisor sends a complaint to the department that must reply, or forwards a letter.
pub async fn assign<K: KindOf>(
    State(app): State<App>,
    caller: AuthUser,
    ApiPath(no): ApiPath<String>,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Supervisor]).map_err(|_| ApiError::forbidden("仅监督人员可以分派或转办"))?;
    let department = body.department_id.trim();
    let field = |code, message: &str| ApiError::invalid(vec![FieldError::new("departmentId", code, message)]);
    if department.is_empty() {
        return Err(field("required", "请选择承办部门"));
    }
    if catalogue::department(app.ctx.store.as_ref(), department).await?.is_none() {
        return Err(field("unknown_department", "承办部门不存在"));
    }
    let no = access::number(K::KIND, &no)?;
    let command = Command::Assign { department_id: department.to_owned() };
    let actor = access::staff_actor(&caller);
    let (s, events) = apply(&app, K::KIND, &no, &actor, command, |_| true, |_, _| Vec::new()).await?;
    tracing::info!(number = %s.number.as_str(), "assigned");
    shown(&app, &s, &events, Viewer::Staff).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplyBody {
    #[serde(default)]
    content: String,
    #[serde(default)]
    publish: bool,
    /// The question as it may be published; the submitter's text (redacted) when absent.
    published_question: Option<String>,
    /// The answer as it may be published; the reply (redacted) when absent.
    published_answer: Option<String>,
}

/// The inbox message telling a logged-in submitter that the reply is there.
fn tell_author(s: &Submission, event: &Event) -> Option<TxOp> {
    let author = s.author_id.as_deref()?;
    let what = s.kind.label_zh();
    let next_step = if s.can_rate() {
        "请登录后查看答复并评价办理结果。"
    } else {
        "请登录后查看答复。"
    };
    let message = users::Message {
        id: uuid::Uuid::now_v7().to_string(),
        title: format!("您的{what}已答复：{}", s.number.as_str()),
        body: format!("您提交的{what}「{}」（编号 {}）已收到答复。{next_step}", s.subject, s.number.as_str()),
        sent_at: event.at,
        application_id: s.about.application_id.clone(),
        appointment_no: None,
    };
    Some(users::message_op(author, &message))
}

/// Staff of the department that holds it reply; with `publish` (and the submitter's consent)
/// the question and answer are published with personal data removed.
pub async fn reply<K: KindOf>(
    State(app): State<App>,
    caller: AuthUser,
    ApiPath(no): ApiPath<String>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<Json<Value>> {
    caller
        .require(&[Role::Clerk, Role::Reviewer, Role::Admin])
        .map_err(|_| ApiError::forbidden("仅承办部门的工作人员可以答复"))?;
    let mut errors = Vec::new();
    let content = text(Content::parse(&body.content), "content", "答复内容", &mut errors);
    let mut published = |raw: &Option<String>, field: &str, label: &str| {
        let raw = raw.as_deref()?;
        if !body.publish {
            errors.push(FieldError::new(
                field,
                "publish_required",
                "提供公开文本时须同时选择公开（publish）",
            ));
            return None;
        }
        text(Content::parse(raw), field, label, &mut errors)
    };
    let question = published(&body.published_question, "publishedQuestion", "公开的问题");
    let answer = published(&body.published_answer, "publishedAnswer", "公开的答复");
    let Some(content) = content.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let no = access::number(K::KIND, &no)?;
    let (question, answer) = (question.as_ref().map(Content::as_str), answer.as_ref().map(Content::as_str));
    let publish = body.publish;
    let actor = access::staff_actor(&caller);
    let command = Command::Reply { content, publish };
    let (s, events) = apply(
        &app,
        K::KIND,
        &no,
        &actor,
        command,
        |_| true,
        |next, event| {
            let publication =
                next.published_at.filter(|_| publish).and_then(|at| next.publication(question, answer, at));
            publication.iter().map(complaints::publish_op).chain(tell_author(next, event)).collect()
        },
    )
    .await?;
    tracing::info!(number = %s.number.as_str(), published = publish, "replied");
    let mut shown = shown(&app, &s, &events, Viewer::Staff).await?;
    if publish {
        shown.0["publication"] = json!(s.published_at.and_then(|at| s.publication(question, answer, at)));
    }
    Ok(shown)
}

/// The submitter acts on a complaint: proven by the query code or as the logged-in author.
async fn as_complainant(
    app: &App,
    raw_no: &str,
    q: &CodeQuery,
    caller: Option<&AuthUser>,
    command: Command,
) -> ApiResult<Json<Value>> {
    let kind = Kind::Complaint;
    if q.code().is_none() && caller.is_none() {
        return Err(access::code_required());
    }
    let no = access::number(kind, raw_no)?;
    // Logged in without a code: the author, by id. With a code: whoever holds it.
    let user_id = if q.code().is_none() { caller.map(|c| c.user_id().to_owned()) } else { None };
    let actor = Actor::Submitter { user_id };
    let gate = |s: &Submission| access::submitter_proof(q.code(), caller, s) == Some(true);
    let (s, events) = apply(app, kind, &no, &actor, command, gate, |_, _| Vec::new()).await?;
    shown(app, &s, &events, Viewer::Submitter).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateBody {
    level: RatingLevel,
    comment: Option<String>,
}

/// The complainant rates the handling: satisfied, basically satisfied or dissatisfied.
pub async fn rate(
    State(app): State<App>,
    MaybeUser(caller): MaybeUser,
    ApiPath(no): ApiPath<String>,
    ApiQuery(q): ApiQuery<CodeQuery>,
    ApiJson(body): ApiJson<RateBody>,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let comment = match body.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => text(Comment::parse(c), "comment", "评价意见", &mut errors),
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    as_complainant(&app, &no, &q, caller.as_ref(), Command::Rate { level: body.level, comment }).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReopenBody {
    #[serde(default)]
    reason: String,
}

/// After a "dissatisfied", the complainant may reopen the complaint once, saying why.
pub async fn reopen(
    State(app): State<App>,
    MaybeUser(caller): MaybeUser,
    ApiPath(no): ApiPath<String>,
    ApiQuery(q): ApiQuery<CodeQuery>,
    ApiJson(body): ApiJson<ReopenBody>,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let Some(reason) = text(Content::parse(&body.reason), "reason", "重新办理的理由", &mut errors)
    else {
        return Err(ApiError::invalid(errors));
    };
    as_complainant(&app, &no, &q, caller.as_ref(), Command::Reopen { reason }).await
}
