//! The booking repository: slot counts, appointments, the one-booking-per-day claims, window
//! closures and the citizens' no-show records, over the key layout in [`keys`].
//!
//! **Capacity is the store's to keep.** A slot's booked places are a count record, and a booking
//! moves it from the count it read to one more under a version condition, in the same
//! transaction that creates the appointment. Two bookings that read the same count cannot both
//! commit: the loser reads again, then books or finds the slot full. A cancellation moves the
//! count down the same way in the transaction that cancels. So on every backend that honours the
//! `RecordStore` contract the count equals the appointments holding a place, and it is never
//! raised above the capacity it was checked against — whatever the concurrency, and with no
//! read-then-write window.

use std::{collections::BTreeMap, future::Future, time::Duration};

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};

use super::{
    Condition, MAX_TRANSACTION_OPS, Query, Record, RecordStore, StoreError, StoreResult, TxOp, Versioned,
    keys, query_all,
};
use crate::domain::{
    booking::{Appointment, AppointmentNo, AppointmentStatus, BookingError, ClockTime, NoShowRecord},
    catalogue::iso_date,
};

/// Attempts at a booking or a change before giving up with [`BookError::Busy`]. Each failed
/// attempt means another writer committed on the same slot or appointment, so this is reached
/// only under churn far beyond a window's real traffic.
pub const MAX_ATTEMPTS: u32 = 24;
/// Appointments cancelled per transaction when a window closes: the slot's count plus three
/// writes per appointment (the appointment, its claim, the citizen's message) stay within
/// [`MAX_TRANSACTION_OPS`].
pub const CLOSURE_BATCH: usize = (MAX_TRANSACTION_OPS - 1) / 3;
/// Passes over a day when a window closes before giving up (closing again resumes).
const CLOSURE_PASSES: u32 = 20;

fn decode<T: serde::de::DeserializeOwned>(r: &Record) -> StoreResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

fn day(date: Date) -> String {
    iso_date::format(date)
}

