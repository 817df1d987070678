//! Builders shared by the integration tests.
#![allow(dead_code)]

use channel_kpi::*;
use chrono::NaiveDate;

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn usd(a: &str) -> Money {
    format!("{a} USD").parse().unwrap()
}

/// A closed deal: `status` won/lost, created on `created`, closed on `closed`.
pub fn closed(id: &str, partner: Option<&str>, status: DealStatus, created: &str, closed: &str, amount: &str) -> Deal {
    let mut d = Deal::new(id, day(created), status);
    d.partner_id = partner.map(Into::into);
    d.closed_on = Some(day(closed));
    d.amount = Some(usd(amount));
    d
}

pub fn open(id: &str, partner: Option<&str>, created: &str, amount: &str) -> Deal {
    let mut d = Deal::new(id, day(created), DealStatus::Open);
    d.partner_id = partner.map(Into::into);
    d.amount = Some(usd(amount));
    d
}

pub fn dataset(deals: Vec<Deal>) -> Dataset {
    let mut ds = Dataset { deals: deals.into(), ..Default::default() };
    ds.validate().unwrap();
    ds
}

pub fn f(t: &ResultTable, key: &[Option<&str>], col: &str) -> Option<f64> {
    t.get(key, col).and_then(|v| v.as_f64())
}

pub fn dec(t: &ResultTable, key: &[Option<&str>], col: &str) -> String {
    t.get(key, col).map(|v| v.to_string()).unwrap_or_else(|| "<no row>".into())
}

/// A pipeline definition from `(name, probability)` pairs, in order; stages named `Won` /
/// `Lost` become terminal.
pub fn pipeline_def(stages: &[(&str, &str)]) -> PipelineDef {
    PipelineDef::new(
        stages
            .iter()
            .map(|(n, p)| StageDef { name: n.to_string(), probability: p.parse().unwrap(), qualified: false, outcome: None })
            .collect(),
    )
    .unwrap()
}

/// Sets a deal's stage history from `(stage, entered_on)` pairs.
pub fn with_history(mut d: Deal, entries: &[(&str, &str)]) -> Deal {
    d.stage_history = entries.iter().map(|(s, on)| StageEntry { stage: s.to_string(), entered_on: day(on) }).collect();
    d
}

/// A deal with neither partner nor amount, for stage tests.
pub fn bare(id: &str, status: DealStatus, created: &str, closed: Option<&str>) -> Deal {
    let mut d = Deal::new(id, day(created), status);
    d.closed_on = closed.map(day);
    if status == DealStatus::Won {
        d.amount = Some(usd("1"));
    }
    d
}

/// A lead of `channel` / `source` created on `created`, optionally linked to a deal.
pub fn lead(id: &str, channel: Channel, source: &str, created: &str, deal: Option<&str>) -> Lead {
    let mut l = Lead::new(id, day(created));
    l.channel = Some(channel);
    l.source = Some(source.into());
    l.deal_id = deal.map(Into::into);
    l
}

pub fn spend(channel: Channel, source: &str, on: &str, amount: &str) -> Spend {
    Spend { channel, source: Some(source.into()), spent_on: day(on), amount: usd(amount) }
}

pub fn target(dimension: Dimension, key: Option<&str>, period: &str, amount: &str) -> Target {
    Target { dimension, key: key.map(Into::into), period: Period::parse(period).unwrap(), amount: usd(amount) }
}

/// The row of group `key` at roll-up `level` (first window).
pub fn rolled<'t>(t: &'t ResultTable, level: u64, key: &[Option<&str>], col: &str) -> Option<&'t Value> {
    let g = t.group_columns();
    let l = t.column_index("rollup_level")?;
    let r = (0..t.rows.len()).find(|&r| {
        t.rows[r][l] == Value::count(level)
            && g.iter().zip(key).all(|(&c, k)| match (&t.rows[r][c], k) {
                (Value::Text(s), Some(k)) => s == k,
                (Value::Absent, None) => true,
                _ => false,
            })
    })?;
    t.value(r, col)
}

