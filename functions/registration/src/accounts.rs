//! Sign-up, `me` and the inbox.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::Date;
use wangban_shared::{
    auth::{AuthUser, password},
    config::AppContext,
    domain::{
        account::{AccountKind, LoginKind, NewPassword, Role},
        case::china_date,
        ids::{Phone, ResidentId, Uscc},
    },
    http::{
        ApiError, ApiJson, ApiQuery, ApiResult, FieldError,
        list::{ListPage, PageParams},
    },
    store::users::{self, CreateUserError, Message, User},
};

/// The sign-up body as sent; turned into a [`NewAccount`] once, at the edge.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegisterBody {
    #[serde(rename_all = "camelCase")]
    Individual { name: String, id_number: String, phone: String, password: String },
    #[serde(rename_all = "camelCase")]
    Enterprise {
        org_name: String,
        uscc: String,
        legal_representative: String,
        contact_name: String,
        phone: String,
        password: String,
    },
}

enum Holder {
    Person { id_number: ResidentId },
    Organisation { org_name: String, uscc: Uscc, legal_representative: String },
}

/// A checked sign-up: every identifier parsed, the password within policy.
struct NewAccount {
    name: String,
    holder: Holder,
    phone: Phone,
    password: NewPassword,
}

/// Characters that are invisible or reorder text: C0/C1 controls and the Unicode format
/// characters that have no place in a name (soft hyphen, zero-width and joiner characters,
/// bidirectional marks, embeddings, overrides and isolates, the byte-order mark, interlinear
/// annotation marks).
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// A name as entered: trimmed, required, at most `max` characters, and free of control and
/// invisible format characters (which could disguise one name as another on a certificate).
fn text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim();
    let label = label(field);
    if value.chars().all(|c| c.is_whitespace() || is_hidden(c)) {
        errors.push(FieldError::new(field, "required", format!("{label}不能为空")));
    } else if value.chars().any(is_hidden) {
        errors.push(FieldError::new(
            field,
            "invalid_characters",
            format!("{label}含有控制字符或不可见字符，请重新输入"),
        ));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(field, "too_long", format!("{label}不能超过 {max} 个字")));
    }
    value.to_owned()
}

fn label(field: &str) -> &'static str {
    match field {
        "name" => "姓名",
        "orgName" => "单位名称",
        "legalRepresentative" => "法定代表人",
        "contactName" => "联系人",
        _ => "该项",
    }
}

fn parsed<T, E>(
    field: &str,
    r: Result<T, E>,
    errors: &mut Vec<FieldError>,
    f: impl Fn(&E) -> (&'static str, &'static str),
) -> Option<T> {
    r.map_err(|e| {
        let (code, message) = f(&e);
        errors.push(FieldError::new(field, code, message));
    })
    .ok()
}

