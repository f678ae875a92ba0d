//! The online case end to end (§4.2.3–4.2.6): GIVEN a citizen and the demo staff, WHEN the
//! citizen applies and the department works the case, THEN every step follows the law's clock
//! and nobody sees or decides what is not theirs.

use http::{Method, Request};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wangban_tests::{TestApp, TestResponse, ids};

// Each of these runs on SQLite + local files and, with `--features emulators`, on DynamoDB + S3.
on_every_backend!(
    a_citizen_applies_supplements_once_and_is_approved_and_anyone_can_check_the_status,
    a_double_submit_with_one_idempotency_key_creates_one_case,
    concurrent_submits_with_one_idempotency_key_create_one_case,
    acceptance_numbers_are_sequential_per_department_and_a_withdrawn_case_cannot_be_accepted,
    an_application_not_decided_in_five_working_days_is_deemed_accepted_by_the_sweeper,
    an_upload_with_a_wrong_hash_cannot_be_attached,
);

const FOOD: &str = "GY-SCJG-001"; // 食品经营许可, gy-amr
const HYGIENE: &str = "GY-WJW-001"; // 公共场所卫生许可, gy-hc

/// A small valid PDF whose content differs by `tag`.
fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% wangban test document {tag}\n%%EOF\n").into_bytes()
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Declares and uploads a PDF; returns the upload id.
async fn upload(app: &TestApp, token: &str, tag: &str) -> String {
    let bytes = pdf(tag);
    let declared = app
        .post_as(
            "/api/v1/uploads",
            json!({"fileName": format!("{tag}.pdf"), "contentType": "application/pdf", "size": bytes.len(), "sha256": hex(&bytes)}),
            token,
        )
        .await;
    assert_eq!(declared.status, 201, "{}", String::from_utf8_lossy(&declared.bytes));
    let declared = declared.json();
    let put = app.put_declared(&declared, bytes).await;
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.bytes));
    declared["uploadId"].as_str().unwrap().to_owned()
}

/// Every required material of `code`, each with its own upload.
async fn materials_for(app: &TestApp, token: &str, code: &str) -> Vec<Value> {
    let guide = app.get(&format!("/api/v1/items/{code}")).await.json();
    let mut out = Vec::new();
    for m in guide["materials"].as_array().unwrap().iter().filter(|m| m["required"] == true) {
        let id = m["id"].as_str().unwrap();
        out.push(json!({"itemCode": code, "materialId": id, "uploadId": upload(app, token, &format!("{code}-{id}")).await}));
    }
    out
}

async fn apply(app: &TestApp, token: &str, codes: &[&str], materials: Vec<Value>) -> TestResponse {
    app.post_as(
        "/api/v1/applications",
        json!({"itemCodes": codes, "materials": materials, "form": {"经营场所": "贵阳市观山湖区"}}),
        token,
    )
    .await
}

async fn submitted(app: &TestApp, token: &str, code: &str) -> String {
    let materials = materials_for(app, token, code).await;
    let r = apply(app, token, &[code], materials).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()["applicationId"].as_str().unwrap().to_owned()
}

