//! GIVEN the platform on DynamoDB + S3 (moto) WHEN a citizen uploads a document to the presigned
//! URL THEN the upload completes when it is next looked at, and downloads byte for byte from a
//! presigned S3 URL.

use serde_json::json;
use sha2::{Digest, Sha256};
use wangban_tests::{TestApp, client, doc_contract::binary_pdf, ids};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_to_s3_is_completed_when_its_owner_reads_it_and_downloads_byte_for_byte() {
    let app = TestApp::spawn_cloud().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let pdf = binary_pdf(9);
    let declared = app.declare_upload(&token, "营业执照.pdf", "application/pdf", &pdf).await;
    assert_eq!(declared.status, 201, "{}", String::from_utf8_lossy(&declared.bytes));
    let declared = declared.json();
    let id = declared["uploadId"].as_str().unwrap();
    let url = declared["uploadUrl"].as_str().unwrap();
    assert!(url.contains(&format!("/incoming/uploads/{id}?")) && url.contains("X-Amz-Signature="), "{url}");
    let checksum = base64_sha256(&pdf);
    assert_eq!(
        declared["headers"],
        json!({"content-type": "application/pdf", "x-amz-checksum-sha256": checksum}),
        "the client sends exactly the signed headers"
    );

    let pending = app.get_as(&format!("/api/v1/uploads/{id}"), &token).await.json();
    assert_eq!(pending["status"], "pending", "nothing arrived yet: {pending}");
    assert!(app.put_declared(&declared, pdf.clone()).await.status.is_success());

    let seen = app.get_as(&format!("/api/v1/uploads/{id}"), &token).await.json();
    assert_eq!(seen["status"], "verified", "{seen}");
    let link = seen["downloadUrl"].as_str().unwrap();
    assert!(link.contains(&format!("/uploads/{id}?")) && !link.contains("incoming"), "{link}");
    let file = client::get(link).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.bytes, pdf, "byte-exact through S3");
    assert_eq!(file.header("content-type"), Some("application/pdf"));
    // moto ignores the response headers a presigned GET asks for (S3 applies them): check the ask.
    for asked in [
        "response-content-disposition=attachment",
        "response-cache-control=private",
        "response-content-type=application",
    ] {
        assert!(link.contains(asked), "{asked} in {link}");
    }
}

fn base64_sha256(bytes: &[u8]) -> String {
    use base64::{Engine, engine::general_purpose::STANDARD};
    STANDARD.encode(Sha256::digest(bytes))
}
