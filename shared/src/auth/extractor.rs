//! The `AuthUser` extractor every function uses: a verified bearer token or a 401.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
};

use super::tokens::{Claims, TokenError, TokenVerifier};
use crate::{clock::Clock, domain::account::Role, http::problem::ApiError};

/// What an extractor needs from the application state.
#[derive(Clone)]
pub struct AuthState {
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
}

/// The caller, proven by a valid access token.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Claims);

impl AuthUser {
    pub fn user_id(&self) -> &str {
        &self.0.sub
    }

    pub fn role(&self) -> Role {
        self.0.role
    }

    /// Refuses callers whose role is not in `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) { Ok(()) } else { Err(ApiError::forbidden("无权执行此操作")) }
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = AuthState::from_ref(state);
        let value =
            parts.headers.get(header::AUTHORIZATION).ok_or_else(|| ApiError::unauthorized("请先登录"))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("请使用 Bearer 访问令牌"))?;
        match auth.verifier.verify(token, auth.clock.now().unix_timestamp()) {
            Ok(claims) => Ok(AuthUser(claims)),
            Err(TokenError::Expired) => Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "token_expired",
                "登录已过期，请刷新令牌或重新登录",
            )),
            Err(TokenError::Invalid) => Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_token",
                "访问令牌无效，请重新登录",
            )),
        }
    }
}
