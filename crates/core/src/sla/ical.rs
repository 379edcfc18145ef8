//! Holidays from an iCalendar file (RFC 5545), as exported by Google Calendar, Outlook
//! or a public-holiday feed: every VEVENT becomes one holiday per day it covers, and a
//! yearly recurring event becomes a yearly holiday.
//!
//! A small parser for just this: content lines (unfolded), components, and the event
//! properties DTSTART, DTEND, DURATION, SUMMARY, RRULE and STATUS. Anything it cannot
//! turn into whole days faithfully (other recurrences, RDATE, EXDATE, overrides of
//! single occurrences) is refused with the line, rather than imported wrongly.

use std::collections::HashSet;
use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::spec::{HolidaySpec, MAX_HOLIDAY_NAME_CHARS, MAX_HOLIDAYS};

/// Larger inputs are refused.
pub const MAX_ICAL_BYTES: usize = 1024 * 1024;
/// One event covers at most this many days.
pub const MAX_EVENT_DAYS: i64 = 366;

/// Why an iCalendar file cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcalError {
    /// The 1-based line where the offending content line starts; 0 when the problem is
    /// the input as a whole (too large, no VCALENDAR).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for IcalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for IcalError {}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, IcalError> {
    Err(IcalError {
        line,
        message: message.into(),
    })
}

/// The holidays an iCalendar file describes, in the order of its events, each date or
/// day of the year once (the first event's name wins).
pub fn holidays_from_ical(text: &str) -> Result<Vec<HolidaySpec>, IcalError> {
    if text.len() > MAX_ICAL_BYTES {
        return err(
            0,
            format!(
                "the file has {} bytes; at most {MAX_ICAL_BYTES} are accepted",
                text.len()
            ),
        );
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut seen_calendar = false;
    let mut default_tz: Option<Tz> = None;
    let mut events: Vec<Event> = Vec::new();
    let mut current: Option<Event> = None;

    for cl in unfold(text)? {
        let prop = parse_content_line(&cl)?;
        let name = prop.name.to_ascii_uppercase();
        match name.as_str() {
            "BEGIN" => {
                let component = prop.value.trim().to_ascii_uppercase();
                if component.is_empty() {
                    return err(cl.line, "BEGIN without a component name");
                }
                match stack.last().map(|(c, _)| c.as_str()) {
                    None if component != "VCALENDAR" => {
                        return err(
                            cl.line,
                            format!("expected BEGIN:VCALENDAR, found BEGIN:{component}"),
                        );
                    }
                    None => seen_calendar = true,
                    Some("VCALENDAR") if component == "VEVENT" => {
                        current = Some(Event::new(cl.line));
                    }
                    Some(_) if component == "VCALENDAR" => {
                        return err(cl.line, "a VCALENDAR cannot be nested");
                    }
                    Some(_) => {}
                }
                stack.push((component, cl.line));
            }
            "END" => {
                let component = prop.value.trim().to_ascii_uppercase();
                match stack.pop() {
                    None => return err(cl.line, format!("END:{component} without a BEGIN")),
                    Some((open, line)) if open != component => {
                        return err(
                            cl.line,
                            format!("END:{component} does not close BEGIN:{open} of line {line}"),
                        );
                    }
                    Some(_) => {}
                }
                if component == "VEVENT"
                    && stack.len() == 1
                    && let Some(event) = current.take()
                {
                    events.push(event);
                }
            }
            _ => {
                let depth: Vec<&str> = stack.iter().map(|(c, _)| c.as_str()).collect();
                match depth.as_slice() {
                    [] => {
                        return err(
                            cl.line,
                            format!("expected BEGIN:VCALENDAR, found {}", prop.name),
                        );
                    }
                    ["VCALENDAR"] => match name.as_str() {
                        "X-WR-TIMEZONE" => default_tz = prop.value.trim().parse::<Tz>().ok(),
                        "CALSCALE" if !prop.value.trim().eq_ignore_ascii_case("GREGORIAN") => {
                            return err(
                                cl.line,
                                format!(
                                    "calendar scale {} is not supported, only GREGORIAN",
                                    prop.value
                                ),
                            );
                        }
                        _ => {}
                    },
                    ["VCALENDAR", "VEVENT"] => {
                        if let Some(event) = current.as_mut() {
                            event.set(&name, prop, cl.line)?;
                        }
                    }
                    // VTODO, VJOURNAL, VTIMEZONE, VALARM inside events, X- components.
                    _ => {}
                }
            }
        }
    }
    if let Some((component, line)) = stack.last() {
        return err(*line, format!("BEGIN:{component} is never ended"));
    }
    if !seen_calendar {
        return err(0, "no VCALENDAR found: this is not an iCalendar file");
    }

    let mut holidays = Vec::new();
    let mut seen: HashSet<(Option<NaiveDate>, Option<String>)> = HashSet::new();
    for event in events {
        for h in event.holidays(default_tz)? {
            if seen.insert((h.date, h.yearly.clone())) {
                if holidays.len() == MAX_HOLIDAYS {
                    return err(
                        event.line,
                        format!("the file has more than {MAX_HOLIDAYS} holidays"),
                    );
                }
                holidays.push(h);
            }
        }
    }
    Ok(holidays)
}

/// One unfolded content line and the line it starts on.
struct ContentLine {
    line: usize,
    text: String,
}

/// Join folded lines (a line break followed by a space or tab continues the line).
fn unfold(text: &str) -> Result<Vec<ContentLine>, IcalError> {
    let mut lines: Vec<ContentLine> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t']) {
            match lines.last_mut() {
                Some(last) => last.text.push_str(rest),
                None => return err(i + 1, "a continuation line with nothing to continue"),
            }
        } else if !raw.is_empty() {
            lines.push(ContentLine {
                line: i + 1,
                text: raw.to_string(),
            });
        }
    }
    Ok(lines)
}

