//! The catalogue repository: typed reads and the seed write over the key layout in [`keys`].

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    Condition, Query, Record, RecordStore, StoreError, StoreResult, TxOp, Versioned, keys, query_all,
};
use crate::domain::{
    catalogue::{Catalogue, Department, ItemSummary, LicensingItem, Policy, PolicyKind, Window, iso_date},
    ids::ItemCode,
};

fn decode<T: DeserializeOwned>(record: &Record) -> StoreResult<T> {
    serde_json::from_value(record.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", record.pk, record.sk)))
}

fn encode<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("catalogue types serialise")
}

/// The records that hold the catalogue; written with unconditional puts, so loading twice is
/// harmless.
pub fn catalogue_records(c: &Catalogue) -> Vec<Record> {
    let mut records = Vec::new();
    for d in &c.departments {
        records.push(Record::new(keys::CATALOGUE, keys::department_sk(&d.id), encode(d)));
    }
    for w in &c.windows {
        records.push(window_record(w, 1));
    }
    for i in &c.items {
        let code = i.code.as_str();
        records.push(
            Record::new(keys::item_pk(code), keys::GUIDE, encode(i))
                .with_gsi1(keys::department_index(&i.department_id), keys::item_sk(code))
                .with_gsi2(keys::GUIDES, keys::item_sk(code)),
        );
        records.push(Record::new(keys::CATALOGUE, keys::item_sk(code), encode(&ItemSummary::from(i))));
    }
    for p in &c.policies {
        let order = format!("{}#{}", iso_date::format(p.published_on), p.id);
        records.push(
            Record::new(keys::policy_pk(&p.id), keys::POLICY, encode(p))
                .with_gsi1(keys::POLICIES, &order)
                .with_gsi2(keys::policies_by_kind(p.kind.as_str()), &order),
        );
    }
    records
}

fn window_record(w: &Window, version: u64) -> Record {
    Record::new(keys::CATALOGUE, keys::window_sk(&w.id), encode(w))
        .with_gsi1(keys::department_index(&w.department_id), keys::window_sk(&w.id))
        .with_version(version)
}

/// Writes the catalogue in transactions of at most 100 records. A window whose schedule staff
/// changed (its record's version is above 1) keeps that schedule and version.
pub async fn save(store: &dyn RecordStore, catalogue: &Catalogue) -> StoreResult<()> {
    let changed: std::collections::HashMap<String, Record> =
        query_all(store, Query::partition(keys::CATALOGUE).prefix("WIN#"))
            .await?
            .into_iter()
            .filter(|r| r.version > 1 && r.body.get("schedule").is_some())
            .map(|r| (r.sk.clone(), r))
            .collect();
    let mut records = catalogue_records(catalogue);
    for record in &mut records {
        if let Some(kept) = changed.get(&record.sk).filter(|_| record.pk == keys::CATALOGUE) {
            record.body["schedule"] = kept.body["schedule"].clone();
            record.version = kept.version;
        }
    }
    for chunk in records.chunks(super::MAX_TRANSACTION_OPS) {
        let ops =
            chunk.iter().cloned().map(|record| TxOp::Put { record, condition: Condition::None }).collect();
        store.transact(ops).await?;
    }
    Ok(())
}

pub async fn departments(store: &dyn RecordStore) -> StoreResult<Vec<Department>> {
    let records = query_all(store, Query::partition(keys::CATALOGUE).prefix("DEPT#")).await?;
    records.iter().map(decode).collect()
}

pub async fn department(store: &dyn RecordStore, id: &str) -> StoreResult<Option<Department>> {
    store.get(keys::CATALOGUE, &keys::department_sk(id)).await?.as_ref().map(decode).transpose()
}

/// One window with the version that guards a change of its schedule.
pub async fn window(store: &dyn RecordStore, id: &str) -> StoreResult<Option<Versioned<Window>>> {
    let Some(record) = store.get(keys::CATALOGUE, &keys::window_sk(id)).await? else { return Ok(None) };
    Ok(Some(Versioned { value: decode(&record)?, version: record.version }))
}

/// Saves a changed window if nobody changed it since it was read at `version`.
pub async fn update_window(store: &dyn RecordStore, window: &Window, version: u64) -> StoreResult<()> {
    store.put(window_record(window, version + 1), Condition::VersionIs(version)).await
}

pub async fn windows(store: &dyn RecordStore) -> StoreResult<Vec<Window>> {
    let records = query_all(store, Query::partition(keys::CATALOGUE).prefix("WIN#")).await?;
    records.iter().map(decode).collect()
}

/// A department's windows and items: one index query.
pub async fn department_contents(
    store: &dyn RecordStore,
    id: &str,
) -> StoreResult<(Vec<Window>, Vec<ItemSummary>)> {
    let records = query_all(store, Query::gsi1(keys::department_index(id))).await?;
    let mut windows = Vec::new();
    let mut items = Vec::new();
    for r in &records {
        if r.sk == keys::GUIDE {
            items.push(ItemSummary::from(&decode::<LicensingItem>(r)?));
        } else {
            windows.push(decode(r)?);
        }
    }
    Ok((windows, items))
}

pub async fn item_summaries(store: &dyn RecordStore) -> StoreResult<Vec<ItemSummary>> {
    let records = query_all(store, Query::partition(keys::CATALOGUE).prefix("ITEM#")).await?;
    records.iter().map(decode).collect()
}

/// The full guide: one get.
pub async fn item(store: &dyn RecordStore, code: &ItemCode) -> StoreResult<Option<LicensingItem>> {
    store.get(&keys::item_pk(code.as_str()), keys::GUIDE).await?.as_ref().map(decode).transpose()
}

/// Every item's full guide (the knowledge base reads their FAQ): one index query per 1000.
pub async fn guides(store: &dyn RecordStore) -> StoreResult<Vec<LicensingItem>> {
    let records = query_all(store, Query::gsi2(keys::GUIDES)).await?;
    records.iter().map(decode).collect()
}

/// Policies newest first, all kinds or one; one index query per page.
pub async fn policies(
    store: &dyn RecordStore,
    kind: Option<PolicyKind>,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Policy>, Option<String>)> {
    let query = match kind {
        None => Query::gsi1(keys::POLICIES),
        Some(k) => Query::gsi2(keys::policies_by_kind(k.as_str())),
    };
    let page = store.query(query.newest_first().limit(limit).after(cursor)).await?;
    let items = page.items.iter().map(decode).collect::<StoreResult<_>>()?;
    Ok((items, page.next))
}
