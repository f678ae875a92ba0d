//! The backend contract: every `RecordStore` adapter must pass every case here. Each case uses
//! its own random partitions, so the cases may share one store (one DynamoDB table).
//!
//! Adapters run the suite with [`record_store_contract!`](crate::record_store_contract):
//! `wangban_shared::record_store_contract!(async { make_store().await });`

use std::{collections::HashSet, sync::Arc};

use serde_json::json;

use super::{Condition, MAX_TRANSACTION_OPS, Query, Record, RecordStore, StoreError, TxOp, query_all};

type Store = Arc<dyn RecordStore>;

/// Generates one `#[tokio::test]` per contract case for the store built by `$make` (an async
/// expression yielding `Arc<dyn RecordStore>`).
#[macro_export]
macro_rules! record_store_contract {
    ($make:expr) => {
        $crate::record_store_contract!(@cases $make;
            get_of_a_missing_item_is_none,
            put_then_get_round_trips_every_field,
            put_not_exists_refuses_an_existing_item,
            put_exists_refuses_a_missing_item,
            put_version_is_guards_optimistic_updates,
            delete_honours_its_condition,
            query_by_prefix_and_range_in_both_directions,
            query_pages_with_a_cursor_without_gaps_or_repeats,
            gsi_query_orders_by_index_key_and_pages,
            a_cursor_of_another_query_is_refused,
            increment_is_atomic_under_concurrency,
            a_failed_condition_in_a_transaction_writes_nothing,
            transact_applies_puts_deletes_and_checks,
            transact_refuses_two_operations_on_one_item_and_oversized_batches,
            an_item_over_400_kb_is_refused,
            concurrent_conditional_creates_have_exactly_one_winner,
            keys_sort_by_utf8_bytes
        );
    };
    (@cases $make:expr; $($case:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store: ::std::sync::Arc<dyn $crate::store::RecordStore> = $make.await;
                $crate::store::contract::$case(store).await;
            }
        )+
    };
}

fn unique(tag: &str) -> String {
    format!("T#{tag}#{}", uuid::Uuid::new_v4().simple())
}

pub async fn get_of_a_missing_item_is_none(store: Store) {
    assert_eq!(store.get(&unique("missing"), "nothing").await.unwrap(), None);
}

pub async fn put_then_get_round_trips_every_field(store: Store) {
    let pk = unique("roundtrip");
    let record = Record::new(
        &pk,
        "A",
        json!({"name": "食品经营许可", "n": 42, "nested": {"list": [1, 2.5, null, true]}}),
    )
    .with_version(7)
    .with_gsi1("G1#x", "2026-12-03")
    .with_gsi2("G2#y", "z")
    .expiring_at(4_102_444_800);
    store.put(record.clone(), Condition::None).await.unwrap();
    assert_eq!(store.get(&pk, "A").await.unwrap(), Some(record));

    let replaced = Record::new(&pk, "A", json!({"replaced": true}));
    store.put(replaced.clone(), Condition::None).await.unwrap();
    assert_eq!(store.get(&pk, "A").await.unwrap(), Some(replaced), "a put replaces the whole item");
}

pub async fn put_not_exists_refuses_an_existing_item(store: Store) {
    let pk = unique("notexists");
    store.put(Record::new(&pk, "A", json!({"v": 1})), Condition::NotExists).await.unwrap();
    let err = store.put(Record::new(&pk, "A", json!({"v": 2})), Condition::NotExists).await.unwrap_err();
    assert_eq!(err, StoreError::ConditionFailed);
    assert_eq!(store.get(&pk, "A").await.unwrap().unwrap().body, json!({"v": 1}));
}

pub async fn put_exists_refuses_a_missing_item(store: Store) {
    let pk = unique("exists");
    let err = store.put(Record::new(&pk, "A", json!({})), Condition::Exists).await.unwrap_err();
    assert_eq!(err, StoreError::ConditionFailed);
    assert_eq!(store.get(&pk, "A").await.unwrap(), None);
    store.put(Record::new(&pk, "A", json!({"v": 1})), Condition::None).await.unwrap();
    store.put(Record::new(&pk, "A", json!({"v": 2})), Condition::Exists).await.unwrap();
    assert_eq!(store.get(&pk, "A").await.unwrap().unwrap().body, json!({"v": 2}));
}

