//! The HTTP kit: problem+json errors, extractors, caching headers and list pages.

pub mod cache;
pub mod extract;
pub mod list;
pub mod problem;

pub use extract::{ApiJson, ApiQuery};
pub use problem::{ApiError, ApiResult, FieldError};
