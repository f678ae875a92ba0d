//! Comments on items and policies (留言评论, §4.3 b): logged-in citizens and enterprises write
//! them; they are public once the moderators approved them (an item's department, or for a
//! policy the platform's administrator); moderators answer them.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wangban_shared::{
    auth::AuthUser,
    domain::{
        account::{AccountKind, Role},
        interaction::{
            comment::{
                CONTENT_MAX_CHARS, Comment, CommentError, CommentStatus, REASON_MAX_CHARS, REPLY_MAX_CHARS,
                Target, Verdict, public_name,
            },
            text,
        },
    },
    http::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, cache, list::ListPage},
    store::{
        StoreError, Versioned, catalogue, comments,
        idempotency::{self, IdempotencyKey},
        keys, users,
    },
};

use crate::{
    Interaction,
    access::{self, MaybeUser},
};

fn not_found() -> ApiError {
    ApiError::not_found("comment_not_found", "未找到该留言")
}

fn refusal(e: CommentError) -> ApiError {
    let status = if e == CommentError::ReasonRequired {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CONFLICT
    };
    ApiError::new(status, e.code(), e.message_zh())
}

fn target_of(raw: Option<&str>) -> ApiResult<Target> {
    raw.and_then(Target::parse).ok_or_else(|| {
        ApiError::bad_request("invalid_target", "target 须为 item:<事项编码> 或 policy:<政策编号>")
    })
}

/// The comment for its author and its moderators: status and moderation included.
fn full_view(c: &Comment) -> Value {
    let mut v = c.public_view();
    v["content"] = json!(c.content);
    v["status"] = json!(c.status);
    v["statusLabel"] = json!(c.status.label_zh());
    v["departmentId"] = json!(c.department_id);
    v["rejectionReason"] = json!(c.moderation.as_ref().and_then(|m| m.reason.clone()));
    if let Some(r) = &c.reply {
        v["reply"]["content"] = json!(r.content);
    }
    v
}