pub async fn put_version_is_guards_optimistic_updates(store: Store) {
    let pk = unique("version");
    store.put(Record::new(&pk, "A", json!({"v": 1})).with_version(1), Condition::NotExists).await.unwrap();
    store.put(Record::new(&pk, "A", json!({"v": 2})).with_version(2), Condition::VersionIs(1)).await.unwrap();
    let stale =
        store.put(Record::new(&pk, "A", json!({"v": 3})).with_version(2), Condition::VersionIs(1)).await;
    assert_eq!(stale.unwrap_err(), StoreError::ConditionFailed);
    let missing = store.put(Record::new(unique("version"), "A", json!({})), Condition::VersionIs(1)).await;
    assert_eq!(missing.unwrap_err(), StoreError::ConditionFailed, "VersionIs requires the item");
    let now = store.get(&pk, "A").await.unwrap().unwrap();
    assert_eq!((now.version, now.body), (2, json!({"v": 2})));
}

pub async fn delete_honours_its_condition(store: Store) {
    let pk = unique("delete");
    assert_eq!(store.delete(&pk, "A", Condition::Exists).await.unwrap_err(), StoreError::ConditionFailed);
    store.delete(&pk, "A", Condition::None).await.expect("an unconditional delete of nothing succeeds");
    store.put(Record::new(&pk, "A", json!({})).with_version(3), Condition::None).await.unwrap();
    assert_eq!(
        store.delete(&pk, "A", Condition::VersionIs(2)).await.unwrap_err(),
        StoreError::ConditionFailed
    );
    assert!(store.get(&pk, "A").await.unwrap().is_some());
    store.delete(&pk, "A", Condition::VersionIs(3)).await.unwrap();
    assert_eq!(store.get(&pk, "A").await.unwrap(), None);
}

async fn fill(store: &Store, pk: &str, sks: &[&str]) {
    for sk in sks {
        store.put(Record::new(pk, *sk, json!({"sk": sk})), Condition::None).await.unwrap();
    }
}

fn sks(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| r.sk.clone()).collect()
}

pub async fn query_by_prefix_and_range_in_both_directions(store: Store) {
    let pk = unique("query");
    fill(&store, &pk, &["A#1", "A#2", "A#3", "B#1", "B#2", "C"]).await;
    let other = unique("query");
    fill(&store, &other, &["A#9"]).await;

    let all = store.query(Query::partition(&pk)).await.unwrap();
    assert_eq!(sks(&all.items), ["A#1", "A#2", "A#3", "B#1", "B#2", "C"]);
    assert_eq!(all.next, None);

    let a = store.query(Query::partition(&pk).prefix("A#")).await.unwrap();
    assert_eq!(sks(&a.items), ["A#1", "A#2", "A#3"]);
    let a_desc = store.query(Query::partition(&pk).prefix("A#").newest_first()).await.unwrap();
    assert_eq!(sks(&a_desc.items), ["A#3", "A#2", "A#1"]);

    let between = store.query(Query::partition(&pk).between("A#2", "B#1")).await.unwrap();
    assert_eq!(sks(&between.items), ["A#2", "A#3", "B#1"], "BETWEEN is inclusive");
    let none = store.query(Query::partition(&pk).prefix("D")).await.unwrap();
    assert!(none.items.is_empty() && none.next.is_none());
}

async fn collect_pages(store: &Store, query: Query) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor = None;
    for _ in 0..100 {
        let page = store.query(query.clone().after(cursor)).await.unwrap();
        assert!(page.items.len() <= query.limit, "a page never exceeds its limit");
        seen.extend(sks(&page.items));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return seen,
        }
    }
    panic!("pagination did not end");
}

pub async fn query_pages_with_a_cursor_without_gaps_or_repeats(store: Store) {
    let pk = unique("pages");
    let keys: Vec<String> = (0..10).map(|i| format!("K#{i:02}")).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    fill(&store, &pk, &refs).await;

    let forward = collect_pages(&store, Query::partition(&pk).limit(3)).await;
    assert_eq!(forward, keys);
    let backward = collect_pages(&store, Query::partition(&pk).limit(4).newest_first()).await;
    let mut reversed = keys.clone();
    reversed.reverse();
    assert_eq!(backward, reversed);
    let exact = collect_pages(&store, Query::partition(&pk).limit(5)).await;
    assert_eq!(exact, keys, "a limit that divides the partition evenly still ends");

    let all = query_all(store.as_ref(), Query::partition(&pk).prefix("K#")).await.unwrap();
    assert_eq!(sks(&all), keys);
}

