//! Who the caller is and what they may touch, and small helpers every route of this function
//! shares. Staff (clerks, reviewers, administrators) act only for their own department — the
//! administrator without one acts for the platform; supervisors see everything and act on
//! nothing but assignments.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use wangban_shared::{
    auth::AuthUser,
    domain::{account::Role, interaction::Violation},
    http::{ApiError, ApiResult, FieldError, list::PageParams},
    store::{TxOp, users},
};

use crate::Interaction;

/// The caller if a bearer token came with the request; a bad or expired token is still a 401.
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequestParts<Interaction> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Interaction) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(MaybeUser(None));
        }
        AuthUser::from_request_parts(parts, state).await.map(|u| MaybeUser(Some(u)))
    }
}

fn acts(role: Role) -> bool {
    matches!(role, Role::Clerk | Role::Reviewer | Role::Admin)
}

/// The department a staff member acts for (`None`: the platform); anyone else is refused.
pub fn acting_department(caller: &AuthUser) -> ApiResult<Option<String>> {
    if acts(caller.role()) {
        Ok(caller.0.dept.clone())
    } else {
        Err(ApiError::forbidden("仅部门工作人员可以办理"))
    }
}

/// Like [`acting_department`], for work that belongs to a department.
pub fn department_staff(caller: &AuthUser) -> ApiResult<String> {
    acting_department(caller)?.ok_or_else(|| ApiError::forbidden("该账号未关联部门"))
}

/// Whether the caller answers for things of `department`: its own staff, or a supervisor.
pub fn responsible(caller: Option<&AuthUser>, department: Option<&str>) -> bool {
    caller.is_some_and(|c| match c.role() {
        Role::Supervisor => true,
        role => acts(role) && c.0.dept.as_deref() == department,
    })
}

/// The department whose queue a caller reads: staff their own; a supervisor the one named.
pub fn queue_department(caller: &AuthUser, named: Option<&str>) -> ApiResult<Option<String>> {
    let named = named.map(str::trim).filter(|d| !d.is_empty());
    match caller.role() {
        Role::Supervisor => named.map(|d| Some(d.to_owned())).ok_or_else(|| {
            ApiError::bad_request("department_required", "监督人员查看工作队列时须指定 department")
        }),
        _ => {
            let own = acting_department(caller)?;
            match named {
                Some(d) if Some(d) != own.as_deref() => Err(ApiError::forbidden("只能查看本部门的工作队列")),
                _ => Ok(own),
            }
        }
    }
}

/// 422 listing every refused field.
pub fn invalid(violations: Vec<Violation>) -> ApiError {
    ApiError::invalid(violations.into_iter().map(|v| FieldError::new(v.field, v.code, v.message)).collect())
}

pub fn invalid_one(v: Violation) -> ApiError {
    invalid(vec![v])
}

/// `?limit=&cursor=`, checked.
pub fn page(limit: Option<usize>, cursor: Option<String>) -> ApiResult<(usize, Option<String>)> {
    let p = PageParams { limit, cursor };
    Ok((p.limit()?, p.cursor()))
}

pub fn rfc3339(at: OffsetDateTime) -> Option<String> {
    at.format(&Rfc3339).ok()
}

/// A message to a user's inbox, written in the transaction of what it reports.
pub fn inbox(
    user_id: &str,
    title: String,
    body: String,
    application_id: Option<String>,
    at: OffsetDateTime,
) -> TxOp {
    let message = users::Message {
        id: uuid::Uuid::now_v7().to_string(),
        title,
        body,
        sent_at: at,
        application_id,
        appointment_no: None,
    };
    users::message_op(user_id, &message)
}
