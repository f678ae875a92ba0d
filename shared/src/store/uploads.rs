//! Uploads: documents a user declares (name, type, size, SHA-256), then sends to a short-lived
//! URL; the server checks the bytes against the declaration before anything may use them.
//!
//! Lifecycle: `POST /api/v1/uploads` writes a **pending** upload and returns an upload URL
//! (15 minutes). The bytes arrive at the URL (in the document store's incoming area); when their
//! size, SHA-256 and leading bytes (magic number of the declared type) match, they are accepted
//! under the server-generated key `uploads/<uploadId>` and the upload becomes **verified** with
//! a conditional write ([`completion`]: at once with local files, on the next look with S3). A
//! pending upload expires 24 hours after its declaration (store TTL); a verified one never does.
//!
//! Other functions reference an upload by id and call [`usable`] (owner only, verified only),
//! and show it to staff with [`download_url`], which mints a fresh, short-lived URL each time.
//! File names are for display only: they are never keys, and never logged.

mod completion;

pub use completion::{Completion, CompletionError, HEAD_BYTES, complete, usable_now};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{Condition, Record, RecordStore, StoreError, StoreResult, TxOp, Versioned, keys};
use crate::{
    config::AppContext,
    docs::{DocError, local},
    http::{ApiError, FieldError},
};

/// The largest document accepted, per upload.
pub const MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;
/// The longest file name accepted (characters).
pub const MAX_FILE_NAME_CHARS: usize = 200;
/// How long a declared upload waits for its bytes before the store forgets it.
pub const PENDING_TTL_SECONDS: i64 = 24 * 3600;
/// How long an upload URL is valid.
pub const UPLOAD_URL_SECONDS: i64 = 15 * 60;
/// How long a download URL is valid.
pub const DOWNLOAD_URL_SECONDS: i64 = 5 * 60;

/// The document types accepted (§4.2.3: scans and electronic documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentType {
    Pdf,
    Jpeg,
    Png,
    /// OFD (GB/T 33190), the Chinese fixed-layout format: a ZIP container.
    Ofd,
}

impl DocumentType {
    pub const ALL: [DocumentType; 4] = [Self::Pdf, Self::Jpeg, Self::Png, Self::Ofd];

