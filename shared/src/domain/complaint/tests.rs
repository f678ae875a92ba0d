use time::{Date, OffsetDateTime, macros::datetime};

use super::*;
use crate::domain::case::ClockFlag;
use crate::domain::{
    catalogue::iso_date,
    redact,
    tracking::{QueryCode, code_matches},
};

fn cal() -> Calendar {
    Calendar::shipped()
}

fn d(s: &str) -> Date {
    iso_date::parse(s).unwrap()
}

/// Thursday before the 2026 Mid-Autumn / National Day holidays.
const SEP_24: OffsetDateTime = datetime!(2026-09-24 10:00 +08:00);

fn new(kind: Kind, consent: bool) -> NewSubmission {
    let number = TrackingNo::new(kind.tracked(), 2026, 7);
    let code = QueryCode::generate();
    NewSubmission {
        kind,
        query_code_digest: code.digest(&number),
        number,
        subject: Subject::parse("食品经营许可超过承诺时限").unwrap(),
        content: Content::parse("我是李红梅，电话13800138000，申请已超过承诺时限仍未办结。").unwrap(),
        about: About {
            department_id: Some("gy-amr".into()),
            item_code: Some(ItemCode::parse("GY-SCJG-001").unwrap()),
            item_name: Some("食品经营许可".into()),
            ..About::default()
        },
        addressee: (kind == Kind::Letter).then_some(Addressee::Head),
        author_id: None,
        contact: Contact {
            name: Some("李红梅".into()),
            phone: Some(Phone::parse("13800138000").unwrap()),
            organisation: None,
        },
        publish_consent: consent,
        reply_limit_days: DEFAULT_REPLY_WORKING_DAYS,
    }
}

fn opened(kind: Kind, consent: bool) -> Submission {
    Submission::open(new(kind, consent), &cal(), SEP_24).unwrap().0
}

fn supervisor() -> Actor {
    Actor::Staff { user_id: "sup-1".into(), role: Role::Supervisor, department_id: None }
}

fn staff(role: Role, dept: &str) -> Actor {
    Actor::Staff { user_id: format!("{role:?}-{dept}"), role, department_id: Some(dept.into()) }
}

fn complainant() -> Actor {
    Actor::Submitter { user_id: None }
}

fn assign(dept: &str) -> Command {
    Command::Assign { department_id: dept.into() }
}

fn reply(text: &str, publish: bool) -> Command {
    Command::Reply { content: Content::parse(text).unwrap(), publish }
}

fn rate(level: RatingLevel) -> Command {
    Command::Rate { level, comment: None }
}

fn reopen() -> Command {
    Command::Reopen { reason: Content::parse("问题没有解决").unwrap() }
}

/// Applies each step in turn, an hour apart, panicking on a refusal.
fn run(mut s: Submission, steps: Vec<(Command, Actor)>) -> (Submission, Vec<Event>) {
    let mut events = Vec::new();
    let mut at = SEP_24;
    for (command, actor) in steps {
        at += time::Duration::hours(1);
        let (next, event) = s.apply(command, &actor, &cal(), at).unwrap();
        s = next;
        events.push(event);
    }
    (s, events)
}

