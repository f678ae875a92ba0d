//! The working-day calendar behind the statutory clock of the Administrative License Law
//! (行政许可法: acceptance within 5 working days, decision within 20 working days, …).
//!
//! A day is a working day (工作日) unless it is a public holiday or a Saturday or Sunday, except
//! that the State Council's yearly notice (国务院办公厅关于YYYY年部分节假日安排的通知) moves some
//! weekend days into working days (调休上班). For a year whose notice is loaded, the calendar
//! follows it exactly. For any other year it knows only what the law itself fixes
//! ([`statutory::days_off`]: 全国年节及纪念日放假办法, Art. 2) plus weekends, and cannot know the
//! make-up days; every answer that depends on such a year is marked provisional rather than
//! guessed ([`Deadline::provisional`], [`Calendar::is_provisional`]). The law applied to such a
//! year is the current text (in force since 2025), whatever the year; outside
//! [`COMPUTABLE_YEARS`] (2001–2100) only its fixed-date holidays are known.
//!
//! Counting rules (the ones the whole platform relies on):
//! * [`Calendar::add_working_days`]`(start, n)`: the start day itself (the day of receipt) is
//!   never counted; the result is the `n`-th working day after it. Adding 1 to a Friday gives the
//!   next working day (normally the Monday).
//! * [`Calendar::working_days_between`]`(from, to)`: the working days in `(from, to]`, so `from`
//!   excluded and `to` included; 0 when `to <= from`. The two are inverse:
//!   `working_days_between(s, add_working_days(s, n).date) == n`.
//!
//! The shipped notices live in `shared/seed/cn-holidays.json` ([`Calendar::shipped`]); next
//! year's notice is loaded at run time with [`Calendar::from_json`] / [`Calendar::with_json`] /
//! [`Calendar::with_year`], which check it before accepting it.

pub mod lunar;
pub mod statutory;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::iter;
use std::sync::LazyLock;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use time::{Date, Weekday};

use crate::domain::catalogue::iso_date;

pub use statutory::{COMPUTABLE_YEARS, LAW_IN_FORCE_FROM, StatutoryDay};

/// The shipped holiday data (same format as [`Calendar::from_json`] takes).
pub const SHIPPED_JSON: &str = include_str!("../../seed/cn-holidays.json");

static SHIPPED: LazyLock<Calendar> = LazyLock::new(|| {
    Calendar::from_json(SHIPPED_JSON)
        .unwrap_or_else(|e| panic!("shared/seed/cn-holidays.json is checked by tests: {e}"))
});

/// A due date, and whether it may still move.
///
/// `provisional` is true when some day counted towards it (after the start, up to and including
/// `date`) lies in a year whose State Council notice is not loaded: the date assumes no make-up
/// working days and no extra bridging days there, so the notice, once published, can move it.
/// Serialises as `{ "date": "YYYY-MM-DD", "provisional": bool }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deadline {
    #[serde(with = "iso_date")]
    pub date: Date,
    pub provisional: bool,
}

/// One year's State Council notice: its blocks of days off and its make-up working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct YearNotice {
    /// Which notice this is (document number or title, and date), for provenance.
    pub notice: String,
    /// Blocks of days off, in date order, weekend days inside a block included.
    pub holidays: Vec<HolidayRange>,
    /// Saturdays and Sundays that are working days (调休上班).
    #[serde(with = "iso_dates")]
    pub workdays: Vec<Date>,
}

/// A block of consecutive days off, `first..=last`. In JSON: `["春节", "2025-01-28", "2025-02-04"]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RangeRow", into = "RangeRow")]
pub struct HolidayRange {
    pub name: String,
    pub first: Date,
    pub last: Date,
}

