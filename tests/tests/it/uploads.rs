//! GIVEN a logged-in user WHEN they declare a document, send its bytes to the returned URL and
//! read it back THEN size, hash and type are checked before the upload can be used, URLs are
//! signed and short-lived, and nobody but the owner can see or use the upload.

use http::{Method, Request, header};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};
use wangban_shared::{
    clock::Clock,
    store::uploads::{self, UploadRefusal, sha256_hex},
};
use wangban_tests::{TestApp, TestResponse, ids, sample_pdf};

/// A PDF header followed by every byte value, so a lossy round trip cannot go unnoticed.
fn binary_pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    bytes.extend(0..=255u8);
    bytes.extend((0..=255u8).rev());
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn time_of(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().unwrap_or_else(|| panic!("a time: {v}")), &Rfc3339).unwrap()
}

async fn declared(app: &TestApp, token: &str, name: &str, mime: &str, bytes: &[u8]) -> Value {
    let r = app.declare_upload(token, name, mime, bytes).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

/// Whether the document store holds anything for this upload.
async fn stored(app: &TestApp, upload_id: &str) -> Option<Vec<u8>> {
    app.ctx.docs.get(&format!("uploads/{upload_id}")).await.unwrap()
}

async fn put_with(app: &TestApp, path: &str, bytes: Vec<u8>, content_length: Option<usize>) -> TestResponse {
    let mut builder = Request::builder().method(Method::PUT).uri(path);
    if let Some(n) = content_length {
        builder = builder.header(header::CONTENT_LENGTH, n);
    }
    app.send(builder.body(axum::body::Body::from(bytes)).unwrap()).await
}

#[tokio::test]
async fn a_document_is_declared_uploaded_verified_and_downloaded_byte_for_byte() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let pdf = binary_pdf();
    let now = app.clock.now();

    // Declare.
    let r = app.declare_upload(&token, "营业执照 副本.pdf", "application/pdf", &pdf).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.header("cache-control"), Some("no-store"), "a signed URL is not cached");
    let d = r.json();
    let id = d["uploadId"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(format!("/api/v1/uploads/{id}").as_str()));
    assert_eq!((d["status"].as_str(), d["method"].as_str()), (Some("pending"), Some("PUT")));
    assert_eq!(d["headers"], json!({"Content-Type": "application/pdf"}));
    assert_eq!(time_of(&d["expiresAt"]), now + Duration::minutes(15));
    let url = d["uploadUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("http://127.0.0.1:8080/api/v1/uploads/{id}/content?expires=")),
        "an absolute URL of the local signed route: {url}"
    );
    assert!(url.contains("&signature="), "{url}");

    // Pending: no download yet, nothing usable.
    let meta = app.get_as(&format!("/api/v1/uploads/{id}"), &token).await;
    assert_eq!(meta.status, 200);
    let meta = meta.json();
    assert_eq!(meta["status"], "pending");
    assert!(meta.get("downloadUrl").is_none(), "{meta}");
    let owner = meta_owner(&app, &id).await;
    assert!(matches!(
        uploads::usable(app.ctx.store.as_ref(), &id, &owner).await,
        Err(UploadRefusal::NotVerified)
    ));

    // Upload the bytes (no bearer token: the URL is signed).
    let put = app.put_bytes(url, "application/pdf", pdf.clone()).await;
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.bytes));
    assert_eq!(put.json(), json!({"uploadId": id, "status": "verified"}));
    assert_eq!(stored(&app, &id).await.as_deref(), Some(pdf.as_slice()));

    // The owner sees it verified, with a fresh 5-minute download URL.
    let meta = app.get_as(&format!("/api/v1/uploads/{id}"), &token).await;
    assert_eq!(meta.header("cache-control"), Some("no-store"));
    let meta = meta.json();
    assert_eq!(meta["uploadId"], id.as_str());
    assert_eq!(meta["fileName"], "营业执照 副本.pdf");
    assert_eq!(meta["contentType"], "application/pdf");
    assert_eq!(meta["size"], pdf.len());
    assert_eq!(meta["sha256"], sha256_hex(&pdf));
    assert_eq!(meta["status"], "verified");
    assert_eq!(time_of(&meta["createdAt"]), now);
    assert_eq!(time_of(&meta["verifiedAt"]), now);
    assert_eq!(time_of(&meta["expiresAt"]), now + Duration::minutes(5));
    let download = meta["downloadUrl"].as_str().unwrap();
    assert!(download.starts_with(&format!("http://127.0.0.1:8080/api/v1/files/{id}?expires=")), "{download}");
    assert!(!download.contains("%E8%90%A5"), "the file name is not in the URL");

    // Download: the very same bytes, as an attachment under its name, never cached.
    let file = app.get(&app.local_path(download)).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.bytes, pdf, "byte-exact round trip");
    assert_eq!(file.header("content-type"), Some("application/pdf"));
    assert_eq!(file.header("cache-control"), Some("private, no-store"));
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        file.header("content-disposition"),
        Some(
            format!(
                "attachment; filename=\"{id}.pdf\"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20%E5%89%AF%E6%9C%AC.pdf"
            )
            .as_str()
        )
    );

    // Usable by its owner; every read mints a new URL.
    let upload = uploads::usable(app.ctx.store.as_ref(), &id, &owner).await.unwrap();
    assert_eq!(upload.sha256, sha256_hex(&pdf));
    app.clock.advance(Duration::seconds(1));
    let again = uploads::download_url(&app.ctx, &upload).await.unwrap();
    assert_ne!(again.url, download, "a fresh URL each time");
    assert_eq!(again.expires_at, app.clock.now() + Duration::minutes(5));
    assert_eq!(app.get(&app.local_path(&again.url)).await.bytes, pdf);
}

