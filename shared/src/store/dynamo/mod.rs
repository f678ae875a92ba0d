//! The cloud backend: one DynamoDB table ([`crate::store::table`]), the same contract as SQLite
//! (proven by the same suite, run against an emulator by `scripts/test.sh`).
//!
//! - Conditions are `ConditionExpression`s: not exists / exists on `pk`, a version on `v`.
//! - `transact` is one `TransactWriteItems`; a cancellation maps to the index of the first
//!   operation whose condition failed, exactly as the embedded backend reports it.
//! - Queries return pages of at most `limit` records. The adapter asks for one more, so `next`
//!   is present only when more records follow (or DynamoDB cut the page at 1 MB); the cursor is
//!   the shared opaque position, from which the exclusive start key is rebuilt.
//! - Reads of the table are strongly consistent; index queries are eventually consistent, as
//!   GSIs are on DynamoDB.
//! - `increment` is one `UpdateItem` with `ADD`.

mod create;
mod errors;
mod item;

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    operation::transact_write_items::TransactWriteItemsError,
    types::{ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem},
};

pub use create::{create_table, table_exists};
use item::{Item, from_item, index_keys, key, n, s, to_item};

use super::{
    Condition, MAX_PAGE, Page, Query, Record, RecordStore, SkRange, StoreError, StoreResult, TxOp,
    check_record, check_transaction,
    cursor::Position,
    table::{BODY, COUNTER, PK, SK, VERSION},
};

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: Arc<str>,
}

impl DynamoStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

/// Opens the store named by `WANGBAN_STORE=dynamodb:<table>` with the shared SDK configuration.
/// No network call: the table is first touched by the first request.
pub fn open(table: String) -> crate::config::Opening<Arc<dyn RecordStore>> {
    Box::pin(async move {
        let config = crate::aws::sdk_config().await;
        Ok(Arc::new(DynamoStore::new(Client::new(&config), &table)) as Arc<dyn RecordStore>)
    })
}

/// A condition as an expression with its names and values.
struct Expression {
    text: &'static str,
    names: Vec<(&'static str, &'static str)>,
    values: Item,
}

fn expression(condition: Condition) -> Option<Expression> {
    let pk = vec![("#pk", PK)];
    match condition {
        Condition::None => None,
        Condition::NotExists => {
            Some(Expression { text: "attribute_not_exists(#pk)", names: pk, values: Item::new() })
        }
        Condition::Exists => {
            Some(Expression { text: "attribute_exists(#pk)", names: pk, values: Item::new() })
        }
        Condition::VersionIs(v) => Some(Expression {
            text: "#v = :expected",
            names: vec![("#v", VERSION)],
            values: Item::from([(":expected".to_owned(), n(v))]),
        }),
    }
}

/// A `ConditionCheck` needs an expression even when it checks nothing.
fn check_expression(condition: Condition) -> Expression {
    expression(condition).unwrap_or(Expression {
        text: "attribute_exists(#pk) OR attribute_not_exists(#pk)",
        names: vec![("#pk", PK)],
        values: Item::new(),
    })
}

