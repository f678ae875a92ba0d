//! Documents as files under one directory; writes go to a temporary file and are renamed into
//! place, so a reader never sees half a document. Folders and files are created owner-only
//! (0700, 0600): documents carry personal data.
//!
//! Uploads are received and served through the platform's own signed routes ([`super::local`]):
//! a PUT to `/api/v1/uploads/{id}/content` (which writes what arrives to the incoming area) and
//! a GET of `/api/v1/files/{id}`, each signed with the platform's URL secret. The download route
//! takes the file name and type from the upload record, so they are not repeated in the URL.

use std::{collections::BTreeMap, path::PathBuf};

use async_trait::async_trait;
use tokio::io::AsyncReadExt;

use super::{
    Arrival, Declared, DocError, DocumentStore, UploadTarget, UrlSigner, check_key, incoming_key, local,
};

pub struct FsDocuments {
    root: PathBuf,
}

impl FsDocuments {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

fn backend(e: std::io::Error) -> DocError {
    DocError::Backend(e.to_string())
}

#[async_trait]
impl DocumentStore for FsDocuments {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), DocError> {
        check_key(key)?;
        let path = self.root.join(key);
        if let Some(dir) = path.parent() {
            crate::private_files::create_dir_all_async(dir).await.map_err(backend)?;
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        let written = tmp.clone();
        tokio::task::spawn_blocking(move || crate::private_files::write_new(&written, &bytes))
            .await
            .map_err(|e| DocError::Backend(e.to_string()))?
            .map_err(backend)?;
        tokio::fs::rename(&tmp, &path).await.map_err(backend)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, DocError> {
        check_key(key)?;
        match tokio::fs::read(self.root.join(key)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn upload_target(
        &self,
        signer: &UrlSigner,
        key: &str,
        declared: &Declared<'_>,
        expires_at: i64,
    ) -> Result<UploadTarget, DocError> {
        let id = local_upload_id(key)?;
        Ok(UploadTarget {
            url: signer.url("PUT", &local::content_path(id), expires_at),
            method: "PUT".into(),
            headers: BTreeMap::from([("Content-Type".to_owned(), declared.content_type.to_owned())]),
        })
    }

    async fn arrival(&self, key: &str) -> Result<Option<Arrival>, DocError> {
        check_key(key)?;
        match tokio::fs::metadata(self.root.join(incoming_key(key))).await {
            // Files carry no checksum: the caller reads and hashes.
            Ok(meta) => Ok(Some(Arrival { size: meta.len(), sha256: None })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn read_arrival(&self, key: &str, limit: Option<u64>) -> Result<Vec<u8>, DocError> {
        check_key(key)?;
        let file = match tokio::fs::File::open(self.root.join(incoming_key(key))).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(backend(e)),
        };
        let mut bytes = Vec::new();
        file.take(limit.unwrap_or(u64::MAX)).read_to_end(&mut bytes).await.map_err(backend)?;
        Ok(bytes)
    }

    async fn accept(&self, key: &str) -> Result<(), DocError> {
        check_key(key)?;
        let path = self.root.join(key);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(backend)?;
        }
        // A rename within one file system: the document appears whole or not at all.
        tokio::fs::rename(self.root.join(incoming_key(key)), path).await.map_err(backend)
    }

    async fn download_url(
        &self,
        signer: &UrlSigner,
        key: &str,
        _file_name: &str,
        _content_type: &str,
        expires_at: i64,
    ) -> Result<String, DocError> {
        let id = local_upload_id(key)?;
        Ok(signer.url("GET", &local::file_path(id), expires_at))
    }
}

/// Only uploads have local routes.
fn local_upload_id(key: &str) -> Result<&str, DocError> {
    check_key(key)?;
    local::upload_id_of(key).ok_or_else(|| DocError::BadKey(key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trips_every_byte_and_misses_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let docs = FsDocuments::new(dir.path());
        let bytes: Vec<u8> = (0..=255u8).collect();
        docs.put("a/b/c.bin", bytes.clone()).await.unwrap();
        assert_eq!(docs.get("a/b/c.bin").await.unwrap(), Some(bytes));
        assert_eq!(docs.get("a/b/missing.bin").await.unwrap(), None);
        assert!(docs.put("../escape", vec![]).await.is_err());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn documents_and_their_folders_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("docs");
        FsDocuments::new(&root).put("uploads/abc-1", b"%PDF".to_vec()).await.unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&root.join("uploads")), 0o700);
        assert_eq!(mode(&root.join("uploads/abc-1")), 0o600);
    }

    #[tokio::test]
    async fn uploads_get_signed_urls_of_the_local_routes() {
        let docs = FsDocuments::new("unused");
        let signer = UrlSigner::generate("https://wangban.example/base/");
        let declared = Declared { content_type: "application/pdf", size: 10, sha256: "00" };
        let target = docs.upload_target(&signer, "uploads/abc-1", &declared, 1_000).await.unwrap();
        assert_eq!(target.method, "PUT");
        assert_eq!(target.headers["Content-Type"], "application/pdf");
        let prefix = "https://wangban.example/base/api/v1/uploads/abc-1/content?expires=1000&signature=";
        let signature = target.url.strip_prefix(prefix).expect("absolute URL of the local PUT route");
        signer.verify("PUT", "/api/v1/uploads/abc-1/content", 1_000, signature, 999).unwrap();

        let url = docs
            .download_url(&signer, "uploads/abc-1", "申请书.pdf", "application/pdf", 2_000)
            .await
            .unwrap();
        let signature =
            url.strip_prefix("https://wangban.example/base/api/v1/files/abc-1?expires=2000&signature=");
        signer.verify("GET", "/api/v1/files/abc-1", 2_000, signature.unwrap(), 0).unwrap();
        assert!(!url.contains("%E7"), "the file name is not in the URL");

        for key in ["templates/a.txt", "uploads/../x", "uploads/a/b"] {
            assert!(docs.upload_target(&signer, key, &declared, 1).await.is_err(), "{key}");
            assert!(docs.download_url(&signer, key, "a", "application/pdf", 1).await.is_err(), "{key}");
        }
    }
}
