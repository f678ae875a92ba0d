//! How a case is shown: to its applicant and the department's staff in full, to the public
//! status query without personal data.

use serde_json::{Value, json};
use time::{Date, format_description::well_known::Rfc3339};

use crate::domain::{
    calendar::Calendar,
    case::{Case, CaseEvent, ClockView},
    catalogue::iso_date,
};

fn date(d: Option<Date>) -> Value {
    d.map(|d| json!(iso_date::format(d))).unwrap_or(Value::Null)
}

fn clock_fields(case: &Case, clock: &ClockView) -> Value {
    json!({
        "acceptanceDueDate": date(Some(case.acceptance_due.date)),
        "decisionDueDate": date(case.decision_due.map(|d| d.date)),
        "workingDaysLeft": clock.working_days_left,
        "clock": clock.flag,
        "provisional": clock.provisional,
    })
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

/// The timeline for the public and the applicant: what happened when, no staff identities.
pub fn public_timeline(events: &[CaseEvent]) -> Value {
    json!(
        events
            .iter()
            .map(|e| json!({
                "at": e.at.format(&Rfc3339).ok(),
                "action": e.action,
                "status": e.to,
                "statusLabel": e.to.label_zh(),
            }))
            .collect::<Vec<_>>()
    )
}

/// The audit trail for staff: who, in which role, from and to, why.
pub fn audit_trail(events: &[CaseEvent]) -> Value {
    json!(events)
}

/// A list entry.
pub fn summary(case: &Case, calendar: &Calendar, today: Date) -> Value {
    let clock = case.clock(calendar, today);
    merge(
        json!({
            "applicationId": case.id,
            "groupId": case.group_id,
            "itemCode": case.item_code,
            "itemName": case.item_name,
            "departmentId": case.department_id,
            "status": case.status,
            "statusLabel": case.status.label_zh(),
            "acceptanceNo": case.acceptance_no,
            "submittedAt": case.submitted_at.format(&Rfc3339).ok(),
        }),
        clock_fields(case, &clock),
    )
}

/// The whole case for its applicant or staff; `documents` are the attached materials with
/// freshly minted download links, `staff` adds the audit trail.
pub fn detail(
    case: &Case,
    events: &[CaseEvent],
    documents: Value,
    staff: bool,
    calendar: &Calendar,
    today: Date,
) -> Value {
    let mut view = merge(
        summary(case, calendar, today),
        json!({
            "applicantName": case.applicant_name,
            "receivedOn": date(Some(case.received_on)),
            "acceptedOn": date(case.accepted_on),
            "deemedAccepted": case.deemed_accepted,
            "decisionLimitDays": case.decision_limit_days,
            "extension": case.extension,
            "supplementNotice": case
                .supplement_notice
                .as_ref()
                .filter(|_| case.status == crate::domain::case::Status::SupplementRequested),
            "notAcceptedReason": case.not_accepted_reason,
            "decision": case.decision,
            "form": case.form,
            "documents": documents,
            "timeline": public_timeline(events),
        }),
    );
    if staff {
        view["auditTrail"] = audit_trail(events);
        view["pastSupplementNotice"] = json!(case.supplement_notice);
    }
    view
}

/// The public status answer (§4.2.6): no personal data at all.
pub fn public_status(case: &Case, events: &[CaseEvent], calendar: &Calendar, today: Date) -> Value {
    let clock = case.clock(calendar, today);
    merge(
        json!({
            "acceptanceNo": case.acceptance_no,
            "itemCode": case.item_code,
            "itemName": case.item_name,
            "departmentId": case.department_id,
            "status": case.status,
            "statusLabel": case.status.label_zh(),
            "timeline": public_timeline(events),
        }),
        clock_fields(case, &clock),
    )
}
