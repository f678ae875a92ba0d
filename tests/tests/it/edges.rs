//! GIVEN any function behind the shared edges WHEN it answers THEN private answers are never
//! cached, request ids are ours unless the client sent a UUID, errors speak Chinese in `detail`
//! (the parser's English goes to `hint`) and 401s name the Bearer scheme.

use http::{Method, Request};
use serde_json::json;
use wangban_tests::{TestApp, ids};

fn is_ascii_free(text: &str) -> bool {
    !text.chars().any(|c| c.is_ascii_alphabetic())
}

#[tokio::test]
async fn answers_with_tokens_or_personal_data_are_not_cached() {
    let app = TestApp::spawn().await;
    app.register_person("张三", ids::PERSON_A, ids::PHONE_A).await;
    let login =
        app.post("/api/v1/auth/login", json!({"account": ids::PERSON_A, "password": ids::PASSWORD})).await;
    assert_eq!(login.status, 200);
    assert_eq!(login.header("cache-control"), Some("no-store"), "login carries tokens");
    let token = login.json()["accessToken"].as_str().unwrap().to_owned();
    let refresh =
        app.post("/api/v1/auth/refresh", json!({"refreshToken": login.json()["refreshToken"]})).await;
    assert_eq!(refresh.status, 200);
    assert_eq!(refresh.header("cache-control"), Some("no-store"), "refresh carries tokens");
    for uri in ["/api/v1/me", "/api/v1/me/messages"] {
        let r = app.get_as(uri, &token).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("cache-control"), Some("no-store"), "{uri} is personal");
    }
    // Public answers keep the caching they chose.
    let jwks = app.get("/api/v1/auth/jwks").await;
    assert!(jwks.header("cache-control").unwrap().contains("max-age"));
}

#[tokio::test]
async fn a_request_id_that_is_not_a_uuid_is_replaced() {
    let app = TestApp::spawn().await;
    let with_id = |id: &str| {
        Request::builder()
            .method(Method::GET)
            .uri("/api/v1/auth/jwks")
            .header("x-request-id", id)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let smuggled = format!("{}-{}", ids::PERSON_A, ids::PHONE_A);
    let r = app.send(with_id(&smuggled)).await;
    let echoed = r.header("x-request-id").unwrap();
    assert_ne!(echoed, smuggled);
    assert!(!echoed.contains(ids::PERSON_A) && !echoed.contains(ids::PHONE_A));
    assert!(uuid_like(echoed), "{echoed}");

    let id = "0190f5a2-7c1e-7d3a-9b4e-2f6a8c1d3e5f";
    assert_eq!(app.send(with_id(id)).await.header("x-request-id"), Some(id), "a UUID is kept");
    assert_eq!(
        app.send(with_id(&id.to_uppercase())).await.header("x-request-id"),
        Some(id),
        "in its canonical form"
    );
    let none = app.get("/api/v1/auth/jwks").await;
    assert!(uuid_like(none.header("x-request-id").unwrap()), "one is generated when none is sent");
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit() && !c.is_ascii_uppercase()
            }
        })
}

#[tokio::test]
async fn malformed_input_gets_a_chinese_detail_and_an_english_hint() {
    let app = TestApp::spawn().await;
    let body = app
        .post("/api/v1/auth/register", json!({"kind": "individual", "name": "张三"}))
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(body["detail"], "请求内容不符合要求：缺少字段或字段类型不正确");
    assert!(body["hint"].as_str().unwrap().contains("missing field"), "{body}");

    let not_json = app
        .send(
            Request::post("/api/v1/auth/login")
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{oops"))
                .unwrap(),
        )
        .await;
    let body = not_json.assert_problem(400, "invalid_json");
    assert!(is_ascii_free(&body["detail"].as_str().unwrap().replace("JSON", "")), "{body}");
    assert!(body["hint"].as_str().is_some_and(|h| !h.is_empty()), "{body}");

    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let body =
        app.get_as("/api/v1/me/messages?limit=many", &token).await.assert_problem(400, "invalid_query");
    assert!(is_ascii_free(body["detail"].as_str().unwrap()), "{body}");
    assert!(body["hint"].as_str().unwrap().contains("limit"), "{body}");

    // Problems without a developer hint do not carry the member at all.
    let body = app.get("/api/v1/nowhere").await.assert_problem(404, "not_found");
    assert!(body.get("hint").is_none(), "{body}");
}

#[tokio::test]
async fn unauthorised_answers_name_the_bearer_scheme() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let missing = app.get("/api/v1/me").await;
    missing.assert_problem(401, "unauthorized");
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));

    let invalid = app.get_as("/api/v1/me", "not-a-jwt").await;
    invalid.assert_problem(401, "invalid_token");
    assert_eq!(invalid.header("www-authenticate"), Some(r#"Bearer error="invalid_token""#));

    let wrong =
        app.post("/api/v1/auth/login", json!({"account": ids::PERSON_A, "password": "Wrong2026pass"})).await;
    wrong.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong.header("www-authenticate"), Some("Bearer"));

    app.clock.advance(time::Duration::minutes(15));
    let expired = app.get_as("/api/v1/me", &token).await;
    expired.assert_problem(401, "token_expired");
    assert_eq!(expired.header("www-authenticate"), Some(r#"Bearer error="invalid_token""#));
}
