//! The survey repository over the key layout in [`keys`]: the survey, one claim per account
//! that answered, the anonymous responses and the sharded counts, all in the survey's partition.

use serde_json::json;
use time::OffsetDateTime;

use super::{Condition, Query, Record, RecordStore, StoreError, StoreResult, TxOp, keys, tally};
use crate::domain::interaction::survey::{CheckedResponse, Survey};

fn decode<T: serde::de::DeserializeOwned>(r: &Record) -> StoreResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

pub fn create_op(s: &Survey) -> TxOp {
    let order = format!("{:020}#{}", s.opens_at.unix_timestamp_nanos(), s.id);
    TxOp::Put {
        record: Record::new(
            keys::survey_pk(&s.id),
            keys::SURVEY,
            serde_json::to_value(s).expect("serialises"),
        )
        .with_gsi1(keys::SURVEYS, order),
        condition: Condition::NotExists,
    }
}

pub async fn get(store: &dyn RecordStore, id: &str) -> StoreResult<Option<Survey>> {
    store.get(&keys::survey_pk(id), keys::SURVEY).await?.as_ref().map(decode).transpose()
}

/// Surveys, latest opening first.
pub async fn list(
    store: &dyn RecordStore,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Survey>, Option<String>)> {
    let page = store.query(Query::gsi1(keys::SURVEYS).newest_first().limit(limit).after(cursor)).await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

/// Index of the claim in [`respond_ops`]: a cancelled transaction failing there means the
/// account already answered.
pub const CLAIM_OP: usize = 0;

/// The writes of one response, as one transaction: the account's claim (must not exist), the
/// response without the account, and one tally shard moved under its version.
pub async fn respond_ops(
    store: &dyn RecordStore,
    survey_id: &str,
    user_id: &str,
    response: &CheckedResponse,
    now: OffsetDateTime,
) -> StoreResult<Vec<TxOp>> {
    let pk = keys::survey_pk(survey_id);
    let at = format!("{:020}", now.unix_timestamp_nanos());
    let id = uuid::Uuid::new_v4().simple().to_string();
    let shard = tally::add_op(store, &pk, tally::random_shard(), &response.tally(), json!({}), None).await?;
    Ok(vec![
        TxOp::Put {
            record: Record::new(
                &pk,
                keys::respondent_sk(user_id),
                json!({ "at": super::consultations::rfc3339(now) }),
            ),
            condition: Condition::NotExists,
        },
        TxOp::Put {
            record: Record::new(
                &pk,
                keys::response_sk(&at, &id),
                json!({ "response": response, "at": super::consultations::rfc3339(now) }),
            ),
            condition: Condition::NotExists,
        },
        shard,
    ])
}

/// The survey's counts: one query of its shards.
pub async fn tally(store: &dyn RecordStore, id: &str) -> StoreResult<tally::Counts> {
    tally::read(store, &keys::survey_pk(id)).await
}

/// One free-text answer, without who wrote it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TextAnswer {
    pub question_id: String,
    pub text: String,
    pub at: Option<String>,
}

/// The free-text answers, a page of responses at a time, oldest first.
pub async fn texts(
    store: &dyn RecordStore,
    id: &str,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<TextAnswer>, Option<String>)> {
    let page = store
        .query(Query::partition(keys::survey_pk(id)).prefix("RESPONSE#").limit(limit).after(cursor))
        .await?;
    let mut out = Vec::new();
    for r in &page.items {
        let response: CheckedResponse = serde_json::from_value(r.body["response"].clone())
            .map_err(|e| StoreError::Backend(format!("corrupt response {}: {e}", r.sk)))?;
        let at = r.body["at"].as_str().map(str::to_owned);
        out.extend(response.texts.into_iter().map(|(question_id, text)| TextAnswer {
            question_id,
            text,
            at: at.clone(),
        }));
    }
    Ok((out, page.next))
}
