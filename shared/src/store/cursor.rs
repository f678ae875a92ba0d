//! Opaque query cursors: the position after the last returned item, bound to the query it
//! came from so that a cursor of one list cannot be replayed against another.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use super::{Index, Query, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    /// The partition queried (table or index pk); checked on decode.
    p: String,
    /// Index sort key of the last item (absent on the primary index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    i: Option<String>,
    pk: String,
    sk: String,
}

impl Position {
    pub fn new(query: &Query, index_sk: Option<String>, pk: String, sk: String) -> Self {
        Self { p: scope(query), i: index_sk, pk, sk }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a position serialises"))
    }

    pub fn decode(query: &Query, cursor: &str) -> Result<Self, StoreError> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::BadCursor)?;
        let pos: Position = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
        let needs_index_sk = query.index != Index::Primary;
        if pos.p != scope(query) || pos.i.is_some() != needs_index_sk {
            return Err(StoreError::BadCursor);
        }
        Ok(pos)
    }

    pub fn index_sk(&self) -> &str {
        self.i.as_deref().unwrap_or_default()
    }

    pub fn pk(&self) -> &str {
        &self.pk
    }

    pub fn sk(&self) -> &str {
        &self.sk
    }
}

fn scope(query: &Query) -> String {
    let index = match query.index {
        Index::Primary => "t",
        Index::Gsi1 => "g1",
        Index::Gsi2 => "g2",
    };
    format!("{index}:{}", query.pk)
}
