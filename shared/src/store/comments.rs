//! The comment repository over the key layout in [`keys`]: one record per comment, in its
//! moderators' queue while pending and listed under its target once approved.

use super::{Condition, Query, Record, RecordStore, StoreError, StoreResult, TxOp, Versioned, keys};
use crate::domain::interaction::comment::{Comment, CommentStatus};

fn decode<T: serde::de::DeserializeOwned>(r: &Record) -> StoreResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

fn record(c: &Comment, version: u64) -> Record {
    let order = format!("{:020}#{}", c.created_at.unix_timestamp_nanos(), c.id);
    let mut r =
        Record::new(keys::comment_pk(&c.id), keys::COMMENT, serde_json::to_value(c).expect("serialises"))
            .with_version(version);
    match c.status {
        CommentStatus::Pending => r = r.with_gsi2(keys::comment_queue(c.department_id.as_deref()), order),
        CommentStatus::Approved => r = r.with_gsi1(keys::comments_index(&c.target.to_string()), order),
        CommentStatus::Rejected => {}
    }
    r
}

pub fn create_op(c: &Comment) -> TxOp {
    TxOp::Put { record: record(c, 1), condition: Condition::NotExists }
}

pub fn update_op(c: &Comment, version: u64) -> TxOp {
    TxOp::Put { record: record(c, version + 1), condition: Condition::VersionIs(version) }
}

pub async fn get(store: &dyn RecordStore, id: &str) -> StoreResult<Option<Versioned<Comment>>> {
    let record = store.get(&keys::comment_pk(id), keys::COMMENT).await?;
    record.map(|r| Ok(Versioned { value: decode(&r)?, version: r.version })).transpose()
}

/// A target's approved comments, newest first.
pub async fn approved(
    store: &dyn RecordStore,
    target: &str,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Comment>, Option<String>)> {
    let page = store
        .query(Query::gsi1(keys::comments_index(target)).newest_first().limit(limit).after(cursor))
        .await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

/// Comments waiting for moderation by a department (or, with `None`, the platform), oldest first.
pub async fn pending(
    store: &dyn RecordStore,
    department_id: Option<&str>,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Comment>, Option<String>)> {
    let page =
        store.query(Query::gsi2(keys::comment_queue(department_id)).limit(limit).after(cursor)).await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}
