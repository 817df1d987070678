//! [`home_order`]: hashes ordered by the part of an open-addressing table their home slots lie
//! in, so a run of inserts sweeps the table instead of jumping around it.
//!
//! The id tables of a query on files ([`super::id_hashes::IdHashes`], [`super::won_dates::WonDates`])
//! outgrow the caches with the deals: 1 M deals are a 16 MB set of ids and a 24 MB table of won
//! dates on a machine with 32 MB of L3 (10 M deals: a 134 MB set). The hashes they are built
//! from at once (ids known distinct, noted in a list; the won deals' dates, put in when the
//! first lead links; a CSV or JSON Lines file's ids, a batch at a time) are each a cache and
//! TLB miss in the order they came.
//!
//! Ordered by part first (one counting pass over the top [`PART_BITS`] bits of the home slot:
//! stable, so two notes of one hash keep their order), the inserts of a part stay within a
//! few kilobytes of the table, which the first of them brings into the cache, and the parts
//! come in the table's order, which the hardware prefetches.
//!
//! ```text
//! table of 2²¹ slots, 4,096 parts of 512 slots: hash h goes to part (h mod 2²¹) >> 9
//! ```

/// The number of parts is at most 2 to this: 4,096 parts, each 4 KB of a table of 8-byte
/// slots of 2²¹ slots (12 KB of 24-byte ones), well inside the L2 cache.
const PART_BITS: u32 = 12;

/// Tables of fewer slots than this fit the caches: their hashes are taken as they come.
const SMALL: usize = 1 << 16;

/// `items` in the order of the parts of a table of `slots` slots (a power of two) where their
/// home slots `low(item) mod slots` lie; within a part, in the order given. A table smaller
/// than [`SMALL`] slots is not worth it: `items` as they are.
pub(super) fn home_order<T: Copy>(items: Vec<T>, slots: usize, low: impl Fn(&T) -> u64) -> Vec<T> {
    debug_assert!(slots.is_power_of_two() || slots == 0);
    let Some(&first) = items.first().filter(|_| slots >= SMALL) else { return items };
    let bits = slots.trailing_zeros();
    let shift = bits - bits.min(PART_BITS);
    let part = |t: &T| (low(t) as usize & (slots - 1)) >> shift;
    // where each part starts, then each part's next free place
    let mut next = vec![0usize; (slots >> shift) + 1];
    for t in &items {
        next[part(t) + 1] += 1;
    }
    for p in 1..next.len() {
        next[p] += next[p - 1];
    }
    let mut out = vec![first; items.len()];
    for t in &items {
        let at = &mut next[part(t)];
        out[*at] = *t;
        *at += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item once, in part order, stable within a part; a small table's items untouched.
    #[test]
    fn orders_by_part_keeping_the_order_within_one() {
        let slots = 1 << 20;
        // (hash, position given): scattered hashes, some repeated
        let items: Vec<(u64, usize)> = (0..50_000u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (i % 3), i as usize))
            .chain([(7, 50_000), (7, 50_001)])
            .collect();
        let out = home_order(items.clone(), slots, |&(h, _)| h);
        assert_eq!(out.len(), items.len());
        let part = |h: u64| (h as usize & (slots - 1)) >> 8;
        assert!(out.windows(2).all(|w| (part(w[0].0), w[0].1) < (part(w[1].0), w[1].1)), "part order, then the order given");
        let mut sorted = out.clone();
        sorted.sort_by_key(|&(_, i)| i);
        assert_eq!(sorted, items, "every item once");
        assert_eq!(home_order(items.clone(), SMALL / 2, |&(h, _)| h), items);
        assert_eq!(home_order(Vec::<(u64, usize)>::new(), slots, |&(h, _)| h), []);
    }
}
