//! The EdDSA (Ed25519) token keys: generated once, kept as PKCS#8 PEM, published as a JWKS.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{
    SigningKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding},
};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("signing key is not an Ed25519 PKCS#8 PEM key")]
    BadPem,
    #[error("public key is not a base64url Ed25519 key")]
    BadPublicKey,
}

/// A public key that verifies tokens, with its key id.
#[derive(Clone)]
pub struct PublicKey {
    pub kid: String,
    raw: [u8; 32],
    pub(crate) decoding: DecodingKey,
}

impl PublicKey {
    /// From the JWK `x` value (base64url of the 32 raw bytes).
    pub fn from_x(x: &str) -> Result<Self, KeyError> {
        let bytes = URL_SAFE_NO_PAD.decode(x.trim()).map_err(|_| KeyError::BadPublicKey)?;
        let raw: [u8; 32] = bytes.try_into().map_err(|_| KeyError::BadPublicKey)?;
        Ok(Self::from_raw(raw))
    }

    fn from_raw(raw: [u8; 32]) -> Self {
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(raw)[..12]);
        Self { kid, raw, decoding: DecodingKey::from_ed_der(&raw) }
    }

    pub fn x(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.raw)
    }

    pub fn jwk(&self) -> Jwk {
        Jwk { kty: "OKP", crv: "Ed25519", alg: "EdDSA", usage: "sig", kid: self.kid.clone(), x: self.x() }
    }
}

/// A JSON Web Key (RFC 8037) for an Ed25519 public key.
#[derive(Debug, Clone, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub usage: &'static str,
    pub kid: String,
    pub x: String,
}

/// The private key; only the registration function (and the local server) holds one.
pub struct PrivateKey {
    pub(crate) encoding: EncodingKey,
    pem: String,
    public: PublicKey,
}

impl PrivateKey {
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        rand::Rng::fill(&mut rand::rngs::OsRng, &mut seed);
        Self::from_signing_key(SigningKey::from_bytes(&seed))
    }

    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        SigningKey::from_pkcs8_pem(pem).map(Self::from_signing_key).map_err(|_| KeyError::BadPem)
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let der = key.to_pkcs8_der().expect("an Ed25519 key encodes as PKCS#8");
        let pem = key.to_pkcs8_pem(LineEnding::LF).expect("an Ed25519 key encodes as PEM").to_string();
        let public = PublicKey::from_raw(key.verifying_key().to_bytes());
        Self { encoding: EncodingKey::from_ed_der(der.as_bytes()), pem, public }
    }

    /// The PKCS#8 PEM text, for storing the key.
    pub fn to_pem(&self) -> &str {
        &self.pem
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}
