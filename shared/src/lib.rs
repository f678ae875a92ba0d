//! wangban's domain crate, shared by every function.
//!
//! - [`domain`]: pure types and rules (identifiers, catalogue, accounts).
//! - [`store`]: the `RecordStore` port, its SQLite and DynamoDB adapters, the single-table key
//!   layout, the table definition and the typed repositories.
//! - [`docs`]: the `DocumentStore` port and its local-files and S3 adapters.
//! - [`auth`]: Ed25519 keys, access tokens and the request extractor.
//! - [`http`]: problem+json errors, extractors, caching headers, list pages.
//! - [`config`]: the context every function builds once at cold start.
//! - [`seed`]: the demo catalogue, demo complaints and letters, and their idempotent loaders.

pub mod api;
pub mod auth;
#[cfg(feature = "aws")]
pub mod aws;
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
