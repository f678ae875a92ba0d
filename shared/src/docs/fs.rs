//! Documents as files under one directory; writes go to a temporary file and are renamed into
//! place, so a reader never sees half a document.

use std::path::PathBuf;

use async_trait::async_trait;

use super::{DocError, DocumentStore, check_key};

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
            tokio::fs::create_dir_all(dir).await.map_err(backend)?;
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, bytes).await.map_err(backend)?;
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
}
