use serde_json::json;
use time::{Date, OffsetDateTime, macros::datetime};

use super::*;
use crate::domain::catalogue::ApplicantKind;

fn cal() -> Calendar {
    Calendar::shipped()
}

fn d(s: &str) -> Date {
    iso_date::parse(s).unwrap()
}

fn new_case(limit: u16) -> NewCase {
    NewCase {
        id: "case-1".into(),
        group_id: "group-1".into(),
        item_code: ItemCode::parse("GY-SCJG-001").unwrap(),
        item_name: "食品经营许可".into(),
        department_id: "gy-amr".into(),
        decision_limit_days: limit,
        applicant_id: "u-1".into(),
        applicant_name: "张三".into(),
        applicant_kind: ApplicantKind::Individual,
        materials: vec![],
        form: json!({}),
    }
}

fn applicant() -> Actor {
    Actor::Applicant { user_id: "u-1".into() }
}

fn staff(role: Role, dept: &str) -> Actor {
    Actor::Staff { user_id: format!("{role:?}-{dept}"), role, department_id: Some(dept.into()) }
}

fn clerk() -> Actor {
    staff(Role::Clerk, "gy-amr")
}

fn reviewer() -> Actor {
    staff(Role::Reviewer, "gy-amr")
}

fn accept_no() -> Command {
    Command::Accept { acceptance_no: AcceptanceNo::new("gy-amr", 2026, 1) }
}

const SEP_24: OffsetDateTime = datetime!(2026-09-24 10:00 +08:00);

#[test]
fn acceptance_is_due_five_working_days_after_receipt_across_the_holidays() {
    // Received Thu 2026-09-24. Fri 25–Sun 27 is 中秋, then Mon 28 (1), Tue 29 (2), Wed 30 (3),
    // 1–7 Oct 国庆, Thu 8 (4), Fri 9 (5): due 2026-10-09.
    let (case, event) = Case::open(new_case(10), &cal(), SEP_24);
    assert_eq!(case.acceptance_due, Deadline { date: d("2026-10-09"), provisional: false });
    assert_eq!((case.status, event.seq, event.action.as_str()), (Status::Submitted, 0, "submit"));
    assert_eq!(case.running_deadline(), Some(case.acceptance_due));
}

#[test]
fn a_midnight_submission_counts_on_the_china_date() {
    // 17:30 UTC on the 24th is 01:30 on the 25th in Guizhou.
    let (case, _) = Case::open(new_case(10), &cal(), datetime!(2026-09-24 17:30 UTC));
    assert_eq!(case.received_on, d("2026-09-25"));
}

#[test]
fn the_whole_happy_path_records_every_step() {
    let cal = cal();
    let (case, _) = Case::open(new_case(10), &cal, SEP_24);
    let (case, e1) = case.apply(accept_no(), &clerk(), &cal, datetime!(2026-09-28 09:00 +08:00)).unwrap();
    assert_eq!((case.status, case.accepted_on), (Status::Accepted, Some(d("2026-09-28"))));
    // 10 working days after Mon 28 Sep: 29, 30, 8, 9, 10 (make-up Saturday), 12, 13, 14, 15, 16.
    assert_eq!(case.decision_due.unwrap().date, d("2026-10-16"));
    assert_eq!(
        (e1.seq, e1.from, e1.to, e1.actor_role.as_str()),
        (1, Some(Status::Submitted), Status::Accepted, "clerk")
    );
    let (case, e2) =
        case.apply(Command::StartReview, &reviewer(), &cal, datetime!(2026-09-29 09:00 +08:00)).unwrap();
    assert_eq!((case.status, e2.seq), (Status::UnderReview, 2));
    let decide = Command::Decide {
        outcome: Outcome::Approve,
        opinion: "符合条件".into(),
        legal_basis: "食品安全法第三十五条".into(),
    };
    let (case, e3) =
        case.apply(decide.clone(), &reviewer(), &cal, datetime!(2026-09-30 09:00 +08:00)).unwrap();
    assert_eq!((case.status, e3.seq, case.events), (Status::Approved, 3, 4));
    assert!(case.status.is_final() && case.running_deadline().is_none());
    let again = case.apply(decide, &reviewer(), &cal, datetime!(2026-09-30 10:00 +08:00));
    assert_eq!(again.unwrap_err(), CaseError::WrongState { action: "approve", from: Status::Approved });
}

#[test]
fn roles_and_departments_are_enforced() {
    let cal = cal();
    let (case, _) = Case::open(new_case(10), &cal, SEP_24);
    let approve = Command::Decide { outcome: Outcome::Approve, opinion: "x".into(), legal_basis: "y".into() };
    assert_eq!(case.apply(approve.clone(), &clerk(), &cal, SEP_24).unwrap_err(), CaseError::NotAllowed);
    assert_eq!(case.apply(accept_no(), &reviewer(), &cal, SEP_24).unwrap_err(), CaseError::NotAllowed);
    assert_eq!(case.apply(accept_no(), &applicant(), &cal, SEP_24).unwrap_err(), CaseError::NotAllowed);
    let other = staff(Role::Clerk, "gy-hc");
    assert_eq!(case.apply(accept_no(), &other, &cal, SEP_24).unwrap_err(), CaseError::OtherDepartment);
    let stranger = Actor::Applicant { user_id: "u-2".into() };
    assert_eq!(
        case.apply(Command::Withdraw { reason: None }, &stranger, &cal, SEP_24).unwrap_err(),
        CaseError::NotAllowed
    );
    assert_eq!(case.apply(deem(), &clerk(), &cal, SEP_24).unwrap_err(), CaseError::NotAllowed);
}

