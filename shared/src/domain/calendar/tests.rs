use proptest::prelude::*;
use time::macros::date;

use super::*;

fn notice_2027() -> YearNotice {
    // A made-up but law-abiding 2027 notice, for the loading tests.
    let block = |name: &str, first, last| HolidayRange { name: name.into(), first, last };
    YearNotice {
        notice: "test".into(),
        holidays: vec![
            block("元旦", date!(2027 - 01 - 01), date!(2027 - 01 - 03)),
            block("春节", date!(2027 - 02 - 05), date!(2027 - 02 - 12)),
            block("清明节", date!(2027 - 04 - 03), date!(2027 - 04 - 05)),
            block("劳动节", date!(2027 - 05 - 01), date!(2027 - 05 - 05)),
            block("端午节", date!(2027 - 06 - 09), date!(2027 - 06 - 09)),
            block("中秋节", date!(2027 - 09 - 15), date!(2027 - 09 - 15)),
            block("国庆节", date!(2027 - 10 - 01), date!(2027 - 10 - 07)),
        ],
        workdays: vec![date!(2027 - 02 - 20), date!(2027 - 10 - 09)],
    }
}

// ---- the shipped data ----

#[test]
fn shipped_calendar_loads_2025_and_2026() {
    let calendar = Calendar::shipped();
    assert_eq!(calendar.loaded_years(), [2025, 2026]);
    assert!(calendar.notice(2025).unwrap().notice.contains("国办发明电"));
    assert!(calendar.notice(2027).is_none());
}

#[test]
fn statutory_days_of_2025_and_2026_fall_in_the_notices_blocks() {
    // The lunar table and the Qingming formula checked against the State Council's own notices.
    let calendar = Calendar::shipped();
    for year in [2025, 2026] {
        let blocks = &calendar.notice(year).unwrap().holidays;
        for day in statutory::days_off(year) {
            assert!(
                blocks.iter().any(|b| (b.first..=b.last).contains(&day.date)),
                "{year}: {} {} outside the notice",
                day.name,
                day.date
            );
            assert!(!calendar.is_working_day(day.date));
        }
    }
}

#[test]
fn make_up_saturday_works_and_holiday_monday_does_not() {
    let calendar = Calendar::shipped();
    assert!(calendar.is_working_day(date!(2025 - 09 - 28))); // Sunday, 调休上班
    assert!(calendar.is_working_day(date!(2025 - 10 - 11))); // Saturday, 调休上班
    assert!(calendar.is_working_day(date!(2026 - 02 - 14))); // Saturday, 调休上班
    assert!(!calendar.is_working_day(date!(2025 - 10 - 06))); // Monday in 国庆节
    assert!(!calendar.is_working_day(date!(2025 - 10 - 12))); // plain Sunday
    assert!(calendar.is_working_day(date!(2025 - 10 - 09))); // plain Thursday
    assert!(!calendar.is_provisional(date!(2025 - 10 - 06)));
}

#[test]
fn holidays_are_named_by_the_notice_or_by_the_law() {
    let calendar = Calendar::shipped();
    assert_eq!(calendar.holiday_name(date!(2026 - 10 - 05)), Some("国庆节")); // inside the block
    assert_eq!(calendar.holiday_name(date!(2026 - 02 - 15)), Some("春节"));
    assert_eq!(calendar.holiday_name(date!(2026 - 10 - 10)), None); // make-up working Saturday
    assert_eq!(calendar.holiday_name(date!(2026 - 10 - 11)), None); // plain Sunday
    assert_eq!(calendar.holiday_name(date!(2027 - 01 - 01)), Some("元旦")); // by the law
    assert_eq!(calendar.holiday_name(date!(2027 - 01 - 04)), None);
}

// ---- counting ----

#[test]
fn twenty_working_days_across_national_day_2025() {
    // Start Fri 2025-09-26 (not counted). 09-27 Sat off; 09-28 Sun make-up 1; 09-29 Mon 2;
    // 09-30 Tue 3; 10-01..10-08 holiday; 10-09 Thu 4; 10-10 Fri 5; 10-11 Sat make-up 6;
    // 10-12 Sun off; 10-13..10-17 7-11; 10-20..10-24 12-16; 10-27 17, 10-28 18, 10-29 19,
    // Thu 10-30 20.
    let calendar = Calendar::shipped();
    let deadline = calendar.add_working_days(date!(2025 - 09 - 26), 20);
    assert_eq!(deadline, Deadline { date: date!(2025 - 10 - 30), provisional: false });
    assert_eq!(calendar.working_days_between(date!(2025 - 09 - 26), date!(2025 - 10 - 30)), 20);
}

