//! [`Engine::push_leads`]: leads folded from the columns of [`Leads`].

use super::partial::Engine;
use super::record::Record;
use crate::domain::Leads;
use crate::error::Result;

impl Engine<'_> {
    /// Folds leads `rows` of `leads` in order: the same as [`Engine::push`] of each lead as a
    /// [`crate::Lead`] ([`Leads::get`]), written into one reused value (no allocation per lead
    /// once its strings are large enough).
    pub fn push_leads(&mut self, leads: &Leads, rows: std::ops::Range<usize>) -> Result<()> {
        let Some(first) = (!rows.is_empty()).then(|| leads.get(rows.start)) else { return Ok(()) };
        let mut lead = first;
        for i in rows {
            crate::interrupt::check()?;
            leads.fill(i, &mut lead);
            self.push(&Record::Lead(&lead))?;
        }
        Ok(())
    }
}
