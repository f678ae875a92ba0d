//! Window appointments (§4.2.2, 预约办事) as pure rules: a window's schedule and the slots it
//! offers on a day, the appointment and its states, and the no-show rule.
//!
//! Schedules are data (each window's `schedule` in the catalogue):
//! - **sessions** per weekday, e.g. 09:00–12:00 and 13:00–17:00 from Monday to Friday, cut into
//!   slots of `slotMinutes`, each with room for `capacity` citizens;
//! - a window opens on the working days of the [`Calendar`]: never on a public holiday, and on
//!   a make-up working day (调休上班, a Saturday or Sunday) with the sessions of the weekday
//!   named by `makeUpDaysAs` (Monday unless set);
//! - a slot is bookable from today up to `horizonWorkingDays` working days ahead (7 unless set)
//!   until `bookingClosesMinutesBefore` its start (30 unless set); a booking can be cancelled
//!   until `cancellationClosesMinutesBefore` its start (30 unless set); staff close a window for
//!   a day, which cancels that day's bookings.
//!
//! Appointment states: confirmed → cancelled (by the citizen before the cut-off, or because the
//! window closed that day) | checked_in (签到, on the day) | no_show (after the slot ended).
//! Three no-shows within 90 days suspend online booking for 30 days; the no-shows that led to a
//! suspension do not count again after it.
//!
//! Dates and times are China Standard Time (UTC+8).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

use super::{
    calendar::Calendar,
    case::{CHINA, china_date},
    catalogue::{LicensingItem, MaterialForm, iso_date},
    ids::ItemCode,
};

/// No-shows within [`NO_SHOW_PERIOD_DAYS`] that suspend online booking.
pub const NO_SHOW_LIMIT: usize = 3;
/// The period, in calendar days up to and including today, in which no-shows are counted.
pub const NO_SHOW_PERIOD_DAYS: i64 = 90;
/// How long online booking is suspended, in calendar days from the day of the last no-show.
pub const SUSPENSION_DAYS: i64 = 30;

// ---------------------------------------------------------------------------------------------
// Times of day and weekdays
// ---------------------------------------------------------------------------------------------

/// A time of day in China to the minute, `"HH:MM"` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    /// `h:mm` or `hh:mm`, 00:00 to 23:59.
    pub fn parse(s: &str) -> Option<Self> {
        let (h, m) = s.trim().split_once(':')?;
        let ok = (1..=2).contains(&h.len())
            && m.len() == 2
            && h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit());
        if !ok {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(Self(h * 60 + m))
    }

    pub const fn from_hm(hours: u16, minutes: u16) -> Self {
        assert!(hours < 24 && minutes < 60);
        Self(hours * 60 + minutes)
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// This time plus `minutes`, if still within the day (24:00 itself is not a time of day).
    pub fn plus(self, minutes: u16) -> Option<Self> {
        let m = self.0.checked_add(minutes)?;
        (m < 24 * 60).then_some(Self(m))
    }

    pub fn to_time(self) -> Time {
        Time::from_hms((self.0 / 60) as u8, (self.0 % 60) as u8, 0).expect("a valid time of day")
    }

    /// The instant this time of day is reached on `date` in China.
    pub fn on(self, date: Date) -> OffsetDateTime {
        PrimitiveDateTime::new(date, self.to_time()).assume_offset(CHINA)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a time of day (HH:MM): {s}")))
    }
}

/// Weekdays as lower-case English names in JSON (`"monday"`).
pub mod weekday {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Weekday;

    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    pub fn name(day: Weekday) -> &'static str {
        match day {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }

