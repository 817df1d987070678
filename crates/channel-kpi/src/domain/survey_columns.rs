//! [`Surveys`]: the survey answers of a dataset stored column by column.

use super::deal_columns::{Attrs, Words, put_text};
use super::survey::answer_problem;
use super::{SurveyKind, SurveyResponse, SurveyTopic};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The survey answers of a [`crate::Dataset`], stored column by column, as [`crate::Leads`]
/// are: every answer id in one string buffer, the texts that repeat (respondent, partner) as
/// ids into one dictionary of distinct values, the attrs as one column of text ids per attr
/// name. An answer costs about 50 bytes here against about 180 as a [`SurveyResponse`] with
/// its own strings, and the typed reader appends whole columns.
///
/// Answers go in as [`SurveyResponse`] values ([`Surveys::push`], `collect`,
/// `From<Vec<SurveyResponse>>`) and come out as values ([`Surveys::get`], [`Surveys::iter`]) or
/// one field at a time ([`Surveys::score`], [`Surveys::partner_id`] …). As JSON (serde) they
/// are a list of answers.
///
/// ```
/// use channel_kpi::{SurveyKind, SurveyResponse, Surveys};
/// let mut surveys = Surveys::default();
/// let mut s = SurveyResponse::new(SurveyKind::Csat, 5, 4.into(), "2025-01-02".parse().unwrap());
/// s.partner_id = Some("P1".into());
/// surveys.push(s.clone());
/// assert_eq!(surveys.len(), 1);
/// assert_eq!((surveys.id(0), surveys.partner_id(0)), (None, Some("P1")));
/// assert_eq!(surveys.get(0), s);
/// ```
// The fields are visible in the crate for the typed reader that fills whole columns at once
// (`arrow/typed_surveys.rs`); it leaves every per-answer column with the same length.
#[derive(Clone, Default)]
pub struct Surveys {
    pub(crate) ids: String,
    /// `ids[id_end[i - 1]..id_end[i]]` is the id of answer `i` (empty when it has none).
    pub(crate) id_end: Vec<usize>,
    /// Whether answer `i` has an id (`Some("")` and `None` differ).
    pub(crate) has_id: Vec<bool>,
    pub(crate) words: Words,
    pub(crate) kind: Vec<SurveyKind>,
    pub(crate) topic: Vec<Option<SurveyTopic>>,
    pub(crate) scale: Vec<u32>,
    pub(crate) score: Vec<Decimal>,
    pub(crate) submitted_on: Vec<NaiveDate>,
    pub(crate) respondent: Vec<u32>,
    pub(crate) partner: Vec<u32>,
    pub(crate) attrs: Attrs,
}

impl Surveys {
    /// Number of answers.
    pub fn len(&self) -> usize {
        self.id_end.len()
    }

    /// True when there are no answers.
    pub fn is_empty(&self) -> bool {
        self.id_end.is_empty()
    }

    /// Adds an answer at the end (not checked: [`crate::Dataset::validate`] checks).
    pub fn push(&mut self, s: SurveyResponse) {
        self.push_ref(&s);
    }

    /// Adds a copy of an answer at the end.
    pub fn push_ref(&mut self, s: &SurveyResponse) {
        self.ids.push_str(s.id.as_deref().unwrap_or_default());
        self.id_end.push(self.ids.len());
        self.has_id.push(s.id.is_some());
        let w = &mut self.words;
        self.respondent.push(w.id(s.respondent.as_deref()));
        self.partner.push(w.id(s.partner_id.as_deref()));
        self.kind.push(s.kind);
        self.topic.push(s.topic);
        self.scale.push(s.scale);
        self.score.push(s.score);
        self.submitted_on.push(s.submitted_on);
        if !s.attrs.is_empty() {
            self.attrs.set_all(self.len() - 1, &s.attrs);
        }
    }

    /// Makes room for `n` more answers in every per-answer column (and about 8 bytes of id
    /// text each), so a reader that knows how many it will append grows each vector once
    /// instead of by doubling (each doubling copies the column and faults in its pages again).
    #[cfg(feature = "arrow")]
    pub(crate) fn reserve(&mut self, n: usize) {
        self.ids.reserve(n * 8);
        self.id_end.reserve(n);
        self.has_id.reserve(n);
        self.kind.reserve(n);
        self.topic.reserve(n);
        self.scale.reserve(n);
        self.score.reserve(n);
        self.submitted_on.reserve(n);
        self.respondent.reserve(n);
        self.partner.reserve(n);
    }

