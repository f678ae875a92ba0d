//! Supervision complaints (网上监督投诉, §4.4) and letters to the government mailbox (政务信箱,
//! §4.3 b) as pure rules. Both are submissions that anyone may make, logged in or not, and then
//! follow by number and secret query code ([`super::tracking`]).
//!
//! A complaint: submitted → assigned (a supervisor chooses the department) → replied (by that
//! department's staff) → closed (the complainant rates the handling: satisfied, basically
//! satisfied or dissatisfied). After a "dissatisfied" the complainant may reopen it, once:
//! reopened → replied → closed. A supervisor may reassign it while it waits for a reply.
//!
//! A letter is addressed to a department (or its head), so it is assigned from the start:
//! assigned → replied. A supervisor may forward it to another department while it waits.
//!
//! The clock: a reply is due `reply_limit_days` working days (default 15) after the day of
//! receipt, or after the day it was reopened; reassigning does not restart it. A submission
//! still waiting for staff after its due date is overdue.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{
    account::Role,
    calendar::{Calendar, Deadline},
    case::{AcceptanceNo, ClockView, china_date},
    ids::{ItemCode, Phone},
    redact::{Names, redact},
    tracking::{PublishedReply, TrackedKind, TrackingNo},
};

/// Working days for a reply unless configured otherwise.
pub const DEFAULT_REPLY_WORKING_DAYS: u16 = 15;
/// The longest reply period that may be configured.
pub const MAX_REPLY_WORKING_DAYS: u16 = 60;
/// A complaint may be reopened this many times.
pub const MAX_REOPENS: u8 = 1;

/// Text limits, in characters.
pub const SUBJECT_MAX: usize = 100;
pub const CONTENT_MAX: usize = 5000;
pub const COMMENT_MAX: usize = 500;
pub const NAME_MAX: usize = 50;

/// Text people typed: trimmed, line breaks normalised to `\n`, 1 to `MAX` characters, no
/// control characters other than line breaks and tabs, no zero-width or bidirectional formatting
/// characters (the same check as interaction's, [`crate::domain::interaction::text::forbidden`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MAX: usize>(String);

pub type Subject = Text<SUBJECT_MAX>;
pub type Content = Text<CONTENT_MAX>;
pub type Comment = Text<COMMENT_MAX>;
pub type PersonName = Text<NAME_MAX>;

pub use super::interaction::text::TextError;

impl<const MAX: usize> Text<MAX> {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        // A lone CR is a line break here, not a control character.
        let text = s.replace("\r\n", "\n").replace('\r', "\n");
        super::interaction::text::bounded(&text, MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> TryFrom<String> for Text<MAX> {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, TextError> {
        Self::parse(&s)
    }
}

impl<const MAX: usize> From<Text<MAX>> for String {
    fn from(t: Text<MAX>) -> String {
        t.0
    }
}

/// Complaint or letter; consultations are the interaction function's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Complaint,
    Letter,
}

impl Kind {
    pub fn tracked(self) -> TrackedKind {
        match self {
            Kind::Complaint => TrackedKind::Complaint,
            Kind::Letter => TrackedKind::Letter,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Complaint => "complaint",
            Kind::Letter => "letter",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Complaint => "投诉",
            Kind::Letter => "来信",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A complaint waiting for a supervisor to choose the department.
    Submitted,
    /// Waiting for the department's reply.
    Assigned,
    Replied,
    /// Rated by the complainant.
    Closed,
    /// Reopened after a "dissatisfied": waiting for the department's new reply.
    Reopened,
}

impl Status {
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Submitted => "已提交，待分派",
            Status::Assigned => "办理中",
            Status::Replied => "已答复",
            Status::Closed => "已办结",
            Status::Reopened => "重新办理中",
        }
    }

    /// Whether staff owe a reply (or a supervisor an assignment): what the queues hold.
    pub fn awaits_staff(self) -> bool {
        matches!(self, Status::Submitted | Status::Assigned | Status::Reopened)
    }
}

/// Who a letter is addressed to: the department's mailbox or its head's (局长/主任信箱).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Addressee {
    #[default]
    Department,
    Head,
}

impl Addressee {
    pub fn label_zh(self) -> &'static str {
        match self {
            Addressee::Department => "部门信箱",
            Addressee::Head => "领导信箱",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

impl RatingLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            RatingLevel::Satisfied => "满意",
            RatingLevel::BasicallySatisfied => "基本满意",
            RatingLevel::Dissatisfied => "不满意",
        }
    }
}

/// How to reach the submitter; shown only to the department and supervisors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// An enterprise submitter's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