#[test]
fn a_withdrawn_case_cannot_be_accepted() {
    let cal = cal();
    let (case, _) = Case::open(new_case(10), &cal, SEP_24);
    let (case, _) =
        case.apply(Command::Withdraw { reason: Some("不办了".into()) }, &applicant(), &cal, SEP_24).unwrap();
    assert_eq!(case.status, Status::Withdrawn);
    let err = case.apply(accept_no(), &clerk(), &cal, SEP_24).unwrap_err();
    assert_eq!(err, CaseError::WrongState { action: "accept", from: Status::Withdrawn });
}

#[test]
fn a_supplement_notice_lists_everything_once_and_restarts_the_acceptance_clock() {
    let cal = cal();
    let (case, _) = Case::open(new_case(10), &cal, SEP_24);
    let empty = Command::RequestSupplement { reason: "材料不全".into(), missing: vec![] };
    assert!(matches!(case.apply(empty, &clerk(), &cal, SEP_24), Err(CaseError::Invalid(_))));
    let request = Command::RequestSupplement {
        reason: "材料不全".into(),
        missing: vec![
            MissingMaterial {
                material_id: "business-licence".into(),
                name: Some("营业执照".into()),
                problem: "营业执照复印件不清晰".into(),
            },
            MissingMaterial {
                material_id: "layout-and-process".into(),
                name: None,
                problem: "缺少布局流程图".into(),
            },
        ],
    };
    let (case, event) =
        case.apply(request.clone(), &clerk(), &cal, datetime!(2026-09-28 09:00 +08:00)).unwrap();
    assert_eq!(case.status, Status::SupplementRequested);
    assert_eq!(case.running_deadline(), None, "the clock waits with the applicant");
    let (title, body) = case.notice_for(&event).unwrap();
    assert!(
        title.contains("一次性告知")
            && body.contains("营业执照复印件不清晰")
            && body.contains("缺少布局流程图")
    );

    let supplement = Command::Supplement { materials: vec![] };
    let (case, _) = case.apply(supplement, &applicant(), &cal, datetime!(2026-10-12 15:00 +08:00)).unwrap();
    assert_eq!((case.status, case.received_on), (Status::Submitted, d("2026-10-12")));
    // Mon 12 Oct + 5 working days = Mon 19 Oct: the waiting time did not count.
    assert_eq!(case.acceptance_due.date, d("2026-10-19"));
    let second = case.apply(request, &clerk(), &cal, datetime!(2026-10-13 09:00 +08:00));
    assert_eq!(second.unwrap_err(), CaseError::SupplementAlreadyRequested);
}

#[test]
fn an_unanswered_case_is_deemed_accepted_as_of_receipt_only_after_the_deadline() {
    let cal = cal();
    let (case, _) = Case::open(new_case(10), &cal, SEP_24);
    assert!(!case.acceptance_lapsed(d("2026-10-09")));
    let early = case.apply(deem(), &Actor::System, &cal, datetime!(2026-10-09 23:00 +08:00));
    assert!(matches!(early, Err(CaseError::Invalid(_))));
    assert!(case.acceptance_lapsed(d("2026-10-10")));
    let (case, event) = case.apply(deem(), &Actor::System, &cal, datetime!(2026-10-10 00:05 +08:00)).unwrap();
    assert_eq!(
        (case.status, case.accepted_on, case.deemed_accepted),
        (Status::Accepted, Some(d("2026-09-24")), true)
    );
    assert_eq!((event.actor_id.as_str(), event.actor_role.as_str()), ("system", "system"));
    assert!(event.note.unwrap().contains("第三十二条"));
    assert!(
        case.notice_for(&CaseEvent { action: "deemed_accept".into(), ..case_event() })
            .unwrap()
            .1
            .contains("即为受理")
    );
}

fn case_event() -> CaseEvent {
    CaseEvent {
        seq: 9,
        at: SEP_24,
        action: String::new(),
        actor_id: "system".into(),
        actor_role: "system".into(),
        from: None,
        to: Status::Accepted,
        note: None,
    }
}

