//! Service ratings (好差评): GIVEN a decided case, WHEN its applicant rates it, THEN it is rated
//! once, the aggregates count it, and a poor rating is followed up by the department within 15
//! working days; nobody else rates or reads it.

use serde_json::json;
use time::Duration;
use wangban_tests::{TestApp, ids};

use super::{FOOD, decided, items, submitted};

#[tokio::test]
async fn the_applicant_rates_a_decided_case_once_and_the_aggregates_count_it() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let stranger = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    let open = submitted(&app, &citizen, FOOD).await;
    let rate = |id: &str| format!("/api/v1/applications/{id}/rating");
    app.post_as(&rate(&open), json!({"level": 5}), &citizen).await.assert_problem(409, "not_decided");
    let id = decided(&app, &citizen).await;

    let five = json!({"level": 5, "comment": "一次都没跑，网上全程办结"});
    let expected = app
        .post_as(&rate("no-such-case"), five.clone(), &citizen)
        .await
        .assert_problem(404, "application_not_found");
    assert_eq!(
        app.post_as(&rate(&id), five.clone(), &stranger).await.assert_problem(404, "application_not_found"),
        expected
    );
    app.post_as(&rate(&id), five.clone(), &app.staff_token("clerk-gy-amr").await)
        .await
        .assert_problem(403, "forbidden");
    app.post_as(&rate(&id), json!({"level": 6}), &citizen).await.assert_problem(422, "invalid_level");
    let r = app.post_as(&rate(&id), five.clone(), &citizen).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!((r.json()["levelLabel"].as_str(), r.json()["followUp"].is_null()), (Some("非常满意"), true));
    app.post_as(&rate(&id), json!({"level": 1, "comment": "改评"}), &citizen)
        .await
        .assert_problem(409, "already_rated");

    // Read by its applicant, its department and supervisors only.
    assert_eq!(app.get_as(&rate(&id), &citizen).await.json()["level"], 5);
    assert_eq!(app.get_as(&rate(&id), &app.staff_token("reviewer-gy-amr").await).await.status, 200);
    assert_eq!(app.get_as(&rate(&id), &app.staff_token("supervisor").await).await.status, 200);
    app.get_as(&rate(&id), &stranger).await.assert_problem(404, "application_not_found");
    app.get_as(&rate(&id), &app.staff_token("clerk-gy-hc").await)
        .await
        .assert_problem(404, "application_not_found");
    app.get_as(&rate(&open), &citizen).await.assert_problem(404, "rating_not_found");

    // The aggregates, public: per department, per item, and all rated ones.
    let dept = app.get("/api/v1/ratings?department=gy-amr").await.json();
    let amr = &dept["departments"][0];
    assert_eq!(
        (amr["count"].as_u64(), amr["average"].as_f64(), amr["satisfactionPercent"].as_f64()),
        (Some(1), Some(5.0), Some(100.0))
    );
    assert_eq!(amr["levels"][0], json!({"level": 5, "label": "非常满意", "count": 1}));
    let item = app.get(&format!("/api/v1/ratings?item={FOOD}")).await.json();
    assert_eq!(item["items"][0]["count"], 1);
    assert_eq!(item["items"][0]["name"], "食品经营许可");
    let all = app.get("/api/v1/ratings").await.json();
    assert_eq!(all["departments"][0]["id"], "gy-amr");
    assert_eq!(all["departments"][0]["name"], "贵阳市市场监督管理局");
    assert_eq!(all["items"][0]["id"], FOOD);
    let other = app.get("/api/v1/ratings?department=gy-hc").await.json();
    assert_eq!(
        (other["departments"][0]["count"].as_u64(), other["departments"][0]["average"].is_null()),
        (Some(0), true)
    );
    app.get("/api/v1/ratings?department=nowhere").await.assert_problem(404, "department_not_found");
    app.get("/api/v1/ratings?item=NO-SUCH-ITEM").await.assert_problem(404, "item_not_found");
    assert!(!all.to_string().contains("一次都没跑"), "comments are not published");
}