pub async fn gsi_query_orders_by_index_key_and_pages(store: Store) {
    let gsi = unique("gsi");
    let own = unique("gsi-table");
    // Two records share an index sort key: ties must page without loss.
    for (sk, due) in [("c1", "2026-12-10"), ("c2", "2026-12-03"), ("c3", "2026-12-10"), ("c4", "2026-12-01")]
    {
        let r = Record::new(&own, sk, json!({})).with_gsi1(&gsi, due).with_gsi2(format!("{gsi}#2"), sk);
        store.put(r, Condition::None).await.unwrap();
    }
    store.put(Record::new(&own, "no-index", json!({})), Condition::None).await.unwrap();

    let page = store.query(Query::gsi1(&gsi)).await.unwrap();
    let order: Vec<_> = page.items.iter().map(|r| r.gsi1.as_ref().unwrap().sk.clone()).collect();
    assert_eq!(order, ["2026-12-01", "2026-12-03", "2026-12-10", "2026-12-10"]);
    assert_eq!(page.items.len(), 4, "items without the index key are not in the index");

    let paged = collect_pages(&store, Query::gsi1(&gsi).limit(1)).await;
    let mut unique_sks: Vec<_> = paged.clone();
    unique_sks.sort();
    unique_sks.dedup();
    assert_eq!((paged.len(), unique_sks), (4, vec!["c1".into(), "c2".into(), "c3".into(), "c4".into()]));

    let range = store.query(Query::gsi1(&gsi).between("2026-12-02", "2026-12-09")).await.unwrap();
    assert_eq!(sks(&range.items), ["c2"]);
    let latest = store.query(Query::gsi1(&gsi).newest_first().limit(1)).await.unwrap();
    assert_eq!(latest.items[0].gsi1.as_ref().unwrap().sk, "2026-12-10");

    let second = store.query(Query::gsi2(format!("{gsi}#2")).prefix("c")).await.unwrap();
    assert_eq!(sks(&second.items), ["c1", "c2", "c3", "c4"]);
}

pub async fn a_cursor_of_another_query_is_refused(store: Store) {
    let pk = unique("cursor");
    fill(&store, &pk, &["a", "b", "c"]).await;
    let page = store.query(Query::partition(&pk).limit(1)).await.unwrap();
    let cursor = page.next.expect("more items follow");
    let foreign = store.query(Query::partition(unique("cursor")).after(Some(cursor))).await;
    assert_eq!(foreign.unwrap_err(), StoreError::BadCursor);
    let garbage = store.query(Query::partition(&pk).after(Some("not a cursor!".into()))).await;
    assert_eq!(garbage.unwrap_err(), StoreError::BadCursor);
}

pub async fn increment_is_atomic_under_concurrency(store: Store) {
    let pk = unique("counter");
    assert_eq!(store.increment(&pk, "seq", 1).await.unwrap(), 1);
    assert_eq!(store.increment(&pk, "seq", 5).await.unwrap(), 6);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, pk) = (store.clone(), pk.clone());
            tokio::spawn(async move { store.increment(&pk, "seq", 1).await.unwrap() })
        })
        .collect();
    let mut values = HashSet::new();
    for t in tasks {
        assert!(values.insert(t.await.unwrap()), "every increment returns a distinct value");
    }
    assert_eq!(values, (7..=26).collect::<HashSet<_>>());
    assert_eq!(store.increment(&pk, "seq", 0).await.unwrap(), 26);
}

pub async fn a_failed_condition_in_a_transaction_writes_nothing(store: Store) {
    let pk = unique("tx-fail");
    store.put(Record::new(&pk, "exists", json!({"v": "before"})), Condition::None).await.unwrap();
    let ops = vec![
        TxOp::Put { record: Record::new(&pk, "new-1", json!({})), condition: Condition::NotExists },
        TxOp::Put { record: Record::new(&pk, "exists", json!({"v": "after"})), condition: Condition::None },
        TxOp::Put { record: Record::new(&pk, "new-2", json!({})), condition: Condition::Exists },
        TxOp::Delete { pk: pk.clone(), sk: "never".into(), condition: Condition::None },
    ];
    let err = store.transact(ops).await.unwrap_err();
    assert_eq!(err, StoreError::TransactionConditionFailed { index: 2 });
    let left = query_all(store.as_ref(), Query::partition(&pk)).await.unwrap();
    assert_eq!(sks(&left), ["exists"], "nothing of a cancelled transaction is written");
    assert_eq!(left[0].body, json!({"v": "before"}));
}

