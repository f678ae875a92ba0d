//! Demo complaints and letters (`shared/seed/complaints.json`): a few handled, rated and
//! published ones, so a fresh local platform shows real-sounding answers in the public replies
//! (§4.1.1 b). Each is played through the same rules as a real one — opened, assigned, replied
//! with publication, rated — and written with its whole audit trail in one transaction, taking
//! its number from the ordinary sequence. Loaded once: a marker records it.

use std::collections::{BTreeMap, VecDeque};

use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use super::SeedError;
use crate::{
    domain::{
        account::Role,
        calendar::Calendar,
        case::china_date,
        complaint::{
            About, Actor, Addressee, Command, Comment, Contact, Content, DEFAULT_REPLY_WORKING_DAYS, Kind,
            NewSubmission, RatingLevel, Subject, Submission,
        },
        ids::ItemCode,
        tracking::{QueryCode, TrackingNo},
    },
    store::{Condition, Record, RecordStore, StoreError, TxOp, complaints, keys},
};

/// The demo file.
pub const COMPLAINTS_JSON: &str = include_str!("../../seed/complaints.json");

/// Who the demo history says acted: not a real account.
const DEMO_STAFF: &str = "demo-seed";

#[derive(Deserialize)]
struct DemoFile {
    submissions: Vec<Demo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Demo {
    kind: Kind,
    #[serde(with = "time::serde::rfc3339")]
    submitted_at: OffsetDateTime,
    subject: String,
    content: String,
    department_id: String,
    item_code: Option<String>,
    addressee: Option<Addressee>,
    contact: Contact,
    assign: Option<DemoAssign>,
    reply: DemoReply,
    rating: Option<DemoRating>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoAssign {
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    department_id: String,
}

#[derive(Deserialize)]
struct DemoReply {
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    content: String,
}

#[derive(Deserialize)]
struct DemoRating {
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    level: RatingLevel,
    comment: Option<String>,
}

fn bad(what: impl std::fmt::Display) -> SeedError {
    SeedError::Demo(format!("shared/seed/complaints.json: {what}"))
}

/// Plays one demo through the rules: the final submission and its audit trail.
fn play(
    demo: &Demo,
    number: TrackingNo,
    calendar: &Calendar,
) -> Result<(Submission, Vec<crate::domain::complaint::Event>), SeedError> {
    let item_code = demo.item_code.as_deref().map(ItemCode::parse).transpose().map_err(bad)?;
    let new = NewSubmission {
        kind: demo.kind,
        // Nobody holds the code of a demo: only its digest exists, of a code never shown.
        query_code_digest: QueryCode::generate().digest(&number),
        number,
        subject: Subject::parse(&demo.subject).map_err(bad)?,
        content: Content::parse(&demo.content).map_err(bad)?,
        about: About { department_id: Some(demo.department_id.clone()), item_code, ..About::default() },
        addressee: demo.addressee,
        author_id: None,
        contact: demo.contact.clone(),
        publish_consent: true,
        reply_limit_days: DEFAULT_REPLY_WORKING_DAYS,
    };
    let (mut s, first) = Submission::open(new, calendar, demo.submitted_at).map_err(bad)?;
    let mut events = vec![first];
    let staff = |role, department_id| Actor::Staff { user_id: DEMO_STAFF.into(), role, department_id };
    let mut steps = Vec::new();
    if let Some(a) = &demo.assign {
        steps.push((
            a.at,
            Command::Assign { department_id: a.department_id.clone() },
            staff(Role::Supervisor, None),
        ));
    }
    let replier = staff(
        Role::Clerk,
        demo.assign.as_ref().map(|a| a.department_id.clone()).or(Some(demo.department_id.clone())),
    );
    let content = Content::parse(&demo.reply.content).map_err(bad)?;
    steps.push((demo.reply.at, Command::Reply { content, publish: true }, replier));
    if let Some(r) = &demo.rating {
        let comment = r.comment.as_deref().map(Comment::parse).transpose().map_err(bad)?;
        steps.push((r.at, Command::Rate { level: r.level, comment }, Actor::Submitter { user_id: None }));
    }
    for (at, command, actor) in steps {
        let (next, event) = s.apply(command, &actor, calendar, at).map_err(bad)?;
        s = next;
        events.push(event);
    }
    Ok((s, events))
}

/// Loads the demo complaints and letters unless they were loaded before; returns how many were
/// written. All of them, their numbers and the marker are one transaction, so two processes
/// starting at once load them once. The catalogue must be loaded (they name its departments
/// and items).
pub async fn load_demo_submissions(store: &dyn RecordStore) -> Result<usize, SeedError> {
    if store.get(keys::CATALOGUE, keys::SEEDED_TRACKED).await?.is_some() {
        return Ok(0);
    }
    let file: DemoFile = serde_json::from_str(COMPLAINTS_JSON).map_err(bad)?;
    let calendar = Calendar::shipped();
    // Numbers from the ordinary sequences, one reservation per kind and year.
    let mut counts: BTreeMap<(&'static str, i32), (Kind, u64)> = BTreeMap::new();
    for demo in &file.submissions {
        let year = china_date(demo.submitted_at).year();
        counts.entry((demo.kind.as_str(), year)).or_insert((demo.kind, 0)).1 += 1;
    }
    let mut numbers: BTreeMap<(&'static str, i32), VecDeque<TrackingNo>> = BTreeMap::new();
    let mut ops = Vec::new();
    for (&(key, year), &(kind, count)) in &counts {
        let (reserved, take) = complaints::reserve_numbers(store, kind, year, count).await?;
        numbers.insert((key, year), reserved.into());
        ops.push(take);
    }
    for demo in &file.submissions {
        let year = china_date(demo.submitted_at).year();
        let number = numbers
            .get_mut(&(demo.kind.as_str(), year))
            .and_then(VecDeque::pop_front)
            .ok_or_else(|| bad("numbering"))?;
        let (s, events) = play(demo, number, &calendar)?;
        let published = s
            .published_at
            .and_then(|at| s.publication(None, None, at))
            .ok_or_else(|| bad("not published"))?;
        ops.extend(complaints::create_with_history_ops(&s, &events));
        ops.push(complaints::publish_op(&published));
    }
    ops.push(TxOp::Put {
        record: Record::new(
            keys::CATALOGUE,
            keys::SEEDED_TRACKED,
            json!({ "count": file.submissions.len() }),
        ),
        condition: Condition::NotExists,
    });
    match store.transact(ops).await {
        Ok(()) => Ok(file.submissions.len()),
        // Another process loaded them (or took a number) meanwhile: its load stands.
        Err(StoreError::TransactionConditionFailed { .. }) | Err(StoreError::Conflict) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::{complaint::Status, redact},
        store::{Query, sqlite::SqliteStore},
    };

    #[tokio::test]
    async fn the_demo_is_played_through_the_rules_published_without_personal_data_and_loaded_once() {
        let store = SqliteStore::in_memory().unwrap();
        let file: DemoFile = serde_json::from_str(COMPLAINTS_JSON).unwrap();
        assert!(file.submissions.len() >= 3);
        assert_eq!(load_demo_submissions(&store).await.unwrap(), file.submissions.len());
        assert_eq!(load_demo_submissions(&store).await.unwrap(), 0, "loaded once");

        let page = store.query(Query::gsi1(keys::PUBLIC_REPLIES).newest_first()).await.unwrap();
        assert_eq!(page.items.len(), file.submissions.len());
        let catalogue = crate::seed::shipped_catalogue();
        for record in &page.items {
            let reply: crate::domain::tracking::PublishedReply =
                serde_json::from_value(record.body.clone()).unwrap();
            let demo = file.submissions.iter().find(|d| d.subject == reply.title).unwrap();
            let s = complaints::get(&store, &reply.number).await.unwrap().unwrap().value;
            let expected = if s.kind == Kind::Complaint { Status::Closed } else { Status::Replied };
            assert_eq!(s.status, expected, "{}", reply.number.as_str());
            let names = s.names();
            for text in [&reply.title, &reply.question, &reply.answer] {
                assert!(!redact::contains_personal_data(text, &names), "{text}");
            }
            assert!(catalogue.department(&demo.department_id).is_some(), "{}", demo.department_id);
            let item = ItemCode::parse(demo.item_code.as_deref().unwrap()).unwrap();
            assert_eq!(catalogue.item(&item).unwrap().department_id, demo.department_id, "{}", demo.subject);
        }
        let newest: crate::domain::tracking::PublishedReply =
            serde_json::from_value(page.items[0].body.clone()).unwrap();
        assert_eq!(
            newest.number.as_str(),
            "XX-2026-000001",
            "newest first, numbered by the ordinary sequence"
        );
    }
}
