//! [`Engine::push_leads`]: leads folded from the columns of [`Leads`].

use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::{Engine, Found};
use super::record::Record;
use crate::domain::Leads;
use crate::error::Result;

impl Engine<'_> {
    /// Folds leads `rows` of `leads` in order: the same as [`Engine::push`] of each lead as a
    /// [`crate::Lead`] ([`Leads::get`]), written into one reused value (no allocation per lead
    /// once its strings are large enough), its groups found once per combination of the value
    /// ids of the query's dimensions (`GroupKeys`: partner, channel, source, attrs).
    pub fn push_leads(&mut self, leads: &Leads, rows: std::ops::Range<usize>) -> Result<()> {
        let Some(first) = (!rows.is_empty()).then(|| leads.get(rows.start)) else { return Ok(()) };
        let mut lead = first;
        let mut keys = GroupKeys::new(&self.query.group_by, |dim| -> Option<IdColumn> {
            Some(match dim {
                Dimension::Partner | Dimension::PartnerTier | Dimension::Region => Box::new(|i| leads.partner[i]),
                Dimension::Channel => Box::new(|i| leads.channel[i].map_or(0, |c| c as u32 + 1)),
                Dimension::Source => Box::new(|i| leads.source[i]),
                Dimension::Attr(name) => match leads.attrs.column(name) {
                    Some(c) => Box::new(move |i| leads.attrs.id(c, i)),
                    None => Box::new(|_| 0),
                },
                // the others do not apply to a lead: the same for every lead
                _ => Box::new(|_| 0),
            })
        });
        for i in rows {
            crate::interrupt::check()?;
            leads.fill(i, &mut lead);
            self.push_keyed(&Record::Lead(&lead), i, &mut keys, Found::default())?;
        }
        Ok(())
    }
}
