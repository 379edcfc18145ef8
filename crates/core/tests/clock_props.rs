//! Property tests of SLA clocks over business time: random calendars (one to three
//! intervals a day, days off, dated and yearly holidays) in time zones with daylight
//! saving, random histories (pauses, stops and reopenings spanning nights, weekends,
//! holidays and weeks) and targets from minutes to weeks of business time.
//!
//! The histories are built from their running stretches, so what the clock should count
//! is known independently of `Replay`; the expected due time is derived with the calendar
//! alone (a pause moves the due time by the business time it covers).

use chrono::{DateTime, Datelike, Duration, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use docket_core::sla::calendar::Calendar;
use docket_core::sla::clock::{ClockEvent, ClockEventKind, Phase, Replay};
use proptest::prelude::*;

mod support;

use ClockEventKind::{Cancel, Pause, Resume, Start, Stop};

const ZONES: [Tz; 6] = [
    Tz::UTC,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Sydney,
    chrono_tz::America::Santiago, // changes at midnight: a midnight is skipped or repeated
    chrono_tz::Australia::Lord_Howe, // a 30-minute change
];

/// The daylight-saving changes of the zones above in 2026 and 2027, as (zone, UTC instant
/// year, month, day, hour, minute), so that histories often run across one.
const CHANGES: [(usize, i32, u32, u32, u32, u32); 20] = [
    (1, 2026, 3, 29, 1, 0),
    (1, 2026, 10, 25, 1, 0),
    (1, 2027, 3, 28, 1, 0),
    (1, 2027, 10, 31, 1, 0),
    (2, 2026, 3, 8, 7, 0),
    (2, 2026, 11, 1, 6, 0),
    (2, 2027, 3, 14, 7, 0),
    (2, 2027, 11, 7, 6, 0),
    (3, 2026, 4, 4, 16, 0),
    (3, 2026, 10, 3, 16, 0),
    (3, 2027, 4, 3, 16, 0),
    (3, 2027, 10, 2, 16, 0),
    (4, 2026, 4, 5, 3, 0),
    (4, 2026, 9, 6, 4, 0),
    (4, 2027, 4, 4, 3, 0),
    (4, 2027, 9, 5, 4, 0),
    (5, 2026, 4, 4, 15, 0),
    (5, 2026, 10, 3, 15, 30),
    (5, 2027, 4, 3, 15, 0),
    (5, 2027, 10, 2, 15, 30),
];

fn change(i: usize) -> DateTime<Utc> {
    let (_, y, mo, d, h, mi) = CHANGES[i];
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn sec(s: i64) -> Duration {
    Duration::seconds(s)
}

// ---------------------------------------------------------------------------------------
// Calendars

fn calendar() -> impl Strategy<Value = Calendar> {
    support::calendar(&ZONES, 16)
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        (0i64..(2 * 365 * 24 * 3600))
            .prop_map(|s| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + sec(s)),
        // Within four days of a daylight-saving change.
        (0..CHANGES.len(), -(4 * 24 * 3600i64)..(4 * 24 * 3600))
            .prop_map(|(i, s)| change(i) + sec(s)),
    ]
}

/// How long something lasts: sometimes nothing, often hours, often days to weeks.
fn span() -> impl Strategy<Value = Duration> {
    prop_oneof![
        1 => Just(0i64),
        4 => 60i64..(8 * 3600),
        3 => (8 * 3600i64)..(21 * 24 * 3600),
    ]
    .prop_map(sec)
}

/// A target from minutes to several weeks of business time, to the second.
fn target() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (1i64..=240).prop_map(Duration::minutes),
        (3600i64..(5 * 24 * 3600)).prop_map(sec),
        ((5 * 24 * 3600i64)..(21 * 24 * 3600)).prop_map(sec),
    ]
}

// ---------------------------------------------------------------------------------------
// Histories

/// How a running stretch ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    Pause,
    Stop,
    Cancel,
    /// Paused, then solved (or cancelled) while pending.
    PauseThenStop,
    PauseThenCancel,
}

