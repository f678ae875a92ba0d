//! Service ratings (政务服务“好差评”): once a case is decided its applicant rates the service on
//! five levels with a comment; a rating of 不满意 or 非常不满意 opens a follow-up (整改回访) that
//! the department must answer within [`FOLLOW_UP_WORKING_DAYS`]; ratings are aggregated per
//! department and per item.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Violation, text};
use crate::domain::{calendar::Deadline, case::Status};

/// Working days a department has to answer a poor rating.
pub const FOLLOW_UP_WORKING_DAYS: u32 = 15;
pub const COMMENT_MAX_CHARS: usize = 500;
pub const REPLY_MAX_CHARS: usize = 2000;

/// The five levels, 5 (非常满意) to 1 (非常不满意).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const ALL: [Level; 5] = [Level(5), Level(4), Level(3), Level(2), Level(1)];

    pub fn parse(n: i64) -> Option<Level> {
        (1..=5).contains(&n).then_some(Level(n as u8))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn label_zh(self) -> &'static str {
        match self.0 {
            5 => "非常满意",
            4 => "满意",
            3 => "基本满意",
            2 => "不满意",
            _ => "非常不满意",
        }
    }

    /// 差评: 不满意 and 非常不满意 must be followed up.
    pub fn is_poor(self) -> bool {
        self.0 <= 2
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        Level::parse(i64::from(n)).ok_or_else(|| format!("rating level {n} is not 1-5"))
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.0
    }
}

/// Only a decided case can be rated: approved, denied or not accepted (a withdrawn case was
/// not served to the end).
pub fn rateable(status: Status) -> bool {
    matches!(status, Status::Approved | Status::Denied | Status::NotAccepted)
}

/// The department's answer to a poor rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpReply {
    pub content: String,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUp {
    pub due: Deadline,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<FollowUpReply>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    pub application_id: String,
    pub item_code: String,
    pub item_name: String,
    pub department_id: String,
    pub applicant_id: String,
    pub level: Level,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub rated_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUp>,
}

