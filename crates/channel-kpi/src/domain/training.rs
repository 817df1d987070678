//! [`CourseAttendance`]: one person of a partner attending (and maybe completing) a course,
//! as exported from an LMS.

use crate::error::{Error, Location, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A course attendance. Invariants ([`CourseAttendance::validate`]): partner and course are
/// not empty; `completed_on ≥ attended_on`; a score is not negative.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct CourseAttendance {
    /// The partner whose person attended.
    pub partner_id: String,
    /// The person (an LMS user id).
    #[serde(default)]
    pub person_id: Option<String>,
    /// The course.
    pub course_id: String,
    /// First day of attendance.
    pub attended_on: NaiveDate,
    /// Completion date; `None` = not (yet) completed.
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
    /// Final score, when the LMS gives one.
    #[serde(default)]
    pub score: Option<Decimal>,
}

impl CourseAttendance {
    /// An attendance without person, completion or score.
    pub fn new(partner_id: impl Into<String>, course_id: impl Into<String>, attended_on: NaiveDate) -> Self {
        CourseAttendance {
            partner_id: partner_id.into(),
            person_id: None,
            course_id: course_id.into(),
            attended_on,
            completed_on: None,
            score: None,
        }
    }

    /// `course C1 of P1`, for error messages.
    pub fn describe(&self) -> String {
        format!("attendance {}/{}", self.partner_id, self.course_id)
    }

    /// Checks the invariants listed on the type.
    pub fn validate(&self) -> Result<()> {
        let loc = |f: &str| Location { record: Some(self.describe()), field: Some(f.into()), ..Default::default() };
        if self.partner_id.trim().is_empty() {
            return Err(Error::Missing { location: loc("partner_id") });
        }
        if self.course_id.trim().is_empty() {
            return Err(Error::Missing { location: loc("course_id") });
        }
        if let Some(c) = self.completed_on.filter(|c| *c < self.attended_on) {
            return Err(Error::invalid(loc("completed_on").with_value(c), format!("completed before attending ({})", self.attended_on)));
        }
        if let Some(s) = self.score.filter(|s| s.is_sign_negative() && !s.is_zero()) {
            return Err(Error::invalid(loc("score").with_value(s), "score is negative"));
        }
        Ok(())
    }
}