/// The value of `col` for group `key` in the window starting on `start`.
pub fn in_window<'t>(t: &'t ResultTable, key: &[Option<&str>], start: &str, col: &str) -> Option<&'t Value> {
    let r = t.rows_for(key).into_iter().find(|&r| t.value(r, "period_start") == Some(&Value::Date(day(start))))?;
    t.value(r, col)
}

/// Asserts `v` is a float within 1e-9 of `expected`.
pub fn assert_close(v: Option<&Value>, expected: f64) {
    let x = v.and_then(|v| v.as_f64()).unwrap_or_else(|| panic!("expected {expected}, got {v:?}"));
    assert!((x - expected).abs() < 1e-9, "expected {expected}, got {x}");
}

/// The text form of a value (`""` for absent, `<none>` for no such row or column).
pub fn text(v: Option<&Value>) -> String {
    v.map_or_else(|| "<none>".into(), |v| v.to_string())
}

/// A valid survey answer for property tests: `kind` 0 = CSAT, 1 = NPS, 2 = partner
/// satisfaction; `raw` in 0..=10 is the NPS score as is, or mapped onto 1–5 for the others.
pub fn survey_answer(kind: u8, raw: i64, on: NaiveDate, partner: &str, topic: usize) -> SurveyResponse {
    let kind = [SurveyKind::Csat, SurveyKind::Nps, SurveyKind::PartnerSatisfaction][kind as usize];
    let (scale, score) = if kind == SurveyKind::Nps { (10, raw) } else { (5, 1 + raw % 5) };
    let mut r = SurveyResponse::new(kind, scale, score.into(), on);
    r.partner_id = Some(partner.into());
    r.topic = Some(SurveyTopic::ALL[topic]);
    r
}

/// A fresh directory under the system temp dir (`ckpi-{name}-{pid}`), removed when dropped —
/// also when the test fails, so runs leave nothing behind. Derefs to its path.
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ckpi-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A load's outcome: the dataset and its report, or the error.
pub type Loaded = Result<(Dataset, load::LoadReport)>;