/// A new access token for PERSON_A, after the clock moved past the first one's 15 minutes.
async fn fresh_token(app: &TestApp) -> String {
    app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned()
}

/// The owner id of an upload, as stored.
async fn meta_owner(app: &TestApp, id: &str) -> String {
    uploads::get(app.ctx.store.as_ref(), id).await.unwrap().unwrap().owner_id
}

#[tokio::test]
async fn every_accepted_type_is_checked_against_its_leading_bytes() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], b"\0\x10JFIF\0rest"].concat();
    let ofd = b"PK\x03\x04\x14\0\0\0OFD.xml".to_vec();
    for (name, mime, bytes) in [
        ("照片.jpg", "image/jpeg", jpeg),
        ("scan.png", "image/png", PNG.to_vec()),
        ("证照.ofd", "application/ofd", ofd),
    ] {
        let d = declared(&app, &token, name, mime, &bytes).await;
        let put = app.put_bytes(d["uploadUrl"].as_str().unwrap(), mime, bytes.clone()).await;
        assert_eq!(put.status, 200, "{mime}: {}", String::from_utf8_lossy(&put.bytes));
        let meta =
            app.get_as(&format!("/api/v1/uploads/{}", d["uploadId"].as_str().unwrap()), &token).await.json();
        let file = app.get(&app.local_path(meta["downloadUrl"].as_str().unwrap())).await;
        assert_eq!((file.header("content-type"), &file.bytes), (Some(mime), &bytes));
    }
}

