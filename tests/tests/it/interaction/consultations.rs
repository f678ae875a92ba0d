//! Consultations: GIVEN a question asked online or recorded from a phone call, WHEN the
//! department answers (and publishes with consent), THEN the asker reads it with the query
//! code, the public replies and the knowledge base show it without personal data, and nobody
//! else sees the question.

use serde_json::{Value, json};
use wangban_tests::{TestApp, ids};

use super::{FOOD, enc, items};

const QUESTION: &str =
    "我叫王小明，电话13985012345。我在观山湖区开奶茶店，现制现售饮品，需要办食品经营许可证吗？";
const ANSWER: &str =
    "需要。现制现售饮品属于餐饮服务，应当取得食品经营许可，可在本平台在线申请，承诺5个工作日办结。";

async fn ask(app: &TestApp, body: Value) -> Value {
    let r = app.post("/api/v1/consultations", body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

fn online(question: &str) -> Value {
    json!({"question": question, "itemCode": FOOD, "contact": {"name": "王小明", "phone": ids::PHONE_B}, "publishConsent": true})
}

#[tokio::test]
async fn a_question_is_answered_published_without_personal_data_and_found_by_a_chinese_kb_query() {
    let app = TestApp::spawn().await;
    // GIVEN an anonymous question about 食品经营许可 with contact details and consent
    let asked = ask(&app, online(QUESTION)).await;
    let no = asked["consultationNo"].as_str().unwrap();
    let code = asked["queryCode"].as_str().unwrap();
    assert_eq!(no, "ZX-2026-000001");
    assert_eq!(asked["answerDueDate"], "2026-12-10", "5 working days after Thursday 2026-12-03");
    let mine = app.get(&format!("/api/v1/consultations/{no}?queryCode={code}")).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.json()["status"], "pending");
    assert_eq!(mine.json()["contact"]["phone"], "139****2345", "the asker sees the contact masked");
    // The knowledge base does not know it yet.
    let kb = app.get(&format!("/api/v1/kb?q={}", enc("奶茶店 现制现售饮品"))).await.json();
    assert!(items(&kb).iter().all(|i| i["source"] != "published_reply"), "{kb}");

    // WHEN the food department finds it in its queue, nearest promised date first, and answers
    let clerk = app.staff_token("clerk-gy-amr").await;
    let queue = app.get_as("/api/v1/work/consultations", &clerk).await.json();
    assert_eq!(items(&queue)[0]["consultationNo"], no);
    assert_eq!(items(&queue)[0]["contact"]["phone"], ids::PHONE_B, "staff see how to call back");
    assert_eq!(items(&queue)[0]["clock"], "on_time");
    app.trips.reset();
    let r = app
        .post_as(
            &format!("/api/v1/consultations/{no}/answer"),
            json!({"answer": ANSWER, "publish": true}),
            &clerk,
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["status"], "answered");
    assert_eq!(app.trips.writes(), 1, "answer and public reply in one transaction");

    // THEN the asker reads the answer with the code
    let mine = app.get(&format!("/api/v1/consultations/{no}?queryCode={}", code.to_lowercase())).await.json();
    assert_eq!(mine["answer"]["content"], ANSWER);
    assert!(mine["answer"].get("answeredBy").is_none(), "no staff identity for the asker");
    // … the public replies list it without name or phone
    let public = app.get("/api/v1/public/replies").await.json();
    let reply = &items(&public)[0];
    assert_eq!(reply["number"], no);
    assert_eq!(reply["kind"], "consultation");
    let text = reply.to_string();
    assert!(!text.contains(ids::PHONE_B) && !text.contains("13985012345"), "{text}");
    assert!(reply["question"].as_str().unwrap().contains("[手机号码已隐去]"), "{reply}");
    // … and a Chinese query without spaces between words finds it in the knowledge base
    let kb = app.get(&format!("/api/v1/kb?q={}", enc("奶茶店现制现售饮品要办许可证吗"))).await.json();
    let first = &items(&kb)[0];
    assert_eq!(
        (first["source"].as_str(), first["reference"].as_str()),
        (Some("published_reply"), Some(no)),
        "{kb}"
    );
    assert_eq!(first["itemCode"], FOOD);
    assert_eq!(first["answer"], ANSWER);
    assert!(!first.to_string().contains("13985012345"));
    // … and the department's answered list holds it, its pending list no longer does
    assert!(items(&app.get_as("/api/v1/work/consultations", &clerk).await.json()).is_empty());
    let answered = app.get_as("/api/v1/work/consultations?status=answered", &clerk).await.json();
    assert_eq!(items(&answered)[0]["consultationNo"], no);
}

#[tokio::test]
async fn a_consultation_is_private_to_its_asker_its_department_and_supervisors() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let stranger = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    // A logged-in citizen needs no contact details and no code to read their own question.
    let r = app
        .post_as(
            "/api/v1/consultations",
            json!({"question": "食品经营许可证到期怎么延续？", "itemCode": FOOD}),
            &citizen,
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let asked = r.json();
    let no = asked["consultationNo"].as_str().unwrap();
    let code = asked["queryCode"].as_str().unwrap();
    let path = format!("/api/v1/consultations/{no}");
    assert_eq!(app.get_as(&path, &citizen).await.status, 200);

    let other_clerk = app.staff_token("clerk-gy-hc").await;
    let unknown = app.get(&format!("/api/v1/consultations/ZX-2026-999999?queryCode={code}")).await;
    let expected = unknown.assert_problem(404, "consultation_not_found");
    for refused in [
        app.get(&path).await,
        app.get(&format!("{path}?queryCode=WRONG234")).await,
        app.get_as(&path, &stranger).await,
        app.get_as(&path, &other_clerk).await,
        app.get("/api/v1/consultations/not-a-number").await,
    ] {
        assert_eq!(
            refused.assert_problem(404, "consultation_not_found"),
            expected,
            "the same 404 as a missing one"
        );
    }
    assert_eq!(app.get_as(&path, &app.staff_token("supervisor").await).await.status, 200);

    // Nobody but the department answers; the asker is told in the inbox.
    let answer = json!({"answer": "应在有效期届满前提出延续申请。", "publish": false});
    app.post_as(&format!("{path}/answer"), answer.clone(), &other_clerk)
        .await
        .assert_problem(404, "consultation_not_found");
    app.post_as(&format!("{path}/answer"), answer.clone(), &citizen).await.assert_problem(403, "forbidden");
    app.post_as(&format!("{path}/answer"), answer.clone(), &app.staff_token("supervisor").await)
        .await
        .assert_problem(403, "forbidden");
    assert!(items(&app.get_as("/api/v1/work/consultations", &other_clerk).await.json()).is_empty());
    let clerk = app.staff_token("clerk-gy-amr").await;
    assert_eq!(app.post_as(&format!("{path}/answer"), answer.clone(), &clerk).await.status, 200);
    let inbox = app.get_as("/api/v1/me/messages", &citizen).await.json();
    assert!(items(&inbox)[0]["title"].as_str().unwrap().contains(no));
    // Given once; not published, so nothing public.
    app.post_as(&format!("{path}/answer"), answer, &clerk).await.assert_problem(409, "already_answered");
    assert!(items(&app.get("/api/v1/public/replies").await.json()).is_empty());
}

#[tokio::test]
async fn an_answer_is_published_only_with_the_askers_consent_and_staff_may_reword_the_question() {
    let app = TestApp::spawn().await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let mut body = online("卖自制的辣椒酱需要什么许可？");
    body["publishConsent"] = json!(false);
    let no = ask(&app, body).await["consultationNo"].as_str().unwrap().to_owned();
    let r = app
        .post_as(
            &format!("/api/v1/consultations/{no}/answer"),
            json!({"answer": "需要食品生产许可。", "publish": true}),
            &clerk,
        )
        .await;
    r.assert_problem(422, "publish_not_consented");
    let pending = app.get_as(&format!("/api/v1/consultations/{no}"), &clerk).await.json();
    assert_eq!(pending["status"], "pending", "a refused answer changes nothing");

    let no = ask(&app, online(QUESTION)).await["consultationNo"].as_str().unwrap().to_owned();
    let r = app
        .post_as(
            &format!("/api/v1/consultations/{no}/answer"),
            json!({"answer": ANSWER, "publish": true, "publicQuestion": "开奶茶店（现制现售饮品）需要办食品经营许可证吗？"}),
            &clerk,
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    let public = app.get("/api/v1/public/replies").await.json();
    assert_eq!(items(&public).len(), 1);
    assert_eq!(items(&public)[0]["question"], "开奶茶店（现制现售饮品）需要办食品经营许可证吗？");
    assert!(!public.to_string().contains("王小明"), "the reworded question drops the name");
}

#[tokio::test]
async fn a_published_consultation_has_the_askers_name_id_number_phone_and_credit_code_removed() {
    let app = TestApp::spawn().await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let leaks = ["王小明", "小明", ids::PERSON_A, ids::PHONE_B, ids::COMPANY_A, "M000100Y43", "李四"];
    // GIVEN an anonymous question naming its asker, with ID number, phone and credit code
    let question = format!(
        "我叫王小明，身份证{}，电话{}，公司统一社会信用代码{}，开奶茶店要办食品经营许可证吗？",
        ids::PERSON_A,
        ids::PHONE_B,
        ids::COMPANY_A
    );
    let no = ask(&app, online(&question)).await["consultationNo"].as_str().unwrap().to_owned();
    // WHEN the department answers by name and publishes
    let r = app
        .post_as(
            &format!("/api/v1/consultations/{no}/answer"),
            json!({"answer": format!("王小明您好，{ANSWER}"), "publish": true}),
            &clerk,
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    // … and a logged-in asker's account name is removed too, also from staff's own wording
    let user = app.citizen_in_store("李四").await;
    let token = app.citizen_token(&user);
    let body =
        json!({"question": "我是李四，奶茶店需要健康证吗？", "itemCode": FOOD, "publishConsent": true});
    let r = app.post_as("/api/v1/consultations", body, &token).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let no2 = r.json()["consultationNo"].as_str().unwrap().to_owned();
    let r = app
        .post_as(
            &format!("/api/v1/consultations/{no2}/answer"),
            json!({"answer": "李四您好，需要。", "publish": true,
                   "publishedQuestion": "李四问：奶茶店需要健康证吗？", "publishedAnswer": "李四您好，从业人员需要健康证明。"}),
            &clerk,
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    // THEN nothing of them reaches the public replies or the knowledge base
    let public = app.get("/api/v1/public/replies").await.json();
    assert_eq!(items(&public).len(), 2, "{public}");
    let text = public.to_string();
    for leak in leaks {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    assert!(text.contains("王某您好") && text.contains("李某您好，从业人员需要健康证明。"), "{text}");
    for q in ["王小明", "李四", "奶茶店"] {
        let kb = app.get(&format!("/api/v1/kb?q={}", enc(q))).await.json();
        let text = kb.to_string();
        for leak in leaks {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }
}

#[tokio::test]
async fn a_misspelled_field_on_an_answer_is_refused_not_dropped() {
    let app = TestApp::spawn().await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let no = ask(&app, online(QUESTION)).await["consultationNo"].as_str().unwrap().to_owned();
    let r = app
        .post_as(
            &format!("/api/v1/consultations/{no}/answer"),
            json!({"answer": ANSWER, "publish": true, "publishedQuestoin": "开奶茶店要办证吗？"}),
            &clerk,
        )
        .await;
    let problem = r.assert_problem(422, "invalid_body");
    assert!(problem["hint"].as_str().unwrap_or_default().contains("publishedQuestoin"), "{problem}");
    let pending = app.get_as(&format!("/api/v1/consultations/{no}"), &clerk).await.json();
    assert_eq!(pending["status"], "pending", "a refused answer changes nothing");
}

#[tokio::test]
async fn a_question_for_no_department_waits_until_a_supervisor_assigns_it() {
    let app = TestApp::spawn().await;
    let asked = ask(
        &app,
        json!({"question": "想开一家小超市，要办哪些证？", "contact": {"email": "wang@example.com"}}),
    )
    .await;
    let no = asked["consultationNo"].as_str().unwrap();
    let clerk = app.staff_token("clerk-gy-amr").await;
    let supervisor = app.staff_token("supervisor").await;
    assert!(items(&app.get_as("/api/v1/work/consultations", &clerk).await.json()).is_empty());
    app.get_as("/api/v1/work/consultations", &supervisor).await.assert_problem(400, "department_required");
    let unassigned = app.get_as("/api/v1/work/consultations?department=unassigned", &supervisor).await.json();
    assert_eq!(items(&unassigned)[0]["consultationNo"], no);
    let answer = json!({"answer": "销售预包装食品办理备案即可。", "publish": false});
    app.post_as(&format!("/api/v1/consultations/{no}/answer"), answer.clone(), &clerk)
        .await
        .assert_problem(404, "consultation_not_found");
    let assign = |dept: &str| json!({"departmentId": dept});
    app.post_as(&format!("/api/v1/consultations/{no}/assign"), assign("gy-amr"), &clerk)
        .await
        .assert_problem(403, "forbidden");
    app.post_as(&format!("/api/v1/consultations/{no}/assign"), assign("no-such-dept"), &supervisor)
        .await
        .assert_problem(422, "department_not_found");
    let r = app.post_as(&format!("/api/v1/consultations/{no}/assign"), assign("gy-amr"), &supervisor).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(
        items(&app.get_as("/api/v1/work/consultations", &clerk).await.json())[0]["consultationNo"],
        no
    );
    assert_eq!(app.post_as(&format!("/api/v1/consultations/{no}/answer"), answer, &clerk).await.status, 200);
    app.post_as(&format!("/api/v1/consultations/{no}/assign"), assign("gy-hc"), &supervisor)
        .await
        .assert_problem(409, "already_answered");
}

#[tokio::test]
async fn staff_record_phone_and_letter_questions_for_their_own_department_only() {
    let app = TestApp::spawn().await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let phone = json!({"channel": "phone", "question": "电话咨询：食品经营许可能否加急？", "contact": {"name": "李女士", "phone": ids::PHONE_C}});
    let r = app.post("/api/v1/consultations", phone.clone()).await;
    r.assert_problem(401, "unauthorized");
    app.post_as("/api/v1/consultations", phone.clone(), &citizen).await.assert_problem(403, "forbidden");
    let mut other = phone.clone();
    other["itemCode"] = json!("GY-WJW-001");
    app.post_as("/api/v1/consultations", other, &clerk).await.assert_problem(422, "department_mismatch");
    let mut no_contact = phone.clone();
    no_contact["contact"] = json!(null);
    app.post_as("/api/v1/consultations", no_contact, &clerk).await.assert_problem(422, "contact_required");

    let r = app.post_as("/api/v1/consultations", phone, &clerk).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let no = r.json()["consultationNo"].as_str().unwrap().to_owned();
    let letter = json!({"channel": "letter", "question": "来信咨询：许可证遗失如何补办？", "contact": {"name": "赵先生", "address": "贵阳市云岩区中华北路1号"}});
    assert_eq!(app.post_as("/api/v1/consultations", letter, &clerk).await.status, 201);
    let queue = app.get_as("/api/v1/work/consultations", &clerk).await.json();
    let channels: Vec<&str> = items(&queue).iter().map(|c| c["channel"].as_str().unwrap()).collect();
    assert_eq!(channels, ["phone", "letter"]);
    assert_eq!(items(&queue)[0]["consultationNo"], no);
    assert_eq!(items(&queue)[0]["departmentId"], "gy-amr");
}

#[tokio::test]
async fn bad_questions_are_refused_with_422_and_take_no_number() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"question": "  ", "contact": {"phone": ids::PHONE_A}}), "empty_text"),
        (json!({"question": "问".repeat(1001), "contact": {"phone": ids::PHONE_A}}), "text_too_long"),
        (json!({"question": "能加急吗？"}), "contact_required"),
        (json!({"question": "能加急吗？", "contact": {"phone": "12345"}}), "invalid_phone"),
        (json!({"question": "能加急吗？", "contact": {"email": "not-mail"}}), "invalid_email"),
        (
            json!({"question": "能加急吗？", "contact": {"phone": ids::PHONE_A}, "itemCode": "NO-SUCH-ITEM"}),
            "item_not_found",
        ),
        (
            json!({"question": "能加急吗？", "contact": {"phone": ids::PHONE_A}, "itemCode": FOOD, "departmentId": "gy-hc"}),
            "department_mismatch",
        ),
        (
            json!({"question": "能加急吗？", "contact": {"phone": ids::PHONE_A}, "departmentId": "nowhere"}),
            "department_not_found",
        ),
    ];
    for (body, code) in cases {
        let r = app.post("/api/v1/consultations", body).await;
        let problem = r.assert_problem(422, code);
        assert!(problem["errors"].as_array().is_some_and(|e| !e.is_empty()), "{problem}");
    }
    let ok = ask(&app, online("能加急吗？")).await;
    assert_eq!(ok["consultationNo"], "ZX-2026-000001", "refused questions took no number");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_questions_get_distinct_numbers_without_gaps() {
    // 30 anonymous questions at once: all are received (no 409), numbered without gaps.
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let r =
                app.post("/api/v1/consultations", online(&format!("第{i}个问题：许可证能邮寄吗？"))).await;
            assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
            r.json()["consultationNo"].as_str().unwrap().to_owned()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=30).map(|n| format!("ZX-2026-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn a_retried_question_with_one_idempotency_key_is_asked_once() {
    let app = TestApp::spawn().await;
    let send = || {
        let request = http::Request::post("/api/v1/consultations")
            .header("content-type", "application/json")
            .header("idempotency-key", "ask-1")
            .body(axum::body::Body::from(online(QUESTION).to_string()))
            .unwrap();
        app.send(request)
    };
    let (first, second) = (send().await, send().await);
    assert_eq!((first.status.as_u16(), second.status.as_u16()), (201, 201));
    assert_eq!(first.json(), second.json(), "the same number and code");
    let next = ask(&app, online("另一个问题")).await;
    assert_eq!(next["consultationNo"], "ZX-2026-000002");
}
