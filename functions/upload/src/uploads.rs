//! Document uploads (§4.2.3).
//!
//! A user declares a document (`POST /api/v1/uploads`: name, type, size, SHA-256) and gets a
//! URL to send its bytes to, valid 15 minutes. The bytes never pass through a Lambda function
//! body in the cloud: there the document store presigns an S3 PUT that S3 accepts only with the
//! declared SHA-256, and the upload is completed (checked and accepted) the next time it is
//! looked at: its owner reading it, or an application attaching it. With the local-files store
//! the URL is this function's signed route `PUT /api/v1/uploads/{id}/content`, which checks
//! the signature, refuses more bytes than declared (413), then checks size, SHA-256 and the
//! type's leading bytes (422, the upload stays pending and nothing is stored) before completing
//! the upload at once. Only the owner sees an upload (`GET /api/v1/uploads/{id}`: anyone else
//! gets the 404 of a missing id); a download URL is minted afresh each time, valid 5 minutes
//! (`GET /api/v1/files/{id}` locally).
//!
//! Logs carry upload ids, types and sizes, never file names.

use std::collections::BTreeMap;

use axum::{
    Json, RequestExt, Router,
    extract::{DefaultBodyLimit, Path, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use wangban_shared::{
    auth::AuthUser,
    config::AppContext,
    docs::{Declared as DeclaredBytes, DocError, SignedQuery, incoming_key, local},
    http::{ApiError, ApiJson, ApiQuery, ApiResult, attachment},
    store::{
        StoreError,
        idempotency::{self, IdempotencyKey},
        uploads::{
            self, Completion, Declaration, MAX_UPLOAD_BYTES, UPLOAD_URL_SECONDS, Upload, UploadStatus,
        },
    },
};

pub fn routes() -> Router<AppContext> {
    Router::new()
        .route("/api/v1/uploads", post(declare))
        .route("/api/v1/uploads/{id}", get(show))
        // The only route that takes a document body: up to the per-upload limit, not axum's 2 MB.
        .route(
            "/api/v1/uploads/{id}/content",
            put(receive).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES as usize)),
        )
        .route("/api/v1/files/{id}", get(download))
}

/// The declaration as sent; checked into a [`Declaration`] at the edge.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeclareBody {
    file_name: String,
    content_type: String,
    size: u64,
    sha256: String,
}