pub async fn transact_applies_puts_deletes_and_checks(store: Store) {
    let pk = unique("tx-ok");
    fill(&store, &pk, &["old", "guard"]).await;
    store
        .transact(vec![
            TxOp::Put {
                record: Record::new(&pk, "new", json!({"a": 1})).with_gsi1(format!("{pk}#i"), "x"),
                condition: Condition::NotExists,
            },
            TxOp::Delete { pk: pk.clone(), sk: "old".into(), condition: Condition::Exists },
            TxOp::Check { pk: pk.clone(), sk: "guard".into(), condition: Condition::Exists },
        ])
        .await
        .unwrap();
    assert_eq!(sks(&query_all(store.as_ref(), Query::partition(&pk)).await.unwrap()), ["guard", "new"]);
    assert_eq!(store.query(Query::gsi1(format!("{pk}#i"))).await.unwrap().items.len(), 1);

    let err = store
        .transact(vec![
            TxOp::Check { pk: pk.clone(), sk: "old".into(), condition: Condition::Exists },
            TxOp::Put { record: Record::new(&pk, "other", json!({})), condition: Condition::None },
        ])
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::TransactionConditionFailed { index: 0 });
    assert_eq!(store.get(&pk, "other").await.unwrap(), None);
}

pub async fn transact_refuses_two_operations_on_one_item_and_oversized_batches(store: Store) {
    let pk = unique("tx-shape");
    let twice = store
        .transact(vec![
            TxOp::Put { record: Record::new(&pk, "a", json!({})), condition: Condition::None },
            TxOp::Delete { pk: pk.clone(), sk: "a".into(), condition: Condition::None },
        ])
        .await;
    assert!(matches!(twice, Err(StoreError::Invalid(_))), "got {twice:?}");
    let many: Vec<_> = (0..=MAX_TRANSACTION_OPS)
        .map(|i| TxOp::Put {
            record: Record::new(&pk, format!("k{i}"), json!({})),
            condition: Condition::None,
        })
        .collect();
    assert!(matches!(store.transact(many).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.transact(vec![]).await, Err(StoreError::Invalid(_))));
    assert!(store.query(Query::partition(&pk)).await.unwrap().items.is_empty());

    let full: Vec<_> = (0..MAX_TRANSACTION_OPS)
        .map(|i| TxOp::Put {
            record: Record::new(&pk, format!("k{i:03}"), json!({})),
            condition: Condition::None,
        })
        .collect();
    store.transact(full).await.expect("exactly 100 operations are allowed");
    assert_eq!(query_all(store.as_ref(), Query::partition(&pk)).await.unwrap().len(), MAX_TRANSACTION_OPS);
}

pub async fn an_item_over_400_kb_is_refused(store: Store) {
    let pk = unique("large");
    let big = Record::new(&pk, "big", json!({"text": "字".repeat(150_000)}));
    assert!(matches!(store.put(big.clone(), Condition::None).await, Err(StoreError::ItemTooLarge { .. })));
    let in_tx = store.transact(vec![TxOp::Put { record: big, condition: Condition::None }]).await;
    assert!(matches!(in_tx, Err(StoreError::ItemTooLarge { .. })));
    let fits = Record::new(&pk, "fits", json!({"text": "a".repeat(300_000)}));
    store.put(fits, Condition::None).await.expect("300 KB fits");
    assert_eq!(store.get(&pk, "big").await.unwrap(), None);
}

pub async fn concurrent_conditional_creates_have_exactly_one_winner(store: Store) {
    let pk = unique("race");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (store, pk) = (store.clone(), pk.clone());
            tokio::spawn(async move {
                let claim = TxOp::Put {
                    record: Record::new(&pk, "claim", json!({"by": i})),
                    condition: Condition::NotExists,
                };
                let owner = TxOp::Put {
                    record: Record::new(&pk, format!("owner#{i}"), json!({})),
                    condition: Condition::None,
                };
                store.transact(vec![claim, owner]).await
            })
        })
        .collect();
    let mut winners = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => winners += 1,
            Err(StoreError::TransactionConditionFailed { index: 0 }) | Err(StoreError::Conflict) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!(winners, 1);
    let records = query_all(store.as_ref(), Query::partition(&pk)).await.unwrap();
    assert_eq!(records.len(), 2, "the claim and the winner's owner record, nothing of the losers");
}

pub async fn keys_sort_by_utf8_bytes(store: Store) {
    let pk = unique("utf8");
    fill(&store, &pk, &["贵阳#2", "贵阳#1", "Z", "a", "贵州"]).await;
    let all = store.query(Query::partition(&pk)).await.unwrap();
    assert_eq!(sks(&all.items), ["Z", "a", "贵州", "贵阳#1", "贵阳#2"]);
    let gy = store.query(Query::partition(&pk).prefix("贵阳")).await.unwrap();
    assert_eq!(sks(&gy.items), ["贵阳#1", "贵阳#2"]);
}
