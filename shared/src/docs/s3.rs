//! Documents in one S3 bucket (`WANGBAN_DOCS=s3:<bucket>`).
//!
//! Uploads never pass through a function: the client PUTs to a presigned URL of
//! `incoming/<key>` that is signed with the declared type and SHA-256 (`x-amz-checksum-sha256`),
//! so S3 itself refuses a body with another hash. Completing the upload is a HEAD (size and the
//! checksum S3 stored) and a ranged GET of the first bytes (the type's magic number); an arrival
//! without a stored checksum (an emulator that ignores the header) is read whole and hashed
//! instead. Accepting copies it to `<key>` inside S3; the incoming object stays until the
//! bucket's lifecycle rule removes everything under `incoming/` after two days, so a concurrent
//! completion of the same upload still finds the bytes it checks (and the function needs no
//! right to delete anything).
//!
//! Downloads are presigned GETs that name the file and its type in the response headers. Both
//! kinds of URL start at the platform's clock and end at the expiry asked for.

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, UNIX_EPOCH},
};

use async_trait::async_trait;
use aws_sdk_s3::{
    Client,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    presigning::PresigningConfig,
    primitives::ByteStream,
    types::ChecksumMode,
};
use base64::{Engine, engine::general_purpose::STANDARD};

use super::{
    Arrival, Declared, DocError, DocumentStore, UploadTarget, UrlSigner, attachment, check_key, incoming_key,
};
use crate::{clock::Clock, config::Opening, store::uploads::DocumentType};

/// The longest validity S3 accepts for a presigned URL.
const MAX_PRESIGN_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Clone)]
pub struct S3Documents {
    client: Client,
    bucket: Arc<str>,
    clock: Arc<dyn Clock>,
}

impl S3Documents {
    pub fn new(client: Client, bucket: &str, clock: Arc<dyn Clock>) -> Self {
        Self { client, bucket: bucket.into(), clock }
    }

    /// A client for the shared SDK configuration; path-style addressing when an endpoint is
    /// configured (an emulator on 127.0.0.1 has no per-bucket host names).
    pub fn client(config: &aws_config::SdkConfig) -> Client {
        let path_style = crate::aws::custom_endpoint(config, "AWS_ENDPOINT_URL_S3");
        Client::from_conf(aws_sdk_s3::config::Builder::from(config).force_path_style(path_style).build())
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn presigning(&self, expires_at: i64) -> Result<PresigningConfig, DocError> {
        let now = self.clock.now_unix();
        // A URL asked to expire in the past is minted already expired, not refused.
        let (start, seconds) = if expires_at > now { (now, expires_at - now) } else { (expires_at - 1, 1) };
        PresigningConfig::builder()
            .start_time(UNIX_EPOCH + Duration::from_secs(start.max(0) as u64))
            .expires_in(Duration::from_secs(seconds.min(MAX_PRESIGN_SECONDS) as u64))
            .build()
            .map_err(|e| DocError::Backend(format!("S3 presigning: {e}")))
    }
}

/// Opens the store named by `WANGBAN_DOCS=s3:<bucket>`; no network call before the first use.
pub fn open(bucket: String, clock: Arc<dyn Clock>) -> Opening<Arc<dyn DocumentStore>> {
    Box::pin(async move {
        let config = crate::aws::sdk_config().await;
        Ok(Arc::new(S3Documents::new(S3Documents::client(&config), &bucket, clock)) as Arc<dyn DocumentStore>)
    })
}

fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

fn failure<E, R>(op: &str, err: SdkError<E, R>) -> DocError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(service) => DocError::Backend(format!(
            "S3 {op}: {}: {}",
            service.err().code().unwrap_or("unknown error"),
            service.err().message().unwrap_or("no message")
        )),
        _ => DocError::Backend(format!("S3 {op}: {}", DisplayErrorContext(&err))),
    }
}