#[test]
fn a_reply_is_due_fifteen_working_days_after_receipt_across_the_holidays() {
    // Received Thu 2026-09-24; 25–27 Sep (中秋) and 1–7 Oct (国庆) are off, Sat 10 Oct is a
    // make-up working day. Working days: 28, 29, 30 Sep (3); 8, 9, 10 Oct (6); 12–16 (11);
    // 19–22 (15) → due Thu 2026-10-22.
    let (s, event) = Submission::open(new(Kind::Complaint, true), &cal(), SEP_24).unwrap();
    assert_eq!(s.clock_started_on, d("2026-09-24"));
    assert_eq!(s.reply_due.date, d("2026-10-22"));
    assert_eq!(cal().working_days_between(d("2026-09-24"), s.reply_due.date), 15);
    assert!(!s.reply_due.provisional);
    assert_eq!(
        (s.status, event.action.as_str(), event.to, event.from),
        (Status::Submitted, "submit", Status::Submitted, None)
    );
    assert_eq!(event.actor_id, "anonymous");

    let configured = NewSubmission { reply_limit_days: 5, ..new(Kind::Complaint, true) };
    let (short, _) = Submission::open(configured, &cal(), SEP_24).unwrap();
    assert_eq!(cal().working_days_between(d("2026-09-24"), short.reply_due.date), 5);
    assert!(short.reply_due.date < s.reply_due.date);
    for days in [0, MAX_REPLY_WORKING_DAYS + 1] {
        let bad = NewSubmission { reply_limit_days: days, ..new(Kind::Complaint, true) };
        assert!(matches!(Submission::open(bad, &cal(), SEP_24), Err(TrackError::Invalid(_))));
    }
}

#[test]
fn the_clock_flags_due_soon_and_overdue_only_while_staff_owe_a_reply() {
    let s = opened(Kind::Complaint, false);
    let due = s.reply_due.date;
    let on_time = s.clock(&cal(), d("2026-09-25"));
    assert_eq!(on_time.flag, Some(ClockFlag::OnTime));
    assert_eq!(s.clock(&cal(), due).flag, Some(ClockFlag::DueSoon));
    assert_eq!(s.clock(&cal(), due).working_days_left, Some(0));
    let after = due.next_day().unwrap();
    assert!(!s.is_overdue(due));
    assert!(s.is_overdue(after));
    let late = s.clock(&cal(), after);
    assert_eq!(late.flag, Some(ClockFlag::Overdue));
    assert!(late.working_days_left.unwrap() < 0);

    let (replied, _) = run(
        s,
        vec![(assign("gy-amr"), supervisor()), (reply("已处理", false), staff(Role::Clerk, "gy-amr"))],
    );
    assert!(!replied.is_overdue(after), "a reply stops the clock");
    assert_eq!(replied.clock(&cal(), after).flag, None);
}

#[test]
fn a_complaint_is_assigned_replied_rated_and_closed_with_an_audit_trail() {
    let s = opened(Kind::Complaint, true);
    let (s, events) = run(
        s,
        vec![
            (assign("gy-hc"), supervisor()),
            (assign("gy-amr"), supervisor()),
            (reply("经核查，已于次日办结。", true), staff(Role::Reviewer, "gy-amr")),
            (
                Command::Rate {
                    level: RatingLevel::Satisfied,
                    comment: Some(Comment::parse("很快").unwrap()),
                },
                complainant(),
            ),
        ],
    );
    assert_eq!(s.status, Status::Closed);
    assert_eq!(s.assigned_department.as_deref(), Some("gy-amr"));
    assert_eq!(s.replies.len(), 1);
    assert_eq!(s.replies[0].department_id, "gy-amr");
    assert_eq!(s.ratings[0].level, RatingLevel::Satisfied);
    assert!(s.published_at.is_some());
    assert!(!s.can_rate() && !s.can_reopen());
    let trail: Vec<_> = events
        .iter()
        .map(|e| (e.seq, e.action.as_str(), e.actor_role.as_str(), e.from.unwrap(), e.to))
        .collect();
    assert_eq!(
        trail,
        vec![
            (1, "assign", "supervisor", Status::Submitted, Status::Assigned),
            (2, "assign", "supervisor", Status::Assigned, Status::Assigned),
            (3, "reply", "reviewer", Status::Assigned, Status::Replied),
            (4, "rate", "submitter", Status::Replied, Status::Closed),
        ]
    );
    assert_eq!(events[0].note.as_deref(), Some("gy-hc"));
    assert_eq!(events[3].note.as_deref(), Some("满意：很快"));
    assert_eq!(s.events, 5);
    // Reassignment does not restart the clock.
    assert_eq!(s.clock_started_on, d("2026-09-24"));
}

