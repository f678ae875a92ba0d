//! The embedded backend: one SQLite file (or memory), WAL mode, the same contract as DynamoDB.
//!
//! Every call runs on the blocking pool under one connection. Writes use `BEGIN IMMEDIATE`, so
//! conditions are evaluated and applied atomically even when several processes share the file
//! (as under `cargo lambda watch`, which runs one process per function).

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{
    Condition, IndexKey, MAX_PAGE, Page, Query, Record, RecordStore, SkRange, StoreError, StoreResult, TxOp,
    check_record, check_transaction, cursor::Position,
};
use crate::{private_files, store::Index};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    body TEXT NOT NULL,
    version INTEGER NOT NULL,
    gsi1pk TEXT, gsi1sk TEXT,
    gsi2pk TEXT, gsi2sk TEXT,
    expires_at INTEGER,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_gsi1 ON records (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_gsi2 ON records (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL;
";

const COLUMNS: &str = "pk, sk, body, version, gsi1pk, gsi1sk, gsi2pk, gsi2sk, expires_at";

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file. A new file and any folder created for it
    /// are owner-only (0600, 0700); SQLite gives its `-wal` and `-shm` files the same mode.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_files::create_dir_all(dir)
                .map_err(|e| StoreError::Backend(format!("create {}: {e}", dir.display())))?;
        }
        if path.as_os_str() != ":memory:" {
            private_files::touch(path)
                .map_err(|e| StoreError::Backend(format!("create {}: {e}", path.display())))?;
        }
        let conn = Connection::open(path).map_err(backend)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(backend)?;
        Self::init(conn)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> StoreResult<Self> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(conn: Connection) -> StoreResult<Self> {
        conn.busy_timeout(Duration::from_secs(10)).map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Deletes records whose expiry has passed, as DynamoDB's TTL sweeper does; returns how many.
    pub async fn purge_expired(&self, now: i64) -> StoreResult<usize> {
        self.run(move |c| c.execute("DELETE FROM records WHERE expires_at <= ?1", [now]).map_err(backend))
            .await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("blocking task failed: {e}")))?
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
            let out = f(&tx)?; // dropping `tx` on error rolls back
            tx.commit().map_err(backend)?;
            Ok(out)
        })
        .await
    }
}

fn backend(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(err, _)
            if matches!(
                err.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            StoreError::Conflict
        }
        other => StoreError::Backend(other.to_string()),
    }
}

fn current_version(tx: &Transaction<'_>, pk: &str, sk: &str) -> StoreResult<Option<u64>> {
    tx.query_row("SELECT version FROM records WHERE pk = ?1 AND sk = ?2", params![pk, sk], |r| {
        r.get::<_, i64>(0)
    })
    .optional()
    .map(|v| v.map(|v| v as u64))
    .map_err(backend)
}

fn holds(tx: &Transaction<'_>, pk: &str, sk: &str, condition: Condition) -> StoreResult<bool> {
    if condition == Condition::None {
        return Ok(true);
    }
    let version = current_version(tx, pk, sk)?;
    Ok(match condition {
        Condition::None => true,
        Condition::NotExists => version.is_none(),
        Condition::Exists => version.is_some(),
        Condition::VersionIs(n) => version == Some(n),
    })
}

fn write_record(tx: &Transaction<'_>, r: &Record) -> StoreResult<()> {
    let (g1p, g1s) = split(&r.gsi1);
    let (g2p, g2s) = split(&r.gsi2);
    tx.execute(
        &format!("INSERT OR REPLACE INTO records ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![r.pk, r.sk, r.body.to_string(), r.version as i64, g1p, g1s, g2p, g2s, r.expires_at],
    )
    .map_err(backend)?;
    Ok(())
}

fn split(key: &Option<IndexKey>) -> (Option<&str>, Option<&str>) {
    match key {
        Some(k) => (Some(k.pk.as_str()), Some(k.sk.as_str())),
        None => (None, None),
    }
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    let body: String = row.get(2)?;
    let index = |p: Option<String>, s: Option<String>| p.zip(s).map(|(pk, sk)| IndexKey { pk, sk });
    Ok(Record {
        pk: row.get(0)?,
        sk: row.get(1)?,
        body: serde_json::from_str(&body).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
        })?,
        version: row.get::<_, i64>(3)? as u64,
        gsi1: index(row.get(4)?, row.get(5)?),
        gsi2: index(row.get(6)?, row.get(7)?),
        expires_at: row.get(8)?,
    })
}