impl NewAccount {
    /// Checks a sign-up sent on `today` (China date): every field, every problem reported.
    fn parse(body: RegisterBody, today: Date) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let id_err = |e: &wangban_shared::domain::ids::IdError| (e.code(), e.message_zh());
        let (name, holder, phone, password) = match &body {
            RegisterBody::Individual { name, id_number, phone, password } => {
                let name = text("name", name, 50, &mut errors);
                let id = parsed("idNumber", ResidentId::parse(id_number), &mut errors, id_err).filter(|id| {
                    let born = id.birth_date() <= today;
                    if !born {
                        errors.push(FieldError::new(
                            "idNumber",
                            "invalid_id_number",
                            "身份证号码中的出生日期晚于今天",
                        ));
                    }
                    born
                });
                (name, id.map(|id_number| Holder::Person { id_number }), phone, password)
            }
            RegisterBody::Enterprise {
                org_name,
                uscc,
                legal_representative,
                contact_name,
                phone,
                password,
            } => {
                let org_name = text("orgName", org_name, 100, &mut errors);
                let legal_representative = text("legalRepresentative", legal_representative, 50, &mut errors);
                let contact = text("contactName", contact_name, 50, &mut errors);
                let uscc = parsed("uscc", Uscc::parse(uscc), &mut errors, id_err);
                let holder = uscc.map(|uscc| Holder::Organisation { org_name, uscc, legal_representative });
                (contact, holder, phone, password)
            }
        };
        let phone = parsed("phone", Phone::parse(phone), &mut errors, id_err);
        let identifiers: Vec<&str> = [
            phone.as_ref().map(Phone::as_str),
            match &holder {
                Some(Holder::Person { id_number }) => Some(id_number.as_str()),
                Some(Holder::Organisation { uscc, .. }) => Some(uscc.as_str()),
                None => None,
            },
        ]
        .into_iter()
        .flatten()
        .collect();
        let password = parsed("password", NewPassword::parse(password, &identifiers), &mut errors, |e| {
            ("weak_password", e.message_zh())
        });
        match (holder, phone, password) {
            (Some(holder), Some(phone), Some(password)) if errors.is_empty() => {
                Ok(NewAccount { name, holder, phone, password })
            }
            _ => Err(ApiError::invalid(errors)),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    user_id: String,
}

pub async fn register(
    State(ctx): State<AppContext>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<impl IntoResponse> {
    let now = ctx.clock.now();
    let account = NewAccount::parse(body, china_date(now))?;
    let user_id = uuid::Uuid::now_v7().to_string();
    let (kind, id_number, org_name, uscc, legal_representative) = match account.holder {
        Holder::Person { id_number } => (AccountKind::Individual, Some(id_number), None, None, None),
        Holder::Organisation { org_name, uscc, legal_representative } => {
            (AccountKind::Enterprise, None, Some(org_name), Some(uscc), Some(legal_representative))
        }
    };
    let user = User {
        user_id: user_id.clone(),
        kind,
        role: Role::Applicant,
        name: account.name,
        id_number,
        org_name,
        uscc,
        legal_representative,
        phone: Some(account.phone),
        department_id: None,
        staff_name: None,
        password_hash: password::hash(account.password.expose().to_owned()).await,
        failed_logins: 0,
        locked_until: None,
        created_at: now,
    };
    let welcome = Message {
        id: uuid::Uuid::now_v7().to_string(),
        title: "注册成功".into(),
        body: "您已成功注册行政许可网上办事平台账号，可在线预约、申请办理行政许可事项并查询办理进度。".into(),
        sent_at: now,
        application_id: None,
        appointment_no: None,
    };
    match users::create(ctx.store.as_ref(), &user, vec![users::message_op(&user_id, &welcome)]).await {
        Ok(()) => {
            tracing::info!(user_id = %user_id, kind = ?kind, "user registered");
            Ok((StatusCode::CREATED, Json(Registered { user_id })))
        }
        Err(CreateUserError::Taken(login)) => {
            let (field, what) = match login {
                LoginKind::IdNumber => ("idNumber", "该身份证号码"),
                LoginKind::Uscc => ("uscc", "该统一社会信用代码"),
                LoginKind::Phone => ("phone", "该手机号码"),
                LoginKind::StaffName => ("account", "该账号"),
            };
            let mut e = ApiError::conflict("already_registered", format!("{what}已注册，请直接登录"));
            e.errors.push(FieldError::new(field, "already_registered", format!("{what}已注册")));
            Err(e)
        }
        Err(CreateUserError::Store(e)) => Err(e.into()),
    }
}

/// The caller's profile with personal numbers masked.
pub async fn me(State(ctx): State<AppContext>, caller: AuthUser) -> ApiResult<impl IntoResponse> {
    let user = users::get(ctx.store.as_ref(), caller.user_id())
        .await?
        .ok_or_else(|| ApiError::unauthorized("账号不存在或已注销"))?
        .value;
    Ok(Json(json!({
        "userId": user.user_id,
        "kind": user.kind,
        "role": user.role,
        "name": user.name,
        "idNumber": user.id_number.as_ref().map(ResidentId::masked),
        "orgName": user.org_name,
        "uscc": user.uscc.as_ref().map(Uscc::as_str),
        "legalRepresentative": user.legal_representative,
        "phone": user.phone.as_ref().map(Phone::masked),
        "departmentId": user.department_id,
        "createdAt": user.created_at.format(&time::format_description::well_known::Rfc3339).ok(),
    })))
}

pub async fn messages(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<impl IntoResponse> {
    let (items, next) =
        users::messages(ctx.store.as_ref(), caller.user_id(), page.limit()?, page.cursor()).await?;
    Ok(Json(ListPage::new(items, next)))
}