async fn accept(app: &TestApp, clerk: &str, id: &str) -> Value {
    let r = app
        .post_as(&format!("/api/v1/applications/{id}/acceptance"), json!({"decision": "accept"}), clerk)
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

fn queue_ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["applicationId"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_citizen_applies_supplements_once_and_is_approved_and_anyone_can_check_the_status(app: TestApp) {
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let reviewer = app.staff_token("reviewer-gy-amr").await;

    // GIVEN a complete application
    let id = submitted(&app, &citizen, FOOD).await;
    let mine = app.get_as("/api/v1/applications", &citizen).await.json();
    assert_eq!(queue_ids(&mine), std::slice::from_ref(&id));
    let case = app.get_as(&format!("/api/v1/applications/{id}"), &citizen).await.json();
    assert_eq!(case["status"], "submitted");
    assert!(case["acceptanceDueDate"].is_string() && case["workingDaysLeft"] == 5, "{case}");
    assert_eq!(case["documents"].as_array().unwrap().len(), 4);
    assert!(case["documents"][0]["downloadUrl"].is_string(), "documents come with fresh links");
    assert!(case.get("auditTrail").is_none(), "the applicant sees the timeline, not staff identities");

    // WHEN the clerk finds it in the acceptance queue and asks, once, for two materials
    assert_eq!(
        queue_ids(&app.get_as("/api/v1/work/queue?stage=acceptance", &clerk).await.json()),
        std::slice::from_ref(&id)
    );
    let notice = json!({"decision": "supplement", "reason": "材料不符合法定形式", "missing": [
        {"materialId": "business-licence", "problem": "营业执照复印件不清晰"},
        {"materialId": "layout-and-process", "problem": "缺少设备布局图"}]});
    let unknown =
        json!({"decision": "supplement", "missing": [{"materialId": "no-such-material", "problem": "x"}]});
    app.post_as(&format!("/api/v1/applications/{id}/acceptance"), unknown, &clerk)
        .await
        .assert_problem(422, "unknown_material");
    let r = app.post_as(&format!("/api/v1/applications/{id}/acceptance"), notice.clone(), &clerk).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    let case = app.get_as(&format!("/api/v1/applications/{id}"), &citizen).await.json();
    assert_eq!(case["status"], "supplement_requested");
    assert_eq!(case["supplementNotice"]["missing"].as_array().unwrap().len(), 2);
    assert!(
        case["supplementNotice"]["missing"][0]["name"].as_str().unwrap().contains("营业执照"),
        "named as in the guide"
    );
    assert!(case["workingDaysLeft"].is_null(), "the clock waits with the applicant");

    // THEN the citizen must answer every listed material
    let licence = upload(&app, &citizen, "licence-v2").await;
    let partial = app
        .post_as(
            &format!("/api/v1/applications/{id}/supplement"),
            json!({"materials": [{"materialId": "business-licence", "uploadId": licence}]}),
            &citizen,
        )
        .await;
    partial.assert_problem(422, "missing_material");
    let layout = upload(&app, &citizen, "layout-v2").await;
    let answered = app
        .post_as(
            &format!("/api/v1/applications/{id}/supplement"),
            json!({"materials": [{"materialId": "business-licence", "uploadId": licence}, {"materialId": "layout-and-process", "uploadId": layout}]}),
            &citizen,
        )
        .await;
    assert_eq!(answered.status, 200, "{}", String::from_utf8_lossy(&answered.bytes));
    assert_eq!(answered.json()["status"], "submitted");
    // A second supplement notice is refused: 一次性告知.
    app.post_as(&format!("/api/v1/applications/{id}/acceptance"), notice, &clerk)
        .await
        .assert_problem(409, "supplement_already_requested");

    // The clerk accepts: an acceptance number; a clerk cannot decide; the reviewer approves once.
    let accepted = accept(&app, &clerk, &id).await;
    assert_eq!(accepted["acceptanceNo"], "GY-AMR-2026-000001");
    assert_eq!(accepted["status"], "accepted");
    assert!(accepted["decisionDueDate"].is_string());
    let approve = json!({"decision": "approve", "opinion": "经审查，符合食品经营许可条件", "legalBasis": "《中华人民共和国食品安全法》第三十五条"});
    app.post_as(&format!("/api/v1/applications/{id}/review"), approve.clone(), &clerk)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        queue_ids(&app.get_as("/api/v1/work/queue?stage=review", &reviewer).await.json()),
        std::slice::from_ref(&id)
    );
    let r = app
        .post_as(&format!("/api/v1/applications/{id}/review"), json!({"decision": "start"}), &reviewer)
        .await;
    assert_eq!(r.json()["status"], "under_review");
    let r = app.post_as(&format!("/api/v1/applications/{id}/review"), approve.clone(), &reviewer).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["status"], "approved");
    app.post_as(&format!("/api/v1/applications/{id}/review"), approve, &reviewer)
        .await
        .assert_problem(409, "invalid_transition");
    assert!(queue_ids(&app.get_as("/api/v1/work/queue?stage=review", &reviewer).await.json()).is_empty());

    // Staff see the audit trail: who, role, from, to, why.
    let staff_view = app.get_as(&format!("/api/v1/applications/{id}"), &reviewer).await.json();
    let trail: Vec<&str> =
        staff_view["auditTrail"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(trail, ["submit", "request_supplement", "supplement", "accept", "start_review", "approve"]);
    assert_eq!(staff_view["auditTrail"][3]["actorRole"], "clerk");

    // The public status query: number + name, no personal data; a wrong name looks like a wrong number.
    let status =
        app.get("/api/v1/status?acceptanceNo=GY-AMR-2026-000001&applicantName=%E5%BC%A0%E4%B8%89").await;
    assert_eq!(status.status, 200);
    let body = status.json();
    assert_eq!(body["status"], "approved");
    let text = body.to_string();
    assert!(!text.contains("张三") && !text.contains(ids::PERSON_A) && !text.contains("clerk"), "{text}");
    let wrong_name =
        app.get("/api/v1/status?acceptanceNo=GY-AMR-2026-000001&applicantName=%E6%9D%8E%E5%9B%9B").await;
    let wrong_no =
        app.get("/api/v1/status?acceptanceNo=GY-AMR-2026-000999&applicantName=%E5%BC%A0%E4%B8%89").await;
    assert_eq!(
        wrong_name.assert_problem(404, "status_not_found"),
        wrong_no.assert_problem(404, "status_not_found")
    );

    // The inbox holds every notice the law requires; the public notice masks the name.
    let inbox = app.get_as("/api/v1/me/messages", &citizen).await.json();
    let titles: Vec<&str> =
        inbox["items"].as_array().unwrap().iter().map(|m| m["title"].as_str().unwrap()).collect();
    for expected in ["申请已提交", "补正材料一次性告知书", "受理通知书", "准予行政许可决定书"]
    {
        assert!(titles.iter().any(|t| t.starts_with(expected)), "{expected} in {titles:?}");
    }
    let public = app.get("/api/v1/public/decisions").await.json();
    assert_eq!(public["items"][0]["applicant"], "张**");
    assert_eq!(public["items"][0]["acceptanceNo"], "GY-AMR-2026-000001");
}

#[tokio::test]
async fn other_applicants_and_other_departments_cannot_see_or_decide_a_case() {
    let app = TestApp::spawn().await;
    let owner = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let stranger = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    let id = submitted(&app, &owner, FOOD).await;
    let other_clerk = app.staff_token("clerk-gy-hc").await;
    let other_reviewer = app.staff_token("reviewer-gy-hc").await;

    app.get_as(&format!("/api/v1/applications/{id}"), &stranger)
        .await
        .assert_problem(404, "application_not_found");
    app.get_as(&format!("/api/v1/applications/{id}"), &other_clerk)
        .await
        .assert_problem(404, "application_not_found");
    assert!(
        queue_ids(&app.get_as("/api/v1/work/queue?stage=acceptance", &other_clerk).await.json()).is_empty()
    );
    app.post_as(
        &format!("/api/v1/applications/{id}/acceptance"),
        json!({"decision": "accept"}),
        &other_clerk,
    )
    .await
    .assert_problem(404, "application_not_found");
    app.post_as(&format!("/api/v1/applications/{id}/withdraw"), json!({}), &stranger)
        .await
        .assert_problem(404, "application_not_found");
    app.post_as(&format!("/api/v1/applications/{id}/review"), json!({"decision": "start"}), &other_reviewer)
        .await
        .assert_problem(404, "application_not_found");
    // Nor the documents: an upload is its owner's alone.
    let case = app.get_as(&format!("/api/v1/applications/{id}"), &owner).await.json();
    let upload_id = case["documents"][0]["uploadId"].as_str().unwrap();
    assert_eq!(app.get_as(&format!("/api/v1/uploads/{upload_id}"), &stranger).await.status, 404);
    // Nor can a stranger attach the owner's upload to their own application.
    let stolen = apply(
        &app,
        &stranger,
        &[FOOD],
        vec![json!({"materialId": "application-form", "uploadId": upload_id})],
    )
    .await;
    assert_eq!(stolen.status, 422);
    assert!(stolen.json()["errors"].to_string().contains("upload_not_found"));
    // Citizens cannot reach the staff queue; staff cannot apply.
    app.get_as("/api/v1/work/queue?stage=acceptance", &owner).await.assert_problem(403, "forbidden");
    assert_eq!(apply(&app, &other_clerk, &[FOOD], vec![]).await.status, 403);
    // Nothing moved.
    let case = app.get_as(&format!("/api/v1/applications/{id}"), &owner).await.json();
    assert_eq!((case["status"].as_str(), case["timeline"].as_array().unwrap().len()), (Some("submitted"), 1));
}

#[tokio::test]
async fn missing_materials_are_all_listed_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let form = upload(&app, &citizen, "form").await;
    let r = apply(&app, &citizen, &[FOOD], vec![json!({"materialId": "application-form", "uploadId": form})])
        .await;
    let body = r.assert_problem(422, "validation_failed");
    let missing =
        body["errors"].as_array().unwrap().iter().filter(|e| e["code"] == "missing_material").count();
    assert_eq!(missing, 3, "business licence, layout, food safety rules: {body}");
    assert!(queue_ids(&app.get_as("/api/v1/applications", &citizen).await.json()).is_empty());
    apply(&app, &citizen, &["NO-SUCH-ITEM"], vec![]).await.assert_problem(422, "item_not_found");
    apply(&app, &citizen, &[], vec![]).await.assert_problem(422, "invalid_value");
}

