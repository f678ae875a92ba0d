//! The HTTP kit: problem+json errors, extractors, caching headers and list pages.

pub mod cache;
pub mod case_view;
pub mod extract;
pub mod list;
pub mod problem;

pub use extract::{ApiJson, ApiPath, ApiQuery};
pub use problem::{ApiError, ApiResult, FieldError};
