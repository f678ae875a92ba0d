//! A wrapper that counts round trips to the backend, so tests and benches can hold a route to
//! its budget (a guide read is one read; a state change is one transaction).

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use async_trait::async_trait;

use super::{Condition, Page, Query, Record, RecordStore, StoreResult, TxOp};

#[derive(Debug, Default)]
pub struct RoundTrips {
    reads: AtomicU64,
    writes: AtomicU64,
}

impl RoundTrips {
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    pub fn total(&self) -> u64 {
        self.reads() + self.writes()
    }

    pub fn reset(&self) {
        self.reads.store(0, Ordering::Relaxed);
        self.writes.store(0, Ordering::Relaxed);
    }

    fn read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    fn write(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }
}

pub struct CountingStore {
    inner: Arc<dyn RecordStore>,
    trips: Arc<RoundTrips>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn RecordStore>) -> (Self, Arc<RoundTrips>) {
        let trips = Arc::new(RoundTrips::default());
        (Self { inner, trips: trips.clone() }, trips)
    }
}

#[async_trait]
impl RecordStore for CountingStore {
    async fn get(&self, pk: &str, sk: &str) -> StoreResult<Option<Record>> {
        self.trips.read();
        self.inner.get(pk, sk).await
    }

    async fn put(&self, record: Record, condition: Condition) -> StoreResult<()> {
        self.trips.write();
        self.inner.put(record, condition).await
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> StoreResult<()> {
        self.trips.write();
        self.inner.delete(pk, sk, condition).await
    }

    async fn query(&self, query: Query) -> StoreResult<Page> {
        self.trips.read();
        self.inner.query(query).await
    }

    async fn increment(&self, pk: &str, sk: &str, by: i64) -> StoreResult<i64> {
        self.trips.write();
        self.inner.increment(pk, sk, by).await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> StoreResult<()> {
        self.trips.write();
        self.inner.transact(ops).await
    }
}
