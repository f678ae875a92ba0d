//! GIVEN the demo catalogue WHEN the public browses it THEN every disclosure route answers as
//! API.md says, cacheably.

use serde_json::Value;
use wangban_shared::seed::shipped_catalogue;
use wangban_tests::TestApp;

// Each of these runs on SQLite + local files and, with `--features emulators`, on DynamoDB + S3.
on_every_backend!(
    a_guide_read_costs_one_store_round_trip,
    policies_come_newest_first_by_kind_and_page,
    a_form_template_downloads_with_its_chinese_file_name,
);

fn codes(body: &Value) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn departments_and_windows_are_listed_with_their_contact_details() {
    let app = TestApp::spawn().await;
    let catalogue = shipped_catalogue();
    let r = app.get("/api/v1/departments").await;
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["items"].as_array().unwrap().len(), catalogue.departments.len());
    assert!(body["next"].is_null());
    for d in body["items"].as_array().unwrap() {
        for field in ["id", "name", "phone", "address", "hours"] {
            assert!(d[field].as_str().is_some_and(|s| !s.is_empty()), "department {field}: {d}");
        }
    }
    let windows = app.get("/api/v1/windows").await.json();
    assert_eq!(windows["items"].as_array().unwrap().len(), catalogue.windows.len());
    let w = &windows["items"][0];
    assert!(w["departmentId"].is_string() && w["location"].is_string() && w["itemCodes"].is_array());
}

#[tokio::test]
async fn one_department_comes_with_its_windows_and_items() {
    let app = TestApp::spawn().await;
    let catalogue = shipped_catalogue();
    let dept = &catalogue.departments[0];
    let body = app.get(&format!("/api/v1/departments/{}", dept.id)).await.json();
    assert_eq!(body["name"], dept.name.as_str());
    let expected_items = catalogue.items.iter().filter(|i| i.department_id == dept.id).count();
    let expected_windows = catalogue.windows.iter().filter(|w| w.department_id == dept.id).count();
    assert_eq!(body["items"].as_array().unwrap().len(), expected_items);
    assert_eq!(body["windows"].as_array().unwrap().len(), expected_windows);
    app.get("/api/v1/departments/no-such-dept").await.assert_problem(404, "department_not_found");
}

#[tokio::test]
async fn items_filter_by_department_and_by_chinese_substring() {
    let app = TestApp::spawn().await;
    let catalogue = shipped_catalogue();
    let all = app.get("/api/v1/items").await.json();
    assert_eq!(codes(&all).len(), catalogue.items.len());
    let first = &all["items"][0];
    for field in ["code", "name", "departmentId", "statutoryDays", "promisedDays"] {
        assert!(!first[field].is_null(), "summary has {field}");
    }

    let dept = &catalogue.departments[0].id;
    let by_dept = app.get(&format!("/api/v1/items?department={dept}")).await.json();
    let mut expected: Vec<String> =
        catalogue.items.iter().filter(|i| &i.department_id == dept).map(|i| i.code.to_string()).collect();
    expected.sort();
    assert_eq!(codes(&by_dept), expected);

    // A substring from the middle of a Chinese name, URL-encoded as a browser sends it.
    let item = &catalogue.items[0];
    let chars: Vec<char> = item.name.chars().collect();
    let middle: String = chars[1..chars.len().min(4)].iter().collect();
    let encoded: String = middle.bytes().map(|b| format!("%{b:02X}")).collect();
    let found = app.get(&format!("/api/v1/items?q={encoded}")).await.json();
    assert!(codes(&found).contains(&item.code.to_string()), "q={middle} finds {}", item.name);
    for i in found["items"].as_array().unwrap() {
        let hit =
            i["name"].as_str().unwrap().contains(&middle) || i["code"].as_str().unwrap().contains(&middle);
        assert!(hit, "{i} does not match {middle}");
    }
    let by_code = app.get(&format!("/api/v1/items?q={}", item.code.as_str().to_lowercase())).await.json();
    assert!(codes(&by_code).contains(&item.code.to_string()), "code search ignores case");
    let none = app.get("/api/v1/items?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E4%BA%8B%E9%A1%B9").await.json();
    assert!(codes(&none).is_empty());
}

#[tokio::test]
async fn the_full_guide_has_every_part_of_4_1_2() {
    let app = TestApp::spawn().await;
    let catalogue = shipped_catalogue();
    for item in &catalogue.items {
        let r = app.get(&format!("/api/v1/items/{}", item.code)).await;
        assert_eq!(r.status, 200);
        let g = r.json();
        for field in [
            "code",
            "name",
            "departmentId",
            "conditions",
            "materials",
            "statutoryDays",
            "promisedDays",
            "legalBasis",
            "process",
            "reviewStandards",
            "fees",
            "consultPhone",
            "complaintPhone",
            "faq",
            "prerequisites",
            "followUps",
            "free",
        ] {
            assert!(!g[field].is_null(), "{} lacks {field}", item.code);
        }
        let basis = &g["legalBasis"][0];
        assert!(basis["law"].is_string() && basis["article"].is_string() && basis["text"].is_string());
        assert!(g["promisedDays"].as_u64() <= g["statutoryDays"].as_u64());
    }
    app.get("/api/v1/items/NO-SUCH-ITEM").await.assert_problem(404, "item_not_found");
    app.get("/api/v1/items/%3Cscript%3E").await.assert_problem(404, "item_not_found");
}

async fn a_guide_read_costs_one_store_round_trip(app: TestApp) {
    let code = shipped_catalogue().items[0].code.clone();
    app.trips.reset();
    assert_eq!(app.get(&format!("/api/v1/items/{code}")).await.status, 200);
    assert_eq!((app.trips.reads(), app.trips.writes()), (1, 0));
}