#[test]
fn deadline_into_2027_is_provisional_and_keeps_statutory_days() {
    // Start Sun 2026-12-20. 12-21..12-25 1-5; 12-28..12-31 6-9; Fri 2027-01-01 元旦 off;
    // 01-04..01-08 10-14; 01-11..01-15 15-19; Mon 01-18 20.
    let calendar = Calendar::shipped();
    let deadline = calendar.add_working_days(date!(2026 - 12 - 20), 20);
    assert_eq!(deadline, Deadline { date: date!(2027 - 01 - 18), provisional: true });
    for off in [
        date!(2027 - 01 - 01),
        date!(2027 - 02 - 05), // 除夕 (腊月廿九), a Friday
        date!(2027 - 02 - 06),
        date!(2027 - 02 - 07),
        date!(2027 - 02 - 08), // 正月初三, a Monday
    ] {
        assert!(!calendar.is_working_day(off), "{off}");
        assert!(calendar.is_provisional(off));
    }
    // Continuing through 春节: 01-19..01-22 21-24; 01-25..01-29 25-29; 02-01..02-04 30-33;
    // 02-05..02-08 off; 02-09..02-12 34-37; then five a week: 02-19 42, 02-26 47, 03-05 52,
    // 03-12 57; 03-15 58, 03-16 59, Wed 03-17 60.
    let spring = calendar.add_working_days(date!(2026 - 12 - 20), 60);
    assert_eq!(spring, Deadline { date: date!(2027 - 03 - 17), provisional: true });
}

#[test]
fn provisional_only_when_the_walk_reaches_an_unloaded_year() {
    let calendar = Calendar::shipped();
    assert!(!calendar.add_working_days(date!(2026 - 12 - 01), 20).provisional); // ends 2026-12-29
    assert!(calendar.add_working_days(date!(2026 - 12 - 31), 1).provisional);
    // The start day is not walked through.
    assert!(!calendar.add_working_days(date!(2024 - 12 - 31), 1).provisional);
    assert!(calendar.add_working_days(date!(2024 - 12 - 30), 1).provisional);
    assert!(calendar.is_provisional_between(date!(2026 - 12 - 20), date!(2027 - 01 - 18)));
    assert!(!calendar.is_provisional_between(date!(2025 - 01 - 01), date!(2026 - 12 - 31)));
    assert!(!calendar.is_provisional_between(date!(2027 - 01 - 18), date!(2026 - 12 - 20)));
    assert!(!calendar.is_provisional_between(date!(2024 - 12 - 31), date!(2025 - 01 - 05)));
    assert!(calendar.is_provisional_between(date!(2024 - 12 - 30), date!(2024 - 12 - 31)));
    assert!(!calendar.is_provisional_between(date!(2024 - 12 - 30), date!(2024 - 12 - 30)));
}

#[test]
fn start_day_is_not_counted() {
    let calendar = Calendar::shipped();
    // Friday + 1 = Monday; a working Monday + 1 = Tuesday.
    assert_eq!(calendar.add_working_days(date!(2025 - 03 - 07), 1).date, date!(2025 - 03 - 10));
    assert_eq!(calendar.add_working_days(date!(2025 - 03 - 10), 1).date, date!(2025 - 03 - 11));
    // Five working days from the last day before 春节 2026 (Fri 02-13), make-up Sat 02-14 first.
    assert_eq!(calendar.add_working_days(date!(2026 - 02 - 13), 1).date, date!(2026 - 02 - 14));
    assert_eq!(calendar.add_working_days(date!(2026 - 02 - 13), 5).date, date!(2026 - 02 - 27));
    // n = 0 gives the start back, even on a day off.
    let zero = calendar.add_working_days(date!(2025 - 10 - 01), 0);
    assert_eq!(zero, Deadline { date: date!(2025 - 10 - 01), provisional: false });
}