    /// 星期一 … 星期日.
    pub fn name_zh(day: Weekday) -> &'static str {
        match day {
            Weekday::Monday => "星期一",
            Weekday::Tuesday => "星期二",
            Weekday::Wednesday => "星期三",
            Weekday::Thursday => "星期四",
            Weekday::Friday => "星期五",
            Weekday::Saturday => "星期六",
            Weekday::Sunday => "星期日",
        }
    }

    pub fn parse(s: &str) -> Option<Weekday> {
        ALL.into_iter().find(|d| name(*d) == s)
    }

    pub fn serialize<S: Serializer>(day: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name(*day))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| D::Error::custom(format!("not a weekday (monday … sunday): {s}")))
    }

    /// A list of weekdays.
    pub mod list {
        use serde::{Deserialize, Deserializer, Serializer, de::Error};
        use time::Weekday;

        pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(days.iter().map(|d| super::name(*d)))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
            let names = Vec::<String>::deserialize(d)?;
            names
                .iter()
                .map(|s| {
                    super::parse(s)
                        .ok_or_else(|| D::Error::custom(format!("not a weekday (monday … sunday): {s}")))
                })
                .collect()
        }
    }
}

fn is_weekend(day: Weekday) -> bool {
    matches!(day, Weekday::Saturday | Weekday::Sunday)
}

// ---------------------------------------------------------------------------------------------
// Schedules and slots
// ---------------------------------------------------------------------------------------------

/// Opening hours on some weekdays, e.g. Monday to Friday 09:00–12:00.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Session {
    #[serde(with = "weekday::list")]
    pub weekdays: Vec<Weekday>,
    pub start: ClockTime,
    pub end: ClockTime,
}

fn default_make_up_day() -> Weekday {
    Weekday::Monday
}
fn default_cut_off() -> u16 {
    30
}
fn default_horizon() -> u16 {
    7
}

/// A window's appointment schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    pub sessions: Vec<Session>,
    /// Length of one slot, minutes; a session is cut into whole slots from its start.
    pub slot_minutes: u16,
    /// Citizens one slot takes.
    pub capacity: u16,
    /// Whose sessions a make-up working day (a Saturday or Sunday) follows.
    #[serde(default = "default_make_up_day", with = "weekday")]
    pub make_up_days_as: Weekday,
    /// Booking a slot closes this many minutes before it starts.
    #[serde(default = "default_cut_off")]
    pub booking_closes_minutes_before: u16,
    /// Cancelling a booking closes this many minutes before its slot starts.
    #[serde(default = "default_cut_off")]
    pub cancellation_closes_minutes_before: u16,
    /// Bookable days: today and this many working days after it.
    #[serde(default = "default_horizon")]
    pub horizon_working_days: u16,
}

/// One slot of a day: `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SlotTime {
    pub start: ClockTime,
    pub end: ClockTime,
}

/// Limits a schedule must stay within.
pub const SLOT_MINUTES: std::ops::RangeInclusive<u16> = 5..=240;
pub const CAPACITY: std::ops::RangeInclusive<u16> = 1..=200;
pub const HORIZON_WORKING_DAYS: std::ops::RangeInclusive<u16> = 1..=60;
/// Cut-offs are at most one day.
pub const MAX_CUT_OFF_MINUTES: u16 = 24 * 60;

/// A weekday's Chinese name (星期一 …).
fn weekday_zh(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "星期一",
        Weekday::Tuesday => "星期二",
        Weekday::Wednesday => "星期三",
        Weekday::Thursday => "星期四",
        Weekday::Friday => "星期五",
        Weekday::Saturday => "星期六",
        Weekday::Sunday => "星期日",
    }
}

impl Schedule {
    /// Every rule a hand-edited or submitted schedule can break, each as a sentence (English,
    /// for the seed's checks and developers; [`Schedule::problems_zh`] for people).
    pub fn problems(&self) -> Vec<String> {
        self.check().into_iter().map(|(en, _)| en).collect()
    }

    /// [`Schedule::problems`] in Chinese, in the same order.
    pub fn problems_zh(&self) -> Vec<String> {
        self.check().into_iter().map(|(_, zh)| zh).collect()
    }

