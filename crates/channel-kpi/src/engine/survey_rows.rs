//! [`Engine::push_surveys`]: survey answers folded from the columns of [`Surveys`].

use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::Engine;
use super::record::Record;
use crate::domain::Surveys;
use crate::error::Result;

impl Engine<'_> {
    /// Folds answers `rows` of `surveys` in order: the same as [`Engine::push`] of each answer
    /// as a [`crate::SurveyResponse`] ([`Surveys::get`]), written into one reused value (no
    /// allocation per answer once its strings are large enough), its groups found once per
    /// combination of the value ids of the query's dimensions (`GroupKeys`: the partner decides
    /// every dimension but the attrs — the topic, an attr column).
    pub fn push_surveys(&mut self, surveys: &Surveys, rows: std::ops::Range<usize>) -> Result<()> {
        let Some(first) = (!rows.is_empty()).then(|| surveys.get(rows.start)) else { return Ok(()) };
        let mut answer = first;
        let mut keys = GroupKeys::new(&self.query.group_by, |dim| -> Option<IdColumn> {
            Some(match dim {
                // no topic and `other` are one group (`Record::dim_value`), kept apart here
                Dimension::Attr(name) if name == "topic" => Box::new(|i| surveys.topic[i].map_or(0, |t| t as u32 + 1)),
                Dimension::Attr(name) => match surveys.attrs.column(name) {
                    Some(c) => Box::new(move |i| surveys.attrs.id(c, i)),
                    None => Box::new(|_| 0),
                },
                _ => Box::new(|i| surveys.partner[i]),
            })
        });
        for i in rows {
            crate::interrupt::check()?;
            surveys.fill(i, &mut answer);
            self.push_keyed(&Record::Survey(&answer), i, &mut keys)?;
        }
        Ok(())
    }
}
