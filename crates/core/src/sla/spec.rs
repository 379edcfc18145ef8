//! The API and file form of a business calendar: what an admin writes, checked and turned
//! into a [`Calendar`] by [`CalendarSpec::to_calendar`].

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calendar::{Calendar, Holiday, Interval, Minute};
use crate::typedef::FieldError;

/// At most this many working intervals on one weekday.
pub const MAX_INTERVALS_PER_DAY: usize = 20;
/// At most this many holidays in one calendar.
pub const MAX_HOLIDAYS: usize = 1000;
/// A holiday's name is at most this many characters.
pub const MAX_HOLIDAY_NAME_CHARS: usize = 200;

/// A business calendar as an admin writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone name; working hours are local times there.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Working intervals per weekday, "HH:MM"-"HH:MM" local time; absent days are days off.
    #[serde(default)]
    pub week: WeekSpec,
    /// Days off: a date, or the same day every year.
    #[serde(default)]
    pub holidays: Vec<HolidaySpec>,
}

/// Working intervals per weekday; a day without intervals is a day off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekSpec {
    #[serde(default)]
    pub monday: Vec<IntervalSpec>,
    #[serde(default)]
    pub tuesday: Vec<IntervalSpec>,
    #[serde(default)]
    pub wednesday: Vec<IntervalSpec>,
    #[serde(default)]
    pub thursday: Vec<IntervalSpec>,
    #[serde(default)]
    pub friday: Vec<IntervalSpec>,
    #[serde(default)]
    pub saturday: Vec<IntervalSpec>,
    #[serde(default)]
    pub sunday: Vec<IntervalSpec>,
}

/// Day names as they appear in JSON, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl WeekSpec {
    /// The days, Monday first, in the order of [`WEEKDAYS`].
    pub fn days(&self) -> [&Vec<IntervalSpec>; 7] {
        [
            &self.monday,
            &self.tuesday,
            &self.wednesday,
            &self.thursday,
            &self.friday,
            &self.saturday,
            &self.sunday,
        ]
    }
}

/// A working interval `[start, end)` in local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntervalSpec {
    /// "HH:MM", 00:00 to 23:59.
    #[schema(example = "09:00")]
    pub start: String,
    /// "HH:MM", after `start`; "24:00" is the end of the day.
    #[schema(example = "17:30")]
    pub end: String,
}

impl IntervalSpec {
    pub fn new(start: &str, end: &str) -> IntervalSpec {
        IntervalSpec {
            start: start.to_string(),
            end: end.to_string(),
        }
    }
}

/// A day off. Exactly one of `date` and `yearly` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidaySpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Christmas Day")]
    pub name: Option<String>,
    /// One date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The same day every year, "MM-DD"; "02-29" is a day off in leap years only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "12-25")]
    pub yearly: Option<String>,
}

impl HolidaySpec {
    pub fn dated(name: Option<&str>, date: NaiveDate) -> HolidaySpec {
        HolidaySpec {
            name: name.map(str::to_string),
            date: Some(date),
            yearly: None,
        }
    }

    pub fn yearly(name: Option<&str>, month: u32, day: u32) -> HolidaySpec {
        HolidaySpec {
            name: name.map(str::to_string),
            date: None,
            yearly: Some(format!("{month:02}-{day:02}")),
        }
    }
}