    /// Each broken rule in English and in Chinese.
    fn check(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        if self.sessions.is_empty() {
            out.push(("no sessions".to_owned(), "未设置任何办公时段".to_owned()));
        }
        if !SLOT_MINUTES.contains(&self.slot_minutes) {
            out.push((
                format!("slotMinutes {} is not within 5..=240", self.slot_minutes),
                format!("每个预约时段的长度须在 5 至 240 分钟之间（现为 {} 分钟）", self.slot_minutes),
            ));
        }
        if !CAPACITY.contains(&self.capacity) {
            out.push((
                format!("capacity {} is not within 1..=200", self.capacity),
                format!("每个时段可预约人数须在 1 至 200 之间（现为 {}）", self.capacity),
            ));
        }
        if !HORIZON_WORKING_DAYS.contains(&self.horizon_working_days) {
            out.push((
                format!("horizonWorkingDays {} is not within 1..=60", self.horizon_working_days),
                format!("可提前预约的工作日数须在 1 至 60 之间（现为 {}）", self.horizon_working_days),
            ));
        }
        for (name, label, minutes) in [
            ("bookingClosesMinutesBefore", "预约截止时间", self.booking_closes_minutes_before),
            ("cancellationClosesMinutesBefore", "取消截止时间", self.cancellation_closes_minutes_before),
        ] {
            if minutes > MAX_CUT_OFF_MINUTES {
                out.push((
                    format!("{name} {minutes} is more than a day"),
                    format!("{label}不能早于时段开始前一天（现为提前 {minutes} 分钟）"),
                ));
            }
        }
        if is_weekend(self.make_up_days_as) {
            out.push((
                "makeUpDaysAs must be a weekday (monday … friday)".to_owned(),
                "调休上班日须按周一至周五中的某一天安排".to_owned(),
            ));
        }
        for (i, s) in self.sessions.iter().enumerate() {
            let n = i + 1;
            if s.weekdays.is_empty() {
                out.push((format!("session {n} names no weekday"), format!("第 {n} 个办公时段未选择星期")));
            }
            if s.weekdays.iter().any(|d| is_weekend(*d)) {
                out.push((
                    format!(
                        "session {n}: windows open on working days only; a make-up Saturday or Sunday follows makeUpDaysAs"
                    ),
                    format!("第 {n} 个办公时段：窗口只在工作日办公，调休的周六、周日按调休设置安排"),
                ));
            }
            for (j, d) in s.weekdays.iter().enumerate() {
                if s.weekdays[..j].contains(d) {
                    out.push((
                        format!("session {n} names {} twice", weekday::name(*d)),
                        format!("第 {n} 个办公时段重复选择了{}", weekday_zh(*d)),
                    ));
                }
            }
            if s.end <= s.start {
                out.push((
                    format!("session {n} ends ({}) before it starts ({})", s.end, s.start),
                    format!("第 {n} 个办公时段的结束时间（{}）早于开始时间（{}）", s.end, s.start),
                ));
            } else if s.end.minutes() - s.start.minutes() < self.slot_minutes {
                out.push((
                    format!("session {n} ({}–{}) is shorter than one slot", s.start, s.end),
                    format!("第 {n} 个办公时段（{}–{}）不足一个预约时段", s.start, s.end),
                ));
            }
            for (k, other) in self.sessions.iter().enumerate().take(i) {
                let same_day = s.weekdays.iter().any(|d| other.weekdays.contains(d));
                if same_day && s.start < other.end && other.start < s.end {
                    out.push((
                        format!("sessions {} and {n} overlap", k + 1),
                        format!("第 {} 个和第 {n} 个办公时段时间重叠", k + 1),
                    ));
                }
            }
        }
        out
    }

    /// The sessions that apply on `date`, a working day: its weekday's, or on a make-up working
    /// day (a Saturday or Sunday) those of [`Schedule::make_up_days_as`].
    fn sessions_on(&self, date: Date) -> impl Iterator<Item = &Session> {
        let day = if is_weekend(date.weekday()) { self.make_up_days_as } else { date.weekday() };
        self.sessions.iter().filter(move |s| s.weekdays.contains(&day))
    }

    /// Every slot of `date` by the sessions, in time order, whatever the calendar says.
    pub fn slots_on(&self, date: Date) -> Vec<SlotTime> {
        let mut slots = Vec::new();
        for session in self.sessions_on(date) {
            let mut start = session.start;
            while let Some(end) = start.plus(self.slot_minutes).filter(|end| *end <= session.end) {
                slots.push(SlotTime { start, end });
                start = end;
            }
        }
        slots.sort();
        slots
    }