    /// The type of a media type as declared (case-insensitive, surrounding blanks ignored).
    pub fn from_mime(mime: &str) -> Option<Self> {
        let mime = mime.trim();
        Self::ALL.into_iter().find(|t| t.mime().eq_ignore_ascii_case(mime))
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Ofd => "application/ofd",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Ofd => "ofd",
        }
    }

    /// The bytes every document of this type starts with.
    pub fn magic(self) -> &'static [u8] {
        match self {
            Self::Pdf => b"%PDF-",
            Self::Jpeg => &[0xFF, 0xD8, 0xFF],
            Self::Png => &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
            Self::Ofd => b"PK\x03\x04",
        }
    }

    /// Whether `bytes` start like a document of this type.
    pub fn matches(self, bytes: &[u8]) -> bool {
        bytes.starts_with(self.magic())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadStatus {
    /// Declared; the bytes have not arrived or did not match.
    Pending,
    /// The bytes arrived and matched the declaration; stored under the upload's key.
    Verified,
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    pub upload_id: String,
    pub owner_id: String,
    /// As the user named the file; for display (and the download's file name) only.
    pub file_name: String,
    /// One of [`DocumentType`]'s media types.
    pub content_type: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
    /// Where the verified bytes live in the document store: `uploads/<uploadId>`.
    pub document_key: String,
    pub status: UploadStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<OffsetDateTime>,
}

impl Upload {
    /// A new pending upload of `owner_id` with a fresh id and its server-generated key.
    pub fn declare(owner_id: &str, declaration: Declaration, now: OffsetDateTime) -> Self {
        let upload_id = uuid::Uuid::new_v4().to_string();
        Self {
            document_key: local::upload_key(&upload_id),
            upload_id,
            owner_id: owner_id.to_owned(),
            file_name: declaration.file_name,
            content_type: declaration.content_type.mime().to_owned(),
            size: declaration.size,
            sha256: declaration.sha256,
            status: UploadStatus::Pending,
            created_at: now,
            verified_at: None,
        }
    }

    pub fn document_type(&self) -> Option<DocumentType> {
        DocumentType::from_mime(&self.content_type)
    }

    pub fn is_verified(&self) -> bool {
        self.status == UploadStatus::Verified
    }

    /// Whether `bytes` are exactly the declared document: size, SHA-256, then the type's
    /// leading bytes.
    pub fn check_content(&self, bytes: &[u8]) -> Result<(), ContentProblem> {
        if bytes.len() as u64 != self.size {
            return Err(ContentProblem::SizeMismatch { declared: self.size, received: bytes.len() as u64 });
        }
        if sha256_hex(bytes) != self.sha256 {
            return Err(ContentProblem::HashMismatch);
        }
        if !self.document_type().is_some_and(|t| t.matches(bytes)) {
            return Err(ContentProblem::TypeMismatch);
        }
        Ok(())
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// What a user declares before uploading, checked: a displayable file name, an accepted type,
/// a size within the limit, a well-formed SHA-256 (normalised to lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Declaration {
    pub file_name: String,
    #[serde(serialize_with = "mime_of")]
    pub content_type: DocumentType,
    pub size: u64,
    pub sha256: String,
}

fn mime_of<S: serde::Serializer>(t: &DocumentType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.mime())
}

impl Declaration {
    /// Checks every field and reports every problem, each with a stable code and a Chinese
    /// message: `required`, `too_long`, `invalid_file_name` (fileName); `unsupported_type`
    /// (contentType); `empty_file`, `too_large` (size); `invalid_sha256` (sha256).
    pub fn parse(
        file_name: &str,
        content_type: &str,
        size: u64,
        sha256: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = file_name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("fileName", "required", "文件名不能为空"));
        } else if name.chars().count() > MAX_FILE_NAME_CHARS {
            errors.push(FieldError::new(
                "fileName",
                "too_long",
                format!("文件名不能超过 {MAX_FILE_NAME_CHARS} 个字"),
            ));
        } else if name.chars().any(|c| c.is_control() || c == '/' || c == '\\') || name == "." || name == ".."
        {
            errors.push(FieldError::new(
                "fileName",
                "invalid_file_name",
                "文件名不能包含控制字符或路径分隔符（/ 或 \\）",
            ));
        }
        let kind = DocumentType::from_mime(content_type);
        if kind.is_none() {
            errors.push(FieldError::new(
                "contentType",
                "unsupported_type",
                "仅支持 PDF、JPEG、PNG、OFD 格式的文件",
            ));
        }
        if size == 0 {
            errors.push(FieldError::new("size", "empty_file", "文件不能为空"));
        } else if size > MAX_UPLOAD_BYTES {
            errors.push(FieldError::new(
                "size",
                "too_large",
                format!("文件不能超过 {} MB", MAX_UPLOAD_BYTES / (1024 * 1024)),
            ));
        }
        let sha = sha256.trim().to_ascii_lowercase();
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            errors.push(FieldError::new("sha256", "invalid_sha256", "SHA-256 摘要须为 64 位十六进制字符"));
        }
        match kind {
            Some(content_type) if errors.is_empty() => {
                Ok(Self { file_name: name.to_owned(), content_type, size, sha256: sha })
            }
            _ => Err(errors),
        }
    }
}

/// Why received bytes do not match their declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContentProblem {
    #[error("size mismatch: declared {declared}, received {received}")]
    SizeMismatch { declared: u64, received: u64 },
    #[error("SHA-256 mismatch")]
    HashMismatch,
    #[error("content does not match the declared type")]
    TypeMismatch,
}

impl ContentProblem {
    pub fn code(&self) -> &'static str {
        match self {
            Self::SizeMismatch { .. } => "size_mismatch",
            Self::HashMismatch => "hash_mismatch",
            Self::TypeMismatch => "type_mismatch",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::SizeMismatch { declared, received } => {
                format!("文件大小与申报不符：申报 {declared} 字节，收到 {received} 字节")
            }
            Self::HashMismatch => "文件内容与申报的 SHA-256 摘要不符，请重新上传".into(),
            Self::TypeMismatch => "文件内容与申报的文件格式不符".into(),
        }
    }
}