/// `NAME *(";" PARAM "=" VALUE *("," VALUE)) ":" VALUE`
#[derive(Debug)]
struct Property {
    name: String,
    /// Parameter names upper-cased; values without their quotes.
    params: Vec<(String, String)>,
    value: String,
}

impl Property {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse_content_line(cl: &ContentLine) -> Result<Property, IcalError> {
    let s = cl.text.as_str();
    let name_end = s.find([';', ':']).unwrap_or(s.len());
    let name = &s[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return err(cl.line, format!("{s:?} is not a content line (NAME:value)"));
    }
    let mut params = Vec::new();
    let mut rest = &s[name_end..];
    loop {
        if let Some(value) = rest.strip_prefix(':') {
            return Ok(Property {
                name: name.to_string(),
                params,
                value: value.to_string(),
            });
        }
        let Some(p) = rest.strip_prefix(';') else {
            return err(cl.line, format!("{name}: expected ':' before the value"));
        };
        let eq = p
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(p.len());
        if eq == 0 || !p[eq..].starts_with('=') {
            return err(cl.line, format!("{name}: a parameter without '='"));
        }
        let pname = p[..eq].to_ascii_uppercase();
        let mut pvalue = String::new();
        let mut end = p.len() - eq - 1;
        let mut quoted = false;
        for (i, c) in p[eq + 1..].char_indices() {
            match c {
                '"' if !quoted && (i == 0 || pvalue.ends_with(',')) => quoted = true,
                '"' if quoted => quoted = false,
                ';' | ':' if !quoted => {
                    end = i;
                    break;
                }
                _ => pvalue.push(c),
            }
        }
        if quoted {
            return err(cl.line, format!("{name}: an unterminated quoted parameter"));
        }
        params.push((pname, pvalue));
        rest = &p[eq + 1 + end..];
    }
}

/// A DTSTART or DTEND value.
#[derive(Debug, Clone, Copy)]
enum When {
    Date(NaiveDate),
    /// A local time (with TZID, or floating).
    Local(NaiveDateTime),
    Utc(NaiveDateTime),
}

impl When {
    /// The local date and time, UTC times moved to the calendar's time zone when known.
    fn local(self, tz: Option<Tz>) -> NaiveDateTime {
        match self {
            When::Date(d) => d.and_time(NaiveTime::MIN),
            When::Local(t) => t,
            When::Utc(t) => match tz {
                Some(tz) => Utc.from_utc_datetime(&t).with_timezone(&tz).naive_local(),
                None => t,
            },
        }
    }
}

fn parse_when(prop: &Property, line: usize) -> Result<When, IcalError> {
    let value = prop.value.trim();
    let kind = prop.param("VALUE").map(str::to_ascii_uppercase);
    let bad = |what: &str| {
        err(
            line,
            format!(
                "{}: {value:?} is not {what}",
                prop.name.to_ascii_uppercase()
            ),
        )
    };
    match kind.as_deref() {
        Some("DATE") => match parse_date(value) {
            Some(d) => Ok(When::Date(d)),
            None => bad("a date (YYYYMMDD)"),
        },
        None | Some("DATE-TIME") => {
            if kind.is_none()
                && let Some(d) = parse_date(value)
            {
                return Ok(When::Date(d));
            }
            match parse_date_time(value) {
                Some((t, true)) => Ok(When::Utc(t)),
                Some((t, false)) => Ok(When::Local(t)),
                None => bad("a date-time (YYYYMMDDTHHMMSS)"),
            }
        }
        Some(other) => err(
            line,
            format!(
                "{}: values of type {other} are not supported",
                prop.name.to_ascii_uppercase()
            ),
        ),
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        s[..4].parse().ok()?,
        s[4..6].parse().ok()?,
        s[6..].parse().ok()?,
    )
}

/// `YYYYMMDDTHHMMSS[Z]`; the flag says UTC.
fn parse_date_time(s: &str) -> Option<(NaiveDateTime, bool)> {
    let (s, utc) = match s.strip_suffix(['Z', 'z']) {
        Some(s) => (s, true),
        None => (s, false),
    };
    let (date, time) = s.split_once(['T', 't'])?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: u32 = time[..2].parse().ok()?;
    let m: u32 = time[2..4].parse().ok()?;
    let sec: u32 = time[4..].parse().ok()?;
    // A leap second (60) is a valid iCalendar time; it is still the same day.
    let time = NaiveTime::from_hms_opt(h, m, sec.min(59))?;
    Some((parse_date(date)?.and_time(time), utc))
}

/// An RFC 5545 duration: `[+]P[nW][nD][T[nH][nM][nS]]`. Negative durations are refused.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let s = s.strip_prefix(['P', 'p'])?;
    let mut total = Duration::zero();
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in s.chars() {
        match c.to_ascii_uppercase() {
            'T' if !in_time && number.is_empty() => in_time = true,
            d if d.is_ascii_digit() => number.push(d),
            unit => {
                let n: i64 = number.parse().ok().filter(|n| *n <= 1_000_000)?;
                number.clear();
                let part = match (unit, in_time) {
                    ('W', false) => Duration::weeks(n),
                    ('D', false) => Duration::days(n),
                    ('H', true) => Duration::hours(n),
                    ('M', true) => Duration::minutes(n),
                    ('S', true) => Duration::seconds(n),
                    _ => return None,
                };
                total = total.checked_add(&part)?;
                any = true;
            }
        }
    }
    (any && number.is_empty()).then_some(total)
}

