//! Supervision complaints (§4.4) and the government mailbox end to end: GIVEN the demo
//! catalogue and staff, WHEN someone complains or writes, THEN it is tracked by number and
//! query code, answered by the right department on the working-day clock, rated, published
//! without personal data, and nobody else sees it.

use axum::body::Body;
use http::{Method, Request};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use wangban_shared::{
    domain::{
        case::{Case, NewCase},
        catalogue::ApplicantKind,
        ids::ItemCode,
    },
    store::{cases, keys},
};
use wangban_tests::{TestApp, TestResponse, ids};

const FOOD: &str = "GY-SCJG-001"; // 食品经营许可, gy-amr

fn complaint_body() -> Value {
    json!({
        "subject": "食品经营许可超过承诺时限",
        "content": "我是李红梅，10月20日提交的食品经营许可申请已超过承诺时限仍未办结，联系电话13985012345。",
        "itemCode": FOOD,
        "contact": {"name": "李红梅", "phone": "139 8501 2345"},
        "publishConsent": true,
    })
}

fn letter_body(department: &str) -> Value {
    json!({
        "subject": "建议提供经营布局图示例",
        "content": "能否在办事指南中提供经营场所平面布局图的示例？",
        "departmentId": department,
        "addressee": "head",
        "contact": {"phone": ids::PHONE_B},
        "publishConsent": true,
    })
}

async fn post(app: &TestApp, uri: &str, body: Value, token: Option<&str>) -> TestResponse {
    app.call(Method::POST, uri, Some(body), token).await
}

/// Submits and returns (number, query code).
async fn submit(app: &TestApp, path: &str, body: Value, token: Option<&str>) -> (String, String) {
    let r = post(app, path, body, token).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let body = r.json();
    let no = body["complaintNo"].as_str().or(body["letterNo"].as_str()).unwrap().to_owned();
    (no, body["queryCode"].as_str().unwrap().to_owned())
}

async fn complain(app: &TestApp) -> (String, String) {
    submit(app, "/api/v1/complaints", complaint_body(), None).await
}

fn numbers(list: &Value, field: &str) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|i| i[field].as_str().unwrap().to_owned()).collect()
}