#[derive(Serialize, Deserialize)]
struct RangeRow(String, #[serde(with = "iso_date")] Date, #[serde(with = "iso_date")] Date);

impl From<RangeRow> for HolidayRange {
    fn from(RangeRow(name, first, last): RangeRow) -> Self {
        HolidayRange { name, first, last }
    }
}

impl From<HolidayRange> for RangeRow {
    fn from(r: HolidayRange) -> Self {
        RangeRow(r.name, r.first, r.last)
    }
}

/// A list of `YYYY-MM-DD` strings.
mod iso_dates {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    use crate::domain::catalogue::iso_date;

    pub fn serialize<S: Serializer>(dates: &[Date], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(dates.iter().map(|d| iso_date::format(*d)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Date>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts.iter().map(|s| iso_date::parse(s).map_err(D::Error::custom)).collect()
    }
}

/// The data file: `{ "about"?: "…", "years": { "2025": YearNotice, … }, "statutory_holidays_by_law"?: … }`.
/// `about` and `statutory_holidays_by_law` are documentation for people and are not read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default, rename = "about")]
    _about: Option<IgnoredAny>,
    years: BTreeMap<String, YearNotice>,
    #[serde(default, rename = "statutory_holidays_by_law")]
    _statutory_holidays_by_law: Option<IgnoredAny>,
}

/// Why holiday data was refused. Each variant names the year of the notice at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("holiday data is not JSON of the expected shape: {0}")]
    Json(String),
    #[error("holiday data has a key {0:?} under \"years\" that is not a year")]
    YearKey(String),
    #[error("{year} notice: {date} is not in {year} (split a block that crosses New Year)")]
    OutsideYear { year: i32, date: Date },
    #[error("{year} notice: holiday block {name} ends before it starts")]
    ReversedRange { year: i32, name: String },
    #[error("{year} notice: holiday block {name} starts before the previous block ends")]
    UnorderedRanges { year: i32, name: String },
    #[error("{year} notice: make-up working day {date} is not a Saturday or Sunday")]
    WorkdayNotWeekend { year: i32, date: Date },
    #[error("{year} notice: make-up working day {date} is listed twice")]
    DuplicateWorkday { year: i32, date: Date },
    #[error("{year} notice: {date} is both in a holiday block and a make-up working day")]
    HolidayAndWorkday { year: i32, date: Date },
    #[error("{year} notice: statutory holiday {name} on {date} is not in any holiday block")]
    MissingStatutoryDay { year: i32, name: String, date: Date },
}

/// A loaded notice, with its days expanded for look-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LoadedYear {
    notice: YearNotice,
    days_off: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
}

/// The working-day calendar: the loaded yearly notices, and the law for the other years.
/// `Default` is a calendar with no notice loaded (every answer provisional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, LoadedYear>,
}

impl Calendar {
    /// The calendar with the notices shipped in `shared/seed/cn-holidays.json`.
    pub fn shipped() -> Calendar {
        SHIPPED.clone()
    }

    /// A calendar with exactly the notices in `json` (the format of the shipped file).
    pub fn from_json(json: &str) -> Result<Calendar, CalendarError> {
        Calendar::default().with_json(json)
    }

    /// This calendar with every notice in `json` added, replacing the same years; the first
    /// notice refused is the error (the calendar is consumed either way: clone it to keep it).
    pub fn with_json(self, json: &str) -> Result<Calendar, CalendarError> {
        let file: CalendarFile =
            serde_json::from_str(json).map_err(|e| CalendarError::Json(e.to_string()))?;
        file.years.into_iter().try_fold(self, |calendar, (key, notice)| {
            let year = key.parse().map_err(|_| CalendarError::YearKey(key.clone()))?;
            calendar.with_year(year, notice)
        })
    }

    /// This calendar with `notice` as the notice of `year` (added, or replacing the one loaded),
    /// once it passes the checks: every date in `year`; blocks each in order and listed in date
    /// order without overlap; make-up working days on Saturdays or Sundays, listed once, outside
    /// every block; and, from [`LAW_IN_FORCE_FROM`] on, every statutory holiday of the year
    /// inside a block (which catches most typing mistakes).
    pub fn with_year(mut self, year: i32, notice: YearNotice) -> Result<Calendar, CalendarError> {
        self.years.insert(year, LoadedYear::new(year, notice)?);
        Ok(self)
    }

