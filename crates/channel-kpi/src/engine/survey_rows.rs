//! [`Engine::push_surveys`]: survey answers folded from the columns of [`Surveys`].

use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::{Engine, Found};
use super::record::Record;
use super::window_spans::Spans;
use crate::domain::Surveys;
use crate::error::Result;

impl Engine<'_> {
    /// Folds answers `rows` of `surveys` in order: the same as [`Engine::push`] of each answer
    /// as a [`crate::SurveyResponse`] ([`Surveys::get`]), written into one reused value (no
    /// allocation per answer once its strings are large enough), its groups found once per
    /// combination of the value ids of the query's dimensions (`GroupKeys`: the partner decides
    /// every dimension but the attrs — the topic, an attr column), and folded only into the
    /// windows containing its submission day (`Spans`, when the windows are disjoint plain
    /// periods): every survey KPI counts an answer only in a window containing that day
    /// (`kpi/satisfaction.rs`, `answer`), so the others would be tried for nothing.
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
        let spans = Spans::of(&self.windows, 0);
        for i in rows {
            crate::interrupt::check()?;
            let day = surveys.submitted_on[i];
            let found = Found { account: 0, windows: spans.as_ref().map(|s| s.touched(day, Some(day))) };
            if found.windows.is_some_and(<[usize]>::is_empty) {
                // in no window: no KPI counts it, and no currency is checked for an answer
                // (the answer is not even built)
                continue;
            }
            surveys.fill(i, &mut answer);
            self.push_keyed(&Record::Survey(&answer), i, &mut keys, found)?;
        }
        Ok(())
    }
}
