//! Login, refresh and the public keys.
//!
//! Five wrong passwords in a row lock password login for 15 minutes; the answer says so and
//! when it ends. An unknown account and a wrong password get the same answer and take the same
//! time.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wangban_shared::{
    auth::{TokenSigner, password, tokens::ACCESS_TOKEN_SECONDS},
    config::AppContext,
    domain::{
        account::LoginKind,
        ids::{Phone, ResidentId, Uscc},
    },
    http::{ApiError, ApiJson, ApiResult, cache},
    store::{
        StoreError,
        users::{self, RefreshGrant, User, Versioned},
    },
};

pub const MAX_FAILED_LOGINS: u32 = 5;
pub const LOCKOUT_SECONDS: i64 = 15 * 60;
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 3600;

#[derive(Deserialize)]
pub struct LoginBody {
    account: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshBody {
    refresh_token: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
    token_type: &'static str,
}

/// Which login claim an account string names: an ID number, a USCC, a mobile number, or else
/// a staff account name.
fn login_of(account: &str) -> (LoginKind, String) {
    if let Ok(id) = ResidentId::parse(account) {
        (LoginKind::IdNumber, id.as_str().to_owned())
    } else if let Ok(uscc) = Uscc::parse(account) {
        (LoginKind::Uscc, uscc.as_str().to_owned())
    } else if let Ok(phone) = Phone::parse(account) {
        (LoginKind::Phone, phone.as_str().to_owned())
    } else {
        (LoginKind::StaffName, account.trim().to_owned())
    }
}

fn bad_credentials() -> ApiError {
    ApiError::unauthorized("账号或密码错误").with_code("invalid_credentials")
}

fn locked(until: i64, now: i64) -> ApiError {
    let minutes = ((until - now) + 59) / 60;
    ApiError::new(
        StatusCode::LOCKED,
        "account_locked",
        format!("密码连续错误 {MAX_FAILED_LOGINS} 次，账号已临时锁定，请 {minutes} 分钟后再试"),
    )
    .with_retry_after((until - now).max(1) as u64)
}

fn signer(ctx: &AppContext) -> ApiResult<&TokenSigner> {
    ctx.signer.as_deref().ok_or_else(|| {
        tracing::error!("registration is running without a signing key");
        ApiError::internal()
    })
}

fn hash_token(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn access_token(signer: &TokenSigner, user: &User, now: i64) -> String {
    signer.sign(&user.user_id, user.role, user.kind, user.department_id.clone(), now)
}

pub async fn login(
    State(ctx): State<AppContext>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<impl IntoResponse> {
    let signer = signer(&ctx)?;
    if body.account.trim().is_empty() || body.password.is_empty() || body.password.len() > 256 {
        return Err(bad_credentials());
    }
    let (kind, value) = login_of(&body.account);
    let found = users::find_by_login(ctx.store.as_ref(), kind, &value).await?;
    let now = ctx.clock.now().unix_timestamp();
    if let Some(until) = found.as_ref().and_then(|u| u.value.locked_until).filter(|until| *until > now) {
        return Err(locked(until, now));
    }
    let stored = found.as_ref().map(|u| u.value.password_hash.clone());
    let ok = password::verify(body.password, stored).await;
    let Some(mut user) = found else { return Err(bad_credentials()) };
    if !ok {
        return Err(record_failure(&ctx, user, now).await);
    }
    if user.value.failed_logins > 0 || user.value.locked_until.is_some() {
        user.value.failed_logins = 0;
        user.value.locked_until = None;
        // A concurrent change wins; the counter is reset at the next success.
        if let Err(e) = users::update(ctx.store.as_ref(), &user).await
            && e != StoreError::ConditionFailed
        {
            return Err(e.into());
        }
    }
    issue(&ctx, signer, &user.value, now).await
}

/// Counts a wrong password; the fifth in a row locks the account.
async fn record_failure(ctx: &AppContext, mut user: Versioned<User>, now: i64) -> ApiError {
    for _ in 0..3 {
        user.value.failed_logins += 1;
        let locks = user.value.failed_logins >= MAX_FAILED_LOGINS;
        if locks {
            user.value.failed_logins = 0;
            user.value.locked_until = Some(now + LOCKOUT_SECONDS);
        }
        match users::update(ctx.store.as_ref(), &user).await {
            Ok(()) if locks => return locked(now + LOCKOUT_SECONDS, now),
            Ok(()) => return bad_credentials(),
            Err(StoreError::ConditionFailed) => {
                match users::get(ctx.store.as_ref(), &user.value.user_id).await {
                    Ok(Some(fresh)) => user = fresh,
                    Ok(None) => return bad_credentials(),
                    Err(e) => return e.into(),
                }
            }
            Err(e) => return e.into(),
        }
    }
    bad_credentials()
}

async fn issue(ctx: &AppContext, signer: &TokenSigner, user: &User, now: i64) -> ApiResult<Json<Tokens>> {
    let refresh_token = new_refresh_token();
    let grant = RefreshGrant { user_id: user.user_id.clone(), expires_at: now + REFRESH_TOKEN_SECONDS };
    ctx.store.transact(vec![users::refresh_op(&hash_token(&refresh_token), &grant)]).await?;
    Ok(Json(Tokens {
        access_token: access_token(signer, user, now),
        refresh_token,
        expires_in: ACCESS_TOKEN_SECONDS,
        token_type: "Bearer",
    }))
}

/// Exchanges a refresh token for new tokens. Each refresh token works once.
pub async fn refresh(
    State(ctx): State<AppContext>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> ApiResult<impl IntoResponse> {
    let signer = signer(&ctx)?;
    let invalid =
        || ApiError::unauthorized("刷新令牌无效或已过期，请重新登录").with_code("invalid_refresh_token");
    let now = ctx.clock.now().unix_timestamp();
    let old_hash = hash_token(body.refresh_token.trim());
    let grant = users::refresh_grant(ctx.store.as_ref(), &old_hash).await?.ok_or_else(invalid)?;
    if grant.expires_at <= now {
        return Err(invalid());
    }
    let user = users::get(ctx.store.as_ref(), &grant.user_id).await?.ok_or_else(invalid)?.value;
    if user.locked_until.is_some_and(|until| until > now) {
        return Err(locked(user.locked_until.unwrap_or(now), now));
    }
    let refresh_token = new_refresh_token();
    // The new token keeps the original expiry: rotation does not extend a session forever.
    let next = RefreshGrant { user_id: user.user_id.clone(), expires_at: grant.expires_at };
    if !users::rotate_refresh(ctx.store.as_ref(), &old_hash, &hash_token(&refresh_token), &next).await? {
        return Err(invalid());
    }
    Ok(Json(Tokens {
        access_token: access_token(signer, &user, now),
        refresh_token,
        expires_in: ACCESS_TOKEN_SECONDS,
        token_type: "Bearer",
    }))
}

/// The public keys that verify access tokens (RFC 7517).
pub async fn jwks(State(ctx): State<AppContext>, headers: HeaderMap) -> impl IntoResponse {
    let keys: Vec<_> = ctx.verifier.keys().iter().map(|k| k.jwk()).collect();
    cache::cached_json(&headers, &serde_json::json!({ "keys": keys }))
}