#[test]
fn one_extension_of_at_most_ten_working_days() {
    let cal = cal();
    let (case, _) = Case::open(new_case(10), &cal, SEP_24);
    let (case, _) = case.apply(accept_no(), &clerk(), &cal, datetime!(2026-09-28 09:00 +08:00)).unwrap();
    let too_long = Command::Extend { working_days: 11, reason: "需要现场核查".into() };
    assert!(matches!(case.apply(too_long, &reviewer(), &cal, SEP_24), Err(CaseError::Invalid(_))));
    let no_reason = Command::Extend { working_days: 5, reason: " ".into() };
    assert!(matches!(case.apply(no_reason, &reviewer(), &cal, SEP_24), Err(CaseError::Invalid(_))));
    let extend = Command::Extend { working_days: 5, reason: "需要现场核查".into() };
    let (case, _) =
        case.apply(extend.clone(), &reviewer(), &cal, datetime!(2026-10-12 09:00 +08:00)).unwrap();
    // 16 Oct + 5 working days = 23 Oct.
    assert_eq!(case.decision_due.unwrap().date, d("2026-10-23"));
    assert_eq!(case.apply(extend, &reviewer(), &cal, SEP_24).unwrap_err(), CaseError::AlreadyExtended);
}

#[test]
fn the_clock_flags_due_soon_and_overdue() {
    let cal = cal();
    let (case, _) = Case::open(new_case(10), &cal, SEP_24);
    let at = |s: &str| case.clock(&cal, d(s));
    assert_eq!(
        (at("2026-09-24").working_days_left, at("2026-09-24").flag),
        (Some(5), Some(ClockFlag::OnTime))
    );
    assert_eq!(
        (at("2026-10-08").working_days_left, at("2026-10-08").flag),
        (Some(1), Some(ClockFlag::DueSoon))
    );
    assert_eq!(
        (at("2026-10-09").working_days_left, at("2026-10-09").flag),
        (Some(0), Some(ClockFlag::DueSoon))
    );
    // Sat 10 Oct is a make-up working day: one working day late.
    assert_eq!(
        (at("2026-10-10").working_days_left, at("2026-10-10").flag),
        (Some(-1), Some(ClockFlag::Overdue))
    );
}

#[test]
fn a_deadline_into_2027_is_provisional_until_the_notice_is_loaded() {
    let cal = cal();
    let (case, _) = Case::open(new_case(20), &cal, datetime!(2026-12-03 10:00 +08:00));
    assert!(!case.acceptance_due.provisional);
    let (case, _) = case.apply(accept_no(), &clerk(), &cal, datetime!(2026-12-07 09:00 +08:00)).unwrap();
    let due = case.decision_due.unwrap();
    assert!(due.provisional && due.date.year() == 2027, "{due:?}");
    assert!(case.clock(&cal, d("2026-12-07")).provisional);
    // The 2027 notice arrives: 元旦 1–3 Jan and a make-up Saturday (hypothetical, for the test).
    let notice: YearNoticeJson = serde_json::from_value(json!({
        "notice": "test", "holidays": [["元旦", "2027-01-01", "2027-01-03"], ["春节", "2027-02-05", "2027-02-13"],
        ["清明节", "2027-04-03", "2027-04-05"], ["劳动节", "2027-05-01", "2027-05-05"], ["端午节", "2027-06-09", "2027-06-11"],
        ["中秋节", "2027-09-15", "2027-09-17"], ["国庆节", "2027-10-01", "2027-10-07"]],
        "workdays": ["2027-02-20"]})).unwrap();
    let loaded = cal.clone().with_year(2027, notice).unwrap();
    let (after, event) = case
        .apply(Command::RecomputeDeadlines, &Actor::System, &loaded, datetime!(2026-12-08 09:00 +08:00))
        .unwrap();
    assert!(!after.decision_due.unwrap().provisional);
    assert_eq!(event.action, "recompute_deadlines");
    assert_eq!(after.status, Status::Accepted);
}

type YearNoticeJson = crate::domain::calendar::YearNotice;

#[test]
fn acceptance_numbers_parse_and_print() {
    let no = AcceptanceNo::new("gy-amr", 2026, 42);
    assert_eq!(no.as_str(), "GY-AMR-2026-000042");
    assert_eq!(AcceptanceNo::parse(" gy-amr-2026-000042 "), Some(no));
    for bad in
        ["", "GY-AMR-2026", "GY-AMR-26-000001", "GY AMR-2026-000001", "2026-000001", "GY-AMR-2026-00001"]
    {
        assert_eq!(AcceptanceNo::parse(bad), None, "{bad}");
    }
}

#[test]
fn a_denial_tells_the_applicant_their_rights() {
    let cal = cal();
    let (case, _) = Case::open(new_case(10), &cal, SEP_24);
    let (case, _) = case.apply(accept_no(), &clerk(), &cal, datetime!(2026-09-28 09:00 +08:00)).unwrap();
    let deny = Command::Decide {
        outcome: Outcome::Deny,
        opinion: "经营场所不符合要求".into(),
        legal_basis: "食品安全法第三十五条".into(),
    };
    let (case, event) = case.apply(deny, &reviewer(), &cal, datetime!(2026-09-29 09:00 +08:00)).unwrap();
    let (title, body) = case.notice_for(&event).unwrap();
    assert!(title.contains("不予行政许可"));
    assert!(body.contains("经营场所不符合要求") && body.contains("行政复议") && body.contains("行政诉讼"));
}

fn deem() -> Command {
    Command::DeemAccept { acceptance_no: AcceptanceNo::new("gy-amr", 2026, 7) }
}