/// Undo TEXT escaping: `\\`, `\;`, `\,`, `\n` / `\N`.
fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c) => out.push(c),
            None => out.push('\\'),
        }
    }
    out
}

/// What one VEVENT said, checked property by property.
#[derive(Debug)]
struct Event {
    /// The BEGIN:VEVENT line.
    line: usize,
    summary: Option<String>,
    start: Option<(When, usize)>,
    end: Option<(When, usize)>,
    duration: Option<(Duration, usize)>,
    /// The RRULE value and its line; checked against DTSTART once the event is read.
    rrule: Option<(String, usize)>,
    cancelled: bool,
}

impl Event {
    fn new(line: usize) -> Event {
        Event {
            line,
            summary: None,
            start: None,
            end: None,
            duration: None,
            rrule: None,
            cancelled: false,
        }
    }

    fn set(&mut self, name: &str, prop: Property, line: usize) -> Result<(), IcalError> {
        let once = |present: bool| {
            if present {
                err(line, format!("{name} appears twice in one event"))
            } else {
                Ok(())
            }
        };
        match name {
            "SUMMARY" => {
                once(self.summary.is_some())?;
                self.summary = Some(unescape_text(&prop.value));
            }
            "DTSTART" => {
                once(self.start.is_some())?;
                self.start = Some((parse_when(&prop, line)?, line));
            }
            "DTEND" => {
                once(self.end.is_some())?;
                self.end = Some((parse_when(&prop, line)?, line));
            }
            "DURATION" => {
                once(self.duration.is_some())?;
                match parse_duration(&prop.value) {
                    Some(d) => self.duration = Some((d, line)),
                    None => {
                        return err(
                            line,
                            format!("DURATION: {:?} is not a duration (like P1D)", prop.value),
                        );
                    }
                }
            }
            "RRULE" => {
                once(self.rrule.is_some())?;
                self.rrule = Some((prop.value, line));
            }
            "STATUS" => self.cancelled = prop.value.trim().eq_ignore_ascii_case("CANCELLED"),
            "RDATE" | "EXDATE" | "EXRULE" => {
                return err(
                    line,
                    format!("{name} is not supported: only yearly recurrence is supported"),
                );
            }
            "RECURRENCE-ID" => {
                return err(
                    line,
                    "changed occurrences of a recurring event (RECURRENCE-ID) are not supported",
                );
            }
            _ => {}
        }
        Ok(())
    }
}

