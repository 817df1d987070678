//! [`Engine::push_deals`]: deals folded straight from the columns of [`Deals`].
//!
//! The same fold as [`Engine::push`] of each deal (same groups, windows, states, errors), read
//! from the columns: the group values come from [`deal_dim`] (the code `Record::dim_value`
//! runs for a [`crate::Deal`]); the deal-outcome KPIs (`kpi::deal_tally::columnar_metric`) get
//! one [`DealFacts`] per deal and window, classified once and folded into each of their states
//! by the `fold` their own `observe` runs; every other KPI sees the deal as a [`crate::Deal`],
//! written into one reused value only when the query has such a KPI.

use super::dimension::{DimValue, Dimension};
use super::kpi::Ctx;
use super::partial::{Engine, INLINE_DIMS, check_deal_currency, fold_cells, levels};
use super::record::{Record, deal_dim};
use crate::domain::{Deal, Deals, WordField};
use crate::error::Result;
use crate::kpi::deal_tally::{TallyNeeds, columnar_metric, fold_columnar};
use crate::kpi::deals::DealFacts;

/// The column of [`Deals`] that alone decides a deal's value of `dim`, if one does.
fn key_field(dim: &Dimension) -> Option<WordField> {
    match dim {
        Dimension::Partner | Dimension::PartnerTier | Dimension::Region => Some(WordField::Partner),
        Dimension::Owner | Dimension::Org(_) => Some(WordField::Owner),
        Dimension::Source => Some(WordField::Source),
        Dimension::Product => Some(WordField::Product),
        Dimension::Channel => Some(WordField::Channel),
        Dimension::Kind => Some(WordField::Kind),
        Dimension::Attr(_) | Dimension::All => None,
    }
}

impl Engine<'_> {
    /// Folds deals `rows` of `deals` in order: the same as [`Engine::push`] of each deal as a
    /// [`Deal`] ([`Deals::get`]), without building one per row for the deal-outcome KPIs.
    pub fn push_deals(&mut self, deals: &Deals, rows: std::ops::Range<usize>) -> Result<()> {
        let q = self.query.clone();
        let refs = self.refs;
        let ctx = Ctx { query: &q, refs, as_of: self.as_of };
        // Per metric: folded from the deal's facts (true) or observing the deal (false).
        let by_facts: Vec<bool> = q.metrics.iter().map(|m| columnar_metric(*m, &ctx)).collect();
        let needs = q.metrics.iter().zip(&by_facts).filter(|(_, f)| **f).fold(TallyNeeds::default(), |n, (m, _)| n.with(*m));
        let mut deal: Option<Deal> = None;
        let (n, nw) = (q.group_by.len(), self.windows.len());
        let mut facts: Vec<Option<DealFacts>> = vec![None; nw];
        let (mut values, mut texts) = ([DimValue::Value(None); INLINE_DIMS], [None; INLINE_DIMS]);
        let (mut many_values, mut many_texts) = (vec![DimValue::Value(None); n], vec![None; n]);
        // Every dimension applies to a deal, so its levels depend on the query only.
        let Some(levels) = levels(&q, None, &vec![DimValue::Value(None); n]) else { return Ok(()) };
        let levels: Vec<usize> = levels.collect();
        // Grouping by one dimension that one column decides (partner, its tier or region,
        // owner, an org level, source, product, channel, kind): group ids cached per value id, so a
        // deal's groups cost one array read per level, not the texts' hashes.
        let key = match q.group_by.as_slice() {
            [d] => key_field(d),
            _ => None,
        };
        let nl = n + 1;
        let mut cache: Vec<u32> = Vec::new();
        let mut groups = [0u32; INLINE_DIMS + 1];
        let mut many_groups = vec![0u32; nl];
        let groups: &mut [u32] = if nl <= INLINE_DIMS + 1 { &mut groups[..nl] } else { &mut many_groups };
        for i in rows {
            crate::interrupt::check()?;
            if self.one_currency {
                check_deal_currency(&mut self.currency, deals, i)?;
            }
            if by_facts.contains(&false) {
                let d = deal.get_or_insert_with(|| deals.get(i));
                deals.fill(i, d);
            }
            let cached = key.map(|f| deals.word_key(f, i) as usize * nl);
            if let Some(k) = cached
                && cache.len() <= k
            {
                cache.resize(deals.word_count() * nl, u32::MAX);
            }
            if cached.is_none_or(|k| levels.iter().any(|&l| cache[k + l] == u32::MAX)) {
                let (values, texts): (&mut [DimValue], &mut [Option<&str>]) =
                    if n <= INLINE_DIMS { (&mut values[..n], &mut texts[..n]) } else { (&mut many_values, &mut many_texts) };
                for ((v, t), d) in values.iter_mut().zip(texts.iter_mut()).zip(&q.group_by) {
                    *v = deal_dim((deals, i), d, refs);
                    *t = v.text();
                }
                for &level in &levels {
                    groups[level] = self.groups.id(level, texts);
                    if let Some(k) = cached {
                        cache[k + level] = groups[level];
                    }
                }
            } else if let Some(k) = cached {
                for &level in &levels {
                    groups[level] = cache[k + level];
                }
            }
            facts.iter_mut().for_each(|f| *f = None);
            for &level in &levels {
                fold_cells(&mut self.cells, &self.windows, &q.metrics, groups[level] as usize, |wi, w, states| {
                    let f = match facts[wi] {
                        Some(f) => f,
                        None => *facts[wi].insert(DealFacts::of_row(deals, i, w, &ctx, needs)?),
                    };
                    let mut touched = false;
                    for (s, by_facts) in states.iter_mut().zip(&by_facts) {
                        touched |= if *by_facts {
                            f.any() && f.tally(|t| fold_columnar(s, t))?
                        } else {
                            s.observe(&Record::Deal(deal.as_ref().expect("filled above")), w, &ctx)?
                        };
                    }
                    Ok(touched)
                })?;
            }
        }
        Ok(())
    }
}
