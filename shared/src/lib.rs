//! wangban's domain crate, shared by every function.
//!
//! - [`domain`]: pure types and rules (identifiers, catalogue, accounts).
//! - [`store`]: the `RecordStore` port, its SQLite adapter and the single-table key layout.
//! - [`docs`]: the `DocumentStore` port and its local-files adapter.
//! - [`http`]: problem+json errors, the JWT auth extractor, caching headers, pagination.
//! - [`config`]: the context every function builds once at cold start.

pub mod domain;
pub mod seed;
pub mod store;
