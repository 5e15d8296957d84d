//! The lake described to other engines: `CREATE EXTERNAL TABLE` for Athena (Glue) and Trino's
//! Hive connector, from the lake's own schema, with partition projection so that neither needs
//! a partition registered per folder. The lake stays plain Hive-partitioned Parquet; this only
//! says so in their dialect.

use arrow_schema::{DataType, Field};

use crate::lake::{Dataset, PARTITION_COLUMNS};
use crate::schema::lake_schema;

/// The engine a statement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DdlEngine {
    /// Amazon Athena (engine v3) with the table in AWS Glue.
    Athena,
    /// Trino's Hive connector (`hive.partition-projection-enabled=true` reads the same
    /// projection properties, from Glue or a metastore).
    Trino,
}

/// What the statement describes.
#[derive(Debug, Clone)]
pub struct DdlTarget<'a> {
    /// The table's name.
    pub table: &'a str,
    /// The lake's root in S3, `s3://bucket/prefix` (no trailing `/`).
    pub root: &'a str,
    pub dataset: Dataset,
    /// The lake's accounts and regions (`unknown` included where the lake has it); the
    /// projection enumerates them.
    pub accounts: &'a [String],
    pub regions: &'a [String],
    /// The first day the lake holds, `yyyy-MM-dd`.
    pub first_day: &'a str,
}

/// The Hive type of a lake column.
pub fn hive_type(t: &DataType) -> String {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 | DataType::UInt32 => "bigint".into(),
        DataType::UInt64 => "decimal(20,0)".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), hive_type(f.data_type())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        DataType::List(item) | DataType::LargeList(item) => {
            format!("array<{}>", hive_type(item.data_type()))
        }
        other => format!("string /* {other} */"),
    }
}

/// A column name as DDL needs it: names starting with `_` (and `date`) in backticks.
fn name(f: &str) -> String {
    if f.starts_with('_') || f == "date" {
        format!("`{f}`")
    } else {
        f.to_string()
    }
}

/// The `CREATE EXTERNAL TABLE` statement.
pub fn create_table(engine: DdlEngine, t: &DdlTarget) -> String {
    let schema = lake_schema();
    let columns: Vec<String> = schema
        .fields()
        .iter()
        .map(|f: &std::sync::Arc<Field>| {
            format!("  {} {}", name(f.name()), hive_type(f.data_type()))
        })
        .collect();
    let location = format!("{}/{}", t.root.trim_end_matches('/'), t.dataset.dir());
    let list = |v: &[String]| v.join(",");
    let dialect_note = match engine {
        DdlEngine::Athena => "-- Athena engine v3; run in the Athena console or `aws athena start-query-execution`.",
        DdlEngine::Trino => "-- Trino Hive connector with hive.partition-projection-enabled=true (and hive.timestamp-precision=MICROSECONDS to keep microseconds).",
    };
    let template = format!(
        "{location}/{}",
        PARTITION_COLUMNS
            .iter()
            .map(|c| format!("{c}=${{{c}}}"))
            .collect::<Vec<_>>()
            .join("/")
    );
    format!(
        "{dialect_note}
-- Rows without an event time are in date=unknown, which the date projection cannot name.
CREATE EXTERNAL TABLE IF NOT EXISTS {table} (
{columns}
)
PARTITIONED BY (account string, region string, `date` string)
STORED AS PARQUET
LOCATION '{location}/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.account.type' = 'enum',
  'projection.account.values' = '{accounts}',
  'projection.region.type' = 'enum',
  'projection.region.values' = '{regions}',
  'projection.date.type' = 'date',
  'projection.date.format' = 'yyyy-MM-dd',
  'projection.date.range' = '{first},NOW',
  'projection.date.interval' = '1',
  'projection.date.interval.unit' = 'DAYS',
  'storage.location.template' = '{template}'
);
",
        table = t.table,
        columns = columns.join(",\n"),
        accounts = list(t.accounts),
        regions = list(t.regions),
        first = t.first_day,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_names() {
        assert_eq!(hive_type(&DataType::Utf8), "string");
        let s = DataType::Struct(
            vec![
                Field::new("arn", DataType::Utf8, true),
                Field::new("n", DataType::Int64, true),
            ]
            .into(),
        );
        assert_eq!(hive_type(&s), "struct<arn:string,n:bigint>");
        let l = DataType::List(std::sync::Arc::new(Field::new("item", s, true)));
        assert_eq!(hive_type(&l), "array<struct<arn:string,n:bigint>>");
        assert_eq!(name("_extra"), "`_extra`");
        assert_eq!(name("eventname"), "eventname");
    }

    #[test]
    fn statement_for_a_lake() {
        let accounts = vec!["111122223333".to_string(), "unknown".to_string()];
        let regions = vec!["us-east-1".to_string()];
        let ddl = create_table(
            DdlEngine::Athena,
            &DdlTarget {
                table: "cloudtrail",
                root: "s3://lake/prefix/",
                dataset: Dataset::Events,
                accounts: &accounts,
                regions: &regions,
                first_day: "2024-07-30",
            },
        );
        assert!(
            ddl.contains("LOCATION 's3://lake/prefix/cloudtrail/'"),
            "{ddl}"
        );
        assert!(ddl.contains("'projection.account.values' = '111122223333,unknown'"));
        assert!(ddl.contains("'projection.date.range' = '2024-07-30,NOW'"));
        assert!(ddl.contains(
            "'storage.location.template' = 's3://lake/prefix/cloudtrail/account=${account}/region=${region}/date=${date}'"
        ));
        assert!(ddl.contains("  eventtime timestamp,"));
        assert!(ddl.contains("  `_extra` string"));
    }
}