#[test]
fn dissatisfied_complainants_may_reopen_once_and_get_a_new_reply_period() {
    let clerk = staff(Role::Clerk, "gy-amr");
    let s = opened(Kind::Complaint, false);
    let (s, _) = run(
        s,
        vec![
            (assign("gy-amr"), supervisor()),
            (reply("请按指南补充材料", false), clerk.clone()),
            (rate(RatingLevel::Dissatisfied), complainant()),
        ],
    );
    assert_eq!(s.status, Status::Closed);
    assert!(s.can_reopen());
    let later = datetime!(2026-11-02 09:00 +08:00);
    let (s, event) = s.apply(reopen(), &complainant(), &cal(), later).unwrap();
    assert_eq!((s.status, event.note.as_deref()), (Status::Reopened, Some("问题没有解决")));
    assert_eq!(s.clock_started_on, d("2026-11-02"));
    assert_eq!(cal().working_days_between(d("2026-11-02"), s.reply_due.date), 15);
    assert_eq!(s.assigned_department.as_deref(), Some("gy-amr"), "back to the same department");

    let (s, _) = s.apply(reply("已现场核实并办结", false), &clerk, &cal(), later).unwrap();
    let (s, _) = s.apply(rate(RatingLevel::Dissatisfied), &complainant(), &cal(), later).unwrap();
    assert!(!s.can_reopen());
    assert_eq!(s.apply(reopen(), &complainant(), &cal(), later).unwrap_err(), TrackError::AlreadyReopened);
    assert_eq!(s.ratings.len(), 2);
}

#[test]
fn only_a_dissatisfied_rating_allows_reopening_and_only_after_rating() {
    let s = opened(Kind::Complaint, false);
    let (replied, _) = run(
        s,
        vec![(assign("gy-amr"), supervisor()), (reply("已处理", false), staff(Role::Clerk, "gy-amr"))],
    );
    assert!(replied.can_rate());
    assert_eq!(
        replied.apply(reopen(), &complainant(), &cal(), SEP_24).unwrap_err(),
        TrackError::WrongState { action: "reopen", from: Status::Replied }
    );
    for level in [RatingLevel::Satisfied, RatingLevel::BasicallySatisfied] {
        let (closed, _) = replied.apply(rate(level), &complainant(), &cal(), SEP_24).unwrap();
        assert_eq!(
            closed.apply(reopen(), &complainant(), &cal(), SEP_24).unwrap_err(),
            TrackError::NotDissatisfied
        );
        assert_eq!(
            closed.apply(rate(RatingLevel::Dissatisfied), &complainant(), &cal(), SEP_24).unwrap_err(),
            TrackError::WrongState { action: "rate", from: Status::Closed },
            "a reply is rated once"
        );
    }
}

