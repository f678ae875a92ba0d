//! The Chinese lunisolar calendar (农历), enough of it to find the lunar holidays of a Gregorian
//! year: the Gregorian date of a day of an ordinary lunar month, for lunar years 2000–2100.
//!
//! The data is the 2000–2100 slice of the compact lunar-year table used by most Chinese calendar
//! libraries (the jjonline `calendar.js` edition, which has the corrected entries for 2033, 2057
//! and 2097). Before it was typed in here it was compared day by day, 2000-01-01 to 2100-12-31,
//! with an independent astronomical computation (lunar-python 1.4.8), with no difference; the
//! tests pin the festival dates of 2024–2100 from that computation. The 1900–1999 part of the
//! table is left out because it was not checked and the statutory calendar does not need it.

use time::{Date, Duration, macros::date};

/// First lunar year of the table.
pub const FIRST_YEAR: i32 = 2000;
/// Last lunar year of the table.
pub const LAST_YEAR: i32 = 2100;

/// Lunar 2000-01-01 (正月初一), the day the table counts from.
const EPOCH: Date = date!(2000 - 02 - 05);

/// One entry per lunar year from [`FIRST_YEAR`]. Bits 15..4 are months 1..12 (bit 15 = month 1;
/// set: 30 days, clear: 29); bits 3..0 the leap month that follows that ordinary month (0: no
/// leap month); bit 16 the leap month's length (set: 30 days).
const YEAR_INFO: [u32; 101] = [
    0x0c960, 0x0d954, 0x0d4a0, 0x0da50, 0x07552, 0x056a0, 0x0abb7, 0x025d0, 0x092d0,
    0x0cab5, // 2000-2009
    0x0a950, 0x0b4a0, 0x0baa4, 0x0ad50, 0x055d9, 0x04ba0, 0x0a5b0, 0x15176, 0x052b0,
    0x0a930, // 2010-2019
    0x07954, 0x06aa0, 0x0ad50, 0x05b52, 0x04b60, 0x0a6e6, 0x0a4e0, 0x0d260, 0x0ea65,
    0x0d530, // 2020-2029
    0x05aa0, 0x076a3, 0x096d0, 0x04afb, 0x04ad0, 0x0a4d0, 0x1d0b6, 0x0d250, 0x0d520,
    0x0dd45, // 2030-2039
    0x0b5a0, 0x056d0, 0x055b2, 0x049b0, 0x0a577, 0x0a4b0, 0x0aa50, 0x1b255, 0x06d20,
    0x0ada0, // 2040-2049
    0x14b63, 0x09370, 0x049f8, 0x04970, 0x064b0, 0x168a6, 0x0ea50, 0x06b20, 0x1a6c4,
    0x0aae0, // 2050-2059
    0x092e0, 0x0d2e3, 0x0c960, 0x0d557, 0x0d4a0, 0x0da50, 0x05d55, 0x056a0, 0x0a6d0,
    0x055d4, // 2060-2069
    0x052d0, 0x0a9b8, 0x0a950, 0x0b4a0, 0x0b6a6, 0x0ad50, 0x055a0, 0x0aba4, 0x0a5b0,
    0x052b0, // 2070-2079
    0x0b273, 0x06930, 0x07337, 0x06aa0, 0x0ad50, 0x14b55, 0x04b60, 0x0a570, 0x054e4,
    0x0d160, // 2080-2089
    0x0e968, 0x0d520, 0x0daa0, 0x16aa6, 0x056d0, 0x04ae0, 0x0a9d4, 0x0a2d0, 0x0d150,
    0x0f252, // 2090-2099
    0x0d520, // 2100
];

fn info(year: i32) -> Option<u32> {
    let index = usize::try_from(year.checked_sub(FIRST_YEAR)?).ok()?;
    YEAR_INFO.get(index).copied()
}

/// Days in ordinary month `month` (1..=12).
fn month_len(info: u32, month: u8) -> i64 {
    if info & (0x1_0000 >> month) != 0 { 30 } else { 29 }
}

/// The leap month (闰月) follows this ordinary month; 0 when the year has none.
fn leap_month(info: u32) -> u8 {
    (info & 0xf) as u8
}

fn leap_len(info: u32) -> i64 {
    match (leap_month(info), info & 0x1_0000) {
        (0, _) => 0,
        (_, 0) => 29,
        _ => 30,
    }
}

fn year_len(info: u32) -> i64 {
    (1..=12).map(|m| month_len(info, m)).sum::<i64>() + leap_len(info)
}

/// Days from lunar 1/1 of the year to day 1 of ordinary month `month`, the leap month included
/// when it comes earlier.
fn days_before_month(info: u32, month: u8) -> i64 {
    let ordinary: i64 = (1..month).map(|m| month_len(info, m)).sum();
    let leap = if (1..month).contains(&leap_month(info)) { leap_len(info) } else { 0 };
    ordinary + leap
}

