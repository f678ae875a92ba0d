//! The glue every case-changing handler shares: who may see a case, applying a command as one
//! transaction (case + audit event + the applicant's notice + whatever else the change writes),
//! and the documents of a case with fresh download links.

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::{
    auth::AuthUser,
    config::AppContext,
    domain::{
        account::Role,
        case::{Actor, Case, CaseError, CaseEvent, Command, Outcome, china_date},
        catalogue::ApplicantKind,
    },
    http::{ApiError, ApiResult, case_view},
    store::{Condition, Record, StoreError, TxOp, Versioned, cases, keys, uploads, users},
};

/// How many times a change is retried when a concurrent writer moved a shared counter.
const RETRIES: usize = 12;

pub fn not_found() -> ApiError {
    ApiError::not_found("application_not_found", "未找到该申请")
}

/// The actor a token stands for.
pub fn actor_of(caller: &AuthUser) -> Actor {
    match caller.role() {
        Role::Applicant => Actor::Applicant { user_id: caller.user_id().to_owned() },
        role => {
            Actor::Staff { user_id: caller.user_id().to_owned(), role, department_id: caller.0.dept.clone() }
        }
    }
}

/// Whether the caller may read the case: its applicant, staff of its department, or a
/// supervisor. Returns whether the reader is staff; anyone else gets the same 404 as a missing
/// case, so ids cannot be probed.
pub fn may_read(caller: &AuthUser, case: &Case) -> ApiResult<bool> {
    match caller.role() {
        Role::Applicant if caller.user_id() == case.applicant_id => Ok(false),
        Role::Supervisor => Ok(true),
        Role::Clerk | Role::Reviewer | Role::Admin
            if caller.0.dept.as_deref() == Some(&case.department_id) =>
        {
            Ok(true)
        }
        _ => Err(not_found()),
    }
}

fn refusal(e: CaseError) -> ApiError {
    use axum::http::StatusCode;
    let status = match e {
        CaseError::NotAllowed => StatusCode::FORBIDDEN,
        CaseError::OtherDepartment => StatusCode::NOT_FOUND,
        CaseError::WrongState { .. } | CaseError::SupplementAlreadyRequested | CaseError::AlreadyExtended => {
            StatusCode::CONFLICT
        }
        CaseError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, e.code(), e.message_zh())
}

/// The inbox message the law requires after `event`.
pub fn notify(case: &Case, event: &CaseEvent) -> Vec<TxOp> {
    case.notice_for(event)
        .map(|(title, body)| {
            let message = users::Message {
                id: uuid::Uuid::now_v7().to_string(),
                title,
                body,
                sent_at: event.at,
                application_id: Some(case.id.clone()),
                appointment_no: None,
            };
            users::message_op(&case.applicant_id, &message)
        })
        .into_iter()
        .collect()
}

/// A person's name in public: the family name and a fixed mask (张**), which tells neither
/// the given name nor its length; organisations are public.
fn public_name(case: &Case) -> String {
    if case.applicant_kind == ApplicantKind::Enterprise {
        return case.applicant_name.clone();
    }
    let first = case.applicant_name.chars().next().map(String::from).unwrap_or_default();
    first + "**"
}

/// The public notice of a decision (§4.5 f, 行政许可公示), personal data masked.
fn public_notice(case: &Case) -> Option<TxOp> {
    let decision = case.decision.as_ref()?;
    let at = decision.at.unix_timestamp_nanos();
    let body = json!({
        "acceptanceNo": case.acceptance_no,
        "itemCode": case.item_code,
        "itemName": case.item_name,
        "departmentId": case.department_id,
        "applicant": public_name(case),
        "outcome": decision.outcome,
        "outcomeLabel": if decision.outcome == Outcome::Approve { "准予行政许可" } else { "不予行政许可" },
        "legalBasis": decision.legal_basis,
        "decidedAt": decision.at.format(&Rfc3339).ok(),
    });
    Some(TxOp::Put {
        record: Record::new(keys::case_pk(&case.id), "PUBLIC_NOTICE", body)
            .with_gsi1(keys::PUBLIC_DECISIONS, format!("{at:020}#{}", case.id)),
        condition: Condition::NotExists,
    })
}

/// Applies a command to the case as one transaction and returns the changed case. `prepare`
/// builds the command from the case as read, with any writes that must commit with it (taking
/// an acceptance number); when a concurrent writer wins the race, the case is read again and the
/// whole change retried.
pub async fn apply_with<F, Fut>(
    ctx: &AppContext,
    case_id: &str,
    actor: &Actor,
    prepare: F,
) -> ApiResult<(Case, CaseEvent)>
where
    F: Fn(&Case) -> Fut,
    Fut: Future<Output = ApiResult<(Command, Vec<TxOp>)>>,
{
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    for _ in 0..RETRIES {
        let Versioned { value: case, version } =
            cases::get(ctx.store.as_ref(), case_id).await?.ok_or_else(not_found)?;
        // Someone else's case is answered as missing before anything about it is looked at.
        let foreign = match actor {
            Actor::Applicant { user_id } => user_id != &case.applicant_id,
            Actor::Staff { department_id, .. } => department_id.as_deref() != Some(&case.department_id),
            Actor::System => false,
        };
        if foreign {
            return Err(not_found());
        }
        let (command, extra) = prepare(&case).await?;
        let (next, event) = case.apply(command, actor, &calendar, ctx.clock.now()).map_err(refusal)?;
        let mut ops = cases::update_ops(&next, version, &event);
        ops.extend(notify(&next, &event));
        if next.status.is_final() {
            ops.extend(public_notice(&next));
        }
        ops.extend(extra);
        match ctx.store.transact(ops).await {
            Ok(()) => return Ok((next, event)),
            Err(StoreError::TransactionConditionFailed { .. }) | Err(StoreError::Conflict) => {
                // Another change won (often another acceptance taking the department's next
                // number): wait a little, at random, so the retries do not collide again.
                crate::store::contention_pause().await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict("concurrent_update", "该申请刚被他人处理，请刷新后重试"))
}

/// [`apply_with`] for a change that writes nothing else.
pub async fn apply(
    ctx: &AppContext,
    case_id: &str,
    actor: &Actor,
    command: Command,
) -> ApiResult<(Case, CaseEvent)> {
    apply_with(ctx, case_id, actor, |_| std::future::ready(Ok((command.clone(), Vec::new())))).await
}

/// The case as its list entry, at today's clock.
pub async fn summary(ctx: &AppContext, case: &Case) -> ApiResult<Value> {
    let calendar = ctx.calendar.get(ctx.store.as_ref()).await?;
    Ok(case_view::summary(case, &calendar, china_date(ctx.clock.now())))
}

/// The attached materials with fresh, short-lived download links.
pub async fn documents(ctx: &AppContext, case: &Case) -> ApiResult<Value> {
    let mut out = Vec::new();
    for m in &case.materials {
        let link = match uploads::get(ctx.store.as_ref(), &m.upload_id).await? {
            Some(upload) => Some(uploads::download_url(ctx, &upload).await.map_err(|e| {
                tracing::error!(error = %e, "download link failed");
                ApiError::internal()
            })?),
            None => None,
        };
        out.push(json!({
            "materialId": m.material_id,
            "uploadId": m.upload_id,
            "fileName": m.file_name,
            "contentType": m.content_type,
            "size": m.size,
            "sha256": m.sha256,
            "downloadUrl": link.as_ref().map(|l| l.url.clone()),
            "expiresAt": link.as_ref().and_then(|l| l.expires_at.format(&Rfc3339).ok()),
        }));
    }
    Ok(json!(out))
}