async fn assign(app: &TestApp, supervisor: &str, no: &str, department: &str) -> Value {
    let r = post(
        app,
        &format!("/api/v1/complaints/{no}/assign"),
        json!({"departmentId": department}),
        Some(supervisor),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

async fn reply(app: &TestApp, staff: &str, no: &str, body: Value) -> Value {
    let r = post(app, &format!("/api/v1/complaints/{no}/reply"), body, Some(staff)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

#[tokio::test]
async fn an_anonymous_complaint_is_tracked_by_number_and_code_answered_rated_and_published() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff_token("supervisor").await;
    let clerk = app.staff_token("clerk-gy-amr").await;

    // GIVEN an anonymous complaint about the food business licence
    let r = post(&app, "/api/v1/complaints", complaint_body(), None).await;
    assert_eq!(r.status, 201);
    let created = r.json();
    let (no, code) = (created["complaintNo"].as_str().unwrap(), created["queryCode"].as_str().unwrap());
    assert_eq!(no, "TS-2026-000001");
    assert_eq!(code.len(), 8);
    assert_eq!(created["status"], "submitted");
    assert_eq!(created["replyDueDate"], "2026-12-24", "15 working days after Thu 2026-12-03");
    assert!(created["notice"].as_str().unwrap().contains("只显示这一次"));

    // The store keeps only the code's digest.
    let stored = app.ctx.store.get(&keys::tracked_pk(no), keys::TRACKED).await.unwrap().unwrap();
    assert!(!stored.body.to_string().contains(code));

    // WHEN the complainant looks it up by number and code
    let seen = app.get(&format!("/api/v1/complaints/{no}?queryCode={code}")).await.json();
    assert_eq!(
        (seen["status"].as_str(), seen["itemName"].as_str()),
        (Some("submitted"), Some("食品经营许可"))
    );
    assert_eq!(seen["departmentId"], "gy-amr", "the item's department is suggested");
    assert_eq!(seen["contact"]["phone"], "139****2345", "masked even for the code holder");
    assert!(seen.get("auditTrail").is_none());
    // A lower-case code works too (read over the phone).
    let lower =
        app.get(&format!("/api/v1/complaints/{}?queryCode={}", no.to_lowercase(), code.to_lowercase())).await;
    assert_eq!(lower.status, 200);

    // THEN the supervisors see it unassigned; the department does not yet
    let queue = app.get_as("/api/v1/complaints/queue?view=unassigned", &supervisor).await.json();
    assert_eq!(numbers(&queue, "complaintNo"), [no]);
    assert_eq!(queue["items"][0]["contact"]["phone"], "139****2345", "masked in lists");
    assert!(numbers(&app.get_as("/api/v1/complaints/queue", &clerk).await.json(), "complaintNo").is_empty());

    // WHEN a supervisor assigns it to the market regulator, whose clerk answers and publishes
    let assigned = assign(&app, &supervisor, no, "gy-amr").await;
    assert_eq!(
        (assigned["status"].as_str(), assigned["assignedDepartmentId"].as_str()),
        (Some("assigned"), Some("gy-amr"))
    );
    assert_eq!(assigned["contact"]["phone"], "13985012345", "staff see the full number to call back");
    assert_eq!(numbers(&app.get_as("/api/v1/complaints/queue", &clerk).await.json(), "complaintNo"), [no]);
    let answer = "李红梅您好，经核查，您的申请因现场核查排期延误超时，已于今日办结，许可证已寄出。";
    let replied = reply(&app, &clerk, no, json!({"content": answer, "publish": true})).await;
    assert_eq!(replied["status"], "replied");
    let publication = &replied["publication"];
    assert_eq!(
        publication["answer"],
        "李某您好，经核查，您的申请因现场核查排期延误超时，已于今日办结，许可证已寄出。"
    );
    assert!(!publication.to_string().contains("13985012345") && !publication.to_string().contains("李红梅"));
    assert!(numbers(&app.get_as("/api/v1/complaints/queue", &clerk).await.json(), "complaintNo").is_empty());

    // THEN the complainant reads the reply and rates it; the complaint is closed
    let seen = app.get(&format!("/api/v1/complaints/{no}?queryCode={code}")).await.json();
    assert_eq!(seen["replies"][0]["content"], answer);
    assert!(seen["replies"][0].get("staffId").is_none(), "no staff identities for the complainant");
    assert_eq!(seen["canRate"], true);
    let rated = post(
        &app,
        &format!("/api/v1/complaints/{no}/rating?queryCode={code}"),
        json!({"level": "satisfied", "comment": "处理及时"}),
        None,
    )
    .await;
    assert_eq!(rated.status, 200, "{}", String::from_utf8_lossy(&rated.bytes));
    let rated = rated.json();
    assert_eq!(
        (rated["status"].as_str(), rated["ratings"][0]["levelLabel"].as_str()),
        (Some("closed"), Some("满意"))
    );
    let actions: Vec<&str> =
        rated["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["submit", "assign", "reply", "rate"]);

    // AND the question and answer are public, without personal data (§4.1.1 b)
    let public = app.get("/api/v1/public/replies").await.json();
    let item = &public["items"][0];
    assert_eq!((item["kind"].as_str(), item["number"].as_str()), (Some("complaint"), Some(no)));
    assert_eq!(
        item["question"],
        "我是李某，10月20日提交的食品经营许可申请已超过承诺时限仍未办结，联系电话[手机号码已隐去]。"
    );
    assert_eq!((item["departmentId"].as_str(), item["itemCode"].as_str()), (Some("gy-amr"), Some(FOOD)));

    // The staff view carries the audit trail: who, in which role, from and to.
    let staff_view = app.get_as(&format!("/api/v1/complaints/{no}"), &supervisor).await.json();
    let trail: Vec<(String, String)> = staff_view["auditTrail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actorRole"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        trail,
        [("submit", "submitter"), ("assign", "supervisor"), ("reply", "clerk"), ("rate", "submitter")]
            .map(|(a, r)| (a.to_owned(), r.to_owned()))
    );
    assert_eq!(staff_view["auditTrail"][0]["actorId"], "anonymous");
}

#[tokio::test]
async fn every_private_complaint_and_letter_is_refused_to_the_wrong_user_with_the_same_404() {
    let app = TestApp::spawn().await;
    let author = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let supervisor = app.staff_token("supervisor").await;
    let other_person = {
        app.register_person("李四", ids::PERSON_B, ids::PHONE_B).await;
        app.login(ids::PERSON_B, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned()
    };
    let (no, code) = submit(&app, "/api/v1/complaints", complaint_body(), Some(&author)).await;
    assign(&app, &supervisor, &no, "gy-amr").await;
    let (letter, letter_code) = submit(&app, "/api/v1/letters", letter_body("gy-hc"), None).await;

    // One and the same 404 for a wrong code, a number that does not exist, a malformed number,
    // a code of another submission and a letter number on the complaint route.
    let missing = app
        .get(&format!("/api/v1/complaints/{no}?queryCode=WRONG234"))
        .await
        .assert_problem(404, "complaint_not_found");
    for uri in [
        "/api/v1/complaints/TS-2026-000099?queryCode=WRONG234".to_owned(),
        format!("/api/v1/complaints/TS-2026-000099?queryCode={code}"),
        "/api/v1/complaints/not-a-number?queryCode=WRONG234".to_owned(),
        format!("/api/v1/complaints/{no}?queryCode={letter_code}"),
        format!("/api/v1/complaints/{letter}?queryCode={letter_code}"),
    ] {
        assert_eq!(app.get(&uri).await.assert_problem(404, "complaint_not_found"), missing, "{uri}");
    }
    app.get(&format!("/api/v1/complaints/{no}")).await.assert_problem(400, "query_code_required");

    // Tokens: the author, the holding department and supervisors see it; nobody else.
    for (token, status) in [
        (&author, 200),
        (&supervisor, 200),
        (&app.staff_token("reviewer-gy-amr").await, 200),
        (&app.staff_token("clerk-gy-hc").await, 404),
        (&app.staff_token("admin").await, 404),
        (&other_person, 404),
    ] {
        let r = app.get_as(&format!("/api/v1/complaints/{no}"), token).await;
        assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.bytes));
        if status == 404 {
            assert_eq!(r.json(), missing);
        }
    }
    let as_author = app.get_as(&format!("/api/v1/complaints/{no}"), &author).await.json();
    assert!(as_author.get("auditTrail").is_none(), "the author gets the complainant's view");
    assert_eq!(as_author["contact"]["name"], "李红梅");

    // Acting: a stranger cannot rate, by token or by a wrong code.
    let rating = |uri: String, token: Option<String>| {
        let app = &app;
        async move { app.call(Method::POST, &uri, Some(json!({"level": "dissatisfied"})), token.as_deref()).await }
    };
    rating(format!("/api/v1/complaints/{no}/rating"), Some(other_person.clone()))
        .await
        .assert_problem(404, "complaint_not_found");
    rating(format!("/api/v1/complaints/{no}/rating?queryCode=WRONG234"), None)
        .await
        .assert_problem(404, "complaint_not_found");
    rating(format!("/api/v1/complaints/{no}/rating"), None).await.assert_problem(400, "query_code_required");

    // Letters alike: the addressed department and the writer's code only.
    let missing_letter = app
        .get(&format!("/api/v1/letters/{letter}?queryCode=WRONG234"))
        .await
        .assert_problem(404, "letter_not_found");
    let amr = app.get_as(&format!("/api/v1/letters/{letter}"), &app.staff_token("clerk-gy-amr").await).await;
    assert_eq!(amr.assert_problem(404, "letter_not_found"), missing_letter);
    assert_eq!(
        app.get_as(&format!("/api/v1/letters/{letter}"), &app.staff_token("clerk-gy-hc").await).await.status,
        200
    );
    assert_eq!(app.get(&format!("/api/v1/letters/{letter}?queryCode={letter_code}")).await.status, 200);
    app.get_as(&format!("/api/v1/letters/{letter}"), &other_person)
        .await
        .assert_problem(404, "letter_not_found");

    // Lists: only one's own.
    assert_eq!(
        numbers(&app.get_as("/api/v1/complaints/mine", &author).await.json(), "complaintNo"),
        std::slice::from_ref(&no)
    );
    assert!(
        numbers(&app.get_as("/api/v1/complaints/mine", &other_person).await.json(), "complaintNo").is_empty()
    );
    app.get("/api/v1/complaints/mine").await.assert_problem(401, "unauthorized");
    app.get_as("/api/v1/complaints/mine", &supervisor).await.assert_problem(403, "forbidden");
    app.get_as("/api/v1/complaints/queue", &author).await.assert_problem(403, "forbidden");
    app.get("/api/v1/letters/queue").await.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn staff_act_only_within_their_department_and_only_supervisors_assign() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff_token("supervisor").await;
    let clerk_amr = app.staff_token("clerk-gy-amr").await;
    let clerk_hc = app.staff_token("clerk-gy-hc").await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let (no, _) = complain(&app).await;
    let reply_uri = format!("/api/v1/complaints/{no}/reply");
    let assign_uri = format!("/api/v1/complaints/{no}/assign");
    let answer = json!({"content": "已处理"});

    // Unassigned: no department holds it, so nobody can answer it.
    post(&app, &reply_uri, answer.clone(), Some(&clerk_amr)).await.assert_problem(404, "complaint_not_found");
    for token in [&clerk_amr, &citizen, &app.staff_token("admin").await] {
        post(&app, &assign_uri, json!({"departmentId": "gy-amr"}), Some(token))
            .await
            .assert_problem(403, "forbidden");
    }
    post(&app, &assign_uri, json!({"departmentId": "gy-amr"}), None)
        .await
        .assert_problem(401, "unauthorized");
    post(&app, &assign_uri, json!({"departmentId": "nowhere"}), Some(&supervisor))
        .await
        .assert_problem(422, "unknown_department");
    post(
        &app,
        "/api/v1/complaints/TS-2026-000099/assign",
        json!({"departmentId": "gy-amr"}),
        Some(&supervisor),
    )
    .await
    .assert_problem(404, "complaint_not_found");

    assign(&app, &supervisor, &no, "gy-hc").await;
    post(&app, &assign_uri, json!({"departmentId": "gy-hc"}), Some(&supervisor))
        .await
        .assert_problem(409, "already_assigned");
    // Reassigned to the right department: the first one loses it.
    assign(&app, &supervisor, &no, "gy-amr").await;
    post(&app, &reply_uri, answer.clone(), Some(&clerk_hc)).await.assert_problem(404, "complaint_not_found");
    app.get_as(&format!("/api/v1/complaints/{no}"), &clerk_hc)
        .await
        .assert_problem(404, "complaint_not_found");
    post(&app, &reply_uri, answer.clone(), Some(&supervisor)).await.assert_problem(403, "forbidden");
    post(&app, &reply_uri, answer.clone(), Some(&citizen)).await.assert_problem(403, "forbidden");
    let replied = reply(&app, &app.staff_token("reviewer-gy-amr").await, &no, answer.clone()).await;
    assert!(replied["replies"][0]["staffId"].is_string(), "staff see who answered");
    post(&app, &reply_uri, answer, Some(&clerk_amr)).await.assert_problem(409, "invalid_transition");
    post(&app, &assign_uri, json!({"departmentId": "gy-hc"}), Some(&supervisor))
        .await
        .assert_problem(409, "invalid_transition");

    // Staff see only their department's queue.
    app.get_as("/api/v1/complaints/queue?department=gy-hc", &clerk_amr)
        .await
        .assert_problem(403, "forbidden");
    app.get_as("/api/v1/complaints/queue?view=unassigned", &clerk_amr).await.assert_problem(403, "forbidden");
    app.get_as("/api/v1/complaints/queue?view=everything", &supervisor)
        .await
        .assert_problem(400, "invalid_view");
    // Staff cannot file complaints as staff.
    post(&app, "/api/v1/complaints", complaint_body(), Some(&clerk_amr))
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn the_reply_is_due_in_fifteen_working_days_and_overdue_complaints_are_flagged_for_supervisors() {
    let app = TestApp::spawn().await;
    // Thu 2026-12-03: due the 15th working day after, Thu 2026-12-24.
    let (first, _) = complain(&app).await;
    app.clock.advance(time::Duration::days(1));
    let (second, _) = complain(&app).await;
    let supervisor = app.staff_token("supervisor").await;
    let queue = app.get_as("/api/v1/complaints/queue", &supervisor).await.json();
    assert_eq!(numbers(&queue, "complaintNo"), [first.clone(), second.clone()], "nearest due date first");
    assert_eq!(numbers(&queue, "replyDueDate"), ["2026-12-24", "2026-12-25"]);
    assert_eq!(queue["items"][0]["clock"], "on_time");
    assert_eq!(queue["items"][0]["workingDaysLeft"], 14);
    assert!(
        numbers(
            &app.get_as("/api/v1/complaints/queue?view=overdue", &supervisor).await.json(),
            "complaintNo"
        )
        .is_empty()
    );
    assign(&app, &supervisor, &first, "gy-amr").await;

    // WHEN Friday 2026-12-25 comes with no reply
    app.clock.advance(time::Duration::days(21));
    let supervisor = app.staff_token("supervisor").await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let queue = app.get_as("/api/v1/complaints/queue", &supervisor).await.json();
    let flags: Vec<(bool, &str)> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["overdue"].as_bool().unwrap(), i["clock"].as_str().unwrap()))
        .collect();
    assert_eq!(flags, [(true, "overdue"), (false, "due_soon")], "the first is overdue, the second due today");
    assert_eq!(queue["items"][0]["workingDaysLeft"], -1);
    let overdue = app.get_as("/api/v1/complaints/queue?view=overdue", &supervisor).await.json();
    assert_eq!(numbers(&overdue, "complaintNo"), std::slice::from_ref(&first));
    let department = app.get_as("/api/v1/complaints/queue?view=overdue", &clerk).await.json();
    assert_eq!(numbers(&department, "complaintNo"), std::slice::from_ref(&first));
    let by_department = app.get_as("/api/v1/complaints/queue?department=gy-amr", &supervisor).await.json();
    assert_eq!(numbers(&by_department, "complaintNo"), std::slice::from_ref(&first));
    assert_eq!(
        numbers(
            &app.get_as("/api/v1/complaints/queue?view=unassigned", &supervisor).await.json(),
            "complaintNo"
        ),
        [second]
    );

    // A late reply still counts, and takes it out of every queue.
    reply(&app, &clerk, &first, json!({"content": "抱歉答复迟了，已办结。"})).await;
    assert!(
        numbers(
            &app.get_as("/api/v1/complaints/queue?view=overdue", &supervisor).await.json(),
            "complaintNo"
        )
        .is_empty()
    );
}

/// Calls a router directly (for a router built with other settings than the local server's).
async fn call_router(router: &axum::Router, uri: &str, body: Value) -> Value {
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 201);
    serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

#[tokio::test]
async fn the_reply_period_is_configurable_per_kind() {
    let app = TestApp::spawn().await;
    let settings = wangban_complaint::Settings { complaint_reply_days: 5, letter_reply_days: 10 };
    let router = wangban_complaint::router_with(app.ctx.clone(), settings);
    let complaint = call_router(&router, "/api/v1/complaints", complaint_body()).await;
    assert_eq!(complaint["replyDueDate"], "2026-12-10", "5 working days after Thu 2026-12-03");
    let letter = call_router(&router, "/api/v1/letters", letter_body("gy-amr")).await;
    assert_eq!(letter["replyDueDate"], "2026-12-17", "10 working days");
}

#[tokio::test]
async fn a_dissatisfied_complainant_reopens_once_and_the_author_follows_it_logged_in() {
    let app = TestApp::spawn().await;
    let author = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let supervisor = app.staff_token("supervisor").await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let (no, code) = submit(&app, "/api/v1/complaints", complaint_body(), Some(&author)).await;
    let rating_uri = format!("/api/v1/complaints/{no}/rating");
    let reopen_uri = format!("/api/v1/complaints/{no}/reopen");

    // Rating and reopening before a reply are refused.
    post(&app, &rating_uri, json!({"level": "satisfied"}), Some(&author))
        .await
        .assert_problem(409, "invalid_transition");
    post(&app, &reopen_uri, json!({"reason": "没解决"}), Some(&author))
        .await
        .assert_problem(409, "invalid_transition");

    assign(&app, &supervisor, &no, "gy-amr").await;
    reply(&app, &clerk, &no, json!({"content": "请按指南补充材料后重新提交。"})).await;
    // The logged-in author hears of the reply in the inbox.
    let inbox = app.get_as("/api/v1/me/messages", &author).await.json();
    assert!(inbox["items"][0]["title"].as_str().unwrap().contains(&no), "{inbox}");
    let mine = app.get_as("/api/v1/complaints/mine", &author).await.json();
    assert_eq!(
        (mine["items"][0]["status"].as_str(), mine["items"][0]["canRate"].as_bool()),
        (Some("replied"), Some(true))
    );

    // Dissatisfied, logged in (no code needed): closed, and may be reopened once.
    let rated =
        post(&app, &rating_uri, json!({"level": "dissatisfied", "comment": "材料早已齐全"}), Some(&author))
            .await
            .json();
    assert_eq!((rated["status"].as_str(), rated["canReopen"].as_bool()), (Some("closed"), Some(true)));
    post(&app, &rating_uri, json!({"level": "satisfied"}), Some(&author))
        .await
        .assert_problem(409, "invalid_transition");
    post(&app, &reopen_uri, json!({"reason": " "}), Some(&author)).await.assert_problem(422, "empty_text");

    app.clock.advance(time::Duration::days(6)); // Wed 2026-12-09
    let author = app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    let reopened = post(
        &app,
        &format!("{reopen_uri}?queryCode={code}"),
        json!({"reason": "材料早已齐全，请核实。"}),
        None,
    )
    .await;
    assert_eq!(reopened.status, 200, "{}", String::from_utf8_lossy(&reopened.bytes));
    let reopened = reopened.json();
    assert_eq!(reopened["status"], "reopened");
    assert_eq!(reopened["replyDueDate"], "2026-12-30", "a new period of 15 working days from the reopening");
    assert_eq!(reopened["reopenings"][0]["reason"], "材料早已齐全，请核实。");

    let clerk = app.staff_token("clerk-gy-amr").await;
    let queue = app.get_as("/api/v1/complaints/queue", &clerk).await.json();
    assert_eq!(
        (numbers(&queue, "complaintNo"), queue["items"][0]["reopened"].as_bool()),
        (vec![no.clone()], Some(true))
    );
    reply(&app, &clerk, &no, json!({"content": "经复核，材料齐全，已受理。"})).await;
    post(&app, &rating_uri, json!({"level": "dissatisfied"}), Some(&author)).await;
    post(&app, &reopen_uri, json!({"reason": "还是不满意"}), Some(&author))
        .await
        .assert_problem(409, "already_reopened");
    let seen = app.get_as(&format!("/api/v1/complaints/{no}"), &author).await.json();
    assert_eq!(
        (seen["replies"].as_array().unwrap().len(), seen["ratings"].as_array().unwrap().len()),
        (2, 2)
    );
    assert_eq!(seen["canReopen"], false);

    // A satisfied complaint cannot be reopened.
    let (other, other_code) = complain(&app).await;
    let supervisor = app.staff_token("supervisor").await;
    assign(&app, &supervisor, &other, "gy-amr").await;
    reply(&app, &clerk, &other, json!({"content": "已办结。"})).await;
    post(
        &app,
        &format!("/api/v1/complaints/{other}/rating?queryCode={other_code}"),
        json!({"level": "basically_satisfied"}),
        None,
    )
    .await;
    post(
        &app,
        &format!("/api/v1/complaints/{other}/reopen?queryCode={other_code}"),
        json!({"reason": "再看看"}),
        None,
    )
    .await
    .assert_problem(409, "reopen_not_allowed");
}

#[tokio::test]
async fn a_complaint_may_name_only_the_complainants_own_application() {
    let app = TestApp::spawn().await;
    let owner_id = app.register_person("张三", ids::PERSON_A, ids::PHONE_A).await;
    let owner = app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    app.register_person("李四", ids::PERSON_B, ids::PHONE_B).await;
    let stranger = app.login(ids::PERSON_B, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    // GIVEN the owner's application for the food business licence
    let calendar = app.ctx.calendar.get(app.ctx.store.as_ref()).await.unwrap();
    let (case, event) = Case::open(
        NewCase {
            id: "case-of-zhang-san".into(),
            group_id: "group-1".into(),
            item_code: ItemCode::parse(FOOD).unwrap(),
            item_name: "食品经营许可".into(),
            department_id: "gy-amr".into(),
            decision_limit_days: 5,
            statutory_days: 10,
            applicant_id: owner_id,
            applicant_name: "张三".into(),
            applicant_kind: ApplicantKind::Individual,
            materials: vec![],
            form: json!({}),
        },
        &calendar,
        time::macros::datetime!(2026-12-01 10:00 +08:00),
    );
    app.ctx.store.transact(cases::create_ops(&case, &event)).await.unwrap();
    let about = |extra: Value| {
        let mut body = json!({"subject": "申请迟迟未受理", "content": "提交两天了仍未受理。", "applicationId": "case-of-zhang-san"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };

    // WHEN the owner names it, it is linked with its item and department
    let (no, _) = submit(&app, "/api/v1/complaints", about(json!({})), Some(&owner)).await;
    let seen = app.get_as(&format!("/api/v1/complaints/{no}"), &owner).await.json();
    assert_eq!(
        (seen["applicationId"].as_str(), seen["itemCode"].as_str(), seen["departmentId"].as_str()),
        (Some("case-of-zhang-san"), Some(FOOD), Some("gy-amr"))
    );
    assert_eq!(seen["contact"]["phone"], "138****8000", "the logged-in user's own phone, masked");
    let staff =
        app.get_as(&format!("/api/v1/complaints/{no}"), &app.staff_token("supervisor").await).await.json();
    assert_eq!(staff["contact"], json!({"name": "张三", "phone": ids::PHONE_A, "organisation": null}));

    // THEN anyone else naming it, or naming one that does not exist, gets the same refusal
    for (token, body) in [
        (Some(stranger.as_str()), about(json!({}))),
        (None, about(json!({"contact": {"phone": ids::PHONE_C}}))),
        (Some(owner.as_str()), about(json!({"applicationId": "no-such-case"}))),
    ] {
        let r =
            post(&app, "/api/v1/complaints", body, token).await.assert_problem(422, "application_not_found");
        assert_eq!(r["errors"][0]["field"], "applicationId");
    }
    // … and an item or department that contradicts it is refused too.
    post(&app, "/api/v1/complaints", about(json!({"itemCode": "GY-WJW-001"})), Some(&owner))
        .await
        .assert_problem(422, "does_not_match_application");
    post(&app, "/api/v1/complaints", about(json!({"departmentId": "gy-hc"})), Some(&owner))
        .await
        .assert_problem(422, "does_not_match_item");
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_422_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff_token("supervisor").await;
    let with = |change: Value| {
        let mut body = complaint_body();
        body.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        body
    };
    let cases = [
        (with(json!({"subject": "   "})), "empty_text", "subject"),
        (with(json!({"subject": "标".repeat(101)})), "text_too_long", "subject"),
        (with(json!({"content": "字".repeat(5001)})), "text_too_long", "content"),
        (with(json!({"content": "bad\u{0007}bell"})), "invalid_character", "content"),
        (with(json!({"contact": {"phone": "12345"}})), "invalid_phone", "contact.phone"),
        (with(json!({"contact": {"name": "李红梅"}})), "contact_required", "contact.phone"),
        (
            with(json!({"contact": {"name": "名".repeat(51), "phone": ids::PHONE_B}})),
            "text_too_long",
            "contact.name",
        ),
        (with(json!({"itemCode": "GY-NOPE-001"})), "item_not_found", "itemCode"),
        (with(json!({"itemCode": null, "departmentId": "nowhere"})), "unknown_department", "departmentId"),
    ];
    for (body, code, field) in cases {
        let problem = post(&app, "/api/v1/complaints", body, None).await.assert_problem(422, code);
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    // Several problems at once are listed together.
    let all = post(&app, "/api/v1/complaints", json!({"subject": "", "content": ""}), None)
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(all["errors"].as_array().unwrap().len(), 3, "{all}");
    let letter = post(
        &app,
        "/api/v1/letters",
        json!({"subject": "建议", "content": "内容", "contact": {"phone": ids::PHONE_B}}),
        None,
    )
    .await;
    assert_eq!(letter.assert_problem(422, "required")["errors"][0]["field"], "departmentId");
    post(&app, "/api/v1/complaints", json!({"subject": 5}), None).await.assert_problem(422, "invalid_body");

    // Nothing was created: the queue is empty and the next number is still the first.
    assert!(
        numbers(&app.get_as("/api/v1/complaints/queue", &supervisor).await.json(), "complaintNo").is_empty()
    );
    let (no, code) = complain(&app).await;
    assert_eq!(no, "TS-2026-000001");

    // Bad answers and ratings change nothing either.
    assign(&app, &supervisor, &no, "gy-amr").await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let reply_uri = format!("/api/v1/complaints/{no}/reply");
    post(&app, &reply_uri, json!({"content": ""}), Some(&clerk)).await.assert_problem(422, "empty_text");
    post(&app, &reply_uri, json!({"content": "好", "publishedAnswer": "好"}), Some(&clerk))
        .await
        .assert_problem(422, "publish_required");
    post(
        &app,
        &reply_uri,
        json!({"content": "好", "publish": true, "publishedAnswer": "字".repeat(5001)}),
        Some(&clerk),
    )
    .await
    .assert_problem(422, "text_too_long");
    let seen = app.get(&format!("/api/v1/complaints/{no}?queryCode={code}")).await.json();
    assert_eq!((seen["status"].as_str(), seen["replies"].as_array().unwrap().len()), (Some("assigned"), 0));
    reply(&app, &clerk, &no, json!({"content": "已处理"})).await;
    let rating_uri = format!("/api/v1/complaints/{no}/rating?queryCode={code}");
    post(&app, &rating_uri, json!({"level": "great"}), None).await.assert_problem(422, "invalid_body");
    post(&app, &rating_uri, json!({"level": "satisfied", "comment": "评".repeat(501)}), None)
        .await
        .assert_problem(422, "text_too_long");
    let seen = app.get(&format!("/api/v1/complaints/{no}?queryCode={code}")).await.json();
    assert_eq!(seen["status"], "replied");
}

#[tokio::test]
async fn invisible_bidi_and_zero_width_characters_are_refused_like_in_interaction() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff_token("supervisor").await;
    // GIVEN texts hiding a right-to-left override, a zero-width space or a byte-order mark
    for bad in ["abc\u{202E}fed", "李\u{200B}红梅", "\u{FEFF}开头", "隔离\u{2066}x\u{2069}"] {
        for (field, body, path) in [
            ("subject", json!({"subject": bad}), "/api/v1/complaints"),
            ("content", json!({"content": bad}), "/api/v1/complaints"),
            ("contact.name", json!({"contact": {"name": bad, "phone": ids::PHONE_B}}), "/api/v1/complaints"),
            ("subject", json!({"subject": bad}), "/api/v1/letters"),
            ("content", json!({"content": bad}), "/api/v1/letters"),
        ] {
            let mut full = if path == "/api/v1/letters" { letter_body("gy-amr") } else { complaint_body() };
            full.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
            // WHEN submitted THEN refused with interaction's code
            let problem = post(&app, path, full, None).await.assert_problem(422, "invalid_character");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
    }
    assert!(
        numbers(&app.get_as("/api/v1/complaints/queue", &supervisor).await.json(), "complaintNo").is_empty()
    );
    // … and so are staff replies and their published wording
    let (no, _) = complain(&app).await;
    assign(&app, &supervisor, &no, "gy-amr").await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let reply_uri = format!("/api/v1/complaints/{no}/reply");
    for body in [
        json!({"content": "已处理\u{202E}"}),
        json!({"content": "已处理", "publish": true, "publishedAnswer": "已\u{200B}处理"}),
        json!({"content": "已处理", "publish": true, "publishedQuestion": "\u{202D}问题"}),
    ] {
        post(&app, &reply_uri, body, Some(&clerk)).await.assert_problem(422, "invalid_character");
    }
    reply(&app, &clerk, &no, json!({"content": "已处理"})).await;
}

#[tokio::test]
async fn publishing_needs_consent_and_no_personal_data_reaches_the_public_replies() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff_token("supervisor").await;
    let clerk = app.staff_token("clerk-gy-amr").await;

    // Without consent: refused, nothing published; answering without publishing works.
    let mut private = complaint_body();
    private["publishConsent"] = json!(false);
    let (no, _) = submit(&app, "/api/v1/complaints", private, None).await;
    assign(&app, &supervisor, &no, "gy-amr").await;
    post(
        &app,
        &format!("/api/v1/complaints/{no}/reply"),
        json!({"content": "已处理", "publish": true}),
        Some(&clerk),
    )
    .await
    .assert_problem(409, "no_publish_consent");
    reply(&app, &clerk, &no, json!({"content": "已处理"})).await;
    assert_eq!(app.get("/api/v1/public/replies").await.json()["items"], json!([]));

    // With consent, from a logged-in citizen whose ID number, phone and name are in the text.
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let body = json!({
        "subject": "张三反映食品经营许可超时",
        "content": format!("我叫张三，身份证{}，手机{}，申请超时未办结。", ids::PERSON_A, ids::PHONE_A),
        "itemCode": FOOD,
        "publishConsent": true,
    });
    let (no, _) = submit(&app, "/api/v1/complaints", body, Some(&citizen)).await;
    assign(&app, &supervisor, &no, "gy-amr").await;
    let replied = reply(
        &app,
        &clerk,
        &no,
        json!({
            "content": format!("张三您好，已电话{}联系您，许可已办结。", ids::PHONE_A),
            "publish": true,
            "publishedAnswer": format!("经核查，申请已办结；如有疑问请联系张三本人留下的电话{}以外的窗口热线0851-12345。", ids::PHONE_A),
        }),
    )
    .await;
    assert_eq!(replied["published"], true);
    let public = app.get("/api/v1/public/replies").await.json();
    let text = public.to_string();
    for personal in [ids::PERSON_A, ids::PHONE_A, "张三"] {
        assert!(!text.contains(personal), "{personal} published: {text}");
    }
    let item = &public["items"][0];
    assert_eq!(item["title"], "张某反映食品经营许可超时");
    assert_eq!(
        item["question"],
        "我叫张某，身份证[身份证号码已隐去]，手机[手机号码已隐去]，申请超时未办结。"
    );
    assert!(item["answer"].as_str().unwrap().ends_with("窗口热线0851-12345。"), "hotlines stay");
    assert_eq!(public["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn letters_go_to_the_addressed_department_can_be_forwarded_and_are_answered() {
    let app = TestApp::spawn().await;
    let writer = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let (letter, code) = submit(&app, "/api/v1/letters", letter_body("gy-hc"), Some(&writer)).await;
    assert_eq!(letter, "XX-2026-000001");
    let seen = app.get(&format!("/api/v1/letters/{letter}?queryCode={code}")).await.json();
    assert_eq!(
        (seen["status"].as_str(), seen["assignedDepartmentId"].as_str(), seen["addresseeLabel"].as_str()),
        (Some("assigned"), Some("gy-hc"), Some("领导信箱"))
    );
    let clerk_hc = app.staff_token("clerk-gy-hc").await;
    assert_eq!(
        numbers(&app.get_as("/api/v1/letters/queue", &clerk_hc).await.json(), "letterNo"),
        std::slice::from_ref(&letter)
    );
    assert!(
        numbers(&app.get_as("/api/v1/complaints/queue", &clerk_hc).await.json(), "complaintNo").is_empty()
    );

    // A supervisor forwards it to the competent department (转办).
    let supervisor = app.staff_token("supervisor").await;
    let forwarded = post(
        &app,
        &format!("/api/v1/letters/{letter}/assign"),
        json!({"departmentId": "gy-amr"}),
        Some(&supervisor),
    )
    .await;
    assert_eq!(forwarded.json()["timeline"][1]["actionLabel"], "转办");
    assert!(numbers(&app.get_as("/api/v1/letters/queue", &clerk_hc).await.json(), "letterNo").is_empty());
    let clerk_amr = app.staff_token("clerk-gy-amr").await;
    let answer = post(
        &app,
        &format!("/api/v1/letters/{letter}/reply"),
        json!({"content": "感谢建议，示例将于近期发布。", "publish": true}),
        Some(&clerk_amr),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.bytes));

    let seen = app.get_as(&format!("/api/v1/letters/{letter}"), &writer).await.json();
    assert_eq!((seen["status"].as_str(), seen["canRate"].as_bool()), (Some("replied"), Some(false)));
    assert_eq!(seen["replies"][0]["departmentId"], "gy-amr");
    assert_eq!(
        numbers(&app.get_as("/api/v1/letters/mine", &writer).await.json(), "letterNo"),
        std::slice::from_ref(&letter)
    );
    assert!(numbers(&app.get_as("/api/v1/complaints/mine", &writer).await.json(), "complaintNo").is_empty());
    let public = app.get("/api/v1/public/replies").await.json();
    assert_eq!(
        (public["items"][0]["kind"].as_str(), public["items"][0]["number"].as_str()),
        (Some("letter"), Some(letter.as_str()))
    );
    // Letters are not rated: there is no such route.
    post(
        &app,
        &format!("/api/v1/letters/{letter}/rating?queryCode={code}"),
        json!({"level": "satisfied"}),
        None,
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_retried_submission_with_one_idempotency_key_gets_the_same_number_and_code() {
    let app = TestApp::spawn().await;
    let send = |key: &'static str, body: Value| {
        let app = &app;
        async move {
            let request = Request::builder()
                .method(Method::POST)
                .uri("/api/v1/complaints")
                .header("content-type", "application/json")
                .header("idempotency-key", key)
                .body(Body::from(body.to_string()))
                .unwrap();
            app.send(request).await
        }
    };
    let first = send("3f0c1d2e-retry", complaint_body()).await;
    let again = send("3f0c1d2e-retry", complaint_body()).await;
    assert_eq!((first.status.as_u16(), again.status.as_u16()), (201, 201));
    let (first, again) = (first.json(), again.json());
    assert_eq!(first["complaintNo"], again["complaintNo"]);
    assert_eq!(first["queryCode"], again["queryCode"], "the code is shown again, derived rather than stored");
    let (no, code) = (first["complaintNo"].as_str().unwrap(), first["queryCode"].as_str().unwrap());
    assert_eq!(app.get(&format!("/api/v1/complaints/{no}?queryCode={code}")).await.status, 200);
    let idem_pk = keys::idempotency_pk("complaint#anonymous", "3f0c1d2e-retry");
    let remembered =
        app.ctx.store.get(&idem_pk, keys::REQUEST).await.unwrap().expect("the key is remembered");
    assert!(!remembered.body.to_string().contains(code), "the idempotency record holds no code");

    send(
        "3f0c1d2e-retry",
        json!({"subject": "另一件", "content": "不同内容", "contact": {"phone": ids::PHONE_C}}),
    )
    .await
    .assert_problem(422, "idempotency_key_reused");
    let other = send("another-key", complaint_body()).await.json();
    assert_ne!(other["complaintNo"], first["complaintNo"]);
    assert_ne!(other["queryCode"], first["queryCode"]);
    let supervisor = app.staff_token("supervisor").await;
    assert_eq!(
        numbers(&app.get_as("/api/v1/complaints/queue", &supervisor).await.json(), "complaintNo").len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_get_distinct_gapless_numbers() {
    // 24 at once: the losers of each race for the next number pause at random and retry, so
    // none is refused with 409 concurrent_update.
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let r = app.post("/api/v1/complaints", complaint_body()).await;
                assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
                r.json()["complaintNo"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=24).map(|n| format!("TS-2026-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn the_demo_answers_appear_in_the_public_replies() {
    let app = TestApp::spawn().await;
    let loaded = wangban_shared::seed::load_demo_submissions(app.ctx.store.as_ref()).await.unwrap();
    assert!(loaded >= 3);
    let public = app.get("/api/v1/public/replies").await.json();
    let items = public["items"].as_array().unwrap();
    assert_eq!(items.len(), loaded);
    assert!(items.iter().any(|i| i["kind"] == "complaint" && i["itemCode"] == FOOD), "the slow food licence");
    assert!(items.iter().any(|i| i["kind"] == "letter"));
    // Supervisors can open them (they are real records); a new complaint continues the numbering.
    let supervisor = app.staff_token("supervisor").await;
    let first = items.last().unwrap()["number"].as_str().unwrap();
    let seen = app.get_as(&format!("/api/v1/complaints/{first}"), &supervisor).await.json();
    assert_eq!(seen["status"], "closed");
    assert_eq!(wangban_shared::seed::load_demo_submissions(app.ctx.store.as_ref()).await.unwrap(), 0);
    let (no, _) = complain(&app).await;
    assert_eq!(no, "TS-2026-000002", "the demo took TS-2026-000001 from the same sequence");
}

#[tokio::test]
async fn a_lookup_is_one_read_and_each_change_one_transaction() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff_token("supervisor").await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let (no, code) = complain(&app).await;

    app.trips.reset();
    assert_eq!(app.get(&format!("/api/v1/complaints/{no}?queryCode={code}")).await.status, 200);
    assert_eq!((app.trips.reads(), app.trips.writes()), (1, 0), "the submission and its trail in one query");

    app.trips.reset();
    assign(&app, &supervisor, &no, "gy-amr").await;
    assert_eq!(app.trips.writes(), 1, "assignment, audit event and queue keys in one transaction");
    app.trips.reset();
    reply(&app, &clerk, &no, json!({"content": "已处理", "publish": true})).await;
    assert_eq!(app.trips.writes(), 1, "reply, audit event and publication in one transaction");

    app.trips.reset();
    post(&app, "/api/v1/complaints", json!({"subject": "", "content": "x"}), None)
        .await
        .assert_problem(422, "validation_failed");
    post(
        &app,
        &format!("/api/v1/complaints/{no}/rating?queryCode=WRONG234"),
        json!({"level": "satisfied"}),
        None,
    )
    .await
    .assert_problem(404, "complaint_not_found");
    assert_eq!(app.trips.writes(), 0, "refusals write nothing");
}
