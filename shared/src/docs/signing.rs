//! Signed URLs for the local document routes: the embedded counterpart of an S3 presigned URL.
//!
//! A URL carries `expires` (unix seconds) and `signature`, the HMAC-SHA256 (base64url, no
//! padding) of `METHOD \n path \n expires` under the platform's URL secret. The signature
//! covers the method, the route path (which names the upload) and the expiry, so a URL cannot
//! be reused for another method, another document or a later time. Checks compare in constant
//! time. The path signed is the route path the handler sees, without the public base URL, so a
//! base URL with a prefix (a Lambda function URL, a reverse proxy) works unchanged.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::http::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// The shortest secret accepted (bytes).
pub const MIN_SECRET_BYTES: usize = 32;

/// Where returned URLs point when nothing else is configured: the local server's default address.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Why a signed URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link has expired")]
    Expired,
    /// Missing, malformed or not matching: tampered with, or made for something else.
    #[error("the link's signature is invalid")]
    Invalid,
}

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::Expired => ApiError::forbidden("链接已过期，请重新获取").with_code("link_expired"),
            LinkError::Invalid => {
                ApiError::forbidden("链接无效或已被修改，请重新获取").with_code("invalid_signature")
            }
        }
    }
}

/// Signs and checks URLs with the platform's URL secret, and makes them absolute with the
/// public base URL. Cheap to clone; never prints its secret.
#[derive(Clone)]
pub struct UrlSigner {
    secret: Vec<u8>,
    public_url: String,
}

impl fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlSigner").field("public_url", &self.public_url).finish_non_exhaustive()
    }
}

impl UrlSigner {
    /// A signer with this secret; `public_url` is the scheme, host and optional path prefix that
    /// returned URLs start with (a trailing `/` is dropped). The caller checks the secret's length
    /// ([`MIN_SECRET_BYTES`]); configuration does.
    pub fn new(secret: impl Into<Vec<u8>>, public_url: &str) -> Self {
        Self { secret: secret.into(), public_url: public_url.trim_end_matches('/').to_owned() }
    }

    /// A signer with a fresh random secret (tests, and processes that serve no local links).
    pub fn generate(public_url: &str) -> Self {
        Self::new(rand::random::<[u8; 32]>().to_vec(), public_url)
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    fn mac(&self, method: &str, path: &str, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(method.to_ascii_uppercase().as_bytes());
        mac.update(b"\n");
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// The signature of (`method`, `path`, `expires`).
    pub fn sign(&self, method: &str, path: &str, expires: i64) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(method, path, expires).finalize().into_bytes())
    }

    /// Checks a signature (in constant time), then the expiry: valid while `now < expires`.
    pub fn verify(
        &self,
        method: &str,
        path: &str,
        expires: i64,
        signature: &str,
        now: i64,
    ) -> Result<(), LinkError> {
        let given = URL_SAFE_NO_PAD.decode(signature).map_err(|_| LinkError::Invalid)?;
        self.mac(method, path, expires).verify_slice(&given).map_err(|_| LinkError::Invalid)?;
        if now < expires { Ok(()) } else { Err(LinkError::Expired) }
    }

