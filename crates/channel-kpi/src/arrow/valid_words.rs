//! [`ValidWords`]: a column's validity read a 64-row word at a time, for the loops that read a
//! column 64 rows a block (dictionary keys, `dict_keys::Keys::blocks`; plain texts' short
//! keys, `short_keys::offsets_keys`): a bit test per row, not a bitmap look-up.
//!
//! ```text
//! validity 1 0 1 1 …   block [k0, k1, k2, k3, …]  →  [k0, null, k2, k3, …]
//! ```

use arrow_buffer::NullBuffer;
use arrow_buffer::bit_chunk_iterator::BitChunkIterator;

/// A column's validity read in order, 64 rows a word (row `64 k + j`: bit `j` of word `k`), for
/// loops over blocks of 64 rows: a bit test per row, not a bitmap look-up.
pub(super) struct ValidWords<'a>(Option<std::iter::Chain<BitChunkIterator<'a>, std::iter::Once<u64>>>);

impl<'a> ValidWords<'a> {
    /// The words of `nulls` (none to read when no row is null).
    pub(super) fn of(nulls: Option<&'a NullBuffer>) -> Self {
        ValidWords(nulls.filter(|b| b.null_count() > 0).map(|b| {
            let chunks = b.inner().bit_chunks();
            chunks.iter().chain(std::iter::once(chunks.remainder_bits()))
        }))
    }

    /// Sets the null rows of the next block (`block`, at most 64 rows) to `null`.
    #[inline(always)]
    pub(super) fn mark_nulls<T: Copy>(&mut self, block: &mut [T], null: T) {
        if let Some(words) = &mut self.0 {
            let mut nulls = !words.next().unwrap_or(0) & (u64::MAX >> (64 - block.len()));
            while nulls != 0 {
                block[nulls.trailing_zeros() as usize] = null;
                nulls &= nulls - 1;
            }
        }
    }
}