impl CalendarSpec {
    /// Check the calendar and build it. Every problem is reported, each with the JSON
    /// pointer of its place (`/time_zone`, `/week/monday/0/start`, `/holidays/3/yearly`).
    pub fn to_calendar(&self) -> Result<Calendar, Vec<FieldError>> {
        let mut errors = Vec::new();

        let time_zone = match self.time_zone.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                errors.push(error(
                    "/time_zone",
                    format!(
                        "{:?} is not an IANA time zone name (like Europe/Berlin)",
                        self.time_zone
                    ),
                ));
                None
            }
        };

        let mut week: [Vec<Interval>; 7] = std::array::from_fn(|_| Vec::new());
        let mut week_ok = true;
        for (d, day) in self.week.days().into_iter().enumerate() {
            let name = WEEKDAYS[d];
            if day.len() > MAX_INTERVALS_PER_DAY {
                errors.push(error(
                    &format!("/week/{name}"),
                    format!("at most {MAX_INTERVALS_PER_DAY} intervals per day"),
                ));
                week_ok = false;
                continue;
            }
            for (i, iv) in day.iter().enumerate() {
                let start = parse_hhmm(&iv.start, false);
                let end = parse_hhmm(&iv.end, true);
                if start.is_none() {
                    errors.push(error(
                        &format!("/week/{name}/{i}/start"),
                        format!(
                            "{:?} is not a time of day \"HH:MM\" (00:00 to 23:59)",
                            iv.start
                        ),
                    ));
                }
                if end.is_none() {
                    errors.push(error(
                        &format!("/week/{name}/{i}/end"),
                        format!(
                            "{:?} is not a time of day \"HH:MM\" (00:01 to 24:00)",
                            iv.end
                        ),
                    ));
                }
                match (start, end) {
                    (Some(start), Some(end)) => week[d].push(Interval { start, end }),
                    _ => week_ok = false,
                }
            }
        }

        if self.holidays.len() > MAX_HOLIDAYS {
            errors.push(error(
                "/holidays",
                format!("at most {MAX_HOLIDAYS} holidays"),
            ));
        }
        let mut holidays = Vec::with_capacity(self.holidays.len().min(MAX_HOLIDAYS));
        for (i, h) in self.holidays.iter().enumerate().take(MAX_HOLIDAYS) {
            if let Some(name) = &h.name
                && name.chars().count() > MAX_HOLIDAY_NAME_CHARS
            {
                errors.push(error(
                    &format!("/holidays/{i}/name"),
                    format!("at most {MAX_HOLIDAY_NAME_CHARS} characters"),
                ));
            }
            match (&h.date, &h.yearly) {
                (Some(date), None) => holidays.push(Holiday::Dated { date: *date }),
                (None, Some(yearly)) => match parse_month_day(yearly) {
                    Some((month, day)) => holidays.push(Holiday::Yearly { month, day }),
                    None => errors.push(error(
                        &format!("/holidays/{i}/yearly"),
                        format!("{yearly:?} is not a day of the year \"MM-DD\" (like 12-25)"),
                    )),
                },
                (None, None) => errors.push(error(
                    &format!("/holidays/{i}"),
                    "give either date or yearly".to_string(),
                )),
                (Some(_), Some(_)) => errors.push(error(
                    &format!("/holidays/{i}"),
                    "give either date or yearly, not both".to_string(),
                )),
            }
        }

        // The week's own rules (intervals within the day, no overlaps, some working
        // time) are Calendar::new's; check them whenever every interval parsed.
        let mut calendar = None;
        if week_ok {
            match Calendar::new(time_zone.unwrap_or(Tz::UTC), week, holidays) {
                Ok(c) => calendar = Some(c),
                Err(e) => errors.push(error("/week", e.0)),
            }
        }
        match calendar {
            Some(c) if errors.is_empty() => Ok(c),
            _ => Err(errors),
        }
    }

    /// Monday to Friday, 09:00 to 17:00, no holidays, in the given time zone.
    pub fn business_hours_9_to_5(time_zone: &str) -> CalendarSpec {
        let day = || vec![IntervalSpec::new("09:00", "17:00")];
        CalendarSpec {
            time_zone: time_zone.to_string(),
            week: WeekSpec {
                monday: day(),
                tuesday: day(),
                wednesday: day(),
                thursday: day(),
                friday: day(),
                saturday: Vec::new(),
                sunday: Vec::new(),
            },
            holidays: Vec::new(),
        }
    }
}

fn error(pointer: &str, message: String) -> FieldError {
    FieldError {
        pointer: pointer.to_string(),
        message,
    }
}