async fn a_double_submit_with_one_idempotency_key_creates_one_case(app: TestApp) {
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let materials = materials_for(&app, &citizen, FOOD).await;
    let body = json!({"itemCodes": [FOOD], "materials": materials});
    let send = |body: Value| {
        let request = Request::post("/api/v1/applications")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {citizen}"))
            .header("idempotency-key", "click-1")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        app.send(request)
    };
    let first = send(body.clone()).await;
    let second = send(body.clone()).await;
    assert_eq!((first.status.as_u16(), second.status.as_u16()), (201, 201));
    assert_eq!(first.json()["applicationId"], second.json()["applicationId"]);
    assert_eq!(queue_ids(&app.get_as("/api/v1/applications", &citizen).await.json()).len(), 1);
    let mut other = body;
    other["form"] = json!({"changed": true});
    send(other).await.assert_problem(422, "idempotency_key_reused");
}

async fn concurrent_submits_with_one_idempotency_key_create_one_case(app: TestApp) {
    let app = std::sync::Arc::new(app);
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let materials = materials_for(&app, &citizen, FOOD).await;
    let body = json!({"itemCodes": [FOOD], "materials": materials});
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let (app, citizen, body) = (app.clone(), citizen.clone(), body.clone());
            tokio::spawn(async move {
                let request = Request::post("/api/v1/applications")
                    .header("content-type", "application/json")
                    .header("authorization", format!("Bearer {citizen}"))
                    .header("idempotency-key", "double-click")
                    .body(axum::body::Body::from(body.to_string()))
                    .unwrap();
                let r = app.send(request).await;
                (r.status.as_u16(), r.json()["applicationId"].clone())
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let (status, id) = task.await.unwrap();
        assert_eq!(status, 201, "every retry gets the one application");
        ids.insert(id.to_string());
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(queue_ids(&app.get_as("/api/v1/applications", &citizen).await.json()).len(), 1);
}

#[tokio::test]
async fn a_joint_application_shares_uploads_and_goes_to_each_department() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let shared_licence = upload(&app, &citizen, "licence").await;
    let mut materials: Vec<Value> = Vec::new();
    for code in [FOOD, HYGIENE] {
        for m in materials_for(&app, &citizen, code).await {
            if m["materialId"] != "business-licence" {
                materials.push(m);
            }
        }
    }
    // One upload, no itemCode: it serves both items.
    materials.push(json!({"materialId": "business-licence", "uploadId": shared_licence}));
    let r = apply(&app, &citizen, &[FOOD, HYGIENE], materials).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let body = r.json();
    let cases = body["applications"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let amr = app
        .get_as("/api/v1/work/queue?stage=acceptance", &app.staff_token("clerk-gy-amr").await)
        .await
        .json();
    let hc =
        app.get_as("/api/v1/work/queue?stage=acceptance", &app.staff_token("clerk-gy-hc").await).await.json();
    assert_eq!((queue_ids(&amr).len(), queue_ids(&hc).len()), (1, 1));
    for c in cases {
        let case = app
            .get_as(&format!("/api/v1/applications/{}", c["applicationId"].as_str().unwrap()), &citizen)
            .await
            .json();
        assert_eq!(case["groupId"], body["groupId"]);
        let licence = case["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["materialId"] == "business-licence")
            .unwrap();
        assert_eq!(licence["uploadId"], shared_licence.as_str());
    }
}

async fn acceptance_numbers_are_sequential_per_department_and_a_withdrawn_case_cannot_be_accepted(
    app: TestApp,
) {
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let first = submitted(&app, &citizen, FOOD).await;
    let second = submitted(&app, &citizen, "GY-SCJG-002").await;
    let withdrawn = submitted(&app, &citizen, FOOD).await;
    assert_eq!(accept(&app, &clerk, &first).await["acceptanceNo"], "GY-AMR-2026-000001");
    assert_eq!(accept(&app, &clerk, &second).await["acceptanceNo"], "GY-AMR-2026-000002");
    let r = app
        .post_as(
            &format!("/api/v1/applications/{withdrawn}/withdraw"),
            json!({"reason": "暂不办理"}),
            &citizen,
        )
        .await;
    assert_eq!(r.json()["status"], "withdrawn");
    app.post_as(
        &format!("/api/v1/applications/{withdrawn}/acceptance"),
        json!({"decision": "accept"}),
        &clerk,
    )
    .await
    .assert_problem(409, "invalid_transition");
    app.post_as(&format!("/api/v1/applications/{first}/acceptance"), json!({"decision": "accept"}), &clerk)
        .await
        .assert_problem(409, "invalid_transition");
    // The refused attempts took no number.
    let third = submitted(&app, &citizen, FOOD).await;
    assert_eq!(accept(&app, &clerk, &third).await["acceptanceNo"], "GY-AMR-2026-000003");
}

async fn an_application_not_decided_in_five_working_days_is_deemed_accepted_by_the_sweeper(app: TestApp) {
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let id = submitted(&app, &citizen, FOOD).await; // Thu 2026-12-03: due Thu 2026-12-10
    app.clock.advance(time::Duration::days(7)); // Thu 10 Dec: still in time
    let report = wangban_decision::sweeper::sweep(&app.ctx).await.unwrap();
    assert_eq!(report.deemed_accepted, 0);
    // A week later the morning's token has expired: log in again.
    let citizen = app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    let case = app.get_as(&format!("/api/v1/applications/{id}"), &citizen).await.json();
    assert_eq!((case["clock"].as_str(), case["workingDaysLeft"].as_i64()), (Some("due_soon"), Some(0)));
    app.clock.advance(time::Duration::days(1)); // Fri 11 Dec
    let report = wangban_decision::sweeper::sweep(&app.ctx).await.unwrap();
    assert_eq!(report.deemed_accepted, 1);
    let again = wangban_decision::sweeper::sweep(&app.ctx).await.unwrap();
    assert_eq!(again.deemed_accepted, 0, "idempotent");
    let citizen = app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    let case = app.get_as(&format!("/api/v1/applications/{id}"), &citizen).await.json();
    assert_eq!((case["status"].as_str(), case["deemedAccepted"].as_bool()), (Some("accepted"), Some(true)));
    assert_eq!(case["acceptedOn"], "2026-12-03", "as of receipt");
    assert_eq!(case["acceptanceNo"], "GY-AMR-2026-000001", "numbered, so the public can query it");
    let inbox = app.get_as("/api/v1/me/messages", &citizen).await.json();
    assert!(inbox["items"][0]["title"].as_str().unwrap().starts_with("依法视为受理"));
}

async fn an_upload_with_a_wrong_hash_cannot_be_attached(app: TestApp) {
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let bytes = pdf("real");
    let declared = app
        .post_as(
            "/api/v1/uploads",
            json!({"fileName": "x.pdf", "contentType": "application/pdf", "size": bytes.len(), "sha256": hex(b"something else")}),
            &citizen,
        )
        .await
        .json();
    let put = app.put_declared(&declared, bytes).await;
    let id = declared["uploadId"].as_str().unwrap();
    let seen = app.get_as(&format!("/api/v1/uploads/{id}"), &citizen).await.json();
    assert_eq!(seen["status"], "pending", "{seen}");
    if put.status.is_success() {
        // S3 stored what it got (moto ignores the signed checksum): completing it refuses it.
        assert_eq!(seen["problem"]["code"], "hash_mismatch", "{seen}");
    } else {
        put.assert_problem(422, "hash_mismatch");
    }
    let mut materials = materials_for(&app, &citizen, FOOD).await;
    materials[0]["uploadId"] = declared["uploadId"].clone();
    let r = apply(&app, &citizen, &[FOOD], materials).await;
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"].to_string().contains("upload_not_verified"));
}

#[tokio::test]
async fn a_reviewer_extends_once_by_at_most_ten_working_days_and_a_denial_states_the_rights() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let reviewer = app.staff_token("reviewer-gy-amr").await;
    let id = submitted(&app, &citizen, FOOD).await;
    let accepted = accept(&app, &clerk, &id).await;
    let before = accepted["decisionDueDate"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/applications/{id}/extension");
    app.post_as(&url, json!({"reason": "需现场核查", "workingDays": 11}), &reviewer)
        .await
        .assert_problem(422, "invalid_command");
    app.post_as(&url, json!({"reason": "需现场核查", "workingDays": 5}), &clerk)
        .await
        .assert_problem(403, "forbidden");
    let r = app.post_as(&url, json!({"reason": "需现场核查", "workingDays": 5}), &reviewer).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert!(r.json()["decisionDueDate"].as_str().unwrap() > before.as_str());
    app.post_as(&url, json!({"reason": "再次延长", "workingDays": 1}), &reviewer)
        .await
        .assert_problem(409, "already_extended");
    let deny = json!({"decision": "deny", "opinion": "经营场所与生活区未有效分隔", "legalBasis": "《中华人民共和国食品安全法》第三十五条"});
    let r = app.post_as(&format!("/api/v1/applications/{id}/review"), deny, &reviewer).await;
    assert_eq!(r.json()["status"], "denied");
    let inbox = app.get_as("/api/v1/me/messages", &citizen).await.json();
    let denial = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"].as_str().unwrap().starts_with("不予行政许可"))
        .unwrap();
    assert!(denial["body"].as_str().unwrap().contains("行政复议"));
}

/// A plausible 2027 notice (the real one is published in late 2026); it satisfies the checks.
fn notice_2027() -> Value {
    json!({"notice": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
           "holidays": [["元旦", "2027-01-01", "2027-01-03"], ["春节", "2027-02-05", "2027-02-13"],
                        ["清明节", "2027-04-03", "2027-04-05"], ["劳动节", "2027-05-01", "2027-05-05"],
                        ["端午节", "2027-06-09", "2027-06-11"], ["中秋节", "2027-09-15", "2027-09-17"],
                        ["国庆节", "2027-10-01", "2027-10-07"]],
           "workdays": ["2027-02-20", "2027-04-25", "2027-09-26", "2027-10-09"]})
}

#[tokio::test]
async fn loading_next_years_notice_makes_provisional_deadlines_final_and_records_it() {
    let app = TestApp::spawn().await;
    app.clock.advance(time::Duration::days(21)); // Thu 2026-12-24: 10 working days reach 2027
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let admin = app.staff_token("admin").await;
    let id = submitted(&app, &citizen, "GY-SCJG-002").await;
    let accepted = accept(&app, &clerk, &id).await;
    assert_eq!(accepted["provisional"], true, "{accepted}");
    let before = accepted["decisionDueDate"].as_str().unwrap().to_owned();
    assert!(before.starts_with("2027"), "{before}");

    app.call(Method::PUT, "/api/v1/admin/calendar/2027", Some(notice_2027()), Some(&clerk))
        .await
        .assert_problem(403, "forbidden");
    // A department's administrator manages its windows, not the national holiday calendar.
    let department_admin = app.staff_token("admin-gy-amr").await;
    app.call(Method::PUT, "/api/v1/admin/calendar/2027", Some(notice_2027()), Some(&department_admin))
        .await
        .assert_problem(403, "forbidden");
    let mut wrong = notice_2027();
    wrong["workdays"] = json!(["2027-01-04"]); // a Monday
    app.call(Method::PUT, "/api/v1/admin/calendar/2027", Some(wrong), Some(&admin))
        .await
        .assert_problem(422, "invalid_notice");

    let r = app.call(Method::PUT, "/api/v1/admin/calendar/2027", Some(notice_2027()), Some(&admin)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["recomputed"], 1);
    let years = app.get("/api/v1/admin/calendar").await.json();
    assert_eq!(years["loadedYears"], json!([2025, 2026, 2027]));
    let case = app.get_as(&format!("/api/v1/applications/{id}"), &clerk).await.json();
    assert_eq!(case["provisional"], false, "{case}");
    let last = case["auditTrail"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["actorRole"].as_str()),
        (Some("recompute_deadlines"), Some("system"))
    );
    let inbox = app.get_as("/api/v1/me/messages", &citizen).await.json();
    let titles: Vec<&str> =
        inbox["items"].as_array().unwrap().iter().map(|m| m["title"].as_str().unwrap()).collect();
    assert!(titles[0].starts_with("办理期限调整"), "the applicant is told: {titles:?}");
    let accepted_notice = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"].as_str().unwrap().starts_with("受理通知书"))
        .unwrap();
    assert!(
        accepted_notice["body"].as_str().unwrap().contains("暂定期限"),
        "the first date was said to be provisional"
    );
}

#[tokio::test]
async fn a_refusal_to_accept_states_the_reason_and_the_applicants_options() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let id = submitted(&app, &citizen, FOOD).await;
    let url = format!("/api/v1/applications/{id}/acceptance");
    app.post_as(&url, json!({"decision": "not_accept", "reason": " "}), &clerk)
        .await
        .assert_problem(422, "invalid_command");
    let r = app
        .post_as(&url, json!({"decision": "not_accept", "reason": "申请事项不属于本机关职权范围"}), &clerk)
        .await;
    assert_eq!(r.json()["status"], "not_accepted");
    let inbox = app.get_as("/api/v1/me/messages", &citizen).await.json();
    let notice = &inbox["items"][0];
    assert!(notice["title"].as_str().unwrap().starts_with("不予受理决定书"));
    let body = notice["body"].as_str().unwrap();
    assert!(
        body.contains("不属于本机关职权范围")
            && body.contains("向有关行政机关申请")
            && body.contains("行政复议")
    );
    app.post_as(&format!("/api/v1/applications/{id}/withdraw"), json!({}), &citizen)
        .await
        .assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn edge_inputs_of_the_case_routes_get_clear_answers() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let admin = app.staff_token("admin").await;
    let id = submitted(&app, &citizen, FOOD).await;
    let notice = json!({"decision": "supplement", "missing": [{"materialId": "business-licence", "problem": "不清晰"}]});
    app.post_as(&format!("/api/v1/applications/{id}/acceptance"), notice, &clerk).await;

    // Supplementing with a material the item does not have is refused.
    let licence = upload(&app, &citizen, "licence").await;
    let r = app
        .post_as(
            &format!("/api/v1/applications/{id}/supplement"),
            json!({"materials": [{"materialId": "business-licence", "uploadId": licence}, {"materialId": "no-such", "uploadId": licence}]}),
            &citizen,
        )
        .await;
    r.assert_problem(422, "unknown_material");

    // An oversized withdraw body is 413 problem+json; a withdrawn case shows no open notice.
    let big = json!({"reason": "x".repeat(3 * 1024 * 1024)});
    app.post_as(&format!("/api/v1/applications/{id}/withdraw"), big, &citizen)
        .await
        .assert_problem(413, "payload_too_large");
    let r =
        app.call(Method::POST, &format!("/api/v1/applications/{id}/withdraw"), None, Some(&citizen)).await;
    assert_eq!(r.json()["status"], "withdrawn", "an empty body is fine");
    let case = app.get_as(&format!("/api/v1/applications/{id}"), &citizen).await.json();
    assert!(case["supplementNotice"].is_null(), "{case}");

    // The calendar: the role is checked before the body; absurd years are refused.
    app.call(Method::PUT, "/api/v1/admin/calendar/2027", Some(json!({})), Some(&clerk))
        .await
        .assert_problem(403, "forbidden");
    let empty = json!({"notice": "x", "holidays": [], "workdays": []});
    for year in ["0", "-5", "10000", "2147483647"] {
        let r = app
            .call(Method::PUT, &format!("/api/v1/admin/calendar/{year}"), Some(empty.clone()), Some(&admin))
            .await;
        assert!(r.status == 422 || r.status == 400, "{year}: {}", r.status);
    }
    assert_eq!(app.get("/api/v1/admin/calendar").await.json()["loadedYears"], json!([2025, 2026]));
}

#[tokio::test]
async fn clerks_accepting_different_cases_at_once_all_succeed_with_distinct_numbers() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        ids.push(submitted(&app, &citizen, FOOD).await);
    }
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let (app, clerk) = (app.clone(), clerk.clone());
            tokio::spawn(async move {
                let r = app
                    .post_as(
                        &format!("/api/v1/applications/{id}/acceptance"),
                        json!({"decision": "accept"}),
                        &clerk,
                    )
                    .await;
                (r.status.as_u16(), r.json()["acceptanceNo"].as_str().unwrap_or_default().to_owned())
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        let (status, no) = t.await.unwrap();
        assert_eq!(status, 200, "{no}");
        numbers.push(no);
    }
    numbers.sort();
    let expected: Vec<String> = (1..=8).map(|n| format!("GY-AMR-2026-{n:06}")).collect();
    assert_eq!(numbers, expected, "unique, sequential, no gaps");
}