impl Event {
    /// The days this event covers, as holidays (yearly ones for a yearly recurrence).
    fn holidays(&self, tz: Option<Tz>) -> Result<Vec<HolidaySpec>, IcalError> {
        if self.cancelled {
            return Ok(Vec::new());
        }
        let Some((start, start_line)) = self.start else {
            return err(self.line, "an event without DTSTART");
        };
        let start = start.local(tz);
        let end = match (self.end, self.duration) {
            (Some(_), Some((_, line))) => {
                return err(line, "an event has DTEND or DURATION, not both");
            }
            (Some((end, line)), None) => {
                let end = end.local(tz);
                if end < start {
                    return err(line, "DTEND is before DTSTART");
                }
                end
            }
            (None, Some((d, line))) => match start.checked_add_signed(d) {
                Some(end) => end,
                None => return err(line, "DURATION: the event ends out of range"),
            },
            (None, None) => start,
        };
        // The end is exclusive: an event ending at midnight does not cover that day.
        let first = start.date();
        let last = if end.time() == NaiveTime::MIN {
            end.date().pred_opt().unwrap_or(first)
        } else {
            end.date()
        }
        .max(first);
        let days = (last - first).num_days() + 1;
        if days > MAX_EVENT_DAYS {
            return err(
                start_line,
                format!("the event covers {days} days; at most {MAX_EVENT_DAYS} are accepted"),
            );
        }

        let name = self
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(MAX_HOLIDAY_NAME_CHARS).collect::<String>());
        let yearly = match &self.rrule {
            Some((rule, line)) => {
                check_yearly_rule(rule, *line, first)?;
                true
            }
            None => false,
        };
        Ok((0..days)
            .map(|i| {
                let date = first + Duration::days(i);
                if yearly {
                    HolidaySpec::yearly(name.as_deref(), date.month(), date.day())
                } else {
                    HolidaySpec::dated(name.as_deref(), date)
                }
            })
            .collect())
    }
}