#[test]
fn only_supervisors_assign_and_only_the_assigned_department_replies() {
    let s = opened(Kind::Complaint, false);
    for actor in [staff(Role::Clerk, "gy-amr"), staff(Role::Admin, "gy-amr"), complainant()] {
        assert_eq!(s.apply(assign("gy-amr"), &actor, &cal(), SEP_24).unwrap_err(), TrackError::NotAllowed);
    }
    // Not assigned yet: no department holds it.
    assert_eq!(
        s.apply(reply("x", false), &staff(Role::Clerk, "gy-amr"), &cal(), SEP_24).unwrap_err(),
        TrackError::OtherDepartment
    );
    let (s, _) = s.apply(assign("gy-amr"), &supervisor(), &cal(), SEP_24).unwrap();
    assert_eq!(
        s.apply(assign("gy-amr"), &supervisor(), &cal(), SEP_24).unwrap_err(),
        TrackError::SameDepartment
    );
    assert_eq!(
        s.apply(reply("x", false), &staff(Role::Clerk, "gy-hc"), &cal(), SEP_24).unwrap_err(),
        TrackError::OtherDepartment
    );
    let deptless = Actor::Staff { user_id: "a".into(), role: Role::Admin, department_id: None };
    assert_eq!(
        s.apply(reply("x", false), &deptless, &cal(), SEP_24).unwrap_err(),
        TrackError::OtherDepartment
    );
    for actor in [supervisor(), complainant()] {
        assert_eq!(s.apply(reply("x", false), &actor, &cal(), SEP_24).unwrap_err(), TrackError::NotAllowed);
    }
    for actor in [staff(Role::Clerk, "gy-amr"), supervisor()] {
        assert_eq!(
            s.apply(rate(RatingLevel::Satisfied), &actor, &cal(), SEP_24).unwrap_err(),
            TrackError::NotAllowed,
            "only the complainant rates"
        );
    }
    for role in [Role::Clerk, Role::Reviewer, Role::Admin] {
        assert!(s.apply(reply("已处理", false), &staff(role, "gy-amr"), &cal(), SEP_24).is_ok(), "{role:?}");
    }
    let (replied, _) =
        s.apply(reply("已处理", false), &staff(Role::Clerk, "gy-amr"), &cal(), SEP_24).unwrap();
    assert_eq!(
        replied.apply(reply("再答复", false), &staff(Role::Clerk, "gy-amr"), &cal(), SEP_24).unwrap_err(),
        TrackError::WrongState { action: "reply", from: Status::Replied }
    );
    assert_eq!(
        replied.apply(assign("gy-hc"), &supervisor(), &cal(), SEP_24).unwrap_err(),
        TrackError::WrongState { action: "assign", from: Status::Replied }
    );
}

#[test]
fn letters_go_straight_to_their_department_and_are_not_rated() {
    let (s, event) = Submission::open(new(Kind::Letter, true), &cal(), SEP_24).unwrap();
    assert_eq!((s.status, s.assigned_department.as_deref()), (Status::Assigned, Some("gy-amr")));
    assert_eq!(s.addressee, Some(Addressee::Head));
    assert_eq!(event.to, Status::Assigned);
    let (forwarded, _) = s.apply(assign("gy-hc"), &supervisor(), &cal(), SEP_24).unwrap();
    assert_eq!(
        (forwarded.status, forwarded.assigned_department.as_deref()),
        (Status::Assigned, Some("gy-hc"))
    );
    let (replied, _) = forwarded
        .apply(reply("来信收悉，答复如下。", true), &staff(Role::Clerk, "gy-hc"), &cal(), SEP_24)
        .unwrap();
    assert_eq!(replied.status, Status::Replied);
    assert!(!replied.can_rate());
    assert_eq!(
        replied.apply(rate(RatingLevel::Satisfied), &complainant(), &cal(), SEP_24).unwrap_err(),
        TrackError::NotAComplaint
    );

    let nowhere = NewSubmission { about: About::default(), ..new(Kind::Letter, true) };
    assert!(matches!(Submission::open(nowhere, &cal(), SEP_24), Err(TrackError::Invalid(_))));
    let wrong_number =
        NewSubmission { number: TrackingNo::new(TrackedKind::Complaint, 2026, 1), ..new(Kind::Letter, true) };
    assert!(matches!(Submission::open(wrong_number, &cal(), SEP_24), Err(TrackError::Invalid(_))));
}