fn names(e: &Expression) -> Option<std::collections::HashMap<String, String>> {
    Some(e.names.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

fn values(e: &Expression) -> Option<Item> {
    (!e.values.is_empty()).then(|| e.values.clone())
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

fn tx_item(table: &str, op: &TxOp) -> StoreResult<TransactWriteItem> {
    let item = match op {
        TxOp::Put { record, condition } => {
            let e = expression(*condition);
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(to_item(record)))
                .set_condition_expression(e.as_ref().map(|e| e.text.to_owned()))
                .set_expression_attribute_names(e.as_ref().and_then(names))
                .set_expression_attribute_values(e.as_ref().and_then(values))
                .build()
                .map_err(invalid)?;
            TransactWriteItem::builder().put(put).build()
        }
        TxOp::Delete { pk, sk, condition } => {
            let e = expression(*condition);
            let delete = Delete::builder()
                .table_name(table)
                .set_key(Some(key(pk, sk)))
                .set_condition_expression(e.as_ref().map(|e| e.text.to_owned()))
                .set_expression_attribute_names(e.as_ref().and_then(names))
                .set_expression_attribute_values(e.as_ref().and_then(values))
                .build()
                .map_err(invalid)?;
            TransactWriteItem::builder().delete(delete).build()
        }
        TxOp::Check { pk, sk, condition } => {
            let e = check_expression(*condition);
            let check = ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(key(pk, sk)))
                .condition_expression(e.text)
                .set_expression_attribute_names(names(&e))
                .set_expression_attribute_values(values(&e))
                .build()
                .map_err(invalid)?;
            TransactWriteItem::builder().condition_check(check).build()
        }
    };
    Ok(item)
}

/// The exclusive start key of the page after `pos`.
fn start_key(query: &Query, pos: &Position) -> Item {
    let mut start = key(pos.pk(), pos.sk());
    let (ipk, isk, index) = index_keys(query.index);
    if index.is_some() {
        start.insert(ipk.to_owned(), s(&query.pk));
        start.insert(isk.to_owned(), s(pos.index_sk()));
    }
    start
}

/// The cursor after `last` (an item or a `LastEvaluatedKey`, which has the same key attributes).
fn position_after(query: &Query, last: &Item) -> StoreResult<String> {
    let text = |name: &str| match last.get(name) {
        Some(aws_sdk_dynamodb::types::AttributeValue::S(v)) => Ok(v.clone()),
        _ => Err(StoreError::Backend(format!("DynamoDB page key without {name}"))),
    };
    let (_, isk, index) = index_keys(query.index);
    let index_sk = if index.is_some() { Some(text(isk)?) } else { None };
    Ok(Position::new(query, index_sk, text(PK)?, text(SK)?).encode())
}

#[async_trait]
impl RecordStore for DynamoStore {
    async fn get(&self, pk: &str, sk: &str) -> StoreResult<Option<Record>> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| errors::failure("GetItem", e))?;
        out.item().map(from_item).transpose()
    }

    async fn put(&self, record: Record, condition: Condition) -> StoreResult<()> {
        check_record(&record)?;
        let e = expression(condition);
        let result = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(to_item(&record)))
            .set_condition_expression(e.as_ref().map(|e| e.text.to_owned()))
            .set_expression_attribute_names(e.as_ref().and_then(names))
            .set_expression_attribute_values(e.as_ref().and_then(values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if errors::code(&err) == Some("ConditionalCheckFailedException") => {
                Err(StoreError::ConditionFailed)
            }
            Err(err) if errors::is_item_too_large(&err) => {
                Err(StoreError::ItemTooLarge { size: record.size() })
            }
            Err(err) => Err(errors::failure("PutItem", err)),
        }
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> StoreResult<()> {
        let e = expression(condition);
        let result = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .set_key(Some(key(pk, sk)))
            .set_condition_expression(e.as_ref().map(|e| e.text.to_owned()))
            .set_expression_attribute_names(e.as_ref().and_then(names))
            .set_expression_attribute_values(e.as_ref().and_then(values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if errors::code(&err) == Some("ConditionalCheckFailedException") => {
                Err(StoreError::ConditionFailed)
            }
            Err(err) => Err(errors::failure("DeleteItem", err)),
        }
    }

    async fn query(&self, query: Query) -> StoreResult<Page> {
        if query.pk.is_empty() {
            return Err(StoreError::Invalid("empty partition key".into()));
        }
        let (ipk, isk, index) = index_keys(query.index);
        let mut names = vec![("#ipk".to_owned(), ipk.to_owned())];
        let mut values = vec![(":pk".to_owned(), s(&query.pk))];
        let mut condition = "#ipk = :pk".to_owned();
        match &query.sk {
            // `begins_with` refuses an empty prefix; every key starts with it anyway.
            SkRange::All => {}
            SkRange::Prefix(p) if p.is_empty() => {}
            SkRange::Prefix(p) => {
                condition.push_str(" AND begins_with(#isk, :prefix)");
                names.push(("#isk".into(), isk.into()));
                values.push((":prefix".into(), s(p)));
            }
            SkRange::Between(a, b) => {
                condition.push_str(" AND #isk BETWEEN :from AND :to");
                names.push(("#isk".into(), isk.into()));
                values.extend([(":from".into(), s(a)), (":to".into(), s(b))]);
            }
        }
        let start = match &query.cursor {
            Some(cursor) => Some(start_key(&query, &Position::decode(&query, cursor)?)),
            None => None,
        };
        let limit = query.limit.clamp(1, MAX_PAGE);
        let result = self
            .client
            .query()
            .table_name(&*self.table)
            .set_index_name(index.map(str::to_owned))
            .key_condition_expression(condition)
            .set_expression_attribute_names(Some(names.into_iter().collect()))
            .set_expression_attribute_values(Some(values.into_iter().collect()))
            .scan_index_forward(query.forward)
            .consistent_read(index.is_none())
            // One more than asked: whether it comes back says whether another page exists.
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            // A well-formed cursor whose start key lies outside this query's range.
            Err(err) if query.cursor.is_some() && errors::code(&err) == Some("ValidationException") => {
                return Err(StoreError::BadCursor);
            }
            Err(err) => return Err(errors::failure("Query", err)),
        };
        let mut raw: Vec<Item> = out.items().to_vec();
        let next = if raw.len() > limit {
            raw.truncate(limit);
            Some(position_after(&query, raw.last().expect("limit is at least 1"))?)
        } else {
            // Fewer came back: either the end, or DynamoDB stopped at 1 MB and says where.
            out.last_evaluated_key().map(|last| position_after(&query, last)).transpose()?
        };
        let items = raw.iter().map(from_item).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, next })
    }

    async fn increment(&self, pk: &str, sk: &str, by: i64) -> StoreResult<i64> {
        let result = self
            .client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression("SET #v = if_not_exists(#v, :one) ADD #n :by")
            // A record with a body is not a counter, as on the embedded backend.
            .condition_expression("attribute_not_exists(#body)")
            .expression_attribute_names("#v", VERSION)
            .expression_attribute_names("#n", COUNTER)
            .expression_attribute_names("#body", BODY)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":by", n(by))
            // ALL_NEW: an ADD of 0 changes nothing, and UPDATED_NEW may then return nothing.
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(err) if errors::code(&err) == Some("ConditionalCheckFailedException") => {
                return Err(StoreError::Invalid("record is not a counter".into()));
            }
            Err(err) => return Err(errors::failure("UpdateItem", err)),
        };
        match out.attributes().and_then(|a| a.get(COUNTER)) {
            Some(aws_sdk_dynamodb::types::AttributeValue::N(v)) => {
                v.parse().map_err(|_| StoreError::Invalid("counter overflow".into()))
            }
            _ => Err(StoreError::Backend("DynamoDB UpdateItem returned no counter".into())),
        }
    }

    async fn transact(&self, ops: Vec<TxOp>) -> StoreResult<()> {
        check_transaction(&ops)?;
        let items = ops.iter().map(|op| tx_item(&self.table, op)).collect::<StoreResult<Vec<_>>>()?;
        let result = self.client.transact_write_items().set_transact_items(Some(items)).send().await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => {
                if errors::is_item_too_large(&err) {
                    let size = ops.iter().map(|op| match op {
                        TxOp::Put { record, .. } => record.size(),
                        _ => 0,
                    });
                    return Err(StoreError::ItemTooLarge { size: size.max().unwrap_or(0) });
                }
                if let Some(TransactWriteItemsError::TransactionCanceledException(e)) = err.as_service_error()
                {
                    return Err(errors::cancelled(e.cancellation_reasons()));
                }
                Err(errors::failure("TransactWriteItems", err))
            }
        }
    }
}
