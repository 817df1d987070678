//! The survey answers of a [`Dataset`], checked.

use crate::Dataset;
use crate::error::{Error, Location, Result};

impl Dataset {
    /// Checks the survey answers: each valid ([`crate::SurveyResponse::validate`]) and, when
    /// partners are given, about a known partner — looked up once per distinct partner text.
    /// The first answer in order that fails gives the error a `SurveyResponse` would.
    pub(crate) fn check_surveys(&self, has_partners: bool) -> Result<()> {
        let s = &self.surveys;
        // per dictionary id: 0 not looked at yet, 1 known, 2 unknown
        let mut known = vec![0u8; if has_partners { s.words.len() + 1 } else { 0 }];
        for i in 0..s.len() {
            s.validate(i)?;
            let word = s.partner[i];
            if !has_partners || word == 0 {
                continue;
            }
            let k = &mut known[word as usize];
            if *k == 0 {
                *k = if s.words.get(word).is_some_and(|p| self.refs.partner(p).is_some()) { 1 } else { 2 };
            }
            if *k == 2 {
                let p = s.partner_id(i).unwrap_or_default();
                return Err(Error::Reference {
                    location: Location {
                        record: Some(s.get(i).describe()),
                        field: Some("partner_id".into()),
                        value: Some(p.into()),
                        ..Default::default()
                    },
                    reason: "unknown partner".into(),
                });
            }
        }
        Ok(())
    }
}
