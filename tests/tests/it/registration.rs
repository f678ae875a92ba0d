//! GIVEN a citizen or an enterprise WHEN they register, log in and call `me` THEN identifiers
//! are checked, duplicates refused, tokens work and personal numbers are masked.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use http::Method;
use serde_json::json;
use wangban_shared::clock::Clock;
use wangban_shared::store::{Query, query_all};
use wangban_tests::{TestApp, ids};

// Each of these runs on SQLite + local files and, with `--features emulators`, on DynamoDB + S3.
on_every_backend!(
    concurrent_registrations_of_one_id_number_have_one_winner,
    refresh_tokens_rotate_and_work_once,
);

async fn record_count(app: &TestApp) -> usize {
    // Everything a registration writes lives under USER#, LOGIN# or REFRESH#; count users' claims.
    let mut n = 0;
    for (kind, value) in [("id", ids::PERSON_A), ("phone", ids::PHONE_A), ("uscc", ids::COMPANY_A)] {
        let pk = format!("LOGIN#{kind}#{value}");
        n += query_all(app.ctx.store.as_ref(), Query::partition(pk)).await.unwrap().len();
    }
    n
}

#[tokio::test]
async fn an_individual_registers_logs_in_and_sees_a_masked_profile() {
    let app = TestApp::spawn().await;
    let user_id = app.register_person("张三", ids::PERSON_A, ids::PHONE_A).await;
    let tokens = app.login(ids::PERSON_A, ids::PASSWORD).await;
    assert_eq!(tokens["tokenType"], "Bearer");
    assert_eq!(tokens["expiresIn"], 900);
    let token = tokens["accessToken"].as_str().unwrap();

    let me = app.get_as("/api/v1/me", token).await;
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["userId"], user_id.as_str());
    assert_eq!(
        (me["kind"].as_str(), me["role"].as_str(), me["name"].as_str()),
        (Some("individual"), Some("applicant"), Some("张三"))
    );
    assert_eq!(me["idNumber"], "520***********123X");
    assert_eq!(me["phone"], "138****8000");
    assert!(!me.to_string().contains(ids::PERSON_A) && !me.to_string().contains(ids::PHONE_A));

    // The phone is a login account too, and a lower-case x is the same ID number.
    app.login(ids::PHONE_A, ids::PASSWORD).await;
    app.login(&ids::PERSON_A.to_lowercase(), ids::PASSWORD).await;

    let inbox = app.get_as("/api/v1/me/messages", token).await.json();
    assert_eq!(inbox["items"][0]["title"], "注册成功");
}

