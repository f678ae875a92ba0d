//! The document contract: every `DocumentStore` adapter, with the platform's upload completion
//! on top, must pass every case here, through real HTTP to the URLs it hands out. The local-files
//! adapter runs it with the platform's signed routes served on a loopback port; the S3 adapter
//! against moto and against s3s-fs. The URL-security cases (expired or tampered URLs are
//! refused) run only where the server checks signatures: the local routes and s3s-fs (moto
//! accepts any signature).
//!
//! Adapters run the suite with [`document_store_contract!`](crate::document_store_contract) and
//! [`document_url_security_contract!`](crate::document_url_security_contract).

use std::sync::Arc;

use http::StatusCode;
use wangban_shared::{
    auth::PrivateKey,
    clock::SystemClock,
    config::AppContext,
    docs::{Declared, DocError, DocumentStore, UploadTarget, fs::FsDocuments},
    store::{
        RecordStore, Versioned,
        sqlite::SqliteStore,
        uploads::{self, Completion, ContentProblem, Declaration, Upload, sha256_hex},
    },
};

use crate::client::{Answer, get, send};

/// A context whose document store is under test; where its URLs are the platform's own routes,
/// those are served on a loopback port for as long as the bench lives.
pub struct DocBench {
    pub ctx: AppContext,
    /// Whether the server applies the response headers a download URL asks for (file name,
    /// type); moto does not, real S3 and s3s-fs do.
    pub applies_response_headers: bool,
    _dir: Option<tempfile::TempDir>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for DocBench {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

fn context(docs: Arc<dyn DocumentStore>) -> AppContext {
    let store: Arc<dyn RecordStore> = Arc::new(SqliteStore::in_memory().unwrap());
    AppContext::new(store, docs, PrivateKey::generate(), Arc::new(SystemClock))
}

impl DocBench {
    /// The local-files adapter, its routes served by the whole platform app on 127.0.0.1.
    pub async fn local_files() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let ctx = context(Arc::new(FsDocuments::new(dir.path()))).serving_at(&url);
        let app = wangban_local::app(ctx.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { ctx, applies_response_headers: true, _dir: Some(dir), server: Some(server) }
    }

    /// Any other adapter, whose URLs point at its own server.
    pub fn on(docs: Arc<dyn DocumentStore>, applies_response_headers: bool) -> Self {
        Self { ctx: context(docs), applies_response_headers, _dir: None, server: None }
    }

    fn docs(&self) -> &dyn DocumentStore {
        self.ctx.docs.as_ref()
    }

    /// Declares an upload of `bytes` as `mime` (its SHA-256 is `sha_of`'s) and stores it pending.
    async fn declare(&self, mime: &str, bytes: &[u8], sha_of: &[u8]) -> Versioned<Upload> {
        let declaration =
            Declaration::parse("营业执照 副本.pdf", mime, bytes.len() as u64, &sha256_hex(sha_of)).unwrap();
        let upload = Upload::declare("owner-1", declaration, self.ctx.clock.now());
        self.ctx.store.transact(vec![uploads::create_op(&upload)]).await.unwrap();
        self.current(&upload).await
    }

    async fn current(&self, upload: &Upload) -> Versioned<Upload> {
        uploads::get_versioned(self.ctx.store.as_ref(), &upload.upload_id, None).await.unwrap().unwrap()
    }

    async fn target(&self, upload: &Upload, expires_in: i64) -> UploadTarget {
        let declared =
            Declared { content_type: &upload.content_type, size: upload.size, sha256: &upload.sha256 };
        let expires_at = self.ctx.clock.now_unix() + expires_in;
        self.ctx.upload_target(&upload.document_key, &declared, expires_at).await.unwrap()
    }

    async fn complete(&self, upload: &Upload) -> Completion {
        uploads::complete(&self.ctx, &self.current(upload).await).await.unwrap()
    }
}

async fn put(target: &UploadTarget, bytes: Vec<u8>) -> Answer {
    send(&target.method, &target.url, &target.headers, bytes).await
}

/// A PDF that holds every byte value, so a lossy round trip cannot go unnoticed.
pub fn binary_pdf(tag: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    bytes.extend(0..=255u8);
    bytes.extend((0..=255u8).rev());
    bytes.push(tag);
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// Generates one `#[tokio::test]` per contract case for the bench built by `$make` (an async
/// expression yielding a [`DocBench`]).
#[macro_export]
macro_rules! document_store_contract {
    ($make:expr) => {
        $crate::document_store_contract!(@cases $make;
            put_and_get_round_trip_every_byte_value,
            an_upload_sent_to_its_url_completes_and_downloads_byte_for_byte,
            bytes_other_than_declared_are_never_accepted,
            a_document_of_another_type_is_refused,
            an_accepted_document_cannot_be_replaced_through_its_upload_url
        );
    };
    (@cases $make:expr; $($case:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let bench: $crate::doc_contract::DocBench = $make.await;
                $crate::doc_contract::$case(&bench).await;
            }
        )+
    };
}

/// The cases for servers that check signatures and expiry.
#[macro_export]
macro_rules! document_url_security_contract {
    ($make:expr) => {
        $crate::document_store_contract!(@cases $make;
            expired_urls_are_refused,
            tampered_urls_are_refused
        );
    };
}

pub async fn put_and_get_round_trip_every_byte_value(bench: &DocBench) {
    let bytes: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
    let key = format!("catalogue/t-{}/every-byte.bin", uuid::Uuid::new_v4().simple());
    bench.docs().put(&key, bytes.clone()).await.unwrap();
    assert_eq!(bench.docs().get(&key).await.unwrap(), Some(bytes), "byte-exact round trip");
    bench.docs().put(&key, b"replaced".to_vec()).await.unwrap();
    assert_eq!(bench.docs().get(&key).await.unwrap().as_deref(), Some(&b"replaced"[..]));
    assert_eq!(bench.docs().get("catalogue/no-such/file.txt").await.unwrap(), None);
    assert!(matches!(bench.docs().put("../escape", vec![1]).await, Err(DocError::BadKey(_))));
    assert!(matches!(bench.docs().get("Upper/Case").await, Err(DocError::BadKey(_))));
}

pub async fn an_upload_sent_to_its_url_completes_and_downloads_byte_for_byte(bench: &DocBench) {
    let bytes = binary_pdf(1);
    let current = bench.declare("application/pdf", &bytes, &bytes).await;
    let upload = current.value.clone();
    assert_eq!(bench.complete(&upload).await, Completion::NotArrived, "nothing sent yet");

    let answer = put(&bench.target(&upload, 900).await, bytes.clone()).await;
    assert!(
        answer.status.is_success(),
        "PUT to the upload URL: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.bytes)
    );
    let Completion::Verified(verified) = bench.complete(&upload).await else {
        panic!("the declared bytes complete the upload")
    };
    assert!(verified.is_verified());
    assert_eq!(bench.docs().get(&upload.document_key).await.unwrap(), Some(bytes.clone()));
    assert_eq!(
        bench.complete(&upload).await,
        Completion::Verified(verified.clone()),
        "completing again changes nothing"
    );

    let link = uploads::download_url(&bench.ctx, &verified).await.unwrap();
    let file = get(&link.url).await;
    assert_eq!(file.status, StatusCode::OK, "{}", String::from_utf8_lossy(&file.bytes));
    assert_eq!(file.bytes, bytes, "byte-exact download");
    assert_eq!(file.header("content-type"), Some("application/pdf"));
    let name = "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20%E5%89%AF%E6%9C%AC.pdf";
    if bench.applies_response_headers {
        let disposition = file.header("content-disposition").unwrap_or_default();
        assert!(disposition.starts_with("attachment;") && disposition.contains(name), "{disposition}");
    } else {
        // The URL still asks for the attachment name (percent-encoded once more as a query value).
        assert!(link.url.contains("response-content-disposition=attachment"), "{}", link.url);
    }
}

pub async fn bytes_other_than_declared_are_never_accepted(bench: &DocBench) {
    let declared = binary_pdf(2);
    let current = bench.declare("application/pdf", &declared, &declared).await;
    let upload = current.value.clone();
    let other = binary_pdf(3);
    let answer = put(&bench.target(&upload, 900).await, other).await;
    let completion = bench.complete(&upload).await;
    if answer.status.is_success() {
        // The server stored what it got (an emulator that ignores the signed checksum).
        assert_eq!(completion, Completion::Refused(ContentProblem::HashMismatch));
    } else {
        // The server itself refused a body without the declared SHA-256.
        assert!(answer.status.is_client_error(), "{}", answer.status);
        assert!(
            matches!(completion, Completion::NotArrived | Completion::Refused(ContentProblem::HashMismatch)),
            "{completion:?}"
        );
    }
    assert_eq!(bench.docs().get(&upload.document_key).await.unwrap(), None, "nothing accepted");
    assert!(!bench.current(&upload).await.value.is_verified());

    let short = put(&bench.target(&upload, 900).await, declared[..10].to_vec()).await;
    let completion = bench.complete(&upload).await;
    assert!(!short.status.is_success() || matches!(completion, Completion::Refused(_)), "{completion:?}");
    assert_eq!(bench.docs().get(&upload.document_key).await.unwrap(), None);
}

pub async fn a_document_of_another_type_is_refused(bench: &DocBench) {
    // A PNG declared as a PDF, with the PNG's own hash: size and hash match, the type does not.
    let current = bench.declare("application/pdf", PNG, PNG).await;
    let upload = current.value.clone();
    let answer = put(&bench.target(&upload, 900).await, PNG.to_vec()).await;
    let completion = bench.complete(&upload).await;
    if answer.status.is_success() {
        assert_eq!(completion, Completion::Refused(ContentProblem::TypeMismatch));
    } else {
        // The local route checks as the bytes arrive and keeps nothing.
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(completion, Completion::NotArrived);
    }
    assert_eq!(bench.docs().get(&upload.document_key).await.unwrap(), None);
}

pub async fn an_accepted_document_cannot_be_replaced_through_its_upload_url(bench: &DocBench) {
    let bytes = binary_pdf(4);
    let current = bench.declare("application/pdf", &bytes, &bytes).await;
    let upload = current.value.clone();
    let target = bench.target(&upload, 900).await;
    assert!(put(&target, bytes.clone()).await.status.is_success());
    assert!(matches!(bench.complete(&upload).await, Completion::Verified(_)));
    let again = put(&target, binary_pdf(5)).await;
    assert!(matches!(bench.complete(&upload).await, Completion::Verified(_)), "after {}", again.status);
    assert_eq!(bench.docs().get(&upload.document_key).await.unwrap(), Some(bytes), "the accepted bytes stay");
}

pub async fn expired_urls_are_refused(bench: &DocBench) {
    let bytes = binary_pdf(6);
    let current = bench.declare("application/pdf", &bytes, &bytes).await;
    let upload = current.value.clone();
    let expired = put(&bench.target(&upload, -60).await, bytes.clone()).await;
    assert_eq!(expired.status, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&expired.bytes));
    assert_eq!(bench.complete(&upload).await, Completion::NotArrived);

    assert!(put(&bench.target(&upload, 900).await, bytes.clone()).await.status.is_success());
    let Completion::Verified(verified) = bench.complete(&upload).await else { panic!("completes") };
    let now = bench.ctx.clock.now_unix();
    let key = &verified.document_key;
    let old = bench.ctx.download_url(key, "a.pdf", "application/pdf", now - 60).await.unwrap();
    assert_eq!(get(&old).await.status, StatusCode::FORBIDDEN);
    let fresh = bench.ctx.download_url(key, "a.pdf", "application/pdf", now + 60).await.unwrap();
    assert_eq!(get(&fresh).await.bytes, bytes, "the same document with a valid URL");
}

/// `url` with one character of its signature changed.
fn flip_signature(url: &str) -> String {
    let at = url.find("ignature=").expect("a signed URL") + "ignature=".len();
    let mut bytes = url.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    String::from_utf8(bytes).unwrap()
}

pub async fn tampered_urls_are_refused(bench: &DocBench) {
    let bytes = binary_pdf(7);
    let current = bench.declare("application/pdf", &bytes, &bytes).await;
    let upload = current.value.clone();
    let target = bench.target(&upload, 900).await;

    let forged = UploadTarget { url: flip_signature(&target.url), ..target.clone() };
    assert_eq!(put(&forged, bytes.clone()).await.status, StatusCode::FORBIDDEN);
    // The same signature for another upload's key.
    let other = bench.declare("application/pdf", &bytes, &bytes).await.value;
    let moved =
        UploadTarget { url: target.url.replace(&upload.upload_id, &other.upload_id), ..target.clone() };
    assert_eq!(put(&moved, bytes.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bench.complete(&upload).await, Completion::NotArrived);
    assert_eq!(bench.complete(&other).await, Completion::NotArrived);

    assert!(put(&target, bytes.clone()).await.status.is_success());
    let Completion::Verified(verified) = bench.complete(&upload).await else { panic!("completes") };
    let link = uploads::download_url(&bench.ctx, &verified).await.unwrap();
    assert_eq!(get(&flip_signature(&link.url)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&link.url).await.bytes, bytes);
}
