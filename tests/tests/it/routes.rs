//! Every route a function declares is served by its router, and the OpenAPI document describes
//! exactly those routes.

use std::collections::BTreeSet;

use http::Method;
use wangban_tests::TestApp;

fn declared() -> BTreeSet<(String, String)> {
    [
        wangban_disclosure::ROUTES,
        wangban_registration::ROUTES,
        wangban_upload::ROUTES,
        wangban_decision::ROUTES,
        wangban_status::ROUTES,
        wangban_admin::ROUTES,
        wangban_complaint::ROUTES,
        wangban_booking::ROUTES,
        wangban_interaction::ROUTES,
    ]
    .iter()
    .flat_map(|routes| routes.iter())
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect()
}

#[tokio::test]
async fn every_declared_route_is_served() {
    let app = TestApp::spawn().await;
    for (method, path) in declared() {
        let concrete: String = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "X-1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let body = (method == "POST").then(|| serde_json::json!({}));
        let r = app.call(Method::from_bytes(method.as_bytes()).unwrap(), &concrete, body, None).await;
        if r.header("content-type") == Some("application/problem+json") {
            let code = r.json()["code"].as_str().unwrap_or_default().to_owned();
            assert!(
                code != "not_found" && code != "method_not_allowed",
                "{method} {path} is declared but not routed ({code})"
            );
        }
    }
}

#[test]
fn the_openapi_document_describes_exactly_the_served_routes() {
    let doc: serde_json::Value = serde_json::from_str(wangban_shared::api::OPENAPI_JSON).unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let served = declared();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(undocumented.is_empty(), "served but not in openapi.json: {undocumented:?}");
    assert!(phantom.is_empty(), "in openapi.json but not served: {phantom:?}");
}
