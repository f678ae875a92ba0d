//! The licensing case (行政许可申请) and its statutory clock, as pure rules.
//!
//! States: submitted → accepted | not_accepted | supplement_requested;
//! supplement_requested → submitted (补正); accepted → under_review → approved | denied;
//! withdrawn by the applicant before a decision. Every transition is checked here (who may do
//! it, from which state) and yields the event that goes into the audit trail.
//!
//! The clock (行政许可法):
//! - acceptance is due 5 working days after receipt; a supplement restarts it from the day the
//!   supplemented materials are received, so the time the case waits with the applicant does
//!   not count; if it passes with no decision the case is deemed accepted as of receipt (Art. 32);
//! - a decision is due the item's promised limit (never more than the statutory one, Art. 42:
//!   20 working days) after acceptance, plus an extension of at most 10 working days, once;
//! - dates are China Standard Time dates (UTC+8, no daylight saving).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};

use super::{
    account::Role,
    calendar::{Calendar, Deadline},
    catalogue::{ApplicantKind, iso_date},
    ids::ItemCode,
};

/// Working days for the acceptance decision (行政许可法 Art. 32).
pub const ACCEPTANCE_WORKING_DAYS: u32 = 5;
/// The general decision period (Art. 42).
pub const GENERAL_DECISION_DAYS: u16 = 20;
/// Longest extension of the decision period (Art. 42).
pub const MAX_EXTENSION_DAYS: u16 = 10;
/// A case this close to its deadline is flagged `due_soon`.
pub const DUE_SOON_WORKING_DAYS: u32 = 2;
/// Asia/Shanghai.
pub const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+8 is a valid offset"),
};

/// The calendar date in China at `at`.
pub fn china_date(at: OffsetDateTime) -> Date {
    at.to_offset(CHINA).date()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    SupplementRequested,
    Accepted,
    NotAccepted,
    UnderReview,
    Approved,
    Denied,
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::SupplementRequested => "supplement_requested",
            Status::Accepted => "accepted",
            Status::NotAccepted => "not_accepted",
            Status::UnderReview => "under_review",
            Status::Approved => "approved",
            Status::Denied => "denied",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Submitted => "已提交，待受理",
            Status::SupplementRequested => "待补正材料",
            Status::Accepted => "已受理",
            Status::NotAccepted => "不予受理",
            Status::UnderReview => "审查中",
            Status::Approved => "准予许可",
            Status::Denied => "不予许可",
            Status::Withdrawn => "已撤回",
        }
    }

    /// The staff queue the case waits in, if any.
    pub fn stage(self) -> Option<Stage> {
        match self {
            Status::Submitted => Some(Stage::Acceptance),
            Status::Accepted | Status::UnderReview => Some(Stage::Review),
            _ => None,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::NotAccepted | Status::Approved | Status::Denied | Status::Withdrawn)
    }
}

/// The staff work queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Acceptance,
    Review,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Acceptance => "acceptance",
            Stage::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Stage::Acceptance, Stage::Review].into_iter().find(|st| st.as_str() == s)
    }

    /// The staff role that works this queue.
    pub fn role(self) -> Role {
        match self {
            Stage::Acceptance => Role::Clerk,
            Stage::Review => Role::Reviewer,
        }
    }
}

/// 受理编号: `<DEPARTMENT>-<YEAR>-<SEQUENCE>`, e.g. `GY-AMR-2026-000042`, unique and sequential
/// per department per year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AcceptanceNo(String);

impl AcceptanceNo {
    pub fn new(department_id: &str, year: i32, sequence: u64) -> Self {
        Self(format!("{}-{year}-{sequence:06}", department_id.to_ascii_uppercase()))
    }

    /// Accepts lower case and surrounding spaces, as people type numbers.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        let mut parts = s.rsplitn(3, '-');
        let (seq, year, dept) = (parts.next()?, parts.next()?, parts.next()?);
        let ok = seq.len() >= 6
            && seq.len() <= 9
            && seq.bytes().all(|b| b.is_ascii_digit())
            && year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && !dept.is_empty()
            && dept.len() <= 64
            && dept.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        ok.then_some(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AcceptanceNo {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("not an acceptance number: {s}"))
    }
}

impl From<AcceptanceNo> for String {
    fn from(n: AcceptanceNo) -> String {
        n.0
    }
}

