use time::macros::{date, datetime};

use super::*;
use crate::domain::catalogue::Material;

fn t(s: &str) -> ClockTime {
    ClockTime::parse(s).unwrap()
}

/// 09:00–12:00 and 13:30–17:00 from Monday to Friday, 30-minute slots for 3.
fn schedule() -> Schedule {
    serde_json::from_value(serde_json::json!({
        "sessions": [
            {"weekdays": ["monday", "tuesday", "wednesday", "thursday", "friday"], "start": "09:00", "end": "12:00"},
            {"weekdays": ["monday", "tuesday", "wednesday", "thursday", "friday"], "start": "13:30", "end": "17:00"}
        ],
        "slotMinutes": 30,
        "capacity": 3
    }))
    .unwrap()
}

fn cal() -> Calendar {
    Calendar::shipped()
}

#[test]
fn clock_times_parse_and_print_as_hh_mm() {
    assert_eq!(t("09:30").minutes(), 570);
    assert_eq!(t("9:30"), t("09:30"));
    assert_eq!(t("9:30").to_string(), "09:30");
    for bad in ["24:00", "12:60", "9", "9:3", "09:300", "ab:cd", "", "-1:00", "+9:00"] {
        assert_eq!(ClockTime::parse(bad), None, "{bad}");
    }
    assert_eq!(t("23:30").plus(30), None, "24:00 is not a time of day");
    assert_eq!(t("09:00").on(date!(2026 - 12 - 04)), datetime!(2026-12-04 09:00 +08:00));
    assert_eq!(serde_json::to_string(&t("13:05")).unwrap(), "\"13:05\"");
}

#[test]
fn a_schedule_defaults_what_it_leaves_out_and_cuts_sessions_into_whole_slots() {
    let s = schedule();
    assert_eq!(s.make_up_days_as, Weekday::Monday);
    assert_eq!((s.booking_closes_minutes_before, s.cancellation_closes_minutes_before), (30, 30));
    assert_eq!(s.horizon_working_days, 7);
    assert!(s.problems().is_empty(), "{:?}", s.problems());
    let slots = s.slots_on(date!(2026 - 12 - 04)); // a Friday
    assert_eq!(slots.len(), 6 + 7);
    assert_eq!(slots[0], SlotTime { start: t("09:00"), end: t("09:30") });
    assert_eq!(slots[5], SlotTime { start: t("11:30"), end: t("12:00") });
    assert_eq!(slots[6], SlotTime { start: t("13:30"), end: t("14:00") });
    assert_eq!(slots[12].end, t("17:00"));

    let mut odd = schedule();
    odd.slot_minutes = 45; // 09:00–12:00 takes 4 slots; 13:30–17:00 takes 4, the last 15 minutes unused
    let slots = odd.slots_on(date!(2026 - 12 - 04));
    assert_eq!(slots.len(), 8);
    assert_eq!(slots.last().unwrap().end, t("16:30"));
    assert_eq!(odd.slot_at(date!(2026 - 12 - 04), t("09:45")).unwrap().end, t("10:30"));
    assert_eq!(odd.slot_at(date!(2026 - 12 - 04), t("09:30")), None, "not a slot start");
}

