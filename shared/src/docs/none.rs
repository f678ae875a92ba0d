//! `WANGBAN_DOCS=none`: the document store of a function that keeps no documents (registration,
//! decision, status, admin in the cloud). It links no storage SDK and writes nothing; any call
//! is a backend error, which would mean a route reached for documents it was deployed without.

use async_trait::async_trait;

use super::{Arrival, Declared, DocError, DocumentStore, UploadTarget, UrlSigner};

pub struct NoDocuments;

fn refused() -> DocError {
    DocError::Backend("this function is deployed without a document store (WANGBAN_DOCS=none)".into())
}

#[async_trait]
impl DocumentStore for NoDocuments {
    async fn put(&self, _key: &str, _bytes: Vec<u8>) -> Result<(), DocError> {
        Err(refused())
    }

    async fn get(&self, _key: &str) -> Result<Option<Vec<u8>>, DocError> {
        Err(refused())
    }

    async fn upload_target(
        &self,
        _local: &UrlSigner,
        _key: &str,
        _declared: &Declared<'_>,
        _expires_at: i64,
    ) -> Result<UploadTarget, DocError> {
        Err(refused())
    }

    async fn arrival(&self, _key: &str) -> Result<Option<Arrival>, DocError> {
        Err(refused())
    }

    async fn read_arrival(&self, _key: &str, _limit: Option<u64>) -> Result<Vec<u8>, DocError> {
        Err(refused())
    }

    async fn accept(&self, _key: &str) -> Result<(), DocError> {
        Err(refused())
    }

    async fn download_url(
        &self,
        _local: &UrlSigner,
        _key: &str,
        _file_name: &str,
        _content_type: &str,
        _expires_at: i64,
    ) -> Result<String, DocError> {
        Err(refused())
    }
}
