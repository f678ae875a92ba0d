//! Interaction (§4.3) end to end: consultations, surveys, comments, the knowledge base and
//! service ratings, each with its authorisation proven for the wrong users.

mod comments;
mod consultations;
mod demo;
mod kb;
mod ratings;
mod surveys;

use serde_json::{Value, json};
use wangban_shared::{
    clock::Clock,
    domain::account::{AccountKind, Role},
};
use wangban_tests::TestApp;

pub const FOOD: &str = "GY-SCJG-001"; // 食品经营许可, gy-amr

/// An access token for a citizen account that need not be registered (for many responders).
pub fn citizen_token(app: &TestApp, user_id: &str) -> String {
    let signer = app.ctx.signer.as_ref().expect("the test context signs tokens");
    signer.sign(user_id, Role::Applicant, AccountKind::Individual, None, app.clock.now().unix_timestamp())
}

/// A case of `code` submitted by `citizen` with every required material.
pub async fn submitted(app: &TestApp, citizen: &str, code: &str) -> String {
    let guide = app.get(&format!("/api/v1/items/{code}")).await.json();
    let mut materials = Vec::new();
    for m in guide["materials"].as_array().unwrap().iter().filter(|m| m["required"] == true) {
        materials.push(json!({"materialId": m["id"], "uploadId": app.upload_pdf(citizen).await}));
    }
    let r = app
        .post_as("/api/v1/applications", json!({"itemCodes": [code], "materials": materials}), citizen)
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()["applicationId"].as_str().unwrap().to_owned()
}

/// A case of 食品经营许可 accepted and approved by gy-amr.
pub async fn decided(app: &TestApp, citizen: &str) -> String {
    let id = submitted(app, citizen, FOOD).await;
    let clerk = app.staff_token("clerk-gy-amr").await;
    let reviewer = app.staff_token("reviewer-gy-amr").await;
    let steps: [(&str, &str, Value); 3] = [
        ("acceptance", &clerk, json!({"decision": "accept"})),
        ("review", &reviewer, json!({"decision": "start"})),
        (
            "review",
            &reviewer,
            json!({"decision": "approve", "opinion": "经审查，符合食品经营许可条件", "legalBasis": "《中华人民共和国食品安全法》第三十五条"}),
        ),
    ];
    for (action, token, body) in steps {
        let r = app.post_as(&format!("/api/v1/applications/{id}/{action}"), body, token).await;
        assert_eq!(r.status, 200, "{action}: {}", String::from_utf8_lossy(&r.bytes));
    }
    id
}

pub fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().unwrap_or_else(|| panic!("a list: {body}"))
}

/// Percent-encodes a query value (UTF-8), as a browser would.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
