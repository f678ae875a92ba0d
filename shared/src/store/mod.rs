//! The `RecordStore` port: a small DynamoDB-shaped contract that every backend honours
//! identically (proven by [`contract`]), and its adapters.
//!
//! Items are keyed by (`pk`, `sk`), carry a JSON body, a version for optimistic concurrency,
//! up to two global secondary index keys and an optional expiry (DynamoDB TTL). The limits are
//! DynamoDB's, so nothing that works on SQLite can fail in the cloud: 400 KB per item, 100
//! operations per transaction, one operation per item in a transaction.

pub mod booking;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod comments;
pub mod complaints;
pub mod consultations;
mod counting;
mod cursor;
#[cfg(feature = "dynamodb")]
pub mod dynamo;
pub mod idempotency;
pub mod kb;
pub mod keys;
pub mod ratings;
pub mod sqlite;
pub mod surveys;
pub mod table;
pub mod tally;
pub mod uploads;
pub mod users;

#[cfg(any(test, feature = "contract"))]
pub mod contract;

use async_trait::async_trait;
use serde_json::Value;

pub use counting::{CountingStore, RoundTrips};

/// DynamoDB's item size limit, applied to the serialised record by every adapter.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
/// DynamoDB's `TransactWriteItems` limit.
pub const MAX_TRANSACTION_OPS: usize = 100;
/// The largest page a query returns, whatever limit is asked for.
pub const MAX_PAGE: usize = 1000;

/// How many times a write that lost a race (most often for the next number of a per-year
/// sequence) is tried before the caller gets `409 concurrent_update`.
pub const CONTENTION_RETRIES: usize = 12;

/// A short random pause (2–20 ms) after losing a race, so the writers that lost do not collide
/// again on their next try.
pub async fn contention_pause() {
    let pause = rand::Rng::gen_range(&mut rand::thread_rng(), 2..=20u64);
    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
}

/// A value as read, with the version that guards the next update.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

/// One stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub pk: String,
    pub sk: String,
    pub body: Value,
    /// Written as given; callers bump it and guard with [`Condition::VersionIs`].
    pub version: u64,
    pub gsi1: Option<IndexKey>,
    pub gsi2: Option<IndexKey>,
    /// Unix seconds after which the backend may delete the record (DynamoDB TTL). Readers must
    /// still check it: DynamoDB deletes expired items lazily.
    pub expires_at: Option<i64>,
}

impl Record {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>, body: Value) -> Self {
        Self { pk: pk.into(), sk: sk.into(), body, version: 1, gsi1: None, gsi2: None, expires_at: None }
    }

    pub fn with_gsi1(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi1 = Some(IndexKey::new(pk, sk));
        self
    }

    pub fn with_gsi2(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi2 = Some(IndexKey::new(pk, sk));
        self
    }

    pub fn with_version(mut self, version: u64) -> Self {
        self.version = version;
        self
    }

    pub fn expiring_at(mut self, unix_seconds: i64) -> Self {
        self.expires_at = Some(unix_seconds);
        self
    }

    /// Whether the record has expired at `now` (unix seconds).
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }

    /// The size the record is charged against [`MAX_ITEM_BYTES`]: its keys and body plus the
    /// most the DynamoDB item adds (attribute names, version and expiry as numbers), so that a
    /// record every backend accepts is never refused by DynamoDB.
    pub fn size(&self) -> usize {
        let idx = |k: &Option<IndexKey>| k.as_ref().map_or(0, |k| k.pk.len() + k.sk.len());
        self.pk.len() + self.sk.len() + self.body.to_string().len() + idx(&self.gsi1) + idx(&self.gsi2) + 96
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexKey {
    pub pk: String,
    pub sk: String,
}

impl IndexKey {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }
}

/// A guard on a write, evaluated atomically with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    None,
    NotExists,
    Exists,
    VersionIs(u64),
}

/// Which key a query walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Primary,
    Gsi1,
    Gsi2,
}

/// Which sort keys of the partition a query returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkRange {
    All,
    Prefix(String),
    /// Inclusive on both ends, like DynamoDB's `BETWEEN`.
    Between(String, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub index: Index,
    pub pk: String,
    pub sk: SkRange,
    /// Ascending sort key order when true.
    pub forward: bool,
    pub limit: usize,
    /// The `next` of a previous page of the same query.
    pub cursor: Option<String>,
}

