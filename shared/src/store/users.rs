//! The user repository: profiles, unique login claims, inbox messages and refresh tokens.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use super::{Condition, Query, Record, RecordStore, StoreError, StoreResult, TxOp, keys};
use crate::domain::{
    account::{AccountKind, LoginKind, Role},
    ids::{Phone, ResidentId, Uscc},
};

/// A stored user. Personal numbers are kept in full (they are the login accounts) and masked
/// wherever shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub user_id: String,
    pub kind: AccountKind,
    pub role: Role,
    /// The person's name, or for an enterprise the contact person's.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<ResidentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<Uscc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// Staff only: the department they work for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_name: Option<String>,
    pub password_hash: String,
    /// Password attempts since the last successful login, each counted before its password is
    /// checked (so attempts still in flight count too).
    #[serde(default)]
    pub failed_logins: u32,
    /// Unix seconds until which password logins are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl User {
    /// The unique accounts this user logs in with.
    pub fn logins(&self) -> Vec<(LoginKind, String)> {
        let mut out = Vec::new();
        if let Some(id) = &self.id_number {
            out.push((LoginKind::IdNumber, id.as_str().to_owned()));
        }
        if let Some(uscc) = &self.uscc {
            out.push((LoginKind::Uscc, uscc.as_str().to_owned()));
        }
        if let Some(phone) = &self.phone {
            out.push((LoginKind::Phone, phone.as_str().to_owned()));
        }
        if let Some(name) = &self.staff_name {
            out.push((LoginKind::StaffName, name.clone()));
        }
        out
    }
}

pub use super::Versioned;

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("{0:?} already registered")]
    Taken(LoginKind),
    #[error(transparent)]
    Store(StoreError),
}

fn decode<T: serde::de::DeserializeOwned>(r: &Record) -> StoreResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("corrupt record {}/{}: {e}", r.pk, r.sk)))
}

fn user_record(user: &User, version: u64) -> Record {
    Record::new(keys::user_pk(&user.user_id), keys::PROFILE, serde_json::to_value(user).expect("serialises"))
        .with_version(version)
}

/// An inbox message: a notice or decision addressed to the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub title: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_no: Option<String>,
}

pub fn message_op(user_id: &str, message: &Message) -> TxOp {
    let at = message.sent_at.unix_timestamp_nanos();
    TxOp::Put {
        record: Record::new(
            keys::user_pk(user_id),
            keys::message_sk(&format!("{at:020}"), &message.id),
            serde_json::to_value(message).expect("serialises"),
        ),
        condition: Condition::NotExists,
    }
}

/// Creates the user, a unique claim per login account and any `extra` records, in one
/// transaction: a taken account leaves nothing behind.
pub async fn create(store: &dyn RecordStore, user: &User, extra: Vec<TxOp>) -> Result<(), CreateUserError> {
    let logins = user.logins();
    let mut ops: Vec<TxOp> = logins
        .iter()
        .map(|(kind, value)| TxOp::Put {
            record: Record::new(
                keys::login_pk(kind.as_str(), value),
                keys::CLAIM,
                json!({ "userId": user.user_id }),
            ),
            condition: Condition::NotExists,
        })
        .collect();
    ops.push(TxOp::Put { record: user_record(user, 1), condition: Condition::NotExists });
    ops.extend(extra);
    match store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionConditionFailed { index }) if index < logins.len() => {
            Err(CreateUserError::Taken(logins[index].0))
        }
        Err(e) => Err(CreateUserError::Store(e)),
    }
}

pub async fn get(store: &dyn RecordStore, user_id: &str) -> StoreResult<Option<Versioned<User>>> {
    let record = store.get(&keys::user_pk(user_id), keys::PROFILE).await?;
    record.map(|r| Ok(Versioned { value: decode(&r)?, version: r.version })).transpose()
}

/// Finds a user by one login account: the claim, then the profile.
pub async fn find_by_login(
    store: &dyn RecordStore,
    kind: LoginKind,
    value: &str,
) -> StoreResult<Option<Versioned<User>>> {
    let Some(claim) = store.get(&keys::login_pk(kind.as_str(), value), keys::CLAIM).await? else {
        return Ok(None);
    };
    let user_id = claim.body["userId"].as_str().unwrap_or_default().to_owned();
    get(store, &user_id).await
}

/// Saves a changed user if nobody changed it since it was read.
pub async fn update(store: &dyn RecordStore, user: &Versioned<User>) -> StoreResult<()> {
    store.put(user_record(&user.value, user.version + 1), Condition::VersionIs(user.version)).await
}

pub async fn messages(
    store: &dyn RecordStore,
    user_id: &str,
    limit: usize,
    cursor: Option<String>,
) -> StoreResult<(Vec<Message>, Option<String>)> {
    let query =
        Query::partition(keys::user_pk(user_id)).prefix("MSG#").newest_first().limit(limit).after(cursor);
    let page = store.query(query).await?;
    Ok((page.items.iter().map(decode).collect::<StoreResult<_>>()?, page.next))
}

/// A refresh token's record, stored under the token's hash (the token itself is never stored).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshGrant {
    pub user_id: String,
    pub expires_at: i64,
}

pub fn refresh_op(token_hash: &str, grant: &RefreshGrant) -> TxOp {
    TxOp::Put {
        record: Record::new(
            keys::refresh_pk(token_hash),
            keys::TOKEN,
            serde_json::to_value(grant).expect("serialises"),
        )
        .expiring_at(grant.expires_at),
        condition: Condition::NotExists,
    }
}

pub async fn refresh_grant(store: &dyn RecordStore, token_hash: &str) -> StoreResult<Option<RefreshGrant>> {
    store.get(&keys::refresh_pk(token_hash), keys::TOKEN).await?.as_ref().map(decode).transpose()
}

/// Consumes the old grant and stores the new one atomically; a token can be used once.
pub async fn rotate_refresh(
    store: &dyn RecordStore,
    old_hash: &str,
    new_hash: &str,
    grant: &RefreshGrant,
) -> StoreResult<bool> {
    let ops = vec![
        TxOp::Delete { pk: keys::refresh_pk(old_hash), sk: keys::TOKEN.into(), condition: Condition::Exists },
        refresh_op(new_hash, grant),
    ];
    match store.transact(ops).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionConditionFailed { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
