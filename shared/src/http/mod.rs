//! The HTTP kit: problem+json errors, extractors, caching headers and list pages.

pub mod attachment;
pub mod cache;
pub mod case_view;
pub mod extract;
pub mod list;
pub mod problem;

pub use extract::{ApiBytes, ApiJson, ApiPath, ApiQuery, OptionalJson, parse_json};
pub use problem::{ApiError, ApiResult, FieldError};