    /// The years whose notice is loaded, in order.
    pub fn loaded_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// The loaded notice of `year`, if any.
    pub fn notice(&self, year: i32) -> Option<&YearNotice> {
        self.years.get(&year).map(|y| &y.notice)
    }

    /// True when `date`'s year has no loaded notice, so whether it is a working day follows
    /// only from the law and may change when the notice is published.
    pub fn is_provisional(&self, date: Date) -> bool {
        !self.years.contains_key(&date.year())
    }

    /// True when any day in `(from, to]` is provisional: a [`Calendar::working_days_between`]
    /// over that span may change.
    pub fn is_provisional_between(&self, from: Date, to: Date) -> bool {
        // From the day after `from`: `from` itself is not counted.
        from.next_day()
            .filter(|&first| first <= to)
            .is_some_and(|first| (first.year()..=to.year()).any(|y| !self.years.contains_key(&y)))
    }

    /// Whether `date` is a working day: by the loaded notice of its year; otherwise a weekday
    /// that is not a statutory holiday (see the module documentation).
    pub fn is_working_day(&self, date: Date) -> bool {
        self.rules(date.year()).is_working_day(date)
    }

    /// The name of the holiday `date` falls in: the block of its year's loaded notice (春节, 国庆节 …),
    /// or for a year without one the statutory day of the law; `None` for a working day or a plain
    /// weekend.
    pub fn holiday_name(&self, date: Date) -> Option<&str> {
        match self.years.get(&date.year()) {
            Some(loaded) => loaded
                .notice
                .holidays
                .iter()
                .find(|b| b.first <= date && date <= b.last)
                .map(|b| b.name.as_str()),
            None => statutory::days_off(date.year()).into_iter().find(|d| d.date == date).map(|d| d.name),
        }
    }

    /// The `n`-th working day after `start`; `start` itself is not counted (so `n = 0` gives
    /// `start` back, working day or not). Provisional as explained on [`Deadline`].
    ///
    /// # Panics
    /// If the result would be after 9999-12-31; [`Calendar::checked_add_working_days`] does not.
    pub fn add_working_days(&self, start: Date, n: u32) -> Deadline {
        self.checked_add_working_days(start, n).expect("deadline beyond the last representable date")
    }

    /// [`Calendar::add_working_days`], or `None` if the result would be after 9999-12-31.
    pub fn checked_add_working_days(&self, start: Date, n: u32) -> Option<Deadline> {
        let mut walk = Walk::new(self);
        let mut deadline = Deadline { date: start, provisional: false };
        let mut left = n;
        while left > 0 {
            deadline.date = deadline.date.next_day()?;
            let rules = walk.rules(deadline.date);
            deadline.provisional |= rules.is_provisional();
            if rules.is_working_day(deadline.date) {
                left -= 1;
            }
        }
        Some(deadline)
    }

    /// The number of working days in `(from, to]`: `from` excluded, `to` included; 0 when
    /// `to <= from`. See [`Calendar::is_provisional_between`] for whether it may change.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut walk = Walk::new(self);
        days_after(from)
            .take_while(|&d| d <= to)
            .fold(0, |count, d| count + u32::from(walk.rules(d).is_working_day(d)))
    }

    fn rules(&self, year: i32) -> YearRules<'_> {
        match self.years.get(&year) {
            Some(loaded) => YearRules::Notice(loaded),
            None => YearRules::Law(statutory::days_off(year).into_iter().map(|d| d.date).collect()),
        }
    }
}