#[tokio::test]
async fn bad_declarations_are_refused_field_by_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let sha = sha256_hex(b"x");
    let ok = json!({"fileName": "a.pdf", "contentType": "application/pdf", "size": 1000, "sha256": sha});
    let with = |field: &str, value: Value| {
        let mut body = ok.clone();
        body[field] = value;
        body
    };
    let cases = [
        (with("contentType", json!("application/msword")), "contentType", "unsupported_type"),
        (with("contentType", json!("text/html")), "contentType", "unsupported_type"),
        (with("size", json!(0)), "size", "empty_file"),
        (with("size", json!(20 * 1024 * 1024 + 1)), "size", "too_large"),
        (with("sha256", json!("abc")), "sha256", "invalid_sha256"),
        (with("sha256", json!("z".repeat(64))), "sha256", "invalid_sha256"),
        (with("fileName", json!("")), "fileName", "required"),
        (with("fileName", json!("长".repeat(201))), "fileName", "too_long"),
        (with("fileName", json!("../../etc/passwd")), "fileName", "invalid_file_name"),
        (with("fileName", json!("a\\b.pdf")), "fileName", "invalid_file_name"),
        (with("fileName", json!("a\u{0}b.pdf")), "fileName", "invalid_file_name"),
    ];
    app.trips.reset();
    for (body, field, code) in cases {
        let r = app.call(Method::POST, "/api/v1/uploads", Some(body.clone()), Some(&token)).await;
        let problem = r.assert_problem(422, code);
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
        assert!(problem["errors"][0]["message"].as_str().is_some_and(|m| !m.is_ascii()), "a Chinese message");
    }
    // Every problem at once.
    let r = app
        .call(
            Method::POST,
            "/api/v1/uploads",
            Some(json!({"fileName": "", "contentType": "x", "size": 0, "sha256": ""})),
            Some(&token),
        )
        .await;
    assert_eq!(r.assert_problem(422, "validation_failed")["errors"].as_array().unwrap().len(), 4);
    // A negative size is not a number of bytes.
    app.call(Method::POST, "/api/v1/uploads", Some(with("size", json!(-1))), Some(&token))
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(app.trips.writes(), 0, "a refused declaration writes nothing");

    // Exactly 20 MB is allowed; logging in is required.
    let r = app
        .call(Method::POST, "/api/v1/uploads", Some(with("size", json!(20 * 1024 * 1024))), Some(&token))
        .await;
    assert_eq!(r.status, 201);
    app.call(Method::POST, "/api/v1/uploads", Some(ok), None).await.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn wrong_size_hash_or_type_leave_the_upload_pending_and_store_nothing() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let pdf = binary_pdf();
    let d = declared(&app, &token, "a.pdf", "application/pdf", &pdf).await;
    let id = d["uploadId"].as_str().unwrap();
    let url = d["uploadUrl"].as_str().unwrap();
    let path = app.local_path(url);

    // Fewer bytes than declared.
    app.put_bytes(url, "application/pdf", pdf[..pdf.len() - 1].to_vec())
        .await
        .assert_problem(422, "size_mismatch");
    // The right size, other bytes.
    let mut other = pdf.clone();
    other[20] ^= 0xFF;
    app.put_bytes(url, "application/pdf", other).await.assert_problem(422, "hash_mismatch");
    // More bytes than declared: refused early, by the announced length or while reading.
    let more = [pdf.as_slice(), b"x"].concat();
    put_with(&app, &path, more.clone(), Some(more.len())).await.assert_problem(413, "content_too_large");
    put_with(&app, &path, more, None).await.assert_problem(413, "content_too_large");

    for _ in 0..2 {
        let meta = app.get_as(&format!("/api/v1/uploads/{id}"), &token).await.json();
        assert_eq!(meta["status"], "pending");
    }
    assert_eq!(stored(&app, id).await, None, "nothing stored");

    // A PNG declared as a PDF: size and hash match the declaration, the content does not.
    let d2 = declared(&app, &token, "scan.pdf", "application/pdf", PNG).await;
    app.put_bytes(d2["uploadUrl"].as_str().unwrap(), "application/pdf", PNG.to_vec())
        .await
        .assert_problem(422, "type_mismatch");
    let id2 = d2["uploadId"].as_str().unwrap();
    assert_eq!(app.get_as(&format!("/api/v1/uploads/{id2}"), &token).await.json()["status"], "pending");
    assert_eq!(stored(&app, id2).await, None);

    // A corrected PUT to the same URL succeeds.
    let put = app.put_bytes(url, "application/pdf", pdf.clone()).await;
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.bytes));
    assert_eq!(stored(&app, id).await, Some(pdf));
}

#[tokio::test]
async fn a_verified_upload_accepts_the_same_bytes_again_and_refuses_others() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let pdf = sample_pdf();
    let d = declared(&app, &token, "a.pdf", "application/pdf", &pdf).await;
    let url = d["uploadUrl"].as_str().unwrap();
    assert_eq!(app.put_bytes(url, "application/pdf", pdf.clone()).await.status, 200);
    let verified_at = app
        .get_as(&format!("/api/v1/uploads/{}", d["uploadId"].as_str().unwrap()), &token)
        .await
        .json()["verifiedAt"]
        .clone();

    app.clock.advance(Duration::minutes(1));
    let again = app.put_bytes(url, "application/pdf", pdf.clone()).await;
    assert_eq!(again.status, 200, "a retried PUT is idempotent");
    assert_eq!(again.json()["status"], "verified");
    let mut other = pdf.clone();
    other[10] ^= 1;
    app.put_bytes(url, "application/pdf", other).await.assert_problem(409, "already_verified");
    app.put_bytes(url, "application/pdf", [pdf.as_slice(), b"more"].concat())
        .await
        .assert_problem(409, "already_verified");
    let id = d["uploadId"].as_str().unwrap();
    assert_eq!(stored(&app, id).await, Some(pdf));
    let meta = app.get_as(&format!("/api/v1/uploads/{id}"), &token).await.json();
    assert_eq!(meta["verifiedAt"], verified_at, "verified once");
}