/// Gregorian date of day `day` of the ordinary (not leap) month `month` of lunar year `year`;
/// `None` outside 2000–2100 or for a day the month does not have.
pub fn to_gregorian(year: i32, month: u8, day: u8) -> Option<Date> {
    let this = info(year)?;
    if !(1..=12).contains(&month) || day == 0 || i64::from(day) > month_len(this, month) {
        return None;
    }
    let before_year: i64 = (FIRST_YEAR..year).filter_map(info).map(year_len).sum();
    let offset = before_year + days_before_month(this, month) + i64::from(day) - 1;
    EPOCH.checked_add(Duration::days(offset))
}

/// 正月初一 of lunar year `year`.
pub fn new_year(year: i32) -> Option<Date> {
    to_gregorian(year, 1, 1)
}

/// 除夕: the last day of lunar year `year` (腊月, month 12, has 29 or 30 days).
pub fn new_years_eve(year: i32) -> Option<Date> {
    let last = u8::try_from(month_len(info(year)?, 12)).ok()?;
    to_gregorian(year, 12, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn ymd(year: i32, month: u8, day: u8) -> Date {
        Date::from_calendar_date(year, Month::try_from(month).unwrap(), day).unwrap()
    }

    #[test]
    fn known_new_years() {
        assert_eq!(new_year(2025), Some(date!(2025 - 01 - 29)));
        assert_eq!(new_year(2026), Some(date!(2026 - 02 - 17)));
        assert_eq!(new_year(2027), Some(date!(2027 - 02 - 06)));
        assert_eq!(new_year(2028), Some(date!(2028 - 01 - 26)));
        assert_eq!(new_year(2030), Some(date!(2030 - 02 - 03)));
    }

    #[test]
    fn eve_before_2027_is_the_29th_of_the_twelfth_month() {
        // Lunar 2026 month 12 has 29 days, so 除夕 is 腊月廿九, not 腊月三十.
        assert_eq!(month_len(info(2026).unwrap(), 12), 29);
        assert_eq!(new_years_eve(2026), Some(date!(2027 - 02 - 05)));
        assert_eq!(to_gregorian(2026, 12, 30), None);
        assert_eq!(new_years_eve(2024), Some(date!(2025 - 01 - 28)));
        assert_eq!(new_years_eve(2025), Some(date!(2026 - 02 - 16)));
    }

    #[test]
    fn known_dragon_boat_and_mid_autumn() {
        assert_eq!(to_gregorian(2025, 5, 5), Some(date!(2025 - 05 - 31)));
        assert_eq!(to_gregorian(2026, 5, 5), Some(date!(2026 - 06 - 19)));
        assert_eq!(to_gregorian(2027, 5, 5), Some(date!(2027 - 06 - 09)));
        assert_eq!(to_gregorian(2025, 8, 15), Some(date!(2025 - 10 - 06)));
        assert_eq!(to_gregorian(2026, 8, 15), Some(date!(2026 - 09 - 25)));
        assert_eq!(to_gregorian(2027, 8, 15), Some(date!(2027 - 09 - 15)));
    }

    // (month, day) for 2024..=2100, computed with lunar-python 1.4.8 (astronomical, independent
    // of the table above).
    const NEW_YEARS: [(u8, u8); 77] = [
        (2, 10),
        (1, 29),
        (2, 17),
        (2, 6),
        (1, 26),
        (2, 13),
        (2, 3),
        (1, 23),
        (2, 11),
        (1, 31),
        (2, 19),
        (2, 8),
        (1, 28),
        (2, 15),
        (2, 4),
        (1, 24),
        (2, 12),
        (2, 1),
        (1, 22),
        (2, 10),
        (1, 30),
        (2, 17),
        (2, 6),
        (1, 26),
        (2, 14),
        (2, 2),
        (1, 23),
        (2, 11),
        (2, 1),
        (2, 19),
        (2, 8),
        (1, 28),
        (2, 15),
        (2, 4),
        (1, 24),
        (2, 12),
        (2, 2),
        (1, 21),
        (2, 9),
        (1, 29),
        (2, 17),
        (2, 5),
        (1, 26),
        (2, 14),
        (2, 3),
        (1, 23),
        (2, 11),
        (1, 31),
        (2, 19),
        (2, 7),
        (1, 27),
        (2, 15),
        (2, 5),
        (1, 24),
        (2, 12),
        (2, 2),
        (1, 22),
        (2, 9),
        (1, 29),
        (2, 17),
        (2, 6),
        (1, 26),
        (2, 14),
        (2, 3),
        (1, 24),
        (2, 10),
        (1, 30),
        (2, 18),
        (2, 7),
        (1, 27),
        (2, 15),
        (2, 5),
        (1, 25),
        (2, 12),
        (2, 1),
        (1, 21),
        (2, 9),
    ];
    const DRAGON_BOAT: [(u8, u8); 77] = [
        (6, 10),
        (5, 31),
        (6, 19),
        (6, 9),
        (5, 28),
        (6, 16),
        (6, 5),
        (6, 24),
        (6, 12),
        (6, 1),
        (6, 20),
        (6, 10),
        (5, 30),
        (6, 18),
        (6, 7),
        (5, 27),
        (6, 14),
        (6, 3),
        (6, 22),
        (6, 11),
        (5, 31),
        (6, 19),
        (6, 8),
        (5, 29),
        (6, 15),
        (6, 4),
        (6, 23),
        (6, 13),
        (6, 1),
        (6, 20),
        (6, 10),
        (5, 30),
        (6, 17),
        (6, 6),
        (6, 25),
        (6, 14),
        (6, 3),
        (6, 22),
        (6, 11),
        (6, 1),
        (6, 19),
        (6, 8),
        (5, 28),
        (6, 16),
        (6, 4),
        (6, 23),
        (6, 13),
        (6, 2),
        (6, 20),
        (6, 10),
        (5, 30),
        (6, 17),
        (6, 6),
        (6, 24),
        (6, 14),
        (6, 4),
        (6, 22),
        (6, 11),
        (6, 1),
        (6, 19),
        (6, 7),
        (5, 27),
        (6, 15),
        (6, 5),
        (6, 23),
        (6, 13),
        (6, 2),
        (6, 21),
        (6, 9),
        (5, 29),
        (6, 17),
        (6, 6),
        (6, 24),
        (6, 14),
        (6, 4),
        (6, 23),
        (6, 12),
    ];
    const MID_AUTUMN: [(u8, u8); 77] = [
        (9, 17),
        (10, 6),
        (9, 25),
        (9, 15),
        (10, 3),
        (9, 22),
        (9, 12),
        (10, 1),
        (9, 19),
        (9, 8),
        (9, 27),
        (9, 16),
        (10, 4),
        (9, 24),
        (9, 13),
        (10, 2),
        (9, 20),
        (9, 10),
        (9, 28),
        (9, 17),
        (10, 5),
        (9, 25),
        (9, 15),
        (10, 4),
        (9, 22),
        (9, 11),
        (9, 30),
        (9, 19),
        (9, 7),
        (9, 26),
        (9, 16),
        (10, 5),
        (9, 24),
        (9, 13),
        (10, 2),
        (9, 21),
        (9, 9),
        (9, 28),
        (9, 17),
        (10, 6),
        (9, 25),
        (9, 15),
        (10, 3),
        (9, 23),
        (9, 11),
        (9, 29),
        (9, 19),
        (9, 8),
        (9, 26),
        (9, 16),
        (10, 5),
        (9, 24),
        (9, 12),
        (10, 1),
        (9, 20),
        (9, 10),
        (9, 28),
        (9, 17),
        (10, 6),
        (9, 26),
        (9, 14),
        (10, 3),
        (9, 22),
        (9, 11),
        (9, 29),
        (9, 18),
        (9, 8),
        (9, 27),
        (9, 16),
        (10, 5),
        (9, 24),
        (9, 13),
        (9, 30),
        (9, 20),
        (9, 9),
        (9, 29),
        (9, 18),
    ];

    #[test]
    fn festivals_2024_to_2100_match_an_independent_computation() {
        for (i, year) in (2024..=2100).enumerate() {
            let check = |month, day, (m, d): (u8, u8)| {
                assert_eq!(to_gregorian(year, month, day), Some(ymd(year, m, d)), "{year} {month}/{day}");
            };
            check(1, 1, NEW_YEARS[i]);
            check(5, 5, DRAGON_BOAT[i]);
            check(8, 15, MID_AUTUMN[i]);
        }
    }

    #[test]
    fn eve_is_the_day_before_new_year() {
        for year in FIRST_YEAR..LAST_YEAR {
            assert_eq!(new_years_eve(year), new_year(year + 1).and_then(Date::previous_day), "{year}");
        }
    }

    #[test]
    fn table_entries_are_plausible_lunar_years() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let info = info(year).unwrap();
            let len = year_len(info);
            match leap_month(info) {
                0 => assert!((353..=355).contains(&len), "{year}: {len}"),
                1..=12 => assert!((383..=385).contains(&len), "{year}: {len}"),
                other => panic!("{year}: leap month {other}"),
            }
        }
    }

    #[test]
    fn outside_the_table_or_the_month_is_none() {
        assert_eq!(new_year(1999), None);
        assert_eq!(new_year(2101), None);
        assert_eq!(to_gregorian(2025, 13, 1), None);
        assert_eq!(to_gregorian(2025, 0, 1), None);
        assert_eq!(to_gregorian(2025, 1, 0), None);
        assert_eq!(to_gregorian(2025, 1, 31), None);
        assert_eq!(new_years_eve(2100), Some(date!(2101 - 01 - 28)));
    }
}
