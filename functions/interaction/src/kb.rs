//! The knowledge base (§4.3 c): `GET /api/v1/kb?q=` searches every item's FAQ and every
//! published consultation answer, best first (see `wangban_shared::domain::kb`).

use axum::{extract::State, http::HeaderMap, response::Response};
use serde::Deserialize;
use serde_json::json;
use wangban_shared::{
    domain::interaction::text,
    http::{ApiError, ApiQuery, ApiResult, cache},
};

use crate::{Interaction, access};

pub const QUERY_MAX_CHARS: usize = 100;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;

#[derive(Deserialize)]
pub struct KbParams {
    #[serde(default)]
    q: String,
    limit: Option<usize>,
}

pub async fn search(
    State(state): State<Interaction>,
    ApiQuery(params): ApiQuery<KbParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let q = text::field("q", "查询内容", &params.q, QUERY_MAX_CHARS).map_err(access::invalid_one)?;
    let limit = match params.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::bad_request("invalid_limit", format!("limit 须在 1 至 {MAX_LIMIT} 之间")));
        }
    };
    let index = state.kb.get(state.ctx.store.as_ref()).await?;
    let items: Vec<_> = index
        .search(&q, limit)
        .into_iter()
        .map(|hit| {
            let mut v = json!(hit.entry);
            v["score"] = json!((hit.score * 1000.0).round() / 1000.0);
            v
        })
        .collect();
    Ok(cache::cached_json(&headers, &json!({ "items": items })))
}
