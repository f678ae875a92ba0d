//! The token signing key from AWS Secrets Manager (`WANGBAN_SIGNING_KEY_SECRET`): only the
//! registration function's role may read the secret; the others get the public key.

use crate::config::{ConfigError, Opening};

/// Reads the secret's string value once, at cold start (every registration route needs the key).
pub fn read(secret_id: String) -> Opening<String> {
    Box::pin(async move {
        let config = crate::aws::sdk_config().await;
        let client = aws_sdk_secretsmanager::Client::new(&config);
        let out = client.get_secret_value().secret_id(&secret_id).send().await.map_err(|e| {
            // The error names the secret and the cause, never its value.
            ConfigError(format!(
                "WANGBAN_SIGNING_KEY_SECRET={secret_id}: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
            ))
        })?;
        out.secret_string()
            .map(str::to_owned)
            .ok_or_else(|| ConfigError(format!("WANGBAN_SIGNING_KEY_SECRET={secret_id} has no string value")))
    })
}
