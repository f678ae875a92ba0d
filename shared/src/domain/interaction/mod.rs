//! Interaction with the public (§4.3) as pure rules: consultations (online and offline),
//! surveys, comments with moderation and service ratings (好差评). The knowledge base's index
//! is [`super::kb`].

pub mod comment;
pub mod consultation;
pub mod rating;
pub mod survey;
pub mod text;

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
pub use super::case::time_left as clock;

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::domain::{calendar::Calendar, case::ClockFlag};

    #[test]
    fn the_clock_counts_working_days_and_flags_due_soon_and_overdue() {
        let calendar = Calendar::shipped();
        // Thursday 2026-12-24 is 15 working days after Thursday 2026-12-03.
        let due = calendar.add_working_days(date!(2026 - 12 - 03), 15);
        assert_eq!(due.date, date!(2026 - 12 - 24));
        assert_eq!(clock(&calendar, due, date!(2026 - 12 - 03)), (15, ClockFlag::OnTime));
        assert_eq!(clock(&calendar, due, date!(2026 - 12 - 22)), (2, ClockFlag::DueSoon));
        assert_eq!(clock(&calendar, due, date!(2026 - 12 - 24)), (0, ClockFlag::DueSoon));
        // Friday the 25th is one working day late, and the weekend adds none.
        assert_eq!(clock(&calendar, due, date!(2026 - 12 - 27)), (-1, ClockFlag::Overdue));
    }
}