/// A material attached to the case: which required material, which verified upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachedMaterial {
    pub material_id: String,
    pub upload_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

/// One line of a supplement notice: which material, what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingMaterial {
    pub material_id: String,
    /// The material's name in the service guide, filled in by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub problem: String,
}

/// 一次性告知: every missing or defective material, listed at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupplementNotice {
    pub reason: String,
    pub missing: Vec<MissingMaterial>,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// Set when the applicant answers it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub working_days: u16,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub outcome: Outcome,
    pub opinion: String,
    pub legal_basis: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Who acts on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Applicant {
        user_id: String,
    },
    Staff {
        user_id: String,
        role: Role,
        department_id: Option<String>,
    },
    /// The statutory clock (the sweeper).
    System,
}

impl Actor {
    pub fn id(&self) -> &str {
        match self {
            Actor::Applicant { user_id } | Actor::Staff { user_id, .. } => user_id,
            Actor::System => "system",
        }
    }

    pub fn role_name(&self) -> &'static str {
        match self {
            Actor::Applicant { .. } => "applicant",
            Actor::Staff { role: Role::Clerk, .. } => "clerk",
            Actor::Staff { role: Role::Reviewer, .. } => "reviewer",
            Actor::Staff { role: Role::Supervisor, .. } => "supervisor",
            Actor::Staff { role: Role::Admin, .. } => "admin",
            Actor::Staff { .. } => "staff",
            Actor::System => "system",
        }
    }
}

/// What someone asks to do to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Accept {
        acceptance_no: AcceptanceNo,
    },
    NotAccept {
        reason: String,
    },
    RequestSupplement {
        reason: String,
        missing: Vec<MissingMaterial>,
    },
    Supplement {
        materials: Vec<AttachedMaterial>,
    },
    Withdraw {
        reason: Option<String>,
    },
    StartReview,
    Decide {
        outcome: Outcome,
        opinion: String,
        legal_basis: String,
    },
    Extend {
        working_days: u16,
        reason: String,
    },
    /// Accepted by operation of law; still gets its acceptance number, so it can be queried.
    DeemAccept {
        acceptance_no: AcceptanceNo,
    },
    /// Deadlines recomputed after a holiday notice was loaded.
    RecomputeDeadlines,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Accept { .. } => "accept",
            Command::NotAccept { .. } => "not_accept",
            Command::RequestSupplement { .. } => "request_supplement",
            Command::Supplement { .. } => "supplement",
            Command::Withdraw { .. } => "withdraw",
            Command::StartReview => "start_review",
            Command::Decide { outcome: Outcome::Approve, .. } => "approve",
            Command::Decide { outcome: Outcome::Deny, .. } => "deny",
            Command::Extend { .. } => "extend",
            Command::DeemAccept { .. } => "deemed_accept",
            Command::RecomputeDeadlines => "recompute_deadlines",
        }
    }

    /// Who may give this command.
    fn allowed(&self, actor: &Actor) -> bool {
        matches!(
            (self, actor),
            (Command::Supplement { .. } | Command::Withdraw { .. }, Actor::Applicant { .. })
                | (
                    Command::Accept { .. } | Command::NotAccept { .. } | Command::RequestSupplement { .. },
                    Actor::Staff { role: Role::Clerk, .. },
                )
                | (
                    Command::StartReview | Command::Decide { .. } | Command::Extend { .. },
                    Actor::Staff { role: Role::Reviewer, .. },
                )
                | (Command::DeemAccept { .. } | Command::RecomputeDeadlines, Actor::System)
        )
    }

    /// The states the command may be given in.
    fn valid_states(&self) -> &'static [Status] {
        use Status::*;
        match self {
            Command::Accept { .. } | Command::NotAccept { .. } | Command::RequestSupplement { .. } => {
                &[Submitted]
            }
            Command::DeemAccept { .. } => &[Submitted],
            Command::Supplement { .. } => &[SupplementRequested],
            Command::Withdraw { .. } => &[Submitted, SupplementRequested, Accepted, UnderReview],
            Command::StartReview => &[Accepted],
            Command::Decide { .. } | Command::Extend { .. } => &[Accepted, UnderReview],
            Command::RecomputeDeadlines => &[Submitted, SupplementRequested, Accepted, UnderReview],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The actor is not the applicant, not of the case's department, or of the wrong role.
    #[error("not allowed for this actor")]
    NotAllowed,
    /// Staff of another department: answered like a missing case.
    #[error("case belongs to another department")]
    OtherDepartment,
    #[error("cannot {action} a case that is {from:?}")]
    WrongState { action: &'static str, from: Status },
    #[error("a supplement notice was already issued for this case")]
    SupplementAlreadyRequested,
    #[error("the case was already extended")]
    AlreadyExtended,
    #[error("invalid command: {0}")]
    Invalid(&'static str),
}

impl CaseError {
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::NotAllowed => "forbidden",
            CaseError::OtherDepartment => "application_not_found",
            CaseError::WrongState { .. } => "invalid_transition",
            CaseError::SupplementAlreadyRequested => "supplement_already_requested",
            CaseError::AlreadyExtended => "already_extended",
            CaseError::Invalid(_) => "invalid_command",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            CaseError::NotAllowed => "您无权对该申请执行此操作".into(),
            CaseError::OtherDepartment => "未找到该申请".into(),
            CaseError::WrongState { from, .. } => {
                format!("该申请当前状态为「{}」，不能执行此操作", from.label_zh())
            }
            CaseError::SupplementAlreadyRequested => {
                "补正材料须一次性告知，本申请已发出过补正通知，请作出受理或不予受理决定".into()
            }
            CaseError::AlreadyExtended => "审查期限只能延长一次".into(),
            CaseError::Invalid(what) => (*what).into(),
        }
    }
}

