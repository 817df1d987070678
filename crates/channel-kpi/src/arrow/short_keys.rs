//! Short texts as one integer each ([`packed_bytes`]): the keys that `Flat::short_key_blocks`
//! (`columns.rs`) gives the rows of a plain string column, so that the typed readers find a
//! repeated text by one integer compare, not a string hash or compare ([`KeyIds`]: a text's
//! dictionary id by its key).

use arrow_buffer::NullBuffer;

/// [`Flat::short_key_blocks`](super::columns::Flat::short_key_blocks) of an offsets-and-data string layout: each row's bounds a pair
/// of neighbouring offsets, a block's validity one word of the null bitmap (a bit test per row,
/// not a bitmap look-up).
#[inline(always)]
pub(super) fn offsets_keys<O: arrow_array::OffsetSizeTrait>(
    offsets: &[O],
    data: &[u8],
    nulls: Option<&NullBuffer>,
    n: usize,
    keys: &mut [u128; 64],
    mut f: impl FnMut(usize, &[u128]) -> Option<()>,
) -> Option<()> {
    let offsets = &offsets[..=n];
    let mut valid = super::valid_words::ValidWords::of(nulls);
    for start in (0..n).step_by(64) {
        let end = (start + 64).min(n);
        let block = &mut keys[..end - start];
        for (k, w) in block.iter_mut().zip(offsets[start..=end].windows(2)) {
            let (lo, hi) = (w[0].as_usize(), w[1].as_usize());
            let len = hi.wrapping_sub(lo);
            *k = match data.get(lo..).and_then(|d| d.first_chunk::<16>()) {
                // as two words (one 128-bit value goes through a vector register and back)
                Some(w) if len < 16 => {
                    let (a, b) = w.split_at(8);
                    let (a, b) = (u64::from_le_bytes(a.try_into().ok()?), u64::from_le_bytes(b.try_into().ok()?));
                    let (keep_a, keep_b) = KEEP_WORDS[len];
                    u128::from(a & keep_a) | u128::from(b & keep_b | (len as u64) << 56) << 64
                }
                _ if len < 16 => packed_bytes(&data[lo..hi]),
                _ => LONG_KEY,
            };
        }
        // the null rows' keys replaced, one by one from the block's validity word
        valid.mark_nulls(block, NULL_KEY);
        f(start, block)?;
    }
    Some(())
}

/// `KEEP_WORDS[n]`: the low `n` bytes of a `u128` set, as its low and high words (a table, not
/// a 128-bit shift by a variable amount, which takes a dozen instructions).
const KEEP_WORDS: [(u64, u64); 16] = {
    let mut keep = [(0, 0); 16];
    let mut n = 1;
    while n < 16 {
        let k = (1u128 << (8 * n)) - 1;
        keep[n] = (k as u64, (k >> 64) as u64);
        n += 1;
    }
    keep
};

/// What [`Flat::short_key_blocks`](super::columns::Flat::short_key_blocks) gives a null row: no text's key (a text's has its length, below
/// 16, in the top byte).
pub(super) const NULL_KEY: u128 = 16 << 120;

/// What [`Flat::short_key_blocks`](super::columns::Flat::short_key_blocks) gives a text of 16 bytes or more: no short text's key, nor
/// [`NULL_KEY`], nor `u128::MAX`.
pub(super) const LONG_KEY: u128 = 17 << 120;

/// A text shorter than 16 bytes as one integer: its bytes, then zeros, its length in the last
/// byte (two texts give the same integer only when they are equal).
/// Read with a few overlapping loads instead of a copy through memory.
#[inline(always)]
pub(super) fn packed_bytes(b: &[u8]) -> u128 {
    debug_assert!(b.len() < 16);
    let (lo, hi) = match b.split_first_chunk::<8>() {
        Some((head, rest)) => (u64::from_le_bytes(*head), short_word(rest)),
        None => (short_word(b), 0),
    };
    lo as u128 | (hi as u128) << 64 | (b.len() as u128) << 120
}

/// At most 8 bytes as one little-endian integer (zeros above them).
#[inline(always)]
fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    match (b.first_chunk::<4>(), b.last_chunk::<4>()) {
        // 4 to 8 bytes: the first four and the last four (overlapping bytes agree)
        (Some(head), Some(tail)) => u32::from_le_bytes(*head) as u64 | (u32::from_le_bytes(*tail) as u64) << (8 * (n - 4)),
        _ if n == 0 => 0,
        // 1 to 3 bytes: first, middle, last
        _ => b[0] as u64 | (b[n / 2] as u64) << (8 * (n / 2)) | (b[n - 1] as u64) << (8 * (n - 1)),
    }
}

/// The dictionary ids of short texts by their keys ([`packed_bytes`]; never [`LONG_KEY`], whose
/// texts differ under one key): a table of open addressing (a key's slot its bytes mixed by a
/// multiply, the next free slot on a collision), at most half full, so a key met again is
/// found in one or two compares of one cache line — where an `FxHashMap<u128, u32>` entry took
/// ~75 instructions a row (1 M deals' partners).
pub(super) struct KeyIds {
    slots: Vec<(u128, u32)>,
    len: usize,
}

/// An empty slot's key: no text's (a short text's key has its length, below 16, in the top
/// byte; [`NULL_KEY`] and [`LONG_KEY`] are 16 and 17 there).
const EMPTY: u128 = u128::MAX;

impl KeyIds {
    /// An empty table of 256 slots.
    pub(super) fn new() -> Self {
        KeyIds { slots: vec![(EMPTY, 0); 256], len: 0 }
    }

    /// The id of the text keyed `key` (of row `row`): the one noted, or `miss(row)`, noted.
    #[inline(always)]
    pub(super) fn get(&mut self, key: u128, row: usize, miss: &mut dyn FnMut(usize) -> u32) -> u32 {
        debug_assert!(key != LONG_KEY && key != EMPTY);
        let mask = self.slots.len() - 1;
        let mut at = mix(key) & mask;
        loop {
            let (k, id) = self.slots[at];
            if k == key {
                return id;
            }
            if k == EMPTY {
                return self.add(at, key, row, miss);
            }
            at = (at + 1) & mask;
        }
    }

    /// [`KeyIds::get`]'s miss: `key` noted in the free slot `at` with the id `miss(row)`, the
    /// table doubled once half full.
    #[cold]
    #[inline(never)]
    fn add(&mut self, at: usize, key: u128, row: usize, miss: &mut dyn FnMut(usize) -> u32) -> u32 {
        let id = miss(row);
        self.slots[at] = (key, id);
        self.len += 1;
        if 2 * self.len > self.slots.len() {
            let twice = vec![(EMPTY, 0); 2 * self.slots.len()];
            let old = std::mem::replace(&mut self.slots, twice);
            let mask = self.slots.len() - 1;
            for (k, id) in old.into_iter().filter(|s| s.0 != EMPTY) {
                let mut at = mix(k) & mask;
                while self.slots[at].0 != EMPTY {
                    at = (at + 1) & mask;
                }
                self.slots[at] = (k, id);
            }
        }
        id
    }
}

/// A key's bytes mixed into a slot number (the top bits of a multiply, rotated down).
#[inline(always)]
fn mix(key: u128) -> usize {
    (((key >> 64) as u64 ^ key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(26)) as usize
}