    /// The slot of `date` starting at `start`, if the sessions have one.
    pub fn slot_at(&self, date: Date, start: ClockTime) -> Option<SlotTime> {
        self.slots_on(date).into_iter().find(|s| s.start == start)
    }

    /// The last day that may be booked on `today`.
    pub fn last_bookable_day(&self, calendar: &Calendar, today: Date) -> Date {
        calendar.add_working_days(today, u32::from(self.horizon_working_days)).date
    }

    /// Whether `date` takes bookings at all on `today`; `closure` is the reason the window is
    /// closed that day, if it is. The refusals, in this order: a past day, a day off (with the
    /// holiday's name), a closed window, a day beyond the horizon.
    pub fn check_day(
        &self,
        calendar: &Calendar,
        today: Date,
        date: Date,
        closure: Option<&str>,
    ) -> Result<(), BookingError> {
        if date < today {
            return Err(BookingError::PastDay);
        }
        if !calendar.is_working_day(date) {
            return Err(BookingError::NotWorkingDay {
                date,
                holiday: calendar.holiday_name(date).map(str::to_owned),
            });
        }
        if let Some(reason) = closure {
            return Err(BookingError::WindowClosed { date, reason: reason.to_owned() });
        }
        let last = self.last_bookable_day(calendar, today);
        if date > last {
            return Err(BookingError::BeyondHorizon { last, working_days: self.horizon_working_days });
        }
        Ok(())
    }

    /// When booking `slot` of `date` closes.
    pub fn booking_deadline(&self, date: Date, slot: SlotTime) -> OffsetDateTime {
        slot.start.on(date) - Duration::minutes(i64::from(self.booking_closes_minutes_before))
    }

    /// When cancelling a booking of `slot` on `date` closes.
    pub fn cancellation_deadline(&self, date: Date, slot: SlotTime) -> OffsetDateTime {
        slot.start.on(date) - Duration::minutes(i64::from(self.cancellation_closes_minutes_before))
    }

    /// The slots of `date` still bookable at `now` (past slots and those whose booking closed
    /// are left out), or why the day takes no bookings.
    pub fn open_slots(
        &self,
        calendar: &Calendar,
        now: OffsetDateTime,
        date: Date,
        closure: Option<&str>,
    ) -> Result<Vec<SlotTime>, BookingError> {
        self.check_day(calendar, china_date(now), date, closure)?;
        Ok(self.slots_on(date).into_iter().filter(|s| now < self.booking_deadline(date, *s)).collect())
    }

    /// The slot a citizen asks for, checked: the day takes bookings, the sessions have a slot
    /// starting then, and its booking has not closed.
    pub fn bookable_slot(
        &self,
        calendar: &Calendar,
        now: OffsetDateTime,
        date: Date,
        start: ClockTime,
        closure: Option<&str>,
    ) -> Result<SlotTime, BookingError> {
        self.check_day(calendar, china_date(now), date, closure)?;
        let slot = self.slot_at(date, start).ok_or(BookingError::NoSuchSlot { date, start })?;
        if now >= self.booking_deadline(date, slot) {
            return Err(BookingError::BookingClosed { minutes_before: self.booking_closes_minutes_before });
        }
        Ok(slot)
    }
}

// ---------------------------------------------------------------------------------------------
// Appointments
// ---------------------------------------------------------------------------------------------

/// 预约号: `YY` + the day booked (`YYYYMMDD`) + `-` + six characters, e.g. `YY20261204-7KQ2MZ`.
/// Random rather than sequential, so booking takes no shared counter besides the slot's own;
/// uniqueness is a condition of the booking's transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppointmentNo(String);

/// Digits and upper-case letters without 0/O, 1/I/L, U: easy to read out at a window.
const NO_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

impl AppointmentNo {
    pub fn generate(date: Date) -> Self {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let tail: String = (0..6).map(|_| NO_ALPHABET[rng.gen_range(0..NO_ALPHABET.len())] as char).collect();
        Self(format!("YY{:04}{:02}{:02}-{tail}", date.year(), u8::from(date.month()), date.day()))
    }

