//! Consultations (在线咨询 and 离线咨询, §4.3 a): a question asked online — by a logged-in user
//! or by anyone leaving contact details — or received by phone or letter and recorded by staff;
//! answered by the department it is assigned to within the platform's published promise
//! ([`ANSWER_WORKING_DAYS`], §3.4); published, with the asker's consent, as a public reply
//! (§4.1.1 b) that also feeds the knowledge base.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Violation, text};
use crate::domain::{
    calendar::Deadline,
    ids::{ItemCode, Phone},
    redact::{Names, redact},
    tracking::{PublishedReply, TrackedKind, TrackingNo},
};

/// The platform's published promise: an answer within this many working days of receipt.
pub const ANSWER_WORKING_DAYS: u32 = 5;
pub const QUESTION_MAX_CHARS: usize = 1000;
pub const ANSWER_MAX_CHARS: usize = 3000;
pub const NAME_MAX_CHARS: usize = 50;
pub const ADDRESS_MAX_CHARS: usize = 200;
/// A published reply's title is the start of the question.
pub const TITLE_CHARS: usize = 40;

/// How the question reached the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Online,
    /// 离线咨询 by phone, recorded by staff.
    Phone,
    /// 离线咨询 by letter, recorded by staff.
    Letter,
}

impl Channel {
    pub fn is_offline(self) -> bool {
        self != Channel::Online
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsultationStatus {
    Pending,
    Answered,
}

impl ConsultationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsultationStatus::Pending => "pending",
            ConsultationStatus::Answered => "answered",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Answered].into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ConsultationStatus::Pending => "待答复",
            ConsultationStatus::Answered => "已答复",
        }
    }
}

/// Contact details as sent; parsed into [`Contact`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactDraft {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// How to reach the asker: at least a phone number, an e-mail address or a postal address.
/// Personal data: shown to the asker and the department, never published or logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

fn email(raw: &str) -> Option<String> {
    let s = raw.trim();
    let (local, domain) = s.split_once('@')?;
    let ok = s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.chars().all(|c| c.is_ascii_graphic());
    ok.then(|| s.to_owned())
}

impl Contact {
    pub fn parse(draft: &ContactDraft) -> Result<Contact, Vec<Violation>> {
        let mut errors = Vec::new();
        let name = text::optional_field("contact.name", "联系人姓名", draft.name.as_deref(), NAME_MAX_CHARS)
            .map_err(|v| errors.push(v))
            .ok()
            .flatten();
        let address =
            text::optional_field("contact.address", "通信地址", draft.address.as_deref(), ADDRESS_MAX_CHARS)
                .map_err(|v| errors.push(v))
                .ok()
                .flatten();
        let phone = match draft.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => match Phone::parse(p) {
                Ok(phone) => Some(phone),
                Err(e) => {
                    errors.push(Violation::new("contact.phone", e.code(), e.message_zh()));
                    None
                }
            },
        };
        let email = match draft.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => match email(e) {
                Some(e) => Some(e),
                None => {
                    errors.push(Violation::new("contact.email", "invalid_email", "电子邮箱格式不正确"));
                    None
                }
            },
        };
        if errors.is_empty() && phone.is_none() && email.is_none() && address.is_none() {
            errors.push(Violation::new(
                "contact",
                "contact_required",
                "请至少留下手机号码、电子邮箱或通信地址中的一种联系方式",
            ));
        }
        if errors.is_empty() { Ok(Contact { name, phone, email, address }) } else { Err(errors) }
    }

    /// For the asker's own view: numbers masked.
    pub fn masked(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "phone": self.phone.as_ref().map(Phone::masked),
            "email": self.email.as_ref().map(|e| mask_email(e)),
            "address": self.address.as_ref().map(|_| "（已隐去）"),
        })
    }
}

fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

/// A department's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub content: String,
    pub answered_by: String,
    pub department_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub answered_at: OffsetDateTime,
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consultation {
    pub no: TrackingNo,
    pub question: String,
    /// `None` until a supervisor assigns a question that named no department or item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_code: Option<ItemCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    pub channel: Channel,
    /// The logged-in asker, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asker_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    pub publish_consent: bool,
    /// Hash of the query code (the code itself is never stored).
    pub code_digest: String,
    pub status: ConsultationStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The promised answer date ([`ANSWER_WORKING_DAYS`] after receipt).
    pub due: Deadline,
    /// Staff who recorded an offline question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConsultationError {
    #[error("already answered")]
    AlreadyAnswered,
    #[error("not assigned to a department yet")]
    Unassigned,
    #[error("belongs to another department")]
    OtherDepartment,
    #[error("the asker did not consent to publication")]
    NoConsent,
}