/// A short random pause after a lost race, so that retries spread out.
async fn back_off(attempt: u32) {
    let millis = {
        use rand::Rng;
        rand::thread_rng().gen_range(0..=u64::from(attempt.min(10)) * 3)
    };
    if millis > 0 {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Slot counts
// ---------------------------------------------------------------------------------------------

/// The places booked in a slot, with the version that guards the next change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotCount {
    pub booked: u32,
    /// `None` while nobody has booked the slot yet.
    pub version: Option<u64>,
}

pub async fn slot_count(
    store: &dyn RecordStore,
    window_id: &str,
    date: Date,
    start: ClockTime,
) -> StoreResult<SlotCount> {
    let record = store.get(&keys::slot_pk(window_id, &day(date)), &start.to_string()).await?;
    Ok(match record {
        Some(r) => SlotCount { booked: booked_of(&r)?, version: Some(r.version) },
        None => SlotCount { booked: 0, version: None },
    })
}

fn booked_of(r: &Record) -> StoreResult<u32> {
    r.body["booked"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| StoreError::Backend(format!("corrupt slot count {}/{}", r.pk, r.sk)))
}

/// The booked places of every slot of a window's day that has any: one query.
pub async fn day_counts(
    store: &dyn RecordStore,
    window_id: &str,
    date: Date,
) -> StoreResult<BTreeMap<ClockTime, u32>> {
    let records = query_all(store, Query::partition(keys::slot_pk(window_id, &day(date)))).await?;
    records
        .iter()
        .map(|r| {
            let start = ClockTime::parse(&r.sk)
                .ok_or_else(|| StoreError::Backend(format!("corrupt slot key {}/{}", r.pk, r.sk)))?;
            Ok((start, booked_of(r)?))
        })
        .collect()
}

/// The write that moves a slot's count from `read` to `booked`, failing if it moved meanwhile.
fn slot_op(window_id: &str, date: Date, start: ClockTime, booked: u32, read: SlotCount) -> TxOp {
    let (condition, version) = match read.version {
        Some(v) => (Condition::VersionIs(v), v + 1),
        None => (Condition::NotExists, 1),
    };
    TxOp::Put {
        record: Record::new(
            keys::slot_pk(window_id, &day(date)),
            start.to_string(),
            json!({ "booked": booked }),
        )
        .with_version(version),
        condition,
    }
}

// ---------------------------------------------------------------------------------------------
// Appointments
// ---------------------------------------------------------------------------------------------

fn appointment_record(a: &Appointment, version: u64) -> Record {
    Record::new(
        keys::appointment_pk(a.no.as_str()),
        keys::APPT,
        serde_json::to_value(a).expect("appointments serialise"),
    )
    .with_version(version)
    .with_gsi1(keys::booker_index(&a.user_id), format!("{}#{}#{}", day(a.date), a.start, a.no))
    .with_gsi2(keys::window_day_index(&a.window_id, &day(a.date)), format!("{}#{}", a.start, a.no))
}

fn claim_pk(a: &Appointment) -> String {
    keys::booking_claim_pk(&a.user_id, a.item_code.as_str(), &day(a.date))
}

pub async fn get(store: &dyn RecordStore, no: &AppointmentNo) -> StoreResult<Option<Versioned<Appointment>>> {
    let record = store.get(&keys::appointment_pk(no.as_str()), keys::APPT).await?;
    record.map(|r| Ok(Versioned { value: decode(&r)?, version: r.version })).transpose()
}

/// A citizen's appointments, latest day first: one index query per page.
pub async fn by_user(
    store: &dyn RecordStore,
    user_id: &str,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Appointment>, Option<String>)> {
    let page = store
        .query(Query::gsi1(keys::booker_index(user_id)).newest_first().limit(limit).after(cursor))
        .await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

/// A window's appointments of one day in time order, every state: one index query (a day is
/// bounded by the schedule's slots times their capacity).
pub async fn window_day(
    store: &dyn RecordStore,
    window_id: &str,
    date: Date,
) -> StoreResult<Vec<Versioned<Appointment>>> {
    let records = query_all(store, Query::gsi2(keys::window_day_index(window_id, &day(date)))).await?;
    records.iter().map(|r| Ok(Versioned { value: decode(r)?, version: r.version })).collect()
}

/// Why a booking did not happen.
#[derive(Debug)]
pub enum BookError {
    /// [`BookingError::SlotFull`], [`BookingError::AlreadyBooked`] or [`BookingError::WindowClosed`].
    Refused(BookingError),
    /// The condition of the caller's extra operation at this index (0 = the first) failed.
    Extra(usize),
    /// Too many concurrent writers on the slot; safe to retry.
    Busy,
    Store(StoreError),
}

impl From<StoreError> for BookError {
    fn from(e: StoreError) -> Self {
        BookError::Store(e)
    }
}

/// Books a place: reads the slot's count and, if below `capacity`, commits in one transaction
/// the count + 1 (guarded by the version read), the appointment (a new number, which must not
/// exist), the citizen's claim on the item and day (one booking per citizen, item and day; it
/// must not exist), a check that the window is not closed that day, and `extra` (the idempotency
/// record, the confirmation message). A lost race is read again and retried; `make` gives the
/// appointment with a fresh number for each attempt.
pub async fn book(
    store: &dyn RecordStore,
    capacity: u32,
    make: impl Fn() -> Appointment,
    extra: impl Fn(&Appointment) -> Vec<TxOp>,
) -> Result<Appointment, BookError> {
    for attempt in 0..MAX_ATTEMPTS {
        let appointment = make();
        let (window_id, date, start) = (&appointment.window_id, appointment.date, appointment.start);
        let count = slot_count(store, window_id, date, start).await?;
        if count.booked >= capacity {
            return Err(BookError::Refused(BookingError::SlotFull));
        }
        let mut ops = vec![
            slot_op(window_id, date, start, count.booked + 1, count),
            TxOp::Put { record: appointment_record(&appointment, 1), condition: Condition::NotExists },
            TxOp::Put {
                record: Record::new(claim_pk(&appointment), keys::CLAIM, json!({ "no": appointment.no })),
                condition: Condition::NotExists,
            },
            TxOp::Check {
                pk: keys::window_pk(window_id),
                sk: keys::closed_sk(&day(date)),
                condition: Condition::NotExists,
            },
        ];
        ops.extend(extra(&appointment));
        match store.transact(ops).await {
            Ok(()) => return Ok(appointment),
            // The count moved, or (once in a billion) the number was taken: read again.
            Err(StoreError::TransactionConditionFailed { index: 0 | 1 }) | Err(StoreError::Conflict) => {
                back_off(attempt).await
            }
            Err(StoreError::TransactionConditionFailed { index: 2 }) => {
                return Err(BookError::Refused(BookingError::AlreadyBooked));
            }
            Err(StoreError::TransactionConditionFailed { index: 3 }) => {
                let reason = closure(store, window_id, date).await?.map(|c| c.reason).unwrap_or_default();
                return Err(BookError::Refused(BookingError::WindowClosed { date, reason }));
            }
            Err(StoreError::TransactionConditionFailed { index }) => return Err(BookError::Extra(index - 4)),
            Err(e) => return Err(e.into()),
        }
    }
    Err(BookError::Busy)
}

/// Why a change of an appointment did not happen.
#[derive(Debug)]
pub enum ChangeError<E> {
    NotFound,
    Refused(E),
    /// Too many concurrent writers; safe to retry.
    Busy,
    Store(StoreError),
}

impl<E> From<StoreError> for ChangeError<E> {
    fn from(e: StoreError) -> Self {
        ChangeError::Store(e)
    }
}

/// The writes that move `current` (read at `version`) to `next`: the appointment under a
/// version condition, and when the change gives up the place (a cancellation) the slot's count
/// down by one under its own version condition and the day's claim released. `None` when the
/// two reads disagree (the slot counts no place for an appointment holding one: it was cancelled
/// between them), so the change must be read again.
async fn change_ops(
    store: &dyn RecordStore,
    current: &Appointment,
    version: u64,
    next: &Appointment,
) -> StoreResult<Option<Vec<TxOp>>> {
    let mut ops = vec![TxOp::Put {
        record: appointment_record(next, version + 1),
        condition: Condition::VersionIs(version),
    }];
    if current.status.holds_place() && !next.status.holds_place() {
        let count = slot_count(store, &current.window_id, current.date, current.start).await?;
        let Some(booked) = count.booked.checked_sub(1) else { return Ok(None) };
        ops.push(slot_op(&current.window_id, current.date, current.start, booked, count));
        ops.push(TxOp::Delete { pk: claim_pk(current), sk: keys::CLAIM.into(), condition: Condition::None });
    }
    Ok(Some(ops))
}

/// Changes one appointment in one transaction. `decide` gets the appointment as read and
/// returns it changed with whatever else must commit with it (messages, the no-show record), or
/// a refusal. When a concurrent writer moved the appointment, the slot or anything `decide`
/// guarded, everything is read and decided again.
pub async fn change<E, F, Fut>(
    store: &dyn RecordStore,
    no: &AppointmentNo,
    decide: F,
) -> Result<Appointment, ChangeError<E>>
where
    F: Fn(Versioned<Appointment>) -> Fut,
    Fut: Future<Output = Result<(Appointment, Vec<TxOp>), ChangeError<E>>>,
{
    for attempt in 0..MAX_ATTEMPTS {
        let current = get(store, no).await?.ok_or(ChangeError::NotFound)?;
        let (before, version) = (current.value.clone(), current.version);
        let (next, extra) = decide(current).await?;
        let Some(mut ops) = change_ops(store, &before, version, &next).await? else {
            back_off(attempt).await;
            continue;
        };
        ops.extend(extra);
        match store.transact(ops).await {
            Ok(()) => return Ok(next),
            Err(StoreError::TransactionConditionFailed { .. }) | Err(StoreError::Conflict) => {
                back_off(attempt).await
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ChangeError::Busy)
}

// ---------------------------------------------------------------------------------------------
// Closing a window for a day
// ---------------------------------------------------------------------------------------------

/// A window closed for one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Closure {
    pub reason: String,
    pub closed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub closed_at: OffsetDateTime,
}

pub async fn closure(store: &dyn RecordStore, window_id: &str, date: Date) -> StoreResult<Option<Closure>> {
    let record = store.get(&keys::window_pk(window_id), &keys::closed_sk(&day(date))).await?;
    record.as_ref().map(decode).transpose()
}

/// The days of `from..=to` a window is closed: one query.
pub async fn closures_between(
    store: &dyn RecordStore,
    window_id: &str,
    from: Date,
    to: Date,
) -> StoreResult<BTreeMap<Date, Closure>> {
    let query = Query::partition(keys::window_pk(window_id))
        .between(keys::closed_sk(&day(from)), keys::closed_sk(&day(to)));
    let records = query_all(store, query).await?;
    records
        .iter()
        .map(|r| {
            let date = r.sk.strip_prefix("CLOSED#").and_then(|d| iso_date::parse(d).ok());
            let date = date.ok_or_else(|| StoreError::Backend(format!("corrupt closure key {}", r.sk)))?;
            Ok((date, decode(r)?))
        })
        .collect()
}

/// Records the closure unless the day is already closed; returns the closure in force.
pub async fn close(
    store: &dyn RecordStore,
    window_id: &str,
    date: Date,
    closure: &Closure,
) -> StoreResult<Closure> {
    let record = Record::new(
        keys::window_pk(window_id),
        keys::closed_sk(&day(date)),
        serde_json::to_value(closure).expect("closures serialise"),
    );
    match store.put(record, Condition::NotExists).await {
        Ok(()) => Ok(closure.clone()),
        Err(StoreError::ConditionFailed) => {
            self::closure(store, window_id, date).await?.ok_or(StoreError::Conflict)
        }
        Err(e) => Err(e),
    }
}

/// Opens the day again (bookings cancelled by the closure stay cancelled); returns whether it
/// was closed.
pub async fn reopen(store: &dyn RecordStore, window_id: &str, date: Date) -> StoreResult<bool> {
    match store.delete(&keys::window_pk(window_id), &keys::closed_sk(&day(date)), Condition::Exists).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Cancels every confirmed appointment of a closed day, in transactions of at most
/// [`MAX_TRANSACTION_OPS`] operations: per slot, the count down by the appointments cancelled
/// (version-guarded) with each appointment (version-guarded), its released claim and `notify`'s
/// message to the citizen. Run after [`close`]: the closure's record stops new bookings of the
/// day, so the walk ends. It ends when no confirmed appointment is left and every place a slot
/// count shows belongs to an appointment seen (so one that an index shows late is not missed);
/// running it again resumes an interrupted one. Returns how many it cancelled.
pub async fn cancel_day(
    store: &dyn RecordStore,
    window_id: &str,
    date: Date,
    reason: &str,
    now: OffsetDateTime,
    notify: impl Fn(&Appointment) -> TxOp,
) -> StoreResult<usize> {
    let mut cancelled = 0;
    for pass in 0..CLOSURE_PASSES {
        let appointments = window_day(store, window_id, date).await?;
        let mut confirmed: BTreeMap<ClockTime, Vec<&Versioned<Appointment>>> = BTreeMap::new();
        for a in appointments.iter().filter(|a| a.value.status == AppointmentStatus::Confirmed) {
            confirmed.entry(a.value.start).or_default().push(a);
        }
        if confirmed.is_empty() {
            let counts = day_counts(store, window_id, date).await?;
            let unseen = counts.iter().any(|(start, booked)| {
                let seen = appointments
                    .iter()
                    .filter(|a| a.value.start == *start && a.value.status.holds_place())
                    .count();
                *booked as usize > seen
            });
            if !unseen {
                return Ok(cancelled);
            }
            tokio::time::sleep(Duration::from_millis(50 * u64::from(pass + 1))).await;
            continue;
        }
        for (start, group) in confirmed {
            for batch in group.chunks(CLOSURE_BATCH) {
                let count = slot_count(store, window_id, date, start).await?;
                // Fewer places than confirmed appointments read: one of them changed meanwhile.
                let Some(booked) = count.booked.checked_sub(batch.len() as u32) else { continue };
                let mut ops = vec![slot_op(window_id, date, start, booked, count)];
                for a in batch {
                    let next =
                        a.value.cancel_for_closure(reason, now).expect("only confirmed ones are taken");
                    ops.push(TxOp::Put {
                        record: appointment_record(&next, a.version + 1),
                        condition: Condition::VersionIs(a.version),
                    });
                    ops.push(TxOp::Delete {
                        pk: claim_pk(&a.value),
                        sk: keys::CLAIM.into(),
                        condition: Condition::None,
                    });
                    ops.push(notify(&next));
                }
                match store.transact(ops).await {
                    Ok(()) => cancelled += batch.len(),
                    // Someone cancelled, checked in or booked meanwhile: the next pass reads again.
                    Err(StoreError::TransactionConditionFailed { .. }) | Err(StoreError::Conflict) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Err(StoreError::Conflict)
}

// ---------------------------------------------------------------------------------------------
// No-shows
// ---------------------------------------------------------------------------------------------

/// A citizen's no-show record; version 0 when there is none yet.
pub async fn no_shows(store: &dyn RecordStore, user_id: &str) -> StoreResult<Versioned<NoShowRecord>> {
    match store.get(&keys::user_pk(user_id), keys::NOSHOWS).await? {
        Some(r) => Ok(Versioned { value: decode(&r)?, version: r.version }),
        None => Ok(Versioned { value: NoShowRecord::default(), version: 0 }),
    }
}

/// The write that saves a no-show record read at `version` (0: there was none).
pub fn no_shows_op(user_id: &str, record: &NoShowRecord, version: u64) -> TxOp {
    let condition = if version == 0 { Condition::NotExists } else { Condition::VersionIs(version) };
    TxOp::Put {
        record: Record::new(
            keys::user_pk(user_id),
            keys::NOSHOWS,
            serde_json::to_value(record).expect("no-show records serialise"),
        )
        .with_version(version + 1),
        condition,
    }
}