/// One entry of the audit trail: who, in which role, when, from which state to which, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseEvent {
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

/// Everything needed to open a case for one item.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub id: String,
    pub group_id: String,
    pub item_code: ItemCode,
    pub item_name: String,
    pub department_id: String,
    /// The item's promised limit (承诺时限), never longer than the statutory one.
    pub decision_limit_days: u16,
    /// The item's statutory limit (法定时限); bounds any extension.
    pub statutory_days: u16,
    pub applicant_id: String,
    /// Person's name or organisation name, for the public status query.
    pub applicant_name: String,
    pub applicant_kind: ApplicantKind,
    pub materials: Vec<AttachedMaterial>,
    pub form: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    pub id: String,
    /// Cases submitted together as one joint application (联办件) share this id.
    pub group_id: String,
    pub item_code: ItemCode,
    pub item_name: String,
    pub department_id: String,
    pub applicant_id: String,
    pub applicant_name: String,
    pub applicant_kind: ApplicantKind,
    pub status: Status,
    pub materials: Vec<AttachedMaterial>,
    pub form: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// The day the (latest, complete) materials were received; the acceptance clock runs from it.
    #[serde(with = "iso_date")]
    pub received_on: Date,
    pub acceptance_due: Deadline,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_no: Option<AcceptanceNo>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "iso_date::option")]
    pub accepted_on: Option<Date>,
    /// Accepted by operation of law (Art. 32) rather than by a clerk.
    #[serde(default)]
    pub deemed_accepted: bool,
    pub decision_limit_days: u16,
    /// The statutory limit; 20 (Art. 42) unless a special law sets another.
    #[serde(default = "general_limit")]
    pub statutory_days: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_due: Option<Deadline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplement_notice: Option<SupplementNotice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_accepted_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Number of audit events so far; the next event's `seq`.
    pub events: u32,
}

/// Working days left until `due` on `today` (negative once overdue) and the flag staff see; the
/// one clock rule for cases, complaints, consultations and rating follow-ups.
pub fn time_left(calendar: &Calendar, due: Deadline, today: Date) -> (i64, ClockFlag) {
    if today > due.date {
        return (-i64::from(calendar.working_days_between(due.date, today)), ClockFlag::Overdue);
    }
    let left = i64::from(calendar.working_days_between(today, due.date));
    let flag = if left <= i64::from(DUE_SOON_WORKING_DAYS) { ClockFlag::DueSoon } else { ClockFlag::OnTime };
    (left, flag)
}

/// Where a case stands against its current deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockFlag {
    OnTime,
    DueSoon,
    Overdue,
}

/// The clock as shown to people at a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// The deadline now running (acceptance or decision); none while waiting for the
    /// applicant's supplement or after the end.
    pub running: Option<Deadline>,
    /// Working days from today to the deadline; negative when overdue.
    pub working_days_left: Option<i64>,
    pub flag: Option<ClockFlag>,
    /// True when a deadline runs through a year whose holiday notice is not loaded.
    pub provisional: bool,
}