impl ConsultationError {
    pub fn code(self) -> &'static str {
        match self {
            ConsultationError::AlreadyAnswered => "already_answered",
            ConsultationError::Unassigned => "not_assigned",
            ConsultationError::OtherDepartment => "consultation_not_found",
            ConsultationError::NoConsent => "publish_not_consented",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            ConsultationError::AlreadyAnswered => "该咨询已经答复，不能重复答复",
            ConsultationError::Unassigned => "该咨询尚未分派到部门，请先由监督人员分派",
            ConsultationError::OtherDepartment => "未找到该咨询",
            ConsultationError::NoConsent => "咨询人未同意公开，答复不能公开发布",
        }
    }
}

/// How a department answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerCommand {
    pub department_id: String,
    pub answered_by: String,
    pub content: String,
    pub publish: bool,
    /// The question reworded for publication (e.g. without names); else the question itself.
    pub public_question: Option<String>,
    /// The answer reworded for publication; else the answer itself.
    pub public_answer: Option<String>,
    /// Names the asker goes by besides the contact name (a logged-in asker's account name,
    /// organisation), removed from what is published.
    pub asker_names: Names,
}

impl Consultation {
    pub fn answer(
        &self,
        command: AnswerCommand,
        now: OffsetDateTime,
    ) -> Result<(Consultation, Option<PublishedReply>), ConsultationError> {
        let Some(department) = &self.department_id else { return Err(ConsultationError::Unassigned) };
        if department != &command.department_id {
            return Err(ConsultationError::OtherDepartment);
        }
        if self.status == ConsultationStatus::Answered {
            return Err(ConsultationError::AlreadyAnswered);
        }
        if command.publish && !self.publish_consent {
            return Err(ConsultationError::NoConsent);
        }
        let mut next = self.clone();
        next.status = ConsultationStatus::Answered;
        next.answer = Some(Answer {
            content: command.content,
            answered_by: command.answered_by,
            department_id: command.department_id,
            answered_at: now,
            published: command.publish,
        });
        let mut names = command.asker_names;
        names.people.extend(self.contact.as_ref().and_then(|c| c.name.clone()));
        let reply = command.publish.then(|| {
            next.published_reply(
                command.public_question.as_deref(),
                command.public_answer.as_deref(),
                &names,
                now,
            )
        });
        Ok((next, reply))
    }

    /// Assigns a pending question to a department (or moves it to another one).
    pub fn assign(&self, department_id: &str) -> Result<Consultation, ConsultationError> {
        if self.status == ConsultationStatus::Answered {
            return Err(ConsultationError::AlreadyAnswered);
        }
        Ok(Consultation { department_id: Some(department_id.to_owned()), ..self.clone() })
    }