#[tokio::test]
async fn a_poor_rating_opens_a_follow_up_due_in_15_working_days_flagged_overdue_and_answered_once() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let id = decided(&app, &citizen).await;
    let path = format!("/api/v1/applications/{id}/rating");
    app.post_as(&path, json!({"level": 2}), &citizen).await.assert_problem(422, "comment_required");
    let r = app.post_as(&path, json!({"level": 1, "comment": "现场核查约了三次才来"}), &citizen).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    // Thursday 2026-12-03 + 15 working days (no holiday in between) = Thursday 2026-12-24.
    assert_eq!(r.json()["followUp"]["dueDate"], "2026-12-24");

    let clerk = app.staff_token("clerk-gy-amr").await;
    let queue = app.get_as("/api/v1/work/rating-follow-ups", &clerk).await.json();
    assert_eq!(items(&queue)[0]["applicationId"], id.as_str());
    let follow_up = &items(&queue)[0]["followUp"];
    assert_eq!(
        (follow_up["clock"].as_str(), follow_up["workingDaysLeft"].as_i64()),
        (Some("on_time"), Some(15))
    );
    let other = app.staff_token("clerk-gy-hc").await;
    assert!(items(&app.get_as("/api/v1/work/rating-follow-ups", &other).await.json()).is_empty());
    app.get_as("/api/v1/work/rating-follow-ups?department=gy-hc", &clerk)
        .await
        .assert_problem(403, "forbidden");
    app.get_as("/api/v1/work/rating-follow-ups", &citizen).await.assert_problem(403, "forbidden");

    // Past the due date the follow-up is flagged overdue.
    app.clock.advance(Duration::days(30));
    let clerk = app.staff_token("clerk-gy-amr").await;
    let queue = app.get_as("/api/v1/work/rating-follow-ups", &clerk).await.json();
    assert_eq!(items(&queue)[0]["followUp"]["clock"], "overdue");
    assert!(items(&queue)[0]["followUp"]["workingDaysLeft"].as_i64().unwrap() < 0);
    let supervisor = app.staff_token("supervisor").await;
    let watched = app.get_as("/api/v1/work/rating-follow-ups?department=gy-amr", &supervisor).await.json();
    assert_eq!(items(&watched).len(), 1);

    // Only the department answers, once; the applicant is told.
    let reply = json!({"content": "已约谈核查人员，今后核查提前一日电话预约，感谢监督。"});
    let other = app.staff_token("clerk-gy-hc").await;
    app.post_as(&format!("{path}/follow-up"), reply.clone(), &other)
        .await
        .assert_problem(404, "application_not_found");
    app.post_as(&format!("{path}/follow-up"), json!({"content": ""}), &clerk)
        .await
        .assert_problem(422, "empty_text");
    let r = app.post_as(&format!("{path}/follow-up"), reply.clone(), &clerk).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    app.post_as(&format!("{path}/follow-up"), reply, &clerk).await.assert_problem(409, "already_answered");
    assert!(items(&app.get_as("/api/v1/work/rating-follow-ups", &clerk).await.json()).is_empty());
    let answered = app.get_as("/api/v1/work/rating-follow-ups?status=answered", &clerk).await.json();
    assert_eq!(items(&answered)[0]["followUp"]["status"], "answered");
    let citizen = app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    let inbox = app.get_as("/api/v1/me/messages", &citizen).await.json();
    assert!(items(&inbox)[0]["body"].as_str().unwrap().contains("电话预约"));
    let aggregate = app.get("/api/v1/ratings?department=gy-amr").await.json();
    assert_eq!(aggregate["departments"][0]["poor"], 1);
}

#[tokio::test]
async fn a_good_rating_has_no_follow_up_and_a_withdrawn_case_is_not_rated() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let id = decided(&app, &citizen).await;
    let path = format!("/api/v1/applications/{id}/rating");
    assert_eq!(app.post_as(&path, json!({"level": 3}), &citizen).await.status, 201);
    let clerk = app.staff_token("clerk-gy-amr").await;
    app.post_as(&format!("{path}/follow-up"), json!({"content": "谢谢"}), &clerk)
        .await
        .assert_problem(409, "no_follow_up");
    let withdrawn = submitted(&app, &citizen, FOOD).await;
    let r = app.post_as(&format!("/api/v1/applications/{withdrawn}/withdraw"), json!({}), &citizen).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    app.post_as(&format!("/api/v1/applications/{withdrawn}/rating"), json!({"level": 5}), &citizen)
        .await
        .assert_problem(409, "not_decided");
}
