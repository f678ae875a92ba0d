//! The demo data of the local server: published answers the knowledge base finds, and an open
//! survey; loaded once.

use wangban_tests::TestApp;

use super::{enc, items};

#[tokio::test]
async fn the_demo_data_answers_real_questions_and_opens_a_survey_once() {
    let app = TestApp::spawn().await;
    assert!(wangban_interaction::demo::seed(&app.ctx).await.unwrap());
    assert!(!wangban_interaction::demo::seed(&app.ctx).await.unwrap(), "loaded once");

    let replies = app.get("/api/v1/public/replies").await.json();
    assert_eq!(items(&replies).len(), 3);
    for (query, item) in [
        ("奶茶店要办食品经营许可证吗", "GY-SCJG-001"),
        ("施工许可证领了因为资金原因开不了工", "GY-ZJJ-001"),
        ("质量保证金 银行担保", "GZ-WHLYT-001"),
    ] {
        let kb = app.get(&format!("/api/v1/kb?q={}", enc(query))).await.json();
        let first = &items(&kb)[0];
        assert_eq!(
            (first["source"].as_str(), first["itemCode"].as_str()),
            (Some("published_reply"), Some(item)),
            "{query}: {kb}"
        );
    }
    let surveys = app.get("/api/v1/surveys").await.json();
    assert_eq!(items(&surveys).len(), 1);
    assert_eq!(items(&surveys)[0]["status"], "open");
    // The numbers go on after the demo's.
    let r = app
        .post(
            "/api/v1/consultations",
            serde_json::json!({"question": "能邮寄许可证吗？", "contact": {"phone": "13800138000"}}),
        )
        .await;
    assert_eq!(r.json()["consultationNo"], "ZX-2026-000004");
}