#[tokio::test]
async fn signed_urls_refuse_tampering_expiry_and_reuse_elsewhere() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let pdf = sample_pdf();
    let a = declared(&app, &token, "a.pdf", "application/pdf", &pdf).await;
    let b = declared(&app, &token, "b.pdf", "application/pdf", &pdf).await;
    let (id_a, id_b) = (a["uploadId"].as_str().unwrap(), b["uploadId"].as_str().unwrap());
    let path = app.local_path(a["uploadUrl"].as_str().unwrap());
    let (route, query) = path.split_once('?').unwrap();
    let signature = query.split("signature=").nth(1).unwrap();
    let expires: i64 = query.split('&').next().unwrap().trim_start_matches("expires=").parse().unwrap();

    let flipped = format!("{}{}", if signature.starts_with('A') { "B" } else { "A" }, &signature[1..]);
    let attempts = [
        format!("{route}?expires={expires}&signature={flipped}"),
        format!("{route}?expires={}&signature={signature}", expires + 3600),
        format!("{route}?expires={expires}"),
        route.to_owned(),
        format!("{route}?expires=soon&signature={signature}"),
        format!("/api/v1/uploads/{id_b}/content?{query}"),
    ];
    for attempt in &attempts {
        put_with(&app, attempt, pdf.clone(), None).await.assert_problem(403, "invalid_signature");
    }
    // The upload URL is no download URL.
    app.get(&format!("/api/v1/files/{id_a}?{query}")).await.assert_problem(403, "invalid_signature");

    // Expired: 15 minutes later the URL is refused; a retried declaration gives a new one.
    app.clock.advance(Duration::minutes(15));
    put_with(&app, &path, pdf.clone(), None).await.assert_problem(403, "link_expired");
    for id in [id_a, id_b] {
        assert_eq!(stored(&app, id).await, None);
    }

    // Download URLs: tampered and expired ones are refused too.
    let token = fresh_token(&app).await;
    let id = app.upload_pdf(&token).await;
    let meta = app.get_as(&format!("/api/v1/uploads/{id}"), &token).await.json();
    let download = app.local_path(meta["downloadUrl"].as_str().unwrap());
    assert_eq!(app.get(&download).await.status, 200);
    let other_id = download.replace(&id, id_b);
    app.get(&other_id).await.assert_problem(403, "invalid_signature");
    app.get(&format!("{download}x")).await.assert_problem(403, "invalid_signature");
    app.clock.advance(Duration::minutes(5));
    let expired = app.get(&download).await;
    expired.assert_problem(403, "link_expired");
    assert_eq!(expired.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn an_upload_is_its_owners_alone() {
    let app = TestApp::spawn().await;
    let owner = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let other = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    let staff = app.staff_token("clerk-gy-amr").await;
    let id = app.upload_pdf(&owner).await;
    let pending = declared(&app, &owner, "b.pdf", "application/pdf", &sample_pdf()).await;

    let missing = app.get_as("/api/v1/uploads/0b7e6a1c-2f7d-4c39-9d0e-1f2a3b4c5d6e", &other).await;
    let missing_body = missing.assert_problem(404, "upload_not_found");
    for token in [&other, &staff] {
        for upload_id in [id.as_str(), pending["uploadId"].as_str().unwrap()] {
            let r = app.get_as(&format!("/api/v1/uploads/{upload_id}"), token).await;
            assert_eq!(
                r.assert_problem(404, "upload_not_found"),
                missing_body,
                "the same answer as a missing id"
            );
        }
    }
    app.get(&format!("/api/v1/uploads/{id}")).await.assert_problem(401, "unauthorized");
    app.get_as("/api/v1/uploads/not%20an%20id", &owner).await.assert_problem(404, "upload_not_found");

    // Nobody else may attach it: the same refusal as an id that does not exist.
    let store = app.ctx.store.as_ref();
    let owner_id = uploads::get(store, &id).await.unwrap().unwrap().owner_id;
    let stranger = app.get_as("/api/v1/me", &other).await.json()["userId"].as_str().unwrap().to_owned();
    assert!(matches!(uploads::usable(store, &id, &stranger).await, Err(UploadRefusal::NotFound)));
    assert!(matches!(
        uploads::usable(store, "no-such-upload", &owner_id).await,
        Err(UploadRefusal::NotFound)
    ));
    assert_eq!(uploads::usable(store, &id, &owner_id).await.unwrap().upload_id, id);
}

#[tokio::test]
async fn a_retried_declaration_with_the_same_idempotency_key_returns_the_same_upload() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let other = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    let pdf = sample_pdf();
    let body = json!({"fileName": "a.pdf", "contentType": "application/pdf", "size": pdf.len(), "sha256": sha256_hex(&pdf)});
    let post = |token: &str, key: Option<&str>, body: Value| {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/uploads")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            builder = builder.header("idempotency-key", key);
        }
        app.send(builder.body(axum::body::Body::from(body.to_string())).unwrap())
    };

    app.trips.reset();
    let first = post(&token, Some("k-1"), body.clone()).await;
    assert_eq!(first.status, 201);
    assert_eq!(app.trips.writes(), 1, "the upload and its key in one write");
    app.clock.advance(Duration::minutes(1));
    let second = post(&token, Some("k-1"), body.clone()).await;
    assert_eq!(second.status, 201, "{}", String::from_utf8_lossy(&second.bytes));
    let (first, second) = (first.json(), second.json());
    assert_eq!(first["uploadId"], second["uploadId"]);
    assert_ne!(first["uploadUrl"], second["uploadUrl"], "a fresh URL");
    assert_eq!(app.trips.writes(), 1, "the retry wrote nothing");

    // The same key for another declaration is refused; another user's key is their own.
    let mut changed = body.clone();
    changed["fileName"] = json!("b.pdf");
    post(&token, Some("k-1"), changed).await.assert_problem(422, "idempotency_key_reused");
    let theirs = post(&other, Some("k-1"), body.clone()).await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.json()["uploadId"], first["uploadId"]);
    // Without a key, every POST is a new upload.
    let a = post(&token, None, body.clone()).await.json();
    let b = post(&token, None, body.clone()).await.json();
    assert_ne!(a["uploadId"], b["uploadId"]);

    // After verification, the retry still names the same (now verified) upload.
    let put = app.put_bytes(second["uploadUrl"].as_str().unwrap(), "application/pdf", pdf.clone()).await;
    assert_eq!(put.status, 200);
    let third = post(&token, Some("k-1"), body).await.json();
    assert_eq!(
        (third["uploadId"].clone(), third["status"].as_str()),
        (first["uploadId"].clone(), Some("verified"))
    );
}

