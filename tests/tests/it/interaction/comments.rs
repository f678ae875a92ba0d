//! Comments: GIVEN a citizen's comment on an item or policy, WHEN its moderators approve or
//! reject it, THEN only an approved comment is public (without personal numbers), the author
//! learns why a rejected one is not, and nobody else sees it.

use serde_json::json;
use wangban_tests::{TestApp, ids};

use super::items;

const ITEM_TARGET: &str = "item:GY-SCJG-001";
const POLICY_TARGET: &str = "policy:food-business-licensing-measures-2023";

async fn post(app: &TestApp, token: &str, target: &str, content: &str) -> String {
    let r =
        app.post_as(&format!("/api/v1/comments?target={target}"), json!({"content": content}), token).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["status"], "pending");
    r.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_comment_is_public_after_approval_and_answered_by_the_items_department() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let stranger = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    let id =
        post(&app, &citizen, ITEM_TARGET, "指南很清楚，网上提交很方便。有问题可打我电话13800138000").await;
    let list = format!("/api/v1/comments?target={ITEM_TARGET}");
    assert!(items(&app.get(&list).await.json()).is_empty(), "not public before moderation");

    // The pending comment is its author's, its moderators' and the supervisors' only.
    let path = format!("/api/v1/comments/{id}");
    assert_eq!(app.get_as(&path, &citizen).await.json()["statusLabel"], "待审核");
    let other_clerk = app.staff_token("clerk-gy-hc").await;
    let expected = app.get("/api/v1/comments/no-such-comment").await.assert_problem(404, "comment_not_found");
    for refused in
        [app.get(&path).await, app.get_as(&path, &stranger).await, app.get_as(&path, &other_clerk).await]
    {
        assert_eq!(refused.assert_problem(404, "comment_not_found"), expected);
    }
    assert_eq!(app.get_as(&path, &app.staff_token("supervisor").await).await.status, 200);
    assert!(items(&app.get_as("/api/v1/work/comments", &other_clerk).await.json()).is_empty());
    let approve = json!({"decision": "approve"});
    app.post_as(&format!("{path}/moderation"), approve.clone(), &other_clerk)
        .await
        .assert_problem(404, "comment_not_found");
    app.post_as(&format!("{path}/moderation"), approve.clone(), &citizen)
        .await
        .assert_problem(403, "forbidden");

    // WHEN the food department approves and answers it
    let clerk = app.staff_token("clerk-gy-amr").await;
    let queue = app.get_as("/api/v1/work/comments", &clerk).await.json();
    assert_eq!(items(&queue)[0]["id"], id.as_str());
    app.post_as(&format!("{path}/reply"), json!({"content": "感谢"}), &clerk)
        .await
        .assert_problem(409, "not_approved");
    assert_eq!(app.post_as(&format!("{path}/moderation"), approve.clone(), &clerk).await.status, 200);
    app.post_as(&format!("{path}/moderation"), approve, &clerk)
        .await
        .assert_problem(409, "already_moderated");
    let r = app
        .post_as(&format!("{path}/reply"), json!({"content": "感谢您的肯定，我们将持续优化。"}), &clerk)
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    app.post_as(&format!("{path}/reply"), json!({"content": "again"}), &clerk)
        .await
        .assert_problem(409, "already_answered");

    // THEN it is public with the author's name masked and the phone number removed
    let public = app.get(&list).await;
    assert!(public.header("etag").is_some());
    let public = public.json();
    let shown = &items(&public)[0];
    assert_eq!(shown["authorName"], "张*");
    assert_eq!(shown["reply"]["content"], "感谢您的肯定，我们将持续优化。");
    let text = public.to_string();
    for secret in ["13800138000", "张三", "clerk", ids::PERSON_A] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(app.get(&path).await.status, 200, "an approved comment is public");
    assert!(items(&app.get_as("/api/v1/work/comments", &clerk).await.json()).is_empty());
    // Other targets do not show it.
    assert!(items(&app.get("/api/v1/comments?target=item:GY-WJW-001").await.json()).is_empty());
}

