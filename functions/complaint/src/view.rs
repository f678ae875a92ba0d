//! How a complaint or letter is shown: to its submitter without staff identities or the full
//! phone number; to the department and supervisors with contact details and the audit trail.
//! Lists mask the phone for everyone.

use serde_json::{Value, json};
use time::{Date, format_description::well_known::Rfc3339};
use wangban_shared::{
    domain::{
        calendar::Calendar,
        catalogue::iso_date,
        complaint::{Event, Kind, Submission},
    },
    store::complaints::OwnEntry,
};

use crate::access::Viewer;

/// `complaintNo` or `letterNo`.
pub fn number_field(kind: Kind) -> &'static str {
    match kind {
        Kind::Complaint => "complaintNo",
        Kind::Letter => "letterNo",
    }
}

fn time(t: time::OffsetDateTime) -> Value {
    t.format(&Rfc3339).map(Value::String).unwrap_or(Value::Null)
}

fn action_label(kind: Kind, action: &str) -> &'static str {
    match (kind, action) {
        (Kind::Complaint, "submit") => "提交投诉",
        (Kind::Letter, "submit") => "提交来信",
        (Kind::Complaint, "assign") => "分派承办部门",
        (Kind::Letter, "assign") => "转办",
        (_, "reply") => "部门答复",
        (_, "rate") => "评价办理结果",
        (_, "reopen") => "申请重新办理",
        _ => "",
    }
}

fn contact(s: &Submission, full: bool) -> Value {
    let phone = s.contact.phone.as_ref().map(|p| if full { p.as_str().to_owned() } else { p.masked() });
    json!({ "name": s.contact.name, "phone": phone, "organisation": s.contact.organisation })
}

/// A list entry.
pub fn entry(s: &Submission, calendar: &Calendar, today: Date) -> Value {
    let clock = s.clock(calendar, today);
    json!({
        number_field(s.kind): s.number,
        "kind": s.kind,
        "subject": s.subject,
        "status": s.status,
        "statusLabel": s.status.label_zh(),
        "departmentId": s.about.department_id,
        "itemCode": s.about.item_code,
        "itemName": s.about.item_name,
        "applicationId": s.about.application_id,
        "acceptanceNo": s.about.acceptance_no,
        "addressee": s.addressee,
        "addresseeLabel": s.addressee.map(|a| a.label_zh()),
        "assignedDepartmentId": s.assigned_department,
        "submittedAt": time(s.submitted_at),
        "replyDueDate": iso_date::format(s.reply_due.date),
        "provisional": s.reply_due.provisional,
        "workingDaysLeft": clock.working_days_left,
        "clock": clock.flag,
        "overdue": s.is_overdue(today),
        "reopened": !s.reopenings.is_empty(),
        "canRate": s.can_rate(),
        "canReopen": s.can_reopen(),
        "publishConsent": s.publish_consent,
        "published": s.published_at.is_some(),
        "contact": contact(s, false),
    })
}

/// The whole submission for `viewer`.
pub fn detail(s: &Submission, events: &[Event], viewer: Viewer, calendar: &Calendar, today: Date) -> Value {
    let staff = viewer == Viewer::Staff;
    let mut view = entry(s, calendar, today);
    let replies: Vec<Value> = s
        .replies
        .iter()
        .map(|r| {
            let mut reply =
                json!({ "content": r.content, "departmentId": r.department_id, "at": time(r.at) });
            if staff {
                reply["staffId"] = json!(r.staff_id);
            }
            reply
        })
        .collect();
    let ratings: Vec<Value> = s
        .ratings
        .iter()
        .map(|r| json!({ "level": r.level, "levelLabel": r.level.label_zh(), "comment": r.comment, "at": time(r.at) }))
        .collect();
    let timeline: Vec<Value> = events
        .iter()
        .map(|e| {
            json!({
                "at": time(e.at),
                "action": e.action,
                "actionLabel": action_label(s.kind, &e.action),
                "status": e.to,
                "statusLabel": e.to.label_zh(),
            })
        })
        .collect();
    let extra = json!({
        "content": s.content,
        "replies": replies,
        "ratings": ratings,
        "reopenings": s.reopenings,
        "publishedAt": s.published_at.map(time),
        "timeline": timeline,
    });
    if let (Some(view), Value::Object(extra)) = (view.as_object_mut(), extra) {
        view.extend(extra);
    }
    if staff {
        view["contact"] = contact(s, true);
        view["loggedInSubmitter"] = json!(s.author_id.is_some());
        view["auditTrail"] = json!(events);
    }
    view
}

/// A logged-in submitter's list entry.
pub fn own(e: &OwnEntry) -> Value {
    json!({
        number_field(e.kind): e.number,
        "kind": e.kind,
        "subject": e.subject,
        "status": e.status,
        "statusLabel": e.status.label_zh(),
        "submittedAt": time(e.submitted_at),
        "replyDueDate": iso_date::format(e.reply_due.date),
        "provisional": e.reply_due.provisional,
        "replies": e.replies,
        "canRate": e.can_rate,
        "canReopen": e.can_reopen,
    })
}