#[tokio::test]
async fn a_pending_upload_expires_after_a_day_and_a_verified_one_does_not() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let verified = app.upload_pdf(&token).await;
    let pending = declared(&app, &token, "a.pdf", "application/pdf", &sample_pdf()).await;
    let pending = pending["uploadId"].as_str().unwrap();
    app.clock.advance(Duration::hours(24));
    let token = fresh_token(&app).await;
    app.get_as(&format!("/api/v1/uploads/{pending}"), &token).await.assert_problem(404, "upload_not_found");
    let meta = app.get_as(&format!("/api/v1/uploads/{verified}"), &token).await;
    assert_eq!(meta.status, 200);
    assert_eq!(meta.json()["status"], "verified");
}

#[tokio::test]
async fn documents_larger_than_axums_default_body_limit_are_accepted() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let mut big = b"%PDF-1.7\n".to_vec();
    big.extend((0..3 * 1024 * 1024).map(|i: u32| (i % 251) as u8));
    let d = declared(&app, &token, "big.pdf", "application/pdf", &big).await;
    let put = app.put_bytes(d["uploadUrl"].as_str().unwrap(), "application/pdf", big.clone()).await;
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.bytes));
    assert_eq!(stored(&app, d["uploadId"].as_str().unwrap()).await, Some(big));
}
