//! The AWS SDK configuration every cloud adapter shares: credentials, region and endpoint from the
//! standard sources (in Lambda: the function's role and `AWS_REGION`; `AWS_ENDPOINT_URL` points
//! every client at an emulator), a rustls + ring HTTPS client (no aws-lc build), and retries.
//!
//! Throttling and transient failures (5xx, timeouts, `TransactionConflict` on single writes) are
//! retried by the SDK's standard retry strategy: exponential backoff with jitter, up to
//! [`MAX_ATTEMPTS`] attempts. Whatever still fails reaches the adapters as a typed error.
//!
//! Loading reads the environment and files only; no network call happens before the first
//! request.

use std::time::Duration;

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 4;

/// The shared configuration. Each context loads its own: SDK clients hold connection pools that
/// belong to the runtime that created them.
pub async fn sdk_config() -> SdkConfig {
    loader().load().await
}

/// The loader behind [`sdk_config`], for callers that set more (the tests pin endpoint, region
/// and credentials so that they never reach a real account).
pub fn loader() -> ConfigLoader {
    let http =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(50)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
}

/// Whether an endpoint was configured (an emulator), in the configuration or in the service's
/// own variable: S3 then needs path-style addressing, since `bucket.127.0.0.1` does not resolve.
pub fn custom_endpoint(config: &SdkConfig, service_variable: &str) -> bool {
    config.endpoint_url().is_some() || std::env::var(service_variable).is_ok_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn throttling_and_transient_errors_are_retried_with_backoff() {
        let config = super::loader().region(aws_config::Region::new("us-east-1")).load().await;
        let retry = config.retry_config().expect("a retry configuration");
        assert_eq!(retry.mode(), aws_config::retry::RetryMode::Standard);
        assert_eq!(retry.max_attempts(), super::MAX_ATTEMPTS);
        assert!(retry.initial_backoff() > std::time::Duration::ZERO);
        let timeouts = config.timeout_config().expect("timeouts");
        assert!(timeouts.operation_timeout().is_some() && timeouts.connect_timeout().is_some());
    }
}
