//! The public holidays fixed by law, 全国年节及纪念日放假办法 (revised 2024-11, in force
//! 2025-01-01), Art. 2: the days that are off in every year whatever the State Council's yearly
//! notice adds or moves around them.

use std::ops::RangeInclusive;

use serde::Serialize;
use time::{Date, Month};

use super::lunar;
use crate::domain::catalogue::iso_date;

/// The first year governed by the current text of the law; notices of earlier years followed
/// the older text (春节 without 除夕, one day for 劳动节).
pub const LAW_IN_FORCE_FROM: i32 = 2025;

/// Gregorian years for which the lunar and solar-term holidays can be computed: the lunar table
/// covers 2000–2100 and the Qingming formula used here 2001–2100.
pub const COMPUTABLE_YEARS: RangeInclusive<i32> = 2001..=2100;

/// One statutory day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatutoryDay {
    /// The festival, as named in the law (除夕 counts as part of 春节).
    pub name: &'static str,
    #[serde(with = "iso_date")]
    pub date: Date,
}

/// The statutory days off of `year`, in date order: 13 for any year in [`COMPUTABLE_YEARS`]
/// (中秋节 can fall on 国庆节, as on 2031-10-01; both entries are kept, so a date can repeat).
/// Outside that range only the fixed-date ones (元旦, 劳动节, 国庆节) can be given.
pub fn days_off(year: i32) -> Vec<StatutoryDay> {
    let mut days = fixed_days(year);
    days.extend(movable_days(year).into_iter().flatten());
    days.sort_by_key(|d| d.date);
    days
}

fn fixed_days(year: i32) -> Vec<StatutoryDay> {
    const FIXED: [(&str, Month, u8); 6] = [
        ("元旦", Month::January, 1),
        ("劳动节", Month::May, 1),
        ("劳动节", Month::May, 2),
        ("国庆节", Month::October, 1),
        ("国庆节", Month::October, 2),
        ("国庆节", Month::October, 3),
    ];
    FIXED
        .iter()
        .filter_map(|&(name, month, day)| {
            Date::from_calendar_date(year, month, day).ok().map(|date| StatutoryDay { name, date })
        })
        .collect()
}

/// 除夕, 春节 1/1–1/3, 清明, 端午 5/5 and 中秋 8/15; `None` outside [`COMPUTABLE_YEARS`].
fn movable_days(year: i32) -> Option<Vec<StatutoryDay>> {
    if !COMPUTABLE_YEARS.contains(&year) {
        return None;
    }
    let new_year = lunar::new_year(year)?;
    let spring =
        [lunar::new_years_eve(year - 1)?, new_year, new_year.next_day()?, new_year.next_day()?.next_day()?];
    let mut days: Vec<StatutoryDay> =
        spring.into_iter().map(|date| StatutoryDay { name: "春节", date }).collect();
    days.push(StatutoryDay { name: "清明节", date: qingming(year)? });
    days.push(StatutoryDay { name: "端午节", date: lunar::to_gregorian(year, 5, 5)? });
    days.push(StatutoryDay { name: "中秋节", date: lunar::to_gregorian(year, 8, 15)? });
    Some(days)
}

/// The Qingming solar term (清明) day, by the 寿星 formula for the 21st century:
/// day of April = ⌊Y·0.2422 + 4.81⌋ − L, Y = year − 2000. L counts the leap days since 2000 that
/// the ⌊Y/4⌋ of the usual form stands for; written out (⌊Y/4⌋ − ⌊Y/100⌋ + ⌊Y/400⌋) it also gives
/// 2100, not a leap year, right. Agrees with an astronomical computation for 2001–2100.
pub fn qingming(year: i32) -> Option<Date> {
    if !COMPUTABLE_YEARS.contains(&year) {
        return None;
    }
    let y = year - 2000;
    // Fixed point with 4 decimals keeps the floor exact: 0.2422 → 2422, 4.81 → 48100.
    let day = (y * 2422 + 48_100) / 10_000 - (y / 4 - y / 100 + y / 400);
    Date::from_calendar_date(year, Month::April, u8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn known_qingming_days() {
        assert_eq!(qingming(2025), Some(date!(2025 - 04 - 04)));
        assert_eq!(qingming(2026), Some(date!(2026 - 04 - 05)));
        assert_eq!(qingming(2027), Some(date!(2027 - 04 - 05)));
        assert_eq!(qingming(2028), Some(date!(2028 - 04 - 04)));
        assert_eq!(qingming(2100), Some(date!(2100 - 04 - 05)));
        assert_eq!(qingming(2000), None);
        assert_eq!(qingming(2101), None);
    }

    // Day of April for 2024..=2100, computed with lunar-python 1.4.8 (astronomical).
    const QINGMING: [u8; 77] = [
        4, 4, 5, 5, 4, 4, 5, 5, 4, 4, 5, 5, 4, 4, 5, 5, 4, 4, 4, 5, 4, 4, 4, 5, 4, 4, 4, 5, 4, 4, 4, 5, 4, 4,
        4, 5, 4, 4, 4, 5, 4, 4, 4, 5, 4, 4, 4, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
        4, 4, 4, 4, 4, 4, 4, 4, 5,
    ];

    #[test]
    fn qingming_2024_to_2100_matches_an_independent_computation() {
        for (year, day) in (2024..=2100).zip(QINGMING) {
            let expected = Date::from_calendar_date(year, Month::April, day).unwrap();
            assert_eq!(qingming(year), Some(expected), "{year}");
        }
    }

    #[test]
    fn the_thirteen_days_of_2027() {
        let days: Vec<(&str, Date)> = days_off(2027).iter().map(|d| (d.name, d.date)).collect();
        assert_eq!(
            days,
            [
                ("元旦", date!(2027 - 01 - 01)),
                ("春节", date!(2027 - 02 - 05)), // 除夕 = 腊月廿九
                ("春节", date!(2027 - 02 - 06)),
                ("春节", date!(2027 - 02 - 07)),
                ("春节", date!(2027 - 02 - 08)),
                ("清明节", date!(2027 - 04 - 05)),
                ("劳动节", date!(2027 - 05 - 01)),
                ("劳动节", date!(2027 - 05 - 02)),
                ("端午节", date!(2027 - 06 - 09)),
                ("中秋节", date!(2027 - 09 - 15)),
                ("国庆节", date!(2027 - 10 - 01)),
                ("国庆节", date!(2027 - 10 - 02)),
                ("国庆节", date!(2027 - 10 - 03)),
            ]
        );
    }

    #[test]
    fn every_computable_year_has_all_thirteen_days() {
        for year in COMPUTABLE_YEARS {
            let days = days_off(year);
            assert_eq!(days.len(), 13, "{year}");
            assert!(days.windows(2).all(|w| w[0].date <= w[1].date), "{year}: not in order");
            assert!(days.iter().all(|d| d.date.year() == year), "{year}");
        }
    }

    #[test]
    fn mid_autumn_can_fall_on_national_day() {
        let oct_first: Vec<&str> =
            days_off(2031).iter().filter(|d| d.date == date!(2031 - 10 - 01)).map(|d| d.name).collect();
        assert_eq!(oct_first, ["国庆节", "中秋节"]);
    }

    #[test]
    fn outside_the_computable_years_only_fixed_dates() {
        let names: Vec<&str> = days_off(2101).iter().map(|d| d.name).collect();
        assert_eq!(names, ["元旦", "劳动节", "劳动节", "国庆节", "国庆节", "国庆节"]);
    }
}
