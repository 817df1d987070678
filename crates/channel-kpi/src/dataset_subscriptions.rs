//! The subscription months of a [`Dataset`], checked.

use crate::Dataset;
use crate::dataset::Known;
use crate::error::Result;

impl Dataset {
    /// Checks the subscription months: each valid ([`crate::SubscriptionMonth::validate`]: an
    /// account given, MRR not negative) and its partner known (`known`, when partners are
    /// given). Accounts and partners are looked at once per distinct text; a row that fails is
    /// rebuilt as a [`crate::SubscriptionMonth`] and checked as one, so the error is the one
    /// the row's own check gives. `loaded`: the loader validated every row (the row path by
    /// `SubscriptionMonth::validate`, the typed reader by refusing what it refuses), so only
    /// the partners are left to look at — and nothing when no partners are given.
    pub(crate) fn check_subscriptions(
        &self,
        loaded: bool,
        has_partners: bool,
        known: &dyn Fn(String, Option<&str>) -> Result<()>,
    ) -> Result<()> {
        let s = &self.subscriptions;
        if loaded && !has_partners {
            return Ok(());
        }
        let words = s.words.len() + 1;
        let (mut account_ok, mut partner_ok) = (Known::new(words), Known::new(words));
        for i in 0..s.len() {
            let mrr = s.mrr[i].amount;
            let fine = (loaded
                || ((!mrr.is_sign_negative() || mrr.is_zero()) && account_ok.known(s.account[i], || !s.account_id(i).trim().is_empty())))
                && (!has_partners || s.partner[i] == 0 || partner_ok.known(s.partner[i], || known(String::new(), s.partner_id(i)).is_ok()));
            if !fine {
                let row = s.get(i);
                row.validate()?;
                known(row.describe(), row.partner_id.as_deref())?;
            }
        }
        Ok(())
    }
}
