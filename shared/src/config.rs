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
//! | `WANGBAN_URL_SECRET` | the secret (at least 32 characters) that signs the local upload and download URLs; every process serving those routes needs the same one | – |
//! | (file) | without `WANGBAN_URL_SECRET`, that secret is kept in this file, created owner-only (0600) on first start | `$WANGBAN_DATA_DIR/url-secret` |
//! | `WANGBAN_PUBLIC_URL` | the scheme, host and optional path prefix that returned URLs (uploads, downloads) start with | `http://$WANGBAN_ADDR` (`0.0.0.0` as `127.0.0.1`), else `http://127.0.0.1:8080` |
//! | `WANGBAN_SIGNING_KEY_SECRET` | a Secrets Manager secret (name or ARN) holding the private key PEM — registration in the cloud | – |
//!
//! `WANGBAN_STORE` may also be `dynamodb:<table>` and `WANGBAN_DOCS` `s3:<bucket>` (or `none`), in
//! binaries that link those adapters ([`Links`]); a binary that keeps no documents ignores
//! `WANGBAN_DOCS`. The AWS SDK reads its own variables (`AWS_REGION`, credentials,
//! `AWS_ENDPOINT_URL` for an emulator). A value the binary cannot serve stops it at start with a
//! message naming the variable.
//!
//! The URL secret is only needed where documents are local files (the signed local routes); with
//! S3 or no documents a random one is used and no file is written (Lambda's disk is read-only).

use std::{future::Future, path::PathBuf, pin::Pin, sync::Arc};

use axum::extract::FromRef;

use crate::{
    auth::{AuthState, PrivateKey, PublicKey, TokenSigner, TokenVerifier},
    clock::{Clock, SystemClock},
    docs::{
        Declared, DocError, DocumentStore, UploadTarget, UrlSigner,
        fs::FsDocuments,
        none::NoDocuments,
        signing::{DEFAULT_PUBLIC_URL, MIN_SECRET_BYTES},
    },
    store::{RecordStore, calendar::CalendarCache, sqlite::SqliteStore},
};

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// A backend being opened at start.
pub type Opening<T> = Pin<Box<dyn Future<Output = Result<T, ConfigError>> + Send>>;

/// Opens a record store from the rest of its `WANGBAN_STORE` value.
pub type OpenStore = fn(String) -> Opening<Arc<dyn RecordStore>>;
/// Opens a document store from the rest of its `WANGBAN_DOCS` value, with the context's clock.
pub type OpenDocs = fn(String, Arc<dyn Clock>) -> Opening<Arc<dyn DocumentStore>>;
/// Reads a secret's value by its name or ARN.
pub type ReadSecret = fn(String) -> Opening<String>;

/// The cloud adapters a binary can open, named by its `main`. Only what a main names is linked
/// into its binary (the adapters are reached through these pointers alone), so a function that
/// never touches S3 does not carry the S3 SDK, whichever crate features a workspace build enabled.
#[derive(Clone, Copy, Default)]
pub struct Links {
    /// Opens `WANGBAN_STORE=dynamodb:<table>` (`store::dynamo::open`).
    pub dynamodb: Option<OpenStore>,
    /// Opens `WANGBAN_DOCS=s3:<bucket>`, presigning with the context's clock (`docs::s3::open`).
    pub s3: Option<OpenDocs>,
    /// Reads the secret `WANGBAN_SIGNING_KEY_SECRET` names (`auth::secret::read`).
    pub secrets: Option<ReadSecret>,
    /// The binary keeps no documents (its routes never touch them): `WANGBAN_DOCS` is ignored,
    /// every document call is an error, and no URL secret is needed.
    pub without_documents: bool,
}

impl Links {
    /// The embedded backends only (SQLite, local files).
    pub const EMBEDDED: Links = Links { dynamodb: None, s3: None, secrets: None, without_documents: false };
}

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppContext {
    pub store: Arc<dyn RecordStore>,
    pub docs: Arc<dyn DocumentStore>,
    pub verifier: Arc<TokenVerifier>,
    /// Present only where the private key is configured (registration, the local server).
    pub signer: Option<Arc<TokenSigner>>,
    pub clock: Arc<dyn Clock>,
    /// The working-day calendar: the shipped notices plus those loaded into the store.
    pub calendar: Arc<CalendarCache>,
    /// Signs the local upload and download URLs and makes returned URLs absolute.
    pub urls: Arc<UrlSigner>,
}