/// What an `Idempotency-Key` remembers: the upload it created.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Remembered {
    upload_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Declared {
    upload_id: String,
    status: UploadStatus,
    upload_url: String,
    method: String,
    headers: BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UploadView {
    upload_id: String,
    file_name: String,
    content_type: String,
    size: u64,
    sha256: String,
    status: UploadStatus,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    verified_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    download_url: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    expires_at: Option<OffsetDateTime>,
    /// Why the bytes that arrived were refused (the upload stays pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<Problem>,
}

#[derive(Serialize)]
struct Problem {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Received {
    upload_id: String,
    status: UploadStatus,
}

/// The one answer for a missing upload and for someone else's.
fn not_found() -> ApiError {
    ApiError::not_found("upload_not_found", "未找到该上传文件")
}

fn doc_failure(e: DocError) -> ApiError {
    tracing::error!(error = %e, "document store failure");
    ApiError::internal()
}

/// Responses that carry a signed URL or a private document are never cached.
fn private(response: impl IntoResponse, cache_control: &'static str) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    response
}

/// `POST /api/v1/uploads`: declares a document and answers where to send its bytes.
pub async fn declare(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DeclareBody>,
) -> ApiResult<Response> {
    let declaration = Declaration::parse(&body.file_name, &body.content_type, body.size, &body.sha256)
        .map_err(ApiError::invalid)?;
    let store = ctx.store.as_ref();
    let scope = format!("upload#{}", caller.user_id());
    let key = IdempotencyKey::from_headers(&headers, &scope, &declaration)?;
    if let Some(key) = &key
        && let Some(first) = key.replay::<Remembered>(store).await?
    {
        return again(&ctx, &caller, &first.upload_id).await;
    }
    let now = ctx.clock.now();
    let upload = Upload::declare(caller.user_id(), declaration, now);
    let mut ops = vec![uploads::create_op(&upload)];
    if let Some(key) = &key {
        ops.push(key.remember(&Remembered { upload_id: upload.upload_id.clone() }, now.unix_timestamp()));
    }
    let written = store.transact(ops).await;
    if let Some(key) = &key
        && idempotency::lost_race(&written, 1)
    {
        // A concurrent retry with the same key created the upload first: answer with that one.
        let first = key.replay::<Remembered>(store).await?.ok_or_else(ApiError::internal)?;
        return again(&ctx, &caller, &first.upload_id).await;
    }
    written?;
    tracing::info!(upload_id = %upload.upload_id, content_type = %upload.content_type, size = upload.size, "upload declared");
    declared(&ctx, &upload).await
}

/// The answer to a retried declaration: the same upload with a fresh upload URL.
async fn again(ctx: &AppContext, caller: &AuthUser, upload_id: &str) -> ApiResult<Response> {
    match uploads::get_versioned(ctx.store.as_ref(), upload_id, Some(ctx.clock.now_unix())).await? {
        Some(v) if v.value.owner_id == caller.user_id() => declared(ctx, &v.value).await,
        _ => Err(ApiError::conflict(
            "idempotency_key_expired",
            "该 Idempotency-Key 对应的上传已过期，请换用新的 Idempotency-Key 重新申报",
        )),
    }
}

async fn declared(ctx: &AppContext, upload: &Upload) -> ApiResult<Response> {
    let expires_at = ctx.clock.now() + time::Duration::seconds(UPLOAD_URL_SECONDS);
    let declared =
        DeclaredBytes { content_type: &upload.content_type, size: upload.size, sha256: &upload.sha256 };
    let target = ctx
        .upload_target(&upload.document_key, &declared, expires_at.unix_timestamp())
        .await
        .map_err(doc_failure)?;
    let body = Declared {
        upload_id: upload.upload_id.clone(),
        status: upload.status,
        upload_url: target.url,
        method: target.method,
        headers: target.headers,
        expires_at,
    };
    let location = HeaderValue::from_str(&format!("/api/v1/uploads/{}", upload.upload_id))
        .expect("upload ids are ASCII");
    Ok(private((StatusCode::CREATED, [(header::LOCATION, location)], Json(body)), "no-store"))
}

/// `GET /api/v1/uploads/{id}`: the owner's view, with a fresh download URL once verified. A
/// pending upload whose bytes arrived (at S3) is completed first.
pub async fn show(
    State(ctx): State<AppContext>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let current = match uploads::get_versioned(ctx.store.as_ref(), &id, Some(ctx.clock.now_unix())).await? {
        Some(v) if v.value.owner_id == caller.user_id() => v,
        _ => return Err(not_found()),
    };
    let (upload, problem) = match uploads::complete(&ctx, &current).await? {
        Completion::Verified(upload) => (upload, None),
        Completion::NotArrived => (current.value, None),
        Completion::Refused(p) => {
            tracing::info!(upload_id = %id, problem = p.code(), "upload refused");
            (current.value, Some(Problem { code: p.code(), message: p.message_zh() }))
        }
    };
    let link = if upload.is_verified() {
        Some(uploads::download_url(&ctx, &upload).await.map_err(doc_failure)?)
    } else {
        None
    };
    let view = UploadView {
        upload_id: upload.upload_id,
        file_name: upload.file_name,
        content_type: upload.content_type,
        size: upload.size,
        sha256: upload.sha256,
        status: upload.status,
        created_at: upload.created_at,
        verified_at: upload.verified_at,
        expires_at: link.as_ref().map(|l| l.expires_at),
        download_url: link.map(|l| l.url),
        problem,
    };
    Ok(private(Json(view), "no-store"))
}

enum BodyProblem {
    /// More bytes than the limit.
    TooLarge,
    /// The client stopped sending, or the connection broke.
    Broken,
}

/// Reads at most `limit` bytes of the body (under the route's body limit as well).
async fn read_at_most(request: Request, limit: u64) -> Result<Vec<u8>, BodyProblem> {
    let body = Limited::new(request.into_limited_body(), usize::try_from(limit).unwrap_or(usize::MAX));
    match body.collect().await {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(e) => {
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
            while let Some(err) = cause {
                if err.is::<LengthLimitError>() {
                    return Err(BodyProblem::TooLarge);
                }
                cause = err.source();
            }
            Err(BodyProblem::Broken)
        }
    }
}

fn too_large(declared: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "content_too_large",
        format!("上传的内容超过申报的文件大小（{declared} 字节）"),
    )
}

fn already_verified() -> ApiError {
    ApiError::conflict("already_verified", "该文件已上传并通过校验，内容不能更改；如需更换请重新申报上传")
}

/// `PUT /api/v1/uploads/{id}/content?expires=&signature=`: the local upload URL. The
/// signature is the authorisation; no bearer token.
pub async fn receive(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    ApiQuery(signed): ApiQuery<SignedQuery>,
    request: Request,
) -> ApiResult<Response> {
    let now = ctx.clock.now();
    signed.verify(&ctx.urls, "PUT", &local::content_path(&id), now.unix_timestamp())?;
    let store = ctx.store.as_ref();
    let current =
        uploads::get_versioned(store, &id, Some(now.unix_timestamp())).await?.ok_or_else(not_found)?;
    let upload = &current.value;
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let oversize =
        |upload: &Upload| if upload.is_verified() { already_verified() } else { too_large(upload.size) };
    if announced.is_some_and(|n| n > upload.size) {
        return Err(oversize(upload));
    }
    let bytes = match read_at_most(request, upload.size).await {
        Ok(bytes) => bytes,
        Err(BodyProblem::TooLarge) => return Err(oversize(upload)),
        Err(BodyProblem::Broken) => {
            return Err(ApiError::bad_request("incomplete_upload", "上传中断，请重新上传"));
        }
    };
    let received =
        || Json(Received { upload_id: id.clone(), status: UploadStatus::Verified }).into_response();
    if upload.is_verified() {
        // A retried PUT of the same bytes is fine; other bytes never replace verified ones.
        return if upload.check_content(&bytes).is_ok() { Ok(received()) } else { Err(already_verified()) };
    }
    if let Err(problem) = upload.check_content(&bytes) {
        tracing::info!(upload_id = %id, problem = problem.code(), "upload refused");
        return Err(problem.into());
    }
    // What arrives waits in the incoming area; completing checks it again and moves it in place.
    ctx.docs.put(&incoming_key(&upload.document_key), bytes).await.map_err(doc_failure)?;
    match uploads::complete(&ctx, &current).await? {
        Completion::Verified(_) => {}
        Completion::Refused(problem) => return Err(problem.into()),
        Completion::NotArrived => return Err(StoreError::Conflict.into()),
    }
    tracing::info!(upload_id = %id, content_type = %upload.content_type, size = upload.size, "upload verified");
    Ok(received())
}

/// `GET /api/v1/files/{id}?expires=&signature=`: the local download URL.
pub async fn download(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    ApiQuery(signed): ApiQuery<SignedQuery>,
) -> ApiResult<Response> {
    signed.verify(&ctx.urls, "GET", &local::file_path(&id), ctx.clock.now_unix())?;
    let upload =
        uploads::get(ctx.store.as_ref(), &id).await?.filter(Upload::is_verified).ok_or_else(not_found)?;
    let Some(bytes) = ctx.docs.get(&upload.document_key).await.map_err(doc_failure)? else {
        tracing::error!(upload_id = %id, "verified upload without its document");
        return Err(not_found());
    };
    let disposition = attachment::disposition(&ascii_file_name(&upload), &upload.file_name);
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_str(&upload.content_type).map_err(|_| ApiError::internal())?,
        ),
        (header::CONTENT_DISPOSITION, disposition),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    Ok(private((headers, bytes), "private, no-store"))
}

/// The file name for clients that ignore RFC 5987 (`curl -J`): the user's name when it is
/// plain ASCII, else `<uploadId>.<ext>`.
fn ascii_file_name(upload: &Upload) -> String {
    let plain =
        upload.file_name.bytes().all(|b| (b.is_ascii_graphic() || b == b' ') && b != b'"' && b != b'\\');
    if plain {
        upload.file_name.clone()
    } else {
        let ext = upload.document_type().map_or("bin", |t| t.extension());
        format!("{}.{ext}", upload.upload_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(name: &str, mime: &str) -> Upload {
        let d = Declaration::parse(name, mime, 1, &"0".repeat(64)).unwrap();
        Upload::declare("u", d, OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn download_names_are_ascii_with_an_rfc_5987_original() {
        assert_eq!(ascii_file_name(&upload("licence scan.pdf", "application/pdf")), "licence scan.pdf");
        let u = upload("营业执照.jpg", "image/jpeg");
        assert_eq!(ascii_file_name(&u), format!("{}.jpg", u.upload_id));
        let u = upload("say \"hi\".png", "image/png");
        assert_eq!(ascii_file_name(&u), format!("{}.png", u.upload_id));
    }
}
