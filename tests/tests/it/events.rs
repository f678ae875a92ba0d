//! The sample API Gateway (HTTP API v2) events in `events/<function>/` are fed through
//! `lambda_http`'s own event deserialisation into that function's router as the Lambda binary
//! serves it (`runtime::lambda_service`: edges and stage handling), in file-name order
//! on one fresh store, and must answer with the status listed in `events/<function>/expected.json`.
//! So the samples used with `cargo lambda invoke` can never rot. `__APPLICANT_TOKEN__`,
//! `__CLERK_TOKEN__`, `__ADMIN_TOKEN__` and `__SUPERVISOR_TOKEN__` in a sample stand for a fresh
//! access token.

use std::{collections::BTreeMap, path::PathBuf};

use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use wangban_shared::{config::AppContext, runtime};
use wangban_tests::{TestApp, ids};

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn router_of(function: &str, ctx: AppContext) -> Router {
    match function {
        "disclosure" => wangban_disclosure::router(ctx),
        "registration" => wangban_registration::router(ctx),
        "upload" => wangban_upload::router(ctx),
        "decision" => wangban_decision::router(ctx),
        "status" => wangban_status::router(ctx),
        "admin" => wangban_admin::router(ctx),
        "complaint" => wangban_complaint::router(ctx),
        "booking" => wangban_booking::router(ctx),
        "interaction" => wangban_interaction::router(ctx),
        other => panic!("events/{other}/ names no known function"),
    }
}

#[tokio::test]
async fn every_sample_event_is_answered_as_expected_by_its_function() {
    let mut functions: Vec<_> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    functions.sort();
    assert!(functions.len() >= 2, "sample events for at least disclosure and registration");
    let mut checked = 0;
    for dir in functions {
        let function = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected: BTreeMap<String, u16> = serde_json::from_str(
            &std::fs::read_to_string(dir.join("expected.json"))
                .unwrap_or_else(|_| panic!("events/{function}/expected.json lists each event's status")),
        )
        .unwrap();
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json") && n != "expected.json")
            .collect();
        files.sort();
        assert_eq!(
            files,
            expected.keys().cloned().collect::<Vec<_>>(),
            "events/{function}: files and expected.json agree"
        );

        let app = TestApp::spawn().await;
        let tokens = [
            ("__APPLICANT_TOKEN__", app.person_token(ids::PERSON_C, ids::PHONE_C).await),
            ("__CLERK_TOKEN__", app.staff_token("clerk-gy-amr").await),
            ("__ADMIN_TOKEN__", app.staff_token("admin").await),
            ("__SUPERVISOR_TOKEN__", app.staff_token("supervisor").await),
        ];
        let service = runtime::lambda_service(router_of(&function, app.ctx.clone()));
        for file in files {
            let mut text = std::fs::read_to_string(dir.join(&file)).unwrap();
            // Samples that need a user carry a placeholder; see the README for `cargo lambda invoke`.
            for (placeholder, token) in &tokens {
                text = text.replace(placeholder, token);
            }
            let request = lambda_http::request::from_str(&text)
                .unwrap_or_else(|e| panic!("events/{function}/{file} is not an API Gateway event: {e}"));
            let response = service.clone().oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(
                status,
                expected[&file],
                "events/{function}/{file}: {}",
                String::from_utf8_lossy(&body)
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} sample events");
}

/// The sample event `events/<function>/<file>` with another stage and raw path.
fn staged(function: &str, file: &str, stage: &str, raw_path: &str) -> String {
    let text = std::fs::read_to_string(events_dir().join(function).join(file)).unwrap();
    let mut event: serde_json::Value = serde_json::from_str(&text).unwrap();
    event["requestContext"]["stage"] = stage.into();
    event["rawPath"] = raw_path.into();
    event["requestContext"]["http"]["path"] = raw_path.into();
    event.to_string()
}

#[tokio::test]
async fn events_of_a_named_stage_and_of_the_default_stage_reach_the_same_route() {
    // Without AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH (the template sets it; the test process does
    // not), lambda_http puts a named stage in front of the path; an HTTP API's raw path of a
    // named stage already starts with it. Either way the route is found.
    assert!(std::env::var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_err(), "the harder case");
    let app = TestApp::spawn().await;
    let service = runtime::lambda_service(wangban_disclosure::router(app.ctx.clone()));
    let file = "02-one-department.json";
    let sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(events_dir().join("disclosure").join(file)).unwrap())
            .unwrap();
    let path = sample["rawPath"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/api/v1/departments/"), "{path}");
    let mut bodies = Vec::new();
    for (stage, raw_path) in [
        ("$default", path.clone()),
        ("prod", format!("/prod{path}")),
        ("prod", path.clone()),
        // A stage named like the first path segment is not mistaken for it.
        ("api", path.clone()),
    ] {
        let request = lambda_http::request::from_str(&staged("disclosure", file, stage, &raw_path)).unwrap();
        let response = service.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(status, 200, "stage {stage}, raw path {raw_path}: {}", String::from_utf8_lossy(&body));
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "the same answer on every stage");
    let unknown = staged("disclosure", file, "prod", "/prod/api/v1/no-such-route");
    let response = service.clone().oneshot(lambda_http::request::from_str(&unknown).unwrap()).await.unwrap();
    assert_eq!(response.status(), 404);
}
