//! [`Deals`] buffers used again: a reader that fills one [`Deals`] per chunk of a file
//! (`load/csv_deals.rs`) clears and refills the same vectors and dictionary instead of
//! allocating (and faulting in) fresh ones for every chunk.

use super::Deals;

/// What [`Deals`] does to each of its per-deal columns alike, whatever their element type.
pub(crate) trait Column {
    /// Keeps the first `len` values (capacity kept).
    fn keep(&mut self, len: usize);
    /// Makes room for `n` more values.
    #[cfg(feature = "arrow")]
    fn room(&mut self, n: usize);
}

impl<T> Column for Vec<T> {
    fn keep(&mut self, len: usize) {
        self.truncate(len);
    }
    #[cfg(feature = "arrow")]
    fn room(&mut self, n: usize) {
        self.reserve(n);
    }
}

impl Deals {
    /// Every per-deal column (one value per deal each; not the ids' text, the attrs or the
    /// side tables).
    pub(crate) fn columns_mut(&mut self) -> [&mut dyn Column; 18] {
        [
            &mut self.id_end,
            &mut self.partner,
            &mut self.owner,
            &mut self.source,
            &mut self.product,
            &mut self.lost_reason,
            &mut self.stage,
            &mut self.channel,
            &mut self.kind,
            &mut self.status,
            &mut self.registration_status,
            &mut self.partner_stages,
            &mut self.created_on,
            &mut self.registered_on,
            &mut self.expected_close_on,
            &mut self.closed_on,
            &mut self.amount,
            &mut self.history,
        ]
    }

    /// Makes room for `n` more deals in every per-deal column (and about 8 bytes of id text
    /// each), so a reader that knows how many deals it will append grows each vector once
    /// instead of by doubling (each doubling copies the column and faults in its pages again).
    #[cfg(feature = "arrow")]
    pub(crate) fn reserve(&mut self, n: usize) {
        self.columns_mut().into_iter().for_each(|c| c.room(n));
        self.ids.reserve(n * 8);
    }

    /// Removes every deal, keeping the vectors' capacity and the dictionary of texts (the next
    /// chunk of a file names mostly the same partners and owners: their ids stay valid, and
    /// texts no deal names any more are harmless).
    pub(crate) fn clear_keeping_capacity(&mut self) {
        self.truncate(0);
        self.memo.changed();
    }
}

#[cfg(test)]
mod tests {
    use crate::{Deal, DealStatus, Deals};

    #[test]
    fn cleared_deals_read_like_new_ones() {
        let day = |s: &str| s.parse().unwrap();
        let mut a = Deals::default();
        let mut d = Deal::new("D1", day("2025-01-02"), DealStatus::Open);
        d.partner_id = Some("P1".into());
        a.push(d.clone());
        a.clear_keeping_capacity();
        assert!(a.is_empty());
        d.partner_id = Some("P2".into());
        a.push(d.clone());
        assert_eq!(a.to_vec(), vec![d.clone()]);
        assert_eq!(a.partner_id(0), Some("P2"));
        let mut b = Deals::default();
        b.push(d);
        assert_eq!(a, b, "a dictionary holding an unused text changes nothing");
    }

    #[cfg(feature = "arrow")]
    #[test]
    fn reserved_deals_have_room_in_every_column_and_read_the_same() {
        let mut a = Deals::default();
        a.push(Deal::new("D1", "2025-01-02".parse().unwrap(), DealStatus::Open));
        let before = a.to_vec();
        a.reserve(1000);
        assert_eq!(a.to_vec(), before);
        assert!(a.created_on.capacity() >= 1001 && a.amount.capacity() >= 1001 && a.history.capacity() >= 1001);
    }
}
