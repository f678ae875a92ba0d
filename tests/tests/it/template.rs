//! The SAM template `infra/aws/template.yaml` against the code: every router route has an API
//! route to its function and vice versa, the table is exactly THE table definition, and each
//! function gets the backends (and only the permissions) its binary uses.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

use serde_json::{Value, json};
use wangban_shared::store::table::DEFINITION;

/// A function's resource in the template, its crate directory and binary, and its routes.
type Deployed = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

/// Every function behind the HTTP API. A new function goes here (and into the template) or this
/// test fails.
const FUNCTIONS: &[Deployed] = &[
    ("DisclosureFunction", "functions/disclosure", "disclosure", wangban_disclosure::ROUTES),
    ("RegistrationFunction", "functions/registration", "registration", wangban_registration::ROUTES),
    ("UploadFunction", "functions/upload", "upload", wangban_upload::ROUTES),
    ("DecisionFunction", "functions/decision", "decision", wangban_decision::ROUTES),
    ("StatusFunction", "functions/status", "status", wangban_status::ROUTES),
    ("AdminFunction", "functions/admin", "admin", wangban_admin::ROUTES),
    ("BookingFunction", "functions/booking", "booking", wangban_booking::ROUTES),
    ("ComplaintFunction", "functions/complaint", "complaint", wangban_complaint::ROUTES),
    ("InteractionFunction", "functions/interaction", "interaction", wangban_interaction::ROUTES),
];

/// Functions without routes (invoked by a schedule), with their crate directory and binary.
const SCHEDULED: &[(&str, &str, &str)] = &[("SweeperFunction", "functions/decision", "sweeper")];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The template as JSON (CloudFormation's short tags, `!Ref x`, as serde_norway renders them).
fn template() -> Value {
    let text =
        std::fs::read_to_string(root().join("infra/aws/template.yaml")).expect("infra/aws/template.yaml");
    let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("the template is YAML");
    serde_json::to_value(yaml).expect("YAML as JSON")
}

fn resources(t: &Value) -> &serde_json::Map<String, Value> {
    t["Resources"].as_object().expect("Resources")
}

fn functions(t: &Value) -> BTreeMap<String, Value> {
    resources(t)
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(name, r)| (name.clone(), r.clone()))
        .collect()
}

fn api_routes(function: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (name, event) in function["Properties"]["Events"].as_object().into_iter().flatten() {
        if event["Type"] != "HttpApi" {
            continue;
        }
        let p = &event["Properties"];
        assert!(
            p["ApiId"].to_string().contains("\"HttpApi\""),
            "event {name} is on the one HTTP API: {}",
            p["ApiId"]
        );
        let route = (p["Method"].as_str().unwrap().to_owned(), p["Path"].as_str().unwrap().to_owned());
        assert!(routes.insert(route.clone()), "event {name}: {route:?} twice");
    }
    routes
}

#[test]
fn every_router_route_has_an_api_route_to_its_function_and_nothing_else_does() {
    let t = template();
    let deployed = functions(&t);
    let mut seen = BTreeSet::new();
    for (resource, _, _, routes) in FUNCTIONS {
        let function = deployed.get(*resource).unwrap_or_else(|| {
            panic!("{resource} serves {} routes but is not in infra/aws/template.yaml", routes.len())
        });
        let declared: BTreeSet<_> = routes.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        let routed = api_routes(function);
        let missing: Vec<_> = declared.difference(&routed).collect();
        let extra: Vec<_> = routed.difference(&declared).collect();
        assert!(missing.is_empty(), "{resource}: router routes without an API route: {missing:?}");
        assert!(extra.is_empty(), "{resource}: API routes its router does not serve: {extra:?}");
        for route in routed {
            assert!(seen.insert(route.clone()), "{route:?} is routed to two functions");
        }
    }
    let known: BTreeSet<&str> = FUNCTIONS.iter().map(|f| f.0).chain(SCHEDULED.iter().map(|f| f.0)).collect();
    for name in deployed.keys() {
        assert!(known.contains(name.as_str()), "{name} is in the template but not in this test's lists");
    }
    for (resource, _, _) in SCHEDULED {
        let function = &deployed[*resource];
        assert!(api_routes(function).is_empty(), "{resource} has no HTTP route");
        let events: Vec<_> = function["Properties"]["Events"].as_object().unwrap().values().collect();
        assert!(events.iter().all(|e| e["Type"] == "ScheduleV2"), "{resource} runs on a schedule");
    }
}

#[test]
fn the_template_declares_exactly_the_one_table_definition() {
    let t = template();
    let table = &resources(&t)["Table"];
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    let mut properties = table["Properties"].as_object().unwrap().clone();
    properties.remove("TableName");
    properties.remove("Tags");
    assert_eq!(
        Value::Object(properties),
        DEFINITION.cloudformation(),
        "infra/aws/template.yaml's Table must match shared/src/store/table.rs"
    );
    assert_eq!(table["DeletionPolicy"], "Retain");
}

/// Which optional SDKs a function's `main` opens (`Links`), read from its source.
fn links(crate_dir: &str, binary: &str) -> (bool, bool) {
    let main = if binary == "sweeper" { "src/bin/sweeper.rs" } else { "src/main.rs" };
    let source = std::fs::read_to_string(root().join(crate_dir).join(main)).unwrap();
    let s3 = source.contains("s3: Some(");
    assert_eq!(
        source.contains("without_documents: true"),
        !s3,
        "{main} of {crate_dir}: documents on S3 or none"
    );
    (s3, source.contains("secrets: Some("))
}

