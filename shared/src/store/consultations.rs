//! The consultation repository over the key layout in [`keys`]: a consultation is one record,
//! in its department's queue (nearest promised date first) while pending; its published answer
//! is a second record in the same partition, listed with the public replies and read by the
//! knowledge base.

use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::{
    Condition, Query, Record, RecordStore, StoreError, StoreResult, TxOp, Versioned, keys, query_all,
};
use crate::domain::{
    catalogue::iso_date,
    interaction::consultation::{Consultation, ConsultationStatus},
    tracking::{PublishedReply, TrackedKind, TrackingNo},
};

fn decode<T: serde::de::DeserializeOwned>(r: &Record) -> StoreResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

fn record(c: &Consultation, version: u64) -> Record {
    let no = c.no.as_str();
    let body = serde_json::to_value(c).expect("serialises");
    let (index, order) = match (&c.status, &c.answer) {
        (ConsultationStatus::Answered, Some(a)) => (
            keys::consultation_queue(c.department_id.as_deref(), ConsultationStatus::Answered.as_str()),
            format!("{:020}#{no}", a.answered_at.unix_timestamp_nanos()),
        ),
        _ => (
            keys::consultation_queue(c.department_id.as_deref(), ConsultationStatus::Pending.as_str()),
            format!("{}#{no}", iso_date::format(c.due.date)),
        ),
    };
    Record::new(keys::consultation_pk(no), keys::CONSULT, body).with_version(version).with_gsi2(index, order)
}

/// The write that creates a consultation; fails if the number is taken.
pub fn create_op(c: &Consultation) -> TxOp {
    TxOp::Put { record: record(c, 1), condition: Condition::NotExists }
}

/// The write that saves a consultation read at `version`.
pub fn update_op(c: &Consultation, version: u64) -> TxOp {
    TxOp::Put { record: record(c, version + 1), condition: Condition::VersionIs(version) }
}

/// The public record of an answer: listed with the public replies (gsi1) and read by the
/// knowledge base (gsi2).
pub fn reply_op(reply: &PublishedReply) -> TxOp {
    let no = reply.number.as_str();
    let order = format!("{:020}#{no}", reply.published_at.unix_timestamp_nanos());
    TxOp::Put {
        record: Record::new(
            keys::consultation_pk(no),
            keys::PUBLIC_REPLY,
            serde_json::to_value(reply).expect("serialises"),
        )
        .with_gsi1(keys::PUBLIC_REPLIES, &order)
        .with_gsi2(keys::KB_ANSWERS, &order),
        condition: Condition::NotExists,
    }
}

pub async fn get(store: &dyn RecordStore, no: &TrackingNo) -> StoreResult<Option<Versioned<Consultation>>> {
    let record = store.get(&keys::consultation_pk(no.as_str()), keys::CONSULT).await?;
    record.map(|r| Ok(Versioned { value: decode(&r)?, version: r.version })).transpose()
}

/// A department's (or, with `None`, the unassigned) consultations of one status: pending ones
/// nearest promised date first, answered ones newest first.
pub async fn queue(
    store: &dyn RecordStore,
    department_id: Option<&str>,
    status: ConsultationStatus,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Consultation>, Option<String>)> {
    let mut query =
        Query::gsi2(keys::consultation_queue(department_id, status.as_str())).limit(limit).after(cursor);
    if status == ConsultationStatus::Answered {
        query = query.newest_first();
    }
    let page = store.query(query).await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

/// The next consultation number of `year` and the write that takes it: the sequence moves under
/// a version condition in the creating transaction, so numbers are unique and without gaps.
pub async fn next_number(store: &dyn RecordStore, year: i32) -> StoreResult<(TrackingNo, TxOp)> {
    let (mut numbers, op) = next_numbers(store, year, 1).await?;
    Ok((numbers.remove(0), op))
}

/// The next `count` numbers of `year` and the one write that takes them all.
pub async fn next_numbers(
    store: &dyn RecordStore,
    year: i32,
    count: u64,
) -> StoreResult<(Vec<TrackingNo>, TxOp)> {
    let pk = keys::consultation_seq_pk(year);
    let current = store.get(&pk, keys::SEQ).await?;
    let (n, condition, version) = match &current {
        Some(r) => (r.body["n"].as_u64().unwrap_or(0), Condition::VersionIs(r.version), r.version + 1),
        None => (0, Condition::NotExists, 1),
    };
    let op = TxOp::Put {
        record: Record::new(pk, keys::SEQ, json!({ "n": n + count })).with_version(version),
        condition,
    };
    Ok(((n + 1..=n + count).map(|i| TrackingNo::new(TrackedKind::Consultation, year, i)).collect(), op))
}

/// Every published consultation answer, oldest first (for the knowledge base).
pub async fn published_answers(store: &dyn RecordStore) -> StoreResult<Vec<PublishedReply>> {
    let records = query_all(store, Query::gsi2(keys::KB_ANSWERS)).await?;
    records.iter().map(decode).collect()
}

/// RFC 3339, for views.
pub fn rfc3339(at: time::OffsetDateTime) -> Option<String> {
    at.format(&Rfc3339).ok()
}