    /// Accepts lower case and surrounding spaces, as people type numbers.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        let (head, tail) = s.split_once('-')?;
        let ok = head.len() == 10
            && head.starts_with("YY")
            && head[2..].bytes().all(|b| b.is_ascii_digit())
            && tail.len() == 6
            && tail.bytes().all(|b| NO_ALPHABET.contains(&b));
        ok.then_some(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppointmentNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AppointmentNo {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("not an appointment number: {s}"))
    }
}

impl From<AppointmentNo> for String {
    fn from(n: AppointmentNo) -> String {
        n.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Confirmed,
    Cancelled,
    CheckedIn,
    NoShow,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::CheckedIn => "checked_in",
            Self::NoShow => "no_show",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Confirmed => "预约成功",
            Self::Cancelled => "已取消",
            Self::CheckedIn => "已签到",
            Self::NoShow => "未到（爽约）",
        }
    }

    /// Whether the appointment holds its place in the slot (everything but a cancellation).
    pub fn holds_place(self) -> bool {
        self != Self::Cancelled
    }
}

/// One material to bring to the window: the item's required materials, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToBring {
    pub material_id: String,
    pub name: String,
    pub form: MaterialForm,
    pub copies: u8,
}

impl ToBring {
    /// The required materials of `item`, in the guide's order.
    pub fn for_item(item: &LicensingItem) -> Vec<ToBring> {
        item.materials
            .iter()
            .filter(|m| m.required)
            .map(|m| ToBring {
                material_id: m.id.clone(),
                name: m.name.clone(),
                form: m.form,
                copies: m.copies,
            })
            .collect()
    }

    /// `食品经营许可申请书（原件 1 份）`.
    pub fn line_zh(&self) -> String {
        let form = match self.form {
            MaterialForm::Original => "原件",
            MaterialForm::Copy => "复印件",
            MaterialForm::OriginalAndCopy => "原件及复印件",
            MaterialForm::Electronic => "电子文件",
        };
        if self.form == MaterialForm::Electronic || self.copies == 0 {
            format!("{}（{form}）", self.name)
        } else {
            format!("{}（{form} {} 份）", self.name, self.copies)
        }
    }
}

/// Why a booking was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelledBy {
    Citizen,
    /// The window was closed for the day by the department.
    WindowClosed,
}

/// A booked window appointment. Holds copies of what the citizen is told (window, location,
/// item, materials) as they were when booked, and the citizen's name with masked numbers for
/// the staff's day list, so that no list needs a second read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub no: AppointmentNo,
    pub user_id: String,
    /// The person's name, or the organisation's.
    pub applicant_name: String,
    /// Masked resident ID number or USCC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_masked: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_masked: Option<String>,
    pub window_id: String,
    pub window_name: String,
    pub location: String,
    pub department_id: String,
    pub item_code: ItemCode,
    pub item_name: String,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub start: ClockTime,
    pub end: ClockTime,
    pub bring: Vec<ToBring>,
    pub status: AppointmentStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub booked_at: OffsetDateTime,
    /// The citizen may cancel until then (fixed when booked).
    #[serde(with = "time::serde::rfc3339")]
    pub cancellable_until: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<CancelledBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub checked_in_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub no_show_at: Option<OffsetDateTime>,
    /// The staff member who checked the citizen in or marked the no-show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_by: Option<String>,
}

/// `2026年12月4日（星期五）`.
pub fn date_zh(date: Date) -> String {
    format!(
        "{}年{}月{}日（{}）",
        date.year(),
        u8::from(date.month()),
        date.day(),
        weekday::name_zh(date.weekday())
    )
}

/// `2026-12-04 08:30` in China time.
fn minute_zh(at: OffsetDateTime) -> String {
    let at = at.to_offset(CHINA);
    format!("{} {:02}:{:02}", iso_date::format(at.date()), at.hour(), at.minute())
}

impl Appointment {
    pub fn slot(&self) -> SlotTime {
        SlotTime { start: self.start, end: self.end }
    }

    /// When the slot ends.
    pub fn ends_at(&self) -> OffsetDateTime {
        self.end.on(self.date)
    }

