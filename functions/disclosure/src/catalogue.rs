//! The catalogue routes.

use axum::{
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use wangban_shared::{
    config::AppContext,
    domain::{
        catalogue::{DocumentRef, ItemSummary, Material},
        ids::ItemCode,
    },
    http::{ApiError, ApiPath, ApiQuery, ApiResult, attachment, cache, list::ListPage},
    seed,
    store::catalogue as repo,
};

fn item_not_found() -> ApiError {
    ApiError::not_found("item_not_found", "未找到该办理事项，请核对事项编码")
}

pub async fn departments(State(ctx): State<AppContext>, headers: HeaderMap) -> ApiResult<Response> {
    let departments = repo::departments(ctx.store.as_ref()).await?;
    Ok(cache::cached_json(&headers, &ListPage::new(departments, None)))
}

pub async fn department(
    State(ctx): State<AppContext>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let department = repo::department(ctx.store.as_ref(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("department_not_found", "未找到该部门"))?;
    let (windows, items) = repo::department_contents(ctx.store.as_ref(), &id).await?;
    let mut body = serde_json::to_value(&department).expect("serialises");
    body["windows"] = json!(windows);
    body["items"] = json!(items);
    Ok(cache::cached_json(&headers, &body))
}

pub async fn windows(State(ctx): State<AppContext>, headers: HeaderMap) -> ApiResult<Response> {
    let windows = repo::windows(ctx.store.as_ref()).await?;
    Ok(cache::cached_json(&headers, &ListPage::new(windows, None)))
}

#[derive(Deserialize)]
pub struct ItemFilter {
    department: Option<String>,
    q: Option<String>,
}

/// `?department=` narrows to one department (an index query); `?q=` keeps items whose name or
/// code contains the text. The catalogue is bounded (hundreds of items), so it is one page.
pub async fn items(
    State(ctx): State<AppContext>,
    ApiQuery(filter): ApiQuery<ItemFilter>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if filter.q.as_deref().is_some_and(|q| q.chars().count() > 50) {
        return Err(ApiError::bad_request("invalid_query", "搜索词不能超过 50 个字"));
    }
    let mut items: Vec<ItemSummary> = match filter.department.as_deref().filter(|d| !d.is_empty()) {
        Some(dept) => repo::department_contents(ctx.store.as_ref(), dept).await?.1,
        None => repo::item_summaries(ctx.store.as_ref()).await?,
    };
    if let Some(q) = filter.q.as_deref() {
        items.retain(|i| i.matches(q));
    }
    Ok(cache::cached_json(&headers, &ListPage::new(items, None)))
}

/// The full service guide (§4.1.2 a–h): one store read.
pub async fn item(
    State(ctx): State<AppContext>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let code = ItemCode::parse(&code).map_err(|_| item_not_found())?;
    let item = repo::item(ctx.store.as_ref(), &code).await?.ok_or_else(item_not_found)?;
    let mut body = serde_json::to_value(&item).expect("serialises");
    body["free"] = json!(item.is_free());
    for (i, m) in item.materials.iter().enumerate() {
        let url = |what: &str| json!(format!("/api/v1/items/{}/materials/{}/{what}", item.code, m.id));
        if m.template.is_some() {
            body["materials"][i]["templateUrl"] = url("template");
        }
        if m.sample.is_some() {
            body["materials"][i]["sampleUrl"] = url("sample");
        }
    }
    Ok(cache::cached_json(&headers, &body))
}

/// The blank form of a material (申报表/格式文本), as a download.
pub async fn template(
    State(ctx): State<AppContext>,
    ApiPath((code, material_id)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    download(&ctx, &code, &material_id, &headers, |m| m.template.as_ref()).await
}

/// The filled-in sample of a material (示范文本), as a download.
pub async fn sample(
    State(ctx): State<AppContext>,
    ApiPath((code, material_id)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    download(&ctx, &code, &material_id, &headers, |m| m.sample.as_ref()).await
}

async fn download(
    ctx: &AppContext,
    code: &str,
    material_id: &str,
    headers: &HeaderMap,
    which: impl Fn(&Material) -> Option<&DocumentRef>,
) -> ApiResult<Response> {
    let code = ItemCode::parse(code).map_err(|_| item_not_found())?;
    let item = repo::item(ctx.store.as_ref(), &code).await?.ok_or_else(item_not_found)?;
    let doc = item
        .material(material_id)
        .and_then(which)
        .ok_or_else(|| ApiError::not_found("template_not_found", "该材料没有可下载的表格或示范文本"))?;
    let bytes = ctx.docs.get(&seed::document_key(doc)).await.map_err(|e| {
        tracing::error!(error = %e, "template read failed");
        ApiError::internal()
    })?;
    let Some(bytes) = bytes else {
        tracing::error!(path = %doc.path, "template named in the catalogue is missing from the document store");
        return Err(ApiError::not_found("template_not_found", "表格文件暂不可用，请联系窗口"));
    };
    let mut response = cache::cached(headers, &doc.content_type, bytes);
    let ascii = doc.path.rsplit('/').next().unwrap_or("template");
    response
        .headers_mut()
        .insert(header::CONTENT_DISPOSITION, attachment::disposition(ascii, &doc.file_name));
    Ok(response.into_response())
}