fn statements(function: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for policy in function["Properties"]["Policies"].as_array().into_iter().flatten() {
        match policy.get("Statement") {
            Some(Value::Array(s)) => out.extend(s.iter().cloned()),
            _ => out.push(policy.clone()),
        }
    }
    out
}

fn actions(statements: &[Value]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in statements {
        match &s["Action"] {
            Value::String(a) => {
                out.insert(a.clone());
            }
            Value::Array(a) => out.extend(a.iter().map(|a| a.as_str().unwrap().to_owned())),
            _ => {}
        }
    }
    out
}

#[test]
fn each_function_is_built_by_cargo_lambda_and_gets_only_the_backends_and_rights_it_uses() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"], json!(["arm64"]));
    assert_eq!(globals["Environment"]["Variables"]["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"], "true");
    assert!(globals["Environment"]["Variables"].get("WANGBAN_DOCS").is_none(), "no documents unless granted");
    let deployed = functions(&t);
    let all = FUNCTIONS.iter().map(|(r, d, b, _)| (*r, *d, *b)).chain(SCHEDULED.iter().copied());
    for (resource, crate_dir, binary) in all {
        let f = &deployed[resource];
        assert_eq!(f["Metadata"]["BuildMethod"], "rust-cargolambda", "{resource}");
        let code = f["Properties"]["CodeUri"].as_str().unwrap();
        assert_eq!(code, format!("../../{crate_dir}"), "{resource} builds its own crate (its own features)");
        let manifest = std::fs::read_to_string(root().join(crate_dir).join("Cargo.toml")).unwrap();
        assert!(manifest.contains(&format!("name = \"{binary}\"")), "{crate_dir} has a binary {binary}");
        let bins = manifest.matches("[[bin]]").count();
        if bins > 1 {
            assert_eq!(
                f["Metadata"]["BuildProperties"]["Binary"], binary,
                "{resource}: which of {bins} binaries"
            );
        }
        assert!(
            resources(&t).contains_key(&format!("{}Logs", resource.trim_end_matches("Function"))),
            "{resource} has a log group with retention"
        );

        let (s3, secrets) = links(crate_dir, binary);
        let env = &f["Properties"]["Environment"]["Variables"];
        let granted = statements(f);
        let granted_actions = actions(&granted);
        assert_eq!(
            env.get("WANGBAN_DOCS").is_some_and(|d| d.to_string().contains("s3:")),
            s3,
            "{resource}: WANGBAN_DOCS=s3 exactly where main links S3"
        );
        assert_eq!(
            granted_actions.iter().any(|a| a.starts_with("s3:")),
            s3,
            "{resource}: S3 rights exactly where it uses S3"
        );
        assert_eq!(
            env.get("WANGBAN_SIGNING_KEY_SECRET").is_some(),
            secrets,
            "{resource}: the secret where main reads it"
        );
        assert_eq!(
            granted_actions.contains("secretsmanager:GetSecretValue"),
            secrets,
            "{resource}: secret rights only for registration"
        );
        assert!(
            granted_actions.iter().all(|a| !a.ends_with('*')),
            "{resource}: no wildcard actions: {granted_actions:?}"
        );
    }
    // Read-only functions get read-only access.
    for resource in ["DisclosureFunction", "StatusFunction"] {
        let f = &deployed[resource];
        let granted = statements(f);
        assert!(granted.iter().any(|s| s.get("DynamoDBReadPolicy").is_some()), "{resource}");
        let writes: Vec<_> = actions(&granted)
            .into_iter()
            .filter(|a| {
                a.contains("Put") || a.contains("Delete") || a.contains("Update") || a.contains("Write")
            })
            .collect();
        assert!(writes.is_empty(), "{resource} only reads: {writes:?}");
    }
}

#[test]
fn the_bucket_is_private_encrypted_versioned_tls_only_and_cleans_abandoned_uploads() {
    let t = template();
    let bucket = &resources(&t)["DocumentBucket"]["Properties"];
    assert_eq!(bucket["VersioningConfiguration"]["Status"], "Enabled");
    assert!(bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"].is_string());
    let block = &bucket["PublicAccessBlockConfiguration"];
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(block[setting], true, "{setting}");
    }
    let rules = bucket["LifecycleConfiguration"]["Rules"].as_array().unwrap();
    let incoming = wangban_shared::docs::incoming_key("");
    assert!(
        rules
            .iter()
            .any(|r| r["Prefix"] == incoming.as_str()
                && r["ExpirationInDays"].as_u64().is_some_and(|d| d <= 3)),
        "abandoned uploads expire"
    );
    assert!(bucket["CorsConfiguration"]["CorsRules"][0]["AllowedMethods"].to_string().contains("PUT"));
    let policy = &resources(&t)["DocumentBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        (policy["Effect"].as_str(), policy["Condition"]["Bool"]["aws:SecureTransport"].as_str()),
        (Some("Deny"), Some("false"))
    );
    let api = &resources(&t)["HttpApi"]["Properties"];
    assert!(api["DefaultRouteSettings"]["ThrottlingRateLimit"].is_object(), "the API is throttled");
    assert!(
        !api["AccessLogSettings"]["Format"].as_str().unwrap().contains("$context.path"),
        "no paths in access logs"
    );
}
