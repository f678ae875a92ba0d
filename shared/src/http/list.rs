//! The list shape of the API: `{ "items": [...], "next": cursor | null }` with `?limit=&cursor=`.

use serde::{Deserialize, Serialize};

use super::problem::ApiError;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> ListPage<T> {
    pub fn new(items: Vec<T>, next: Option<String>) -> Self {
        Self { items, next }
    }
}

/// `?limit=&cursor=`, checked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageParams {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

impl PageParams {
    /// The cursor, with an empty `?cursor=` meaning the first page.
    pub fn cursor(&self) -> Option<String> {
        self.cursor.clone().filter(|c| !c.is_empty())
    }

    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => {
                Err(ApiError::bad_request("invalid_limit", format!("limit 须在 1 至 {MAX_LIMIT} 之间")))
            }
        }
    }
}
