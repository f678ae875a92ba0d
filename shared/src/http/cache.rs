//! Public GETs answer with `Cache-Control` and a strong `ETag`, and with 304 to a matching
//! `If-None-Match`, so phones on slow networks re-download nothing that did not change.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How long shared caches may keep public catalogue answers.
pub const PUBLIC_MAX_AGE: &str = "public, max-age=60, stale-while-revalidate=300";

/// A strong validator over the exact bytes sent.
pub fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&Sha256::digest(bytes)[..18]))
}

/// Whether `If-None-Match` names this entity tag (or `*`).
pub fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    request.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag))
    })
}

/// A public, cacheable response with a body of `content_type`.
pub fn cached(request: &HeaderMap, content_type: &str, body: Vec<u8>) -> Response {
    let etag = etag_of(&body);
    let mut response = if not_modified(request, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let ok = response.status() == StatusCode::OK;
    let headers = response.headers_mut();
    if ok {
        headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).expect("a valid content type"));
    }
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("an ETag is ASCII"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(PUBLIC_MAX_AGE));
    response
}

/// A public, cacheable JSON response.
pub fn cached_json<T: Serialize>(request: &HeaderMap, value: &T) -> Response {
    let body = serde_json::to_vec(value).expect("response bodies serialise");
    cached(request, "application/json", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_forms() {
        let tag = etag_of(b"hello");
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, &tag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&format!("\"other\", {tag}")).unwrap());
        assert!(not_modified(&h, &tag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&h, &tag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"stale\""));
        assert!(!not_modified(&h, &tag));
    }
}
