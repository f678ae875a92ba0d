//! The rating repository over the key layout in [`keys`]: a case's rating lives in the case's
//! partition (so a case is rated once: the record must not exist); a poor rating waits in its
//! department's follow-up queue, nearest due date first; counts per department and per item are
//! sharded tallies moved in the rating's own transaction.

use serde_json::json;

use super::{
    Condition, Query, Record, RecordStore, StoreError, StoreResult, TxOp, Versioned, keys, query_all, tally,
};
use crate::domain::{
    catalogue::iso_date,
    interaction::rating::{self, Aggregate, Rating},
};

fn decode<T: serde::de::DeserializeOwned>(r: &Record) -> StoreResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

fn record(r: &Rating, version: u64) -> Record {
    let mut rec = Record::new(
        keys::case_pk(&r.application_id),
        keys::RATING,
        serde_json::to_value(r).expect("serialises"),
    )
    .with_version(version);
    if let Some(f) = &r.follow_up {
        rec = match &f.reply {
            None => rec.with_gsi2(
                keys::follow_up_queue(&r.department_id, "open"),
                format!("{}#{}", iso_date::format(f.due.date), r.application_id),
            ),
            Some(reply) => rec.with_gsi2(
                keys::follow_up_queue(&r.department_id, "answered"),
                format!("{:020}#{}", reply.at.unix_timestamp_nanos(), r.application_id),
            ),
        };
    }
    rec
}

/// Index of the rating itself in [`rate_ops`]: a cancelled transaction failing there means the
/// case was already rated.
pub const RATING_OP: usize = 0;

/// The writes of a rating: the rating (must not exist) and one shard of the department's and
/// of the item's counts.
pub async fn rate_ops(store: &dyn RecordStore, r: &Rating) -> StoreResult<Vec<TxOp>> {
    let deltas = tally::Counts::from([(rating::level_key(r.level), 1)]);
    let dept_shard = tally::random_shard();
    let item_shard = tally::random_shard();
    let dept = tally::add_op(
        store,
        &keys::department_ratings_pk(&r.department_id),
        dept_shard,
        &deltas,
        json!({ "scope": "department", "id": r.department_id }),
        Some((keys::RATINGS.into(), format!("DEPT#{}#{dept_shard}", r.department_id))),
    )
    .await?;
    let item = tally::add_op(
        store,
        &keys::item_ratings_pk(&r.item_code),
        item_shard,
        &deltas,
        json!({ "scope": "item", "id": r.item_code }),
        Some((keys::RATINGS.into(), format!("ITEM#{}#{item_shard}", r.item_code))),
    )
    .await?;
    Ok(vec![TxOp::Put { record: record(r, 1), condition: Condition::NotExists }, dept, item])
}

pub fn update_op(r: &Rating, version: u64) -> TxOp {
    TxOp::Put { record: record(r, version + 1), condition: Condition::VersionIs(version) }
}

pub async fn get(store: &dyn RecordStore, application_id: &str) -> StoreResult<Option<Versioned<Rating>>> {
    let record = store.get(&keys::case_pk(application_id), keys::RATING).await?;
    record.map(|r| Ok(Versioned { value: decode(&r)?, version: r.version })).transpose()
}

/// A department's follow-ups: open ones nearest due date first, answered ones newest first.
pub async fn follow_ups(
    store: &dyn RecordStore,
    department_id: &str,
    open: bool,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Rating>, Option<String>)> {
    let mut query = Query::gsi2(keys::follow_up_queue(department_id, if open { "open" } else { "answered" }))
        .limit(limit)
        .after(cursor);
    if !open {
        query = query.newest_first();
    }
    let page = store.query(query).await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

pub async fn department_aggregate(store: &dyn RecordStore, department_id: &str) -> StoreResult<Aggregate> {
    Ok(rating::aggregate(&tally::read(store, &keys::department_ratings_pk(department_id)).await?))
}

pub async fn item_aggregate(store: &dyn RecordStore, code: &str) -> StoreResult<Aggregate> {
    Ok(rating::aggregate(&tally::read(store, &keys::item_ratings_pk(code)).await?))
}

/// Every rated department's and item's counts, as (scope, id, aggregate): one index query.
pub async fn all_aggregates(store: &dyn RecordStore) -> StoreResult<Vec<(String, String, Aggregate)>> {
    let shards = query_all(store, Query::gsi1(keys::RATINGS)).await?;
    let mut grouped: std::collections::BTreeMap<(String, String), Vec<&Record>> = Default::default();
    for r in &shards {
        let scope = r.body["scope"].as_str().unwrap_or_default().to_owned();
        let id = r.body["id"].as_str().unwrap_or_default().to_owned();
        grouped.entry((scope, id)).or_default().push(r);
    }
    Ok(grouped
        .into_iter()
        .map(|((scope, id), records)| (scope, id, rating::aggregate(&tally::sum(records))))
        .collect())
}