fn close() -> impl Strategy<Value = Close> {
    prop_oneof![
        5 => Just(Close::Pause),
        2 => Just(Close::Stop),
        1 => Just(Close::Cancel),
        1 => Just(Close::PauseThenStop),
        1 => Just(Close::PauseThenCancel),
    ]
}

/// A sensible history, with what it means worked out while building it.
#[derive(Debug, Clone)]
struct History {
    events: Vec<ClockEvent>,
    /// The phase after each event.
    phases: Vec<Phase>,
    /// `[from, to)` of each running stretch; the last has no end while running.
    stretches: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// The index of the event that opened each stretch.
    opened_by: Vec<usize>,
}

impl History {
    fn new(start: DateTime<Utc>) -> History {
        History {
            events: vec![ClockEvent {
                kind: Start,
                at: start,
            }],
            phases: vec![Phase::Running],
            stretches: vec![(start, None)],
            opened_by: vec![0],
        }
    }

    fn push(&mut self, kind: ClockEventKind, at: DateTime<Utc>, phase: Phase) {
        self.events.push(ClockEvent { kind, at });
        self.phases.push(phase);
    }

    /// Ends the running stretch at `at`; `later` is when a pending ticket is solved.
    fn close(&mut self, at: DateTime<Utc>, how: Close, later: Duration) {
        self.stretches.last_mut().unwrap().1 = Some(at);
        match how {
            Close::Pause => self.push(Pause, at, Phase::Paused),
            Close::Stop => self.push(Stop, at, Phase::Stopped),
            Close::Cancel => self.push(Cancel, at, Phase::Cancelled),
            Close::PauseThenStop => {
                self.push(Pause, at, Phase::Paused);
                self.push(Stop, at + later, Phase::Stopped);
            }
            Close::PauseThenCancel => {
                self.push(Pause, at, Phase::Paused);
                self.push(Cancel, at + later, Phase::Cancelled);
            }
        }
    }

    fn reopen(&mut self, at: DateTime<Utc>, with_start: bool) {
        self.opened_by.push(self.events.len());
        self.stretches.push((at, None));
        self.push(if with_start { Start } else { Resume }, at, Phase::Running);
    }

    fn start(&self) -> DateTime<Utc> {
        self.events[0].at
    }

    fn last(&self) -> DateTime<Utc> {
        self.events.last().unwrap().at
    }

    fn phase(&self) -> Phase {
        *self.phases.last().unwrap()
    }

    /// When the current phase began (for a stopped clock: the stop).
    fn phase_since(&self) -> DateTime<Utc> {
        let i = self
            .phases
            .iter()
            .rposition(|&p| p != self.phase())
            .map_or(0, |i| i + 1);
        self.events[i].at
    }

    /// The gaps between running stretches: `[pause, resume)`, no resume for the last gap
    /// of a clock that is not running.
    fn breaks(&self) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> {
        self.stretches
            .iter()
            .enumerate()
            .filter_map(|(i, &(_, to))| Some((to?, self.stretches.get(i + 1).map(|s| s.0))))
            .collect()
    }

    fn replay(&self) -> Replay {
        Replay::from_events(&self.events).expect("the history starts")
    }
}

fn part(d: Duration, per_mille: u32) -> Duration {
    sec(d.num_seconds() * per_mille as i64 / 1000)
}

fn history() -> impl Strategy<Value = History> {
    (
        instant(),
        proptest::collection::vec((span(), close(), span(), 0u32..=1000, any::<bool>()), 0..5),
        span(),
        proptest::option::weighted(0.5, (close(), 0u32..=1000, span())),
    )
        .prop_map(|(start, middle, last_run, last_close)| {
            let mut h = History::new(start);
            let mut t = start;
            for (run, how, gap, when, with_start) in middle {
                t += run;
                h.close(t, how, part(gap, when));
                t += gap;
                h.reopen(t, with_start);
            }
            t += last_run;
            if let Some((how, when, gap)) = last_close {
                h.close(t, how, part(gap, when));
            }
            h
        })
}

