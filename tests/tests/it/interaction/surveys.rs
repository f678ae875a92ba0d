//! Surveys: GIVEN a survey staff opened, WHEN accounts answer, THEN each answers once, the
//! counts are exact even under concurrent answers, and the results are published at closing.

use serde_json::{Value, json};
use time::Duration;
use wangban_shared::clock::Clock;
use wangban_tests::{TestApp, ids};

use super::{citizen_token, items};

fn definition(app: &TestApp) -> Value {
    let closes = app.clock.now() + Duration::days(10);
    json!({
        "title": "政务服务中心周六延时服务意见征集",
        "description": "拟在周六上午增设综合窗口，征求意见。",
        "closesAt": closes.format(&time::format_description::well_known::Rfc3339).unwrap(),
        "questions": [
            {"text": "您是否需要周六上午窗口服务？", "kind": "single", "options": ["需要", "不需要"]},
            {"text": "您常办理哪些部门的事项？", "kind": "multiple", "options": ["市场监管", "卫生健康", "交通运输"], "required": false},
            {"text": "其他建议", "kind": "text", "required": false}
        ]
    })
}

async fn create(app: &TestApp, token: &str) -> String {
    let r = app.post_as("/api/v1/surveys", definition(app), token).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()["id"].as_str().unwrap().to_owned()
}

