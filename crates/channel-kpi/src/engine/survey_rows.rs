//! [`Engine::push_surveys`]: survey answers folded from the columns of [`Surveys`].
//!
//! The same fold as [`Engine::push`] of each answer as a [`crate::SurveyResponse`] (same
//! groups, windows, states and errors), read from the columns: an answer's groups are found
//! once per combination of the value ids of the query's dimensions (`GroupKeys`: the partner
//! decides every dimension but the attrs — the topic, an attr column), the windows it can count
//! in from its submission day (`Spans`), and each answer of a kind a KPI of the query reads is
//! added to the [`SurveyTally`] of each of its (group, window) cells. Once the answers are
//! added, each tally is folded into its cell's states by the fold the survey KPIs' own
//! `observe` runs ([`fold_surveys`]). A query without a survey KPI reads no answer: every
//! other KPI ignores them.
//!
//! ```text
//! answer  kind  score  submitted_on  partner  →  cell (P1, 2025-Q1): csat n +1, hits +1, sum +5
//! S1      csat  5      2025-02-01    P1
//! ```

use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::Engine;
use super::record::Record;
use super::registry::KpiState;
use super::window_spans::Spans;
use crate::domain::{SurveyResponse, Surveys};
use crate::error::Result;
use crate::kpi::survey_tally::{Cuts, SurveyNeeds, SurveyTally, fold_surveys, scale_error};