impl FromRef<AppContext> for AuthState {
    fn from_ref(ctx: &AppContext) -> Self {
        AuthState { verifier: ctx.verifier.clone(), clock: ctx.clock.clone() }
    }
}

impl AppContext {
    /// A context over the given backends with one signing key, a random URL secret and the
    /// default public URL.
    pub fn new(
        store: Arc<dyn RecordStore>,
        docs: Arc<dyn DocumentStore>,
        key: PrivateKey,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self::with_urls(store, docs, key, clock, UrlSigner::generate(DEFAULT_PUBLIC_URL))
    }

    /// The same context with returned URLs under `public_url` (tests that serve the local
    /// routes on a port of their own).
    pub fn serving_at(mut self, public_url: &str) -> Self {
        self.urls = Arc::new(UrlSigner::generate(public_url));
        self
    }

    fn with_urls(
        store: Arc<dyn RecordStore>,
        docs: Arc<dyn DocumentStore>,
        key: PrivateKey,
        clock: Arc<dyn Clock>,
        urls: UrlSigner,
    ) -> Self {
        let verifier = Arc::new(TokenVerifier::new(vec![key.public().clone()]));
        let signer = Some(Arc::new(TokenSigner::new(key)));
        Self { store, docs, verifier, signer, clock, urls: Arc::new(urls), calendar: Arc::default() }
    }

    /// Where the client uploads the bytes of document `key` (as declared: type, size, SHA-256
    /// in hex), valid until `expires_at` (unix s).
    pub async fn upload_target(
        &self,
        key: &str,
        declared: &Declared<'_>,
        expires_at: i64,
    ) -> Result<UploadTarget, DocError> {
        self.docs.upload_target(&self.urls, key, declared, expires_at).await
    }

    /// A fresh URL serving document `key` until `expires_at` (unix seconds).
    pub async fn download_url(
        &self,
        key: &str,
        file_name: &str,
        content_type: &str,
        expires_at: i64,
    ) -> Result<String, DocError> {
        self.docs.download_url(&self.urls, key, file_name, content_type, expires_at).await
    }

