//! [`Engine::push_subscriptions`]: subscription months folded from the columns of
//! [`Subscriptions`].

use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::Engine;
use super::record::Record;
use crate::domain::Subscriptions;
use crate::error::Result;

impl Engine<'_> {
    /// Folds the subscription months `rows` of `subs` in order: the same as [`Engine::push`] of
    /// each as a [`crate::SubscriptionMonth`] ([`Subscriptions::get`]), written into one reused
    /// value (no allocation per row once its strings are large enough), its groups found once
    /// per combination of partner and attr value ids (`GroupKeys`).
    pub fn push_subscriptions(&mut self, subs: &Subscriptions, rows: std::ops::Range<usize>) -> Result<()> {
        let Some(first) = (!rows.is_empty()).then(|| subs.get(rows.start)) else { return Ok(()) };
        let mut row = first;
        let mut keys = GroupKeys::new(&self.query.group_by, |dim| -> Option<IdColumn> {
            Some(match dim {
                Dimension::Attr(name) => match subs.attrs.column(name) {
                    Some(c) => Box::new(move |i| subs.attrs.id(c, i)),
                    None => Box::new(|_| 0),
                },
                // the partner decides every other dimension (the others do not apply)
                _ => Box::new(|i| subs.partner[i]),
            })
        });
        for i in rows {
            crate::interrupt::check()?;
            subs.fill(i, &mut row);
            self.push_keyed(&Record::Subscription(&row), i, &mut keys)?;
        }
        Ok(())
    }
}
