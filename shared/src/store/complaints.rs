//! The complaint and letter repository over [`keys`]: the submission, its audit trail, its
//! published reply, the submitter's own list and the queues. Every change is one transaction
//! holding the submission (with a version condition), its audit event, the submitter's list
//! entry and whatever else the change writes.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};

use super::{
    Condition, Query, Record, RecordStore, StoreError, StoreResult, TxOp, Versioned, keys, query_all,
};
use crate::domain::{
    calendar::Deadline,
    catalogue::iso_date,
    complaint::{Event, Kind, Status, Submission},
    tracking::{PublishedReply, TrackingNo},
};

fn decode<T: serde::de::DeserializeOwned>(r: &Record) -> StoreResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

/// `COMPLAINT` or `LETTER`, as the keys spell the kind.
pub fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Complaint => "COMPLAINT",
        Kind::Letter => "LETTER",
    }
}

fn due_key(due: Date, no: &TrackingNo) -> String {
    format!("{}#{}", iso_date::format(due), no.as_str())
}

fn record(s: &Submission, version: u64) -> Record {
    let mut record = Record::new(
        keys::tracked_pk(s.number.as_str()),
        keys::TRACKED,
        serde_json::to_value(s).expect("serialises"),
    )
    .with_version(version);
    // Only what staff still owe a reply on is in the queues.
    if s.status.awaits_staff() {
        let due = due_key(s.reply_due.date, &s.number);
        let bucket = s.assigned_department.as_deref().unwrap_or(keys::UNASSIGNED);
        record = record
            .with_gsi1(keys::supervision_index(kind_key(s.kind)), due.clone())
            .with_gsi2(keys::tracked_queue_index(kind_key(s.kind), bucket), due);
    }
    record
}

fn event_op(no: &TrackingNo, event: &Event) -> TxOp {
    TxOp::Put {
        record: Record::new(
            keys::tracked_pk(no.as_str()),
            keys::event_sk(event.seq),
            serde_json::to_value(event).expect("serialises"),
        ),
        condition: Condition::NotExists,
    }
}

/// A logged-in submitter's list entry: a snapshot rewritten with every change, so their list is
/// one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnEntry {
    pub kind: Kind,
    pub number: TrackingNo,
    pub subject: String,
    pub status: Status,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub reply_due: Deadline,
    pub replies: usize,
    pub can_rate: bool,
    pub can_reopen: bool,
}

fn own_entry_op(s: &Submission) -> Option<TxOp> {
    let author = s.author_id.as_deref()?;
    let entry = OwnEntry {
        kind: s.kind,
        number: s.number.clone(),
        subject: s.subject.clone(),
        status: s.status,
        submitted_at: s.submitted_at,
        reply_due: s.reply_due,
        replies: s.replies.len(),
        can_rate: s.can_rate(),
        can_reopen: s.can_reopen(),
    };
    let submitted = format!("{:020}", s.submitted_at.unix_timestamp_nanos());
    Some(TxOp::Put {
        record: Record::new(
            keys::user_pk(author),
            keys::own_tracked_sk(kind_key(s.kind), &submitted, s.number.as_str()),
            serde_json::to_value(entry).expect("serialises"),
        ),
        condition: Condition::None,
    })
}

/// The writes that create a submission with its first event (and the submitter's entry).
pub fn create_ops(s: &Submission, event: &Event) -> Vec<TxOp> {
    let mut ops =
        vec![TxOp::Put { record: record(s, 1), condition: Condition::NotExists }, event_op(&s.number, event)];
    ops.extend(own_entry_op(s));
    ops
}

/// The writes that create a submission together with its whole history (demo data, imports).
pub fn create_with_history_ops(s: &Submission, events: &[Event]) -> Vec<TxOp> {
    let mut ops = vec![TxOp::Put { record: record(s, 1), condition: Condition::NotExists }];
    ops.extend(events.iter().map(|e| event_op(&s.number, e)));
    ops.extend(own_entry_op(s));
    ops
}

/// The writes that move a submission read at `version` to `next`, with its event.
pub fn update_ops(next: &Submission, version: u64, event: &Event) -> Vec<TxOp> {
    let mut ops = vec![
        TxOp::Put { record: record(next, version + 1), condition: Condition::VersionIs(version) },
        event_op(&next.number, event),
    ];
    ops.extend(own_entry_op(next));
    ops
}