    /// The confirmation the citizen gets at once and in the inbox: window, location, date,
    /// time, and what to bring.
    pub fn confirmation_zh(&self) -> String {
        let bring: Vec<String> =
            self.bring.iter().enumerate().map(|(i, b)| format!("{}. {}", i + 1, b.line_zh())).collect();
        format!(
            "预约成功。预约号：{no}\n办理事项：{item}\n办理窗口：{window}\n窗口地点：{location}\n\
             预约时间：{date} {start}–{end}\n请携带本人有效身份证件及以下材料：\n{bring}\n\
             请按时到达并在窗口签到；如需取消，请于 {until} 前操作。90 天内累计 {limit} 次预约未到的，将暂停在线预约 {days} 天。",
            no = self.no,
            item = self.item_name,
            window = self.window_name,
            location = self.location,
            date = date_zh(self.date),
            start = self.start,
            end = self.end,
            bring = bring.join("\n"),
            until = minute_zh(self.cancellable_until),
            limit = NO_SHOW_LIMIT,
            days = SUSPENSION_DAYS,
        )
    }

    /// The inbox title of the confirmation.
    pub fn confirmation_title(&self) -> String {
        format!("预约成功：{} {} {}", self.item_name, iso_date::format(self.date), self.start)
    }

    fn require(&self, action: &'static str, from: &[AppointmentStatus]) -> Result<(), BookingError> {
        if from.contains(&self.status) {
            Ok(())
        } else {
            Err(BookingError::WrongState { action, status: self.status })
        }
    }

    /// The citizen cancels, before [`Appointment::cancellable_until`].
    pub fn cancel(&self, now: OffsetDateTime) -> Result<Appointment, BookingError> {
        self.require("cancel", &[AppointmentStatus::Confirmed])?;
        if now >= self.cancellable_until {
            return Err(BookingError::CancellationClosed { until: self.cancellable_until });
        }
        let mut next = self.clone();
        next.status = AppointmentStatus::Cancelled;
        next.cancelled_at = Some(now);
        next.cancelled_by = Some(CancelledBy::Citizen);
        Ok(next)
    }

    /// The window is closed for the day: a confirmed booking is cancelled whatever the time.
    pub fn cancel_for_closure(&self, reason: &str, now: OffsetDateTime) -> Result<Appointment, BookingError> {
        self.require("cancel", &[AppointmentStatus::Confirmed])?;
        let mut next = self.clone();
        next.status = AppointmentStatus::Cancelled;
        next.cancelled_at = Some(now);
        next.cancelled_by = Some(CancelledBy::WindowClosed);
        next.cancel_reason = Some(reason.to_owned());
        Ok(next)
    }

    /// 签到: the citizen arrived, on the day of the appointment.
    pub fn check_in(&self, staff_id: &str, now: OffsetDateTime) -> Result<Appointment, BookingError> {
        self.require("check_in", &[AppointmentStatus::Confirmed])?;
        if china_date(now) != self.date {
            return Err(BookingError::NotAppointmentDay { date: self.date });
        }
        let mut next = self.clone();
        next.status = AppointmentStatus::CheckedIn;
        next.checked_in_at = Some(now);
        next.handled_by = Some(staff_id.to_owned());
        Ok(next)
    }

    /// The citizen did not come: only once the slot has ended.
    pub fn mark_no_show(&self, staff_id: &str, now: OffsetDateTime) -> Result<Appointment, BookingError> {
        self.require("mark_no_show", &[AppointmentStatus::Confirmed])?;
        if now < self.ends_at() {
            return Err(BookingError::SlotNotOver { ends_at: self.ends_at() });
        }
        let mut next = self.clone();
        next.status = AppointmentStatus::NoShow;
        next.no_show_at = Some(now);
        next.handled_by = Some(staff_id.to_owned());
        Ok(next)
    }