#[test]
fn working_days_between_excludes_from_and_includes_to() {
    let calendar = Calendar::shipped();
    let (mon, tue, fri) = (date!(2025 - 03 - 10), date!(2025 - 03 - 11), date!(2025 - 03 - 14));
    assert_eq!(calendar.working_days_between(mon, tue), 1);
    assert_eq!(calendar.working_days_between(mon, fri), 4);
    assert_eq!(calendar.working_days_between(mon, mon), 0);
    assert_eq!(calendar.working_days_between(fri, mon), 0);
    assert_eq!(calendar.working_days_between(date!(2025 - 09 - 30), date!(2025 - 10 - 08)), 0);
}

#[test]
fn near_the_end_of_representable_dates() {
    let calendar = Calendar::default();
    assert_eq!(calendar.checked_add_working_days(date!(9999 - 12 - 31), 1), None);
    assert_eq!(calendar.working_days_between(date!(9999 - 12 - 30), date!(9999 - 12 - 31)), 1);
}

// ---- loading ----

#[test]
fn from_json_takes_the_shipped_format_and_a_bare_years_document() {
    assert_eq!(Calendar::from_json(SHIPPED_JSON).unwrap(), Calendar::shipped());
    let json = serde_json::json!({ "years": { "2027": notice_2027() } }).to_string();
    let calendar = Calendar::from_json(&json).unwrap();
    assert_eq!(calendar.loaded_years(), [2027]);
    assert_eq!(calendar.notice(2027), Some(&notice_2027()));
}

#[test]
fn next_years_notice_ends_provisional_deadlines() {
    let calendar = Calendar::shipped().with_year(2027, notice_2027()).unwrap();
    assert_eq!(calendar.loaded_years(), [2025, 2026, 2027]);
    assert!(calendar.is_working_day(date!(2027 - 02 - 20))); // make-up Saturday
    assert!(!calendar.is_working_day(date!(2027 - 02 - 10))); // bridging Wednesday
    let deadline = calendar.add_working_days(date!(2026 - 12 - 20), 20);
    assert!(!deadline.provisional);
    // 元旦 block now also takes Sat/Sun 01-02/03: unchanged count, date 2027-01-18.
    assert_eq!(deadline.date, date!(2027 - 01 - 18));
    let json = serde_json::json!({ "years": { "2027": notice_2027() } }).to_string();
    assert_eq!(Calendar::shipped().with_json(&json).unwrap(), calendar);
}

#[test]
fn with_year_replaces_a_loaded_notice() {
    let mut notice = notice_2027();
    notice.workdays.clear();
    let calendar =
        Calendar::default().with_year(2027, notice_2027()).unwrap().with_year(2027, notice).unwrap();
    assert!(!calendar.is_working_day(date!(2027 - 02 - 20)));
}

#[test]
fn notices_with_mistakes_are_refused() {
    let refused = |edit: fn(&mut YearNotice)| {
        let mut notice = notice_2027();
        edit(&mut notice);
        Calendar::default().with_year(2027, notice).unwrap_err()
    };
    let year = 2027;
    assert_eq!(
        refused(|n| n.holidays[0].first = date!(2026 - 12 - 31)),
        CalendarError::OutsideYear { year, date: date!(2026 - 12 - 31) }
    );
    assert_eq!(
        refused(|n| n.workdays.push(date!(2028 - 01 - 08))),
        CalendarError::OutsideYear { year, date: date!(2028 - 01 - 08) }
    );
    assert_eq!(
        refused(|n| n.holidays[4].last = date!(2027 - 06 - 08)),
        CalendarError::ReversedRange { year, name: "端午节".into() }
    );
    assert_eq!(
        refused(|n| n.holidays.swap(0, 1)),
        CalendarError::UnorderedRanges { year, name: "元旦".into() }
    );
    assert_eq!(
        refused(|n| n.holidays[2].first = date!(2027 - 02 - 12)),
        CalendarError::UnorderedRanges { year, name: "清明节".into() }
    );
    assert_eq!(
        refused(|n| n.workdays.push(date!(2027 - 03 - 01))),
        CalendarError::WorkdayNotWeekend { year, date: date!(2027 - 03 - 01) }
    );
    assert_eq!(
        refused(|n| n.workdays.push(date!(2027 - 02 - 20))),
        CalendarError::DuplicateWorkday { year, date: date!(2027 - 02 - 20) }
    );
    assert_eq!(
        refused(|n| n.workdays.push(date!(2027 - 10 - 02))),
        CalendarError::HolidayAndWorkday { year, date: date!(2027 - 10 - 02) }
    );
    // 中秋节 typed a day early.
    assert_eq!(
        refused(|n| n.holidays[5] = HolidayRange {
            name: "中秋节".into(),
            first: date!(2027 - 09 - 14),
            last: date!(2027 - 09 - 14)
        }),
        CalendarError::MissingStatutoryDay { year, name: "中秋节".into(), date: date!(2027 - 09 - 15) }
    );
}