/// The write that publishes (or republishes, with the newer answer) a question and answer in
/// the public replies (§4.1.1 b), newest first.
pub fn publish_op(reply: &PublishedReply) -> TxOp {
    let at = reply.published_at.unix_timestamp_nanos();
    TxOp::Put {
        record: Record::new(
            keys::tracked_pk(reply.number.as_str()),
            keys::PUBLISHED,
            serde_json::to_value(reply).expect("serialises"),
        )
        .with_gsi1(keys::PUBLIC_REPLIES, format!("{at:020}#{}", reply.number.as_str())),
        condition: Condition::None,
    }
}

/// The next number of a kind's year and the write that takes it: the sequence moves under a
/// version condition in the submission's own transaction (whose "must not exist" on the
/// submission is the uniqueness claim), so numbers are unique and without gaps.
pub async fn next_number(store: &dyn RecordStore, kind: Kind, year: i32) -> StoreResult<(TrackingNo, TxOp)> {
    let (mut numbers, op) = reserve_numbers(store, kind, year, 1).await?;
    Ok((numbers.remove(0), op))
}

/// The next `count` numbers of a kind's year and the one write that takes them all.
pub async fn reserve_numbers(
    store: &dyn RecordStore,
    kind: Kind,
    year: i32,
    count: u64,
) -> StoreResult<(Vec<TrackingNo>, TxOp)> {
    let pk = keys::tracking_seq_pk(kind.tracked().prefix(), year);
    let current = store.get(&pk, keys::SEQ).await?;
    let (n, condition, version) = match &current {
        Some(r) => (r.body["n"].as_u64().unwrap_or(0), Condition::VersionIs(r.version), r.version + 1),
        None => (0, Condition::NotExists, 1),
    };
    let op = TxOp::Put {
        record: Record::new(pk, keys::SEQ, json!({ "n": n + count })).with_version(version),
        condition,
    };
    Ok(((n + 1..=n + count).map(|i| TrackingNo::new(kind.tracked(), year, i)).collect(), op))
}

pub async fn get(store: &dyn RecordStore, no: &TrackingNo) -> StoreResult<Option<Versioned<Submission>>> {
    let record = store.get(&keys::tracked_pk(no.as_str()), keys::TRACKED).await?;
    record.map(|r| Ok(Versioned { value: decode(&r)?, version: r.version })).transpose()
}

/// A submission with its audit trail (oldest first): one query of its partition.
pub async fn with_events(
    store: &dyn RecordStore,
    no: &TrackingNo,
) -> StoreResult<Option<(Versioned<Submission>, Vec<Event>)>> {
    let records = query_all(store, Query::partition(keys::tracked_pk(no.as_str()))).await?;
    let Some(main) = records.iter().find(|r| r.sk == keys::TRACKED) else { return Ok(None) };
    let events =
        records.iter().filter(|r| r.sk.starts_with("EVENT#")).map(decode).collect::<StoreResult<_>>()?;
    Ok(Some((Versioned { value: decode(main)?, version: main.version }, events)))
}

/// Which queue to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueOf {
    /// Everything staff owe a reply on, every department and the unassigned: the supervisors'.
    All,
    Unassigned,
    Department(String),
}

