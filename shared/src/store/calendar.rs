//! The working-day calendar in the store: the shipped notices plus any an administrator loads
//! later (next year's notice is published each November), cached per process for a minute so
//! a case read usually costs no extra round trip.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use serde_json::json;

use super::{Condition, Query, Record, RecordStore, StoreError, StoreResult, keys, query_all};
use crate::domain::calendar::{Calendar, YearNotice};

/// How long a process trusts its copy; a notice loaded elsewhere is seen within this time.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct CalendarCache {
    cached: RwLock<Option<(Instant, Arc<Calendar>)>>,
}

impl CalendarCache {
    /// The calendar, read from the store when the cached copy is older than [`FRESH_FOR`].
    pub async fn get(&self, store: &dyn RecordStore) -> StoreResult<Arc<Calendar>> {
        if let Some((at, calendar)) = self.cached.read().expect("calendar cache lock").as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Ok(calendar.clone());
        }
        let calendar = Arc::new(load(store).await?);
        *self.cached.write().expect("calendar cache lock") = Some((Instant::now(), calendar.clone()));
        Ok(calendar)
    }

    /// Forgets the cached copy (after this process loaded a notice).
    pub fn invalidate(&self) {
        *self.cached.write().expect("calendar cache lock") = None;
    }
}

/// The shipped calendar with the stored notices on top.
pub async fn load(store: &dyn RecordStore) -> StoreResult<Calendar> {
    let mut calendar = Calendar::shipped();
    for (year, notice) in notices(store).await? {
        calendar = match calendar.clone().with_year(year, notice) {
            Ok(next) => next,
            Err(e) => {
                // Checked when saved; a bad record must not stop every case read.
                tracing::error!(year, error = %e, "stored holiday notice refused");
                calendar
            }
        };
    }
    Ok(calendar)
}

pub async fn notices(store: &dyn RecordStore) -> StoreResult<Vec<(i32, YearNotice)>> {
    let records = query_all(store, Query::partition(keys::CALENDAR).prefix("NOTICE#")).await?;
    records
        .iter()
        .map(|r| {
            let year = r.body["year"].as_i64().unwrap_or_default() as i32;
            let notice = serde_json::from_value(r.body["notice"].clone())
                .map_err(|e| StoreError::Backend(format!("corrupt notice {}: {e}", r.sk)))?;
            Ok((year, notice))
        })
        .collect()
}

/// Stores a year's notice (replacing an earlier one of that year).
pub async fn save_notice(store: &dyn RecordStore, year: i32, notice: &YearNotice) -> StoreResult<()> {
    let body = json!({ "year": year, "notice": notice });
    store.put(Record::new(keys::CALENDAR, keys::notice_sk(year), body), Condition::None).await
}