    /// Builds the context from the environment (see the module docs), with the cloud adapters
    /// this binary links.
    pub async fn from_env(links: Links) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()), links).await
    }

    pub async fn from_lookup(
        env: impl Fn(&str) -> Option<String>,
        links: Links,
    ) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(env("WANGBAN_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = open_store(
            &env("WANGBAN_STORE")
                .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("wangban.db").display())),
            &links,
        )
        .await?;
        let docs_spec = match env("WANGBAN_DOCS") {
            _ if links.without_documents => "none".to_owned(),
            Some(spec) => spec,
            None => format!("file:{}", data_dir.join("docs").display()),
        };
        let docs = open_docs(&docs_spec, &links, clock.clone()).await?;
        let urls = UrlSigner::new(
            match env("WANGBAN_URL_SECRET") {
                Some(secret) if secret.len() >= MIN_SECRET_BYTES => secret.into_bytes(),
                Some(_) => {
                    return Err(ConfigError(format!(
                        "WANGBAN_URL_SECRET must be at least {MIN_SECRET_BYTES} characters"
                    )));
                }
                // Only local files are served through the signed local routes.
                None if docs_spec.starts_with("file:") => {
                    load_or_create_secret(&data_dir.join("url-secret"))?
                }
                None => rand::random::<[u8; 32]>().to_vec(),
            },
            &public_url(&env)?,
        );
        if let Some(keys) = env("WANGBAN_PUBLIC_KEYS") {
            let keys = keys
                .split(',')
                .map(|x| PublicKey::from_x(x).map_err(|e| ConfigError(format!("WANGBAN_PUBLIC_KEYS: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let verifier = Arc::new(TokenVerifier::new(keys));
            let calendar = Arc::default();
            return Ok(Self { store, docs, verifier, signer: None, clock, urls: Arc::new(urls), calendar });
        }
        let key = match (env("WANGBAN_SIGNING_KEY_PEM"), env("WANGBAN_SIGNING_KEY_SECRET")) {
            (Some(pem), _) => PrivateKey::from_pem(&pem)
                .map_err(|e| ConfigError(format!("WANGBAN_SIGNING_KEY_PEM: {e}")))?,
            (None, Some(secret)) => {
                let read = links.secrets.ok_or_else(|| {
                    ConfigError(
                        "WANGBAN_SIGNING_KEY_SECRET: this binary does not link Secrets Manager".into(),
                    )
                })?;
                let pem = read(secret).await?;
                PrivateKey::from_pem(&pem).map_err(|e| {
                    ConfigError(format!("WANGBAN_SIGNING_KEY_SECRET holds no Ed25519 key: {e}"))
                })?
            }
            (None, None) => load_or_create_key(
                &env("WANGBAN_SIGNING_KEY_FILE")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("signing-key.pem")),
            )?,
        };
        Ok(Self::with_urls(store, docs, key, clock, urls))
    }
}

/// `WANGBAN_PUBLIC_URL`, else the local server's own address, else the default.
fn public_url(env: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    if let Some(url) = env("WANGBAN_PUBLIC_URL") {
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
            && !url.contains(['?', '#'])
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        return if ok {
            Ok(url.trim_end_matches('/').to_owned())
        } else {
            Err(ConfigError(format!(
                "WANGBAN_PUBLIC_URL={url} is not an http(s) URL without query (e.g. https://wangban.example)"
            )))
        };
    }
    match env("WANGBAN_ADDR").map(|a| a.parse::<std::net::SocketAddr>()) {
        Some(Ok(addr)) => {
            let host = match addr.ip() {
                ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
                ip if ip.is_unspecified() => "[::1]".to_owned(),
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                std::net::IpAddr::V4(ip) => ip.to_string(),
            };
            Ok(format!("http://{host}:{}", addr.port()))
        }
        Some(Err(e)) => Err(ConfigError(format!("WANGBAN_ADDR: {e}"))),
        None => Ok(DEFAULT_PUBLIC_URL.to_owned()),
    }
}

/// Reads the URL secret file, or creates it (owner-only) with 32 random bytes on first start.
fn load_or_create_secret(path: &std::path::Path) -> Result<Vec<u8>, ConfigError> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let err = |what: &str, e: &dyn std::fmt::Display| ConfigError(format!("{what} {}: {e}", path.display()));
    let decode = |text: &str| {
        URL_SAFE_NO_PAD
            .decode(text.trim())
            .ok()
            .filter(|s| s.len() >= MIN_SECRET_BYTES)
            .ok_or_else(|| err("URL secret", &"not base64url of at least 32 bytes"))
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            crate::private_files::warn_if_loose(path, "URL secret");
            decode(&text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::private_files::create_dir_all(dir).map_err(|e| err("create folder for", &e))?;
            }
            let text = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
            write_private(path, &text).map_err(|e| err("write URL secret", &e))?;
            // Another process may have created it at the same moment: the file on disk wins.
            decode(&std::fs::read_to_string(path).map_err(|e| err("read URL secret", &e))?)
        }
        Err(e) => Err(err("read URL secret", &e)),
    }
}

async fn open_store(spec: &str, links: &Links) -> Result<Arc<dyn RecordStore>, ConfigError> {
    match (spec.split_once(':'), links.dynamodb) {
        (Some(("sqlite", path)), _) if !path.is_empty() => SqliteStore::open(path.as_ref())
            .map(|s| Arc::new(s) as Arc<dyn RecordStore>)
            .map_err(|e| ConfigError(format!("WANGBAN_STORE={spec}: {e}"))),
        (Some(("dynamodb", table)), Some(open)) if !table.is_empty() => open(table.to_owned()).await,
        _ => Err(ConfigError(format!(
            "WANGBAN_STORE={spec} is not supported by this binary; use sqlite:<path>{}",
            if links.dynamodb.is_some() { " or dynamodb:<table>" } else { "" }
        ))),
    }
}