fn counts(results: &Value, question: usize) -> Vec<u64> {
    results["questions"][question]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn each_account_answers_once_and_the_results_are_published_when_the_survey_closes() {
    let app = TestApp::spawn().await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let id = create(&app, &clerk).await;
    let listed = app.get("/api/v1/surveys").await.json();
    assert_eq!(items(&listed)[0]["id"], id.as_str());
    assert_eq!(items(&listed)[0]["status"], "open");
    assert_eq!(items(&listed)[0]["questions"][1]["options"][2], json!({"id": "o3", "label": "交通运输"}));

    let a = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let b = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    let path = format!("/api/v1/surveys/{id}/responses");
    let answer = |single: &str, multiple: Vec<&str>, text: &str| {
        json!({"answers": [
            {"questionId": "q1", "optionIds": [single]},
            {"questionId": "q2", "optionIds": multiple},
            {"questionId": "q3", "text": text}
        ]})
    };
    let r = app.post_as(&path, answer("o1", vec!["o1", "o3"], "希望增加自助打证机"), &a).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    app.post_as(&path, answer("o2", vec![], "改主意了"), &a).await.assert_problem(409, "already_responded");
    assert_eq!(app.post_as(&path, answer("o1", vec!["o1"], ""), &b).await.status, 201);
    app.post(&path, answer("o1", vec![], "")).await.assert_problem(401, "unauthorized");

    // While open the public does not see results; the department does, without free text.
    let results = format!("/api/v1/surveys/{id}/results");
    app.get(&results).await.assert_problem(403, "results_not_published");
    app.get_as(&results, &a).await.assert_problem(403, "results_not_published");
    app.get_as(&results, &app.staff_token("clerk-gy-hc").await)
        .await
        .assert_problem(403, "results_not_published");
    let staff = app.get_as(&results, &clerk).await.json();
    assert_eq!(staff["respondents"], 2);
    assert_eq!(counts(&staff, 0), [2, 0]);
    assert_eq!(counts(&staff, 1), [2, 0, 1]);
    assert!(staff.get("freeText").is_none(), "free text only once closed");

    // WHEN the survey closes, THEN everyone sees the counts, the department also the free text.
    app.clock.advance(Duration::days(11));
    let clerk = app.staff_token("clerk-gy-amr").await;
    let a = app.person_token(ids::PERSON_C, ids::PHONE_C).await;
    app.post_as(&path, answer("o1", vec![], ""), &a).await.assert_problem(409, "survey_not_open");
    let public = app.get(&results).await;
    assert_eq!(public.status, 200);
    assert!(public.header("etag").is_some(), "published results are cacheable");
    let public = public.json();
    assert_eq!((public["respondents"].as_u64(), public["status"].as_str()), (Some(2), Some("closed")));
    assert_eq!(counts(&public, 1), [2, 0, 1]);
    assert!(public.get("freeText").is_none());
    let staff = app.get_as(&results, &clerk).await.json();
    let texts: Vec<&str> = items(&staff["freeText"]).iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["希望增加自助打证机"]);
    assert!(!staff["freeText"].to_string().contains(ids::PERSON_A), "free text without who wrote it");
    let other = app.get_as(&results, &app.staff_token("clerk-gy-hc").await).await.json();
    assert!(other.get("freeText").is_none(), "another department sees the published counts only");
    let supervisor = app.get_as(&results, &app.staff_token("supervisor").await).await.json();
    assert!(supervisor["freeText"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_responders_are_counted_exactly_and_a_repeated_account_only_once() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let id = create(&app, &app.staff_token("clerk-gy-amr").await).await;
    let path = format!("/api/v1/surveys/{id}/responses");
    let mut tasks = Vec::new();
    // 24 accounts answer at once, and one more account sends its answer 6 times at once.
    for i in 0..30 {
        let (app, path) = (app.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let user = if i < 24 { format!("responder-{i}") } else { "eager-responder".to_owned() };
            let token = citizen_token(&app, &user);
            let option = if i % 3 == 0 { "o2" } else { "o1" };
            let body = json!({"answers": [{"questionId": "q1", "optionIds": [option]}, {"questionId": "q2", "optionIds": ["o1", "o2"]}]});
            app.post_as(&path, body, &token).await.status.as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses[..24].iter().all(|s| *s == 201), "{statuses:?}");
    let repeated = &statuses[24..];
    assert_eq!(repeated.iter().filter(|s| **s == 201).count(), 1, "{repeated:?}");
    assert_eq!(repeated.iter().filter(|s| **s == 409).count(), 5, "{repeated:?}");

    let results = app
        .get_as(&format!("/api/v1/surveys/{id}/results"), &app.staff_token("clerk-gy-amr").await)
        .await
        .json();
    assert_eq!(results["respondents"], 25);
    // i % 3 == 0 for i in 0..24 is 8 accounts; the repeated account (i = 24..29) chose by its winning copy.
    let q1 = counts(&results, 0);
    assert_eq!(q1.iter().sum::<u64>(), 25);
    assert!(q1 == [16, 9] || q1 == [17, 8], "{q1:?}");
    assert_eq!(counts(&results, 1), [25, 25, 0]);
    assert_eq!(results["questions"][1]["answered"], 25);
}

#[tokio::test]
async fn bad_surveys_and_bad_answers_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    app.post_as("/api/v1/surveys", definition(&app), &citizen).await.assert_problem(403, "forbidden");
    app.post_as("/api/v1/surveys", definition(&app), &app.staff_token("supervisor").await)
        .await
        .assert_problem(403, "forbidden");
    let clerk = app.staff_token("clerk-gy-amr").await;
    let mut bad = definition(&app);
    bad["title"] = json!("");
    bad["questions"][0]["options"] = json!(["只有一个"]);
    bad["closesAt"] = json!("2020-01-01T00:00:00+08:00");
    let problem = app.post_as("/api/v1/surveys", bad, &clerk).await.assert_problem(422, "validation_failed");
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "closesAt", "questions[0].options"]);
    assert!(items(&app.get("/api/v1/surveys").await.json()).is_empty(), "nothing created");

    let id = create(&app, &clerk).await;
    let path = format!("/api/v1/surveys/{id}/responses");
    for (answers, code) in [
        (json!([]), "answer_required"),
        (json!([{"questionId": "q1", "optionIds": ["o1", "o2"]}]), "invalid_answer"),
        (
            json!([{"questionId": "q1", "optionIds": ["o1"]}, {"questionId": "q9", "optionIds": ["o1"]}]),
            "unknown_question",
        ),
        (
            json!([{"questionId": "q1", "optionIds": ["o1"]}, {"questionId": "q3", "text": "长".repeat(1001)}]),
            "text_too_long",
        ),
    ] {
        app.post_as(&path, json!({"answers": answers}), &citizen).await.assert_problem(422, code);
    }
    app.post_as("/api/v1/surveys/no-such-survey/responses", json!({"answers": []}), &citizen)
        .await
        .assert_problem(404, "survey_not_found");
    let results = app.get_as(&format!("/api/v1/surveys/{id}/results"), &clerk).await.json();
    assert_eq!(results["respondents"], 0, "refused answers are not counted");
    // … and the refused account may still answer properly.
    assert_eq!(
        app.post_as(&path, json!({"answers": [{"questionId": "q1", "optionIds": ["o1"]}]}), &citizen)
            .await
            .status,
        201
    );
}