impl Case {
    /// Opens a case received at `now`.
    pub fn open(new: NewCase, calendar: &Calendar, now: OffsetDateTime) -> (Case, CaseEvent) {
        let received_on = china_date(now);
        let case = Case {
            id: new.id,
            group_id: new.group_id,
            item_code: new.item_code,
            item_name: new.item_name,
            department_id: new.department_id,
            applicant_id: new.applicant_id.clone(),
            applicant_name: new.applicant_name,
            applicant_kind: new.applicant_kind,
            status: Status::Submitted,
            materials: new.materials,
            form: new.form,
            submitted_at: now,
            received_on,
            acceptance_due: calendar.add_working_days(received_on, ACCEPTANCE_WORKING_DAYS),
            acceptance_no: None,
            accepted_on: None,
            deemed_accepted: false,
            decision_limit_days: new.decision_limit_days,
            statutory_days: new.statutory_days,
            decision_due: None,
            extension: None,
            supplement_notice: None,
            not_accepted_reason: None,
            decision: None,
            events: 1,
        };
        let event = CaseEvent {
            seq: 0,
            at: now,
            action: "submit".into(),
            actor_id: new.applicant_id,
            actor_role: "applicant".into(),
            from: None,
            to: Status::Submitted,
            note: None,
        };
        (case, event)
    }

    /// Checks who may act; staff of another department get `OtherDepartment`.
    fn authorise(&self, command: &Command, actor: &Actor) -> Result<(), CaseError> {
        match actor {
            Actor::Applicant { user_id } if user_id != &self.applicant_id => {
                return Err(CaseError::NotAllowed);
            }
            Actor::Staff { department_id, .. } if department_id.as_deref() != Some(&self.department_id) => {
                return Err(CaseError::OtherDepartment);
            }
            _ => {}
        }
        if command.allowed(actor) { Ok(()) } else { Err(CaseError::NotAllowed) }
    }

