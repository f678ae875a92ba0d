//! A [`Record`] as a DynamoDB item, and back (attributes: [`crate::store::table`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

use crate::store::{
    Index, IndexKey, Record, StoreError, StoreResult,
    table::{BODY, COUNTER, GSI1, GSI2, PK, SK, TTL, VERSION},
};

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn key(pk: &str, sk: &str) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

pub fn to_item(record: &Record) -> Item {
    let mut item = key(&record.pk, &record.sk);
    item.insert(BODY.into(), s(&record.body.to_string()));
    item.insert(VERSION.into(), n(record.version));
    for (index, gsi) in [(&record.gsi1, GSI1), (&record.gsi2, GSI2)] {
        if let Some(k) = index {
            item.insert(gsi.pk.into(), s(&k.pk));
            item.insert(gsi.sk.into(), s(&k.sk));
        }
    }
    if let Some(at) = record.expires_at {
        item.insert(TTL.into(), n(at));
    }
    item
}

/// Keys may hold personal data (login claims): the error names the attribute, never the item.
fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("corrupt DynamoDB item: {what}"))
}

fn string(item: &Item, name: &str) -> StoreResult<Option<String>> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v.clone())),
        Some(_) => Err(corrupt(&format!("{name} is not a string"))),
    }
}

fn number<T: std::str::FromStr>(item: &Item, name: &str) -> StoreResult<Option<T>> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(v)) => {
            v.parse().map(Some).map_err(|_| corrupt(&format!("{name} out of range")))
        }
        Some(_) => Err(corrupt(&format!("{name} is not a number"))),
    }
}

pub fn from_item(item: &Item) -> StoreResult<Record> {
    let required = |name: &str| string(item, name)?.ok_or_else(|| corrupt(&format!("no {name}")));
    let body = match (string(item, BODY)?, number::<i64>(item, COUNTER)?) {
        (Some(text), _) => serde_json::from_str(&text).map_err(|_| corrupt("body is not JSON"))?,
        // A counter written by `increment` reads like the embedded backend's: `{"n": value}`.
        (None, Some(value)) => json!({ "n": value }),
        (None, None) => return Err(corrupt("no body")),
    };
    let index = |gsi: crate::store::table::Gsi| -> StoreResult<Option<IndexKey>> {
        Ok(string(item, gsi.pk)?.zip(string(item, gsi.sk)?).map(|(pk, sk)| IndexKey { pk, sk }))
    };
    Ok(Record {
        pk: required(PK)?,
        sk: required(SK)?,
        body,
        version: number(item, VERSION)?.unwrap_or(1),
        gsi1: index(GSI1)?,
        gsi2: index(GSI2)?,
        expires_at: number(item, TTL)?,
    })
}

/// The key attributes a query on `index` walks, and the index name.
pub fn index_keys(index: Index) -> (&'static str, &'static str, Option<&'static str>) {
    match index {
        Index::Primary => (PK, SK, None),
        Index::Gsi1 => (GSI1.pk, GSI1.sk, Some(GSI1.name)),
        Index::Gsi2 => (GSI2.pk, GSI2.sk, Some(GSI2.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_items() {
        let record = Record::new("P#1", "S#1", json!({"a": [1, 2.5, null, "贵阳"], "b": {"c": true}}))
            .with_version(9)
            .with_gsi1("G1", "2026-12-03")
            .with_gsi2("G2", "x")
            .expiring_at(1_800_000_000);
        let item = to_item(&record);
        assert_eq!(item.get("ttl"), Some(&AttributeValue::N("1800000000".into())));
        assert_eq!(from_item(&item).unwrap(), record);
        let plain = Record::new("P", "S", json!({}));
        let item = to_item(&plain);
        assert!(!item.contains_key("gsi1pk") && !item.contains_key("ttl"));
        assert_eq!(from_item(&item).unwrap(), plain);
    }

    #[test]
    fn counters_read_as_the_embedded_backend_writes_them() {
        let mut item = key("SEQ#x", "SEQ");
        item.insert("n".into(), n(42));
        item.insert("v".into(), n(1));
        assert_eq!(from_item(&item).unwrap().body, json!({"n": 42}));
    }

    #[test]
    fn corrupt_items_are_typed_errors_without_their_keys() {
        let mut item = key("LOGIN#id#52010219900101123X", "CLAIM");
        let err = from_item(&item).unwrap_err();
        assert!(matches!(&err, StoreError::Backend(m) if !m.contains("5201")), "{err}");
        item.insert("body".into(), s("not json"));
        assert!(from_item(&item).is_err());
        item.insert("body".into(), n(1));
        assert!(from_item(&item).is_err());
    }
}