/// S3's base64 checksum as lower-case hex; `None` for anything but a whole-object SHA-256.
fn checksum_hex(base64: &str) -> Option<String> {
    let bytes = STANDARD.decode(base64).ok().filter(|b| b.len() == 32)?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn hex_to_base64(hex: &str) -> Result<String, DocError> {
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .filter(|b| b.len() == 32)
        .ok_or_else(|| DocError::Backend("declared SHA-256 is not 64 hex digits".into()))?;
    Ok(STANDARD.encode(bytes))
}

#[async_trait]
impl DocumentStore for S3Documents {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), DocError> {
        check_key(key)?;
        self.client
            .put_object()
            .bucket(&*self.bucket)
            .key(key)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| failure("PutObject", e))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, DocError> {
        check_key(key)?;
        let out = match self.client.get_object().bucket(&*self.bucket).key(key).send().await {
            Ok(out) => out,
            Err(err) if code(&err) == Some("NoSuchKey") => return Ok(None),
            Err(err) => return Err(failure("GetObject", err)),
        };
        let bytes =
            out.body.collect().await.map_err(|e| DocError::Backend(format!("S3 GetObject body: {e}")))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    async fn upload_target(
        &self,
        _local: &UrlSigner,
        key: &str,
        declared: &Declared<'_>,
        expires_at: i64,
    ) -> Result<UploadTarget, DocError> {
        check_key(key)?;
        let presigned = self
            .client
            .put_object()
            .bucket(&*self.bucket)
            .key(incoming_key(key))
            .content_type(declared.content_type)
            .checksum_sha256(hex_to_base64(declared.sha256)?)
            .presigned(self.presigning(expires_at)?)
            .await
            .map_err(|e| failure("PutObject (presign)", e))?;
        // The headers the signature covers, which the client must send as they are.
        let headers: BTreeMap<String, String> = presigned
            .headers()
            .filter(|(name, _)| {
                !name.eq_ignore_ascii_case("host") && !name.eq_ignore_ascii_case("content-length")
            })
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        Ok(UploadTarget { url: presigned.uri().to_owned(), method: presigned.method().to_owned(), headers })
    }

    async fn arrival(&self, key: &str) -> Result<Option<Arrival>, DocError> {
        check_key(key)?;
        let head = self
            .client
            .head_object()
            .bucket(&*self.bucket)
            .key(incoming_key(key))
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await;
        let out = match head {
            Ok(out) => out,
            Err(err) if code(&err) == Some("NotFound") => return Ok(None),
            Err(err) => return Err(failure("HeadObject", err)),
        };
        let size = out.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        Ok(Some(Arrival { size, sha256: out.checksum_sha256().and_then(checksum_hex) }))
    }

    async fn read_arrival(&self, key: &str, limit: Option<u64>) -> Result<Vec<u8>, DocError> {
        check_key(key)?;
        let request = self.client.get_object().bucket(&*self.bucket).key(incoming_key(key));
        let request = match limit {
            Some(0) => return Ok(Vec::new()),
            Some(n) => request.range(format!("bytes=0-{}", n - 1)),
            None => request,
        };
        let out = match request.send().await {
            Ok(out) => out,
            // Nothing arrived, or an empty object a range cannot address.
            Err(err) if matches!(code(&err), Some("NoSuchKey" | "InvalidRange")) => return Ok(Vec::new()),
            Err(err) => return Err(failure("GetObject", err)),
        };
        let bytes =
            out.body.collect().await.map_err(|e| DocError::Backend(format!("S3 GetObject body: {e}")))?;
        let mut bytes = bytes.into_bytes().to_vec();
        // Servers that ignore the range send it all.
        if let Some(n) = limit {
            bytes.truncate(usize::try_from(n).unwrap_or(usize::MAX));
        }
        Ok(bytes)
    }

    async fn accept(&self, key: &str) -> Result<(), DocError> {
        check_key(key)?;
        self.client
            .copy_object()
            .bucket(&*self.bucket)
            .copy_source(format!("{}/{}", self.bucket, incoming_key(key)))
            .key(key)
            .send()
            .await
            .map_err(|e| failure("CopyObject", e))?;
        Ok(())
    }

    async fn download_url(
        &self,
        _local: &UrlSigner,
        key: &str,
        file_name: &str,
        content_type: &str,
        expires_at: i64,
    ) -> Result<String, DocError> {
        check_key(key)?;
        let stem = key.rsplit('/').next().unwrap_or(key);
        let extension = DocumentType::from_mime(content_type).map_or("bin", |t| t.extension());
        let presigned = self
            .client
            .get_object()
            .bucket(&*self.bucket)
            .key(key)
            .response_content_type(content_type)
            .response_content_disposition(attachment(file_name, &format!("{stem}.{extension}")))
            .response_cache_control("private, no-store")
            .presigned(self.presigning(expires_at)?)
            .await
            .map_err(|e| failure("GetObject (presign)", e))?;
        Ok(presigned.uri().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_convert_between_s3s_base64_and_our_hex() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let b64 = hex_to_base64(hex).unwrap();
        assert_eq!(b64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(checksum_hex(&b64).as_deref(), Some(hex));
        assert_eq!(checksum_hex("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=-2"), None, "composite");
        assert!(hex_to_base64("xyz").is_err());
    }
}
