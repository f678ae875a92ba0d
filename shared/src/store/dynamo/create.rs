//! Creating a table from THE definition ([`DEFINITION`]): what the admin tool does for a fresh
//! account or an emulator, and what the tests do for each run.

use std::time::Duration;

use aws_sdk_dynamodb::{
    Client,
    types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        PointInTimeRecoverySpecification, Projection, ProjectionType, ScalarAttributeType, SseSpecification,
        TableStatus, TimeToLiveSpecification,
    },
};

use super::errors;
use crate::store::{
    StoreError, StoreResult,
    table::{DEFINITION, Definition},
};

fn key_schema(pk: &str, sk: &str) -> StoreResult<Vec<KeySchemaElement>> {
    let element = |name: &str, kind| KeySchemaElement::builder().attribute_name(name).key_type(kind).build();
    Ok(vec![element(pk, KeyType::Hash).map_err(invalid)?, element(sk, KeyType::Range).map_err(invalid)?])
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

/// Whether the table exists (in any state).
pub async fn table_exists(client: &Client, name: &str) -> StoreResult<bool> {
    match client.describe_table().table_name(name).send().await {
        Ok(_) => Ok(true),
        Err(err) if errors::code(&err) == Some("ResourceNotFoundException") => Ok(false),
        Err(err) => Err(errors::failure("DescribeTable", err)),
    }
}

/// Creates table `name` as [`DEFINITION`] says and waits until it is active, then enables TTL and
/// point-in-time recovery. Fails if the table exists.
pub async fn create_table(client: &Client, name: &str) -> StoreResult<()> {
    let d: &Definition = &DEFINITION;
    let attributes = d
        .key_attributes()
        .into_iter()
        .map(|a| {
            AttributeDefinition::builder().attribute_name(a).attribute_type(ScalarAttributeType::S).build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let indexes = d
        .indexes
        .iter()
        .map(|i| {
            GlobalSecondaryIndex::builder()
                .index_name(i.name)
                .set_key_schema(Some(key_schema(i.pk, i.sk)?))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(invalid)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    client
        .create_table()
        .table_name(name)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(key_schema(d.pk, d.sk)?))
        .set_global_secondary_indexes(Some(indexes))
        .billing_mode(if d.on_demand { BillingMode::PayPerRequest } else { BillingMode::Provisioned })
        .sse_specification(SseSpecification::builder().enabled(d.kms_encryption).build())
        .deletion_protection_enabled(d.deletion_protection)
        .send()
        .await
        .map_err(|e| errors::failure("CreateTable", e))?;
    wait_until_active(client, name).await?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(d.ttl)
                .enabled(true)
                .build()
                .map_err(invalid)?,
        )
        .send()
        .await
        .map_err(|e| errors::failure("UpdateTimeToLive", e))?;
    client
        .update_continuous_backups()
        .table_name(name)
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(d.point_in_time_recovery)
                .build()
                .map_err(invalid)?,
        )
        .send()
        .await
        .map_err(|e| errors::failure("UpdateContinuousBackups", e))?;
    Ok(())
}

async fn wait_until_active(client: &Client, name: &str) -> StoreResult<()> {
    for _ in 0..300 {
        let out = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| errors::failure("DescribeTable", e))?;
        let table = out.table();
        let indexes_active = table
            .map(|t| {
                t.global_secondary_indexes()
                    .iter()
                    .all(|i| i.index_status().is_none_or(|s| s.as_str() == "ACTIVE"))
            })
            .unwrap_or(false);
        if table.and_then(|t| t.table_status()) == Some(&TableStatus::Active) && indexes_active {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(StoreError::Backend(format!("table {name} did not become active in 150 s")))
}
