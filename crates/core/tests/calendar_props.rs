//! Property tests of business-time arithmetic: random calendars (several intervals a day,
//! dated and yearly holidays) in time zones with daylight saving, random starts and
//! targets spanning weeks.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use docket_core::sla::calendar::Calendar;
use proptest::prelude::*;

mod support;

const ZONES: [Tz; 6] = [
    Tz::UTC,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Lord_Howe, // a 30-minute daylight-saving shift
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::Santiago,
];

fn calendar() -> impl Strategy<Value = Calendar> {
    support::calendar(&ZONES, 12)
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
