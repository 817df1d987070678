//! The usual JSON Lines record read by hand: one flat object whose keys and strings have no
//! escapes, its values strings, numbers, `true`, `false` or `null` — what a CRM export writes.
//! [`entries`] walks such a line byte by byte and hands out each key with its raw value text,
//! exactly the slices `serde_json` gives the row path's reader (a [`RawValue`] per value); any
//! other line (an escape, a nested value, a syntax error, text after the object) gives `None`
//! and is read by `serde_json` (`json_line.rs`), which accepts or refuses it as the row path
//! does. About 6 instructions a byte where the `serde_json` walk took about 25.
//!
//! [`RawValue`]: serde_json::value::RawValue

/// Calls `put(key, raw)` for each entry of the object on `line`, in order: `raw` a string with
/// its quotes, a number, `true`, `false` or `null`, as written. `None` (after maybe some calls)
/// when the line is not such an object, or `put` says `None`.
///
/// ```text
/// {"deal_id":"D0","amount":177.08,"closed_on":null}   →  ("deal_id", "\"D0\""), ("amount", "177.08"), ("closed_on", "null")
/// {"note":"a\"b"}                                      →  None (an escape: serde_json's)
/// ```
pub(super) fn entries<'l>(line: &'l str, mut put: impl FnMut(&'l str, &'l str) -> Option<()>) -> Option<()> {
    let b = line.as_bytes();
    let mut i = skip_ws(b, 0);
    (b.get(i) == Some(&b'{')).then_some(())?;
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(());
    }
    loop {
        // "key"
        let end = string_end(b, i)?;
        let key = &line[i + 1..end - 1];
        i = skip_ws(b, end);
        (b.get(i) == Some(&b':')).then_some(())?;
        i = skip_ws(b, i + 1);
        // value
        let end = match *b.get(i)? {
            b'"' => string_end(b, i)?,
            b'n' => literal(b, i, b"null")?,
            b't' => literal(b, i, b"true")?,
            b'f' => literal(b, i, b"false")?,
            _ => number_end(b, i)?,
        };
        put(key, &line[i..end])?;
        i = skip_ws(b, end);
        match *b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return (skip_ws(b, i + 1) == b.len()).then_some(()),
            _ => return None,
        }
    }
}

/// The first byte at or after `i` that is not JSON whitespace.
#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// The end (past the closing quote) of the string opening at `i`; `None` when it is no string,
/// or has an escape or a control character (which `serde_json` reads or refuses).
///
/// Eight bytes a step while eight remain: the first quote, backslash or control byte of a
/// word found by the usual zero-byte test on it (exact for the lowest flagged byte).
#[inline]
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    (b.get(i) == Some(&b'"')).then_some(())?;
    let mut j = i + 1;
    while let Some(w) = b.get(j..).and_then(|r| r.first_chunk::<8>()) {
        let v = u64::from_le_bytes(*w);
        let zero = |x: u64| x.wrapping_sub(ONES) & !x;
        let special = (zero(v ^ (ONES * u64::from(b'"'))) | zero(v ^ (ONES * u64::from(b'\\'))) | v.wrapping_sub(ONES * 0x20) & !v) & HIGH;
        if special != 0 {
            j += special.trailing_zeros() as usize / 8;
            return (b[j] == b'"').then_some(j + 1);
        }
        j += 8;
    }
    loop {
        match *b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' | 0..0x20 => return None,
            _ => j += 1,
        }
    }
}

/// The end of the literal `word` at `i`, when it is there.
#[inline]
fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    b[i..].starts_with(word).then_some(i + word.len())
}

/// The end of the JSON number at `i`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`;
/// `None` when there is none (then `serde_json` says what is wrong).
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match *b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i)?,
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        i = digits(i + 1)?;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        i = digits(i)?;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::entries;
    use serde::de::{Deserializer, MapAccess, Visitor};
    use serde_json::value::RawValue;

    /// The entries `serde_json` gives (keys without escapes), `None` where it fails.
    fn by_serde(line: &str) -> Option<Vec<(String, String)>> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    let raw: &RawValue = m.next_value()?;
                    out.push((k, raw.get().to_string()));
                }
                Ok(out)
            }
        }
        let mut de = serde_json::Deserializer::from_str(line);
        let v = de.deserialize_map(V).ok()?;
        de.end().ok()?;
        Some(v)
    }

    fn by_hand(line: &str) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        entries(line, |k, v| {
            out.push((k.to_string(), v.to_string()));
            Some(())
        })?;
        Some(out)
    }

    #[test]
    fn every_line_read_by_hand_is_read_so_by_serde_json() {
        let lines = [
            r#"{"deal_id":"D0","partner_id":"P1601","amount":"177.08","closed_on":null,"won":true,"n":-0.5e+3}"#,
            " { \"a\" : 1 ,\t\"b\":false } \r",
            "{}",
            " {  } ",
            r#"{"a":"é ü 日本"}"#,
            r#"{"a":0,"b":12,"c":1.25,"d":1E5,"e":-7}"#,
            r#"{"a":""}"#,
        ];
        for l in lines {
            let hand = by_hand(l);
            assert!(hand.is_some(), "{l}: read by hand");
            assert_eq!(hand, by_serde(l), "{l}");
        }
    }

    #[test]
    fn what_it_does_not_read_is_left_to_serde_json() {
        // escapes, nesting, bad numbers and literals, text after the object, not an object
        for l in [
            r#"{"a":"x\"y"}"#,
            r#"{"a\u0041":1}"#,
            "{\"a\":\"\t\"}",
            r#"{"a":[1]}"#,
            r#"{"a":{}}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":nul}"#,
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"{"a" 1}"#,
            r#"[1]"#,
            r#"{"a":1"#,
            "",
        ] {
            assert_eq!(by_hand(l), None, "{l}");
        }
    }

    #[test]
    fn strings_of_any_length_end_at_their_quote_or_are_left_to_serde_json() {
        // a quote, backslash or control byte at each place of strings 0 to 20 bytes long,
        // after ASCII and after multi-byte letters (the eight-byte steps and the tail)
        for fill in ["a", "é"] {
            for n in 0..20 {
                let body = fill.repeat(n);
                let plain = format!(r#"{{"k":"{body}","z":1}}"#);
                assert_eq!(by_hand(&plain), by_serde(&plain), "{plain}");
                assert!(by_hand(&plain).is_some(), "{plain}");
                for at in 0..=n {
                    let (head, tail) = (fill.repeat(at), fill.repeat(n - at));
                    for special in ["\\\"", "\\n", "\t", "\u{1}"] {
                        let l = format!(r#"{{"k":"{head}{special}{tail}"}}"#);
                        assert_eq!(by_hand(&l), None, "{l:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_refusing_put_stops_the_read() {
        let mut seen = 0;
        assert_eq!(
            entries(r#"{"a":1,"b":2}"#, |_, _| {
                seen += 1;
                None
            }),
            None
        );
        assert_eq!(seen, 1);
    }
}