#[test]
fn malformed_json_is_refused() {
    assert!(matches!(Calendar::from_json("{"), Err(CalendarError::Json(_))));
    assert!(matches!(Calendar::from_json(r#"{"yeras": {}}"#), Err(CalendarError::Json(_))));
    let bad_date = r#"{"years": {"2027": {"notice": "x", "holidays": [], "workdays": ["2027-2-20"]}}}"#;
    assert!(matches!(Calendar::from_json(bad_date), Err(CalendarError::Json(_))));
    let bad_key = r#"{"years": {"next": {"notice": "x", "holidays": [], "workdays": []}}}"#;
    assert_eq!(Calendar::from_json(bad_key), Err(CalendarError::YearKey("next".into())));
    // A 2027 notice without any holiday block misses the statutory days.
    let empty = r#"{"years": {"2027": {"notice": "x", "holidays": [], "workdays": []}}}"#;
    assert!(matches!(Calendar::from_json(empty), Err(CalendarError::MissingStatutoryDay { .. })));
}

#[test]
fn notice_round_trips_through_json() {
    let json = serde_json::to_value(notice_2027()).unwrap();
    assert_eq!(json["holidays"][0], serde_json::json!(["元旦", "2027-01-01", "2027-01-03"]));
    assert_eq!(json["workdays"], serde_json::json!(["2027-02-20", "2027-10-09"]));
    assert_eq!(serde_json::from_value::<YearNotice>(json).unwrap(), notice_2027());
}

#[test]
fn deadline_serialises_as_date_and_flag() {
    let deadline = Deadline { date: date!(2027 - 01 - 18), provisional: true };
    let json = serde_json::to_value(deadline).unwrap();
    assert_eq!(json, serde_json::json!({ "date": "2027-01-18", "provisional": true }));
    assert_eq!(serde_json::from_value::<Deadline>(json).unwrap(), deadline);
}

// ---- properties ----

fn any_date() -> impl Strategy<Value = Date> {
    let span = date!(2024 - 01 - 01).to_julian_day()..=date!(2028 - 12 - 31).to_julian_day();
    span.prop_map(|jd| Date::from_julian_day(jd).unwrap())
}

proptest! {
    #[test]
    fn counting_back_gives_n(start in any_date(), n in 0u32..80) {
        let calendar = Calendar::shipped();
        let deadline = calendar.add_working_days(start, n);
        prop_assert_eq!(calendar.working_days_between(start, deadline.date), n);
    }

    #[test]
    fn result_is_a_working_day(start in any_date(), n in 1u32..80) {
        let calendar = Calendar::shipped();
        let deadline = calendar.add_working_days(start, n);
        prop_assert!(calendar.is_working_day(deadline.date));
        prop_assert!(deadline.date > start);
        // The first working day reached: one day earlier the count is n - 1.
        let before = deadline.date.previous_day().unwrap();
        prop_assert_eq!(calendar.working_days_between(start, before), n - 1);
    }

    #[test]
    fn provisional_iff_an_unloaded_year_is_walked(start in any_date(), n in 1u32..80) {
        let calendar = Calendar::shipped();
        let deadline = calendar.add_working_days(start, n);
        prop_assert_eq!(deadline.provisional, calendar.is_provisional_between(start, deadline.date));
    }

    #[test]
    fn between_adds_up(a in any_date(), b in any_date(), c in any_date()) {
        let calendar = Calendar::shipped();
        let mut d = [a, b, c];
        d.sort();
        let parts = calendar.working_days_between(d[0], d[1]) + calendar.working_days_between(d[1], d[2]);
        prop_assert_eq!(parts, calendar.working_days_between(d[0], d[2]));
    }

    #[test]
    fn one_day_span_is_the_working_day_flag(day in any_date()) {
        let calendar = Calendar::shipped();
        let previous = day.previous_day().unwrap();
        let flag = u32::from(calendar.is_working_day(day));
        prop_assert_eq!(calendar.working_days_between(previous, day), flag);
    }
}