/// A queue, nearest due date first; with `overdue_on`, only what was due before that day.
pub async fn queue(
    store: &dyn RecordStore,
    kind: Kind,
    of: &QueueOf,
    overdue_on: Option<Date>,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Submission>, Option<String>)> {
    let k = kind_key(kind);
    let mut query = match of {
        QueueOf::All => Query::gsi1(keys::supervision_index(k)),
        QueueOf::Unassigned => Query::gsi2(keys::tracked_queue_index(k, keys::UNASSIGNED)),
        QueueOf::Department(d) => Query::gsi2(keys::tracked_queue_index(k, d)),
    };
    if let Some(today) = overdue_on {
        // `<date>#` sorts after every key of an earlier date and before any of `today`'s.
        query = query.between("0", format!("{}#", iso_date::format(today)));
    }
    let page = store.query(query.limit(limit).after(cursor)).await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

/// A logged-in submitter's own complaints or letters, newest first.
pub async fn by_author(
    store: &dyn RecordStore,
    user_id: &str,
    kind: Kind,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<OwnEntry>, Option<String>)> {
    let query = Query::partition(keys::user_pk(user_id))
        .prefix(format!("{}#", kind_key(kind)))
        .newest_first()
        .limit(limit)
        .after(cursor);
    let page = store.query(query).await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

/// The published question and answer of a submission, if any.
pub async fn published(store: &dyn RecordStore, no: &TrackingNo) -> StoreResult<Option<PublishedReply>> {
    store.get(&keys::tracked_pk(no.as_str()), keys::PUBLISHED).await?.as_ref().map(decode).transpose()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::{
        domain::{
            account::Role,
            calendar::Calendar,
            complaint::{About, Actor, Command, Contact, Content, NewSubmission, Subject},
            tracking::QueryCode,
        },
        store::sqlite::SqliteStore,
    };

    async fn submit(
        store: &SqliteStore,
        kind: Kind,
        dept: Option<&str>,
        author: Option<&str>,
        at: OffsetDateTime,
    ) -> Submission {
        let (number, seq) = next_number(store, kind, at.year()).await.unwrap();
        let new = NewSubmission {
            kind,
            query_code_digest: QueryCode::generate().digest(&number),
            number,
            subject: Subject::parse("标题").unwrap(),
            content: Content::parse("内容").unwrap(),
            about: About { department_id: dept.map(Into::into), ..About::default() },
            addressee: None,
            author_id: author.map(Into::into),
            contact: Contact::default(),
            publish_consent: true,
            reply_limit_days: 15,
        };
        let (s, event) = Submission::open(new, &Calendar::shipped(), at).unwrap();
        let mut ops = vec![seq];
        ops.extend(create_ops(&s, &event));
        store.transact(ops).await.unwrap();
        s
    }

    fn numbers(items: &[Submission]) -> Vec<&str> {
        items.iter().map(|s| s.number.as_str()).collect()
    }

    #[tokio::test]
    async fn numbers_are_sequential_per_kind_and_year_and_a_lost_race_takes_none() {
        let store = SqliteStore::in_memory().unwrap();
        let at = datetime!(2026-03-02 10:00 +08:00);
        let a = submit(&store, Kind::Complaint, None, None, at).await;
        let b = submit(&store, Kind::Complaint, None, None, at).await;
        let l = submit(&store, Kind::Letter, Some("gy-amr"), None, at).await;
        let next_year = submit(&store, Kind::Complaint, None, None, datetime!(2027-01-04 10:00 +08:00)).await;
        assert_eq!(
            [a.number.as_str(), b.number.as_str(), l.number.as_str(), next_year.number.as_str()],
            ["TS-2026-000001", "TS-2026-000002", "XX-2026-000001", "TS-2027-000001"]
        );
        // Two writers read the same sequence: the second transaction fails and writes nothing.
        let (n1, op1) = next_number(&store, Kind::Complaint, 2026).await.unwrap();
        let (n2, op2) = next_number(&store, Kind::Complaint, 2026).await.unwrap();
        assert_eq!(n1, n2);
        store.transact(vec![op1]).await.unwrap();
        assert!(store.transact(vec![op2]).await.is_err());
        assert_eq!(next_number(&store, Kind::Complaint, 2026).await.unwrap().0.as_str(), "TS-2026-000004");
    }

    #[tokio::test]
    async fn queues_hold_what_staff_owe_nearest_due_first_and_overdue_by_range() {
        let store = SqliteStore::in_memory().unwrap();
        let early = submit(&store, Kind::Complaint, None, None, datetime!(2026-03-02 10:00 +08:00)).await;
        let late = submit(&store, Kind::Complaint, None, None, datetime!(2026-04-20 10:00 +08:00)).await;
        let letter =
            submit(&store, Kind::Letter, Some("gy-hc"), None, datetime!(2026-03-10 10:00 +08:00)).await;

        let all = |of: QueueOf, overdue: Option<Date>, kind: Kind| {
            let store = &store;
            async move { queue(store, kind, &of, overdue, 50, None).await.unwrap().0 }
        };
        assert_eq!(
            numbers(&all(QueueOf::All, None, Kind::Complaint).await),
            [early.number.as_str(), late.number.as_str()]
        );
        assert_eq!(numbers(&all(QueueOf::Unassigned, None, Kind::Complaint).await).len(), 2);
        assert_eq!(
            numbers(&all(QueueOf::Department("gy-hc".into()), None, Kind::Letter).await),
            [letter.number.as_str()]
        );
        assert!(
            all(QueueOf::Department("gy-hc".into()), None, Kind::Complaint).await.is_empty(),
            "kinds apart"
        );

        // Overdue on the day after the early one's due date: only the early one.
        let day_after = early.reply_due.date.next_day().unwrap();
        assert_eq!(
            numbers(&all(QueueOf::All, Some(day_after), Kind::Complaint).await),
            [early.number.as_str()]
        );
        assert!(
            all(QueueOf::All, Some(early.reply_due.date), Kind::Complaint).await.is_empty(),
            "due today is not overdue"
        );

        // Assigned: out of the unassigned queue, into the department's; replied: out of all.
        let supervisor = Actor::Staff { user_id: "s".into(), role: Role::Supervisor, department_id: None };
        let clerk =
            Actor::Staff { user_id: "c".into(), role: Role::Clerk, department_id: Some("gy-amr".into()) };
        let cal = Calendar::shipped();
        let now = datetime!(2026-04-21 10:00 +08:00);
        let (assigned, e1) =
            early.apply(Command::Assign { department_id: "gy-amr".into() }, &supervisor, &cal, now).unwrap();
        store.transact(update_ops(&assigned, 1, &e1)).await.unwrap();
        assert_eq!(numbers(&all(QueueOf::Unassigned, None, Kind::Complaint).await), [late.number.as_str()]);
        assert_eq!(
            numbers(&all(QueueOf::Department("gy-amr".into()), None, Kind::Complaint).await),
            [early.number.as_str()]
        );
        let (replied, e2) = assigned
            .apply(
                Command::Reply { content: Content::parse("答复").unwrap(), publish: false },
                &clerk,
                &cal,
                now,
            )
            .unwrap();
        assert!(store.transact(update_ops(&replied, 1, &e2)).await.is_err(), "a stale version is refused");
        store.transact(update_ops(&replied, 2, &e2)).await.unwrap();
        assert_eq!(numbers(&all(QueueOf::All, None, Kind::Complaint).await), [late.number.as_str()]);
        let (read, events) = with_events(&store, &early.number).await.unwrap().unwrap();
        assert_eq!((read.version, read.value.status, events.len()), (3, Status::Replied, 3));
    }

    #[tokio::test]
    async fn a_logged_in_submitter_lists_their_own_newest_first_with_the_current_status() {
        let store = SqliteStore::in_memory().unwrap();
        let first =
            submit(&store, Kind::Complaint, None, Some("u-1"), datetime!(2026-03-02 10:00 +08:00)).await;
        let second =
            submit(&store, Kind::Complaint, None, Some("u-1"), datetime!(2026-03-03 10:00 +08:00)).await;
        submit(&store, Kind::Complaint, None, Some("u-2"), datetime!(2026-03-03 11:00 +08:00)).await;
        submit(&store, Kind::Letter, Some("gy-amr"), Some("u-1"), datetime!(2026-03-04 10:00 +08:00)).await;
        submit(&store, Kind::Complaint, None, None, datetime!(2026-03-05 10:00 +08:00)).await;
        let (mine, _) = by_author(&store, "u-1", Kind::Complaint, 50, None).await.unwrap();
        let listed: Vec<&str> = mine.iter().map(|e| e.number.as_str()).collect();
        assert_eq!(listed, [second.number.as_str(), first.number.as_str()]);
        assert_eq!(by_author(&store, "u-1", Kind::Letter, 50, None).await.unwrap().0.len(), 1);

        let supervisor = Actor::Staff { user_id: "s".into(), role: Role::Supervisor, department_id: None };
        let (assigned, e) = first
            .apply(
                Command::Assign { department_id: "gy-amr".into() },
                &supervisor,
                &Calendar::shipped(),
                datetime!(2026-03-04 10:00 +08:00),
            )
            .unwrap();
        store.transact(update_ops(&assigned, 1, &e)).await.unwrap();
        let (mine, _) = by_author(&store, "u-1", Kind::Complaint, 50, None).await.unwrap();
        assert_eq!(mine[1].status, Status::Assigned, "the entry follows the submission");
    }
}