/// "HH:MM" as minutes since midnight: 00:00..=23:59, and 24:00 when `allow_end_of_day`.
fn parse_hhmm(s: &str, allow_end_of_day: bool) -> Option<Minute> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    let digit = |i: usize| u32::from(b[i] - b'0');
    let (h, m) = (digit(0) * 10 + digit(1), digit(3) * 10 + digit(4));
    match (h, m) {
        (24, 0) if allow_end_of_day => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// "MM-DD" as (month, day); February 29 is a valid day of the year.
fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b'-' || ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    let digit = |i: usize| u32::from(b[i] - b'0');
    let (month, day) = (digit(0) * 10 + digit(1), digit(3) * 10 + digit(4));
    // 2000 is a leap year, so every day that exists in some year exists in it.
    let date = NaiveDate::from_ymd_opt(2000, month, day)?;
    Some((date.month(), date.day()))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};
    use serde_json::json;

    use super::*;

    fn pointers(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.pointer.as_str()).collect()
    }

    #[test]
    fn a_written_calendar_becomes_a_calendar() {
        let spec: CalendarSpec = serde_json::from_value(json!({
            "time_zone": "Europe/Berlin",
            "week": {
                "monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
                "friday": [{"start": "09:00", "end": "14:00"}],
                "saturday": [{"start": "20:00", "end": "24:00"}]
            },
            "holidays": [
                {"name": "Christmas Day", "yearly": "12-25"},
                {"date": "2026-11-27"}
            ]
        }))
        .unwrap();
        let cal = spec.to_calendar().unwrap();
        assert_eq!(cal.time_zone, chrono_tz::Europe::Berlin);
        assert_eq!(
            cal.week[0],
            vec![
                Interval {
                    start: 540,
                    end: 720
                },
                Interval {
                    start: 780,
                    end: 1050
                }
            ]
        );
        assert!(cal.week[1].is_empty());
        assert_eq!(
            cal.week[5],
            vec![Interval {
                start: 1200,
                end: 1440
            }]
        );
        assert_eq!(
            cal.holidays,
            vec![
                Holiday::Yearly { month: 12, day: 25 },
                Holiday::Dated {
                    date: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
                }
            ]
        );
        // Monday 2026-11-23 08:00 UTC is 09:00 in Berlin.
        let from = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        assert_eq!(
            cal.add_business(from, Duration::hours(4)).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap()
        );

        let back: CalendarSpec =
            serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);
    }

    #[test]
    fn every_problem_is_reported_with_its_pointer() {
        let spec: CalendarSpec = serde_json::from_value(json!({
            "time_zone": "Mars/Olympus",
            "week": {
                "monday": [{"start": "9:00", "end": "17:00"}, {"start": "18:00", "end": "24:01"}],
                "tuesday": [{"start": "24:00", "end": "24:00"}]
            },
            "holidays": [
                {"yearly": "02-30"},
                {},
                {"date": "2026-01-01", "yearly": "01-01"},
                {"name": "x".repeat(201), "date": "2026-01-01"},
                {"yearly": "2-28"}
            ]
        }))
        .unwrap();
        let errors = spec.to_calendar().unwrap_err();
        assert_eq!(
            pointers(&errors),
            vec![
                "/time_zone",
                "/week/monday/0/start",
                "/week/monday/1/end",
                "/week/tuesday/0/start",
                "/holidays/0/yearly",
                "/holidays/1",
                "/holidays/2",
                "/holidays/3/name",
                "/holidays/4/yearly",
            ]
        );
        assert!(errors[0].message.contains("Mars/Olympus"));
    }

    #[test]
    fn the_week_rules_of_calendar_new_point_at_the_week() {
        let mut spec = CalendarSpec::business_hours_9_to_5("UTC");
        spec.week.wednesday = vec![
            IntervalSpec::new("09:00", "12:00"),
            IntervalSpec::new("11:00", "13:00"),
        ];
        let errors = spec.to_calendar().unwrap_err();
        assert_eq!(pointers(&errors), vec!["/week"]);
        assert!(errors[0].message.contains("wednesday"), "{errors:?}");

        spec.week.wednesday = vec![IntervalSpec::new("17:00", "09:00")];
        assert_eq!(pointers(&spec.to_calendar().unwrap_err()), vec!["/week"]);

        let empty = CalendarSpec {
            time_zone: "UTC".into(),
            week: WeekSpec::default(),
            holidays: vec![],
        };
        let errors = empty.to_calendar().unwrap_err();
        assert_eq!(pointers(&errors), vec!["/week"]);
        assert!(errors[0].message.contains("no working time"));

        // A bad time zone does not hide the week's problems.
        let mut both = empty.clone();
        both.time_zone = "Nowhere".into();
        assert_eq!(
            pointers(&both.to_calendar().unwrap_err()),
            vec!["/time_zone", "/week"]
        );
    }

    #[test]
    fn limits() {
        let mut spec = CalendarSpec::business_hours_9_to_5("UTC");
        spec.week.sunday = (0..21)
            .map(|h| IntervalSpec::new(&format!("{h:02}:00"), &format!("{h:02}:30")))
            .collect();
        spec.holidays = (0..1001)
            .map(|i| {
                HolidaySpec::dated(
                    None,
                    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(i),
                )
            })
            .collect();
        assert_eq!(
            pointers(&spec.to_calendar().unwrap_err()),
            vec!["/week/sunday", "/holidays"]
        );
        spec.week.sunday.pop();
        spec.holidays.pop();
        assert!(spec.to_calendar().is_ok());
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(
            serde_json::from_value::<CalendarSpec>(json!({"time_zone": "UTC", "weeks": {}}))
                .is_err()
        );
        assert!(
            serde_json::from_value::<CalendarSpec>(
                json!({"time_zone": "UTC", "week": {"mon": []}})
            )
            .is_err()
        );
        assert!(
            serde_json::from_value::<HolidaySpec>(json!({"date": "2026-01-01", "day": 1})).is_err()
        );
    }

    #[test]
    fn nine_to_five() {
        let cal = CalendarSpec::business_hours_9_to_5("America/New_York")
            .to_calendar()
            .unwrap();
        assert_eq!(cal.time_zone, chrono_tz::America::New_York);
        for day in &cal.week[..5] {
            assert_eq!(
                day,
                &vec![Interval {
                    start: 540,
                    end: 1020
                }]
            );
        }
        assert!(cal.week[5].is_empty() && cal.week[6].is_empty());
    }

    #[test]
    fn times_and_days_of_the_year() {
        assert_eq!(parse_hhmm("00:00", false), Some(0));
        assert_eq!(parse_hhmm("23:59", false), Some(1439));
        assert_eq!(parse_hhmm("24:00", true), Some(1440));
        for bad in [
            "24:00", "24:01", "12:60", "1:00", "12-00", "+1:00", "", "12:00 ",
        ] {
            assert_eq!(parse_hhmm(bad, false), None, "{bad}");
        }
        assert_eq!(parse_hhmm("24:01", true), None);
        assert_eq!(parse_month_day("02-29"), Some((2, 29)));
        assert_eq!(parse_month_day("12-31"), Some((12, 31)));
        for bad in ["04-31", "13-01", "00-10", "12-00", "1-1", "12/25"] {
            assert_eq!(parse_month_day(bad), None, "{bad}");
        }
    }
}