    /// The inbox message after a change of state, if the citizen is owed one.
    pub fn notice_zh(&self) -> Option<(String, String)> {
        let when = format!("{} {}–{}", date_zh(self.date), self.start, self.end);
        Some(match (self.status, self.cancelled_by) {
            (AppointmentStatus::Confirmed, _) => (self.confirmation_title(), self.confirmation_zh()),
            (AppointmentStatus::Cancelled, Some(CancelledBy::WindowClosed)) => (
                format!("预约取消通知：{} {}", self.window_name, iso_date::format(self.date)),
                format!(
                    "因「{}」{} 暂停办公（原因：{}），您预约的「{}」（预约号 {}，{}）已取消，给您带来不便，敬请谅解。\
                     请重新选择其他时段预约。此次取消不计入预约未到次数。",
                    self.window_name,
                    date_zh(self.date),
                    self.cancel_reason.as_deref().unwrap_or("工作安排调整"),
                    self.item_name,
                    self.no,
                    when
                ),
            ),
            (AppointmentStatus::Cancelled, _) => (
                format!("预约已取消：{} {}", self.item_name, iso_date::format(self.date)),
                format!(
                    "您已取消预约号 {} 的「{}」预约（{}，{}）。",
                    self.no, self.item_name, when, self.window_name
                ),
            ),
            (AppointmentStatus::NoShow, _) => (
                format!("预约未到记录：{} {}", self.item_name, iso_date::format(self.date)),
                format!(
                    "您预约的「{}」（预约号 {}，{}，{}）未按时到窗口办理，已记录一次预约未到。\
                     90 天内累计 {} 次预约未到的，将暂停在线预约 {} 天。",
                    self.item_name, self.no, when, self.window_name, NO_SHOW_LIMIT, SUSPENSION_DAYS
                ),
            ),
            (AppointmentStatus::CheckedIn, _) => return None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The no-show rule
// ---------------------------------------------------------------------------------------------

/// One missed appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoShow {
    pub appointment_no: AppointmentNo,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub item_name: String,
}

/// Online booking suspended from `from` through `until` (both included) because of `because`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suspension {
    #[serde(with = "iso_date")]
    pub from: Date,
    #[serde(with = "iso_date")]
    pub until: Date,
    pub because: Vec<NoShow>,
}

impl Suspension {
    /// The first day the citizen may book online again.
    pub fn resumes_on(&self) -> Date {
        self.until.next_day().expect("a suspension ends before 9999-12-31")
    }

    /// Why, in a sentence the citizen reads.
    pub fn reason_zh(&self) -> String {
        let missed: Vec<String> = self
            .because
            .iter()
            .map(|n| format!("{}「{}」（{}）", iso_date::format(n.date), n.item_name, n.appointment_no))
            .collect();
        format!(
            "您在 {period} 天内有 {count} 次预约未按时到窗口办理：{missed}。按预约规则，在线预约自 {from} 起暂停 {days} 天，\
             至 {until}（含）止，{resumes} 起可重新预约。暂停期间可直接到窗口现场办理；如有异议，请联系窗口工作人员。",
            period = NO_SHOW_PERIOD_DAYS,
            count = self.because.len(),
            missed = missed.join("；"),
            from = iso_date::format(self.from),
            days = SUSPENSION_DAYS,
            until = iso_date::format(self.until),
            resumes = iso_date::format(self.resumes_on()),
        )
    }
}

/// A citizen's standing for online booking: the no-shows that count, and any suspension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoShowRecord {
    /// No-shows that count towards the next suspension.
    #[serde(default)]
    pub counted: Vec<NoShow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension: Option<Suspension>,
}

impl NoShowRecord {
    /// The suspension in force on `today`, if any.
    pub fn suspended_on(&self, today: Date) -> Option<&Suspension> {
        self.suspension.as_ref().filter(|s| s.from <= today && today <= s.until)
    }

