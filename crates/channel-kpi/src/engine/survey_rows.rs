//! [`Engine::push_surveys`]: survey answers folded from the columns of [`Surveys`].

use super::dimension::Dimension;
use super::partial::{Engine, check_currency};
use super::record::Record;
use crate::domain::Surveys;
use crate::error::Result;

impl Engine<'_> {
    /// Folds answers `rows` of `surveys` in order: the same as [`Engine::push`] of each answer
    /// as a [`crate::SurveyResponse`] ([`Surveys::get`]), written into one reused value (no
    /// allocation per answer once its strings are large enough).
    ///
    /// An answer's groups depend on its partner alone unless the query groups by an attr (its
    /// topic or an attr column): then they are found once per distinct partner (a dictionary
    /// id of [`Surveys`]) instead of hashing the group texts of every answer.
    pub fn push_surveys(&mut self, surveys: &Surveys, rows: std::ops::Range<usize>) -> Result<()> {
        let Some(first) = (!rows.is_empty()).then(|| surveys.get(rows.start)) else { return Ok(()) };
        let mut answer = first;
        let by_partner = !self.query.group_by.iter().any(|d| matches!(d, Dimension::Attr(_)));
        // per partner dictionary id (0: none): the answer's groups, once found
        let mut known: Vec<Option<Box<[u32]>>> = vec![None; if by_partner { surveys.words.len() + 1 } else { 0 }];
        let mut found = Vec::new();
        for i in rows {
            crate::interrupt::check()?;
            surveys.fill(i, &mut answer);
            let rec = Record::Survey(&answer);
            if !by_partner {
                self.push(&rec)?;
                continue;
            }
            check_currency(&mut self.currency, !self.one_currency, &rec)?;
            let groups = match &mut known[surveys.partner[i] as usize] {
                Some(groups) => groups,
                slot => {
                    found.clear();
                    self.groups_of(&rec, &mut found);
                    slot.insert(found.as_slice().into())
                }
            };
            for &g in groups.iter() {
                self.fold_group(&rec, g as usize)?;
            }
        }
        Ok(())
    }
}