#[test]
fn schedule_problems_are_each_named() {
    let mut s = schedule();
    s.sessions.push(Session {
        weekdays: vec![Weekday::Monday, Weekday::Monday],
        start: t("11:00"),
        end: t("11:20"),
    });
    s.sessions.push(Session { weekdays: vec![Weekday::Saturday], start: t("10:00"), end: t("09:00") });
    s.sessions.push(Session { weekdays: vec![], start: t("18:00"), end: t("19:00") });
    s.capacity = 0;
    s.slot_minutes = 30;
    s.make_up_days_as = Weekday::Sunday;
    s.horizon_working_days = 0;
    s.booking_closes_minutes_before = 2000;
    let problems = s.problems().join("\n");
    for expected in [
        "capacity 0",
        "horizonWorkingDays 0",
        "bookingClosesMinutesBefore 2000",
        "makeUpDaysAs",
        "session 3 names monday twice",
        "session 3 (11:00–11:20) is shorter than one slot",
        "sessions 1 and 3 overlap",
        "session 4: windows open on working days only",
        "session 4 ends (09:00) before it starts (10:00)",
        "session 5 names no weekday",
    ] {
        assert!(problems.contains(expected), "missing {expected:?} in:\n{problems}");
    }
    assert!(!problems.contains("sessions 1 and 2"), "morning and afternoon do not overlap");
    // The same problems in Chinese, one for one, with no English field names.
    let zh = s.problems_zh();
    assert_eq!(zh.len(), s.problems().len());
    for p in &zh {
        assert!(!p.contains("session") && !p.contains("capacity") && !p.contains("Minutes"), "{p}");
    }
    assert!(zh.contains(&"第 3 个办公时段重复选择了星期一".to_owned()), "{zh:?}");
    assert!(zh.contains(&"第 1 个和第 3 个办公时段时间重叠".to_owned()), "{zh:?}");
    let mut empty = schedule();
    empty.sessions.clear();
    assert_eq!(empty.problems(), ["no sessions"]);
    let unknown =
        serde_json::from_str::<Schedule>(r#"{"sessions":[],"slotMinutes":30,"capacity":1,"extra":1}"#);
    assert!(unknown.is_err(), "unknown fields are refused");
}

#[test]
fn windows_close_on_holidays_and_open_on_make_up_working_days() {
    // 2026: 国庆节 10-01..10-07; Saturday 10-10 is a make-up working day.
    let s = schedule();
    let now = datetime!(2026-09-29 08:00 +08:00); // a Tuesday
    let c = cal();
    assert_eq!(s.open_slots(&c, now, date!(2026 - 09 - 29), None).unwrap().len(), 13);
    match s.open_slots(&c, now, date!(2026 - 10 - 05), None) {
        Err(BookingError::NotWorkingDay { holiday: Some(name), .. }) => assert_eq!(name, "国庆节"),
        other => panic!("{other:?}"),
    }
    let saturday = s.open_slots(&c, now, date!(2026 - 10 - 10), None).unwrap();
    assert_eq!(saturday.len(), 13, "a make-up Saturday follows Monday's sessions");
    match s.open_slots(&c, now, date!(2026 - 10 - 11), None) {
        Err(BookingError::NotWorkingDay { holiday: None, .. }) => {}
        other => panic!("a plain Sunday: {other:?}"),
    }
    // 7 working days after Tue 09-29: 09-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14.
    assert_eq!(s.last_bookable_day(&c, date!(2026 - 09 - 29)), date!(2026 - 10 - 14));
    assert!(s.open_slots(&c, now, date!(2026 - 10 - 14), None).is_ok());
    assert_eq!(
        s.open_slots(&c, now, date!(2026 - 10 - 15), None),
        Err(BookingError::BeyondHorizon { last: date!(2026 - 10 - 14), working_days: 7 })
    );
    assert_eq!(s.open_slots(&c, now, date!(2026 - 09 - 28), None), Err(BookingError::PastDay));
    assert_eq!(
        s.open_slots(&c, now, date!(2026 - 09 - 30), Some("系统升级")),
        Err(BookingError::WindowClosed { date: date!(2026 - 09 - 30), reason: "系统升级".into() })
    );
}

#[test]
fn a_make_up_day_can_follow_another_weekdays_sessions() {
    let mut s = schedule();
    s.sessions[1].weekdays = vec![Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday];
    s.make_up_days_as = Weekday::Friday; // Friday has no afternoon
    assert_eq!(s.slots_on(date!(2026 - 10 - 10)).len(), 6);
    s.make_up_days_as = Weekday::Monday;
    assert_eq!(s.slots_on(date!(2026 - 10 - 10)).len(), 13);
}

#[test]
fn todays_slots_close_before_they_start() {
    let s = schedule();
    let c = cal();
    let day = date!(2026 - 12 - 03);
    // At 09:10 the 09:00 slot has begun and the 09:30 one closed at 09:00: 10:00 is the first.
    let open = s.open_slots(&c, datetime!(2026-12-03 09:10 +08:00), day, None).unwrap();
    assert_eq!(open[0].start, t("10:00"));
    assert_eq!(
        s.bookable_slot(&c, datetime!(2026-12-03 09:10 +08:00), day, t("09:30"), None),
        Err(BookingError::BookingClosed { minutes_before: 30 })
    );
    assert!(s.bookable_slot(&c, datetime!(2026-12-03 09:29:59 +08:00), day, t("10:00"), None).is_ok());
    assert!(s.bookable_slot(&c, datetime!(2026-12-03 09:30 +08:00), day, t("10:00"), None).is_err());
    assert_eq!(
        s.bookable_slot(&c, datetime!(2026-12-03 09:10 +08:00), day, t("10:10"), None),
        Err(BookingError::NoSuchSlot { date: day, start: t("10:10") })
    );
    // After the last one nothing is left today, and that is not an error.
    assert!(s.open_slots(&c, datetime!(2026-12-03 16:31 +08:00), day, None).unwrap().is_empty());
    // China time decides "today": 2026-12-03 17:00 UTC is 2026-12-04 01:00 in Guiyang.
    assert_eq!(s.open_slots(&c, datetime!(2026-12-03 17:00 UTC), day, None), Err(BookingError::PastDay));
}

#[test]
fn appointment_numbers_are_readable_and_parse_back() {
    let no = AppointmentNo::generate(date!(2026 - 12 - 04));
    assert!(no.as_str().starts_with("YY20261204-"), "{no}");
    assert_eq!(AppointmentNo::parse(&format!(" {} ", no.as_str().to_lowercase())), Some(no.clone()));
    for bad in
        ["YY20261204-ABC", "XX20261204-ABCDEF", "YY2026120-ABCDEF", "YY20261204-ABCDE0", "YY20261204ABCDEF"]
    {
        assert_eq!(AppointmentNo::parse(bad), None, "{bad}");
    }
    let a = AppointmentNo::generate(date!(2026 - 12 - 04));
    let b = AppointmentNo::generate(date!(2026 - 12 - 04));
    assert_ne!(a, b);
}

fn appointment() -> Appointment {
    let material = |id: &str, name: &str, required: bool, form, copies| Material {
        id: id.into(),
        name: name.into(),
        required,
        form,
        copies,
        requirements: String::new(),
        source: String::new(),
        template: None,
        sample: None,
    };
    let materials = [
        material("application-form", "食品经营许可申请书", true, MaterialForm::Original, 1),
        material("business-licence", "营业执照", true, MaterialForm::Copy, 2),
        material("optional", "其他材料", false, MaterialForm::Copy, 1),
    ];
    let bring: Vec<ToBring> = materials
        .iter()
        .filter(|m| m.required)
        .map(|m| ToBring { material_id: m.id.clone(), name: m.name.clone(), form: m.form, copies: m.copies })
        .collect();
    Appointment {
        no: AppointmentNo::parse("YY20261204-7KQ2MZ").unwrap(),
        user_id: "u-1".into(),
        applicant_name: "张三".into(),
        id_masked: Some("520***********123X".into()),
        phone_masked: Some("138****8000".into()),
        window_id: "gy-amr-food".into(),
        window_name: "市场监管·食品经营许可窗口".into(),
        location: "贵阳市政务服务中心 市场监管服务区".into(),
        department_id: "gy-amr".into(),
        item_code: ItemCode::parse("GY-SCJG-001").unwrap(),
        item_name: "食品经营许可".into(),
        date: date!(2026 - 12 - 04),
        start: t("09:30"),
        end: t("10:00"),
        bring,
        status: AppointmentStatus::Confirmed,
        booked_at: datetime!(2026-12-03 10:00 +08:00),
        cancellable_until: datetime!(2026-12-04 09:00 +08:00),
        cancelled_at: None,
        cancelled_by: None,
        cancel_reason: None,
        checked_in_at: None,
        no_show_at: None,
        handled_by: None,
    }
}

#[test]
fn the_confirmation_names_window_location_date_time_and_the_required_materials() {
    let text = appointment().confirmation_zh();
    for expected in [
        "YY20261204-7KQ2MZ",
        "市场监管·食品经营许可窗口",
        "贵阳市政务服务中心 市场监管服务区",
        "2026年12月4日（星期五） 09:30–10:00",
        "食品经营许可",
        "1. 食品经营许可申请书（原件 1 份）",
        "2. 营业执照（复印件 2 份）",
        "2026-12-04 09:00 前",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains("其他材料"), "only required materials");
}

#[test]
fn cancel_check_in_and_no_show_follow_the_clock() {
    let a = appointment();
    // Cancelling closes at the cut-off.
    let cancelled = a.cancel(datetime!(2026-12-04 08:59 +08:00)).unwrap();
    assert_eq!(
        (cancelled.status, cancelled.cancelled_by),
        (AppointmentStatus::Cancelled, Some(CancelledBy::Citizen))
    );
    assert!(matches!(
        a.cancel(datetime!(2026-12-04 09:00 +08:00)),
        Err(BookingError::CancellationClosed { .. })
    ));
    assert!(matches!(
        cancelled.cancel(datetime!(2026-12-04 08:00 +08:00)),
        Err(BookingError::WrongState { .. })
    ));
    // Check-in on the day only.
    assert_eq!(
        a.check_in("clerk", datetime!(2026-12-03 16:00 +08:00)),
        Err(BookingError::NotAppointmentDay { date: date!(2026 - 12 - 04) })
    );
    let arrived = a.check_in("clerk", datetime!(2026-12-04 09:20 +08:00)).unwrap();
    assert_eq!(arrived.status, AppointmentStatus::CheckedIn);
    assert_eq!(arrived.handled_by.as_deref(), Some("clerk"));
    assert!(arrived.status.holds_place());
    assert!(matches!(
        arrived.mark_no_show("clerk", datetime!(2026-12-04 11:00 +08:00)),
        Err(BookingError::WrongState { .. })
    ));
    // No-show once the slot has ended.
    assert!(matches!(
        a.mark_no_show("clerk", datetime!(2026-12-04 09:59 +08:00)),
        Err(BookingError::SlotNotOver { .. })
    ));
    assert_eq!(
        a.mark_no_show("clerk", datetime!(2026-12-04 10:00 +08:00)).unwrap().status,
        AppointmentStatus::NoShow
    );
    // A closure cancels whatever the time, with its reason.
    let closed = a.cancel_for_closure("设备检修", datetime!(2026-12-04 09:45 +08:00)).unwrap();
    assert_eq!(closed.cancelled_by, Some(CancelledBy::WindowClosed));
    let (title, body) = closed.notice_zh().unwrap();
    assert!(title.contains("预约取消通知") && body.contains("设备检修") && body.contains("不计入"), "{body}");
}

fn no_show(no: &str, day: Date) -> NoShow {
    NoShow {
        appointment_no: AppointmentNo::parse(no).unwrap(), date: day, item_name: "食品经营许可".into()
    }
}

#[test]
fn three_no_shows_within_90_days_suspend_booking_for_30_days() {
    let mut record = NoShowRecord::default();
    assert!(
        record.record(no_show("YY20260901-AAAAAA", date!(2026 - 09 - 01)), date!(2026 - 09 - 01)).is_none()
    );
    assert!(
        record.record(no_show("YY20261001-BBBBBB", date!(2026 - 10 - 01)), date!(2026 - 10 - 01)).is_none()
    );
    // The same no-show marked twice counts once.
    assert!(
        record.record(no_show("YY20261001-BBBBBB", date!(2026 - 10 - 01)), date!(2026 - 10 - 02)).is_none()
    );
    // 2026-11-29 is the 90th day counting from 09-01: the first still counts.
    let s = record
        .record(no_show("YY20261129-CCCCCC", date!(2026 - 11 - 29)), date!(2026 - 11 - 29))
        .cloned()
        .unwrap();
    assert_eq!(
        (s.from, s.until, s.resumes_on()),
        (date!(2026 - 11 - 29), date!(2026 - 12 - 28), date!(2026 - 12 - 29))
    );
    assert_eq!(s.because.len(), 3);
    assert!(record.counted.is_empty(), "the no-shows behind a suspension do not count again");
    assert!(record.suspended_on(date!(2026 - 12 - 28)).is_some());
    assert!(record.suspended_on(date!(2026 - 12 - 29)).is_none());
    let reason = s.reason_zh();
    for expected in ["3 次", "2026-12-28（含）", "2026-12-29 起", "YY20260901-AAAAAA"] {
        assert!(reason.contains(expected), "missing {expected:?} in {reason}");
    }
}

#[test]
fn no_shows_older_than_90_days_fall_away() {
    let mut record = NoShowRecord::default();
    record.record(no_show("YY20260901-AAAAAA", date!(2026 - 09 - 01)), date!(2026 - 09 - 01));
    record.record(no_show("YY20261001-BBBBBB", date!(2026 - 10 - 01)), date!(2026 - 10 - 01));
    // 11-30 is the 91st day: the September no-show no longer counts.
    assert!(
        record.record(no_show("YY20261130-CCCCCC", date!(2026 - 11 - 30)), date!(2026 - 11 - 30)).is_none()
    );
    assert_eq!(record.counted.len(), 2);
    assert!(record.suspended_on(date!(2026 - 11 - 30)).is_none());
}
