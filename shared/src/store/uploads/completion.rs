//! Completing an upload: what arrived at its upload target is checked against the declaration
//! (size, SHA-256, the type's leading bytes) and, when it matches, accepted as the upload's
//! document, and the upload marked verified.
//!
//! With local files this happens inside the signed PUT route, as the bytes arrive. With S3 the
//! bytes bypass the functions, so completion happens when the upload is next looked at: its
//! owner reading it (`GET /api/v1/uploads/{id}`) or an application attaching it ([`usable_now`]).
//! Clients do the same on every backend: declare, PUT, then use. S3 has already refused a body
//! whose SHA-256 is not the declared one (the URL is signed with it); the check here still
//! compares size, hash (S3's stored checksum, or a hash of the whole object where there is
//! none) and leading bytes, so no backend is trusted blindly.

use super::{ContentProblem, Upload, UploadRefusal, get_versioned, mark_verified};
use crate::{
    config::AppContext,
    docs::{Arrival, DocError},
    store::{StoreError, Versioned},
};

/// How many leading bytes the type check reads.
pub const HEAD_BYTES: u64 = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    Verified(Upload),
    /// Nothing has arrived yet.
    NotArrived,
    /// What arrived does not match the declaration; the upload stays pending (a new PUT to a
    /// fresh URL may still complete it).
    Refused(ContentProblem),
}

#[derive(Debug, thiserror::Error)]
pub enum CompletionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Docs(#[from] DocError),
}

impl CompletionError {
    /// As a store failure (a 500), for callers whose errors are store errors.
    pub fn into_store(self) -> StoreError {
        match self {
            Self::Store(e) => e,
            Self::Docs(e) => StoreError::Backend(e.to_string()),
        }
    }
}

impl From<CompletionError> for crate::http::ApiError {
    fn from(e: CompletionError) -> Self {
        e.into_store().into()
    }
}

/// Completes the pending upload `current` if its bytes arrived and match.
pub async fn complete(ctx: &AppContext, current: &Versioned<Upload>) -> Result<Completion, CompletionError> {
    if current.value.is_verified() {
        return Ok(Completion::Verified(current.value.clone()));
    }
    match attempt(ctx, current).await? {
        Completion::Verified(upload) => Ok(Completion::Verified(upload)),
        // A concurrent completion (another request using the same upload) may have accepted the
        // bytes since `current` was read, and moved them out of the incoming area.
        other => match super::get(ctx.store.as_ref(), &current.value.upload_id).await? {
            Some(now) if now.is_verified() => Ok(Completion::Verified(now)),
            _ => Ok(other),
        },
    }
}

async fn attempt(ctx: &AppContext, current: &Versioned<Upload>) -> Result<Completion, CompletionError> {
    let upload = &current.value;
    let Some(arrival) = ctx.docs.arrival(&upload.document_key).await? else {
        return Ok(Completion::NotArrived);
    };
    if let Some(problem) = problem(ctx, upload, &arrival).await? {
        return Ok(Completion::Refused(problem));
    }
    let store = ctx.store.as_ref();
    if let Err(e) = ctx.docs.accept(&upload.document_key).await {
        // A concurrent completion accepted the same bytes first.
        return match super::get(store, &upload.upload_id).await? {
            Some(now) if now.is_verified() => Ok(Completion::Verified(now)),
            _ => Err(e.into()),
        };
    }
    match mark_verified(store, current, ctx.clock.now()).await {
        Ok(verified) => Ok(Completion::Verified(verified)),
        Err(StoreError::ConditionFailed) => match super::get(store, &upload.upload_id).await? {
            Some(now) if now.is_verified() => Ok(Completion::Verified(now)),
            _ => Err(StoreError::Conflict.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// Why what arrived is not the declared document, if it is not.
async fn problem(
    ctx: &AppContext,
    upload: &Upload,
    arrival: &Arrival,
) -> Result<Option<ContentProblem>, DocError> {
    if arrival.size != upload.size {
        return Ok(Some(ContentProblem::SizeMismatch { declared: upload.size, received: arrival.size }));
    }
    let key = &upload.document_key;
    match &arrival.sha256 {
        Some(sha) if *sha != upload.sha256 => Ok(Some(ContentProblem::HashMismatch)),
        Some(_) => {
            let head = ctx.docs.read_arrival(key, Some(HEAD_BYTES)).await?;
            let typed = upload.document_type().is_some_and(|t| t.matches(&head));
            Ok((!typed).then_some(ContentProblem::TypeMismatch))
        }
        None => Ok(upload.check_content(&ctx.docs.read_arrival(key, None).await?).err()),
    }
}

/// [`super::usable`], completing on the way a pending upload whose bytes have arrived: what an
/// application may attach. Not found and not owned are the same refusal; bytes that arrived but
/// do not match leave it not verified (its owner sees why when reading the upload).
pub async fn usable_now(ctx: &AppContext, upload_id: &str, owner_id: &str) -> Result<Upload, UploadRefusal> {
    let current = match get_versioned(ctx.store.as_ref(), upload_id, Some(ctx.clock.now_unix())).await? {
        Some(current) if current.value.owner_id == owner_id => current,
        _ => return Err(UploadRefusal::NotFound),
    };
    if current.value.is_verified() {
        return Ok(current.value);
    }
    match complete(ctx, &current).await.map_err(|e| UploadRefusal::Store(e.into_store()))? {
        Completion::Verified(upload) => Ok(upload),
        Completion::NotArrived | Completion::Refused(_) => Err(UploadRefusal::NotVerified),
    }
}
