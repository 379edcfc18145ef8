//! Property tests of business-time arithmetic: random calendars (several intervals a day,
//! dated and yearly holidays) in time zones with daylight saving, random starts and
//! targets spanning weeks.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use docket_core::sla::calendar::{Calendar, Holiday, Interval};
use proptest::prelude::*;

const ZONES: [Tz; 6] = [
    Tz::UTC,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Lord_Howe, // a 30-minute daylight-saving shift
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::Santiago,
];

fn day() -> impl Strategy<Value = Vec<Interval>> {
    // Up to three intervals: six cut points, sorted and distinct, paired up.
    (0usize..=3, proptest::collection::btree_set(0u32..=1440, 6)).prop_map(|(k, cuts)| {
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

fn calendar() -> impl Strategy<Value = Calendar> {
    (
        0usize..ZONES.len(),
        proptest::collection::vec(day(), 7),
        proptest::collection::vec(holiday(), 0..12),
    )
        .prop_filter_map(
            "a week with at least ten working hours",
            |(z, days, holidays)| {
                // Three weeks of business time must fall due within the three years the
                // calendar looks ahead.
                let minutes: u32 = days.iter().flatten().map(|iv| iv.end - iv.start).sum();
                if minutes < 10 * 60 {
                    return None;
                }
                let week: [Vec<Interval>; 7] = days.try_into().ok()?;
                Calendar::new(ZONES[z], week, holidays).ok()
            },
        )
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..(2 * 365 * 24 * 3600))
        .prop_map(|s| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(s))
}

fn amount() -> impl Strategy<Value = Duration> {
    // Up to three weeks of business time, to the second.
    (0i64..(21 * 24 * 3600)).prop_map(Duration::seconds)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_due_time_is_exactly_the_target_away(cal in calendar(), from in instant(), d in amount()) {
        let due = cal.add_business(from, d).expect("working time exists");
        prop_assert!(due >= from);
        prop_assert_eq!(cal.business_between(from, due), d);
        if d > Duration::zero() {
            // ... and no earlier instant would do.
            prop_assert_eq!(cal.business_between(from, due - Duration::seconds(1)), d - Duration::seconds(1));
        }
    }

    #[test]
    fn targets_add_up(cal in calendar(), from in instant(), a in amount(), b in amount()) {
        let first = cal.add_business(from, a).unwrap();
        prop_assert_eq!(cal.add_business(first, b).unwrap(), cal.add_business(from, a + b).unwrap());
    }

    #[test]
    fn business_time_never_exceeds_wall_time(cal in calendar(), from in instant(), d in amount()) {
        let due = cal.add_business(from, d).unwrap();
        prop_assert!(cal.business_between(from, due) <= due - from);
        let mid = from + (due - from) / 2;
        prop_assert!(cal.business_between(from, mid) + cal.business_between(mid, due) == d);
    }
}
