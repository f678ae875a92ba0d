//! The case repository: cases, their audit trail, acceptance numbers and the work queues, over
//! the key layout in [`keys`]. Every change of a case is one transaction holding the case (with
//! a version condition), its audit event and whatever else the change writes.

use serde_json::json;

use super::{
    Condition, Query, Record, RecordStore, StoreError, StoreResult, TxOp, Versioned, keys, query_all,
};
use crate::domain::case::{AcceptanceNo, Case, CaseEvent, Stage};

fn decode<T: serde::de::DeserializeOwned>(r: &Record) -> StoreResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

fn case_record(case: &Case, version: u64) -> Record {
    let submitted = case.submitted_at.unix_timestamp_nanos();
    let mut record =
        Record::new(keys::case_pk(&case.id), keys::CASE, serde_json::to_value(case).expect("serialises"))
            .with_version(version)
            .with_gsi1(keys::applicant_index(&case.applicant_id), format!("{submitted:020}#{}", case.id));
    if let (Some(stage), Some(due)) = (case.status.stage(), case.running_deadline()) {
        record = record.with_gsi2(
            keys::queue_index(&case.department_id, stage.as_str()),
            format!("{}#{}", crate::domain::catalogue::iso_date::format(due.date), case.id),
        );
    }
    record
}

fn event_op(case_id: &str, event: &CaseEvent) -> TxOp {
    TxOp::Put {
        record: Record::new(
            keys::case_pk(case_id),
            keys::event_sk(event.seq),
            serde_json::to_value(event).expect("serialises"),
        ),
        condition: Condition::NotExists,
    }
}

/// The writes that create a case with its first event.
pub fn create_ops(case: &Case, event: &CaseEvent) -> Vec<TxOp> {
    vec![
        TxOp::Put { record: case_record(case, 1), condition: Condition::NotExists },
        event_op(&case.id, event),
    ]
}

/// The writes that move a case read at `version` to `next`, with its event.
pub fn update_ops(next: &Case, version: u64, event: &CaseEvent) -> Vec<TxOp> {
    vec![
        TxOp::Put { record: case_record(next, version + 1), condition: Condition::VersionIs(version) },
        event_op(&next.id, event),
    ]
}

pub async fn get(store: &dyn RecordStore, id: &str) -> StoreResult<Option<Versioned<Case>>> {
    let record = store.get(&keys::case_pk(id), keys::CASE).await?;
    record.map(|r| Ok(Versioned { value: decode(&r)?, version: r.version })).transpose()
}

/// The audit trail, oldest first.
pub async fn events(store: &dyn RecordStore, id: &str) -> StoreResult<Vec<CaseEvent>> {
    let records = query_all(store, Query::partition(keys::case_pk(id)).prefix("EVENT#")).await?;
    records.iter().map(decode).collect()
}

/// A case with its audit trail: one query of the case's partition.
pub async fn with_events(
    store: &dyn RecordStore,
    id: &str,
) -> StoreResult<Option<(Versioned<Case>, Vec<CaseEvent>)>> {
    let records = query_all(store, Query::partition(keys::case_pk(id))).await?;
    let Some(case) = records.iter().find(|r| r.sk == keys::CASE) else { return Ok(None) };
    let events =
        records.iter().filter(|r| r.sk.starts_with("EVENT#")).map(decode).collect::<StoreResult<_>>()?;
    Ok(Some((Versioned { value: decode(case)?, version: case.version }, events)))
}

/// An applicant's cases, newest first.
pub async fn by_applicant(
    store: &dyn RecordStore,
    user_id: &str,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Case>, Option<String>)> {
    let page = store
        .query(Query::gsi1(keys::applicant_index(user_id)).newest_first().limit(limit).after(cursor))
        .await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

/// A department's queue for one stage, nearest deadline first.
pub async fn queue(
    store: &dyn RecordStore,
    department_id: &str,
    stage: Stage,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Versioned<Case>>, Option<String>)> {
    let page = store
        .query(Query::gsi2(keys::queue_index(department_id, stage.as_str())).limit(limit).after(cursor))
        .await?;
    let items = page
        .items
        .iter()
        .map(|r| Ok(Versioned { value: decode(r)?, version: r.version }))
        .collect::<StoreResult<_>>()?;
    Ok((items, page.next))
}

/// Cases of a queue whose deadline is on or before `date` (`YYYY-MM-DD`): what the sweeper walks.
pub async fn due_by(
    store: &dyn RecordStore,
    department_id: &str,
    stage: Stage,
    date: &str,
) -> StoreResult<Vec<Versioned<Case>>> {
    let query = Query::gsi2(keys::queue_index(department_id, stage.as_str()))
        .between("0", format!("{date}#\u{10FFFF}"));
    let records = query_all(store, query).await?;
    records.iter().map(|r| Ok(Versioned { value: decode(r)?, version: r.version })).collect()
}

pub async fn by_acceptance_no(
    store: &dyn RecordStore,
    no: &AcceptanceNo,
) -> StoreResult<Option<Versioned<Case>>> {
    let Some(claim) = store.get(&keys::acceptance_no_pk(no.as_str()), keys::CLAIM).await? else {
        return Ok(None);
    };
    get(store, claim.body["caseId"].as_str().unwrap_or_default()).await
}

/// The next acceptance number of a department's year and the writes that take it: the
/// sequence moves under a version condition and the number is claimed, in the acceptance's own
/// transaction, so numbers are unique and without gaps.
pub async fn next_acceptance_no(
    store: &dyn RecordStore,
    department_id: &str,
    year: i32,
    case_id: &str,
) -> StoreResult<(AcceptanceNo, Vec<TxOp>)> {
    let pk = keys::acceptance_seq_pk(department_id, year);
    let current = store.get(&pk, keys::SEQ).await?;
    let (n, condition, version) = match &current {
        Some(r) => (r.body["n"].as_u64().unwrap_or(0), Condition::VersionIs(r.version), r.version + 1),
        None => (0, Condition::NotExists, 1),
    };
    let no = AcceptanceNo::new(department_id, year, n + 1);
    let ops = vec![
        TxOp::Put {
            record: Record::new(pk, keys::SEQ, json!({ "n": n + 1 })).with_version(version),
            condition,
        },
        TxOp::Put {
            record: Record::new(
                keys::acceptance_no_pk(no.as_str()),
                keys::CLAIM,
                json!({ "caseId": case_id }),
            ),
            condition: Condition::NotExists,
        },
    ];
    Ok((no, ops))
}
