//! The chunked reader against the row path's reader (`csv_file::CsvRecords`, over the `csv`
//! crate): generated files with quoted fields holding commas, quotes and line breaks, CRLF or LF,
//! blank lines, a BOM, multi-byte text, rows of another length and stray quotes, read in blocks
//! of a few bytes (so chunks end everywhere) on 1–3 threads, give the same records with the
//! same lines — or `None` (the row path reads the file), never something else; and well-formed
//! files are always taken.

use super::*;
use crate::load::csv_file::CsvRecords;
use crate::load::records::{Next, Records};
use proptest::prelude::*;

/// A file's header and each record's line and cells (`None`: not read).
type Read = Option<(Vec<String>, Vec<(u64, Vec<String>)>)>;

/// The row path's reading: each record's line and cells, or `None` when it has a bad row.
fn oracle(bytes: &[u8]) -> Read {
    let mut r = CsvRecords::new(Box::new(std::io::Cursor::new(bytes.to_vec())), "t.csv".into(), 1 << 20).ok()?;
    let mut rows = Vec::new();
    let mut header = None;
    loop {
        match r.next_record().ok()? {
            Next::End => break,
            Next::Bad(_) => return None,
            Next::Row(line, rec) => {
                let h = rec.header()?;
                header.get_or_insert_with(|| h.names().to_vec());
                rows.push((line, (0..h.names().len()).map(|i| rec.cell_at(i).unwrap_or("").to_string()).collect()));
            }
        }
    }
    Some((header?, rows))
}

fn chunked(bytes: &[u8], block: usize, threads: usize) -> Read {
    let header = std::sync::Mutex::new(Vec::new());
    let n = std::sync::OnceLock::new();
    let new = Vec::new;
    let row = |v: &mut Vec<Vec<String>>, f: &Fields| {
        (Some(&f.len()) == n.get()).then(|| v.push((0..f.len()).map(|i| f.get(i).unwrap_or("").to_string()).collect()))
    };
    let mut names = |h: Vec<String>| {
        n.set(h.len()).ok()?;
        *header.lock().ok()? = h;
        Some(())
    };
    let mut rows = Vec::new();
    let mut each = |p: Part<Vec<Vec<String>>>| {
        assert_eq!(p.lines.len(), p.out.len());
        rows.extend(p.lines.into_iter().zip(p.out));
        Some(())
    };
    let counted = AtomicU64::new(0);
    let input = Box::new(std::io::Cursor::new(bytes.to_vec()));
    let how = How { block, max_line: 1 << 20, threads, lines: true, counted: &counted };
    let kept = read_parts(input, how, &mut names, Decoder { new: &new, row: &row, done: &|_, _| Some(()) }, &mut each)?;
    assert_eq!(kept as usize, rows.len());
    assert_eq!(counted.load(Relaxed) as usize, bytes.len());
    let header = header.into_inner().ok()?;
    Some((header, rows))
}

/// A field as written: bare when it can be, else quoted with its quotes doubled (or, when
/// `stray`, with a quote left bare in the middle of a bare field).
fn field(text: &str, quote: bool, stray: bool) -> String {
    if stray {
        return format!("x\"{}", text.replace([',', '\n', '\r', '"'], ""));
    }
    if quote || text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

const PIECES: [&str; 9] = ["a", "bc", " ", ",", "\"", "\n", "\r\n", "é", "2025-01-02"];

/// (header width, rows of (pieces, quote) per field, CRLF, BOM, blank lines after rows, bad
/// row, stray quote, trailing newline)
type File = (usize, Vec<Vec<(Vec<u8>, bool)>>, bool, bool, Vec<u8>, Option<usize>, Option<usize>, bool);

fn file() -> impl Strategy<Value = File> {
    (1usize..5).prop_flat_map(|w| {
        (
            Just(w),
            proptest::collection::vec(proptest::collection::vec((proptest::collection::vec(0u8..9, 0..4), any::<bool>()), w), 0..25),
            any::<bool>(),
            any::<bool>(),
            proptest::collection::vec(prop_oneof![6 => Just(0u8), 1 => 1u8..3], 25),
            proptest::option::weighted(0.1, 0usize..25),
            proptest::option::weighted(0.1, 0usize..25),
            any::<bool>(),
        )
    })
}

fn render(f: &File) -> (Vec<u8>, bool) {
    let (w, rows, crlf, bom, blanks, bad, stray, trailing) = f;
    let nl = if *crlf { "\r\n" } else { "\n" };
    let mut s = String::new();
    if *bom {
        s.push('\u{feff}');
    }
    s.push_str(&(0..*w).map(|i| format!("c{i}")).collect::<Vec<_>>().join(","));
    let mut clean = true;
    for (r, row) in rows.iter().enumerate() {
        s.push_str(nl);
        let mut cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, (p, q))| {
                let text: String = p.iter().map(|&i| PIECES[i as usize]).collect();
                field(&text, *q, *stray == Some(r) && c == 0)
            })
            .collect();
        if *bad == Some(r) {
            cells.push("extra".into());
        }
        // A row whose only field is empty is a blank line: keep the file's meaning simple.
        if cells.len() == 1 && cells[0].trim().is_empty() {
            cells[0] = "z".into();
        }
        s.push_str(&cells.join(","));
        for _ in 0..blanks[r % blanks.len()] {
            s.push_str(nl);
        }
        clean &= *stray != Some(r);
    }
    if *trailing {
        s.push_str(nl);
    }
    (s.into_bytes(), clean)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn chunks_read_as_the_row_path_reads(f in file(), block in 1usize..64, threads in 1usize..4) {
        let (bytes, clean) = render(&f);
        let want = oracle(&bytes);
        let got = chunked(&bytes, block, threads);
        match &got {
            // No row: the loader leaves the file to the row path.
            Some(g) if g.1.is_empty() => prop_assert!(want.is_none(), "{:?}", String::from_utf8_lossy(&bytes)),
            Some(g) => prop_assert_eq!(Some(g), want.as_ref(), "{:?}", String::from_utf8_lossy(&bytes)),
            // Taken unless a row is bad, the file has no row, or a stray quote hides a boundary.
            None => prop_assert!(want.is_none() || !clean || want.as_ref().is_some_and(|w| w.1.is_empty()), "{:?}", String::from_utf8_lossy(&bytes)),
        }
    }
}