/// A rating as parsed from the request: the comment is required for a poor one, so the
/// department knows what to put right.
pub fn parse(level: i64, comment: Option<&str>) -> Result<(Level, Option<String>), Vec<Violation>> {
    let mut errors = Vec::new();
    let level = Level::parse(level);
    if level.is_none() {
        errors.push(Violation::new(
            "level",
            "invalid_level",
            "评价等级须为 1 至 5（5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意）",
        ));
    }
    let comment = text::optional_field("comment", "评价内容", comment, COMMENT_MAX_CHARS)
        .map_err(|v| errors.push(v))
        .ok()
        .flatten();
    if let Some(l) = level
        && l.is_poor()
        && comment.is_none()
        && errors.is_empty()
    {
        errors.push(Violation::new("comment", "comment_required", "评价为不满意或非常不满意时，请说明原因"));
    }
    match level {
        Some(level) if errors.is_empty() => Ok((level, comment)),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpError {
    #[error("the rating needs no follow-up")]
    NotNeeded,
    #[error("the follow-up was already answered")]
    AlreadyAnswered,
}

impl FollowUpError {
    pub fn code(self) -> &'static str {
        match self {
            FollowUpError::NotNeeded => "no_follow_up",
            FollowUpError::AlreadyAnswered => "already_answered",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            FollowUpError::NotNeeded => "该评价不是差评，无需整改回访",
            FollowUpError::AlreadyAnswered => "该差评已回访答复，不能重复答复",
        }
    }
}

impl Rating {
    /// A poor rating's follow-up is due `due`; others have none.
    pub fn new(
        application_id: String,
        item: (String, String),
        department_id: String,
        applicant_id: String,
        (level, comment): (Level, Option<String>),
        rated_at: OffsetDateTime,
        due: Deadline,
    ) -> Rating {
        Rating {
            application_id,
            item_code: item.0,
            item_name: item.1,
            department_id,
            applicant_id,
            level,
            comment,
            rated_at,
            follow_up: level.is_poor().then_some(FollowUp { due, reply: None }),
        }
    }

    pub fn answer_follow_up(
        &self,
        content: String,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<Rating, FollowUpError> {
        let follow_up = self.follow_up.as_ref().ok_or(FollowUpError::NotNeeded)?;
        if follow_up.reply.is_some() {
            return Err(FollowUpError::AlreadyAnswered);
        }
        let mut next = self.clone();
        next.follow_up = Some(FollowUp {
            due: follow_up.due,
            reply: Some(FollowUpReply { content, by: by.into(), at: now }),
        });
        Ok(next)
    }

    pub fn follow_up_open(&self) -> bool {
        self.follow_up.as_ref().is_some_and(|f| f.reply.is_none())
    }
}

/// Ratings of one department or item, by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregate {
    /// `by_level[l - 1]`: ratings of level `l`.
    pub by_level: [u64; 5],
}

impl Aggregate {
    pub fn add(&mut self, level: Level, n: u64) {
        self.by_level[usize::from(level.0) - 1] += n;
    }

    pub fn count(&self) -> u64 {
        self.by_level.iter().sum()
    }

    /// Mean level with two decimals; `None` without ratings.
    pub fn average(&self) -> Option<f64> {
        let count = self.count();
        let sum: u64 = self.by_level.iter().enumerate().map(|(i, n)| (i as u64 + 1) * n).sum();
        (count > 0).then(|| (sum as f64 * 100.0 / count as f64).round() / 100.0)
    }

    /// 满意率: the share rated 基本满意 or better, in percent with one decimal.
    pub fn satisfaction_percent(&self) -> Option<f64> {
        let count = self.count();
        let satisfied: u64 = self.by_level[2..].iter().sum();
        (count > 0).then(|| (satisfied as f64 * 1000.0 / count as f64).round() / 10.0)
    }

    /// Poor ratings (差评).
    pub fn poor(&self) -> u64 {
        self.by_level[..2].iter().sum()
    }
}

/// The tally key of a level.
pub fn level_key(level: Level) -> String {
    format!("l{}", level.0)
}

/// An aggregate from tally counts keyed by [`level_key`].
pub fn aggregate(counts: &std::collections::BTreeMap<String, u64>) -> Aggregate {
    let mut a = Aggregate::default();
    for level in Level::ALL {
        a.add(level, counts.get(&level_key(level)).copied().unwrap_or(0));
    }
    a
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-03 09:00 +08:00);
    const DUE: Deadline = Deadline { date: date!(2026 - 12 - 24), provisional: false };

    fn rating(level: i64, comment: Option<&str>) -> Rating {
        let parsed = parse(level, comment).unwrap();
        Rating::new(
            "a1".into(),
            ("GY-SCJG-001".into(), "食品经营许可".into()),
            "gy-amr".into(),
            "u1".into(),
            parsed,
            NOW,
            DUE,
        )
    }

    #[test]
    fn five_levels_with_their_names() {
        let labels: Vec<&str> = Level::ALL.iter().map(|l| l.label_zh()).collect();
        assert_eq!(labels, ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]);
        assert_eq!(Level::parse(0), None);
        assert_eq!(Level::parse(6), None);
        assert!(serde_json::from_str::<Level>("7").is_err());
        assert_eq!(serde_json::to_string(&Level::parse(4).unwrap()).unwrap(), "4");
    }

    #[test]
    fn a_poor_rating_needs_a_reason_and_opens_a_follow_up() {
        assert_eq!(parse(2, None).unwrap_err()[0].code, "comment_required");
        assert_eq!(parse(1, Some("  ")).unwrap_err()[0].code, "comment_required");
        assert_eq!(parse(9, None).unwrap_err()[0].code, "invalid_level");
        assert_eq!(parse(5, Some(&"好".repeat(COMMENT_MAX_CHARS + 1))).unwrap_err()[0].code, "text_too_long");
        assert!(rating(5, None).follow_up.is_none());
        assert!(rating(3, Some("一般")).follow_up.is_none());
        let poor = rating(2, Some("窗口排队时间太长"));
        assert_eq!(poor.follow_up.as_ref().unwrap().due, DUE);
        assert!(poor.follow_up_open());
    }

    #[test]
    fn a_follow_up_is_answered_once() {
        let poor = rating(1, Some("材料被退回三次"));
        let answered = poor.answer_follow_up("已约谈窗口人员并整改".into(), "clerk", NOW).unwrap();
        assert!(!answered.follow_up_open());
        assert_eq!(answered.answer_follow_up("x".into(), "clerk", NOW), Err(FollowUpError::AlreadyAnswered));
        assert_eq!(rating(4, None).answer_follow_up("x".into(), "clerk", NOW), Err(FollowUpError::NotNeeded));
    }

    #[test]
    fn only_decided_cases_are_rateable() {
        for s in [Status::Approved, Status::Denied, Status::NotAccepted] {
            assert!(rateable(s));
        }
        for s in [
            Status::Submitted,
            Status::SupplementRequested,
            Status::Accepted,
            Status::UnderReview,
            Status::Withdrawn,
        ] {
            assert!(!rateable(s), "{s:?}");
        }
    }

    #[test]
    fn aggregates_give_count_average_and_satisfaction() {
        let mut a = Aggregate::default();
        assert_eq!((a.count(), a.average(), a.satisfaction_percent()), (0, None, None));
        a.add(Level::parse(5).unwrap(), 2);
        a.add(Level::parse(3).unwrap(), 1);
        a.add(Level::parse(1).unwrap(), 1);
        assert_eq!(a.count(), 4);
        assert_eq!(a.average(), Some(3.5));
        assert_eq!(a.satisfaction_percent(), Some(75.0));
        assert_eq!(a.poor(), 1);
    }

    proptest! {
        #[test]
        fn aggregate_round_trips_through_tally_keys(counts in proptest::array::uniform5(0u64..1000)) {
            let mut a = Aggregate::default();
            let mut tally = std::collections::BTreeMap::new();
            for (i, n) in counts.iter().enumerate() {
                let level = Level::parse(i as i64 + 1).unwrap();
                a.add(level, *n);
                tally.insert(level_key(level), *n);
            }
            prop_assert_eq!(aggregate(&tally), a);
            if let Some(avg) = a.average() {
                prop_assert!((1.0..=5.0).contains(&avg));
            }
            if let Some(p) = a.satisfaction_percent() {
                prop_assert!((0.0..=100.0).contains(&p));
            }
        }
    }
}
