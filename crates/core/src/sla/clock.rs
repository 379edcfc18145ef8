//! SLA clocks as a history of events. A clock's state is never stored on its own: it is
//! replayed from its events under the policy's calendar and target, so that a change of
//! priority, policy or calendar recomputes every due time from what actually happened.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calendar::Calendar;

/// What happened to a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockEventKind {
    /// The clock starts counting (a ticket is created, a requester replies).
    Start,
    /// The ticket waits on the requester (a `pending` state): time stops counting.
    Pause,
    /// Counting again after a pause, or after a stop when a solved ticket is reopened.
    Resume,
    /// The clock's goal was reached (a reply, a solve).
    Stop,
    /// The clock no longer applies (solved without a reply): it counts neither way,
    /// unless it had already breached.
    Cancel,
}

impl ClockEventKind {
    pub const ALL: [ClockEventKind; 5] = [
        ClockEventKind::Start,
        ClockEventKind::Pause,
        ClockEventKind::Resume,
        ClockEventKind::Stop,
        ClockEventKind::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClockEventKind::Start => "start",
            ClockEventKind::Pause => "pause",
            ClockEventKind::Resume => "resume",
            ClockEventKind::Stop => "stop",
            ClockEventKind::Cancel => "cancel",
        }
    }

    pub fn parse(s: &str) -> Option<ClockEventKind> {
        ClockEventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockEvent {
    pub kind: ClockEventKind,
    pub at: DateTime<Utc>,
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Running,
    Paused,
    Stopped,
    Cancelled,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Running => "running",
            Phase::Paused => "paused",
            Phase::Stopped => "stopped",
            Phase::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        [
            Phase::Running,
            Phase::Paused,
            Phase::Stopped,
            Phase::Cancelled,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    /// Still to be met: running or paused.
    pub fn is_open(self) -> bool {
        matches!(self, Phase::Running | Phase::Paused)
    }
}

/// A clock's history reduced to the intervals in which it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub started_at: DateTime<Utc>,
    pub phase: Phase,
    /// When the current phase began.
    pub phase_since: DateTime<Utc>,
    /// `[start, end)` of each running stretch; the last has no end while running.
    segments: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

/// What a clock means under a target at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    pub phase: Phase,
    /// When the target is (or was) reached in business time: known while the clock runs,
    /// or once it has been reached; None while paused short of it, or without a target.
    pub due_at: Option<DateTime<Utc>>,
    /// When the target was reached, if that was before the clock stopped and not after
    /// `now`.
    pub breached_at: Option<DateTime<Utc>>,
    /// Business time counted up to `now` (or to the stop).
    pub elapsed: Duration,
}

impl Replay {
    /// Replay events in order. Events that make no sense in the current phase (a pause
    /// while paused, a resume while running) change nothing, so a history is never
    /// rejected. None until the clock has started.
    pub fn from_events(events: &[ClockEvent]) -> Option<Replay> {
        let mut iter = events.iter();
        let first = iter.find(|e| e.kind == ClockEventKind::Start)?;
        let mut r = Replay {
            started_at: first.at,
            phase: Phase::Running,
            phase_since: first.at,
            segments: vec![(first.at, None)],
        };
        for e in iter {
            // Time never runs backwards inside a clock.
            let at = e.at.max(r.phase_since);
            match (r.phase, e.kind) {
                (Phase::Running, ClockEventKind::Pause) => r.close(at, Phase::Paused),
                (Phase::Running, ClockEventKind::Stop) => r.close(at, Phase::Stopped),
                (Phase::Running, ClockEventKind::Cancel) => r.close(at, Phase::Cancelled),
                (Phase::Paused, ClockEventKind::Stop) => r.set(at, Phase::Stopped),
                (Phase::Paused, ClockEventKind::Cancel) => r.set(at, Phase::Cancelled),
                (
                    Phase::Paused | Phase::Stopped | Phase::Cancelled,
                    ClockEventKind::Resume | ClockEventKind::Start,
                ) => {
                    r.segments.push((at, None));
                    r.set(at, Phase::Running);
                }
                _ => {}
            }
        }
        Some(r)
    }

    fn close(&mut self, at: DateTime<Utc>, phase: Phase) {
        if let Some(last) = self.segments.last_mut() {
            last.1 = Some(at);
        }
        self.set(at, phase);
    }

    fn set(&mut self, at: DateTime<Utc>, phase: Phase) {
        self.phase = phase;
        self.phase_since = at;
    }

    /// Business time counted until `now`.
    pub fn elapsed(&self, calendar: &Calendar, now: DateTime<Utc>) -> Duration {
        self.segments
            .iter()
            .map(|&(s, e)| calendar.business_between(s, e.unwrap_or(now).min(now)))
            .sum()
    }

    /// The instant at which `amount` of business time has been counted: in a past
    /// running stretch, or projected in the current one. None when the clock stopped or
    /// paused short of it (or the calendar has no working time left).
    pub fn reached_at(&self, calendar: &Calendar, amount: Duration) -> Option<DateTime<Utc>> {
        let mut left = amount;
        for &(s, e) in &self.segments {
            match e {
                Some(e) => {
                    let run = calendar.business_between(s, e);
                    if run >= left {
                        return calendar.add_business(s, left).map(|t| t.min(e));
                    }
                    left -= run;
                }
                None => return calendar.add_business(s, left),
            }
        }
        None
    }

    /// The clock against a target at `now`.
    pub fn evaluate(
        &self,
        calendar: &Calendar,
        target: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Evaluation {
        let end = match self.phase {
            Phase::Stopped | Phase::Cancelled => self.phase_since.min(now),
            _ => now,
        };
        let due_at = target.and_then(|t| self.reached_at(calendar, t));
        // Reaching the target exactly at the stop is in time; only later is a breach.
        let breached_at =
            due_at.filter(|&d| d <= now && (self.phase.is_open() || d < self.phase_since));
        Evaluation {
            phase: self.phase,
            due_at,
            breached_at,
            elapsed: self.elapsed(calendar, end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::calendar::{Holiday, Interval};
    use chrono::{NaiveDate, TimeZone};

    fn t(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }

    fn ev(kind: ClockEventKind, at: DateTime<Utc>) -> ClockEvent {
        ClockEvent { kind, at }
    }

    /// Monday to Friday, 09:00-12:00 and 13:00-17:00 UTC.
    fn office() -> Calendar {
        let day = vec![
            Interval {
                start: 9 * 60,
                end: 12 * 60,
            },
            Interval {
                start: 13 * 60,
                end: 17 * 60,
            },
        ];
        Calendar::new(
            chrono_tz::Tz::UTC,
            [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
            vec![Holiday::Dated {
                date: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            }],
        )
        .unwrap()
    }

    use ClockEventKind::*;

    #[test]
    fn nothing_before_start() {
        assert_eq!(Replay::from_events(&[ev(Pause, t(2, 9, 0))]), None);
    }

    #[test]
    fn a_running_clock_is_due_after_its_target_in_business_time() {
        // Friday 2026-11-20 16:00 + 2h business = Monday 23rd 10:00.
        let r = Replay::from_events(&[ev(Start, t(20, 16, 0))]).unwrap();
        let e = r.evaluate(&office(), Some(Duration::hours(2)), t(20, 16, 30));
        assert_eq!(e.phase, Phase::Running);
        assert_eq!(e.due_at, Some(t(23, 10, 0)));
        assert_eq!(e.breached_at, None);
        assert_eq!(e.elapsed, Duration::minutes(30));
        let later = r.evaluate(&office(), Some(Duration::hours(2)), t(23, 11, 0));
        assert_eq!(later.breached_at, Some(t(23, 10, 0)));
    }

    #[test]
    fn a_pause_moves_the_due_time_by_the_business_time_spent_paused() {
        // Monday 09:00 start, 4h target; paused 10:00-14:00 (3h of business time);
        // 1h counted before, 3h left from 14:00 -> 17:00.
        let events = [
            ev(Start, t(23, 9, 0)),
            ev(Pause, t(23, 10, 0)),
            ev(Resume, t(23, 14, 0)),
        ];
        let r = Replay::from_events(&events).unwrap();
        let e = r.evaluate(&office(), Some(Duration::hours(4)), t(23, 15, 0));
        assert_eq!(e.due_at, Some(t(23, 17, 0)));
        assert_eq!(e.elapsed, Duration::hours(2));
        // While paused short of the target there is no due time.
        let paused = Replay::from_events(&events[..2]).unwrap();
        let e = paused.evaluate(&office(), Some(Duration::hours(4)), t(23, 15, 0));
        assert_eq!((e.phase, e.due_at), (Phase::Paused, None));
    }

    #[test]
    fn a_pause_across_a_weekend_and_a_holiday_counts_nothing() {
        // Wednesday 25th 16:00 start, paused at 16:30 until Monday 30th 09:00 (Thursday
        // 26th is a holiday); 8h target: 30 min before, 7.5h after -> Monday 17:00... no:
        // Monday has 7h, so Tuesday 1st December 09:30.
        let r = Replay::from_events(&[
            ev(Start, t(25, 16, 0)),
            ev(Pause, t(25, 16, 30)),
            ev(Resume, t(30, 9, 0)),
        ])
        .unwrap();
        let e = r.evaluate(&office(), Some(Duration::hours(8)), t(30, 9, 0));
        assert_eq!(
            e.due_at,
            Some(Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap())
        );
    }

    #[test]
    fn stopping_in_time_is_met_and_late_is_breached() {
        let start = ev(Start, t(23, 9, 0));
        let in_time = Replay::from_events(&[start, ev(Stop, t(23, 10, 0))]).unwrap();
        let e = in_time.evaluate(&office(), Some(Duration::hours(1)), t(24, 9, 0));
        assert_eq!(e.phase, Phase::Stopped);
        assert_eq!(
            e.breached_at, None,
            "stopping exactly at the target is in time"
        );
        assert_eq!(e.due_at, Some(t(23, 10, 0)));
        assert_eq!(e.elapsed, Duration::hours(1));
        let late = Replay::from_events(&[start, ev(Stop, t(23, 10, 1))]).unwrap();
        let e = late.evaluate(&office(), Some(Duration::hours(1)), t(24, 9, 0));
        assert_eq!(e.breached_at, Some(t(23, 10, 0)));
    }

    #[test]
    fn a_breach_before_the_stop_shows_at_any_later_now() {
        // Evaluated at 10:30, between the breach (10:00) and the stop (11:00).
        let r = Replay::from_events(&[ev(Start, t(23, 9, 0)), ev(Stop, t(23, 11, 0))]).unwrap();
        let e = r.evaluate(&Calendar::always(), Some(Duration::hours(1)), t(23, 10, 30));
        assert_eq!(e.breached_at, Some(t(23, 10, 0)));
        let e = r.evaluate(&Calendar::always(), Some(Duration::hours(1)), t(23, 9, 30));
        assert_eq!(e.breached_at, None, "not yet at 09:30");
    }

    #[test]
    fn a_stopped_clock_short_of_its_target_never_breaches() {
        let r = Replay::from_events(&[ev(Start, t(23, 9, 0)), ev(Stop, t(23, 9, 30))]).unwrap();
        let e = r.evaluate(&office(), Some(Duration::hours(1)), t(30, 9, 0));
        assert_eq!((e.due_at, e.breached_at), (None, None));
        assert_eq!(e.elapsed, Duration::minutes(30));
    }

    #[test]
    fn reopening_resumes_where_the_clock_stopped() {
        // Solved after 1h, reopened the next day: 1h is already spent of a 2h target.
        let r = Replay::from_events(&[
            ev(Start, t(23, 9, 0)),
            ev(Stop, t(23, 10, 0)),
            ev(Resume, t(24, 13, 0)),
        ])
        .unwrap();
        let e = r.evaluate(&office(), Some(Duration::hours(2)), t(24, 13, 0));
        assert_eq!(e.phase, Phase::Running);
        assert_eq!(e.due_at, Some(t(24, 14, 0)));
    }

    #[test]
    fn a_retarget_recomputes_from_history() {
        let r = Replay::from_events(&[ev(Start, t(23, 9, 0))]).unwrap();
        let cal = office();
        assert_eq!(
            r.evaluate(&cal, Some(Duration::hours(8)), t(23, 9, 0))
                .due_at,
            Some(t(24, 10, 0))
        );
        assert_eq!(
            r.evaluate(&cal, Some(Duration::hours(2)), t(23, 9, 0))
                .due_at,
            Some(t(23, 11, 0))
        );
        assert_eq!(r.evaluate(&cal, None, t(23, 9, 0)).due_at, None);
    }

    #[test]
    fn nonsense_events_change_nothing() {
        let r = Replay::from_events(&[
            ev(Start, t(23, 9, 0)),
            ev(Resume, t(23, 9, 10)),
            ev(Pause, t(23, 10, 0)),
            ev(Pause, t(23, 10, 30)),
            ev(Resume, t(23, 11, 0)),
            ev(Start, t(23, 11, 10)),
        ])
        .unwrap();
        let e = r.evaluate(&office(), Some(Duration::hours(2)), t(23, 11, 0));
        assert_eq!(e.elapsed, Duration::hours(1));
        // One hour left from 11:00, before the lunch break.
        assert_eq!(e.due_at, Some(t(23, 12, 0)));
    }

    #[test]
    fn a_cancelled_clock_keeps_an_earlier_breach() {
        let r = Replay::from_events(&[ev(Start, t(23, 9, 0)), ev(Cancel, t(23, 11, 0))]).unwrap();
        let e = r.evaluate(&office(), Some(Duration::hours(1)), t(24, 9, 0));
        assert_eq!(e.phase, Phase::Cancelled);
        assert_eq!(e.breached_at, Some(t(23, 10, 0)));
    }
}