impl Query {
    pub fn partition(pk: impl Into<String>) -> Self {
        Self {
            index: Index::Primary,
            pk: pk.into(),
            sk: SkRange::All,
            forward: true,
            limit: 100,
            cursor: None,
        }
    }

    pub fn gsi1(pk: impl Into<String>) -> Self {
        Self { index: Index::Gsi1, ..Self::partition(pk) }
    }

    pub fn gsi2(pk: impl Into<String>) -> Self {
        Self { index: Index::Gsi2, ..Self::partition(pk) }
    }

    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.sk = SkRange::Prefix(prefix.into());
        self
    }

    pub fn between(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.sk = SkRange::Between(from.into(), to.into());
        self
    }

    pub fn newest_first(mut self) -> Self {
        self.forward = false;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Record>,
    /// Opaque; present when more items may follow.
    pub next: Option<String>,
}

/// One write of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum TxOp {
    Put {
        record: Record,
        condition: Condition,
    },
    Delete {
        pk: String,
        sk: String,
        condition: Condition,
    },
    /// Writes nothing; fails the transaction when the condition does not hold.
    Check {
        pk: String,
        sk: String,
        condition: Condition,
    },
}

impl TxOp {
    fn key(&self) -> (&str, &str) {
        match self {
            TxOp::Put { record, .. } => (&record.pk, &record.sk),
            TxOp::Delete { pk, sk, .. } | TxOp::Check { pk, sk, .. } => (pk, sk),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A single write's condition did not hold.
    #[error("condition failed")]
    ConditionFailed,
    /// A transaction was cancelled because the condition of operation `index` did not hold;
    /// nothing of it was written.
    #[error("transaction cancelled: condition of operation {index} failed")]
    TransactionConditionFailed { index: usize },
    #[error("item of {size} bytes exceeds the {MAX_ITEM_BYTES}-byte limit")]
    ItemTooLarge { size: usize },
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("invalid or foreign cursor")]
    BadCursor,
    /// A conflicting concurrent write; safe to retry.
    #[error("conflict with a concurrent write")]
    Conflict,
    #[error("backend failure: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait RecordStore: Send + Sync + 'static {
    async fn get(&self, pk: &str, sk: &str) -> StoreResult<Option<Record>>;
    async fn put(&self, record: Record, condition: Condition) -> StoreResult<()>;
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> StoreResult<()>;
    async fn query(&self, query: Query) -> StoreResult<Page>;
    /// Atomically adds `by` to the counter at (pk, sk), creating it at 0 first; returns the
    /// new value. Counters live in their own records and are read only through this.
    async fn increment(&self, pk: &str, sk: &str, by: i64) -> StoreResult<i64>;
    /// All operations or none.
    async fn transact(&self, ops: Vec<TxOp>) -> StoreResult<()>;
}

/// Checks shared by every adapter, so that they refuse the same requests.
pub(crate) fn check_record(record: &Record) -> StoreResult<()> {
    if record.pk.is_empty() || record.sk.is_empty() {
        return Err(StoreError::Invalid("empty key".into()));
    }
    let size = record.size();
    if size > MAX_ITEM_BYTES {
        return Err(StoreError::ItemTooLarge { size });
    }
    Ok(())
}

pub(crate) fn check_transaction(ops: &[TxOp]) -> StoreResult<()> {
    if ops.is_empty() || ops.len() > MAX_TRANSACTION_OPS {
        return Err(StoreError::Invalid(format!(
            "a transaction holds 1 to {MAX_TRANSACTION_OPS} operations, not {}",
            ops.len()
        )));
    }
    let mut keys = std::collections::HashSet::new();
    for op in ops {
        if !keys.insert(op.key()) {
            return Err(StoreError::Invalid("two operations on one item in a transaction".into()));
        }
        if let TxOp::Put { record, .. } = op {
            check_record(record)?;
        }
    }
    Ok(())
}

/// Reads every page of a query; for bounded partitions only (the catalogue, a case timeline).
pub async fn query_all(store: &dyn RecordStore, mut query: Query) -> StoreResult<Vec<Record>> {
    let mut all = Vec::new();
    query.limit = MAX_PAGE;
    loop {
        let page = store.query(query.clone()).await?;
        all.extend(page.items);
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => return Ok(all),
        }
    }
}
