//! Test support: a fresh, seeded platform per test, driven in-process through the combined
//! router (no ports), with a clock the test controls and a round-trip counter on the store. The
//! platform runs on SQLite + local files ([`TestApp::spawn`]) or, with the `emulators` feature, on
//! DynamoDB + S3 served by moto ([`TestApp::spawn_cloud`]): a fresh table and bucket per test.

pub mod client;
pub mod doc_contract;
#[cfg(feature = "emulators")]
pub mod emulators;

use std::sync::Arc;

use axum::{Router, body::Body};
use http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use wangban_shared::{
    auth::PrivateKey,
    clock::{Clock, ManualClock},
    config::AppContext,
    docs::{DocumentStore, fs::FsDocuments},
    seed,
    store::{CountingStore, RecordStore, RoundTrips, sqlite::SqliteStore},
};

/// Valid identifiers for tests (check characters computed by hand and by the parsers' tests).
pub mod ids {
    pub const PERSON_A: &str = "52010219900101123X";
    pub const PERSON_B: &str = "520103198512150049";
    pub const PERSON_C: &str = "522627197806302111";
    pub const COMPANY_A: &str = "91350100M000100Y43";
    pub const COMPANY_B: &str = "914403001922038216";
    pub const PHONE_A: &str = "13800138000";
    pub const PHONE_B: &str = "13985012345";
    pub const PHONE_C: &str = "15085123456";
    pub const PASSWORD: &str = "Guizhou2026ok";
    pub const STAFF_PASSWORD: &str = "Staff2026demo";
}

/// Where every test's clock starts: a Thursday, in Guizhou's time zone.
pub const START: time::OffsetDateTime = time::macros::datetime!(2026-12-03 09:00 +08:00);

pub struct TestApp {
    pub router: Router,
    pub ctx: AppContext,
    pub trips: Arc<RoundTrips>,
    pub clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", String::from_utf8_lossy(&self.bytes));
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        let body = self.json();
        assert_eq!(body["code"], code, "body: {body}");
        assert_eq!(body["status"], status);
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "a detail for the user");
        body
    }
}

