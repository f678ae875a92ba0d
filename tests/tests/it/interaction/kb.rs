//! The knowledge base: Chinese queries without spaces find the right FAQ first, unrelated ones
//! find nothing, and a search stays within its round-trip budget.

use wangban_tests::TestApp;

use super::{FOOD, enc, items};

#[tokio::test]
async fn the_food_licence_material_question_comes_first_for_a_chinese_query() {
    let app = TestApp::spawn().await;
    let r = app.get(&format!("/api/v1/kb?q={}", enc("食品经营许可 需要什么材料"))).await;
    assert_eq!(r.status, 200);
    assert!(r.header("etag").is_some(), "public and cacheable");
    let body = r.json();
    let first = &items(&body)[0];
    assert_eq!(first["itemCode"], FOOD);
    assert_eq!(first["title"], "申请食品经营许可需要什么材料？");
    assert_eq!(first["source"], "faq");
    assert!(first["answer"].as_str().unwrap().contains("食品经营许可申请书"));
    let scores: Vec<f64> = items(&body).iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    // The same without any space, and with a limit.
    let body = app.get(&format!("/api/v1/kb?q={}&limit=1", enc("食品经营许可需要什么材料"))).await.json();
    assert_eq!(items(&body).len(), 1);
    assert_eq!(items(&body)[0]["title"], "申请食品经营许可需要什么材料？");
}

#[tokio::test]
async fn unrelated_queries_find_nothing_and_bad_queries_are_refused() {
    let app = TestApp::spawn().await;
    for q in ["量子计算机", "火箭发射许可", "许可", "xyzzy"] {
        let body = app.get(&format!("/api/v1/kb?q={}", enc(q))).await.json();
        assert!(items(&body).is_empty(), "{q}: {body}");
    }
    app.get("/api/v1/kb").await.assert_problem(422, "empty_text");
    app.get("/api/v1/kb?q=%20").await.assert_problem(422, "empty_text");
    app.get(&format!("/api/v1/kb?q={}", enc(&"许".repeat(101)))).await.assert_problem(422, "text_too_long");
    app.get("/api/v1/kb?q=x&limit=0").await.assert_problem(400, "invalid_limit");
}

#[tokio::test]
async fn a_search_reads_the_store_twice_when_cold_and_not_at_all_when_warm() {
    let app = TestApp::spawn().await;
    let url = format!("/api/v1/kb?q={}", enc("施工许可证多久必须开工"));
    app.trips.reset();
    let cold = app.get(&url).await.json();
    assert_eq!(app.trips.reads(), 2, "every guide in one query, every published answer in another");
    assert_eq!(items(&cold)[0]["itemCode"], "GY-ZJJ-001");
    app.trips.reset();
    app.get(&url).await;
    assert_eq!(app.trips.total(), 0, "the index is kept per process");
}
