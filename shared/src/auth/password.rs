//! Password hashing with Argon2id (OWASP defaults: 19 MiB, 2 passes), off the async threads.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

/// A valid hash of a password nobody knows, verified against when an account does not exist so
/// that a miss takes as long as a wrong password.
const DECOY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1Ms4xhkyrDUYE7BJxT3A3vWfEyUnTnqrbHiR1/BqzRs";

pub async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 with default params")
            .to_string()
    })
    .await
    .expect("hashing task")
}

/// Whether `password` matches `stored`; with `None`, burns the same time and answers false.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| DECOY.to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .expect("verify task")
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = super::hash("Gzwb2026go".into()).await;
        let b = super::hash("Gzwb2026go".into()).await;
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(super::verify("Gzwb2026go".into(), Some(a.clone())).await);
        assert!(!super::verify("gzwb2026go".into(), Some(a)).await);
        assert!(!super::verify("anything".into(), None).await);
        assert!(argon2::PasswordHash::new(super::DECOY).is_ok(), "the decoy parses, so misses cost a hash");
    }
}
