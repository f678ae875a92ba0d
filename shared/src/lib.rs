//! wangban's domain crate, shared by every function.
//!
//! - [`domain`]: pure types and rules (identifiers, catalogue, accounts).
//! - [`store`]: the `RecordStore` port, its SQLite adapter, the single-table key layout and the
//!   typed repositories.
//! - [`docs`]: the `DocumentStore` port and its local-files adapter.
//! - [`auth`]: Ed25519 keys, access tokens and the request extractor.
//! - [`http`]: problem+json errors, extractors, caching headers, list pages.
//! - [`config`]: the context every function builds once at cold start.
//! - [`seed`]: the demo catalogue, demo complaints and letters, and their idempotent loaders.

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod docs;
pub mod domain;
pub mod http;
pub(crate) mod private_files;
pub mod runtime;
pub mod seed;
pub mod store;
pub mod workflow;
