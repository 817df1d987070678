//! Tests of `parquet_file.rs`: row ranges across row groups, the typed layout (dictionaries,
//! id views), and positional reads of a shared file.

use super::*;
use arrow_array::{Array, ArrayRef, StringArray};

/// Ten rows in row groups of 4, 4 and 2: `id` ("r0" …, stored plain) and `partner` (one
/// of three texts, stored as a dictionary); read back as the typed shortcut reads a file
/// whose ids are in column `id_column`.
fn ten_rows(dir: &str, id_column: Option<&str>) -> (std::path::PathBuf, ParquetBatches) {
    use parquet::file::properties::WriterProperties;
    let path = std::env::temp_dir().join(format!("ckpi-{dir}-{}", std::process::id()));
    let texts: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
    let partners: Vec<&str> = (0..10).map(|i| ["P1", "P2", " P3 "][i % 3]).collect();
    let b = RecordBatch::try_from_iter([
        ("id", std::sync::Arc::new(StringArray::from(texts)) as ArrayRef),
        ("partner", std::sync::Arc::new(StringArray::from(partners)) as ArrayRef),
    ])
    .unwrap();
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(4)).set_column_dictionary_enabled("id".into(), false).build();
    let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), b.schema(), Some(props)).unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    let (cols, total, batches) = file_batches(&std::fs::File::open(&path).unwrap(), "ten.parquet".into(), None, id_column).unwrap();
    assert_eq!((cols, total), (vec!["id".to_string(), "partner".into()], 10));
    (path, batches)
}

/// The texts of column `name` of `batches`, in order.
fn texts(batches: ParquetBatches, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let b = b.unwrap();
        let s = crate::arrow::Strs::of(b.column_by_name(name).unwrap()).unwrap();
        out.extend((0..b.num_rows()).map(|i| s.get(i).unwrap().to_string()));
    }
    out
}

#[test]
fn ranges_read_just_their_rows_across_row_groups() {
    let (path, batches) = ten_rows("ranges", None);
    let rows = batches.rows();
    let r = |v: &[u32]| v.iter().map(|i| format!("r{i}")).collect::<Vec<_>>();
    assert_eq!(texts(rows.ranges(vec![1..3, 4..5, 7..10]), "id"), r(&[1, 2, 4, 7, 8, 9]));
    assert_eq!(texts(rows.ranges(vec![0..2, 2..4, 9..10]), "id"), r(&[0, 1, 2, 3, 9]), "adjacent ranges");
    assert_eq!(texts(rows.only(3..9), "id"), r(&[3, 4, 5, 6, 7, 8]));
    assert_eq!(texts(rows.only(5..6), "id"), r(&[5]));
    assert!(texts(rows.ranges(Vec::new()), "id").is_empty());
    assert_eq!(texts(batches, "id"), r(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_text_column_stored_as_a_dictionary_is_read_as_one_with_the_same_texts() {
    let (path, batches) = ten_rows("dictionaries", None);
    let rows = batches.rows();
    let b = rows.only(0..10).next().unwrap().unwrap();
    assert!(matches!(b.column_by_name("partner").unwrap().data_type(), DataType::Dictionary(..)));
    assert_eq!(b.column_by_name("id").unwrap().data_type(), &DataType::Utf8, "stored plain, not the ids: read as before");
    let partners: Vec<String> = (0..10).map(|i| ["P1", "P2", " P3 "][i % 3].to_string()).collect();
    assert_eq!(texts(batches, "partner"), partners);
    assert_eq!(texts(rows.ranges(vec![2..3, 8..10]), "partner"), [" P3 ", " P3 ", "P1"]);
    let meta = ArrowReaderMetadata::load(&std::fs::File::open(&path).unwrap(), ArrowReaderOptions::new()).unwrap();
    assert_eq!(meta.schema().field(1).data_type(), &DataType::Utf8);
    assert!(typed_layout(meta, None).schema().field(1).data_type() != &DataType::Utf8);
    let _ = std::fs::remove_file(&path);
}

/// The id column, stored plain, is read as string views with the same texts, in any rows;
/// a text column stored as a dictionary stays one even when named the id column.
#[test]
fn the_id_column_stored_plain_is_read_as_views_with_the_same_texts() {
    let (path, batches) = ten_rows("views", Some("id"));
    let rows = batches.rows();
    let b = rows.only(0..10).next().unwrap().unwrap();
    assert_eq!(b.column_by_name("id").unwrap().data_type(), &DataType::Utf8View);
    assert!(matches!(b.column_by_name("partner").unwrap().data_type(), DataType::Dictionary(..)));
    assert_eq!(texts(batches, "id"), (0..10).map(|i| format!("r{i}")).collect::<Vec<_>>());
    assert_eq!(texts(rows.ranges(vec![2..3, 8..10]), "id"), ["r2", "r8", "r9"]);
    let meta = ArrowReaderMetadata::load(&std::fs::File::open(&path).unwrap(), ArrowReaderOptions::new()).unwrap();
    assert!(matches!(typed_layout(meta, Some("partner")).schema().field(1).data_type(), DataType::Dictionary(..)));
    let _ = std::fs::remove_file(&path);
}

/// Two threads reading one shared file at their own positions get their own bytes (through
/// the handle's shared cursor they read each other's).
#[test]
fn threads_read_a_shared_file_at_their_own_positions() {
    let path = std::env::temp_dir().join(format!("ckpi-shared-file-{}", std::process::id()));
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    let file = SharedFile(std::sync::Arc::new(std::fs::File::open(&path).unwrap()));
    std::thread::scope(|s| {
        for t in 0..2u64 {
            let (file, data) = (file.clone(), &data);
            s.spawn(move || {
                for k in 0..2_000u64 {
                    let start = (k * 7_919 + t * 500_000) % 990_000;
                    assert_eq!(&file.get_bytes(start, 4_096).unwrap()[..], &data[start as usize..start as usize + 4_096]);
                    let mut r = file.get_read(start).unwrap();
                    let mut b = [0u8; 64];
                    r.read_exact(&mut b).unwrap();
                    assert_eq!(&b[..], &data[start as usize..start as usize + 64]);
                }
            });
        }
    });
    let _ = std::fs::remove_file(&path);
}