async fn open_docs(
    spec: &str,
    links: &Links,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn DocumentStore>, ConfigError> {
    match (spec.split_once(':'), links.s3) {
        (Some(("file", dir)), _) if !dir.is_empty() => Ok(Arc::new(FsDocuments::new(dir))),
        (Some(("s3", bucket)), Some(open)) if !bucket.is_empty() => open(bucket.to_owned(), clock).await,
        _ if spec == "none" => Ok(Arc::new(NoDocuments)),
        _ => Err(ConfigError(format!(
            "WANGBAN_DOCS={spec} is not supported by this binary; use file:<dir>{} or none",
            if links.s3.is_some() { ", s3:<bucket>" } else { "" }
        ))),
    }
}

/// Reads the key file, or creates it (owner-only) with a new key on first start.
fn load_or_create_key(path: &std::path::Path) -> Result<PrivateKey, ConfigError> {
    let err = |what: &str, e: &dyn std::fmt::Display| ConfigError(format!("{what} {}: {e}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(pem) => {
            crate::private_files::warn_if_loose(path, "signing key");
            PrivateKey::from_pem(&pem).map_err(|e| err("signing key", &e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = PrivateKey::generate();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::private_files::create_dir_all(dir).map_err(|e| err("create folder for", &e))?;
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

    #[tokio::test]
    async fn the_key_file_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let env = |name: &str| (name == "WANGBAN_DATA_DIR").then(|| dir.path().display().to_string());
        let first = AppContext::from_lookup(env, Links::EMBEDDED).await.unwrap();
        let second = AppContext::from_lookup(env, Links::EMBEDDED).await.unwrap();
        assert_eq!(first.verifier.keys()[0].x(), second.verifier.keys()[0].x());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("signing-key.pem")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_fresh_data_folder_and_database_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let env = |name: &str| (name == "WANGBAN_DATA_DIR").then(|| data.display().to_string());
        AppContext::from_lookup(env, Links::EMBEDDED).await.unwrap();
        let mode = |p: std::path::PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(data.clone()), 0o700);
        assert_eq!(mode(data.join("wangban.db")), 0o600);
        assert_eq!(mode(data.join("url-secret")), 0o600);
    }

    #[tokio::test]
    async fn unsupported_backends_fail_at_start_with_the_variable_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = AppContext::from_lookup(
            |name| match name {
                "WANGBAN_DATA_DIR" => Some(dir.path().display().to_string()),
                "WANGBAN_STORE" => Some("postgres://x".into()),
                _ => None,
            },
            Links::EMBEDDED,
        )
        .await
        .err()
        .unwrap();
        assert!(err.to_string().contains("WANGBAN_STORE"), "{err}");
    }

    #[tokio::test]
    async fn verify_only_functions_take_public_keys() {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate();
        let x = key.public().x();
        let ctx = AppContext::from_lookup(
            |name| match name {
                "WANGBAN_DATA_DIR" => Some(dir.path().display().to_string()),
                "WANGBAN_PUBLIC_KEYS" => Some(x.clone()),
                _ => None,
            },
            Links::EMBEDDED,
        )
        .await
        .unwrap();
        assert!(ctx.signer.is_none());
        assert!(!dir.path().join("signing-key.pem").exists(), "no private key is created");
    }

    fn sample_signature(ctx: &AppContext) -> String {
        ctx.urls.sign("GET", "/api/v1/files/x", 1)
    }

    #[tokio::test]
    async fn the_url_secret_file_is_created_once_owner_only_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let env = |name: &str| (name == "WANGBAN_DATA_DIR").then(|| dir.path().display().to_string());
        let first = AppContext::from_lookup(env, Links::EMBEDDED).await.unwrap();
        let second = AppContext::from_lookup(env, Links::EMBEDDED).await.unwrap();
        assert_eq!(sample_signature(&first), sample_signature(&second), "the same secret after a restart");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("url-secret")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(first.urls.public_url(), "http://127.0.0.1:8080");
    }

    #[tokio::test]
    async fn the_url_secret_and_public_url_come_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "s".repeat(40);
        let with = |vars: Vec<(&'static str, String)>| {
            let dir = dir.path().display().to_string();
            AppContext::from_lookup(
                move |name| {
                    if name == "WANGBAN_DATA_DIR" {
                        return Some(dir.clone());
                    }
                    vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
                },
                Links::EMBEDDED,
            )
        };
        let a = with(vec![("WANGBAN_URL_SECRET", secret.clone())]).await.unwrap();
        let b = with(vec![
            ("WANGBAN_URL_SECRET", secret.clone()),
            ("WANGBAN_PUBLIC_URL", "https://wangban.example/api-prefix/".into()),
        ])
        .await
        .unwrap();
        assert_eq!(sample_signature(&a), sample_signature(&b), "processes sharing a secret agree");
        assert_eq!(b.urls.public_url(), "https://wangban.example/api-prefix");
        assert!(!dir.path().join("url-secret").exists(), "no secret file when the variable is set");

        let c = with(vec![("WANGBAN_ADDR", "0.0.0.0:9090".into())]).await.unwrap();
        assert_eq!(c.urls.public_url(), "http://127.0.0.1:9090");
        let d = with(vec![("WANGBAN_ADDR", "[::1]:8081".into())]).await.unwrap();
        assert_eq!(d.urls.public_url(), "http://[::1]:8081");

        for (name, value) in [
            ("WANGBAN_URL_SECRET", "too short".to_owned()),
            ("WANGBAN_PUBLIC_URL", "ftp://x".to_owned()),
            ("WANGBAN_PUBLIC_URL", "https://x?y=1".to_owned()),
            ("WANGBAN_PUBLIC_URL", "https://".to_owned()),
        ] {
            let err = with(vec![(name, value)]).await.err().unwrap();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[tokio::test]
    async fn contexts_built_in_code_get_their_own_random_url_secret() {
        let ctx = || {
            let dir = tempfile::tempdir().unwrap();
            AppContext::new(
                Arc::new(SqliteStore::in_memory().unwrap()),
                Arc::new(FsDocuments::new(dir.path())),
                PrivateKey::generate(),
                Arc::new(SystemClock),
            )
        };
        assert_ne!(sample_signature(&ctx()), sample_signature(&ctx()));
        assert_eq!(ctx().urls.public_url(), "http://127.0.0.1:8080");
    }

    #[tokio::test]
    async fn cloud_backends_need_a_binary_that_links_them() {
        let dir = tempfile::tempdir().unwrap();
        for (name, value) in [
            ("WANGBAN_STORE", "dynamodb:wangban"),
            ("WANGBAN_DOCS", "s3:wangban-docs"),
            ("WANGBAN_SIGNING_KEY_SECRET", "wangban/signing-key"),
        ] {
            let err = AppContext::from_lookup(
                |n| match n {
                    "WANGBAN_DATA_DIR" => Some(dir.path().display().to_string()),
                    n if n == name => Some(value.to_owned()),
                    _ => None,
                },
                Links::EMBEDDED,
            )
            .await
            .err()
            .unwrap();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[tokio::test]
    async fn a_function_without_documents_writes_no_url_secret_and_refuses_document_calls() {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate();
        let ctx = AppContext::from_lookup(
            |n| match n {
                "WANGBAN_DATA_DIR" => Some(dir.path().join("never").display().to_string()),
                "WANGBAN_STORE" => Some(format!("sqlite:{}", dir.path().join("w.db").display())),
                "WANGBAN_DOCS" => Some("file:/never/used".into()),
                "WANGBAN_PUBLIC_KEYS" => Some(key.public().x()),
                _ => None,
            },
            Links { without_documents: true, ..Links::EMBEDDED },
        )
        .await
        .unwrap();
        assert!(!dir.path().join("never").exists(), "nothing written to the data folder");
        assert!(matches!(ctx.docs.get("catalogue/x.txt").await, Err(DocError::Backend(_))));
    }
}
