//! Configuration, read from the environment once at cold start, and the context handed to
//! every router.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `WANGBAN_DATA_DIR` | where the embedded backends keep their files | `./data` |
//! | `WANGBAN_STORE` | `sqlite:<path>` | `sqlite:$WANGBAN_DATA_DIR/wangban.db` |
//! | `WANGBAN_DOCS` | `file:<dir>` | `file:$WANGBAN_DATA_DIR/docs` |
//! | `WANGBAN_SIGNING_KEY_PEM` | the Ed25519 private key (PKCS#8 PEM) — registration only | – |
//! | `WANGBAN_SIGNING_KEY_FILE` | a file holding that key; created on first start if missing | `$WANGBAN_DATA_DIR/signing-key.pem` |
//! | `WANGBAN_PUBLIC_KEYS` | comma-separated JWK `x` values that verify tokens, for functions without the private key | – |
//!
//! The DynamoDB and S3 backends (`dynamodb:<table>`, `s3:<bucket>`) are the subject of the
//! cloud issue; until they land, such a value stops the function at start with a clear message.

use std::{path::PathBuf, sync::Arc};

use axum::extract::FromRef;

use crate::{
    auth::{AuthState, PrivateKey, PublicKey, TokenSigner, TokenVerifier},
    clock::{Clock, SystemClock},
    docs::{DocumentStore, fs::FsDocuments},
    store::{RecordStore, sqlite::SqliteStore},
};

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppContext {
    pub store: Arc<dyn RecordStore>,
    pub docs: Arc<dyn DocumentStore>,
    pub verifier: Arc<TokenVerifier>,
    /// Present only where the private key is configured (registration, the local server).
    pub signer: Option<Arc<TokenSigner>>,
    pub clock: Arc<dyn Clock>,
}

impl FromRef<AppContext> for AuthState {
    fn from_ref(ctx: &AppContext) -> Self {
        AuthState { verifier: ctx.verifier.clone(), clock: ctx.clock.clone() }
    }
}

impl AppContext {
    /// A context over the given backends with one signing key.
    pub fn new(
        store: Arc<dyn RecordStore>,
        docs: Arc<dyn DocumentStore>,
        key: PrivateKey,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let verifier = Arc::new(TokenVerifier::new(vec![key.public().clone()]));
        Self { store, docs, verifier, signer: Some(Arc::new(TokenSigner::new(key))), clock }
    }

    /// Builds the context from the environment (see the module docs).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(env("WANGBAN_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let store = open_store(
            &env("WANGBAN_STORE")
                .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("wangban.db").display())),
        )?;
        let docs = open_docs(
            &env("WANGBAN_DOCS").unwrap_or_else(|| format!("file:{}", data_dir.join("docs").display())),
        )?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        if let Some(keys) = env("WANGBAN_PUBLIC_KEYS") {
            let keys = keys
                .split(',')
                .map(|x| PublicKey::from_x(x).map_err(|e| ConfigError(format!("WANGBAN_PUBLIC_KEYS: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let verifier = Arc::new(TokenVerifier::new(keys));
            return Ok(Self { store, docs, verifier, signer: None, clock });
        }
        let key = match env("WANGBAN_SIGNING_KEY_PEM") {
            Some(pem) => PrivateKey::from_pem(&pem)
                .map_err(|e| ConfigError(format!("WANGBAN_SIGNING_KEY_PEM: {e}")))?,
            None => load_or_create_key(
                &env("WANGBAN_SIGNING_KEY_FILE")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("signing-key.pem")),
            )?,
        };
        Ok(Self::new(store, docs, key, clock))
    }
}

fn open_store(spec: &str) -> Result<Arc<dyn RecordStore>, ConfigError> {
    match spec.split_once(':') {
        Some(("sqlite", path)) if !path.is_empty() => SqliteStore::open(path.as_ref())
            .map(|s| Arc::new(s) as Arc<dyn RecordStore>)
            .map_err(|e| ConfigError(format!("WANGBAN_STORE={spec}: {e}"))),
        _ => Err(ConfigError(format!(
            "WANGBAN_STORE={spec} is not supported by this build; use sqlite:<path>"
        ))),
    }
}

fn open_docs(spec: &str) -> Result<Arc<dyn DocumentStore>, ConfigError> {
    match spec.split_once(':') {
        Some(("file", dir)) if !dir.is_empty() => Ok(Arc::new(FsDocuments::new(dir))),
        _ => Err(ConfigError(format!("WANGBAN_DOCS={spec} is not supported by this build; use file:<dir>"))),
    }
}

/// Reads the key file, or creates it (owner-only) with a new key on first start.
fn load_or_create_key(path: &std::path::Path) -> Result<PrivateKey, ConfigError> {
    let err = |what: &str, e: &dyn std::fmt::Display| ConfigError(format!("{what} {}: {e}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(pem) => PrivateKey::from_pem(&pem).map_err(|e| err("signing key", &e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = PrivateKey::generate();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| err("create folder for", &e))?;
            }
            write_private(path, key.to_pem()).map_err(|e| err("write signing key", &e))?;
            // Another process may have created it at the same moment: the file on disk wins.
            let pem = std::fs::read_to_string(path).map_err(|e| err("read signing key", &e))?;
            PrivateKey::from_pem(&pem).map_err(|e| err("signing key", &e))
        }
        Err(e) => Err(err("read signing key", &e)),
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut f) => f.write_all(text.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut f) => std::io::Write::write_all(&mut f, text.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let env = |name: &str| (name == "WANGBAN_DATA_DIR").then(|| dir.path().display().to_string());
        let first = AppContext::from_lookup(env).unwrap();
        let second = AppContext::from_lookup(env).unwrap();
        assert_eq!(first.verifier.keys()[0].x(), second.verifier.keys()[0].x());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("signing-key.pem")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn unsupported_backends_fail_at_start_with_the_variable_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = AppContext::from_lookup(|name| match name {
            "WANGBAN_DATA_DIR" => Some(dir.path().display().to_string()),
            "WANGBAN_STORE" => Some("postgres://x".into()),
            _ => None,
        })
        .err()
        .unwrap();
        assert!(err.to_string().contains("WANGBAN_STORE"), "{err}");
    }

    #[test]
    fn verify_only_functions_take_public_keys() {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate();
        let x = key.public().x();
        let ctx = AppContext::from_lookup(|name| match name {
            "WANGBAN_DATA_DIR" => Some(dir.path().display().to_string()),
            "WANGBAN_PUBLIC_KEYS" => Some(x.clone()),
            _ => None,
        })
        .unwrap();
        assert!(ctx.signer.is_none());
        assert!(!dir.path().join("signing-key.pem").exists(), "no private key is created");
    }
}
