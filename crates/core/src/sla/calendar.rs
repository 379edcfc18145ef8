//! A business calendar: working intervals per weekday in a time zone, and holidays.
//! SLA targets count only the time inside these intervals.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Minutes since local midnight, 0..=1440 (1440 is the end of the day).
pub type Minute = u32;

/// A working interval of a weekday, `[start, end)` in local minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub start: Minute,
    pub end: Minute,
}

/// A day off: one date, or the same day every year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Holiday {
    Dated { date: NaiveDate },
    Yearly { month: u32, day: u32 },
}

impl Holiday {
    pub fn matches(&self, date: NaiveDate) -> bool {
        match self {
            Holiday::Dated { date: d } => *d == date,
            Holiday::Yearly { month, day } => date.month() == *month && date.day() == *day,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub time_zone: Tz,
    /// Monday first. Each day's intervals are sorted and do not overlap.
    pub week: [Vec<Interval>; 7],
    pub holidays: Vec<Holiday>,
}

/// Why a calendar is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError(pub String);

/// Looking further than this for working time means the calendar has none.
const MAX_DAYS: i64 = 3 * 366;

impl Calendar {
    /// Every minute counts (24 × 7, no holidays), in UTC.
    pub fn always() -> Calendar {
        Calendar {
            time_zone: Tz::UTC,
            week: std::array::from_fn(|_| {
                vec![Interval {
                    start: 0,
                    end: 1440,
                }]
            }),
            holidays: Vec::new(),
        }
    }

    /// A checked calendar: intervals within a day, sorted, not overlapping, some working
    /// time in the week.
    pub fn new(
        time_zone: Tz,
        week: [Vec<Interval>; 7],
        holidays: Vec<Holiday>,
    ) -> Result<Calendar, CalendarError> {
        const DAYS: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let mut week = week;
        for (i, day) in week.iter_mut().enumerate() {
            day.sort_by_key(|iv| iv.start);
            for iv in day.iter() {
                if iv.start >= iv.end || iv.end > 1440 {
                    return Err(CalendarError(format!(
                        "{}: {}-{} is not an interval within the day",
                        DAYS[i],
                        hhmm(iv.start),
                        hhmm(iv.end)
                    )));
                }
            }
            for pair in day.windows(2) {
                if pair[1].start < pair[0].end {
                    return Err(CalendarError(format!(
                        "{}: {}-{} overlaps {}-{}",
                        DAYS[i],
                        hhmm(pair[0].start),
                        hhmm(pair[0].end),
                        hhmm(pair[1].start),
                        hhmm(pair[1].end)
                    )));
                }
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError("the week has no working time".into()));
        }
        Ok(Calendar {
            time_zone,
            week,
            holidays,
        })
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.iter().any(|h| h.matches(date))
    }

    /// A local time as an instant. A time skipped by a daylight-saving change counts as
    /// the first instant after the gap; a repeated time, as its first occurrence.
    fn instant(&self, date: NaiveDate, minute: Minute) -> DateTime<Utc> {
        let (date, minute) = if minute >= 1440 {
            (date.succ_opt().expect("dates in range"), minute - 1440)
        } else {
            (date, minute)
        };
        let mut local = date.and_time(
            NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).expect("valid"),
        );
        for _ in 0..(4 * 60) {
            match self.time_zone.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
                LocalResult::None => local += Duration::minutes(1),
            }
        }
        unreachable!("no time zone skips more than four hours")
    }

    /// The working intervals of a local date, as instants (empty on holidays).
    fn day_intervals(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.is_holiday(date) {
            return Vec::new();
        }
        self.week[date.weekday().num_days_from_monday() as usize]
            .iter()
            .map(|iv| (self.instant(date, iv.start), self.instant(date, iv.end)))
            .filter(|(s, e)| s < e)
            .collect()
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.time_zone).date_naive()
    }

    /// Business time between two instants (zero when `to` is not after `from`).
    pub fn business_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        let mut date = self.local_date(from).pred_opt().expect("dates in range");
        let last = self.local_date(to).succ_opt().expect("dates in range");
        while date <= last {
            for (s, e) in self.day_intervals(date) {
                let (s, e) = (s.max(from), e.min(to));
                if s < e {
                    total += e - s;
                }
            }
            date = date.succ_opt().expect("dates in range");
        }
        total
    }

    /// The instant at which `amount` of business time has passed since `from`: when an SLA
    /// target falls due. None if the calendar has no working time within three years.
    pub fn add_business(&self, from: DateTime<Utc>, amount: Duration) -> Option<DateTime<Utc>> {
        let mut left = amount.max(Duration::zero());
        let start = self.local_date(from).pred_opt().expect("dates in range");
        for offset in 0..MAX_DAYS {
            let date = start + Duration::days(offset);
            for (s, e) in self.day_intervals(date) {
                let s = s.max(from);
                if s >= e {
                    continue;
                }
                if left.is_zero() {
                    return Some(s);
                }
                let available = e - s;
                if left <= available {
                    return Some(s + left);
                }
                left -= available;
            }
        }
        None
    }
}