#[test]
fn a_blank_field_alone_is_a_row_when_the_header_has_one_column() {
    let text = b"c0\n\"\n\"";
    let got = chunked(text, 1 << 20, 1);
    assert_eq!(got, oracle(text));
    assert_eq!(got.map(|r| r.1.len()), Some(1));
}

#[test]
fn a_file_in_one_block_and_in_many_is_the_same() {
    let text = "\u{feff}a,b\r\n1,\"x,\ny\"\r\n\r\n\r\n2,\"q\"\"\"\r\n3,4";
    let whole = chunked(text.as_bytes(), 1 << 20, 2);
    assert_eq!(whole, oracle(text.as_bytes()));
    assert_eq!(whole.as_ref().map(|w| w.1.len()), Some(3));
    for block in 1..text.len() {
        assert_eq!(chunked(text.as_bytes(), block, 2), whole, "block {block}");
    }
}

/// `csv-core`'s first record of `bytes`: the bytes it read and its fields (`None`: no record).
fn core_record(bytes: &[u8]) -> Option<(usize, Vec<Vec<u8>>)> {
    let mut rdr = Reader::new();
    let (mut out, mut ends) = (vec![0u8; 256], vec![0usize; 256]);
    let (res, nin, _, nend) = rdr.read_record(bytes, &mut out, &mut ends);
    (res == ReadRecordResult::Record).then(|| {
        let mut bounds = Vec::new();
        bounds_of(&ends[..nend], &mut bounds);
        (nin, bounds.iter().map(|&(s, e)| out[s..e].to_vec()).collect())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn a_plain_record_is_split_as_csv_core_splits_it(
        bytes in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b'x')], 0..40),
        from in 0usize..4,
    ) {
        let mut bounds = Vec::new();
        if let Some(end) = plain(&bytes, from, &mut bounds) {
            let mine: Vec<Vec<u8>> = bounds.iter().map(|&(s, e)| bytes[s..e].to_vec()).collect();
            prop_assert_eq!(core_record(&bytes[from..]), Some((end - from, mine)), "{:?}", String::from_utf8_lossy(&bytes));
        }
    }
}

#[test]
fn an_export_s_records_are_plain() {
    let text = b"\r\n\"D0\",P1,2025-01-02,\"x,\ny\",,\"\"\r\n\"D1\",P2,,\"q\",7,\n";
    let mut bounds = Vec::new();
    let end = plain(text, 0, &mut bounds).expect("plain");
    assert_eq!(Some((end, bounds.iter().map(|&(s, e)| text[s..e].to_vec()).collect())), core_record(text));
    assert_eq!(bounds.len(), 6);
    assert!(plain(text, end, &mut bounds).is_some_and(|e| e == text.len()));
    // a doubled quote, text after a closing quote, a record the input cuts: csv-core's
    for other in [&b"\"a\"\"b\",c\n"[..], b"\"a\"b,c\n", b"a,b", b"a,\"b"] {
        assert_eq!(plain(other, 0, &mut bounds), None, "{:?}", String::from_utf8_lossy(other));
    }
}

#[test]
fn quotes_are_counted_eight_bytes_at_a_time() {
    for text in ["", "\"", "ab\"cdefgh\"ij\"", "\"\"\"\"\"\"\"\"\"", "é\"x\"y\"zzzzzzzzzzzzzzzzzzzzzzz"] {
        assert_eq!(odd_quotes(text.as_bytes()), text.matches('"').count() % 2 == 1, "{text:?}");
    }
}