/// Accept `FREQ=YEARLY` repeating on the start date forever; refuse everything else.
fn check_yearly_rule(rule: &str, line: usize, start: NaiveDate) -> Result<(), IcalError> {
    let refuse = |why: String| {
        err(
            line,
            format!(
                "only yearly recurrence is supported, on the start date and without end ({why})"
            ),
        )
    };
    let mut freq = None;
    for part in rule.trim().split(';').filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return err(line, format!("RRULE: {part:?} is not KEY=VALUE"));
        };
        let key = key.trim().to_ascii_uppercase();
        let value = value.trim().to_ascii_uppercase();
        match key.as_str() {
            "FREQ" => freq = Some(value),
            "INTERVAL" if value == "1" => {}
            "WKST" => {}
            "BYMONTH" if value.parse::<u32>().ok() == Some(start.month()) => {}
            "BYMONTHDAY" if value.parse::<u32>().ok() == Some(start.day()) => {}
            _ => return refuse(format!("{key}={value}")),
        }
    }
    match freq.as_deref() {
        Some("YEARLY") => Ok(()),
        Some(other) => refuse(format!("FREQ={other}")),
        None => err(line, "RRULE without FREQ"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn crlf(lines: &[&str]) -> String {
        lines.iter().map(|l| format!("{l}\r\n")).collect()
    }

    /// German public holidays, shaped like a Google Calendar export: CRLF, lines folded
    /// at 75 octets, a VTIMEZONE, alarms, a to-do and events of every supported shape.
    fn german_holidays() -> String {
        crlf(&[
            "BEGIN:VCALENDAR",
            "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Feiertage in Deutschland",
            "X-WR-TIMEZONE:Europe/Berlin",
            "X-WR-CALDESC:Feiertage und Gedenktage in Deutschland",
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Berlin",
            "X-LIC-LOCATION:Europe/Berlin",
            "BEGIN:DAYLIGHT",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "TZNAME:CEST",
            "DTSTART:19700329T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "TZNAME:CET",
            "DTSTART:19701025T030000",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "END:STANDARD",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20260406",
            "DTEND;VALUE=DATE:20260407",
            "DTSTAMP:20260102T101500Z",
            "UID:20260406_5lm2tmvkbsd8b1se4bbq5ka7cg@google.com",
            "CLASS:PUBLIC",
            "CREATED:20250610T081530Z",
            "DESCRIPTION:Gesetzlicher Feiertag\\nUm Feiertage und Gedenktage auszublende",
            " n\\, gehe zu den Google Kalender-Einstellungen > Feiertage in Deutschland",
            "LAST-MODIFIED:20250610T081530Z",
            "SEQUENCE:0",
            "STATUS:CONFIRMED",
            "SUMMARY:Ostermontag",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20261003",
            "DTEND;VALUE=DATE:20261004",
            "UID:20261003_abcdef@google.com",
            "SUMMARY:Tag der Deutschen Einheit\\, bundesweit\\; gesetzlich (Tag der Deu",
            "\ttschen Einheit)",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "SUMMARY:Erinnerung",
            "TRIGGER:-P1D",
            "END:VALARM",
            "END:VEVENT",
            "BEGIN:VTODO",
            "DTSTART;VALUE=DATE:20260501",
            "SUMMARY:Maibaum aufstellen",
            "END:VTODO",
            // Christmas holidays of an office: three days, DTEND exclusive.
            "BEGIN:VEVENT",
            "dtstart;value=date:20261224",
            "dtend;value=date:20261227",
            "summary:Weihnachten",
            "END:VEVENT",
            // The same Christmas Eve again as a timed event: already covered.
            "BEGIN:VEVENT",
            "DTSTART;TZID=Europe/Berlin:20261224T000000",
            "DTEND;TZID=Europe/Berlin:20261225T000000",
            "SUMMARY:Heiligabend",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20260101",
            "RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1",
            "SUMMARY:Neujahr",
            "END:VEVENT",
            // New Year's Eve afternoon, in UTC: still a whole day off, in Berlin's date.
            "BEGIN:VEVENT",
            "DTSTART:20261231T120000Z",
            "DURATION:PT5H",
            "SUMMARY:Silvester",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20260501",
            "STATUS:CANCELLED",
            "SUMMARY:Abgesagt",
            "END:VEVENT",
            "END:VCALENDAR",
        ])
    }

    #[test]
    fn a_google_calendar_export() {
        let holidays = holidays_from_ical(&german_holidays()).unwrap();
        assert_eq!(
            holidays,
            vec![
                HolidaySpec::dated(Some("Ostermontag"), date(2026, 4, 6)),
                HolidaySpec::dated(
                    Some(
                        "Tag der Deutschen Einheit, bundesweit; gesetzlich (Tag der Deutschen Einheit)"
                    ),
                    date(2026, 10, 3)
                ),
                HolidaySpec::dated(Some("Weihnachten"), date(2026, 12, 24)),
                HolidaySpec::dated(Some("Weihnachten"), date(2026, 12, 25)),
                HolidaySpec::dated(Some("Weihnachten"), date(2026, 12, 26)),
                HolidaySpec::yearly(Some("Neujahr"), 1, 1),
                HolidaySpec::dated(Some("Silvester"), date(2026, 12, 31)),
            ]
        );
        // What the import produces is a valid calendar's holiday list.
        let mut spec = super::super::spec::CalendarSpec::business_hours_9_to_5("Europe/Berlin");
        spec.holidays = holidays;
        let cal = spec.to_calendar().unwrap();
        assert!(cal.is_holiday(date(2031, 1, 1)));
        assert!(cal.is_holiday(date(2026, 12, 25)));
        assert!(!cal.is_holiday(date(2027, 12, 25)));
    }

    #[test]
    fn lf_line_ends_and_utc_times_without_a_calendar_zone() {
        let text = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nDTSTART:20261231T230000Z\n\
                    DTEND:20270101T010000Z\nSUMMARY:Late\nEND:VEVENT\nEND:VCALENDAR\n";
        // Without X-WR-TIMEZONE a UTC time's date is the UTC date; this one spans two.
        assert_eq!(
            holidays_from_ical(text).unwrap(),
            vec![
                HolidaySpec::dated(Some("Late"), date(2026, 12, 31)),
                HolidaySpec::dated(Some("Late"), date(2027, 1, 1)),
            ]
        );
        // With one, the local date: 23:00 UTC is already 00:00 in Berlin.
        let text = text.replace("VERSION:2.0", "VERSION:2.0\nX-WR-TIMEZONE:Europe/Berlin");
        assert_eq!(
            holidays_from_ical(&text).unwrap(),
            vec![HolidaySpec::dated(Some("Late"), date(2027, 1, 1))]
        );
    }

    #[test]
    fn durations_and_quoted_parameters() {
        let text = crlf(&[
            "BEGIN:VCALENDAR",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE;X-NOTE=\"a;b:c\":20260302",
            "DURATION:P3D",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;TZID=\"W. Europe Standard Time\":20260310T090000",
            "DURATION:P1W",
            "SUMMARY:  ",
            "END:VEVENT",
            "END:VCALENDAR",
        ]);
        let holidays = holidays_from_ical(&text).unwrap();
        let dates: Vec<NaiveDate> = holidays.iter().map(|h| h.date.unwrap()).collect();
        assert_eq!(
            dates,
            vec![
                date(2026, 3, 2),
                date(2026, 3, 3),
                date(2026, 3, 4),
                // 09:00 on the 10th to 09:00 on the 17th: eight dates.
                date(2026, 3, 10),
                date(2026, 3, 11),
                date(2026, 3, 12),
                date(2026, 3, 13),
                date(2026, 3, 14),
                date(2026, 3, 15),
                date(2026, 3, 16),
                date(2026, 3, 17),
            ]
        );
        assert!(holidays.iter().all(|h| h.name.is_none()));
        assert_eq!(parse_duration("P1DT12H"), Some(Duration::hours(36)));
        assert_eq!(parse_duration("PT90M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("-P1D"), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("P1H"), None);
        assert_eq!(parse_duration("P1"), None);
    }

    #[test]
    fn a_yearly_event_over_several_days() {
        let text = crlf(&[
            "BEGIN:VCALENDAR",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20251224",
            "DTEND;VALUE=DATE:20251227",
            "RRULE:FREQ=YEARLY;INTERVAL=1;WKST=MO",
            "SUMMARY:Christmas",
            "END:VEVENT",
            "END:VCALENDAR",
        ]);
        let yearly: Vec<String> = holidays_from_ical(&text)
            .unwrap()
            .into_iter()
            .map(|h| h.yearly.unwrap())
            .collect();
        assert_eq!(yearly, vec!["12-24", "12-25", "12-26"]);
    }

    #[test]
    fn text_unescaping() {
        assert_eq!(unescape_text(r"a\, b\; c\\d\ne\Nf"), "a, b; c\\d\ne\nf");
        assert_eq!(unescape_text(r"trailing\"), "trailing\\");
    }

    fn fails(lines: &[&str]) -> IcalError {
        holidays_from_ical(&crlf(lines)).unwrap_err()
    }

    fn event(props: &[&str]) -> IcalError {
        let mut lines = vec!["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT"];
        lines.extend_from_slice(props);
        lines.extend_from_slice(&["END:VEVENT", "END:VCALENDAR"]);
        fails(&lines)
    }

    #[test]
    fn other_recurrences_are_refused_with_their_line() {
        for rule in [
            "RRULE:FREQ=WEEKLY",
            "RRULE:FREQ=YEARLY;COUNT=3",
            "RRULE:FREQ=YEARLY;UNTIL=20300101",
            "RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO",
            "RRULE:FREQ=YEARLY;BYMONTH=6",
            "RRULE:FREQ=YEARLY;INTERVAL=2",
        ] {
            let e = event(&["DTSTART;VALUE=DATE:20260525", "SUMMARY:Memorial Day", rule]);
            assert_eq!(e.line, 6, "{rule}");
            assert!(e.message.contains("only yearly recurrence"), "{rule}: {e}");
        }
        let e = event(&["DTSTART;VALUE=DATE:20260525", "EXDATE;VALUE=DATE:20270525"]);
        assert_eq!(
            (e.line, e.to_string().starts_with("line 5: EXDATE")),
            (5, true)
        );
        assert_eq!(event(&["DTSTART:20260525", "RRULE:BYMONTH=5"]).line, 5);
    }

    #[test]
    fn broken_files_are_refused() {
        assert_eq!(holidays_from_ical("").unwrap_err().line, 0);
        assert_eq!(holidays_from_ical("just some text\n").unwrap_err().line, 1);
        let e = fails(&["BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART:20260101"]);
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "BEGIN:VEVENT is never ended")
        );
        let e = fails(&["BEGIN:VCALENDAR", "BEGIN:VEVENT", "END:VCALENDAR"]);
        assert_eq!(e.line, 3);
        assert!(e.message.contains("line 2"), "{e}");
        assert_eq!(fails(&["BEGIN:VEVENT", "END:VEVENT"]).line, 1);
        assert_eq!(fails(&[" folded", "BEGIN:VCALENDAR"]).line, 1);
        assert_eq!(
            fails(&["BEGIN:VCALENDAR", "END:VCALENDAR", "END:VCALENDAR"]).line,
            3
        );
        assert_eq!(
            fails(&["BEGIN:VCALENDAR", "no colon here", "END:VCALENDAR"]).line,
            2
        );

        assert_eq!(event(&["SUMMARY:No start"]).line, 3);
        assert_eq!(event(&["DTSTART;VALUE=DATE:20261301"]).line, 4);
        assert_eq!(event(&["DTSTART:2026-12-01"]).line, 4);
        assert_eq!(
            event(&["DTSTART;VALUE=PERIOD:20260101T000000Z/PT1H"]).line,
            4
        );
        assert_eq!(
            event(&["DTSTART;VALUE=DATE:20260105", "DTEND;VALUE=DATE:20260101"]).line,
            5
        );
        assert_eq!(
            event(&[
                "DTSTART;VALUE=DATE:20260105",
                "DTEND;VALUE=DATE:20260106",
                "DURATION:P1D"
            ])
            .line,
            6
        );
        assert_eq!(event(&["DTSTART:20260105", "DTSTART:20260106"]).line, 5);
        let e = event(&["DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20270103"]);
        assert_eq!(e.line, 4);
        assert!(e.message.contains("367 days"), "{e}");
        let year = crlf(&[
            "BEGIN:VCALENDAR",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20260101",
            "DTEND;VALUE=DATE:20270102",
            "END:VEVENT",
            "END:VCALENDAR",
        ]);
        assert_eq!(holidays_from_ical(&year).unwrap().len(), 366);
    }

    proptest::proptest! {
        /// Whatever is uploaded, the parser answers and never panics.
        #[test]
        fn never_panics_on_arbitrary_text(text in "(?s).{0,400}") {
            let _ = holidays_from_ical(&text);
        }

        /// Nor on a real file cut, spliced or with a line replaced by noise.
        #[test]
        fn never_panics_on_damaged_files(
            cut in 0usize..4000,
            at in 0usize..4000,
            noise in "[A-Za-z0-9;:=,\"\\ \t\r\n+-]{0,40}",
        ) {
            let text = german_holidays();
            let cut = text.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(text.len());
            let at = text.char_indices().map(|(i, _)| i).nth(at).unwrap_or(text.len());
            let _ = holidays_from_ical(&text[..cut]);
            let spliced = format!("{}{noise}{}", &text[..at], &text[at..]);
            let _ = holidays_from_ical(&spliced);
        }
    }

    #[test]
    fn size_limits() {
        let big = format!(
            "BEGIN:VCALENDAR\r\nX-PAD:{}\r\nEND:VCALENDAR\r\n",
            "x".repeat(MAX_ICAL_BYTES)
        );
        let e = holidays_from_ical(&big).unwrap_err();
        assert_eq!(e.line, 0);
        assert!(e.to_string().contains("at most"));

        let mut lines = vec!["BEGIN:VCALENDAR".to_string()];
        for year in 2000..2003 {
            lines.push("BEGIN:VEVENT".into());
            lines.push(format!("DTSTART;VALUE=DATE:{year}0101"));
            lines.push(format!("DTEND;VALUE=DATE:{}0101", year + 1));
            lines.push("END:VEVENT".into());
        }
        lines.push("END:VCALENDAR".into());
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let e = fails(&refs);
        assert_eq!(e.line, 10, "{e}");
        assert!(e.message.contains("more than 1000"));
    }
}