    /// Moves every answer of `other` to the end of `self`, in order (its texts looked up in
    /// this dictionary once each).
    pub fn append(&mut self, other: Surveys) {
        if self.is_empty() && self.words.is_empty() && self.attrs.is_empty() {
            *self = other; // nothing to remap or shift: taken as it is, not copied
            return;
        }
        let remap: Vec<u32> = std::iter::once(0).chain(other.words.values().map(|w| self.words.id(Some(w)))).collect();
        let shift = self.ids.len();
        self.ids.push_str(&other.ids);
        self.id_end.extend(other.id_end.iter().map(|e| e + shift));
        self.has_id.extend_from_slice(&other.has_id);
        for (mine, theirs) in [(&mut self.respondent, &other.respondent), (&mut self.partner, &other.partner)] {
            mine.extend(theirs.iter().map(|&w| remap[w as usize]));
        }
        self.kind.extend_from_slice(&other.kind);
        self.topic.extend_from_slice(&other.topic);
        self.scale.extend_from_slice(&other.scale);
        self.score.extend_from_slice(&other.score);
        self.submitted_on.extend_from_slice(&other.submitted_on);
        self.attrs.append(&other.attrs, self.id_end.len() - other.id_end.len());
    }

    /// Keeps the first `len` answers (texts of the removed ones stay in the dictionary).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        self.ids.truncate(if len == 0 { 0 } else { self.id_end[len - 1] });
        self.id_end.truncate(len);
        self.has_id.truncate(len);
        self.respondent.truncate(len);
        self.partner.truncate(len);
        self.kind.truncate(len);
        self.topic.truncate(len);
        self.scale.truncate(len);
        self.score.truncate(len);
        self.submitted_on.truncate(len);
        self.attrs.keep(len);
    }

    /// Splits the answers at `at`: `self` keeps `..at`, the rest is returned. Panics when
    /// `at > len()`.
    pub fn split_off(&mut self, at: usize) -> Surveys {
        assert!(at <= self.len(), "split_off at {at} beyond {} answers", self.len());
        let tail: Surveys = (at..self.len()).map(|i| self.get(i)).collect();
        self.truncate(at);
        tail
    }

    /// Answer `i` as a [`SurveyResponse`]. Panics when `i >= len()`.
    pub fn get(&self, i: usize) -> SurveyResponse {
        let mut s = SurveyResponse::new(self.kind[i], self.scale[i], self.score[i], self.submitted_on[i]);
        self.fill(i, &mut s);
        s
    }

    /// Writes answer `i` into `s`, reusing its strings (no allocation once they are large
    /// enough). Panics when `i >= len()`.
    pub fn fill(&self, i: usize, s: &mut SurveyResponse) {
        put_text(&mut s.id, self.id(i));
        s.kind = self.kind[i];
        s.topic = self.topic[i];
        s.scale = self.scale[i];
        s.score = self.score[i];
        s.submitted_on = self.submitted_on[i];
        put_text(&mut s.respondent, self.respondent(i));
        put_text(&mut s.partner_id, self.partner_id(i));
        self.attrs.fill(i, &mut s.attrs);
    }

    /// Every answer, in order, as [`SurveyResponse`] values.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = SurveyResponse> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Every answer as a [`SurveyResponse`] value.
    pub fn to_vec(&self) -> Vec<SurveyResponse> {
        self.iter().collect()
    }

    /// Answer `i`'s id, if it has one.
    pub fn id(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { self.id_end[i - 1] };
        self.has_id[i].then(|| &self.ids[start..self.id_end[i]])
    }

    /// What answer `i` measures.
    pub fn kind(&self, i: usize) -> SurveyKind {
        self.kind[i]
    }

    /// Answer `i`'s topic.
    pub fn topic(&self, i: usize) -> Option<SurveyTopic> {
        self.topic[i]
    }

    /// The highest score of answer `i`'s scale.
    pub fn scale(&self, i: usize) -> u32 {
        self.scale[i]
    }

    /// Answer `i`'s score.
    pub fn score(&self, i: usize) -> Decimal {
        self.score[i]
    }

    /// The date answer `i` was given.
    pub fn submitted_on(&self, i: usize) -> NaiveDate {
        self.submitted_on[i]
    }

    /// Who gave answer `i`.
    pub fn respondent(&self, i: usize) -> Option<&str> {
        self.words.get(self.respondent[i])
    }

    /// The partner answer `i` is about (or from).
    pub fn partner_id(&self, i: usize) -> Option<&str> {
        self.words.get(self.partner[i])
    }

    /// Answer `i`'s value of attr `name`.
    pub fn attr(&self, i: usize, name: &str) -> Option<&str> {
        self.attrs.get(i, name)
    }

    /// Checks answer `i` as [`SurveyResponse::validate`] checks it (the same error; the answer
    /// is built only when it is wrong).
    pub fn validate(&self, i: usize) -> crate::Result<()> {
        match answer_problem(self.kind[i], self.scale[i], self.score[i]) {
            None => Ok(()),
            Some(_) => self.get(i).validate(),
        }
    }

    /// Whether answers `rows` all pass [`Surveys::validate`] (a fold of flags, no error built;
    /// the typed reader's check).
    #[cfg(feature = "arrow")]
    pub(crate) fn all_valid(&self, rows: std::ops::Range<usize>) -> bool {
        let (kind, scale, score) = (&self.kind[rows.clone()], &self.scale[rows.clone()], &self.score[rows]);
        // per kind, the bounds of the last scale and decimal scale seen (a column's scores
        // share one decimal scale, and each kind nearly always one scale)
        let mut last: [Option<(u32, u32, Bounds)>; 3] = [None; 3];
        kind.iter().zip(scale).zip(score).all(|((&k, &s), &v)| {
            let slot = &mut last[k as usize];
            let bounds = match *slot {
                Some((sc, places, b)) if sc == s && places == v.scale() => b,
                _ => {
                    let b = score_bounds(k, s, v.scale());
                    *slot = Some((s, v.scale(), b));
                    b
                }
            };
            bounds.is_some_and(|(lo, hi)| (lo..=hi).contains(&v.mantissa()))
        })
    }

    /// Heap bytes held by the columns and dictionaries.
    pub fn heap_bytes(&self) -> usize {
        self.ids.capacity()
            + self.id_end.capacity() * 8
            + self.has_id.capacity()
            + self.words.heap_bytes()
            + self.kind.capacity()
            + self.topic.capacity()
            + self.scale.capacity() * 4
            + self.score.capacity() * 16
            + self.submitted_on.capacity() * 4
            + (self.respondent.capacity() + self.partner.capacity()) * 4
            + self.attrs.heap_bytes()
    }
}