    /// The public record: question and answer (or staff's wording of them) redacted like a
    /// complaint's ([`crate::domain::redact`]): the asker's `names`, ID, phone and credit-code
    /// numbers, long digit runs and e-mail addresses removed; no contact details, no accounts.
    fn published_reply(
        &self,
        public_question: Option<&str>,
        public_answer: Option<&str>,
        names: &Names,
        now: OffsetDateTime,
    ) -> PublishedReply {
        let question = redact(public_question.unwrap_or(&self.question), names);
        let answer = public_answer
            .or(self.answer.as_ref().map(|a| a.content.as_str()))
            .map(|a| redact(a, names))
            .unwrap_or_default();
        PublishedReply {
            kind: TrackedKind::Consultation,
            number: self.no.clone(),
            title: text::excerpt(&question, TITLE_CHARS),
            question,
            answer,
            department_id: self.department_id.clone(),
            item_code: self.item_code.as_ref().map(|c| c.as_str().to_owned()),
            published_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    fn pending(department: Option<&str>, consent: bool) -> Consultation {
        Consultation {
            no: TrackingNo::new(TrackedKind::Consultation, 2026, 7),
            question: "我叫张三，电话13800138000，开小饭馆要办哪些证？".into(),
            department_id: department.map(str::to_owned),
            item_code: Some(ItemCode::parse("GY-SCJG-001").unwrap()),
            item_name: Some("食品经营许可".into()),
            channel: Channel::Online,
            asker_id: None,
            contact: None,
            publish_consent: consent,
            code_digest: "x".into(),
            status: ConsultationStatus::Pending,
            received_at: datetime!(2026-12-03 09:00 +08:00),
            due: Deadline { date: date!(2026 - 12 - 10), provisional: false },
            recorded_by: None,
            answer: None,
        }
    }

    fn command(department: &str, publish: bool) -> AnswerCommand {
        AnswerCommand {
            department_id: department.into(),
            answered_by: "clerk-1".into(),
            content: "需要办理食品经营许可，可拨打0851-86812345咨询。".into(),
            publish,
            public_question: None,
            public_answer: None,
            asker_names: Names::default(),
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-12-04 10:00 +08:00);

    #[test]
    fn an_answer_with_consent_is_published_without_personal_numbers() {
        let (answered, reply) = pending(Some("gy-amr"), true).answer(command("gy-amr", true), NOW).unwrap();
        assert_eq!(answered.status, ConsultationStatus::Answered);
        assert!(answered.answer.as_ref().unwrap().published);
        let reply = reply.unwrap();
        assert!(
            !reply.question.contains("13800138000") && reply.question.contains(crate::domain::redact::PHONE)
        );
        assert!(!reply.answer.contains("86812345"));
        assert_eq!(reply.number.as_str(), "ZX-2026-000007");
        assert_eq!(reply.item_code.as_deref(), Some("GY-SCJG-001"));
        assert!(reply.title.chars().count() <= TITLE_CHARS + 1);
        let json = serde_json::to_string(&reply).unwrap();
        assert!(!json.contains("clerk-1"), "no staff identity in public");
    }

    #[test]
    fn the_askers_names_ids_and_credit_codes_are_removed_from_the_published_reply() {
        let mut c = pending(Some("gy-amr"), true);
        c.question = "我叫王小明，身份证52010219900101123X，公司贵阳小明餐饮有限公司（91350100M000100Y43）\
                      开饭馆要办哪些证？"
            .into();
        c.contact = Some(Contact {
            name: Some("王小明".into()),
            phone: Some(Phone::parse("13800138000").unwrap()),
            email: None,
            address: None,
        });
        let mut cmd = command("gy-amr", true);
        cmd.content = "王小明您好，贵阳小明餐饮有限公司需办理食品经营许可。".into();
        cmd.asker_names = Names {
            people: vec!["小明王".into()],
            organisations: vec!["贵阳小明餐饮有限公司".into()],
        };
        let (_, reply) = c.answer(cmd, NOW).unwrap();
        let reply = reply.unwrap();
        for text in [&reply.title, &reply.question, &reply.answer] {
            for leak in ["王小明", "52010219900101123X", "M000100Y43", "小明餐饮", "91350100"] {
                assert!(!text.contains(leak), "{leak} in {text}");
            }
        }
        assert!(reply.answer.starts_with("王某您好，某单位"), "{}", reply.answer);
        let mut cmd = command("gy-amr", true);
        cmd.public_answer = Some("王小明您好，请带身份证办理。".into());
        let (_, reply) = c.answer(cmd, NOW).unwrap();
        assert_eq!(reply.unwrap().answer, "王某您好，请带身份证办理。");
    }

    #[test]
    fn staff_may_reword_the_question_for_publication() {
        let mut cmd = command("gy-amr", true);
        cmd.public_question = Some("开小饭馆要办哪些证？".into());
        let (_, reply) = pending(Some("gy-amr"), true).answer(cmd, NOW).unwrap();
        assert_eq!(reply.unwrap().question, "开小饭馆要办哪些证？");
    }

    #[test]
    fn an_answer_is_given_once_by_the_assigned_department_and_published_only_with_consent() {
        let c = pending(Some("gy-amr"), false);
        assert_eq!(c.answer(command("gy-amr", true), NOW), Err(ConsultationError::NoConsent));
        let (answered, reply) = c.answer(command("gy-amr", false), NOW).unwrap();
        assert!(reply.is_none());
        assert_eq!(answered.answer(command("gy-amr", false), NOW), Err(ConsultationError::AlreadyAnswered));
        assert_eq!(c.answer(command("gy-hc", false), NOW), Err(ConsultationError::OtherDepartment));
        assert_eq!(
            pending(None, true).answer(command("gy-amr", false), NOW),
            Err(ConsultationError::Unassigned)
        );
        assert_eq!(answered.assign("gy-hc"), Err(ConsultationError::AlreadyAnswered));
        assert_eq!(pending(None, true).assign("gy-hc").unwrap().department_id.as_deref(), Some("gy-hc"));
    }

    #[test]
    fn contact_details_need_one_way_to_reach_the_asker_and_parse_each_field() {
        let ok = Contact::parse(&ContactDraft { phone: Some("138 0013 8000".into()), ..Default::default() })
            .unwrap();
        assert_eq!(ok.phone.unwrap().as_str(), "13800138000");
        let none =
            Contact::parse(&ContactDraft { name: Some("张三".into()), ..Default::default() }).unwrap_err();
        assert_eq!(none[0].code, "contact_required");
        let bad = Contact::parse(&ContactDraft {
            phone: Some("12345".into()),
            email: Some("not-an-email".into()),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["contact.phone", "contact.email"]);
        let c =
            Contact::parse(&ContactDraft { email: Some("zhang@example.com".into()), ..Default::default() })
                .unwrap();
        assert_eq!(c.masked()["email"], "z***@example.com");
    }
}