/// The events of a history with events that make no sense in their phase added between
/// them (and before the start), each at an instant within its phase.
fn with_nonsense(h: &History, noise: &[Option<(u8, u32)>]) -> Vec<ClockEvent> {
    let mut out = Vec::new();
    if let Some(Some((k, m))) = noise.first() {
        let kind = [Pause, Stop, Cancel][*k as usize % 3];
        out.push(ClockEvent {
            kind,
            at: h.start() - Duration::minutes(*m as i64),
        });
    }
    for (i, e) in h.events.iter().enumerate() {
        out.push(*e);
        if let Some(Some((k, m))) = noise.get(i + 1) {
            let next = h
                .events
                .get(i + 1)
                .map_or(e.at + Duration::days(7), |n| n.at);
            let kinds: &[ClockEventKind] = match h.phases[i] {
                Phase::Running => &[Resume, Start],
                Phase::Paused => &[Pause],
                Phase::Stopped => &[Pause, Stop],
                Phase::Cancelled => &[Pause, Cancel],
            };
            out.push(ClockEvent {
                kind: kinds[*k as usize % kinds.len()],
                at: e.at + part(next - e.at, *m % 1001),
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Oracles

/// Business time counted until `now`, from the stretches the history was built from.
fn counted(cal: &Calendar, h: &History, now: DateTime<Utc>) -> Duration {
    h.stretches
        .iter()
        .map(|&(from, to)| cal.business_between(from, to.map_or(now, |to| to.min(now))))
        .sum()
}

/// When the target falls due, with the calendar alone: the target from the start, then
/// every pause that begins before the due time moves it by the business time it covers;
/// a clock that stops (for good) before it never reaches it.
fn expected_due(cal: &Calendar, h: &History, target: Duration) -> Option<DateTime<Utc>> {
    let mut due = cal.add_business(h.start(), target)?;
    for (pause, resume) in h.breaks() {
        if pause < due {
            let resume = resume?;
            let lost = cal.business_between(pause, resume);
            if lost > Duration::zero() {
                due = cal.add_business(due, lost)?;
            }
        }
    }
    Some(due)
}

/// Whether `t` is inside a working interval by the wall clock (only asked away from
/// daylight-saving changes, where wall-clock and calendar readings agree).
fn on_the_wall_clock(cal: &Calendar, t: DateTime<Utc>) -> Option<bool> {
    let tz = cal.time_zone;
    let offset = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc()).fix();
    if offset(t - Duration::days(1)) != offset(t + Duration::days(1)) {
        return None;
    }
    let local = t.with_timezone(&tz);
    let date = local.date_naive();
    let minute = local.hour() * 60 + local.minute();
    Some(
        !cal.is_holiday(date)
            && cal.week[date.weekday().num_days_from_monday() as usize]
                .iter()
                .any(|iv| iv.start <= minute && minute < iv.end),
    )
}

/// The end of the stretch of working time `t` is in (`t` itself when it is off hours).
fn end_of_work(cal: &Calendar, t: DateTime<Utc>) -> DateTime<Utc> {
    let (mut lo, mut hi) = (0i64, 2 * 24 * 3600);
    if cal.business_between(t, t + sec(hi)) == sec(hi) {
        return t + sec(hi);
    }
    // business_between(t, t + lo) == lo, and not for hi.
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if cal.business_between(t, t + sec(mid)) == sec(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    t + sec(lo)
}

fn later_instant() -> impl Strategy<Value = Duration> {
    prop_oneof![Just(0i64), 0i64..3600, 0i64..(28 * 24 * 3600)].prop_map(sec)
}

/// A calendar, one of its zone's daylight-saving changes (any of them for UTC), and a
/// history whose events fall on whole minutes within two days of the change; the
/// history's window starts two days before the change.
fn around_a_change() -> impl Strategy<Value = (Calendar, DateTime<Utc>, History)> {
    (
        calendar(),
        any::<proptest::sample::Index>(),
        proptest::collection::vec((0i64..(4 * 24 * 60), close(), any::<bool>()), 1..9),
    )
        .prop_map(|(cal, pick, cuts)| {
            let zone = ZONES.iter().position(|z| *z == cal.time_zone).unwrap();
            let ours: Vec<usize> = (0..CHANGES.len())
                .filter(|&i| zone == 0 || CHANGES[i].0 == zone)
                .collect();
            let window = change(ours[pick.index(ours.len())]) - Duration::days(2);
            let mut minutes: Vec<i64> = cuts.iter().map(|c| c.0).collect();
            minutes.sort();
            let at = |m: i64| window + Duration::minutes(m);
            let mut h = History::new(at(minutes[0]));
            for (k, &m) in minutes.iter().enumerate().skip(1) {
                let (_, how, with_start) = cuts[k];
                if k % 2 == 1 {
                    // When paused, then solved or cancelled: that comes half-way to the
                    // next event.
                    let next = minutes.get(k + 1).map_or(m + 120, |&n| n);
                    h.close(at(m), how, Duration::minutes((next - m) / 2));
                } else {
                    h.reopen(at(m), with_start);
                }
            }
            (cal, window, h)
        })
}

/// Whether each minute from `from` is working time, read on the wall clock: a minute is
/// working when the latest wall-clock time shown so far is inside a working interval of
/// its date (not a holiday). That is the calendar's rule: a working interval runs from
/// the first instant its start has been reached on the wall clock to the first its end
/// has, so a time skipped by a change counts as the first instant after the gap, and a
/// repeated time as its first occurrence (the wall clock's second pass counts as the
/// minute before the end of the repeated stretch).
fn working_minutes(cal: &Calendar, from: DateTime<Utc>, n: usize) -> Vec<bool> {
    let tz = cal.time_zone;
    let wall = |u: DateTime<Utc>| u.with_timezone(&tz).naive_local();
    let mut latest = wall(from - Duration::hours(6));
    let mut u = from - Duration::hours(6);
    while u < from {
        latest = latest.max(wall(u));
        u += Duration::minutes(1);
    }
    (0..n)
        .map(|i| {
            latest = latest.max(wall(from + Duration::minutes(i as i64)));
            let date = latest.date();
            let minute = latest.hour() * 60 + latest.minute();
            !cal.is_holiday(date)
                && cal.week[date.weekday().num_days_from_monday() as usize]
                    .iter()
                    .any(|iv| iv.start <= minute && minute < iv.end)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The replay runs exactly in the stretches the history was built from: its elapsed
    /// time at any instant is the business time of those stretches up to it.
    #[test]
    fn elapsed_is_the_business_time_of_the_running_stretches(
        cal in calendar(),
        h in history(),
        nows in proptest::collection::vec(0u32..=1200, 4),
    ) {
        let r = h.replay();
        prop_assert_eq!(r.started_at, h.start());
        prop_assert_eq!(r.phase, h.phase());
        prop_assert_eq!(r.phase_since, h.phase_since());
        let (from, to) = (h.start() - Duration::days(1), h.last() + Duration::days(7));
        for m in nows {
            let now = from + part(to - from, m);
            let elapsed = r.elapsed(&cal, now);
            prop_assert_eq!(elapsed, counted(&cal, &h, now), "at {}", now);
            // The same, as everything since the start less what the breaks cover.
            let lost: Duration = h
                .breaks()
                .iter()
                .map(|&(p, r)| cal.business_between(p, r.map_or(now, |r| r.min(now))))
                .sum();
            prop_assert_eq!(elapsed, cal.business_between(h.start(), now) - lost);
        }
    }

    /// Counting never goes back, and never faster than the wall clock.
    #[test]
    fn elapsed_is_monotone_in_now(
        cal in calendar(),
        h in history(),
        a in 0u32..=1000,
        b in 0u32..=1000,
    ) {
        let r = h.replay();
        let (from, to) = (h.start() - Duration::hours(1), h.last() + Duration::days(7));
        let (a, b) = (a.min(b), a.max(b));
        let (t1, t2) = (from + part(to - from, a), from + part(to - from, b));
        let (e1, e2) = (r.elapsed(&cal, t1), r.elapsed(&cal, t2));
        prop_assert!(e1 <= e2, "{} at {} but {} at {}", e1, t1, e2, t2);
        prop_assert!(e2 - e1 <= t2 - t1);
    }

    /// The due time is exactly the target away in counted business time, whatever the
    /// pauses, and lies in a working interval (or at its end) while the clock runs.
    #[test]
    fn at_the_due_time_exactly_the_target_is_counted(
        cal in calendar(),
        h in history(),
        target in target(),
        later in later_instant(),
    ) {
        let r = h.replay();
        let now = h.last() + later;
        let e = r.evaluate(&cal, Some(target), now);
        let total = counted(&cal, &h, h.last());
        // Known while running, or once reached.
        prop_assert_eq!(e.due_at.is_some(), h.phase() == Phase::Running || total >= target);
        let Some(due) = e.due_at else { return Ok(()) };
        prop_assert!(due >= h.start());
        prop_assert_eq!(r.elapsed(&cal, due), target);
        // The earliest such instant: the second before it counts.
        prop_assert_eq!(r.elapsed(&cal, due - sec(1)), target - sec(1));
        prop_assert_eq!(cal.business_between(due - sec(1), due), sec(1));
        prop_assert!(
            h.stretches.iter().any(|&(s, t)| s < due && t.is_none_or(|t| due <= t)),
            "{} is in no running stretch", due
        );
        if let Some(working) = on_the_wall_clock(&cal, due - sec(1)) {
            prop_assert!(working, "{} is not at working time by the wall clock", due - sec(1));
        }
    }

    /// A pause moves the due time by the business time it covers (a pause that starts
    /// after the due time, or covers none, moves nothing); a stop short of it for good
    /// means there is none.
    #[test]
    fn pauses_move_the_due_time_by_the_business_time_they_cover(
        cal in calendar(),
        h in history(),
        target in target(),
    ) {
        let r = h.replay();
        let e = r.evaluate(&cal, Some(target), h.last());
        prop_assert_eq!(e.due_at, expected_due(&cal, &h, target));
        prop_assert_eq!(r.reached_at(&cal, target), e.due_at);
        // Pauses never bring the due time forward.
        if let Some(due) = e.due_at {
            prop_assert!(due >= cal.add_business(h.start(), target).unwrap());
        }
    }

    /// Pauses entirely off hours (nights, days off, holidays) change nothing.
    #[test]
    fn pauses_off_hours_change_nothing(
        cal in calendar(),
        h in history(),
        target in target(),
        pauses in proptest::collection::vec((any::<proptest::sample::Index>(), 0u32..=1000, 0u32..=1000, 0u32..=1000), 1..4),
        later in later_instant(),
    ) {
        let mut events = h.events.clone();
        // One off-hours pause in each chosen stretch, inserted after the event opening it.
        let mut chosen: Vec<usize> = pauses.iter().map(|p| p.0.index(h.stretches.len())).collect();
        chosen.sort();
        chosen.dedup();
        for (&i, &(_, at, from, to)) in chosen.iter().zip(&pauses).rev() {
            let (s, end) = h.stretches[i];
            let end = end.unwrap_or(s + Duration::days(21));
            let x = s + part(end - s, at);
            let off = end_of_work(&cal, x).min(end);
            let back = cal.add_business(off, Duration::zero()).unwrap().min(end);
            let p = off + part(back - off, from);
            let q = p + part(back - p, to);
            prop_assert_eq!(cal.business_between(p, q), Duration::zero());
            let k = h.opened_by[i] + 1;
            events.insert(k, ClockEvent { kind: Resume, at: q });
            events.insert(k, ClockEvent { kind: Pause, at: p });
        }
        let plain = h.replay();
        let paused = Replay::from_events(&events).unwrap();
        let now = h.last() + later;
        prop_assert_eq!(
            paused.evaluate(&cal, Some(target), now),
            plain.evaluate(&cal, Some(target), now)
        );
        prop_assert_eq!(paused.reached_at(&cal, target), plain.reached_at(&cal, target));
        for m in [0u32, 250, 500, 750, 1000] {
            let t = h.start() + part(now - h.start(), m);
            prop_assert_eq!(paused.elapsed(&cal, t), plain.elapsed(&cal, t));
        }
    }

    /// A breach is the due time, once it has passed: while open when as much as the
    /// target has been counted, after a stop only when reached before the stop.
    #[test]
    fn a_breach_is_a_due_time_that_has_passed(
        cal in calendar(),
        h in history(),
        target in target(),
        later in later_instant(),
    ) {
        let r = h.replay();
        let now = h.last() + later;
        let e = r.evaluate(&cal, Some(target), now);
        prop_assert_eq!(e.phase, h.phase());
        if let Some(b) = e.breached_at {
            prop_assert_eq!(Some(b), e.due_at);
        }
        if h.phase().is_open() {
            prop_assert_eq!(e.elapsed, r.elapsed(&cal, now));
            prop_assert_eq!(e.breached_at.is_some(), e.elapsed >= target);
            prop_assert_eq!(e.breached_at.is_some(), e.due_at.is_some_and(|d| d <= now));
        } else {
            let stop = h.phase_since();
            prop_assert_eq!(e.elapsed, r.elapsed(&cal, stop));
            // Reached strictly before the stop (instants are whole seconds).
            prop_assert_eq!(e.breached_at.is_some(), r.elapsed(&cal, stop - sec(1)) >= target);
            prop_assert_eq!(e.breached_at.is_some(), e.due_at.is_some_and(|d| d < stop));
        }
        // Without a target there is nothing to be due.
        let none = r.evaluate(&cal, None, now);
        prop_assert_eq!((none.due_at, none.breached_at, none.elapsed), (None, None, e.elapsed));
    }

    /// More business time is reached later (strictly), and each is reached exactly (zero
    /// included, as a warning threshold of a few percent of a short target can be).
    #[test]
    fn reached_at_is_monotone_in_the_amount(
        cal in calendar(),
        h in history(),
        amounts in proptest::collection::vec(prop_oneof![1 => Just(Duration::zero()), 6 => target()], 2..5),
    ) {
        let r = h.replay();
        let mut amounts = amounts;
        amounts.sort();
        amounts.dedup();
        let reached: Vec<_> = amounts.iter().map(|&a| r.reached_at(&cal, a)).collect();
        for (i, w) in reached.windows(2).enumerate() {
            match (w[0], w[1]) {
                (Some(a), Some(b)) => prop_assert!(a < b, "{} at {} but {} at {}", amounts[i], a, amounts[i + 1], b),
                (None, Some(_)) => prop_assert!(false, "{} is reached but not {}", amounts[i + 1], amounts[i]),
                _ => {}
            }
        }
        for (&a, t) in amounts.iter().zip(&reached) {
            if let Some(t) = *t {
                prop_assert_eq!(r.elapsed(&cal, t), a);
            }
        }
    }

    /// Events that make no sense in their phase (a pause while paused, a resume while
    /// running, a stop while stopped, anything before the start) change nothing.
    #[test]
    fn nonsense_events_change_nothing(
        cal in calendar(),
        h in history(),
        noise in proptest::collection::vec(proptest::option::weighted(0.6, (any::<u8>(), 0u32..=1000)), 1..16),
        target in target(),
        later in later_instant(),
    ) {
        let noisy = Replay::from_events(&with_nonsense(&h, &noise)).unwrap();
        let plain = h.replay();
        prop_assert_eq!(&noisy, &plain);
        let now = h.last() + later;
        prop_assert_eq!(
            noisy.evaluate(&cal, Some(target), now),
            plain.evaluate(&cal, Some(target), now)
        );
    }

    /// Stopping (or cancelling) exactly when the target is reached is in time, a second
    /// later is a breach at the due time, a second earlier leaves it unreached.
    #[test]
    fn stopping_exactly_at_the_due_time_is_in_time(
        cal in calendar(),
        h in history(),
        target in target(),
        how in prop_oneof![Just(Stop), Just(Cancel)],
    ) {
        let mut h = h;
        if h.phase() != Phase::Running {
            let at = h.last() + Duration::hours(1);
            h.reopen(at, false);
        }
        let r = h.replay();
        let target = r.elapsed(&cal, h.last()) + target;
        let due = r.reached_at(&cal, target).unwrap();
        prop_assert!(due > h.last());
        for delay in [-1i64, 0, 1] {
            let mut events = h.events.clone();
            events.push(ClockEvent { kind: how, at: due + sec(delay) });
            let e = Replay::from_events(&events).unwrap().evaluate(&cal, Some(target), due + Duration::days(1));
            let (due_at, breached_at, elapsed) = match delay {
                -1 => (None, None, target - sec(1)),
                0 => (Some(due), None, target),
                _ => (Some(due), Some(due), target + cal.business_between(due, due + sec(1))),
            };
            prop_assert_eq!((e.due_at, e.breached_at, e.elapsed), (due_at, breached_at, elapsed), "stopped {}s after the due time", delay);
        }
    }

    /// A target of exactly the business time counted by a pause (or stop) is reached by
    /// that pause, at the end of the last counted second, not in a later stretch.
    #[test]
    fn a_target_counted_exactly_by_a_break_is_reached_by_it(
        cal in calendar(),
        h in history(),
        pick in any::<proptest::sample::Index>(),
    ) {
        let breaks = h.breaks();
        if breaks.is_empty() {
            return Ok(());
        }
        let (pause, _) = breaks[pick.index(breaks.len())];
        let r = h.replay();
        let target = r.elapsed(&cal, pause);
        prop_assert_eq!(target, counted(&cal, &h, pause));
        if target.is_zero() {
            return Ok(());
        }
        let due = r.reached_at(&cal, target);
        prop_assert!(due.is_some_and(|d| d <= pause), "{:?} is not by the pause at {}", due, pause);
        let due = due.unwrap();
        prop_assert_eq!(r.elapsed(&cal, due), target);
        prop_assert_eq!(cal.business_between(due - sec(1), due), sec(1));
        prop_assert_eq!(r.evaluate(&cal, Some(target), h.last()).due_at, Some(due));
    }
}

proptest! {
    // Cheap (minutes of five days) and where the rare cases hide: more of them.
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Across daylight-saving changes, holidays and days off, the clock counts exactly the
    /// working minutes of its running stretches read on the wall clock, and reaches each
    /// amount at the end of the minute that completes it.
    #[test]
    fn the_clock_counts_wall_clock_working_minutes_across_changes(
        (cal, window, h) in around_a_change(),
        nows in proptest::collection::vec(0usize..=(5 * 24 * 60), 6),
        amounts in proptest::collection::vec(any::<proptest::sample::Index>(), 4),
    ) {
        const N: usize = 5 * 24 * 60;
        let minute = |i: usize| window + Duration::minutes(i as i64);
        let working = working_minutes(&cal, window, N);
        prop_assert_eq!(
            cal.business_between(window, minute(N)),
            Duration::minutes(working.iter().filter(|&&w| w).count() as i64)
        );
        let running = |u: DateTime<Utc>| {
            h.stretches.iter().any(|&(s, e)| s <= u && e.is_none_or(|e| u < e))
        };
        // The minutes that count, in order, and how many counted before each minute.
        let counting: Vec<usize> = (0..N).filter(|&i| working[i] && running(minute(i))).collect();
        let before = |i: usize| counting.partition_point(|&c| c < i) as i64;
        let r = h.replay();
        for i in nows.into_iter().chain([N]) {
            prop_assert_eq!(r.elapsed(&cal, minute(i)), Duration::minutes(before(i)), "at {}", minute(i));
        }
        if !counting.is_empty() {
            for a in amounts {
                let k = a.index(counting.len());
                let amount = Duration::minutes(k as i64 + 1);
                prop_assert_eq!(r.reached_at(&cal, amount), Some(minute(counting[k] + 1)), "{}", amount);
            }
        }
        if h.phase() != Phase::Running {
            let all = Duration::minutes(counting.len() as i64);
            prop_assert_eq!(r.reached_at(&cal, all + Duration::minutes(1)), None);
        }
    }
}