#[tokio::test]
async fn an_enterprise_registers_with_its_uscc_and_logs_in_with_it() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/auth/register",
            json!({"kind": "enterprise", "orgName": "贵阳某某餐饮管理有限公司", "uscc": ids::COMPANY_A.to_lowercase(),
                   "legalRepresentative": "李四", "contactName": "王五", "phone": ids::PHONE_B, "password": ids::PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let token = app.login(ids::COMPANY_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    let me = app.get_as("/api/v1/me", &token).await.json();
    assert_eq!(me["kind"], "enterprise");
    assert_eq!(me["orgName"], "贵阳某某餐饮管理有限公司");
    assert_eq!(me["uscc"], ids::COMPANY_A);
    assert_eq!(me["phone"], "139****2345");
    assert!(me["idNumber"].is_null());
}

#[tokio::test]
async fn invalid_identifiers_get_422_naming_each_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let mut bad_check = ids::PERSON_A.to_owned();
    bad_check.replace_range(17..18, "1");
    let cases = [
        (bad_check.as_str(), "invalid_id_number"),
        ("520102199002301234", "invalid_id_number"), // 30 February
        ("52010219900101123", "invalid_id_number"),  // 17 characters
    ];
    for (id_number, code) in cases {
        let r = app
            .post(
                "/api/v1/auth/register",
                json!({"kind": "individual", "name": "张三", "idNumber": id_number, "phone": ids::PHONE_A, "password": ids::PASSWORD}),
            )
            .await;
        let body = r.assert_problem(422, code);
        assert_eq!(body["errors"][0]["field"], "idNumber");
        assert!(body["detail"].as_str().unwrap().contains("身份证"), "a Chinese message: {body}");
    }
    let r = app
        .post(
            "/api/v1/auth/register",
            json!({"kind": "enterprise", "orgName": "", "uscc": "91350100M000100Y44", "legalRepresentative": "李四",
                   "contactName": "王五", "phone": "12345", "password": "short"}),
        )
        .await;
    let body = r.assert_problem(422, "validation_failed");
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["orgName", "uscc", "phone", "password"] {
        assert!(fields.contains(&f), "{f} is named in {fields:?}");
    }
    assert_eq!(record_count(&app).await, 0, "nothing was written");

    app.post("/api/v1/auth/register", json!({"kind": "martian"})).await.assert_problem(422, "invalid_body");
    let not_json = app
        .send(
            http::Request::post("/api/v1/auth/register")
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{oops"))
                .unwrap(),
        )
        .await;
    not_json.assert_problem(400, "invalid_json");
}

#[tokio::test]
async fn a_second_registration_of_any_account_is_409_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.register_person("张三", ids::PERSON_A, ids::PHONE_A).await;
    let same_id = app
        .post(
            "/api/v1/auth/register",
            json!({"kind": "individual", "name": "冒名", "idNumber": ids::PERSON_A, "phone": ids::PHONE_C, "password": ids::PASSWORD}),
        )
        .await;
    assert_eq!(same_id.assert_problem(409, "already_registered")["errors"][0]["field"], "idNumber");
    let same_phone = app
        .post(
            "/api/v1/auth/register",
            json!({"kind": "individual", "name": "李四", "idNumber": ids::PERSON_B, "phone": ids::PHONE_A, "password": ids::PASSWORD}),
        )
        .await;
    assert_eq!(same_phone.assert_problem(409, "already_registered")["errors"][0]["field"], "phone");
    // The refused registrations claimed nothing: PERSON_B and PHONE_C are still free.
    app.register_person("李四", ids::PERSON_B, ids::PHONE_C).await;
}

async fn concurrent_registrations_of_one_id_number_have_one_winner(app: TestApp) {
    let app = std::sync::Arc::new(app);
    let phones = ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005", "13800000006"];
    let tasks: Vec<_> = phones
        .iter()
        .map(|phone| {
            let app = app.clone();
            let phone = phone.to_string();
            tokio::spawn(async move {
                app.post(
                    "/api/v1/auth/register",
                    json!({"kind": "individual", "name": "张三", "idNumber": ids::PERSON_A, "phone": phone, "password": ids::PASSWORD}),
                )
                .await
                .status
                .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409]);
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    app.register_person("张三", ids::PERSON_A, ids::PHONE_A).await;
    let attempt = |password: &'static str| {
        app.post("/api/v1/auth/login", json!({"account": ids::PERSON_A, "password": password}))
    };
    for _ in 0..4 {
        attempt("Wrong2026pass").await.assert_problem(401, "invalid_credentials");
    }
    let locked = attempt("Wrong2026pass").await;
    let body = locked.assert_problem(423, "account_locked");
    assert!(body["detail"].as_str().unwrap().contains("15 分钟"), "{body}");
    assert_eq!(locked.header("retry-after"), Some("900"));
    // Even the right password is refused while locked.
    attempt(ids::PASSWORD).await.assert_problem(423, "account_locked");
    app.clock.advance(time::Duration::minutes(15));
    app.login(ids::PERSON_A, ids::PASSWORD).await;
    // A success resets the count: four more failures do not lock.
    for _ in 0..4 {
        attempt("Wrong2026pass").await.assert_problem(401, "invalid_credentials");
    }
    app.login(ids::PERSON_A, ids::PASSWORD).await;
}

#[tokio::test]
async fn an_unknown_account_and_a_wrong_password_look_the_same() {
    let app = TestApp::spawn().await;
    app.register_person("张三", ids::PERSON_A, ids::PHONE_A).await;
    let unknown =
        app.post("/api/v1/auth/login", json!({"account": ids::PERSON_B, "password": ids::PASSWORD})).await;
    let wrong =
        app.post("/api/v1/auth/login", json!({"account": ids::PERSON_A, "password": "Wrong2026pass"})).await;
    assert_eq!(
        unknown.assert_problem(401, "invalid_credentials"),
        wrong.assert_problem(401, "invalid_credentials")
    );
}

async fn refresh_tokens_rotate_and_work_once(app: TestApp) {
    app.register_person("张三", ids::PERSON_A, ids::PHONE_A).await;
    let first = app.login(ids::PERSON_A, ids::PASSWORD).await;
    let refresh = first["refreshToken"].as_str().unwrap();
    let second = app.post("/api/v1/auth/refresh", json!({"refreshToken": refresh})).await;
    assert_eq!(second.status, 200);
    let second = second.json();
    assert_ne!(second["refreshToken"], first["refreshToken"]);
    assert_eq!(app.get_as("/api/v1/me", second["accessToken"].as_str().unwrap()).await.status, 200);
    app.post("/api/v1/auth/refresh", json!({"refreshToken": refresh}))
        .await
        .assert_problem(401, "invalid_refresh_token");
    app.post("/api/v1/auth/refresh", json!({"refreshToken": "made-up"}))
        .await
        .assert_problem(401, "invalid_refresh_token");
    // Refresh tokens expire 30 days after login, rotation or not.
    app.clock.advance(time::Duration::days(31));
    app.post("/api/v1/auth/refresh", json!({"refreshToken": second["refreshToken"]}))
        .await
        .assert_problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn expired_tampered_foreign_and_unsigned_tokens_get_401() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    app.get("/api/v1/me").await.assert_problem(401, "unauthorized");
    app.call(Method::GET, "/api/v1/me", None, Some("not-a-jwt")).await.assert_problem(401, "invalid_token");

    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["role"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
    app.get_as("/api/v1/me", &tampered).await.assert_problem(401, "invalid_token");

    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    app.get_as("/api/v1/me", &format!("{none_header}.{}.", parts[1]))
        .await
        .assert_problem(401, "invalid_token");

    let other = TestApp::spawn().await; // another deployment, another key
    let foreign = other.person_token(ids::PERSON_A, ids::PHONE_A).await;
    app.get_as("/api/v1/me", &foreign).await.assert_problem(401, "invalid_token");

    app.clock.advance(time::Duration::minutes(15));
    app.get_as("/api/v1/me", &token).await.assert_problem(401, "token_expired");
}

#[tokio::test]
async fn jwks_publishes_the_key_that_verifies_tokens() {
    let app = TestApp::spawn().await;
    let token = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let jwks = app.get("/api/v1/auth/jwks").await.json();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str()),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["kid"], key["kid"]);
    let verifier = wangban_shared::auth::TokenVerifier::new(vec![
        wangban_shared::auth::PublicKey::from_x(key["x"].as_str().unwrap()).unwrap(),
    ]);
    let now = app.clock.now_unix();
    assert!(verifier.verify(&token, now).is_ok(), "the published key verifies our tokens");
}

#[tokio::test]
async fn a_users_inbox_is_their_own() {
    let app = TestApp::spawn().await;
    let a = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let b = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    let inbox_a = app.get_as("/api/v1/me/messages", &a).await.json();
    let inbox_b = app.get_as("/api/v1/me/messages", &b).await.json();
    assert_eq!(inbox_a["items"].as_array().unwrap().len(), 1);
    assert_ne!(inbox_a["items"][0]["id"], inbox_b["items"][0]["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_at_most_five_password_checks_then_the_lock() {
    use wangban_shared::{domain::account::LoginKind, store::users};

    let app = std::sync::Arc::new(TestApp::spawn().await);
    app.register_person("张三", ids::PERSON_A, ids::PHONE_A).await;
    let attempt = |password: &'static str| {
        let app = app.clone();
        tokio::spawn(async move {
            app.post("/api/v1/auth/login", json!({"account": ids::PERSON_A, "password": password})).await
        })
    };
    let wrong: Vec<_> = (0..30).map(|_| attempt("Wrong2026pass")).collect();
    // The right password joins the burst once five attempts have been counted.
    let right = {
        let app = app.clone();
        tokio::spawn(async move {
            for _ in 0..20_000 {
                let user = users::find_by_login(app.ctx.store.as_ref(), LoginKind::IdNumber, ids::PERSON_A)
                    .await
                    .unwrap()
                    .unwrap()
                    .value;
                if user.failed_logins >= 5 || user.locked_until.is_some() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            app.post("/api/v1/auth/login", json!({"account": ids::PERSON_A, "password": ids::PASSWORD})).await
        })
    };
    let (mut refused, mut locked) = (0, 0);
    for task in wrong {
        let r = task.await.unwrap();
        match r.status.as_u16() {
            401 => {
                r.assert_problem(401, "invalid_credentials");
                refused += 1;
            }
            423 => {
                r.assert_problem(423, "account_locked");
                locked += 1;
            }
            429 => {
                r.assert_problem(429, "too_many_attempts");
                assert_eq!(r.header("retry-after"), Some("1"));
            }
            other => panic!("unexpected {other}: {}", String::from_utf8_lossy(&r.bytes)),
        }
    }
    assert!(refused <= 5, "{refused} wrong passwords were checked");
    assert!(locked >= 1, "the burst ends in the lock");
    let right = right.await.unwrap();
    assert!(
        matches!(right.status.as_u16(), 423 | 429),
        "the right password after the fifth: {}",
        right.status
    );
    app.post("/api/v1/auth/login", json!({"account": ids::PERSON_A, "password": ids::PASSWORD}))
        .await
        .assert_problem(423, "account_locked");
    app.clock.advance(time::Duration::minutes(15));
    app.login(ids::PERSON_A, ids::PASSWORD).await;
}

/// An ID number of a person from Guiyang born on `birth` (YYYYMMDD), with its check character.
fn id_number_born(birth: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("520102{birth}123");
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{body}{}", ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize])
}

#[tokio::test]
async fn an_id_number_born_after_today_is_refused() {
    let app = TestApp::spawn().await; // today is 2026-12-03 in China
    let register = |id_number: String| {
        app.post(
            "/api/v1/auth/register",
            json!({"kind": "individual", "name": "张三", "idNumber": id_number, "phone": ids::PHONE_A, "password": ids::PASSWORD}),
        )
    };
    let body = register(id_number_born("20261204")).await.assert_problem(422, "invalid_id_number");
    assert_eq!(body["errors"][0]["field"], "idNumber");
    assert_eq!(body["detail"], "身份证号码中的出生日期晚于今天");
    let body = register(id_number_born("20500101")).await.assert_problem(422, "invalid_id_number");
    assert_eq!(body["errors"][0]["field"], "idNumber");
    assert_eq!(record_count(&app).await, 0, "nothing was written");
    // Born today is fine.
    assert_eq!(register(id_number_born("20261203")).await.status, 201);
}

#[tokio::test]
async fn names_with_control_or_invisible_characters_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let person = |name: &str| json!({"kind": "individual", "name": name, "idNumber": ids::PERSON_A, "phone": ids::PHONE_A, "password": ids::PASSWORD});
    for (name, code) in [
        ("张\u{0007}三", "invalid_characters"),
        ("张\u{200B}三", "invalid_characters"),
        ("\u{FEFF}张三", "invalid_characters"),
        ("张三\u{202E}", "invalid_characters"),
        ("\u{2066}张三\u{2069}", "invalid_characters"),
        ("\u{200B}\u{200D}", "required"),
        (" \u{FEFF} ", "required"),
    ] {
        let body = app.post("/api/v1/auth/register", person(name)).await.assert_problem(422, code);
        assert_eq!(body["errors"][0]["field"], "name", "{name:?}: {body}");
        assert!(body["detail"].as_str().unwrap().starts_with("姓名"), "{body}");
    }
    let enterprise = |org: &str, contact: &str| {
        json!({"kind": "enterprise", "orgName": org, "uscc": ids::COMPANY_A, "legalRepresentative": "李四",
               "contactName": contact, "phone": ids::PHONE_B, "password": ids::PASSWORD})
    };
    let body = app
        .post("/api/v1/auth/register", enterprise("贵阳某某\u{200C}餐饮有限公司", "王五"))
        .await
        .assert_problem(422, "invalid_characters");
    assert_eq!(body["errors"][0]["field"], "orgName");
    assert!(body["detail"].as_str().unwrap().starts_with("单位名称"), "{body}");
    let body = app
        .post("/api/v1/auth/register", enterprise("贵阳某某餐饮有限公司", "王\u{202B}五"))
        .await
        .assert_problem(422, "invalid_characters");
    assert_eq!(body["errors"][0]["field"], "contactName");
    let body = app
        .post("/api/v1/auth/register", enterprise("\u{2067}\u{2069}", "\u{0085}"))
        .await
        .assert_problem(422, "validation_failed");
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["orgName", "contactName"]);
    assert_eq!(record_count(&app).await, 0, "nothing was written");
}

#[tokio::test]
async fn field_messages_have_no_stray_space() {
    let app = TestApp::spawn().await;
    let body = app
        .post(
            "/api/v1/auth/register",
            json!({"kind": "individual", "name": "  ", "idNumber": ids::PERSON_A, "phone": ids::PHONE_A, "password": ids::PASSWORD}),
        )
        .await
        .assert_problem(422, "required");
    assert_eq!(body["errors"][0]["message"], "姓名不能为空");
    assert_eq!(body["detail"], "姓名不能为空");
}