#[tokio::test]
async fn public_gets_are_cacheable_and_revalidate_with_304() {
    let app = TestApp::spawn().await;
    let code = shipped_catalogue().items[0].code.clone();
    for uri in ["/api/v1/departments".to_owned(), "/api/v1/items".into(), format!("/api/v1/items/{code}")] {
        let first = app.get(&uri).await;
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");
        assert!(first.header("cache-control").unwrap().contains("max-age"));
        let again = app
            .send(
                http::Request::get(&uri)
                    .header("if-none-match", &etag)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(again.status, 304, "{uri}");
        assert!(again.bytes.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let stale = app
            .send(
                http::Request::get(&uri)
                    .header("if-none-match", "\"old\"")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(stale.status, 200);
    }
}

async fn a_form_template_downloads_with_its_chinese_file_name(app: TestApp) {
    let catalogue = shipped_catalogue();
    let (item, material) = catalogue
        .items
        .iter()
        .find_map(|i| i.materials.iter().find(|m| m.template.is_some()).map(|m| (i, m)))
        .expect("the demo catalogue has templates");
    let guide = app.get(&format!("/api/v1/items/{}", item.code)).await.json();
    let url = guide["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == material.id.as_str())
        .and_then(|m| m["templateUrl"].as_str())
        .expect("the guide links the template")
        .to_owned();
    let r = app.get(&url).await;
    assert_eq!(r.status, 200);
    let doc = material.template.as_ref().unwrap();
    assert_eq!(r.header("content-type"), Some(doc.content_type.as_str()));
    let disposition = r.header("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''%"), "the Chinese name, percent-encoded: {disposition}");
    assert!(!r.bytes.is_empty());

    let without = item.materials.iter().find(|m| m.template.is_none());
    if let Some(m) = without {
        app.get(&format!("/api/v1/items/{}/materials/{}/template", item.code, m.id))
            .await
            .assert_problem(404, "template_not_found");
    }
    app.get(&format!("/api/v1/items/{}/materials/nope/template", item.code))
        .await
        .assert_problem(404, "template_not_found");
}

async fn policies_come_newest_first_by_kind_and_page(app: TestApp) {
    let catalogue = shipped_catalogue();
    let all = app.get("/api/v1/policies").await.json();
    let dates: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|p| p["publishedOn"].as_str().unwrap()).collect();
    assert_eq!(dates.len(), catalogue.policies.len());
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");

    for kind in ["policy", "interpretation", "law_change"] {
        let body = app.get(&format!("/api/v1/policies?kind={kind}")).await.json();
        let items = body["items"].as_array().unwrap();
        assert!(!items.is_empty(), "some {kind}");
        assert!(items.iter().all(|p| p["kind"] == kind));
    }
    app.get("/api/v1/policies?kind=rumour").await.assert_problem(400, "invalid_kind");

    let mut seen = Vec::new();
    let mut uri = "/api/v1/policies?limit=2".to_owned();
    loop {
        let page = app.get(&uri).await.json();
        seen.extend(page["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match page["next"].as_str() {
            Some(next) => uri = format!("/api/v1/policies?limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), catalogue.policies.len(), "pages cover every policy once");
    app.get("/api/v1/policies?limit=0").await.assert_problem(400, "invalid_limit");
    app.get("/api/v1/policies?cursor=bogus").await.assert_problem(400, "invalid_cursor");
}

#[tokio::test]
async fn public_replies_and_decisions_are_empty_lists_until_something_is_published() {
    let app = TestApp::spawn().await;
    for uri in ["/api/v1/public/replies", "/api/v1/public/decisions"] {
        let body = app.get(uri).await.json();
        assert_eq!(body, serde_json::json!({"items": [], "next": null}));
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_get_problem_json() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/nothing-here").await.assert_problem(404, "not_found");
    app.call(http::Method::DELETE, "/api/v1/items", None, None)
        .await
        .assert_problem(405, "method_not_allowed");
}

#[tokio::test]
async fn malformed_path_segments_and_empty_cursors_are_handled_cleanly() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/departments/%FF").await.assert_problem(400, "invalid_path");
    app.get("/api/v1/items/GY-SCJG-001/materials/%C0/template").await.assert_problem(400, "invalid_path");
    assert_eq!(app.get("/api/v1/policies?cursor=").await.status, 200, "an empty cursor is the first page");
    app.get("/api/v1/public/replies?limit=0").await.assert_problem(400, "invalid_limit");
    app.get("/api/v1/public/decisions?cursor=garbage").await.assert_problem(400, "invalid_cursor");
}

#[tokio::test]
async fn a_sample_document_downloads_where_the_guide_offers_one() {
    let app = TestApp::spawn().await;
    let catalogue = shipped_catalogue();
    let (item, material) = catalogue
        .items
        .iter()
        .find_map(|i| i.materials.iter().find(|m| m.sample.is_some()).map(|m| (i, m)))
        .expect("the demo catalogue has samples");
    let guide = app.get(&format!("/api/v1/items/{}", item.code)).await.json();
    let entry =
        guide["materials"].as_array().unwrap().iter().find(|m| m["id"] == material.id.as_str()).unwrap();
    let r = app.get(entry["sampleUrl"].as_str().unwrap()).await;
    assert_eq!(r.status, 200);
    assert!(!r.bytes.is_empty());
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let big = serde_json::json!({"account": "a".repeat(3 * 1024 * 1024), "password": "x"});
    app.post("/api/v1/auth/login", big).await.assert_problem(413, "payload_too_large");
}
