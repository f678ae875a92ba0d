//! The DynamoDB table, defined ONCE. The admin tool and the tests create tables from
//! [`DEFINITION`] (through `store::dynamo::create_table`), and the SAM template declares the same
//! table: `tests/tests/it/template.rs` renders [`Definition::cloudformation`] and fails when the
//! template's `Table` says anything else, so the two cannot drift.
//!
//! Attributes of an item (see `store::dynamo` for how a [`Record`](super::Record) maps onto them):
//!
//! | attribute | type | holds |
//! |---|---|---|
//! | `pk`, `sk` | S | the primary key |
//! | `body` | S | the record's JSON body, as text (exact round trip of every JSON value) |
//! | `v` | N | the record's version |
//! | `gsi1pk`, `gsi1sk` | S | the first index key, when the record has one |
//! | `gsi2pk`, `gsi2sk` | S | the second index key, when the record has one |
//! | `ttl` | N | unix seconds after which DynamoDB deletes the item (its TTL attribute) |
//! | `n` | N | the value of a counter record (no `body`) |

use serde_json::{Value, json};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const BODY: &str = "body";
pub const VERSION: &str = "v";
pub const TTL: &str = "ttl";
pub const COUNTER: &str = "n";

/// A global secondary index: its name and key attributes. Every index projects whole items,
/// since queries return whole records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gsi {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
}

pub const GSI1: Gsi = Gsi { name: "gsi1", pk: "gsi1pk", sk: "gsi1sk" };
pub const GSI2: Gsi = Gsi { name: "gsi2", pk: "gsi2pk", sk: "gsi2sk" };

/// Everything that defines the table, beyond its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition {
    pub pk: &'static str,
    pub sk: &'static str,
    pub indexes: [Gsi; 2],
    pub ttl: &'static str,
    /// On-demand capacity: no capacity planning, and throttling only at account limits.
    pub on_demand: bool,
    pub point_in_time_recovery: bool,
    pub deletion_protection: bool,
    /// Server-side encryption with a KMS key (the AWS-managed `aws/dynamodb` key).
    pub kms_encryption: bool,
}

pub const DEFINITION: Definition = Definition {
    pk: PK,
    sk: SK,
    indexes: [GSI1, GSI2],
    ttl: TTL,
    on_demand: true,
    point_in_time_recovery: true,
    deletion_protection: true,
    kms_encryption: true,
};

impl Definition {
    /// Every key attribute (table and indexes); all are strings.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.pk, self.sk];
        for index in &self.indexes {
            names.extend([index.pk, index.sk]);
        }
        names
    }

    /// The `Properties` of an `AWS::DynamoDB::Table` resource declaring this table, as the SAM
    /// template must hold them (the template may add `TableName` and `Tags`, nothing else).
    pub fn cloudformation(&self) -> Value {
        let key = |pk: &str, sk: &str| json!([{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}]);
        json!({
            "BillingMode": if self.on_demand { "PAY_PER_REQUEST" } else { "PROVISIONED" },
            "AttributeDefinitions": self
                .key_attributes()
                .iter()
                .map(|name| json!({"AttributeName": name, "AttributeType": "S"}))
                .collect::<Vec<_>>(),
            "KeySchema": key(self.pk, self.sk),
            "GlobalSecondaryIndexes": self
                .indexes
                .iter()
                .map(|i| json!({"IndexName": i.name, "KeySchema": key(i.pk, i.sk), "Projection": {"ProjectionType": "ALL"}}))
                .collect::<Vec<_>>(),
            "TimeToLiveSpecification": {"AttributeName": self.ttl, "Enabled": true},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": self.point_in_time_recovery},
            "DeletionProtectionEnabled": self.deletion_protection,
            "SSESpecification": {"SSEEnabled": self.kms_encryption},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_attribute_is_declared_once() {
        let names = DEFINITION.key_attributes();
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        let cfn = DEFINITION.cloudformation();
        assert_eq!(cfn["AttributeDefinitions"].as_array().unwrap().len(), 6);
        assert_eq!(cfn["GlobalSecondaryIndexes"][1]["KeySchema"][1]["AttributeName"], "gsi2sk");
    }
}
