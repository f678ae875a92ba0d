//! Authentication: Ed25519 keys, access tokens and the request extractor.

pub mod extractor;
pub mod keys;
pub mod password;
#[cfg(feature = "secrets")]
pub mod secret;
pub mod tokens;

pub use extractor::{AuthState, AuthUser};
pub use keys::{Jwk, PrivateKey, PublicKey};
pub use tokens::{Claims, TokenSigner, TokenVerifier};