/// A typed reader's load (`fast`) equals the row path's (`slow`): the same deals, leads and surveys, errors, file
/// reports and columns found, and the same result of each of `queries` (grouped by attrs read
/// into columns: as by the row path's) — or the same error.
pub fn same(fast: Loaded, slow: Loaded, queries: &[Query]) -> std::result::Result<(), proptest::test_runner::TestCaseError> {
    use proptest::{prop_assert, prop_assert_eq};
    match (fast, slow) {
        (Ok((a, ra)), Ok((b, rb))) => {
            prop_assert_eq!(&a.deals, &b.deals);
            prop_assert_eq!(&a.leads, &b.leads);
            prop_assert_eq!(&a.subscriptions, &b.subscriptions);
            prop_assert_eq!(format!("{:?}", ra.errors), format!("{:?}", rb.errors));
            prop_assert_eq!(&ra.files, &rb.files);
            prop_assert_eq!(format!("{:?}", ra.columns), format!("{:?}", rb.columns));
            // survey answers by their Debug form: a score's digits too (4.0 is not written 4)
            prop_assert_eq!(format!("{:?}", a.surveys), format!("{:?}", b.surveys));
            for q in queries {
                prop_assert_eq!(format!("{:?}", a.run(q)), format!("{:?}", b.run(q)));
            }
        }
        (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
        (a, b) => prop_assert!(false, "typed {:?} vs row path {:?}", a.map(|x| x.0.deals.len()), b.map(|x| x.0.deals.len())),
    }
    Ok(())
}

/// `batches` as an in-memory table of `kind` called `name`, loaded with the sources `before`
/// (deals, reference data) through `mapping`.
#[cfg(feature = "arrow")]
#[allow(clippy::result_large_err)]
pub fn load_table(
    kind: channel_kpi::load::RecordKind,
    name: &str,
    batches: &[arrow_array::RecordBatch],
    mut before: Vec<channel_kpi::load::Source>,
    mapping: &channel_kpi::load::Mapping,
    opts: &channel_kpi::load::LoadOptions,
) -> Loaded {
    let b: Vec<_> = batches.iter().cloned().map(Ok).collect();
    before.push(channel_kpi::load::Source::from_arrow(kind, name, Box::new(b.into_iter())));
    channel_kpi::arrow::load_tables(before, mapping, opts)
}

/// The same rows written as the Parquet file `name.parquet` (row groups of `group` rows) and
/// loaded from disk with the sources `before`.
#[cfg(feature = "parquet")]
#[allow(clippy::result_large_err)]
pub fn load_parquet_table(
    (kind, name): (channel_kpi::load::RecordKind, &str),
    batches: &[arrow_array::RecordBatch],
    group: usize,
    mut before: Vec<channel_kpi::load::Source>,
    mapping: &channel_kpi::load::Mapping,
    opts: &channel_kpi::load::LoadOptions,
) -> Loaded {
    let dir = Scratch::new(&format!("typed-{name}"));
    let path = dir.join(format!("{name}.parquet"));
    write_parquet(&path, batches, group);
    before.push(channel_kpi::load::Source::open(kind, &path).unwrap());
    channel_kpi::load::load_sources(before, mapping, opts)
}

/// Writes `batches` to `path` as one Parquet file with row groups of `group` rows; for an odd
/// `group`, without dictionaries (every column stored plain, as a writer stores unique ids: the
/// typed readers then read the id column as string views).
#[cfg(feature = "parquet")]
pub fn write_parquet(path: &std::path::Path, batches: &[arrow_array::RecordBatch], group: usize) {
    use parquet::file::properties::WriterProperties;
    let props =
        WriterProperties::builder().set_max_row_group_row_count(Some(group.max(1))).set_dictionary_enabled(group.is_multiple_of(2)).build();
    let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batches[0].schema(), Some(props)).unwrap();
    batches.iter().for_each(|b| w.write(b).unwrap());
    w.close().unwrap();
}

/// A text column of `v`, dictionary-encoded when `dictionary` (the typed readers' tests).
#[cfg(feature = "arrow")]
pub fn text_column(v: Vec<Option<String>>, dictionary: bool) -> arrow_array::ArrayRef {
    use arrow_array::builder::StringDictionaryBuilder;
    use arrow_array::types::Int32Type;
    if dictionary {
        let mut b = StringDictionaryBuilder::<Int32Type>::new();
        v.iter().for_each(|x| b.append_option(x.as_deref()));
        std::sync::Arc::new(b.finish())
    } else {
        std::sync::Arc::new(arrow_array::StringArray::from(v))
    }
}

/// `batches` with each column renamed by `rename` (an export naming the canonical columns its
/// own way).
#[cfg(feature = "arrow")]
pub fn renamed(batches: &[arrow_array::RecordBatch], rename: impl Fn(&str) -> String) -> Vec<arrow_array::RecordBatch> {
    use arrow_schema::{Field, Schema};
    batches
        .iter()
        .map(|b| {
            let fields: Vec<Field> = b.schema().fields().iter().map(|f| f.as_ref().clone().with_name(rename(f.name()))).collect();
            arrow_array::RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), b.columns().to_vec()).unwrap()
        })
        .collect()
}

