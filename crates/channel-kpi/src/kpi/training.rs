//! Section 4 of the catalog, training: courses attended per partner. (`training_impact`, the
//! before/after analysis, lives in [`super::training_impact`].)

use super::common::{Proportion, state};
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Merge, Record, Value, Window, each};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A set of names; merging is union.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameSet(pub BTreeSet<String>);
impl crate::engine::Check for NameSet {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for NameSet {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.0.extend(o.0.iter().cloned());
        Ok(())
    }
}

/// Per partner, a set of course ids; merging is union per partner.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoursesByPartner(pub BTreeMap<String, BTreeSet<String>>);
impl CoursesByPartner {
    fn insert(&mut self, partner: &str, course: &str) {
        self.0.entry(partner.to_string()).or_default().insert(course.to_string());
    }
    fn total(&self) -> u64 {
        self.0.values().map(|s| s.len() as u64).sum()
    }
}
impl crate::engine::Check for CoursesByPartner {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for CoursesByPartner {
    fn merge(&mut self, o: &Self) -> Result<()> {
        for (p, cs) in &o.0 {
            self.0.entry(p.clone()).or_default().extend(cs.iter().cloned());
        }
        Ok(())
    }
}

state! {
    /// Distinct courses attended and completed per partner, and the partners active in the window.
    pub struct CourseState { pub attended: CoursesByPartner, pub completed: CoursesByPartner, pub active: NameSet }
}

/// `courses_per_partner`, from LMS attendance records: distinct (partner, course) pairs with
/// an attendance starting in the window (`courses_attended`) and with a completion in the
/// window (`courses_completed`); partners with at least one attended course
/// (`partners_with_course`); partners active at some time in the window (`active_partners`:
/// joined before its end, not left before its start — from the partner table); the mean
/// `courses_per_partner` = courses attended ÷ active partners (absent without a partner
/// table); and the participation rate `course_participation_rate` = active partners with
/// ≥ 1 course ÷ active partners (with `_n`, `_lo`, `_hi`).
///
/// Example: 4 active partners; P1 attended courses A and B (A twice), P2 attended A → 3
/// courses attended, 0.75 courses per partner, participation 2 ÷ 4 = 0.5.
pub struct CoursesPerPartner;
impl Kpi for CoursesPerPartner {
    type State = CourseState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c: Vec<ColumnSpec> = ["courses_attended", "courses_completed", "partners_with_course", "active_partners"]
            .map(|n| ColumnSpec::new(n, ColumnKind::Int))
            .to_vec();
        c.push(ColumnSpec::new("courses_per_partner", ColumnKind::Float));
        c.extend(Proportion::columns("course_participation_rate"));
        Ok(c)
    }
    fn observe(s: &mut CourseState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        match rec {
            Record::Course(c) => {
                let mut hit = false;
                if w.contains(c.attended_on) {
                    s.attended.insert(&c.partner_id, &c.course_id);
                    hit = true;
                }
                if c.completed_on.is_some_and(|d| w.contains(d)) {
                    s.completed.insert(&c.partner_id, &c.course_id);
                    hit = true;
                }
                Ok(hit)
            }
            Record::Partner(p) => {
                let active = p.joined_on.is_none_or(|j| j < w.instant()) && p.left_on.is_none_or(|l| l > w.start_instant());
                if active {
                    s.active.0.insert(p.id.clone());
                }
                Ok(active)
            }
            _ => Ok(false),
        }
    }
    fn finish(states: &[&CourseState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let attended = s.attended.total();
            let active = s.active.0.len() as u64;
            let participating = s.active.0.iter().filter(|p| s.attended.0.contains_key(*p)).count() as u64;
            let mut v = vec![
                Value::count(attended),
                Value::count(s.completed.total()),
                Value::count(s.attended.0.len() as u64),
                Value::count(active),
            ];
            v.push(Value::float((active > 0).then(|| attended as f64 / active as f64)));
            v.extend(Proportion { hits: participating, n: active }.values(ctx));
            Ok(v)
        })
    }
}