fn hhmm(m: Minute) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(tz: Tz) -> Calendar {
        let nine_to_five = vec![
            Interval {
                start: 9 * 60,
                end: 12 * 60,
            },
            Interval {
                start: 13 * 60,
                end: 17 * 60,
            },
        ];
        let mut week: [Vec<Interval>; 7] = std::array::from_fn(|_| Vec::new());
        for day in week.iter_mut().take(5) {
            *day = nine_to_five.clone();
        }
        Calendar::new(
            tz,
            week,
            vec![
                Holiday::Yearly { month: 12, day: 25 },
                Holiday::Dated {
                    date: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
                },
            ],
        )
        .unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn a_friday_evening_ticket_is_due_on_monday() {
        let cal = office(Tz::UTC);
        // Friday 2026-11-20 16:30 + 2 h of business time: 30 min on Friday, 90 on Monday.
        let due = cal
            .add_business(utc(2026, 11, 20, 16, 30), Duration::hours(2))
            .unwrap();
        assert_eq!(due, utc(2026, 11, 23, 10, 30));
        assert_eq!(
            cal.business_between(utc(2026, 11, 20, 16, 30), due),
            Duration::hours(2)
        );
    }

    #[test]
    fn lunch_and_holidays_do_not_count() {
        let cal = office(Tz::UTC);
        // Thursday 2026-11-26 11:00 + 4 h: 1 h before lunch, 3 h after; Friday 27 is a holiday.
        assert_eq!(
            cal.add_business(utc(2026, 11, 26, 11, 0), Duration::hours(4))
                .unwrap(),
            utc(2026, 11, 26, 16, 0)
        );
        assert_eq!(
            cal.add_business(utc(2026, 11, 26, 16, 0), Duration::hours(2))
                .unwrap(),
            utc(2026, 11, 30, 10, 0)
        );
        // Christmas falls on a Friday in 2026 and every year on the 25th.
        assert!(cal.is_holiday(NaiveDate::from_ymd_opt(2031, 12, 25).unwrap()));
    }

    #[test]
    fn working_days_follow_the_local_clock_across_daylight_saving() {
        let cal = office(chrono_tz::Europe::Berlin);
        // Berlin leaves summer time on Sunday 2026-10-25: 09:00 local is 07:00 UTC on
        // Friday the 23rd and 08:00 UTC on Monday the 26th.
        let due = cal
            .add_business(utc(2026, 10, 23, 14, 0), Duration::hours(2))
            .unwrap();
        assert_eq!(due, utc(2026, 10, 26, 9, 0));
    }

    #[test]
    fn bad_calendars_are_refused() {
        let mut week: [Vec<Interval>; 7] = std::array::from_fn(|_| Vec::new());
        assert!(
            Calendar::new(Tz::UTC, week.clone(), vec![]).is_err(),
            "no working time"
        );
        week[0] = vec![
            Interval {
                start: 600,
                end: 700,
            },
            Interval {
                start: 650,
                end: 800,
            },
        ];
        assert!(
            Calendar::new(Tz::UTC, week.clone(), vec![])
                .unwrap_err()
                .0
                .contains("overlaps")
        );
        week[0] = vec![Interval {
            start: 600,
            end: 1500,
        }];
        assert!(Calendar::new(Tz::UTC, week, vec![]).is_err());
    }

    #[test]
    fn always_is_the_wall_clock() {
        let cal = Calendar::always();
        let from = utc(2026, 3, 29, 0, 30);
        assert_eq!(
            cal.add_business(from, Duration::minutes(1000)).unwrap(),
            from + Duration::minutes(1000)
        );
    }
}
