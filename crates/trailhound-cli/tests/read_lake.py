"""Independent reader: reads a trailhound lake with pyarrow (Hive partitioning) and prints, as
JSON, the row count per partition, the total, and a few facts about the files."""
import json
import sys

import pyarrow.dataset as ds
import pyarrow.parquet as pq

lake = sys.argv[1]
dataset = ds.dataset(f"{lake}/cloudtrail", format="parquet", partitioning="hive")
table = dataset.to_table(columns=["account", "region", "date", "eventid", "eventtime", "useridentity"])
counts = {}
for acc, reg, date in zip(table["account"].to_pylist(), table["region"].to_pylist(), table["date"].to_pylist()):
    key = f"{acc}/{reg}/{date}"
    counts[key] = counts.get(key, 0) + 1
first = dataset.files[0]
meta = pq.ParquetFile(first).metadata
col = meta.row_group(0).column(meta.schema.names.index("eventtime"))
ids = meta.row_group(0).column(meta.schema.names.index("eventid"))
print(json.dumps({
    "total": table.num_rows,
    "partitions": counts,
    "compression": col.compression,
    "id_compression": ids.compression,
    "eventtime_type": str(table.schema.field("eventtime").type),
    "has_time_stats": col.statistics is not None and col.statistics.has_min_max,
    "arns": sum(1 for u in table["useridentity"].to_pylist() if u and u.get("arn") is not None),
}))