/// What a complaint is about, or where a letter goes. Checked against the catalogue and the
/// submitter's own applications by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct About {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_code: Option<ItemCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_no: Option<AcceptanceNo>,
}

/// Everything needed to open a complaint or letter.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub kind: Kind,
    pub number: TrackingNo,
    pub subject: Subject,
    pub content: Content,
    pub about: About,
    /// Letters only.
    pub addressee: Option<Addressee>,
    /// The logged-in submitter, if any.
    pub author_id: Option<String>,
    pub contact: Contact,
    pub publish_consent: bool,
    /// The digest of the query code ([`super::tracking::QueryCode::digest`]).
    pub query_code_digest: String,
    pub reply_limit_days: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub content: String,
    pub department_id: String,
    pub staff_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    pub level: RatingLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reopening {
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A complaint or letter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Submission {
    pub kind: Kind,
    pub number: TrackingNo,
    pub subject: String,
    pub content: String,
    pub about: About,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addressee: Option<Addressee>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
    pub contact: Contact,
    pub publish_consent: bool,
    pub query_code_digest: String,
    pub status: Status,
    /// The department that owes the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_department: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub reply_limit_days: u16,
    /// The day the reply clock counts from: receipt, or the day of reopening.
    #[serde(with = "super::catalogue::iso_date")]
    pub clock_started_on: Date,
    pub reply_due: Deadline,
    #[serde(default)]
    pub replies: Vec<Reply>,
    #[serde(default)]
    pub ratings: Vec<Rating>,
    #[serde(default)]
    pub reopenings: Vec<Reopening>,
    /// When the question and answer were last published (§4.1.1 b).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// Number of audit events so far; the next event's `seq`.
    pub events: u32,
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The submitter, proven by the query code or as the logged-in author (checked by the
    /// caller, who alone sees the request).
    Submitter {
        user_id: Option<String>,
    },
    Staff {
        user_id: String,
        role: Role,
        department_id: Option<String>,
    },
}

impl Actor {
    pub fn id(&self) -> &str {
        match self {
            Actor::Submitter { user_id } => user_id.as_deref().unwrap_or("anonymous"),
            Actor::Staff { user_id, .. } => user_id,
        }
    }

    pub fn role_name(&self) -> &'static str {
        match self {
            Actor::Submitter { .. } => "submitter",
            Actor::Staff { role: Role::Clerk, .. } => "clerk",
            Actor::Staff { role: Role::Reviewer, .. } => "reviewer",
            Actor::Staff { role: Role::Supervisor, .. } => "supervisor",
            Actor::Staff { role: Role::Admin, .. } => "admin",
            Actor::Staff { role: Role::Applicant, .. } => "applicant",
        }
    }
}

/// What someone asks to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A supervisor sends it to the department that must reply (or forwards a letter).
    Assign {
        department_id: String,
    },
    /// The department answers; `publish` asks to publish the question and the answer.
    Reply {
        content: Content,
        publish: bool,
    },
    Rate {
        level: RatingLevel,
        comment: Option<Comment>,
    },
    Reopen {
        reason: Content,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Assign { .. } => "assign",
            Command::Reply { .. } => "reply",
            Command::Rate { .. } => "rate",
            Command::Reopen { .. } => "reopen",
        }
    }

    fn valid_states(&self) -> &'static [Status] {
        use Status::*;
        match self {
            Command::Assign { .. } => &[Submitted, Assigned, Reopened],
            Command::Reply { .. } => &[Assigned, Reopened],
            Command::Rate { .. } => &[Replied],
            Command::Reopen { .. } => &[Closed],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackError {
    /// The wrong role for this command.
    #[error("not allowed for this actor")]
    NotAllowed,
    /// Staff of a department that does not hold it: answered like a missing one.
    #[error("held by another department")]
    OtherDepartment,
    #[error("cannot {action} when {from:?}")]
    WrongState { action: &'static str, from: Status },
    #[error("already with that department")]
    SameDepartment,
    #[error("the submitter did not consent to publication")]
    NoPublishConsent,
    #[error("only complaints are rated and reopened")]
    NotAComplaint,
    #[error("only a dissatisfied rating allows reopening")]
    NotDissatisfied,
    #[error("already reopened once")]
    AlreadyReopened,
    #[error("invalid: {0}")]
    Invalid(&'static str),
}

impl TrackError {
    pub fn code(&self) -> &'static str {
        match self {
            TrackError::NotAllowed => "forbidden",
            TrackError::OtherDepartment => "not_found",
            TrackError::WrongState { .. } => "invalid_transition",
            TrackError::SameDepartment => "already_assigned",
            TrackError::NoPublishConsent => "no_publish_consent",
            TrackError::NotAComplaint => "not_a_complaint",
            TrackError::NotDissatisfied => "reopen_not_allowed",
            TrackError::AlreadyReopened => "already_reopened",
            TrackError::Invalid(_) => "invalid_command",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            TrackError::NotAllowed => "您无权执行此操作".into(),
            TrackError::OtherDepartment => "未找到该事项".into(),
            TrackError::WrongState { from, .. } => {
                format!("当前状态为「{}」，不能执行此操作", from.label_zh())
            }
            TrackError::SameDepartment => "已由该部门办理，无需重复分派".into(),
            TrackError::NoPublishConsent => "提交人未同意公开，不能公开答复".into(),
            TrackError::NotAComplaint => "政务信箱来信无需评价".into(),
            TrackError::NotDissatisfied => "只有评价为「不满意」的投诉才能申请重新办理".into(),
            TrackError::AlreadyReopened => "每件投诉只能申请重新办理一次".into(),
            TrackError::Invalid(what) => (*what).into(),
        }
    }
}

/// One entry of the audit trail: who, in which role, when, from which state to which, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub seq: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub action: String,
    pub actor_id: String,
    pub actor_role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Status>,
    pub to: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Submission {
    /// Opens a complaint or letter received at `now`. A letter must name its department.
    pub fn open(
        new: NewSubmission,
        calendar: &Calendar,
        now: OffsetDateTime,
    ) -> Result<(Submission, Event), TrackError> {
        if new.number.as_str().get(..2) != Some(new.kind.tracked().prefix()) {
            return Err(TrackError::Invalid("编号与类型不符"));
        }
        if !(1..=MAX_REPLY_WORKING_DAYS).contains(&new.reply_limit_days) {
            return Err(TrackError::Invalid("答复期限须为 1 至 60 个工作日"));
        }
        let (status, assigned_department, addressee) = match new.kind {
            Kind::Complaint => (Status::Submitted, None, None),
            Kind::Letter => {
                let department =
                    new.about.department_id.clone().ok_or(TrackError::Invalid("请选择收信部门"))?;
                (Status::Assigned, Some(department), Some(new.addressee.unwrap_or_default()))
            }
        };
        let received_on = china_date(now);
        let submission = Submission {
            kind: new.kind,
            number: new.number,
            subject: new.subject.into(),
            content: new.content.into(),
            about: new.about,
            addressee,
            author_id: new.author_id.clone(),
            contact: new.contact,
            publish_consent: new.publish_consent,
            query_code_digest: new.query_code_digest,
            status,
            assigned_department,
            submitted_at: now,
            reply_limit_days: new.reply_limit_days,
            clock_started_on: received_on,
            reply_due: calendar.add_working_days(received_on, u32::from(new.reply_limit_days)),
            replies: Vec::new(),
            ratings: Vec::new(),
            reopenings: Vec::new(),
            published_at: None,
            events: 1,
        };
        let event = Event {
            seq: 0,
            at: now,
            action: "submit".into(),
            actor_id: Actor::Submitter { user_id: new.author_id }.id().into(),
            actor_role: "submitter".into(),
            from: None,
            to: status,
            note: None,
        };
        Ok((submission, event))
    }

    fn authorise(&self, command: &Command, actor: &Actor) -> Result<(), TrackError> {
        match (command, actor) {
            (Command::Rate { .. } | Command::Reopen { .. }, Actor::Submitter { .. }) => {
                if self.kind == Kind::Complaint { Ok(()) } else { Err(TrackError::NotAComplaint) }
            }
            (Command::Assign { .. }, Actor::Staff { role: Role::Supervisor, .. }) => Ok(()),
            (
                Command::Reply { .. },
                Actor::Staff { role: Role::Clerk | Role::Reviewer | Role::Admin, department_id, .. },
            ) => {
                let holds = department_id.is_some() && department_id == &self.assigned_department;
                if holds { Ok(()) } else { Err(TrackError::OtherDepartment) }
            }
            _ => Err(TrackError::NotAllowed),
        }
    }

    /// Applies `command` by `actor` at `now`: the changed submission and its audit event.
    pub fn apply(
        &self,
        command: Command,
        actor: &Actor,
        calendar: &Calendar,
        now: OffsetDateTime,
    ) -> Result<(Submission, Event), TrackError> {
        self.authorise(&command, actor)?;
        let action = command.name();
        if !command.valid_states().contains(&self.status) {
            return Err(TrackError::WrongState { action, from: self.status });
        }
        let mut next = self.clone();
        let note = match command {
            Command::Assign { department_id } => {
                if self.assigned_department.as_deref() == Some(department_id.as_str()) {
                    return Err(TrackError::SameDepartment);
                }
                if self.status == Status::Submitted {
                    next.status = Status::Assigned;
                }
                next.assigned_department = Some(department_id.clone());
                Some(department_id)
            }
            Command::Reply { content, publish } => {
                if publish && !self.publish_consent {
                    return Err(TrackError::NoPublishConsent);
                }
                next.replies.push(Reply {
                    content: content.into(),
                    department_id: self.assigned_department.clone().unwrap_or_default(),
                    staff_id: actor.id().into(),
                    at: now,
                });
                next.status = Status::Replied;
                if publish {
                    next.published_at = Some(now);
                }
                publish.then(|| "公开答复".to_owned())
            }
            Command::Rate { level, comment } => {
                let comment: Option<String> = comment.map(Into::into);
                next.ratings.push(Rating { level, comment: comment.clone(), at: now });
                next.status = Status::Closed;
                Some(match comment {
                    Some(c) => format!("{}：{c}", level.label_zh()),
                    None => level.label_zh().into(),
                })
            }
            Command::Reopen { reason } => {
                if self.ratings.last().map(|r| r.level) != Some(RatingLevel::Dissatisfied) {
                    return Err(TrackError::NotDissatisfied);
                }
                if self.reopenings.len() >= usize::from(MAX_REOPENS) {
                    return Err(TrackError::AlreadyReopened);
                }
                let reason: String = reason.into();
                next.reopenings.push(Reopening { reason: reason.clone(), at: now });
                next.status = Status::Reopened;
                // The department gets a full reply period again, from today.
                next.clock_started_on = china_date(now);
                next.reply_due =
                    calendar.add_working_days(next.clock_started_on, u32::from(self.reply_limit_days));
                Some(reason)
            }
        };
        let event = Event {
            seq: self.events,
            at: now,
            action: action.into(),
            actor_id: actor.id().into(),
            actor_role: actor.role_name().into(),
            from: Some(self.status),
            to: next.status,
            note,
        };
        next.events += 1;
        Ok((next, event))
    }

    /// Whether the complainant may still rate (a reply waits for its rating).
    pub fn can_rate(&self) -> bool {
        self.kind == Kind::Complaint && self.status == Status::Replied
    }

    /// Whether the complainant may reopen now.
    pub fn can_reopen(&self) -> bool {
        self.kind == Kind::Complaint
            && self.status == Status::Closed
            && self.ratings.last().is_some_and(|r| r.level == RatingLevel::Dissatisfied)
            && self.reopenings.len() < usize::from(MAX_REOPENS)
    }

    /// Waiting for staff after its due date.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status.awaits_staff() && today > self.reply_due.date
    }

    /// The reply clock as shown at `today`; nothing runs once replied.
    pub fn clock(&self, calendar: &Calendar, today: Date) -> ClockView {
        let provisional = self.reply_due.provisional;
        if !self.status.awaits_staff() {
            return ClockView { running: None, working_days_left: None, flag: None, provisional };
        }
        let due = self.reply_due;
        let (left, flag) = super::case::time_left(calendar, due, today);
        ClockView { running: Some(due), working_days_left: Some(left), flag: Some(flag), provisional }
    }

    /// The submitter's names, to be removed from anything published.
    pub fn names(&self) -> Names {
        Names {
            people: self.contact.name.iter().cloned().collect(),
            organisations: self.contact.organisation.iter().cloned().collect(),
        }
    }

    /// The public record of the question and the latest answer, personal data removed. Staff
    /// may word both themselves (`question`, `answer`); either way the result is redacted.
    /// `None` without the submitter's consent or before a reply.
    pub fn publication(
        &self,
        question: Option<&str>,
        answer: Option<&str>,
        now: OffsetDateTime,
    ) -> Option<PublishedReply> {
        if !self.publish_consent {
            return None;
        }
        let reply = self.replies.last()?;
        let names = self.names();
        Some(PublishedReply {
            kind: self.kind.tracked(),
            number: self.number.clone(),
            title: redact(&self.subject, &names),
            question: redact(question.unwrap_or(&self.content), &names),
            answer: redact(answer.unwrap_or(&reply.content), &names),
            department_id: Some(reply.department_id.clone()),
            item_code: self.about.item_code.as_ref().map(ToString::to_string),
            published_at: now,
        })
    }
}

#[cfg(test)]
mod tests;
