//! [`Interner`]: group keys (partner ids) → dense group indexes, for the columnar path's hot
//! loop: open addressing over one byte arena, FxHash, the full hash compared before the bytes,
//! short keys compared as integers. Keys are the caller's own data, so no DoS-resistant hash.

const EMPTY: u32 = u32::MAX;

/// Interned byte strings, each with the number it was given. Keys of up to 8 bytes (most
/// ids) live as one word in `short` (one probe, one compare); longer ones in the arena table.
#[derive(Debug, Default)]
pub(super) struct Interner {
    /// (key bytes as a little-endian word, length + 1 (0 = free), number).
    short: Vec<(u64, u32, u32)>,
    n_short: usize,
    /// Entry indexes (open addressing); `EMPTY` marks a free slot.
    slots: Vec<u32>,
    ids: Vec<u32>,
    hashes: Vec<u64>,
    spans: Vec<(usize, usize)>,
    arena: Vec<u8>,
}

#[inline(always)]
fn hash(b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    // the low bits pick the slot, so every input bit must reach them
    mix(h)
}

/// A key of at most 8 bytes as (little-endian word, length + 1).
#[inline(always)]
fn word(key: &[u8]) -> (u64, u32) {
    let mut w = [0u8; 8];
    w[..key.len()].copy_from_slice(key);
    (u64::from_le_bytes(w), key.len() as u32 + 1)
}

/// The key `data[from..from + len]` as [`Interner::get_short`] takes it, read as one 8-byte
/// word and masked to its length (no copy byte by byte), when it is at most 8 bytes long and
/// not too close to the buffer's end; else `None`. The bytes are taken as they are: a caller
/// that interns trimmed keys only (as the deals folder does) finds no entry for an id with
/// surrounding whitespace and takes its slow path, which trims.
#[inline(always)]
pub(super) fn short_key(data: &[u8], from: usize, len: usize) -> Option<(u64, u32)> {
    let bytes: [u8; 8] = data.get(from..from + 8)?.try_into().ok()?;
    let mask = *WORD_MASKS.get(len)?;
    Some((u64::from_le_bytes(bytes) & mask, len as u32 + 1))
}

/// The mask of the first `n` bytes of a little-endian word, for `n` in 0..=8.
const WORD_MASKS: [u64; 9] = {
    let mut m = [0u64; 9];
    let mut n = 1;
    while n < 9 {
        m[n] = u64::MAX >> (64 - 8 * n);
        n += 1;
    }
    m
};

/// The slot of a short key in a table of `mask + 1` slots.
#[inline(always)]
fn short_slot(w: u64, tag: u32, mask: usize) -> usize {
    mix(w ^ u64::from(tag)) as usize & mask
}

/// fmix64 (MurmurHash3's finalizer).
#[inline(always)]
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 8 {
        let (mut x, mut y) = ([0u8; 8], [0u8; 8]);
        x[..a.len()].copy_from_slice(a);
        y[..b.len()].copy_from_slice(b);
        return x == y;
    }
    a == b
}

impl Interner {
    /// The number of `key`, if interned.
    #[inline]
    pub(super) fn get(&self, key: &[u8]) -> Option<u32> {
        if key.len() <= 8 {
            let (w, tag) = word(key);
            return self.get_short(w, tag);
        }
        if self.slots.is_empty() {
            return None;
        }
        let h = hash(key);
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let e = self.slots[i];
            if e == EMPTY {
                return None;
            }
            let (start, len) = self.spans[e as usize];
            if self.hashes[e as usize] == h && same(&self.arena[start..start + len], key) {
                return Some(self.ids[e as usize]);
            }
            i = (i + 1) & mask;
        }
    }

    /// The number of the key of at most 8 bytes read by [`short_key`].
    #[inline(always)]
    pub(super) fn get_short(&self, w: u64, tag: u32) -> Option<u32> {
        if self.short.is_empty() {
            return None;
        }
        let mask = self.short.len() - 1;
        let mut i = short_slot(w, tag, mask);
        loop {
            let (sw, st, id) = self.short[i];
            if sw == w && st == tag {
                return Some(id);
            }
            if st == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Interns `key` (not yet interned) as number `g`.
    pub(super) fn insert(&mut self, key: &[u8], g: u32) {
        if key.len() <= 8 {
            // at most a quarter full: a lookup almost always ends at its first slot
            if (self.n_short + 1) * 4 > self.short.len() {
                let n = (self.short.len() * 2).max(64);
                let old = std::mem::replace(&mut self.short, vec![(0, 0, 0); n]);
                for e in old.into_iter().filter(|e| e.1 != 0) {
                    self.place_short(e);
                }
            }
            let (w, tag) = word(key);
            self.place_short((w, tag, g));
            self.n_short += 1;
            return;
        }
        if (self.spans.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let h = hash(key);
        let e = self.spans.len() as u32;
        self.spans.push((self.arena.len(), key.len()));
        self.arena.extend_from_slice(key);
        self.hashes.push(h);
        self.ids.push(g);
        self.place(h, e);
    }

    fn place_short(&mut self, e: (u64, u32, u32)) {
        let mask = self.short.len() - 1;
        let mut i = short_slot(e.0, e.1, mask);
        while self.short[i].1 != 0 {
            i = (i + 1) & mask;
        }
        self.short[i] = e;
    }

    fn place(&mut self, h: u64, e: u32) {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = e;
    }

    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(64);
        self.slots = vec![EMPTY; n];
        for e in 0..self.spans.len() {
            self.place(self.hashes[e], e as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_and_finds() {
        let mut t = Interner::default();
        let keys: Vec<String> = (0..1000).map(|i| format!("partner-{i}")).chain((0..50).map(|i| format!("p{i}"))).collect();
        for (g, k) in keys.iter().enumerate() {
            assert_eq!(t.get(k.as_bytes()), None);
            t.insert(k.as_bytes(), 3 * g as u32 + 1);
        }
        for (g, k) in keys.iter().enumerate() {
            assert_eq!(t.get(k.as_bytes()), Some(3 * g as u32 + 1));
        }
        assert_eq!(t.get(b"p"), None);
        assert_eq!(t.get(b"p1\0"), None, "a short key padded with zeros is another key");
        assert_eq!(t.get(b""), None);
    }

    #[test]
    fn short_keys_read_in_place_equal_copied_ones() {
        let mut t = Interner::default();
        for (g, k) in ["", "P0001", "abcdefgh", "x"].iter().enumerate() {
            t.insert(k.as_bytes(), g as u32);
        }
        let data = b"P0001abcdefghx P0002 .........";
        let at = |from: usize, len: usize| short_key(data, from, len).and_then(|(w, tag)| t.get_short(w, tag));
        assert_eq!([at(0, 5), at(5, 8), at(13, 1), at(13, 0)], [Some(1), Some(2), Some(3), Some(0)]);
        assert_eq!(at(15, 5), None, "not interned");
        assert_eq!(at(13, 2), None, "ends with a space: not interned as such (the caller trims)");
        assert_eq!(short_key(data, 0, 9), None, "longer than a word");
        assert_eq!(short_key(data, data.len() - 5, 5), None, "too close to the end to read a word");
        assert_eq!(short_key(data, 0, 5), Some(word(b"P0001")));
    }
}
