//! Comments (留言评论, §4.3 b) on licensing items and policies: written by logged-in users,
//! shown to the public only after staff approved them, answered by staff. An item's comments
//! are moderated by the item's department, a policy's by the platform's administrators.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{
    ids::ItemCode,
    redact::{Names, redact},
};

pub const CONTENT_MAX_CHARS: usize = 500;
pub const REPLY_MAX_CHARS: usize = 1000;
pub const REASON_MAX_CHARS: usize = 200;

/// What a comment is about: `item:<code>` or `policy:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Item(ItemCode),
    Policy(String),
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        let (kind, id) = s.trim().split_once(':')?;
        match kind {
            "item" => ItemCode::parse(id).ok().map(Target::Item),
            "policy" => {
                let ok = (1..=100).contains(&id.len())
                    && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                ok.then(|| Target::Policy(id.to_owned()))
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Item(code) => write!(f, "item:{}", code.as_str()),
            Target::Policy(id) => write!(f, "policy:{id}"),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Target::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a comment target: {s}")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentStatus {
    Pending,
    Approved,
    Rejected,
}

impl CommentStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            CommentStatus::Pending => "待审核",
            CommentStatus::Approved => "已公开",
            CommentStatus::Rejected => "未通过审核",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Moderation {
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffReply {
    pub content: String,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: String,
    pub target: Target,
    /// Who moderates: the item's department; `None` (policies) is the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    pub author_id: String,
    /// How the author is shown: family name and a mask (张*), or the organisation's name.
    pub author_name: String,
    /// The author's own names (a person's name, a legal representative's), removed from the
    /// text the public sees. Never shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub author_names: Vec<String>,
    pub content: String,
    pub status: CommentStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<Moderation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<StaffReply>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommentError {
    #[error("already moderated")]
    AlreadyModerated,
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error("only approved comments are answered")]
    NotApproved,
    #[error("already answered")]
    AlreadyAnswered,
}

impl CommentError {
    pub fn code(self) -> &'static str {
        match self {
            CommentError::AlreadyModerated => "already_moderated",
            CommentError::ReasonRequired => "reason_required",
            CommentError::NotApproved => "not_approved",
            CommentError::AlreadyAnswered => "already_answered",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            CommentError::AlreadyModerated => "该留言已审核",
            CommentError::ReasonRequired => "不予公开时请说明理由",
            CommentError::NotApproved => "只能答复已公开的留言",
            CommentError::AlreadyAnswered => "该留言已答复",
        }
    }
}

/// A person's name as shown in public: the family name and a mask.
pub fn public_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => "网友".into(),
    }
}

impl Comment {
    pub fn moderate(
        &self,
        verdict: Verdict,
        reason: Option<String>,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<Comment, CommentError> {
        if self.status != CommentStatus::Pending {
            return Err(CommentError::AlreadyModerated);
        }
        if verdict == Verdict::Reject && reason.is_none() {
            return Err(CommentError::ReasonRequired);
        }
        let mut next = self.clone();
        next.status =
            if verdict == Verdict::Approve { CommentStatus::Approved } else { CommentStatus::Rejected };
        next.moderation = Some(Moderation { by: by.into(), at: now, reason });
        Ok(next)
    }

    pub fn answer(&self, content: String, by: &str, now: OffsetDateTime) -> Result<Comment, CommentError> {
        if self.status != CommentStatus::Approved {
            return Err(CommentError::NotApproved);
        }
        if self.reply.is_some() {
            return Err(CommentError::AlreadyAnswered);
        }
        Ok(Comment { reply: Some(StaffReply { content, by: by.into(), at: now }), ..self.clone() })
    }

    /// The comment as the public sees it: no account, no staff identity; the author's names,
    /// personal numbers and e-mail addresses removed ([`crate::domain::redact`]).
    pub fn public_view(&self) -> serde_json::Value {
        let names = Names { people: self.author_names.clone(), organisations: Vec::new() };
        serde_json::json!({
            "id": self.id,
            "target": self.target,
            "authorName": self.author_name,
            "content": redact(&self.content, &names),
            "createdAt": self.created_at.format(&time::format_description::well_known::Rfc3339).ok(),
            "reply": self.reply.as_ref().map(|r| serde_json::json!({
                "content": redact(&r.content, &names),
                "at": r.at.format(&time::format_description::well_known::Rfc3339).ok(),
            })),
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-03 09:00 +08:00);

    fn pending() -> Comment {
        Comment {
            id: "c1".into(),
            target: Target::parse("item:gy-scjg-001").unwrap(),
            department_id: Some("gy-amr".into()),
            author_id: "u1".into(),
            author_name: public_name("张三"),
            author_names: vec!["张三".into()],
            content: "我是张三，指南写得很清楚，我的电话13800138000".into(),
            status: CommentStatus::Pending,
            created_at: NOW,
            moderation: None,
            reply: None,
        }
    }

    #[test]
    fn targets_parse_and_print() {
        assert_eq!(Target::parse("item:gy-scjg-001").unwrap().to_string(), "item:GY-SCJG-001");
        assert_eq!(
            Target::parse("policy:food-business-licensing-measures-2023").unwrap().to_string(),
            "policy:food-business-licensing-measures-2023"
        );
        for bad in ["", "item:", "item:x", "policy:", "policy:Bad Id", "case:1", "item"] {
            assert_eq!(Target::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_comment_is_moderated_once_and_rejected_only_with_a_reason() {
        let c = pending();
        assert_eq!(c.moderate(Verdict::Reject, None, "clerk", NOW), Err(CommentError::ReasonRequired));
        let rejected = c.moderate(Verdict::Reject, Some("含有个人信息".into()), "clerk", NOW).unwrap();
        assert_eq!(rejected.status, CommentStatus::Rejected);
        assert_eq!(
            rejected.moderate(Verdict::Approve, None, "clerk", NOW),
            Err(CommentError::AlreadyModerated)
        );
        assert_eq!(c.answer("谢谢".into(), "clerk", NOW), Err(CommentError::NotApproved));
        let approved = c.moderate(Verdict::Approve, None, "clerk", NOW).unwrap();
        let answered = approved.answer("感谢您的留言".into(), "clerk", NOW).unwrap();
        assert_eq!(answered.answer("x".into(), "clerk", NOW), Err(CommentError::AlreadyAnswered));
    }

    #[test]
    fn the_public_sees_no_account_no_staff_and_no_numbers() {
        let c = pending().moderate(Verdict::Approve, None, "clerk-7", NOW).unwrap();
        let c = c.answer("张三您好，请致电0851-86812345".into(), "clerk-7", NOW).unwrap();
        let text = c.public_view().to_string();
        for secret in ["u1", "clerk-7", "13800138000", "86812345", "张三"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("张*"));
        assert!(text.contains("我是张某，") && text.contains("张某您好"), "{text}");
        assert_eq!(public_name("欧阳修远"), "欧***");
        assert_eq!(public_name(" "), "网友");
    }
}
