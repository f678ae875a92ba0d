//! SDK errors as [`StoreError`]s. Nothing panics: an unexpected answer is `Backend` with the
//! operation and the service's error code (never an item or key, which may be personal data).

use aws_sdk_dynamodb::{
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    types::CancellationReason,
};

use crate::store::StoreError;

/// What failed, as the service named it (`None`: no answer, e.g. unreachable or timed out).
pub fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// The error of operation `op` when no more specific meaning applies.
pub fn failure<E, R>(op: &str, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            match e.code() {
                // Another transaction holds the item: safe to try again.
                Some("TransactionConflictException" | "TransactionInProgressException") => {
                    StoreError::Conflict
                }
                code => StoreError::Backend(format!(
                    "DynamoDB {op}: {}: {}",
                    code.unwrap_or("unknown error"),
                    e.message().unwrap_or("no message")
                )),
            }
        }
        // Retries were exhausted or the service was unreachable; the context names the cause.
        _ => StoreError::Backend(format!("DynamoDB {op}: {}", DisplayErrorContext(&err))),
    }
}

/// Whether a validation error is DynamoDB refusing an item over 400 KB.
pub fn is_item_too_large<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    let SdkError::ServiceError(service) = err else { return false };
    service.err().code() == Some("ValidationException")
        && service.err().message().is_some_and(|m| m.contains("size has exceeded"))
}

/// A cancelled transaction, from the reason of each operation (in order): the first failed
/// condition is `TransactionConditionFailed` with its index, as the embedded backend reports it;
/// a conflict with another transaction is `Conflict`.
pub fn cancelled(reasons: &[CancellationReason]) -> StoreError {
    let codes: Vec<&str> = reasons.iter().map(|r| r.code().unwrap_or("None")).collect();
    if let Some(index) = codes.iter().position(|c| *c == "ConditionalCheckFailed") {
        return StoreError::TransactionConditionFailed { index };
    }
    if codes.contains(&"TransactionConflict") {
        return StoreError::Conflict;
    }
    let failed: Vec<&str> = codes.into_iter().filter(|c| *c != "None").collect();
    StoreError::Backend(format!("DynamoDB transaction cancelled: {}", failed.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(codes: &[&str]) -> Vec<CancellationReason> {
        codes.iter().map(|c| CancellationReason::builder().code(*c).build()).collect()
    }

    #[test]
    fn the_first_failed_condition_names_its_operation() {
        let e = cancelled(&reasons(&["None", "None", "ConditionalCheckFailed", "ConditionalCheckFailed"]));
        assert_eq!(e, StoreError::TransactionConditionFailed { index: 2 });
        assert_eq!(cancelled(&reasons(&["TransactionConflict", "None"])), StoreError::Conflict);
        let throttled = cancelled(&reasons(&["None", "ThrottlingError"]));
        assert!(matches!(&throttled, StoreError::Backend(m) if m.contains("ThrottlingError")), "{throttled}");
    }
}