impl TestApp {
    /// A fresh platform on its own SQLite database and document folder, demo catalogue loaded.
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let sqlite: Arc<dyn RecordStore> =
            Arc::new(SqliteStore::open(&dir.path().join("wangban.db")).unwrap());
        let docs = Arc::new(FsDocuments::new(dir.path().join("docs")));
        Self::on(sqlite, |_| docs, Some(dir)).await
    }

    /// A fresh platform on the given empty store (e.g. a uniquely named DynamoDB table), with
    /// its own document folder, demo catalogue and staff loaded: what backend-neutral scenario
    /// suites (the booking capacity tests) run on.
    pub async fn spawn_on(store: Arc<dyn RecordStore>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let docs = Arc::new(FsDocuments::new(dir.path().join("docs")));
        Self::on(store, |_| docs, Some(dir)).await
    }

    /// A fresh platform on its own DynamoDB table (created from the one table definition) and
    /// S3 bucket, both on moto; demo catalogue loaded. Upload URLs are presigned S3 URLs.
    #[cfg(feature = "emulators")]
    pub async fn spawn_cloud() -> Self {
        let table: Arc<dyn RecordStore> = Arc::new(emulators::fresh_table().await);
        let moto = emulators::moto();
        let clock = Arc::new(ManualClock::new(START));
        let docs = Arc::new(emulators::fresh_bucket(&moto, clock.clone()).await);
        Self::with_clock(table, docs, clock, None).await
    }

    async fn on(
        store: Arc<dyn RecordStore>,
        docs: impl FnOnce(Arc<ManualClock>) -> Arc<dyn DocumentStore>,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        let clock = Arc::new(ManualClock::new(START));
        Self::with_clock(store, docs(clock.clone()), clock, dir).await
    }

    async fn with_clock(
        store: Arc<dyn RecordStore>,
        docs: Arc<dyn DocumentStore>,
        clock: Arc<ManualClock>,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        let (counting, trips) = CountingStore::new(store);
        let store: Arc<dyn RecordStore> = Arc::new(counting);
        let ctx = AppContext::new(store, docs, PrivateKey::generate(), clock.clone());
        seed::load_catalogue(ctx.store.as_ref(), ctx.docs.as_ref()).await.unwrap();
        seed::load_demo_staff(ctx.store.as_ref(), ids::STAFF_PASSWORD, clock.now()).await.unwrap();
        trips.reset();
        Self { router: wangban_local::app(ctx.clone()), ctx, trips, clock, _dir: dir }
    }

    /// Moves the test's clock to `at` (forwards or backwards).
    pub fn set_time(&self, at: time::OffsetDateTime) {
        self.clock.advance(at - self.clock.now());
    }

    /// Sends every request at once, each on its own task, and returns the answers in order.
    pub async fn send_concurrently(&self, requests: Vec<Request<Body>>) -> Vec<TestResponse> {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, request) in requests.into_iter().enumerate() {
            let router = self.router.clone();
            tasks.spawn(async move { (i, send(&router, request).await) });
        }
        let mut out: Vec<Option<TestResponse>> = Vec::new();
        out.resize_with(tasks.len(), || None);
        while let Some(done) = tasks.join_next().await {
            let (i, response) = done.unwrap();
            out[i] = Some(response);
        }
        out.into_iter().map(|r| r.unwrap()).collect()
    }

    /// A request with a JSON body (if any) and a bearer token (if any), for
    /// [`TestApp::send_concurrently`].
    pub fn request(method: Method, uri: &str, body: Option<Value>, token: Option<&str>) -> Request<Body> {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(value) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        builder.body(body).unwrap()
    }

    /// A citizen (an individual) written straight into the store, without the cost of a
    /// password hash, for tests that need many; returns the user id.
    pub async fn citizen_in_store(&self, name: &str) -> String {
        use wangban_shared::{
            domain::account::{AccountKind, Role},
            store::users::{self, User},
        };
        let user_id = uuid::Uuid::now_v7().to_string();
        let user = User {
            user_id: user_id.clone(),
            kind: AccountKind::Individual,
            role: Role::Applicant,
            name: name.to_owned(),
            id_number: None,
            org_name: None,
            uscc: None,
            legal_representative: None,
            phone: None,
            department_id: None,
            staff_name: None,
            password_hash: String::new(),
            failed_logins: 0,
            locked_until: None,
            created_at: self.clock.now(),
        };
        users::create(self.ctx.store.as_ref(), &user, Vec::new()).await.unwrap();
        user_id
    }

    /// A fresh access token for a citizen, signed at the test clock's time.
    pub fn citizen_token(&self, user_id: &str) -> String {
        use wangban_shared::domain::account::{AccountKind, Role};
        let signer = self.ctx.signer.as_ref().expect("tests sign tokens");
        signer.sign(user_id, Role::Applicant, AccountKind::Individual, None, self.clock.now_unix())
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        send(&self.router, request).await
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> TestResponse {
        self.send(Self::request(method, uri, body, token)).await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.call(Method::GET, uri, None, None).await
    }

    pub async fn get_as(&self, uri: &str, token: &str) -> TestResponse {
        self.call(Method::GET, uri, None, Some(token)).await
    }

    pub async fn post_as(&self, uri: &str, body: Value, token: &str) -> TestResponse {
        self.call(Method::POST, uri, Some(body), Some(token)).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> TestResponse {
        self.call(Method::POST, uri, Some(body), None).await
    }

    /// Registers an individual and returns the user id.
    pub async fn register_person(&self, name: &str, id_number: &str, phone: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/register",
                json!({"kind": "individual", "name": name, "idNumber": id_number, "phone": phone, "password": ids::PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
        r.json()["userId"].as_str().unwrap().to_owned()
    }

    /// Logs in and returns the token pair.
    pub async fn login(&self, account: &str, password: &str) -> Value {
        let r = self.post("/api/v1/auth/login", json!({"account": account, "password": password})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.bytes));
        r.json()
    }

    /// Logs a demo staff account in (e.g. `clerk-gy-amr`) and returns its access token.
    pub async fn staff_token(&self, account: &str) -> String {
        self.login(account, ids::STAFF_PASSWORD).await["accessToken"].as_str().unwrap().to_owned()
    }

    /// Registers a person and returns their access token.
    pub async fn person_token(&self, id_number: &str, phone: &str) -> String {
        self.register_person("张三", id_number, phone).await;
        self.login(id_number, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned()
    }
}

/// Sends one request through a router in-process (for tasks that each hold a clone of it).
pub async fn send(router: &Router, request: Request<Body>) -> TestResponse {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    TestResponse { status, headers, bytes }
}

/// A small, valid PDF for upload tests.
pub fn sample_pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// Uploads: declare, send the bytes to the returned URL, through the router in-process.
impl TestApp {
    /// The path and query of an absolute URL the platform returned, for calling the router.
    pub fn local_path(&self, url: &str) -> String {
        url.strip_prefix(self.ctx.urls.public_url())
            .unwrap_or_else(|| panic!("{url} is not under the public URL"))
            .to_owned()
    }

    /// `POST /api/v1/uploads` declaring `bytes` under this name and type; the raw answer.
    pub async fn declare_upload(
        &self,
        token: &str,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> TestResponse {
        let body = json!({
            "fileName": file_name,
            "contentType": content_type,
            "size": bytes.len(),
            "sha256": wangban_shared::store::uploads::sha256_hex(bytes),
        });
        self.call(Method::POST, "/api/v1/uploads", Some(body), Some(token)).await
    }

    /// PUTs `bytes` to an upload URL the platform returned (no bearer token: the URL is signed).
    pub async fn put_bytes(&self, url: &str, content_type: &str, bytes: Vec<u8>) -> TestResponse {
        let request = Request::builder()
            .method(Method::PUT)
            .uri(self.local_path(url))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .unwrap();
        self.send(request).await
    }

    /// Sends `bytes` as a client would to the upload URL of a declaration answer, with the
    /// method and headers it names: to the router in-process when the URL is the platform's own,
    /// else over HTTP (a presigned S3 URL).
    pub async fn put_declared(&self, declared: &Value, bytes: Vec<u8>) -> TestResponse {
        let url = declared["uploadUrl"].as_str().expect("an upload URL");
        if url.starts_with(self.ctx.urls.public_url()) {
            let content_type = declared["headers"]["Content-Type"].as_str().unwrap_or("application/pdf");
            return self.put_bytes(url, content_type, bytes).await;
        }
        let headers: std::collections::BTreeMap<String, String> = declared["headers"]
            .as_object()
            .expect("headers")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let answer = client::send(declared["method"].as_str().unwrap(), url, &headers, bytes).await;
        TestResponse { status: answer.status, headers: answer.headers, bytes: answer.bytes }
    }

    /// Declares and uploads [`sample_pdf`] for the token's user; returns the upload id.
    pub async fn upload_pdf(&self, token: &str) -> String {
        let pdf = sample_pdf();
        let declared = self.declare_upload(token, "申请书.pdf", "application/pdf", &pdf).await;
        assert_eq!(declared.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&declared.bytes));
        let declared = declared.json();
        let put = self.put_declared(&declared, pdf).await;
        assert_eq!(put.status, StatusCode::OK, "{}", String::from_utf8_lossy(&put.bytes));
        declared["uploadId"].as_str().unwrap().to_owned()
    }
}
