//! Policy news (§4.1.3) and the public results of consultations, complaints and decisions
//! (§4.1.1 b).

use axum::{extract::State, http::HeaderMap, response::Response};
use serde::Deserialize;
use wangban_shared::{
    config::AppContext,
    domain::catalogue::PolicyKind,
    http::{
        ApiError, ApiQuery, ApiResult, cache,
        list::{ListPage, PageParams},
    },
    store::{Query, catalogue as repo, keys},
};

#[derive(Deserialize)]
pub struct PolicyFilter {
    kind: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

pub async fn policies(
    State(ctx): State<AppContext>,
    ApiQuery(filter): ApiQuery<PolicyFilter>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let kind = match filter.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(PolicyKind::parse(k).ok_or_else(|| {
            ApiError::bad_request("invalid_kind", "kind 须为 policy、interpretation 或 law_change")
        })?),
    };
    let page = PageParams { limit: filter.limit, cursor: filter.cursor };
    let (items, next) = repo::policies(ctx.store.as_ref(), kind, page.limit()?, page.cursor()).await?;
    Ok(cache::cached_json(&headers, &ListPage::new(items, next)))
}

/// Published answers; filled by the consultation and complaint functions.
pub async fn replies(
    State(ctx): State<AppContext>,
    ApiQuery(page): ApiQuery<PageParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    published(&ctx, keys::PUBLIC_REPLIES, page, &headers).await
}

/// Public notice of licensing decisions, personal data masked; filled by the decision function.
pub async fn decisions(
    State(ctx): State<AppContext>,
    ApiQuery(page): ApiQuery<PageParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    published(&ctx, keys::PUBLIC_DECISIONS, page, &headers).await
}

async fn published(
    ctx: &AppContext,
    partition: &str,
    page: PageParams,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let query = Query::gsi1(partition).newest_first().limit(page.limit()?).after(page.cursor());
    let page = ctx.store.query(query).await?;
    let items: Vec<_> = page.items.into_iter().map(|r| r.body).collect();
    Ok(cache::cached_json(headers, &ListPage::new(items, page.next)))
}

/// The OpenAPI 3.1 description of the whole v1 API.
pub async fn openapi(headers: HeaderMap) -> Response {
    cache::cached(&headers, "application/json", wangban_shared::api::OPENAPI_JSON.as_bytes().to_vec())
}
