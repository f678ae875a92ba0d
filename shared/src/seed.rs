//! The demo catalogue shipped with the code and its idempotent loader.
//!
//! The catalogue (`shared/seed/catalogue.json`) and its form templates
//! (`shared/seed/templates/`) are compiled into the binaries, so any function or the local
//! server can seed a fresh store. Loading writes a marker holding the catalogue's hash; a
//! start that finds the same hash does nothing, and an edited catalogue is loaded again.

mod tracked;

use include_dir::{Dir, include_dir};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    docs::{DocError, DocumentStore},
    domain::catalogue::{Catalogue, DocumentRef},
    store::{Condition, Record, RecordStore, StoreError, catalogue, keys},
};

/// The catalogue file.
pub const CATALOGUE_JSON: &str = include_str!("../seed/catalogue.json");
static TEMPLATES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/seed/templates");

/// Changes when the catalogue's records gain keys (2: guides indexed for the knowledge base), so
/// that a store seeded by an older build is loaded again.
const RECORD_LAYOUT: u32 = 2;

/// Parses the shipped catalogue.
pub fn shipped_catalogue() -> Catalogue {
    serde_json::from_str(CATALOGUE_JSON).expect("shared/seed/catalogue.json is checked by tests")
}

/// Where a template or sample lives in the document store.
pub fn document_key(doc: &DocumentRef) -> String {
    format!("catalogue/{}", doc.path)
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Docs(#[from] DocError),
    #[error("template {0} is named in the catalogue but not shipped")]
    MissingTemplate(String),
    #[error("demo data: {0}")]
    Demo(String),
}

pub use tracked::{COMPLAINTS_JSON, load_demo_submissions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOutcome {
    Loaded,
    AlreadyCurrent,
}

/// Loads the shipped catalogue unless this exact version is already loaded.
pub async fn load_catalogue(
    store: &dyn RecordStore,
    docs: &dyn DocumentStore,
) -> Result<SeedOutcome, SeedError> {
    let hash = format!("{:x}", Sha256::digest(format!("{RECORD_LAYOUT}\n{CATALOGUE_JSON}").as_bytes()));
    if let Some(marker) = store.get(keys::CATALOGUE, keys::SEEDED).await?
        && marker.body["hash"] == hash.as_str()
    {
        return Ok(SeedOutcome::AlreadyCurrent);
    }
    let c = shipped_catalogue();
    for material in c.items.iter().flat_map(|i| &i.materials) {
        for doc in material.template.iter().chain(material.sample.iter()) {
            let file =
                TEMPLATES.get_file(&doc.path).ok_or_else(|| SeedError::MissingTemplate(doc.path.clone()))?;
            docs.put(&document_key(doc), file.contents().to_vec()).await?;
        }
    }
    catalogue::save(store, &c).await?;
    // The marker goes last: a start interrupted half-way loads everything again.
    store.put(Record::new(keys::CATALOGUE, keys::SEEDED, json!({ "hash": hash })), Condition::None).await?;
    Ok(SeedOutcome::Loaded)
}

/// The demo staff accounts: for every department a clerk (`clerk-<departmentId>`, acceptance
/// and the window's appointments), a reviewer (`reviewer-<departmentId>`, review) and an
/// administrator (`admin-<departmentId>`, the department's window schedules and closures), plus
/// the platform's `admin` and `supervisor`. Accounts
/// that exist are left alone; returns how many were created. For local use only: a cloud
/// deployment creates staff through the admin tooling, never with a shared password.
pub async fn load_demo_staff(
    store: &dyn RecordStore,
    password: &str,
    now: time::OffsetDateTime,
) -> Result<usize, SeedError> {
    use crate::{
        domain::account::{AccountKind, Role},
        store::users::{self, CreateUserError, User},
    };
    let c = shipped_catalogue();
    let mut accounts: Vec<(String, String, Role, Option<String>)> = Vec::new();
    for d in &c.departments {
        accounts.push((
            format!("clerk-{}", d.id),
            format!("{}窗口受理人员", d.name),
            Role::Clerk,
            Some(d.id.clone()),
        ));
        accounts.push((
            format!("reviewer-{}", d.id),
            format!("{}审查人员", d.name),
            Role::Reviewer,
            Some(d.id.clone()),
        ));
        accounts.push((
            format!("admin-{}", d.id),
            format!("{}管理员", d.name),
            Role::Admin,
            Some(d.id.clone()),
        ));
    }
    accounts.push(("admin".into(), "平台管理员".into(), Role::Admin, None));
    accounts.push(("supervisor".into(), "监督人员".into(), Role::Supervisor, None));
    let hash = crate::auth::password::hash(password.to_owned()).await;
    let mut created = 0;
    for (account, name, role, department_id) in accounts {
        let user = User {
            user_id: uuid::Uuid::now_v7().to_string(),
            kind: AccountKind::Staff,
            role,
            name,
            id_number: None,
            org_name: None,
            uscc: None,
            legal_representative: None,
            phone: None,
            department_id,
            staff_name: Some(account),
            password_hash: hash.clone(),
            failed_logins: 0,
            locked_until: None,
            created_at: now,
        };
        match users::create(store, &user, Vec::new()).await {
            Ok(()) => created += 1,
            Err(CreateUserError::Taken(_)) => {}
            Err(CreateUserError::Store(e)) => return Err(e.into()),
        }
    }
    Ok(created)
}

/// A password for the demo staff when none is configured: 16 letters and digits.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    loop {
        let p: String = (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
        if crate::domain::account::NewPassword::parse(&p, &[]).is_ok() {
            return p;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{
        docs::fs::FsDocuments,
        domain::catalogue::PolicyKind,
        store::{CountingStore, sqlite::SqliteStore},
    };

    #[test]
    fn shipped_catalogue_parses_and_is_consistent() {
        let catalogue: Catalogue = serde_json::from_str(CATALOGUE_JSON)
            .unwrap_or_else(|e| panic!("shared/seed/catalogue.json does not parse: {e}"));
        if let Err(errors) = catalogue.validate() {
            panic!("catalogue is inconsistent:\n{errors:#?}");
        }
    }

    #[test]
    fn shipped_catalogue_is_big_enough_for_the_demo() {
        let c = shipped_catalogue();
        assert!(c.departments.len() >= 5, "at least 5 departments");
        assert!(c.items.len() >= 12, "at least 12 licensing items");
        assert!(c.policies.len() >= 6, "at least 6 policies");
        for kind in PolicyKind::ALL {
            assert!(c.policies.iter().any(|p| p.kind == kind), "a policy of kind {kind:?}");
        }
    }

    #[test]
    fn every_template_named_is_shipped_and_every_shipped_file_is_used() {
        let c = shipped_catalogue();
        let named: std::collections::HashSet<String> = c
            .items
            .iter()
            .flat_map(|i| &i.materials)
            .flat_map(|m| m.template.iter().chain(m.sample.iter()))
            .map(|d| d.path.clone())
            .collect();
        for path in &named {
            assert!(TEMPLATES.get_file(path).is_some(), "template {path} is missing");
            crate::docs::check_key(&format!("catalogue/{path}")).expect("template paths are valid keys");
        }
        let mut shipped = Vec::new();
        fn walk(dir: &Dir<'_>, out: &mut Vec<String>) {
            for f in dir.files() {
                out.push(f.path().to_string_lossy().into_owned());
            }
            for d in dir.dirs() {
                walk(d, out);
            }
        }
        walk(&TEMPLATES, &mut shipped);
        for path in shipped {
            assert!(named.contains(&path), "shipped template {path} is used by no material");
        }
    }

    #[test]
    fn every_demo_window_has_a_schedule_with_slots_on_every_working_day() {
        let calendar = crate::domain::calendar::Calendar::shipped();
        // Monday 2026-12-07 to Friday 12-11, and the make-up working Saturday 2026-10-10.
        let days = [7, 8, 9, 10, 11]
            .map(|d| time::Date::from_calendar_date(2026, time::Month::December, d).unwrap());
        let make_up = time::macros::date!(2026 - 10 - 10);
        assert!(calendar.is_working_day(make_up));
        for w in &shipped_catalogue().windows {
            assert!(w.schedule.problems().is_empty(), "{}: {:?}", w.id, w.schedule.problems());
            for day in days.iter().chain([&make_up]) {
                assert!(!w.schedule.slots_on(*day).is_empty(), "{} offers no slot on {day}", w.id);
            }
        }
        let mut broken = shipped_catalogue();
        broken.windows[0].schedule.capacity = 0;
        let errors = broken.validate().unwrap_err();
        let expected = format!("window {} schedule: capacity 0 is not within 1..=200", broken.windows[0].id);
        assert!(errors.iter().any(|e| e.0 == expected), "{errors:?}");
    }

    #[tokio::test]
    async fn a_schedule_changed_by_staff_survives_a_reload_of_the_catalogue() {
        let store = SqliteStore::in_memory().unwrap();
        let c = shipped_catalogue();
        catalogue::save(&store, &c).await.unwrap();
        let window = catalogue::window(&store, &c.windows[0].id).await.unwrap().unwrap();
        assert_eq!(window.version, 1);
        let mut changed = window.value.clone();
        changed.schedule.capacity = 9;
        catalogue::update_window(&store, &changed, window.version).await.unwrap();
        assert!(catalogue::update_window(&store, &changed, window.version).await.is_err(), "stale version");

        // An edited catalogue file is loaded again: the staff's schedule is kept.
        catalogue::save(&store, &c).await.unwrap();
        let after = catalogue::window(&store, &c.windows[0].id).await.unwrap().unwrap();
        assert_eq!((after.value.schedule.capacity, after.version), (9, 2));
        let untouched = catalogue::window(&store, &c.windows[1].id).await.unwrap().unwrap();
        assert_eq!((untouched.value.schedule.clone(), untouched.version), (c.windows[1].schedule.clone(), 1));
    }

    #[tokio::test]
    async fn loading_twice_writes_once() {
        let dir = tempfile::tempdir().unwrap();
        let (store, trips) = CountingStore::new(Arc::new(SqliteStore::in_memory().unwrap()));
        let docs = FsDocuments::new(dir.path());
        assert_eq!(load_catalogue(&store, &docs).await.unwrap(), SeedOutcome::Loaded);
        assert!(trips.writes() > 0);
        trips.reset();
        assert_eq!(load_catalogue(&store, &docs).await.unwrap(), SeedOutcome::AlreadyCurrent);
        assert_eq!((trips.reads(), trips.writes()), (1, 0), "a second start reads one marker");
        let c = shipped_catalogue();
        assert_eq!(catalogue::item_summaries(&store).await.unwrap().len(), c.items.len());
    }

    #[tokio::test]
    async fn demo_staff_are_created_once_per_department() {
        let store = SqliteStore::in_memory().unwrap();
        let now = time::OffsetDateTime::now_utc();
        let departments = shipped_catalogue().departments.len();
        assert_eq!(load_demo_staff(&store, "Demo2026pass", now).await.unwrap(), departments * 3 + 2);
        assert_eq!(
            load_demo_staff(&store, "Other2026pass", now).await.unwrap(),
            0,
            "existing staff are kept"
        );
        let clerk = crate::store::users::find_by_login(
            &store,
            crate::domain::account::LoginKind::StaffName,
            "clerk-gy-amr",
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(clerk.value.department_id.as_deref(), Some("gy-amr"));
        assert!(crate::auth::password::verify("Demo2026pass".into(), Some(clerk.value.password_hash)).await);
        assert!(crate::domain::account::NewPassword::parse(&generate_password(), &[]).is_ok());
    }
}
