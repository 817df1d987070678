//! [`Memo`]: what checks and queries learned about a [`Deals`](super::Deals) table, kept until it changes.

use crate::money::Currency;

/// Facts about a [`Deals`](super::Deals) table kept between calls: whether every deal passed
/// [`crate::Deal::validate`] with no two sharing an id (set by [`crate::Dataset::check`] or a loader),
/// and the one currency of its amounts (found on first use). Both are forgotten by every change
/// that can break them (adding deals, appending, changing a stage history); removing deals
/// cannot.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    checked: std::sync::atomic::AtomicBool,
    pub(super) currency: std::sync::OnceLock<Option<Option<Currency>>>,
}

impl Memo {
    /// Whether the deals passed a check since they last changed.
    pub(crate) fn checked(&self) -> bool {
        self.checked.load(std::sync::atomic::Ordering::Relaxed)
    }
    /// Notes that the deals passed a check.
    pub(crate) fn set_checked(&self) {
        self.checked.store(true, std::sync::atomic::Ordering::Relaxed)
    }
    /// Notes the one currency of the amounts (`Some(None)`: no amount; `None`: several), as a
    /// reader that saw every amount found it.
    #[cfg(feature = "arrow")]
    pub(crate) fn set_currency(&self, one: Option<Option<Currency>>) {
        let _ = self.currency.set(one);
    }
    /// Forgets everything (the deals changed).
    pub(crate) fn changed(&mut self) {
        *self = Memo::default();
    }
}

impl Clone for Memo {
    fn clone(&self) -> Self {
        let m = Memo::default();
        if self.checked() {
            m.set_checked();
        }
        if let Some(c) = self.currency.get() {
            let _ = m.currency.set(*c);
        }
        m
    }
}