/// The lowest and highest mantissa a valid score may have ([`score_bounds`]); `None`: no score
/// is valid.
#[cfg(feature = "arrow")]
type Bounds = Option<(i128, i128)>;

/// The mantissas at decimal scale `places` a score of an answer of `kind` on a 1–`scale` (0–10)
/// scale may have, as [`answer_problem`] bounds it; `None` when no score is valid (an NPS
/// answer not on a 0–10 scale, a scale of fewer than 2 points). The products fit: a scale is
/// below 2^32 and `places` at most 28, so `scale × 10^places` < 2^126.
///
/// Example: CSAT on 1–5 at one decimal place: 10..=50.
#[cfg(feature = "arrow")]
fn score_bounds(kind: SurveyKind, scale: u32, places: u32) -> Bounds {
    let (lo, hi) = (u32::from(kind != SurveyKind::Nps), scale);
    let valid = |m: i128| answer_problem(kind, scale, Decimal::from_i128_with_scale(m, places)).is_none();
    let one = 10i128.pow(places);
    let (lo, hi) = (i128::from(lo) * one, i128::from(hi) * one);
    // the checks that do not depend on the score: asked of one score on the scale
    valid(lo).then_some((lo, hi))
}

super::columns_as_list::as_list!(Surveys, SurveyResponse, "a list of survey answers");

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: Option<&str>, partner: Option<&str>, region: Option<&str>) -> SurveyResponse {
        let mut s = SurveyResponse::new(SurveyKind::PartnerSatisfaction, 5, Decimal::new(45, 1), "2025-03-01".parse().unwrap());
        s.id = id.map(String::from);
        s.topic = Some(SurveyTopic::Training);
        s.partner_id = partner.map(String::from);
        s.respondent = Some("ann".into());
        if let Some(r) = region {
            s.attrs.insert("region".into(), r.into());
        }
        s
    }

    #[test]
    fn answers_come_back_as_they_went_in() {
        let all = vec![answer(Some("S1"), Some("P1"), Some("EMEA")), answer(None, None, None), answer(Some(""), Some("P1"), Some("APAC"))];
        let surveys: Surveys = all.clone().into();
        assert_eq!(surveys.to_vec(), all);
        assert_eq!(
            (surveys.id(1), surveys.id(2), surveys.partner_id(2), surveys.attr(0, "region")),
            (None, Some(""), Some("P1"), Some("EMEA"))
        );
        assert_eq!(surveys.score(0).to_string(), "4.5");
        let json = serde_json::to_string(&surveys).unwrap();
        assert_eq!(json, serde_json::to_string(&all).unwrap());
        assert_eq!(serde_json::from_str::<Surveys>(&json).unwrap(), surveys);
    }

    #[test]
    fn append_remaps_texts_and_truncate_forgets_the_tail() {
        let mut a: Surveys = vec![answer(Some("S1"), Some("P1"), None)].into();
        let b: Surveys = vec![answer(None, Some("P2"), Some("EMEA")), answer(Some("S3"), None, Some("APAC"))].into();
        a.append(b);
        let want = [answer(Some("S1"), Some("P1"), None), answer(None, Some("P2"), Some("EMEA")), answer(Some("S3"), None, Some("APAC"))];
        assert_eq!(a.to_vec(), want);
        a.truncate(2);
        assert_eq!(a.to_vec(), want[..2]);
        a.push(answer(Some("S4"), None, None));
        assert_eq!((a.len(), a.id(2), a.attr(2, "region")), (3, Some("S4"), None));
        let tail = a.split_off(1);
        assert_eq!((a.len(), tail.len(), tail.partner_id(0)), (1, 2, Some("P2")));
    }

    #[test]
    fn validate_reports_what_the_answer_would() {
        let mut bad = answer(Some("S9"), None, None);
        bad.score = Decimal::from(6);
        let surveys: Surveys = vec![answer(None, None, None), bad.clone()].into();
        assert!(surveys.validate(0).is_ok());
        #[cfg(feature = "arrow")]
        assert!(surveys.all_valid(0..1) && !surveys.all_valid(0..2));
        assert_eq!(surveys.validate(1).unwrap_err().to_string(), bad.validate().unwrap_err().to_string());
    }

    /// `all_valid`'s bounds per kind, scale and decimal scale agree with `answer_problem` on
    /// scores at and around the edges, on every scale and decimal scale, kinds mixed.
    #[cfg(feature = "arrow")]
    #[test]
    fn all_valid_agrees_with_validate_answer_by_answer() {
        let mut all = Vec::new();
        for kind in [SurveyKind::Csat, SurveyKind::Nps, SurveyKind::PartnerSatisfaction] {
            for scale in [0, 1, 2, 5, 10, 11] {
                for m in [-10i64, -1, 0, 1, 5, 9, 10, 11, 20, 49, 50, 51, 99, 100, 101, 110, 111, 1000, 1001] {
                    for places in [0, 1, 2] {
                        let mut s = answer(None, None, None);
                        (s.kind, s.scale, s.score) = (kind, scale, Decimal::new(m, places));
                        all.push(s);
                    }
                }
            }
        }
        let surveys: Surveys = all.clone().into();
        for (i, s) in all.iter().enumerate() {
            assert_eq!(surveys.all_valid(i..i + 1), s.validate().is_ok(), "{:?} {} {}", s.kind, s.scale, s.score);
        }
        let valid: Vec<usize> = (0..all.len()).filter(|&i| all[i].validate().is_ok()).collect();
        let good: Surveys = valid.iter().map(|&i| all[i].clone()).collect();
        assert!(good.len() > 50 && good.all_valid(0..good.len()));
    }
}
