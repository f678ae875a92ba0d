//! `Idempotency-Key`: a retried or double-clicked POST returns the first answer instead of
//! creating a second thing. The key's record is written in the same transaction as what the
//! request creates, so either both exist or neither.

use axum::http::HeaderMap;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Condition, Record, RecordStore, StoreResult, TxOp, keys};
use crate::http::ApiError;

/// How long a key is remembered.
pub const TTL_SECONDS: i64 = 24 * 3600;

/// A client's key for one request, scoped to the caller.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pk: String,
    fingerprint: String,
}

impl IdempotencyKey {
    /// Reads the header; `None` when the client sent none. `body` is what the request asks for:
    /// the same key with another body is refused.
    pub fn from_headers(
        headers: &HeaderMap,
        scope: &str,
        body: &impl Serialize,
    ) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_idempotency_key",
                    "Idempotency-Key 须为 1 至 128 个可见 ASCII 字符",
                )
            })?;
        let body = serde_json::to_vec(body).expect("request bodies serialise");
        Ok(Some(Self {
            pk: keys::idempotency_pk(scope, key),
            fingerprint: format!("{:x}", Sha256::digest(&body)),
        }))
    }

    /// The answer stored for this key, if the request was already done.
    pub async fn replay<T: DeserializeOwned>(&self, store: &dyn RecordStore) -> Result<Option<T>, ApiError> {
        let Some(record) = store.get(&self.pk, keys::REQUEST).await? else { return Ok(None) };
        if record.body["fingerprint"] != self.fingerprint.as_str() {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一个不同的请求",
            ));
        }
        Ok(serde_json::from_value(record.body["result"].clone()).ok())
    }

    /// The write that remembers `result`; fails the transaction if the key was taken meanwhile.
    pub fn remember(&self, result: &impl Serialize, now_unix: i64) -> TxOp {
        let body: Value = json!({ "fingerprint": self.fingerprint, "result": result });
        TxOp::Put {
            record: Record::new(&self.pk, keys::REQUEST, body).expiring_at(now_unix + TTL_SECONDS),
            condition: Condition::NotExists,
        }
    }
}

/// Whether a failed transaction failed on the idempotency record at `index`.
pub fn lost_race(result: &StoreResult<()>, index: usize) -> bool {
    matches!(result, Err(super::StoreError::TransactionConditionFailed { index: i }) if *i == index)
}