    /// Applies `command` by `actor` at `now`: the new case and its audit event, or why not.
    pub fn apply(
        &self,
        command: Command,
        actor: &Actor,
        calendar: &Calendar,
        now: OffsetDateTime,
    ) -> Result<(Case, CaseEvent), CaseError> {
        self.authorise(&command, actor)?;
        let action = command.name();
        if !command.valid_states().contains(&self.status) {
            return Err(CaseError::WrongState { action, from: self.status });
        }
        let today = china_date(now);
        let mut next = self.clone();
        let mut note = None;
        match command {
            Command::Accept { acceptance_no } => {
                next.status = Status::Accepted;
                next.acceptance_no = Some(acceptance_no);
                next.accepted_on = Some(today);
            }
            Command::DeemAccept { acceptance_no } => {
                if today <= self.acceptance_due.date {
                    return Err(CaseError::Invalid("受理期限尚未届满"));
                }
                next.status = Status::Accepted;
                next.acceptance_no = Some(acceptance_no);
                // Art. 32: deemed accepted as of the day the materials were received.
                next.accepted_on = Some(self.received_on);
                next.deemed_accepted = true;
                note = Some(
                    "逾期未作出是否受理的决定，依法自收到申请材料之日起即为受理（《行政许可法》第三十二条）"
                        .into(),
                );
            }
            Command::NotAccept { reason } => {
                let reason = required(reason, "请填写不予受理的理由")?;
                next.status = Status::NotAccepted;
                next.not_accepted_reason = Some(reason.clone());
                note = Some(reason);
            }
            Command::RequestSupplement { reason, missing } => {
                if self.supplement_notice.is_some() {
                    return Err(CaseError::SupplementAlreadyRequested);
                }
                if missing.is_empty() || missing.iter().any(|m| m.problem.trim().is_empty()) {
                    return Err(CaseError::Invalid("补正通知须列明每一项需补正的材料及其问题"));
                }
                next.status = Status::SupplementRequested;
                next.supplement_notice = Some(SupplementNotice {
                    reason: reason.trim().to_owned(),
                    missing,
                    issued_at: now,
                    answered_at: None,
                });
                note = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
            }
            Command::Supplement { materials } => {
                for m in materials {
                    next.materials.retain(|old| old.material_id != m.material_id);
                    next.materials.push(m);
                }
                next.status = Status::Submitted;
                if let Some(notice) = next.supplement_notice.as_mut() {
                    notice.answered_at = Some(now);
                }
                // The acceptance clock restarts from the day the supplement is received.
                next.received_on = today;
                next.acceptance_due = calendar.add_working_days(today, ACCEPTANCE_WORKING_DAYS);
            }
            Command::Withdraw { reason } => {
                next.status = Status::Withdrawn;
                note = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
            }
            Command::StartReview => next.status = Status::UnderReview,
            Command::RecomputeDeadlines => {
                if !next.recompute(calendar) {
                    return Err(CaseError::Invalid("期限无变化"));
                }
                note = Some("节假日安排公布后重新计算办理期限".into());
            }
            Command::Decide { outcome, opinion, legal_basis } => {
                let opinion = required(opinion, "请填写审查意见")?;
                let legal_basis = required(legal_basis, "请填写决定所依据的法律条款")?;
                next.status = match outcome {
                    Outcome::Approve => Status::Approved,
                    Outcome::Deny => Status::Denied,
                };
                note = Some(opinion.clone());
                next.decision = Some(Decision { outcome, opinion, legal_basis, at: now });
            }
            Command::Extend { working_days, reason } => {
                if self.extension.is_some() {
                    return Err(CaseError::AlreadyExtended);
                }
                if working_days == 0 || working_days > MAX_EXTENSION_DAYS {
                    return Err(CaseError::Invalid("延长期限须为 1 至 10 个工作日"));
                }
                if self.decision_limit_days + working_days > self.longest_decision_period() {
                    return Err(CaseError::Invalid(
                        "延长后的期限超过法定期限：法律规定了专门办理期限的事项不适用《行政许可法》第四十二条的延期",
                    ));
                }
                let reason = required(reason, "请填写延长审查期限的理由")?;
                next.extension = Some(Extension { working_days, reason: reason.clone(), at: now });
                note = Some(reason);
            }
        }
        next.recompute(calendar);
        let event = CaseEvent {
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

    /// Recomputes the deadlines from their source dates, e.g. when next year's holiday notice
    /// is loaded. Returns whether anything changed.
    pub fn recompute(&mut self, calendar: &Calendar) -> bool {
        let before = (self.acceptance_due, self.decision_due);
        self.acceptance_due = calendar.add_working_days(self.received_on, ACCEPTANCE_WORKING_DAYS);
        self.decision_due = self.accepted_on.map(|accepted| {
            let extra = self.extension.as_ref().map_or(0, |e| e.working_days);
            calendar.add_working_days(accepted, u32::from(self.decision_limit_days + extra))
        });
        before != (self.acceptance_due, self.decision_due)
    }

    /// Art. 42: 20 working days, extendable by 10 with approval; an item whose own law sets
    /// another limit (e.g. 建筑法 Art. 8: 7 days) has no extension beyond that limit.
    pub fn longest_decision_period(&self) -> u16 {
        if self.statutory_days == GENERAL_DECISION_DAYS {
            GENERAL_DECISION_DAYS + MAX_EXTENSION_DAYS
        } else {
            self.statutory_days.max(self.decision_limit_days)
        }
    }

    /// The deadline that runs now, if any.
    pub fn running_deadline(&self) -> Option<Deadline> {
        match self.status.stage()? {
            Stage::Acceptance => Some(self.acceptance_due),
            Stage::Review => self.decision_due,
        }
    }

    /// Whether the sweeper should deem this case accepted on `today`.
    pub fn acceptance_lapsed(&self, today: Date) -> bool {
        self.status == Status::Submitted && today > self.acceptance_due.date
    }

    pub fn clock(&self, calendar: &Calendar, today: Date) -> ClockView {
        let provisional = self.acceptance_due.provisional || self.decision_due.is_some_and(|d| d.provisional);
        let Some(due) = self.running_deadline() else {
            return ClockView { running: None, working_days_left: None, flag: None, provisional };
        };
        let (left, flag) = time_left(calendar, due, today);
        ClockView { running: Some(due), working_days_left: Some(left), flag: Some(flag), provisional }
    }

    /// The message the law requires the applicant to receive after `event`, if any.
    pub fn notice_for(&self, event: &CaseEvent) -> Option<(String, String)> {
        let item = &self.item_name;
        let date = |d: Option<Date>| d.map(iso_date::format).unwrap_or_default();
        let no = self.acceptance_no.as_ref().map(AcceptanceNo::as_str).unwrap_or("");
        let due = date(self.decision_due.map(|d| d.date));
        let notice = match event.action.as_str() {
            "submit" => (
                format!("申请已提交：{item}"),
                format!(
                    "您申请的「{item}」已于 {} 收到。行政机关将在 {} 前作出是否受理的决定。",
                    date(Some(self.received_on)),
                    date(Some(self.acceptance_due.date))
                ),
            ),
            "accept" => (
                format!("受理通知书：{item}"),
                format!("您申请的「{item}」已受理，受理编号 {no}。行政机关将在 {due} 前作出行政许可决定。"),
            ),
            "deemed_accept" => (
                format!("依法视为受理：{item}"),
                format!(
                    "行政机关未在法定期限内作出是否受理的决定，依据《行政许可法》第三十二条，您申请的「{item}」\
                     自收到申请材料之日（{}）起即为受理。行政机关将在 {due} 前作出行政许可决定。",
                    date(self.accepted_on)
                ),
            ),
            "not_accept" => (
                format!("不予受理决定书：{item}"),
                format!(
                    "您申请的「{item}」不予受理。理由：{}。申请事项依法不属于本机关职权范围的，您可以向有关行政机关申请\
                     （《行政许可法》第三十二条）。如不服本决定，您可以依法申请行政复议或者提起行政诉讼。",
                    self.not_accepted_reason.as_deref().unwrap_or("")
                ),
            ),
            "request_supplement" => {
                let notice = self.supplement_notice.as_ref()?;
                let list: Vec<String> = notice
                    .missing
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        format!("{}. {}：{}", i + 1, m.name.as_deref().unwrap_or(&m.material_id), m.problem)
                    })
                    .collect();
                (
                    format!("补正材料一次性告知书：{item}"),
                    format!(
                        "您申请的「{item}」申请材料不齐全或者不符合法定形式，请一次性补正以下材料（《行政许可法》第三十二条）：\n{}\n\
                         补正材料提交后，行政机关将在 5 个工作日内作出是否受理的决定。",
                        list.join("\n")
                    ),
                )
            }
            "approve" => {
                let d = self.decision.as_ref()?;
                (
                    format!("准予行政许可决定书：{item}"),
                    format!(
                        "经审查，您申请的「{item}」（受理编号 {no}）符合法定条件、标准，准予行政许可。审查意见：{}。依据：{}。",
                        d.opinion, d.legal_basis
                    ),
                )
            }
            "deny" => {
                let d = self.decision.as_ref()?;
                (
                    format!("不予行政许可决定书：{item}"),
                    format!(
                        "经审查，您申请的「{item}」（受理编号 {no}）不予行政许可。理由：{}。依据：{}。\
                         您享有依法申请行政复议或者提起行政诉讼的权利（《行政许可法》第三十八条）。",
                        d.opinion, d.legal_basis
                    ),
                )
            }
            "extend" => {
                let e = self.extension.as_ref()?;
                (
                    format!("延长审查期限告知书：{item}"),
                    format!(
                        "经本行政机关负责人批准，「{item}」（受理编号 {no}）的审查期限延长 {} 个工作日，理由：{}。\
                         行政机关将在 {due} 前作出决定（《行政许可法》第四十二条）。",
                        e.working_days, e.reason
                    ),
                )
            }
            "withdraw" => (format!("申请已撤回：{item}"), format!("您已撤回「{item}」的申请。")),
            "recompute_deadlines" => {
                let running = self.running_deadline().map(|d| iso_date::format(d.date)).unwrap_or_default();
                (
                    format!("办理期限调整：{item}"),
                    format!(
                        "国务院公布了节假日安排，您申请的「{item}」的办理期限已按工作日重新计算，当前期限为 {running}。"
                    ),
                )
            }
            _ => return None,
        };
        let (title, mut body) = notice;
        if self.decision_due.is_some_and(|d| d.provisional) && event.action != "withdraw" {
            body.push_str(
                "（该期限跨越尚未公布节假日安排的年份，为暂定期限；安排公布后将重新计算并通知您。）",
            );
        }
        Some((title, body))
    }
}

fn general_limit() -> u16 {
    GENERAL_DECISION_DAYS
}

fn required(text: String, message: &'static str) -> Result<String, CaseError> {
    let text = text.trim().to_owned();
    if text.is_empty() { Err(CaseError::Invalid(message)) } else { Ok(text) }
}

#[cfg(test)]
mod tests;