    /// Records a no-show marked on `today`. When it makes [`NO_SHOW_LIMIT`] within the last
    /// [`NO_SHOW_PERIOD_DAYS`] days (today included) and no suspension is in force, online
    /// booking is suspended for [`SUSPENSION_DAYS`] days from today, and the no-shows that led
    /// to it stop counting; returns that new suspension.
    pub fn record(&mut self, no_show: NoShow, today: Date) -> Option<&Suspension> {
        let first_counted = today - Duration::days(NO_SHOW_PERIOD_DAYS - 1);
        if !self.counted.iter().any(|n| n.appointment_no == no_show.appointment_no) {
            self.counted.push(no_show);
        }
        self.counted.retain(|n| n.date >= first_counted);
        self.counted.sort_by(|a, b| (a.date, &a.appointment_no).cmp(&(b.date, &b.appointment_no)));
        if self.counted.len() < NO_SHOW_LIMIT || self.suspended_on(today).is_some() {
            return None;
        }
        self.suspension = Some(Suspension {
            from: today,
            until: today + Duration::days(SUSPENSION_DAYS - 1),
            because: std::mem::take(&mut self.counted),
        });
        self.suspension.as_ref()
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("the day is past")]
    PastDay,
    #[error("{date} is not a working day")]
    NotWorkingDay { date: Date, holiday: Option<String> },
    #[error("the window is closed on {date}")]
    WindowClosed { date: Date, reason: String },
    #[error("beyond the booking horizon (last bookable day {last})")]
    BeyondHorizon { last: Date, working_days: u16 },
    #[error("no slot starts at {start} on {date}")]
    NoSuchSlot { date: Date, start: ClockTime },
    #[error("booking this slot has closed")]
    BookingClosed { minutes_before: u16 },
    #[error("the slot is full")]
    SlotFull,
    #[error("already booked for this item on this day")]
    AlreadyBooked,
    #[error("cancellation closed at {until}")]
    CancellationClosed { until: OffsetDateTime },
    #[error("cannot {action} an appointment that is {status:?}")]
    WrongState { action: &'static str, status: AppointmentStatus },
    #[error("check-in only on {date}")]
    NotAppointmentDay { date: Date },
    #[error("the slot ends at {ends_at}")]
    SlotNotOver { ends_at: OffsetDateTime },
}

impl BookingError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::PastDay => "date_in_past",
            Self::NotWorkingDay { .. } => "not_a_working_day",
            Self::WindowClosed { .. } => "window_closed",
            Self::BeyondHorizon { .. } => "beyond_booking_horizon",
            Self::NoSuchSlot { .. } => "no_such_slot",
            Self::BookingClosed { .. } => "booking_closed",
            Self::SlotFull => "slot_full",
            Self::AlreadyBooked => "already_booked",
            Self::CancellationClosed { .. } => "cancellation_closed",
            Self::WrongState { .. } => "invalid_transition",
            Self::NotAppointmentDay { .. } => "not_appointment_day",
            Self::SlotNotOver { .. } => "slot_not_over",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::PastDay => "不能预约已经过去的日期".into(),
            Self::NotWorkingDay { date, holiday: Some(name) } => {
                format!("{} 为{name}假期，窗口不办公，请选择其他工作日", date_zh(*date))
            }
            Self::NotWorkingDay { date, holiday: None } => {
                format!("{} 为休息日，窗口不办公，请选择其他工作日", date_zh(*date))
            }
            Self::WindowClosed { date, reason } => {
                format!("该窗口 {} 暂停办公（{reason}），请选择其他日期", date_zh(*date))
            }
            Self::BeyondHorizon { last, working_days } => {
                format!("仅可预约今天起 {working_days} 个工作日内的时段（最晚 {}）", date_zh(*last))
            }
            Self::NoSuchSlot { date, start } => {
                format!("该窗口 {} 没有 {start} 开始的预约时段", date_zh(*date))
            }
            Self::BookingClosed { minutes_before } => {
                format!("该时段已停止预约（开始前 {minutes_before} 分钟截止），请选择其他时段")
            }
            Self::SlotFull => "该时段已约满，请选择其他时段".into(),
            Self::AlreadyBooked => "您当天已预约办理该事项，同一事项每天只能预约一次".into(),
            Self::CancellationClosed { until } => {
                format!("已超过取消时限（{}），无法在线取消", minute_zh(*until))
            }
            Self::WrongState { status, .. } => {
                format!("该预约当前状态为「{}」，不能执行此操作", status.label_zh())
            }
            Self::NotAppointmentDay { date } => format!("只能在预约当日（{}）签到", date_zh(*date)),
            Self::SlotNotOver { ends_at } => {
                format!("预约时段尚未结束（{} 结束），结束后才能登记未到", minute_zh(*ends_at))
            }
        }
    }
}

#[cfg(test)]
mod tests;