impl From<ContentProblem> for ApiError {
    fn from(p: ContentProblem) -> Self {
        ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, p.code(), p.message_zh())
    }
}

/// Why an upload may not be used (attached to an application, read).
#[derive(Debug, thiserror::Error)]
pub enum UploadRefusal {
    /// No such upload, or it belongs to someone else: the same answer, so ids cannot be probed.
    #[error("upload not found")]
    NotFound,
    /// Declared, but its bytes have not arrived or did not match.
    #[error("upload not verified yet")]
    NotVerified,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UploadRefusal {
    /// The field error for a request that referenced the upload in `field`; `None` for a store
    /// failure, which is a server fault.
    pub fn field_error(&self, field: impl Into<String>) -> Option<FieldError> {
        match self {
            Self::NotFound => {
                Some(FieldError::new(field, "upload_not_found", "未找到该上传文件，请重新上传"))
            }
            Self::NotVerified => Some(FieldError::new(
                field,
                "upload_not_verified",
                "该文件尚未上传完成或未通过校验，请重新上传",
            )),
            Self::Store(_) => None,
        }
    }
}

impl From<UploadRefusal> for ApiError {
    /// 422 naming the `uploadId` field, or the store failure's answer.
    fn from(refusal: UploadRefusal) -> Self {
        match refusal.field_error("uploadId") {
            Some(error) => ApiError::invalid(vec![error]),
            None => match refusal {
                UploadRefusal::Store(e) => e.into(),
                _ => ApiError::internal(),
            },
        }
    }
}

/// A freshly minted download URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadLink {
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

fn record(upload: &Upload, version: u64) -> Record {
    let record = Record::new(
        keys::upload_pk(&upload.upload_id),
        keys::UPLOAD,
        serde_json::to_value(upload).expect("serialises"),
    )
    .with_version(version);
    match upload.status {
        UploadStatus::Pending => record.expiring_at(upload.created_at.unix_timestamp() + PENDING_TTL_SECONDS),
        UploadStatus::Verified => record,
    }
}

fn decode(r: &Record) -> StoreResult<Upload> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

/// Ids are server-made UUIDs; anything else is not looked up.
fn plausible_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The write that stores a new pending upload (for a transaction with other records, e.g.
/// the idempotency record); fails if the id exists.
pub fn create_op(upload: &Upload) -> TxOp {
    TxOp::Put { record: record(upload, 1), condition: Condition::NotExists }
}

/// The upload with this id, whoever owns it. A pending upload past its expiry may still be
/// returned until the backend deletes it; it is never usable.
pub async fn get(store: &dyn RecordStore, upload_id: &str) -> StoreResult<Option<Upload>> {
    Ok(get_versioned(store, upload_id, None).await?.map(|v| v.value))
}

/// The upload with the version guarding its next write; with `now` (unix seconds), an expired
/// pending upload counts as gone.
pub async fn get_versioned(
    store: &dyn RecordStore,
    upload_id: &str,
    now: Option<i64>,
) -> StoreResult<Option<Versioned<Upload>>> {
    if !plausible_id(upload_id) {
        return Ok(None);
    }
    let Some(r) = store.get(&keys::upload_pk(upload_id), keys::UPLOAD).await? else { return Ok(None) };
    if now.is_some_and(|now| r.is_expired(now)) {
        return Ok(None);
    }
    Ok(Some(Versioned { value: decode(&r)?, version: r.version }))
}

/// Marks a pending upload verified (and no longer expiring) if nobody wrote it since it was
/// read; `Err(ConditionFailed)` otherwise.
pub async fn mark_verified(
    store: &dyn RecordStore,
    current: &Versioned<Upload>,
    at: OffsetDateTime,
) -> StoreResult<Upload> {
    let upload = Upload { status: UploadStatus::Verified, verified_at: Some(at), ..current.value.clone() };
    store.put(record(&upload, current.version + 1), Condition::VersionIs(current.version)).await?;
    Ok(upload)
}

/// The upload `upload_id` if `owner_id` owns it and it is verified: what an application may
/// attach. Not found and not owned are the same refusal.
pub async fn usable(
    store: &dyn RecordStore,
    upload_id: &str,
    owner_id: &str,
) -> Result<Upload, UploadRefusal> {
    match get(store, upload_id).await? {
        Some(upload) if upload.owner_id == owner_id => {
            if upload.is_verified() {
                Ok(upload)
            } else {
                Err(UploadRefusal::NotVerified)
            }
        }
        _ => Err(UploadRefusal::NotFound),
    }
}

/// A fresh URL (5 minutes) serving a verified upload's bytes under its file name. The caller
/// decides who may see it (the owner; staff of the department handling a case that uses it).
pub async fn download_url(ctx: &AppContext, upload: &Upload) -> Result<DownloadLink, DocError> {
    if !upload.is_verified() {
        return Err(DocError::NotReady(upload.document_key.clone()));
    }
    let expires_at = ctx.clock.now() + time::Duration::seconds(DOWNLOAD_URL_SECONDS);
    let url = ctx
        .download_url(
            &upload.document_key,
            &upload.file_name,
            &upload.content_type,
            expires_at.unix_timestamp(),
        )
        .await?;
    Ok(DownloadLink { url, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn codes(r: Result<Declaration, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.err().unwrap_or_default().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn declarations_are_checked_field_by_field() {
        let ok =
            Declaration::parse(" 营业执照 副本.pdf ", "Application/PDF", 1, &SHA.to_uppercase()).unwrap();
        assert_eq!(ok.file_name, "营业执照 副本.pdf");
        assert_eq!(ok.content_type, DocumentType::Pdf);
        assert_eq!(ok.sha256, SHA);
        for mime in ["image/jpeg", "image/png", "application/ofd"] {
            assert!(Declaration::parse("a", mime, MAX_UPLOAD_BYTES, SHA).is_ok(), "{mime}");
        }
        let long = "长".repeat(MAX_FILE_NAME_CHARS + 1);
        let not_hex = SHA.replace('e', "g");
        // (fileName, contentType, size, sha256) and the (field, code) pairs expected.
        type Case<'a> = (&'a str, &'a str, u64, &'a str, Vec<(&'a str, &'a str)>);
        let cases: Vec<Case> = vec![
            ("", "application/pdf", 1, SHA, vec![("fileName", "required")]),
            ("  ", "application/pdf", 1, SHA, vec![("fileName", "required")]),
            (&long, "application/pdf", 1, SHA, vec![("fileName", "too_long")]),
            ("a/b.pdf", "application/pdf", 1, SHA, vec![("fileName", "invalid_file_name")]),
            ("a\\b.pdf", "application/pdf", 1, SHA, vec![("fileName", "invalid_file_name")]),
            ("a\nb.pdf", "application/pdf", 1, SHA, vec![("fileName", "invalid_file_name")]),
            ("..", "application/pdf", 1, SHA, vec![("fileName", "invalid_file_name")]),
            ("a.doc", "application/msword", 1, SHA, vec![("contentType", "unsupported_type")]),
            ("a.pdf", "application/pdf", 0, SHA, vec![("size", "empty_file")]),
            ("a.pdf", "application/pdf", MAX_UPLOAD_BYTES + 1, SHA, vec![("size", "too_large")]),
            ("a.pdf", "application/pdf", 1, &SHA[1..], vec![("sha256", "invalid_sha256")]),
            ("a.pdf", "application/pdf", 1, &not_hex, vec![("sha256", "invalid_sha256")]),
            (
                "",
                "text/plain",
                0,
                "x",
                vec![
                    ("fileName", "required"),
                    ("contentType", "unsupported_type"),
                    ("size", "empty_file"),
                    ("sha256", "invalid_sha256"),
                ],
            ),
        ];
        for (name, mime, size, sha, expected) in cases {
            let got = codes(Declaration::parse(name, mime, size, sha));
            let expected: Vec<(String, &str)> =
                expected.into_iter().map(|(f, c)| (f.to_owned(), c)).collect();
            assert_eq!(got, expected, "{name:?} {mime} {size} {sha}");
        }
    }

    #[test]
    fn content_must_match_size_hash_and_type() {
        let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let decl =
            Declaration::parse("a.pdf", "application/pdf", pdf.len() as u64, &sha256_hex(&pdf)).unwrap();
        let upload = Upload::declare("u1", decl, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(upload.document_key, format!("uploads/{}", upload.upload_id));
        crate::docs::check_key(&upload.document_key).unwrap();
        assert_eq!(upload.check_content(&pdf), Ok(()));
        assert!(matches!(upload.check_content(&pdf[1..]), Err(ContentProblem::SizeMismatch { .. })));
        let mut other = pdf.clone();
        *other.last_mut().unwrap() ^= 1;
        assert_eq!(upload.check_content(&other), Err(ContentProblem::HashMismatch));

        let png = b"\x89PNG\r\n\x1a\n".to_vec();
        let as_pdf = Upload { size: png.len() as u64, sha256: sha256_hex(&png), ..upload.clone() };
        assert_eq!(as_pdf.check_content(&png), Err(ContentProblem::TypeMismatch));
    }

    #[test]
    fn magic_numbers() {
        assert!(DocumentType::Pdf.matches(b"%PDF-1.4"));
        assert!(DocumentType::Jpeg.matches(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(DocumentType::Png.matches(b"\x89PNG\r\n\x1a\nrest"));
        assert!(DocumentType::Ofd.matches(b"PK\x03\x04rest"));
        assert!(!DocumentType::Pdf.matches(b"%PD"));
        assert!(!DocumentType::Ofd.matches(b"PK\x05\x06"), "an empty ZIP is no OFD");
        assert!(!DocumentType::Jpeg.matches(b""));
    }

    #[tokio::test]
    async fn pending_uploads_expire_and_verified_ones_do_not() {
        let store = crate::store::sqlite::SqliteStore::in_memory().unwrap();
        let pdf = b"%PDF-1.7 x".to_vec();
        let decl =
            Declaration::parse("a.pdf", "application/pdf", pdf.len() as u64, &sha256_hex(&pdf)).unwrap();
        let now = time::macros::datetime!(2026-12-03 09:00 +08:00);
        let upload = Upload::declare("owner", decl, now);
        store.transact(vec![create_op(&upload)]).await.unwrap();
        let t = now.unix_timestamp();
        let raw = store.get(&keys::upload_pk(&upload.upload_id), keys::UPLOAD).await.unwrap().unwrap();
        assert_eq!(raw.expires_at, Some(t + PENDING_TTL_SECONDS));

        assert!(matches!(usable(&store, &upload.upload_id, "owner").await, Err(UploadRefusal::NotVerified)));
        assert!(matches!(usable(&store, &upload.upload_id, "other").await, Err(UploadRefusal::NotFound)));
        assert!(matches!(usable(&store, "no-such-id", "owner").await, Err(UploadRefusal::NotFound)));
        assert!(
            get_versioned(&store, &upload.upload_id, Some(t + PENDING_TTL_SECONDS)).await.unwrap().is_none()
        );

        let current = get_versioned(&store, &upload.upload_id, Some(t)).await.unwrap().unwrap();
        let verified = mark_verified(&store, &current, now).await.unwrap();
        assert!(verified.is_verified());
        assert!(
            matches!(mark_verified(&store, &current, now).await, Err(StoreError::ConditionFailed)),
            "a stale version does not write"
        );
        let raw = store.get(&keys::upload_pk(&upload.upload_id), keys::UPLOAD).await.unwrap().unwrap();
        assert_eq!(raw.expires_at, None, "a verified upload never expires");
        assert_eq!(usable(&store, &upload.upload_id, "owner").await.unwrap(), verified);
        assert!(matches!(usable(&store, &upload.upload_id, "other").await, Err(UploadRefusal::NotFound)));
    }

    #[test]
    fn refusals_become_field_errors() {
        let e = ApiError::from(UploadRefusal::NotFound);
        assert_eq!((e.status.as_u16(), e.code), (422, "upload_not_found"));
        let e = ApiError::from(UploadRefusal::NotVerified);
        assert_eq!((e.status.as_u16(), e.code), (422, "upload_not_verified"));
        assert_eq!(e.errors[0].field, "uploadId");
        assert!(UploadRefusal::Store(StoreError::Conflict).field_error("x").is_none());
    }
}
