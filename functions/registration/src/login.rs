//! Login, refresh and the public keys.
//!
//! Five wrong passwords in a row lock password login for 15 minutes; the answer says so and
//! when it ends. Each attempt is counted before its password is checked, so however many
//! arrive in parallel, at most five passwords are checked per account and lock window. An
//! unknown account and a wrong password get the same answer and take the same time.

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
    let Some(found) = users::find_by_login(ctx.store.as_ref(), kind, &value).await? else {
        // A check against the decoy hash: a miss takes as long as a wrong password.
        password::verify(body.password, None).await;
        return Err(bad_credentials());
    };
    let now = ctx.clock.now().unix_timestamp();
    // The attempt is counted before the password is checked, so parallel guesses cannot all
    // pass a lockout check made before any of them was recorded.
    let claimed = claim_attempt(&ctx, found, now).await?;
    if !password::verify(body.password, Some(claimed.value.password_hash.clone())).await {
        return Err(settle_failure(&ctx, claimed, now).await);
    }
    let user = claimed.value.clone();
    settle_success(&ctx, claimed).await;
    issue(&ctx, signer, &user, now).await
}

/// How often a conditional write on the user is tried before giving up, when parallel
/// attempts keep changing the record first.
const WRITE_ATTEMPTS: u32 = 8;

fn too_many_attempts() -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "登录尝试过于频繁，请稍后再试")
        .with_retry_after(1)
}

fn lost_race(e: &StoreError) -> bool {
    matches!(e, StoreError::ConditionFailed | StoreError::Conflict)
}

/// Reads the user again after a lost conditional write, after a short random pause so that
/// parallel attempts do not collide again in lockstep.
async fn reread(ctx: &AppContext, user_id: &str, round: u32) -> ApiResult<Versioned<User>> {
    let pause = rand::Rng::gen_range(&mut rand::thread_rng(), 1..=5u64) * u64::from(round);
    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
    users::get(ctx.store.as_ref(), user_id).await?.ok_or_else(bad_credentials)
}

/// Counts one password attempt before the password is checked. Refuses while the account is
/// locked; once [`MAX_FAILED_LOGINS`] attempts since the last success are used up, locks it and
/// refuses; else records this attempt (`failed_logins + 1`, conditional on the version read).
/// Returns the user as stored with the attempt counted.
async fn claim_attempt(ctx: &AppContext, mut user: Versioned<User>, now: i64) -> ApiResult<Versioned<User>> {
    for round in 0..WRITE_ATTEMPTS {
        if round > 0 {
            user = reread(ctx, &user.value.user_id, round).await?;
        }
        match user.value.locked_until {
            Some(until) if until > now => return Err(locked(until, now)),
            // A lock that has run out starts a fresh count.
            Some(_) => {
                user.value.locked_until = None;
                user.value.failed_logins = 0;
            }
            None => {}
        }
        let locks = user.value.failed_logins >= MAX_FAILED_LOGINS;
        if locks {
            user.value.locked_until = Some(now + LOCKOUT_SECONDS);
        } else {
            user.value.failed_logins += 1;
        }
        match users::update(ctx.store.as_ref(), &user).await {
            Ok(()) if locks => return Err(locked(now + LOCKOUT_SECONDS, now)),
            Ok(()) => {
                user.version += 1;
                return Ok(user);
            }
            Err(e) if lost_race(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(too_many_attempts())
}

/// A wrong password: the attempt is already counted; the one that used up the last attempt
/// locks the account.
async fn settle_failure(ctx: &AppContext, mut user: Versioned<User>, now: i64) -> ApiError {
    for round in 0..WRITE_ATTEMPTS {
        if round > 0 {
            match reread(ctx, &user.value.user_id, round).await {
                Ok(fresh) => user = fresh,
                Err(e) => return e,
            }
        }
        if let Some(until) = user.value.locked_until.filter(|until| *until > now) {
            return locked(until, now);
        }
        if user.value.failed_logins < MAX_FAILED_LOGINS {
            return bad_credentials();
        }
        user.value.locked_until = Some(now + LOCKOUT_SECONDS);
        match users::update(ctx.store.as_ref(), &user).await {
            Ok(()) => return locked(now + LOCKOUT_SECONDS, now),
            Err(e) if lost_race(&e) => {}
            Err(e) => return e.into(),
        }
    }
    // The count stays at the limit, so the next attempt locks before checking anything.
    bad_credentials()
}

/// The right password: the count starts again (and a lock set by parallel attempts made after
/// this one was counted is lifted).
async fn settle_success(ctx: &AppContext, mut user: Versioned<User>) {
    for round in 0..WRITE_ATTEMPTS {
        if round > 0 {
            match reread(ctx, &user.value.user_id, round).await {
                Ok(fresh) => user = fresh,
                Err(_) => return,
            }
        }
        if user.value.failed_logins == 0 && user.value.locked_until.is_none() {
            return;
        }
        user.value.failed_logins = 0;
        user.value.locked_until = None;
        match users::update(ctx.store.as_ref(), &user).await {
            Ok(()) => return,
            Err(e) if lost_race(&e) => {}
            Err(e) => {
                // The password was right; a count left behind only locks sooner.
                tracing::warn!(error = %e, "could not reset the failed-login count");
                return;
            }
        }
    }
    tracing::warn!("could not reset the failed-login count: too many parallel attempts");
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
