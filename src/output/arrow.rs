//! A run's tables as Arrow data: typed from the CSV text the run writes (so both hold the
//! same values), with each metric's unit and meaning from the catalog, and as Parquet files
//! (`[output] format = ["csv", "parquet"]`). The Python package hands the same Arrow tables
//! to pandas.

use crate::catalog;
use crate::error::{Error, Result};
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The schema metadata key holding, for a table with a `metric` column (summary, comparison),
/// a JSON object from each metric it lists to its unit.
pub const UNITS_KEY: &str = "agora:units";

/// CSV text, as a run writes it, as an Arrow table: a column whose every cell is a whole
/// number is `int64`, else one whose every cell is a number is `float64`, else `utf8`; an
/// empty cell is null (a column of empty cells is `float64`, as pandas reads one). A column
/// named after a metric carries its `unit` and `about` as field metadata; a `metric` column
/// puts the units of the metrics it names in the schema's metadata under [`UNITS_KEY`].
pub fn csv_table(text: &[u8]) -> Result<RecordBatch> {
    let bad = |e: String| Error::Run(format!("internal: a table does not read back as CSV: {e}"));
    let mut reader = csv::ReaderBuilder::new().from_reader(text);
    let headers: Vec<String> = reader.headers().map_err(|e| bad(e.to_string()))?.iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> =
        reader.records().collect::<std::result::Result<_, _>>().map_err(|e| bad(e.to_string()))?;
    let mut fields = Vec::with_capacity(headers.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(headers.len());
    let mut units = BTreeMap::new();
    for (j, name) in headers.iter().enumerate() {
        let cells: Vec<Option<&str>> = rows.iter().map(|r| r.get(j).filter(|c| !c.is_empty())).collect();
        let present = || cells.iter().flatten();
        let (array, kind): (ArrayRef, DataType) =
            if present().next().is_some() && present().all(|c| c.parse::<i64>().is_ok()) {
                let values: Int64Array = cells.iter().map(|c| c.and_then(|c| c.parse().ok())).collect();
                (Arc::new(values), DataType::Int64)
            } else if present().all(|c| c.parse::<f64>().is_ok()) {
                let values: Float64Array = cells.iter().map(|c| c.and_then(|c| c.parse().ok())).collect();
                (Arc::new(values), DataType::Float64)
            } else {
                let values: StringArray = cells.iter().copied().collect();
                (Arc::new(values), DataType::Utf8)
            };
        let mut field = Field::new(name, kind, true);
        if let Some(m) = catalog::find(name) {
            let meta = [("unit".to_string(), m.unit.to_string()), ("about".to_string(), m.about.to_string())];
            field = field.with_metadata(HashMap::from(meta));
        }
        if name == "metric" {
            for m in present().filter_map(|c| catalog::find(c)) {
                units.insert(m.name, m.unit);
            }
        }
        fields.push(field);
        columns.push(array);
    }
    let mut schema = Schema::new(fields);
    if !units.is_empty() {
        let json = serde_json::to_string(&units).map_err(|e| bad(e.to_string()))?;
        schema = schema.with_metadata(HashMap::from([(UNITS_KEY.to_string(), json)]));
    }
    RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| bad(e.to_string()))
}

/// A table as a Parquet file (Snappy-compressed), in memory. Arrow readers find the schema,
/// metadata and all, in the Arrow schema the writer embeds; the schema's metadata (the units
/// under [`UNITS_KEY`]) also goes into the file's own key-value metadata, for readers that
/// know Parquet but not Arrow.
pub fn parquet_bytes(table: &RecordBatch) -> Result<Vec<u8>> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;
    let failed = |e: parquet::errors::ParquetError| Error::Run(format!("writing Parquet: {e}"));
    let schema = table.schema();
    let mut pairs: Vec<(&String, &String)> = schema.metadata().iter().collect();
    pairs.sort();
    let pairs: Vec<KeyValue> = pairs.into_iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect();
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata((!pairs.is_empty()).then_some(pairs))
        .build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, table.schema(), Some(props)).map_err(failed)?;
    writer.write(table).map_err(failed)?;
    writer.close().map_err(failed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn columns_are_typed_by_their_cells_and_metrics_carry_units() {
        let t = csv_table(b"regime,step,needs_met_mean,empty,mixed\nmarket,0,1.5,,a\ngift,1,,,2\n").unwrap();
        let kinds: Vec<DataType> = t.schema().fields().iter().map(|f| f.data_type().clone()).collect();
        assert_eq!(kinds, [DataType::Utf8, DataType::Int64, DataType::Float64, DataType::Float64, DataType::Utf8]);
        assert!(t.column(2).is_null(1) && t.column(3).is_null(0) && !t.column(4).is_null(1));
        let unit = t.schema().field(2).metadata().get("unit").cloned();
        assert_eq!(unit.as_deref(), catalog::find("needs_met_mean").map(|m| m.unit));
        assert!(t.schema().field(1).metadata().is_empty());
        let long = csv_table(b"regime,metric,mean\nmarket,needs_met_mean,0.5\nmarket,nonsense,1\n").unwrap();
        let units: BTreeMap<String, String> = serde_json::from_str(&long.schema().metadata()[UNITS_KEY]).unwrap();
        assert_eq!(units.keys().collect::<Vec<_>>(), ["needs_met_mean"]);
    }

    #[test]
    fn parquet_reads_back_the_same_table() {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        use std::io::{Seek, Write};
        let t = csv_table(b"regime,metric,step,needs_met_mean\nmarket,needs_met_mean,0,1.5\ngift,x,1,\n").unwrap();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&parquet_bytes(&t).unwrap()).unwrap();
        file.rewind().unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let theirs = builder.schema().clone();
        let pairs = builder.metadata().file_metadata().key_value_metadata().cloned().unwrap_or_default();
        assert!(pairs.iter().any(|p| p.key == UNITS_KEY), "the units are in the file's own metadata");
        let back: Vec<RecordBatch> = builder.build().unwrap().map(|b| b.unwrap()).collect();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].columns(), t.columns(), "the values survive the file");
        let ours = t.schema();
        assert_eq!(theirs.fields(), ours.fields(), "types and each metric's unit survive the file");
        assert_eq!(theirs.metadata().get(UNITS_KEY), ours.metadata().get(UNITS_KEY));
    }
}