    /// 32 bytes derived from the secret for `purpose` and `input`, under a key of their own so
    /// they can never equal a URL signature: for values every process must reproduce without
    /// storing them (the query code of a retried complaint, see `tracking::QueryCode`).
    pub fn derive(&self, purpose: &str, input: &str) -> [u8; 32] {
        let mut subkey = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        subkey.update(b"wangban derived values");
        let key = subkey.finalize().into_bytes();
        let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The absolute URL of `path` signed for `method` until `expires`.
    pub fn url(&self, method: &str, path: &str, expires: i64) -> String {
        format!("{}{path}?expires={expires}&signature={}", self.public_url, self.sign(method, path, expires))
    }
}

/// The query of a signed URL, as a handler receives it. Both fields are optional so that a
/// missing or malformed one is answered like a wrong signature (403), not as a bad query.
#[derive(Debug, Default, Deserialize)]
pub struct SignedQuery {
    pub expires: Option<String>,
    pub signature: Option<String>,
}

impl SignedQuery {
    /// Checks the query against the request's method and route path.
    pub fn verify(&self, signer: &UrlSigner, method: &str, path: &str, now: i64) -> Result<(), LinkError> {
        let expires =
            self.expires.as_deref().and_then(|e| e.parse::<i64>().ok()).ok_or(LinkError::Invalid)?;
        let signature = self.signature.as_deref().ok_or(LinkError::Invalid)?;
        signer.verify(method, path, expires, signature, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_values_depend_on_secret_purpose_and_input_and_differ_from_signatures() {
        let a = signer();
        let b = UrlSigner::new(b"another secret of thirty-two bytes".to_vec(), "http://x");
        assert_eq!(a.derive("p", "i"), a.derive("p", "i"));
        assert_ne!(a.derive("p", "i"), b.derive("p", "i"));
        assert_ne!(a.derive("p", "i"), a.derive("q", "i"));
        assert_ne!(a.derive("p", "i"), a.derive("p", "j"));
        assert_ne!(URL_SAFE_NO_PAD.encode(a.derive("GET", "/x\n1")), a.sign("GET", "/x", 1));
    }

    const PATH: &str = "/api/v1/uploads/0b7e6a1c-2f7d-4c39-9d0e-1f2a3b4c5d6e/content";

    fn signer() -> UrlSigner {
        UrlSigner::new(b"0123456789abcdef0123456789abcdef".to_vec(), "http://127.0.0.1:8080/")
    }

    #[test]
    fn a_signed_url_verifies_until_it_expires() {
        let s = signer();
        let sig = s.sign("PUT", PATH, 1_000);
        assert_eq!(s.verify("PUT", PATH, 1_000, &sig, 999), Ok(()));
        assert_eq!(s.verify("PUT", PATH, 1_000, &sig, 1_000), Err(LinkError::Expired));
        assert_eq!(s.verify("PUT", PATH, 1_000, &sig, 5_000), Err(LinkError::Expired));
    }

    #[test]
    fn the_signature_covers_method_path_and_expiry() {
        let s = signer();
        let sig = s.sign("PUT", PATH, 1_000);
        assert_eq!(s.verify("GET", PATH, 1_000, &sig, 0), Err(LinkError::Invalid));
        assert_eq!(s.verify("PUT", &PATH.replace("0b7e", "0b7f"), 1_000, &sig, 0), Err(LinkError::Invalid));
        assert_eq!(s.verify("PUT", PATH, 1_001, &sig, 0), Err(LinkError::Invalid), "a later expiry");
        // A tampered signature, an empty one, one that is not base64url, and a truncated one.
        let mut flipped = sig.clone().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        for bad in [flipped.as_str(), "", "not base64!", &sig[..sig.len() - 2]] {
            assert_eq!(s.verify("PUT", PATH, 1_000, bad, 0), Err(LinkError::Invalid), "{bad:?}");
        }
        // Signatures do not depend on the case of the method name.
        assert_eq!(s.verify("put", PATH, 1_000, &sig, 0), Ok(()));
    }

    #[test]
    fn another_secret_does_not_verify() {
        let sig = signer().sign("GET", PATH, 1_000);
        let other = UrlSigner::generate("http://127.0.0.1:8080");
        assert_eq!(other.verify("GET", PATH, 1_000, &sig, 0), Err(LinkError::Invalid));
        assert_ne!(UrlSigner::generate("x").sign("GET", PATH, 1), other.sign("GET", PATH, 1));
    }

    #[test]
    fn urls_are_absolute_and_carry_expiry_and_signature() {
        let s = signer();
        let url = s.url("GET", "/api/v1/files/abc", 1_700_000_000);
        let sig = s.sign("GET", "/api/v1/files/abc", 1_700_000_000);
        assert_eq!(url, format!("http://127.0.0.1:8080/api/v1/files/abc?expires=1700000000&signature={sig}"));
        assert_eq!(sig.len(), 43, "32 bytes in base64url without padding");
        assert!(sig.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "URL-safe");
        assert!(!format!("{s:?}").contains("0123456789abcdef"), "Debug hides the secret");
    }

    #[test]
    fn a_query_without_or_with_malformed_parts_is_invalid() {
        let s = signer();
        let sig = s.sign("GET", PATH, 1_000);
        let q = |e: Option<&str>, g: Option<&str>| SignedQuery {
            expires: e.map(str::to_owned),
            signature: g.map(str::to_owned),
        };
        assert_eq!(q(Some("1000"), Some(&sig)).verify(&s, "GET", PATH, 0), Ok(()));
        assert_eq!(q(None, Some(&sig)).verify(&s, "GET", PATH, 0), Err(LinkError::Invalid));
        assert_eq!(q(Some("1000"), None).verify(&s, "GET", PATH, 0), Err(LinkError::Invalid));
        assert_eq!(q(Some("1e3"), Some(&sig)).verify(&s, "GET", PATH, 0), Err(LinkError::Invalid));
        assert_eq!(q(Some("1000"), Some(&sig)).verify(&s, "GET", PATH, 1_000), Err(LinkError::Expired));
    }
}
