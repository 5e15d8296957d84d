//! The CloudTrail record schema, declared once as data.
//!
//! Every field CloudTrail documents up to eventVersion 1.11 has a column. Column and nested field
//! names are the lowercase CloudTrail names (Athena's spelling), so both `eventname` and
//! `eventName` resolve under SQL identifier normalisation. The free-form payload objects are kept as
//! JSON text. Four bookkeeping columns start with `_`.

use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field as ArrowField, Fields, Schema, SchemaRef, TimeUnit};

/// How a CloudTrail value is stored.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A JSON string, stored as UTF-8.
    Str,
    /// A JSON boolean.
    Bool,
    /// An ISO-8601 UTC time string, stored as a microsecond timestamp.
    Time,
    /// Any JSON value, stored as its JSON text verbatim.
    Json,
    /// A JSON object with known keys.
    Struct(&'static [Field]),
    /// A JSON array of objects with known keys.
    List(&'static [Field]),
}

/// One known key of a CloudTrail object: its JSON spelling and how it is stored.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key as CloudTrail writes it (`eventName`); the column is its lowercase form.
    pub key: &'static str,
    pub kind: Kind,
}

const fn f(key: &'static str, kind: Kind) -> Field {
    Field { key, kind }
}

use Kind::*;

const SESSION_ISSUER: &[Field] = &[
    f("type", Str),
    f("principalId", Str),
    f("arn", Str),
    f("accountId", Str),
    f("userName", Str),
];
const SESSION_ATTRIBUTES: &[Field] = &[f("creationDate", Str), f("mfaAuthenticated", Str)];
const WEB_ID_FEDERATION: &[Field] = &[f("federatedProvider", Str), f("attributes", Json)];
const SESSION_CONTEXT: &[Field] = &[
    f("attributes", Struct(SESSION_ATTRIBUTES)),
    f("sessionIssuer", Struct(SESSION_ISSUER)),
    f("webIdFederationData", Struct(WEB_ID_FEDERATION)),
    f("sourceIdentity", Str),
    f("ec2RoleDelivery", Str),
    f("ec2IssuedInVPC", Str),
    f("assumedRoot", Str),
];
const ON_BEHALF_OF: &[Field] = &[f("userId", Str), f("identityStoreArn", Str)];
const IN_SCOPE_OF: &[Field] = &[
    f("sourceArn", Str),
    f("sourceAccount", Str),
    f("issuerType", Str),
    f("credentialsIssuedTo", Str),
];
const USER_IDENTITY: &[Field] = &[
    f("type", Str),
    f("principalId", Str),
    f("arn", Str),
    f("accountId", Str),
    f("accessKeyId", Str),
    f("userName", Str),
    f("invokedBy", Str),
    f("identityProvider", Str),
    f("credentialId", Str),
    f("sessionContext", Struct(SESSION_CONTEXT)),
    f("onBehalfOf", Struct(ON_BEHALF_OF)),
    f("inScopeOf", Struct(IN_SCOPE_OF)),
];
const RESOURCE: &[Field] = &[
    f("ARN", Str),
    f("accountId", Str),
    f("type", Str),
    f("ARNPrefix", Str),
];
const TLS_DETAILS: &[Field] = &[
    f("tlsVersion", Str),
    f("cipherSuite", Str),
    f("clientProvidedHostHeader", Str),
    f("keyExchange", Str),
];
const ADDENDUM: &[Field] = &[
    f("reason", Str),
    f("updatedFields", Str),
    f("originalRequestID", Str),
    f("originalEventID", Str),
];

/// The top-level keys of a CloudTrail record, in column order.
pub const RECORD: &[Field] = &[
    f("eventVersion", Str),
    f("userIdentity", Struct(USER_IDENTITY)),
    f("eventTime", Time),
    f("eventSource", Str),
    f("eventName", Str),
    f("awsRegion", Str),
    f("sourceIPAddress", Str),
    f("userAgent", Str),
    f("errorCode", Str),
    f("errorMessage", Str),
    f("requestParameters", Json),
    f("responseElements", Json),
    f("additionalEventData", Json),
    f("requestID", Str),
    f("eventID", Str),
    f("readOnly", Bool),
    f("resources", List(RESOURCE)),
    f("eventType", Str),
    f("apiVersion", Str),
    f("managementEvent", Bool),
    f("recipientAccountId", Str),
    f("serviceEventDetails", Json),
    f("sharedEventID", Str),
    f("vpcEndpointId", Str),
    f("vpcEndpointAccountId", Str),
    f("eventCategory", Str),
    f("addendum", Struct(ADDENDUM)),
    f("sessionCredentialFromConsole", Str),
    f("edgeDeviceDetails", Json),
    f("tlsDetails", Struct(TLS_DETAILS)),
    f("insightDetails", Json),
];

