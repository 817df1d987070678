//! [`Engine::push_surveys`]: survey answers folded from the columns of [`Surveys`].

use super::partial::Engine;
use super::record::Record;
use crate::domain::Surveys;
use crate::error::Result;

impl Engine<'_> {
    /// Folds answers `rows` of `surveys` in order: the same as [`Engine::push`] of each answer
    /// as a [`crate::SurveyResponse`] ([`Surveys::get`]), written into one reused value (no
    /// allocation per answer once its strings are large enough).
    pub fn push_surveys(&mut self, surveys: &Surveys, rows: std::ops::Range<usize>) -> Result<()> {
        let Some(first) = (!rows.is_empty()).then(|| surveys.get(rows.start)) else { return Ok(()) };
        let mut answer = first;
        for i in rows {
            crate::interrupt::check()?;
            surveys.fill(i, &mut answer);
            self.push(&Record::Survey(&answer))?;
        }
        Ok(())
    }
}
