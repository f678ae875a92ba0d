//! Counters that many writers move at once (survey answers, rating levels), split over
//! [`keys::TALLY_SHARDS`] records so that concurrent writers rarely meet. A writer reads one
//! shard and adds to it under a version condition inside its own transaction, so a count and
//! what it counts commit together or not at all; when two writers met on a shard, the loser's
//! transaction is cancelled and it retries on a fresh read ([`backoff`], at most [`ATTEMPTS`]).

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::{Value, json};

use super::{Condition, Query, Record, RecordStore, StoreResult, TxOp, keys, query_all};

pub type Counts = BTreeMap<String, u64>;

/// How often a writer that lost a race on a shard tries again.
pub const ATTEMPTS: usize = 16;

pub fn random_shard() -> u32 {
    rand::thread_rng().gen_range(0..keys::TALLY_SHARDS)
}

/// Waits a little, longer after each lost race, before the next attempt.
pub async fn backoff(attempt: usize) {
    let cap = 1u64 << attempt.min(6);
    let ms = rand::thread_rng().gen_range(0..=cap);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

fn counts_of(record: &Record) -> Counts {
    serde_json::from_value(record.body["counts"].clone()).unwrap_or_default()
}

/// The write that adds `deltas` to shard `shard` of the tally in partition `pk`, guarded by the
/// version just read. `label` is kept in the shard's body (what it counts, for listings) and
/// `index` is its gsi1 key, if it is listed.
pub async fn add_op(
    store: &dyn RecordStore,
    pk: &str,
    shard: u32,
    deltas: &Counts,
    label: Value,
    index: Option<(String, String)>,
) -> StoreResult<TxOp> {
    let sk = keys::tally_sk(shard);
    let current = store.get(pk, &sk).await?;
    let (mut counts, condition, version) = match &current {
        Some(r) => (counts_of(r), Condition::VersionIs(r.version), r.version + 1),
        None => (Counts::new(), Condition::NotExists, 1),
    };
    for (k, v) in deltas {
        *counts.entry(k.clone()).or_default() += v;
    }
    let mut body = json!({ "counts": counts });
    if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), label) {
        b.extend(extra);
    }
    let mut record = Record::new(pk, sk, body).with_version(version);
    if let Some((ipk, isk)) = index {
        record = record.with_gsi1(ipk, isk);
    }
    Ok(TxOp::Put { record, condition })
}

/// The sum of shards.
pub fn sum<'a>(records: impl IntoIterator<Item = &'a Record>) -> Counts {
    let mut total = Counts::new();
    for r in records {
        for (k, v) in counts_of(r) {
            *total.entry(k).or_default() += v;
        }
    }
    total
}

/// A tally's total: one query of its shards.
pub async fn read(store: &dyn RecordStore, pk: &str) -> StoreResult<Counts> {
    let shards = query_all(store, Query::partition(pk).prefix("TALLY#")).await?;
    Ok(sum(&shards))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{StoreError, sqlite::SqliteStore};

    /// Concurrent writers each add one under a version condition, retrying lost races: nothing
    /// is lost and nothing counted twice.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_additions_are_all_counted_exactly_once() {
        let store: Arc<dyn RecordStore> = Arc::new(SqliteStore::in_memory().unwrap());
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let deltas = Counts::from([("n".to_owned(), 1), (format!("w{}", i % 2), 1)]);
                for attempt in 0..ATTEMPTS {
                    let op =
                        add_op(store.as_ref(), "T", random_shard(), &deltas, json!({}), None).await.unwrap();
                    match store.transact(vec![op]).await {
                        Ok(()) => return true,
                        Err(StoreError::TransactionConditionFailed { .. } | StoreError::Conflict) => {
                            backoff(attempt).await
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
                false
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap(), "a writer gave up");
        }
        let total = read(store.as_ref(), "T").await.unwrap();
        assert_eq!((total["n"], total["w0"], total["w1"]), (40, 20, 20));
    }
}