impl Engine<'_> {
    /// Folds answers `rows` of `surveys`: the same as [`Engine::push`] of each answer as a
    /// [`crate::SurveyResponse`] ([`Surveys::get`]), without building one per answer (one is
    /// built only to find the groups of the first answer of each combination of dimension
    /// values, and for an error). After an error the states hold the answers before it.
    pub fn push_surveys(&mut self, surveys: &Surveys, rows: std::ops::Range<usize>) -> Result<()> {
        let needs = SurveyNeeds::of(&self.query);
        if rows.is_empty() || !(needs.csat || needs.satisfaction) {
            return Ok(());
        }
        let mut tallies: Vec<Box<[SurveyTally]>> = Vec::new();
        let r = self.tally_surveys(surveys, rows, &needs, &mut tallies);
        self.fold_survey_tallies(&tallies)?;
        r
    }

    /// Adds answers `rows` of `surveys` that `needs` reads to `tallies[group][window]` (a
    /// group's tallies made as its first answer comes: the table grows by a pointer per group).
    fn tally_surveys(
        &mut self,
        surveys: &Surveys,
        rows: std::ops::Range<usize>,
        needs: &SurveyNeeds,
        tallies: &mut Vec<Box<[SurveyTally]>>,
    ) -> Result<()> {
        let mut keys = GroupKeys::new(&self.query.group_by, |dim| -> Option<IdColumn> {
            Some(match dim {
                // no topic and `other` are one group (`Record::dim_value`), kept apart here
                Dimension::Attr(name) if name == "topic" => Box::new(|i| topic_id(surveys, i)),
                Dimension::Attr(name) => match surveys.attrs.column(name) {
                    Some(c) => Box::new(move |i| surveys.attrs.id(c, i)),
                    None => Box::new(|_| 0),
                },
                _ => Box::new(|i| surveys.partner[i]),
            })
        });
        // one dimension the partner or the topic decides, or none: the groups of each value id
        // kept in a table indexed by it (no hash per answer)
        let mut dense = Dense::new(&self.query.group_by, surveys, rows.len());
        let nw = self.windows.len();
        let windows = self.windows.clone();
        // the windows holding a day: from the spans when the windows are disjoint periods
        // (those it touches hold it), else every window is asked
        let (spans, mut holding) = (Spans::of(&windows, 0), Vec::with_capacity(nw));
        let mut answer: Option<SurveyResponse> = None;
        let mut cuts = Cuts::new(needs);
        for i in rows {
            crate::interrupt::check()?;
            let (day, kind) = (surveys.submitted_on[i], surveys.kind[i]);
            if !needs.reads(kind) {
                continue;
            }
            let span: &[usize] = match &spans {
                Some(s) => s.touched(day, Some(day)),
                None => {
                    holding.clear();
                    holding.extend((0..nw).filter(|&k| windows[k].contains(day)));
                    &holding
                }
            };
            // in no window, or of a kind no KPI of the query reads: counted nowhere, and
            // not checked (the answer is not even built)
            if span.is_empty() {
                continue;
            }
            let mut find = |e: &mut Self| -> Box<[u32]> {
                let groups = e.keyed_groups(&mut keys, i, |e, out| {
                    let a = answer.get_or_insert_with(|| surveys.get(i));
                    surveys.fill(i, a);
                    e.group_ids(&Record::Survey(a), out);
                });
                groups.into()
            };
            let found: Box<[u32]>;
            let groups: &[u32] = match &mut dense {
                Some(d) => {
                    let slot = &mut d.groups[d.key.of(surveys, i)];
                    slot.get_or_insert_with(|| find(self))
                }
                None => {
                    found = find(self);
                    &found
                }
            };
            if groups.is_empty() {
                continue;
            }
            if needs.off_scale(kind, surveys.scale[i]) {
                return Err(scale_error(&surveys.get(i), needs.scale));
            }
            let (topic, score) = (surveys.topic[i], surveys.score[i]);
            for &g in groups {
                let g = g as usize;
                if tallies.len() <= g {
                    tallies.resize_with(g + 1, Default::default);
                }
                if tallies[g].is_empty() {
                    tallies[g] = vec![SurveyTally::default(); nw].into();
                }
                for &k in span {
                    tallies[g][k].add(kind, topic, score, needs, &mut cuts)?;
                }
            }
        }
        Ok(())
    }

    /// Folds each (group, window) tally of answers into its cell's states (created, every
    /// metric's empty state, when a survey KPI counts the tally) with [`fold_surveys`].
    fn fold_survey_tallies(&mut self, tallies: &[Box<[SurveyTally]>]) -> Result<()> {
        let nw = self.windows.len();
        if self.cells.len() < tallies.len() * nw {
            self.cells.resize_with(tallies.len() * nw, || None);
        }
        let tallies = tallies.iter().enumerate().flat_map(|(g, t)| t.iter().enumerate().map(move |(k, t)| (g * nw + k, t)));
        let metrics = &self.query.metrics;
        // every state: the others are left as they are (no survey KPI copies another's state)
        let fold = |states: &mut [KpiState], t: &SurveyTally| -> Result<bool> {
            states.iter_mut().try_fold(false, |counted, s| Ok(fold_surveys(s, t)? || counted))
        };
        for (i, t) in tallies.filter(|(_, t)| !t.is_empty()) {
            let cell = &mut self.cells[i];
            match cell {
                Some(states) => {
                    fold(states, t)?;
                }
                None => {
                    let mut states: Vec<KpiState> = metrics.iter().map(|m| m.new_state()).collect();
                    if fold(&mut states, t)? {
                        *cell = Some(states);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The value id of answer `i`'s topic (0: none, else 1 + the topic's position).
fn topic_id(surveys: &Surveys, i: usize) -> u32 {
    surveys.topic[i].map_or(0, |t| t as u32 + 1)
}

/// Where the one dimension of a query is read ([`Dense`]).
enum DenseKey {
    /// The partner id (a dictionary id of the answers' texts).
    Partner,
    /// [`topic_id`].
    Topic,
    /// No dimension: every answer in one group.
    Nothing,
}

impl DenseKey {
    #[inline(always)]
    fn of(&self, surveys: &Surveys, i: usize) -> usize {
        match self {
            DenseKey::Partner => surveys.partner[i] as usize,
            DenseKey::Topic => topic_id(surveys, i) as usize,
            DenseKey::Nothing => 0,
        }
    }
}

/// The groups of answers by the value id of the query's one dimension — the partner (or its
/// tier or region) or the topic — or of no dimension, in a table indexed by the id; `None` for
/// other queries (an attr, several dimensions) or more ids than answers and 65,536 (the groups
/// are then found by `GroupKeys`' hash of the ids).
struct Dense {
    key: DenseKey,
    /// Per id, the groups of the answers with it, once found.
    groups: Vec<Option<Box<[u32]>>>,
}

impl Dense {
    fn new(dims: &[Dimension], surveys: &Surveys, answers: usize) -> Option<Dense> {
        let (key, ids) = match dims {
            [] => (DenseKey::Nothing, 1),
            [Dimension::Attr(name)] if name == "topic" => (DenseKey::Topic, crate::SurveyTopic::ALL.len() + 1),
            [Dimension::Partner | Dimension::PartnerTier | Dimension::Region] => (DenseKey::Partner, surveys.words.len() + 1),
            _ => return None,
        };
        (ids <= answers.max(1 << 16)).then(|| Dense { key, groups: vec![None; ids] })
    }
}
