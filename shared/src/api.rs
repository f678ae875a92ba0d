//! The HTTP contract as an OpenAPI 3.1 document (`shared/api/openapi.json`), served at
//! `GET /api/v1/openapi.json`. A test checks that it names exactly the routes the functions serve.

pub const OPENAPI_JSON: &str = include_str!("../api/openapi.json");