/// Index of `eventTime` in [`RECORD`] (and in the Arrow schema).
pub const EVENT_TIME: usize = 2;
/// Index of `awsRegion`.
pub const AWS_REGION: usize = 5;
/// Index of `eventID`.
pub const EVENT_ID: usize = 14;
/// Index of `recipientAccountId`.
pub const RECIPIENT_ACCOUNT_ID: usize = 20;

/// Keys of the record kept as JSON text whose type did not fit, or that the schema does not know,
/// as one JSON object (`{"@timestamp":"…","eventTime":"Oct 8, 2024"}`); NULL when there are none.
pub const COL_EXTRA: &str = "_extra";
/// The source object the row came from (its key below the source root).
pub const COL_SOURCE: &str = "_source";
/// Size in bytes of the event's JSON text (without whitespace between its top-level keys).
pub const COL_EVENT_BYTES: &str = "_event_bytes";
/// 64-bit hash of the event's content (its keys and their values' JSON text, in order), set when
/// it has an eventID: the duplicate-detection key.
pub const COL_RECORD_HASH: &str = "_record_hash";

/// Number of CloudTrail columns before the bookkeeping columns.
pub const NUM_RECORD_COLUMNS: usize = RECORD.len();

/// The Arrow data type of a field kind.
pub fn data_type(kind: Kind) -> DataType {
    match kind {
        Str | Json => DataType::Utf8,
        Bool => DataType::Boolean,
        Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        Struct(children) => DataType::Struct(struct_fields(children)),
        List(children) => DataType::List(Arc::new(list_item(children))),
    }
}

/// The Arrow fields of a struct kind.
pub fn struct_fields(children: &'static [Field]) -> Fields {
    children
        .iter()
        .map(|c| ArrowField::new(c.key.to_ascii_lowercase(), data_type(c.kind), true))
        .collect()
}

/// The item field of a list-of-struct kind.
pub fn list_item(children: &'static [Field]) -> ArrowField {
    ArrowField::new("item", DataType::Struct(struct_fields(children)), true)
}

/// The Arrow schema of a converted CloudTrail record (without partition columns).
pub fn record_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let mut fields: Vec<ArrowField> = RECORD
                .iter()
                .map(|c| ArrowField::new(c.key.to_ascii_lowercase(), data_type(c.kind), true))
                .collect();
            fields.push(ArrowField::new(COL_EXTRA, DataType::Utf8, true));
            fields.push(ArrowField::new(COL_SOURCE, DataType::Utf8, false));
            fields.push(ArrowField::new(COL_EVENT_BYTES, DataType::Int64, false));
            fields.push(ArrowField::new(COL_RECORD_HASH, DataType::Int64, true));
            Arc::new(Schema::new(fields))
        })
        .clone()
}

/// The schema of the lake's Parquet files: the record schema without [`COL_RECORD_HASH`], which
/// is only needed while converting.
pub fn lake_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let s = record_schema();
            Arc::new(Schema::new(
                s.fields()
                    .iter()
                    .filter(|f| f.name() != COL_RECORD_HASH)
                    .cloned()
                    .collect::<Vec<_>>(),
            ))
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_name_the_right_columns() {
        assert_eq!(RECORD[EVENT_TIME].key, "eventTime");
        assert_eq!(RECORD[AWS_REGION].key, "awsRegion");
        assert_eq!(RECORD[EVENT_ID].key, "eventID");
        assert_eq!(RECORD[RECIPIENT_ACCOUNT_ID].key, "recipientAccountId");
    }

    #[test]
    fn structs_fit_the_decoder() {
        fn check(fields: &[Field]) {
            assert!(fields.len() <= crate::decode::MAX_STRUCT_FIELDS);
            for f in fields {
                if let Kind::Struct(c) | Kind::List(c) = f.kind {
                    check(c);
                }
            }
        }
        for f in RECORD {
            if let Kind::Struct(c) | Kind::List(c) = f.kind {
                check(c);
            }
        }
    }

    #[test]
    fn column_names_are_lowercase_and_unique() {
        let schema = record_schema();
        let mut names: Vec<_> = schema.fields().iter().map(|f| f.name().clone()).collect();
        assert!(names.iter().all(|n| n == &n.to_ascii_lowercase()));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), schema.fields().len());
    }
}