/// The days after `from`, in order, up to the last representable date.
fn days_after(from: Date) -> impl Iterator<Item = Date> {
    iter::successors(from.next_day(), |d| d.next_day())
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// How one year's days are decided.
enum YearRules<'a> {
    /// By the loaded notice.
    Notice(&'a LoadedYear),
    /// By the law alone: these statutory days and weekends are off.
    Law(BTreeSet<Date>),
}

impl YearRules<'_> {
    fn is_working_day(&self, date: Date) -> bool {
        match self {
            YearRules::Notice(y) => {
                y.workdays.contains(&date) || !(is_weekend(date) || y.days_off.contains(&date))
            }
            YearRules::Law(days_off) => !(is_weekend(date) || days_off.contains(&date)),
        }
    }

    fn is_provisional(&self) -> bool {
        matches!(self, YearRules::Law(_))
    }
}

/// Walks day by day, building a year's rules once rather than for every day.
struct Walk<'a> {
    calendar: &'a Calendar,
    current: Option<(i32, YearRules<'a>)>,
}

impl<'a> Walk<'a> {
    fn new(calendar: &'a Calendar) -> Self {
        Walk { calendar, current: None }
    }

    fn rules(&mut self, date: Date) -> &YearRules<'a> {
        let year = date.year();
        if self.current.as_ref().is_none_or(|(y, _)| *y != year) {
            self.current = Some((year, self.calendar.rules(year)));
        }
        &self.current.as_ref().expect("set just above").1
    }
}

impl LoadedYear {
    fn new(year: i32, notice: YearNotice) -> Result<Self, CalendarError> {
        check_blocks(year, &notice.holidays)?;
        let days_off: BTreeSet<Date> = notice.holidays.iter().flat_map(block_days).collect();
        let workdays = check_workdays(year, &notice.workdays, &days_off)?;
        check_statutory_days(year, &days_off)?;
        Ok(LoadedYear { notice, days_off, workdays })
    }
}

fn block_days(block: &HolidayRange) -> impl Iterator<Item = Date> + '_ {
    iter::once(block.first).chain(days_after(block.first)).take_while(|&d| d <= block.last)
}

fn check_in_year(year: i32, date: Date) -> Result<(), CalendarError> {
    if date.year() == year { Ok(()) } else { Err(CalendarError::OutsideYear { year, date }) }
}

fn check_blocks(year: i32, blocks: &[HolidayRange]) -> Result<(), CalendarError> {
    let mut previous_last: Option<Date> = None;
    for block in blocks {
        check_in_year(year, block.first)?;
        check_in_year(year, block.last)?;
        let name = || block.name.clone();
        if block.last < block.first {
            return Err(CalendarError::ReversedRange { year, name: name() });
        }
        if previous_last.is_some_and(|last| block.first <= last) {
            return Err(CalendarError::UnorderedRanges { year, name: name() });
        }
        previous_last = Some(block.last);
    }
    Ok(())
}

fn check_workdays(
    year: i32,
    workdays: &[Date],
    days_off: &BTreeSet<Date>,
) -> Result<BTreeSet<Date>, CalendarError> {
    let mut seen = BTreeSet::new();
    for &date in workdays {
        check_in_year(year, date)?;
        if !is_weekend(date) {
            return Err(CalendarError::WorkdayNotWeekend { year, date });
        }
        if days_off.contains(&date) {
            return Err(CalendarError::HolidayAndWorkday { year, date });
        }
        if !seen.insert(date) {
            return Err(CalendarError::DuplicateWorkday { year, date });
        }
    }
    Ok(seen)
}

/// The law's days must all be off in a notice of a year it governs.
fn check_statutory_days(year: i32, days_off: &BTreeSet<Date>) -> Result<(), CalendarError> {
    if year < LAW_IN_FORCE_FROM {
        return Ok(());
    }
    match statutory::days_off(year).into_iter().find(|d| !days_off.contains(&d.date)) {
        Some(missing) => Err(CalendarError::MissingStatutoryDay {
            year,
            name: missing.name.to_owned(),
            date: missing.date,
        }),
        None => Ok(()),
    }
}