#[derive(Deserialize)]
pub struct ListParams {
    target: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /api/v1/comments?target=`: a target's approved comments, newest first.
pub async fn list(
    State(state): State<Interaction>,
    ApiQuery(params): ApiQuery<ListParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let target = target_of(params.target.as_deref())?;
    let (limit, cursor) = access::page(params.limit, params.cursor)?;
    let (items, next) =
        comments::approved(state.ctx.store.as_ref(), &target.to_string(), limit, cursor).await?;
    let items: Vec<Value> = items.iter().map(Comment::public_view).collect();
    Ok(cache::cached_json(&headers, &ListPage::new(items, next)))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostBody {
    #[serde(default)]
    content: String,
}

#[derive(Deserialize)]
pub struct TargetParam {
    target: Option<String>,
}

/// `POST /api/v1/comments?target=`: a citizen's or enterprise's comment, waiting for moderation.
pub async fn post(
    State(state): State<Interaction>,
    caller: AuthUser,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<TargetParam>,
    ApiJson(body): ApiJson<PostBody>,
) -> ApiResult<impl IntoResponse> {
    if caller.role() != Role::Applicant {
        return Err(ApiError::forbidden("工作人员请通过答复功能回复留言"));
    }
    let target = target_of(params.target.as_deref())?;
    let ctx = &state.ctx;
    let store = ctx.store.as_ref();
    let scope = format!("comment#{}#{target}", caller.user_id());
    let idempotency = IdempotencyKey::from_headers(&headers, &scope, &body)?;
    if let Some(key) = &idempotency
        && let Some(done) = key.replay::<Value>(store).await?
    {
        return Ok((StatusCode::CREATED, Json(done)));
    }
    let content =
        text::field("content", "留言内容", &body.content, CONTENT_MAX_CHARS).map_err(access::invalid_one)?;
    let missing = || ApiError::not_found("target_not_found", "留言对象不存在");
    let department_id = match &target {
        Target::Item(code) => Some(catalogue::item(store, code).await?.ok_or_else(missing)?.department_id),
        Target::Policy(id) => {
            store.get(&keys::policy_pk(id), keys::POLICY).await?.ok_or_else(missing)?;
            None
        }
    };
    let author = users::get(store, caller.user_id())
        .await?
        .ok_or_else(|| ApiError::unauthorized("账号不存在，请重新登录"))?;
    let author_names: Vec<String> =
        std::iter::once(author.value.name.clone()).chain(author.value.legal_representative.clone()).collect();
    let author_name = match (author.value.kind, author.value.org_name) {
        (AccountKind::Enterprise, Some(org)) => org,
        _ => public_name(&author.value.name),
    };
    let now = ctx.clock.now();
    let comment = Comment {
        id: uuid::Uuid::now_v7().to_string(),
        target,
        department_id,
        author_id: caller.user_id().to_owned(),
        author_name,
        author_names,
        content,
        status: CommentStatus::Pending,
        created_at: now,
        moderation: None,
        reply: None,
    };
    let created = full_view(&comment);
    let mut ops = vec![comments::create_op(&comment)];
    if let Some(key) = &idempotency {
        ops.push(key.remember(&created, now.unix_timestamp()));
    }
    let outcome = ctx.store.transact(ops).await;
    if let Some(key) = &idempotency
        && idempotency::lost_race(&outcome, 1)
        && let Some(done) = key.replay::<Value>(store).await?
    {
        return Ok((StatusCode::CREATED, Json(done)));
    }
    outcome?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Whether the caller moderates this comment: staff of its department (the platform's
/// administrator for policies).
fn moderator(caller: &AuthUser, c: &Comment) -> ApiResult<()> {
    let department = access::acting_department(caller)?;
    if department == c.department_id { Ok(()) } else { Err(not_found()) }
}

/// `GET /api/v1/comments/{id}`: an approved comment for anyone; a pending or rejected one only
/// for its author, its moderators and supervisors.
pub async fn read(
    State(state): State<Interaction>,
    MaybeUser(caller): MaybeUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let c = comments::get(state.ctx.store.as_ref(), &id).await?.ok_or_else(not_found)?.value;
    let author = caller.as_ref().is_some_and(|u| u.user_id() == c.author_id);
    if author || access::responsible(caller.as_ref(), c.department_id.as_deref()) {
        Ok(Json(full_view(&c)))
    } else if c.status == CommentStatus::Approved {
        Ok(Json(c.public_view()))
    } else {
        Err(not_found())
    }
}

async fn save(
    state: &Interaction,
    next: &Comment,
    version: u64,
    notice: Option<(String, String)>,
) -> ApiResult<()> {
    let mut ops = vec![comments::update_op(next, version)];
    if let Some((title, body)) = notice {
        ops.push(access::inbox(&next.author_id, title, body, None, state.ctx.clock.now()));
    }
    match state.ctx.store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionConditionFailed { .. } | StoreError::Conflict) => {
            Err(ApiError::conflict("concurrent_update", "该留言刚被他人处理，请刷新后重试"))
        }
        Err(e) => Err(e.into()),
    }
}

async fn load_for_moderator(
    state: &Interaction,
    caller: &AuthUser,
    id: &str,
) -> ApiResult<Versioned<Comment>> {
    access::acting_department(caller)?;
    let loaded = comments::get(state.ctx.store.as_ref(), id).await?.ok_or_else(not_found)?;
    moderator(caller, &loaded.value)?;
    Ok(loaded)
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(Deserialize)]
pub struct ModerationBody {
    decision: Decision,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /api/v1/comments/{id}/moderation`: approve (public from now on) or reject with a
/// reason the author is told.
pub async fn moderate(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ModerationBody>,
) -> ApiResult<Json<Value>> {
    let loaded = load_for_moderator(&state, &caller, &id).await?;
    let reason = text::optional_field("reason", "不予公开的理由", body.reason.as_deref(), REASON_MAX_CHARS)
        .map_err(access::invalid_one)?;
    let verdict = match body.decision {
        Decision::Approve => Verdict::Approve,
        Decision::Reject => Verdict::Reject,
    };
    let next =
        loaded.value.moderate(verdict, reason, caller.user_id(), state.ctx.clock.now()).map_err(refusal)?;
    let notice = (verdict == Verdict::Reject).then(|| {
        (
            "留言未通过审核".to_owned(),
            format!(
                "您的留言未予公开，理由：{}。",
                next.moderation.as_ref().and_then(|m| m.reason.as_deref()).unwrap_or_default()
            ),
        )
    });
    save(&state, &next, loaded.version, notice).await?;
    Ok(Json(full_view(&next)))
}

#[derive(Deserialize)]
pub struct ReplyBody {
    #[serde(default)]
    content: String,
}

/// `POST /api/v1/comments/{id}/reply`: the moderators answer an approved comment, once.
pub async fn reply(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<Json<Value>> {
    let loaded = load_for_moderator(&state, &caller, &id).await?;
    let content =
        text::field("content", "答复内容", &body.content, REPLY_MAX_CHARS).map_err(access::invalid_one)?;
    let next = loaded.value.answer(content, caller.user_id(), state.ctx.clock.now()).map_err(refusal)?;
    let notice =
        ("您的留言有了答复".to_owned(), next.reply.as_ref().map(|r| r.content.clone()).unwrap_or_default());
    save(&state, &next, loaded.version, Some(notice)).await?;
    Ok(Json(full_view(&next)))
}

#[derive(Deserialize)]
pub struct QueueParams {
    department: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /api/v1/work/comments`: comments waiting for the caller's moderation, oldest first; a
/// supervisor names the department (or `platform`).
pub async fn queue(
    State(state): State<Interaction>,
    caller: AuthUser,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> ApiResult<Json<ListPage<Value>>> {
    let department =
        access::queue_department(&caller, params.department.as_deref())?.filter(|d| d != "platform");
    let (limit, cursor) = access::page(params.limit, params.cursor)?;
    let (items, next) =
        comments::pending(state.ctx.store.as_ref(), department.as_deref(), limit, cursor).await?;
    Ok(Json(ListPage::new(items.iter().map(full_view).collect(), next)))
}
