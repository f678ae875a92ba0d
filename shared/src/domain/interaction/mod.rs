//! Interaction with the public (§4.3) as pure rules: consultations (online and offline),
//! surveys, comments with moderation and service ratings (好差评). The knowledge base's index
//! is [`super::kb`].

pub mod comment;
pub mod consultation;
pub mod rating;
pub mod survey;
pub mod text;

use time::Date;

use super::{
    calendar::{Calendar, Deadline},
    case::{ClockFlag, DUE_SOON_WORKING_DAYS},
};

/// One refused field of a request: which, a stable code, and why in the users' language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl Violation {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

/// Working days left until `due` on `today` (negative once overdue) and the flag staff see.
pub fn clock(calendar: &Calendar, due: Deadline, today: Date) -> (i64, ClockFlag) {
    if today > due.date {
        return (-i64::from(calendar.working_days_between(due.date, today)), ClockFlag::Overdue);
    }
    let left = i64::from(calendar.working_days_between(today, due.date));
    let flag = if left <= i64::from(DUE_SOON_WORKING_DAYS) { ClockFlag::DueSoon } else { ClockFlag::OnTime };
    (left, flag)
}