/// The proptests of a typed reader's test file: its shortcut against the row path (the
/// oracle) on random tables — whole, with one bad row of each kind (`troubles`), through a
/// mapping, and as a Parquet file. The file defines `gen_row()`, `table(&rows, dictionary,
/// batches)`, `one_trouble(rows, trouble, at)`, `mapped(&batches, variant)`,
/// `load_as(&batches, &mapping, collect, row_path_only)`, `load_parquet(&batches, group,
/// &mapping, collect, row_path_only)` and `same(fast, slow)`.
#[allow(unused_macros)]
macro_rules! typed_reader_proptests {
    (troubles: $troubles:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

            #[test]
            fn shortcut_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), dictionary: bool, batches in 1usize..4, collect: bool) {
                let t = table(&rows, dictionary, batches);
                same(load_as(&t, &Mapping::default(), collect, false), load_as(&t, &Mapping::default(), collect, true))?;
            }

            /// Each kind of bad row alone among clean ones: the shortcut gives it to the row path.
            #[test]
            fn one_bad_row_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..40), trouble in $troubles, at: usize, dictionary: bool, collect: bool) {
                let t = table(&one_trouble(rows, trouble, at), dictionary, 2);
                same(load_as(&t, &Mapping::default(), collect, false), load_as(&t, &Mapping::default(), collect, true))?;
            }

            #[test]
            fn mapped_shortcut_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..40), clean: bool, variant in 0u8..6, dictionary: bool, collect: bool) {
                let rows = if clean { one_trouble(rows, 0, 0) } else { rows };
                let (t, m) = mapped(&table(&rows, dictionary, 2), variant);
                same(load_as(&t, &m, collect, false), load_as(&t, &m, collect, true))?;
            }
        }

        #[cfg(feature = "parquet")]
        proptest! {
            #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

            #[test]
            fn parquet_shortcut_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), clean: bool, group in 1usize..40, variant in 0u8..6, collect: bool) {
                let rows = if clean { one_trouble(rows, 0, 0) } else { rows };
                let (t, m) = mapped(&table(&rows, false, 1), variant);
                same(load_parquet(&t, group, &m, collect, false), load_parquet(&t, group, &m, collect, true))?;
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use typed_reader_proptests;

/// Reference data of four partners P0 … P3: the even ones gold, EMEA and APAC alternating.
pub fn four_partners() -> Reference {
    let mut r = Reference::default();
    for p in 0..4 {
        let mut partner = Partner::new(format!("P{p}"));
        partner.tier = (p % 2 == 0).then(|| "gold".to_string());
        partner.region = Some(["EMEA", "APAC"][p % 2].to_string());
        r.partners.insert(partner.id.clone(), partner);
    }
    r
}

/// One query through `load::run_tables` (folded as the tables are read) and through a whole
/// load of the same tables then `run_checked`: the same result, files and bad rows, or the same
/// error. Whether `run_tables` folded as it read (`None`: both gave an error).
#[cfg(feature = "parquet")]
#[allow(clippy::result_large_err)] // the whole load's `Result` of the crate's error
pub fn streamed_equals_whole(
    sources: impl Fn() -> Vec<channel_kpi::load::Source>,
    mapping: &channel_kpi::load::Mapping,
    opts: &channel_kpi::load::LoadOptions,
    q: &Query,
) -> std::result::Result<Option<bool>, proptest::test_runner::TestCaseError> {
    use proptest::{prop_assert, prop_assert_eq};
    let streamed = channel_kpi::load::run_tables(sources(), mapping, opts, q);
    let whole = channel_kpi::arrow::load_tables(sources(), mapping, opts).and_then(|(d, r)| Ok((d.run_checked(q)?, r)));
    match (streamed, whole) {
        (Ok((a, ra)), Ok((b, rb))) => {
            prop_assert_eq!(a, b);
            prop_assert_eq!(&ra.files, &rb.files);
            let text = |e: &[channel_kpi::Error]| e.iter().map(|e| e.to_string()).collect::<Vec<_>>();
            prop_assert_eq!(text(&ra.errors), text(&rb.errors));
            Ok(Some(ra.streamed))
        }
        (Err(a), Err(b)) => {
            prop_assert_eq!(a.to_string(), b.to_string());
            Ok(None)
        }
        (a, b) => {
            prop_assert!(false, "run_tables {:?} vs whole load {:?}", a.map(|x| x.0.rows.len()), b.map(|x| x.0.rows.len()));
            unreachable!()
        }
    }
}
