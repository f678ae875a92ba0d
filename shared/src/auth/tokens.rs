//! Access tokens: short-lived EdDSA JWTs carrying the user's role and scope.

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use super::keys::{PrivateKey, PublicKey};
use crate::domain::account::{AccountKind, Role};

pub const ISSUER: &str = "wangban";
/// 15 minutes.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

/// What an access token says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The user id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub role: Role,
    pub kind: AccountKind,
    /// The department a staff member works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<String>,
}

/// Signs access tokens. Built only where the private key is configured.
pub struct TokenSigner {
    key: PrivateKey,
}

impl TokenSigner {
    pub fn new(key: PrivateKey) -> Self {
        Self { key }
    }

    pub fn public(&self) -> &PublicKey {
        self.key.public()
    }

    pub fn sign(
        &self,
        user_id: &str,
        role: Role,
        kind: AccountKind,
        dept: Option<String>,
        now: i64,
    ) -> String {
        let claims = Claims {
            iss: ISSUER.into(),
            sub: user_id.into(),
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            role,
            kind,
            dept,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.key.public().kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.key.encoding).expect("EdDSA signing with a valid key")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token expired")]
    Expired,
    #[error("token invalid")]
    Invalid,
}

/// Verifies access tokens against the published public keys (several during a key rotation).
pub struct TokenVerifier {
    keys: Vec<PublicKey>,
}

impl TokenVerifier {
    pub fn new(keys: Vec<PublicKey>) -> Self {
        Self { keys }
    }

    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// Checks signature, algorithm (EdDSA only), issuer and expiry at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid);
        }
        let key = match header.kid.as_deref() {
            Some(kid) => self.keys.iter().find(|k| k.kid == kid).ok_or(TokenError::Invalid)?,
            None => return Err(TokenError::Invalid),
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Expiry is checked below against the injected clock, not the system time.
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.exp <= now {
            return Err(TokenError::Expired);
        }
        if data.claims.iat > now + 60 {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    use super::*;

    const NOW: i64 = 1_796_000_000;

    fn pair() -> (TokenSigner, TokenVerifier) {
        let key = PrivateKey::generate();
        let verifier = TokenVerifier::new(vec![key.public().clone()]);
        (TokenSigner::new(key), verifier)
    }

    fn token(signer: &TokenSigner) -> String {
        signer.sign("u-1", Role::Applicant, AccountKind::Individual, None, NOW)
    }

    #[test]
    fn a_signed_token_verifies_and_carries_its_claims() {
        let (signer, verifier) = pair();
        let claims = verifier.verify(&token(&signer), NOW + 10).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role, claims.exp), ("u-1", Role::Applicant, NOW + 900));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let (signer, verifier) = pair();
        assert_eq!(verifier.verify(&token(&signer), NOW + ACCESS_TOKEN_SECONDS), Err(TokenError::Expired));
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let (signer, verifier) = pair();
        let t = token(&signer);
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["role"] = "admin".into();
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert_eq!(verifier.verify(&parts.join("."), NOW), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_of_another_key_is_refused_even_with_our_kid() {
        let (signer, verifier) = pair();
        let (other, _) = pair();
        let foreign = token(&other);
        assert_eq!(verifier.verify(&foreign, NOW), Err(TokenError::Invalid));
        // Same kid forged in the header: the signature still fails.
        let mut parts: Vec<String> = foreign.split('.').map(str::to_owned).collect();
        let header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": signer.public().kid});
        parts[0] = URL_SAFE_NO_PAD.encode(header.to_string());
        assert_eq!(verifier.verify(&parts.join("."), NOW), Err(TokenError::Invalid));
    }

    #[test]
    fn alg_none_and_hmac_tokens_are_refused() {
        let (signer, verifier) = pair();
        let t = token(&signer);
        let payload = t.split('.').nth(1).unwrap();
        for alg in ["none", "HS256"] {
            let header = serde_json::json!({"alg": alg, "typ": "JWT", "kid": signer.public().kid});
            let forged = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(header.to_string()));
            assert_eq!(verifier.verify(&forged, NOW), Err(TokenError::Invalid), "alg {alg}");
        }
        assert_eq!(verifier.verify("garbage", NOW), Err(TokenError::Invalid));
    }

    #[test]
    fn the_key_survives_a_pem_round_trip() {
        let key = PrivateKey::generate();
        let again = PrivateKey::from_pem(key.to_pem()).unwrap();
        assert_eq!(key.public().x(), again.public().x());
        let from_x = PublicKey::from_x(&key.public().x()).unwrap();
        assert_eq!(from_x.kid, key.public().kid);
        assert!(
            PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").is_err()
        );
    }
}
