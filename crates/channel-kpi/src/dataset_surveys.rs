//! The survey answers of a [`Dataset`], checked.

use crate::Dataset;
use crate::dataset::Known;
use crate::error::Result;

impl Dataset {
    /// Checks the survey answers: each valid ([`crate::SurveyResponse::validate`]: its score on
    /// its scale) and its partner known (`known`, when partners are given), partners looked at
    /// once per distinct text. An answer that fails is rebuilt as a
    /// [`crate::SurveyResponse`] and checked as one, so the error is the one the answer's own
    /// check gives. `loaded`: the loader validated every answer (both its paths do), so only
    /// the partners are left to look at — and nothing when no partners are given.
    pub(crate) fn check_surveys(&self, loaded: bool, has_partners: bool, known: &dyn Fn(String, Option<&str>) -> Result<()>) -> Result<()> {
        let s = &self.surveys;
        if loaded && !has_partners {
            return Ok(());
        }
        let mut partner_ok = Known::new(s.words.len() + 1);
        for i in 0..s.len() {
            let fine = (loaded || s.validate(i).is_ok())
                && (!has_partners || s.partner[i] == 0 || partner_ok.known(s.partner[i], || known(String::new(), s.partner_id(i)).is_ok()));
            if !fine {
                let answer = s.get(i);
                answer.validate()?;
                known(answer.describe(), answer.partner_id.as_deref())?;
            }
        }
        Ok(())
    }
}
