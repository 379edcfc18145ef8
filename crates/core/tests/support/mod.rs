//! Generators shared by the property tests of business time: random calendars with one to
//! three intervals a day (edges often at the hours where zones change), days off, dated
//! and yearly holidays.

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use docket_core::sla::calendar::{Calendar, Holiday, Interval};
use proptest::prelude::*;

/// A minute of the day, often one where some zone changes (01:30 to 03:00, and midnight
/// for Santiago) or one next to it.
fn cut() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => 0u32..=1440,
        1 => proptest::sample::select(vec![0u32, 1, 60, 89, 90, 120, 121, 150, 180, 1380, 1410, 1439, 1440]),
    ]
}

fn day() -> impl Strategy<Value = Vec<Interval>> {
    // A day off, or one to three intervals: six cut points, sorted and distinct, paired.
    (
        prop_oneof![2 => Just(0usize), 5 => 1usize..=3],
        proptest::collection::btree_set(cut(), 6),
    )
        .prop_map(|(k, cuts)| {
            let cuts: Vec<u32> = cuts.into_iter().collect();
            (0..k)
                .map(|i| Interval {
                    start: cuts[2 * i],
                    end: cuts[2 * i + 1],
                })
                .collect()
        })
}

fn holiday() -> impl Strategy<Value = Holiday> {
    prop_oneof![
        (0i64..730).prop_map(|d| Holiday::Dated {
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(d)
        }),
        (1u32..=12, 1u32..=28).prop_map(|(month, day)| Holiday::Yearly { month, day }),
    ]
}

/// A calendar in one of `zones` with fewer than `max_holidays` holidays and at least ten
/// working hours a week (so that weeks of business time fall due within the three years
/// the calendar looks ahead).
pub fn calendar(zones: &'static [Tz], max_holidays: usize) -> impl Strategy<Value = Calendar> {
    (
        0usize..zones.len(),
        proptest::collection::vec(day(), 7),
        proptest::collection::vec(holiday(), 0..max_holidays),
    )
        .prop_filter_map(
            "a week with at least ten working hours",
            move |(z, days, holidays)| {
                let minutes: u32 = days.iter().flatten().map(|iv| iv.end - iv.start).sum();
                if minutes < 10 * 60 {
                    return None;
                }
                let week: [Vec<Interval>; 7] = days.try_into().ok()?;
                Calendar::new(zones[z], week, holidays).ok()
            },
        )
}