/// Upper bound for a prefix scan: every string that starts with `prefix` sorts below it
/// (SQLite and DynamoDB both compare UTF-8 bytes).
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

fn build_query(q: &Query) -> StoreResult<(String, Vec<String>)> {
    let (pk_col, sk_col, order_cols) = match q.index {
        Index::Primary => ("pk", "sk", vec!["sk"]),
        Index::Gsi1 => ("gsi1pk", "gsi1sk", vec!["gsi1sk", "pk", "sk"]),
        Index::Gsi2 => ("gsi2pk", "gsi2sk", vec!["gsi2sk", "pk", "sk"]),
    };
    let mut sql = format!("SELECT {COLUMNS} FROM records WHERE {pk_col} = ?1");
    let mut args = vec![q.pk.clone()];
    let mut bind = |sql: &mut String, clause: &str, value: String| {
        args.push(value);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    match &q.sk {
        SkRange::All => {}
        SkRange::Prefix(p) => {
            bind(&mut sql, &format!(" AND {sk_col} >= ?"), p.clone());
            bind(&mut sql, &format!(" AND {sk_col} < ?"), prefix_end(p));
        }
        SkRange::Between(a, b) => {
            bind(&mut sql, &format!(" AND {sk_col} >= ?"), a.clone());
            bind(&mut sql, &format!(" AND {sk_col} <= ?"), b.clone());
        }
    }
    let direction = if q.forward { "ASC" } else { "DESC" };
    let cmp = if q.forward { ">" } else { "<" };
    if let Some(cursor) = &q.cursor {
        let pos = Position::decode(q, cursor)?;
        let cols = order_cols.join(", ");
        let values: Vec<String> = if q.index == Index::Primary {
            vec![pos.sk().to_owned()]
        } else {
            vec![pos.index_sk().to_owned(), pos.pk().to_owned(), pos.sk().to_owned()]
        };
        let first = args.len() + 1;
        let marks: Vec<String> = (first..first + values.len()).map(|i| format!("?{i}")).collect();
        args.extend(values);
        sql.push_str(&format!(" AND ({cols}) {cmp} ({})", marks.join(", ")));
    }
    let order: Vec<String> = order_cols.iter().map(|c| format!("{c} {direction}")).collect();
    sql.push_str(&format!(" ORDER BY {} LIMIT {}", order.join(", "), q.limit.clamp(1, MAX_PAGE) + 1));
    Ok((sql, args))
}

#[async_trait]
impl RecordStore for SqliteStore {
    async fn get(&self, pk: &str, sk: &str) -> StoreResult<Option<Record>> {
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM records WHERE pk = ?1 AND sk = ?2"),
                params![pk, sk],
                read_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn put(&self, record: Record, condition: Condition) -> StoreResult<()> {
        check_record(&record)?;
        self.write(move |tx| {
            if !holds(tx, &record.pk, &record.sk, condition)? {
                return Err(StoreError::ConditionFailed);
            }
            write_record(tx, &record)
        })
        .await
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> StoreResult<()> {
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.write(move |tx| {
            if !holds(tx, &pk, &sk, condition)? {
                return Err(StoreError::ConditionFailed);
            }
            tx.execute("DELETE FROM records WHERE pk = ?1 AND sk = ?2", params![pk, sk]).map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn query(&self, query: Query) -> StoreResult<Page> {
        if query.pk.is_empty() {
            return Err(StoreError::Invalid("empty partition key".into()));
        }
        let (sql, args) = build_query(&query)?;
        self.run(move |c| {
            let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
            let mut items: Vec<Record> = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), read_row)
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?;
            let limit = query.limit.clamp(1, MAX_PAGE);
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|last| {
                    let index_sk = match query.index {
                        Index::Primary => None,
                        Index::Gsi1 => last.gsi1.as_ref().map(|k| k.sk.clone()),
                        Index::Gsi2 => last.gsi2.as_ref().map(|k| k.sk.clone()),
                    };
                    Position::new(&query, index_sk, last.pk.clone(), last.sk.clone()).encode()
                })
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
    }

    async fn increment(&self, pk: &str, sk: &str, by: i64) -> StoreResult<i64> {
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.write(move |tx| {
            let current: Option<String> = tx
                .query_row("SELECT body FROM records WHERE pk = ?1 AND sk = ?2", params![pk, sk], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(backend)?;
            let value = match current {
                None => 0,
                Some(body) => serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|b| b.get("n").and_then(|n| n.as_i64()))
                    .ok_or_else(|| StoreError::Invalid("record is not a counter".into()))?,
            };
            let next = value.checked_add(by).ok_or_else(|| StoreError::Invalid("counter overflow".into()))?;
            let record = Record::new(pk, sk, serde_json::json!({ "n": next }));
            write_record(tx, &record)?;
            Ok(next)
        })
        .await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> StoreResult<()> {
        check_transaction(&ops)?;
        self.write(move |tx| {
            // Every condition is checked before anything is written, as DynamoDB does.
            for (index, op) in ops.iter().enumerate() {
                let ok = match op {
                    TxOp::Put { record, condition } => holds(tx, &record.pk, &record.sk, *condition)?,
                    TxOp::Delete { pk, sk, condition } | TxOp::Check { pk, sk, condition } => {
                        holds(tx, pk, sk, *condition)?
                    }
                };
                if !ok {
                    return Err(StoreError::TransactionConditionFailed { index });
                }
            }
            for op in &ops {
                match op {
                    TxOp::Put { record, .. } => write_record(tx, record)?,
                    TxOp::Delete { pk, sk, .. } => {
                        tx.execute("DELETE FROM records WHERE pk = ?1 AND sk = ?2", params![pk, sk])
                            .map_err(backend)?;
                    }
                    TxOp::Check { .. } => {}
                }
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod contract_in_memory {
    use std::sync::Arc;

    use super::SqliteStore;
    use crate::store::RecordStore;

    crate::record_store_contract!(async {
        Arc::new(SqliteStore::in_memory().unwrap()) as Arc<dyn RecordStore>
    });
}

#[cfg(test)]
mod contract_on_a_file_shared_by_two_connections {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::SqliteStore;
    use crate::store::{Condition, Page, Query, Record, RecordStore, StoreResult, TxOp};

    /// Alternates between two connections to one file, as two function processes would.
    struct TwoConnections {
        a: SqliteStore,
        b: SqliteStore,
        flip: std::sync::atomic::AtomicBool,
        _dir: tempfile::TempDir,
    }

    impl TwoConnections {
        fn pick(&self) -> &SqliteStore {
            if self.flip.fetch_xor(true, std::sync::atomic::Ordering::Relaxed) { &self.a } else { &self.b }
        }
    }

    #[async_trait]
    impl RecordStore for TwoConnections {
        async fn get(&self, pk: &str, sk: &str) -> StoreResult<Option<Record>> {
            self.pick().get(pk, sk).await
        }
        async fn put(&self, record: Record, condition: Condition) -> StoreResult<()> {
            self.pick().put(record, condition).await
        }
        async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> StoreResult<()> {
            self.pick().delete(pk, sk, condition).await
        }
        async fn query(&self, query: Query) -> StoreResult<Page> {
            self.pick().query(query).await
        }
        async fn increment(&self, pk: &str, sk: &str, by: i64) -> StoreResult<i64> {
            self.pick().increment(pk, sk, by).await
        }
        async fn transact(&self, ops: Vec<TxOp>) -> StoreResult<()> {
            self.pick().transact(ops).await
        }
    }

    async fn two_connections() -> Arc<dyn RecordStore> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("wangban.db");
        let a = SqliteStore::open(&path).unwrap();
        let b = SqliteStore::open(&path).unwrap();
        Arc::new(TwoConnections { a, b, flip: Default::default(), _dir: dir })
    }

    crate::record_store_contract!(two_connections());
}

#[cfg(all(test, unix))]
mod permissions {
    use std::os::unix::fs::PermissionsExt;

    use super::SqliteStore;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_database_and_its_folder_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/wangban.db");
        let _store = SqliteStore::open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("data")), 0o700);
        for side in ["wangban.db-wal", "wangban.db-shm"] {
            let side = dir.path().join("data").join(side);
            if side.exists() {
                assert_eq!(mode(&side), 0o600, "{}", side.display());
            }
        }
    }
}