#[tokio::test]
async fn an_approved_comment_does_not_show_its_authors_own_name() {
    let app = TestApp::spawn().await;
    // GIVEN 张三 writes his own name into the comment, and staff greet him by it
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let id = post(&app, &citizen, ITEM_TARGET, "我是张三，住在观山湖区，网上提交很方便。").await;
    let path = format!("/api/v1/comments/{id}");
    let clerk = app.staff_token("clerk-gy-amr").await;
    // WHEN it is approved and answered
    let r = app.post_as(&format!("{path}/moderation"), json!({"decision": "approve"}), &clerk).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    let r =
        app.post_as(&format!("{path}/reply"), json!({"content": "张三您好，感谢您的肯定。"}), &clerk).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    // THEN the public sees neither the name in the text nor in the reply
    for public in
        [app.get(&format!("/api/v1/comments?target={ITEM_TARGET}")).await.json(), app.get(&path).await.json()]
    {
        let text = public.to_string();
        assert!(!text.contains("张三"), "{text}");
        assert!(text.contains("我是张某，住在观山湖区") && text.contains("张某您好"), "{text}");
    }
    // … while the author still reads what he wrote
    let own = app.get_as(&path, &citizen).await.json();
    assert_eq!(own["content"], "我是张三，住在观山湖区，网上提交很方便。");
}

#[tokio::test]
async fn a_rejected_comment_stays_private_and_its_author_is_told_why() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let id = post(&app, &citizen, ITEM_TARGET, "广告：代办各类证照，快速出证").await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let path = format!("/api/v1/comments/{id}/moderation");
    app.post_as(&path, json!({"decision": "reject"}), &clerk).await.assert_problem(422, "reason_required");
    let r = app.post_as(&path, json!({"decision": "reject", "reason": "含有商业广告"}), &clerk).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert!(items(&app.get(&format!("/api/v1/comments?target={ITEM_TARGET}")).await.json()).is_empty());
    app.get(&format!("/api/v1/comments/{id}")).await.assert_problem(404, "comment_not_found");
    let mine = app.get_as(&format!("/api/v1/comments/{id}"), &citizen).await.json();
    assert_eq!(
        (mine["status"].as_str(), mine["rejectionReason"].as_str()),
        (Some("rejected"), Some("含有商业广告"))
    );
    let inbox = app.get_as("/api/v1/me/messages", &citizen).await.json();
    assert!(items(&inbox)[0]["body"].as_str().unwrap().contains("含有商业广告"));
}

#[tokio::test]
async fn a_policy_comment_is_moderated_by_the_platform_administrator() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let id = post(&app, &citizen, POLICY_TARGET, "建议对仅销售预包装食品备案做更详细的解读。").await;
    let path = format!("/api/v1/comments/{id}/moderation");
    let clerk = app.staff_token("clerk-gy-amr").await;
    app.post_as(&path, json!({"decision": "approve"}), &clerk).await.assert_problem(404, "comment_not_found");
    let admin = app.staff_token("admin").await;
    assert_eq!(items(&app.get_as("/api/v1/work/comments", &admin).await.json())[0]["id"], id.as_str());
    assert_eq!(app.post_as(&path, json!({"decision": "approve"}), &admin).await.status, 200);
    let public = app.get(&format!("/api/v1/comments?target={POLICY_TARGET}")).await.json();
    assert_eq!(items(&public).len(), 1);
}

#[tokio::test]
async fn bad_comments_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let at = |target: &str| format!("/api/v1/comments?target={target}");
    app.post(&at(ITEM_TARGET), json!({"content": "好"})).await.assert_problem(401, "unauthorized");
    app.post_as(&at(ITEM_TARGET), json!({"content": "好"}), &clerk).await.assert_problem(403, "forbidden");
    app.post_as("/api/v1/comments", json!({"content": "好"}), &citizen)
        .await
        .assert_problem(400, "invalid_target");
    app.post_as(&at("case:1"), json!({"content": "好"}), &citizen)
        .await
        .assert_problem(400, "invalid_target");
    app.post_as(&at("item:NO-SUCH-ITEM"), json!({"content": "好"}), &citizen)
        .await
        .assert_problem(404, "target_not_found");
    app.post_as(&at("policy:no-such-policy"), json!({"content": "好"}), &citizen)
        .await
        .assert_problem(404, "target_not_found");
    app.post_as(&at(ITEM_TARGET), json!({"content": " "}), &citizen).await.assert_problem(422, "empty_text");
    app.post_as(&at(ITEM_TARGET), json!({"content": "长".repeat(501)}), &citizen)
        .await
        .assert_problem(422, "text_too_long");
    app.post_as(&at(ITEM_TARGET), json!({"content": "a\u{202E}b"}), &citizen)
        .await
        .assert_problem(422, "invalid_character");
    app.get("/api/v1/comments").await.assert_problem(400, "invalid_target");
    assert!(items(&app.get_as("/api/v1/work/comments", &clerk).await.json()).is_empty(), "nothing stored");
}