#[test]
fn publishing_needs_consent_and_removes_personal_data() {
    let without = opened(Kind::Complaint, false);
    let (without, _) = without.apply(assign("gy-amr"), &supervisor(), &cal(), SEP_24).unwrap();
    assert_eq!(
        without.apply(reply("已处理", true), &staff(Role::Clerk, "gy-amr"), &cal(), SEP_24).unwrap_err(),
        TrackError::NoPublishConsent
    );
    assert!(without.publication(None, None, SEP_24).is_none());

    let s = opened(Kind::Complaint, true);
    assert!(s.publication(None, None, SEP_24).is_none(), "nothing to publish before a reply");
    let (s, _) = run(
        s,
        vec![
            (assign("gy-amr"), supervisor()),
            (
                reply("李红梅您好，已电话（13800138000）与您联系，许可证已办结。", true),
                staff(Role::Clerk, "gy-amr"),
            ),
        ],
    );
    let published = s.publication(None, None, SEP_24).unwrap();
    assert_eq!(published.kind, TrackedKind::Complaint);
    assert_eq!(published.number, s.number);
    assert_eq!(published.title, "食品经营许可超过承诺时限");
    assert_eq!(published.question, format!("我是李某，电话{}，申请已超过承诺时限仍未办结。", redact::PHONE));
    assert_eq!(published.answer, format!("李某您好，已电话（{}）与您联系，许可证已办结。", redact::PHONE));
    assert_eq!(published.department_id.as_deref(), Some("gy-amr"));
    assert_eq!(published.item_code.as_deref(), Some("GY-SCJG-001"));
    let names = s.names();
    for text in [&published.title, &published.question, &published.answer] {
        assert!(!redact::contains_personal_data(text, &names), "{text}");
        assert!(!text.contains("13800138000") && !text.contains("李红梅"));
    }
    // Staff wording is used, and redacted too.
    let worded = s
        .publication(Some("反映食品经营许可办理超时。"), Some("已办结，李红梅可登录查看。"), SEP_24)
        .unwrap();
    assert_eq!(worded.question, "反映食品经营许可办理超时。");
    assert_eq!(worded.answer, "已办结，李某可登录查看。");
}

#[test]
fn text_is_trimmed_bounded_and_free_of_control_characters() {
    assert_eq!(Subject::parse("  标题 \r\n").unwrap().as_str(), "标题");
    assert_eq!(
        Content::parse("第一行\r\n第二行\r第三行\t完").unwrap().as_str(),
        "第一行\n第二行\n第三行\t完"
    );
    assert_eq!(Subject::parse(" \n ").unwrap_err(), TextError::Empty);
    assert_eq!(Subject::parse(&"字".repeat(SUBJECT_MAX)).unwrap().as_str().chars().count(), SUBJECT_MAX);
    assert_eq!(
        Subject::parse(&"字".repeat(SUBJECT_MAX + 1)).unwrap_err(),
        TextError::TooLong { max: SUBJECT_MAX }
    );
    assert_eq!(Content::parse("a\u{0}b").unwrap_err(), TextError::ControlCharacter);
    for hidden in ["a\u{202E}b", "a\u{200B}b", "a\u{FEFF}b", "a\u{2067}b"] {
        assert_eq!(Content::parse(hidden).unwrap_err(), TextError::ControlCharacter, "{hidden:?}");
    }
    assert_eq!(TextError::ControlCharacter.code(), "invalid_character");
    assert_eq!(TextError::Empty.code(), "empty_text");
    assert_eq!(TextError::TooLong { max: 100 }.message_zh("投诉标题"), "投诉标题不能超过 100 个字");
    assert!(serde_json::from_str::<Comment>(r#""""#).is_err());
    assert_eq!(serde_json::from_str::<Comment>(r#"" 好 ""#).unwrap().as_str(), "好");
}

#[test]
fn submissions_round_trip_through_json_and_keep_the_code_digest_only() {
    let number = TrackingNo::new(TrackedKind::Complaint, 2026, 7);
    let code = QueryCode::generate();
    let n = NewSubmission {
        query_code_digest: code.digest(&number),
        number: number.clone(),
        ..new(Kind::Complaint, true)
    };
    let (s, _) = Submission::open(n, &cal(), SEP_24).unwrap();
    let json = serde_json::to_value(&s).unwrap();
    assert!(!json.to_string().contains(code.expose()), "the code itself is never stored");
    let back: Submission = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
    assert!(code_matches(&number, code.expose(), &back.query_code_digest));
}
