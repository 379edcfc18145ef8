// The calendar form's state and its conversion to and from CalendarSpec. Intervals and
// holidays keep their order, so the server's pointers (`/week/monday/0/start`,
// `/holidays/3/yearly`) land on the row the admin sees.
import type { Schemas } from "../../../api/client";

export type CalendarSpec = Schemas["CalendarSpec"];
export type Weekday = keyof NonNullable<CalendarSpec["week"]>;

export const WEEKDAYS: { day: Weekday; label: string; short: string }[] = [
  { day: "monday", label: "Monday", short: "Mon" },
  { day: "tuesday", label: "Tuesday", short: "Tue" },
  { day: "wednesday", label: "Wednesday", short: "Wed" },
  { day: "thursday", label: "Thursday", short: "Thu" },
  { day: "friday", label: "Friday", short: "Fri" },
  { day: "saturday", label: "Saturday", short: "Sat" },
  { day: "sunday", label: "Sunday", short: "Sun" },
];

export interface IntervalDraft {
  start: string;
  end: string;
}

export interface HolidayDraft {
  name: string;
  kind: "date" | "yearly";
  /** "YYYY-MM-DD" for a date, "MM-DD" for yearly. */
  value: string;
}

export interface CalendarDraft {
  name: string;
  timeZone: string;
  week: Record<Weekday, IntervalDraft[]>;
  holidays: HolidayDraft[];
}

/** A new calendar: office hours Monday to Friday, in the browser's time zone. */
export function emptyCalendar(timeZone = "UTC"): CalendarDraft {
  const office = () => [{ start: "09:00", end: "17:00" }];
  return {
    name: "",
    timeZone,
    week: {
      monday: office(),
      tuesday: office(),
      wednesday: office(),
      thursday: office(),
      friday: office(),
      saturday: [],
      sunday: [],
    },
    holidays: [],
  };
}

export function holidaysToDraft(holidays: CalendarSpec["holidays"]): HolidayDraft[] {
  return (holidays ?? []).map((h) =>
    h.yearly
      ? { name: h.name ?? "", kind: "yearly", value: h.yearly }
      : { name: h.name ?? "", kind: "date", value: h.date ?? "" },
  );
}

export function calendarToDraft(name: string, spec: CalendarSpec): CalendarDraft {
  const week = {} as CalendarDraft["week"];
  for (const { day } of WEEKDAYS) week[day] = (spec.week?.[day] ?? []).map((i) => ({ ...i }));
  return { name, timeZone: spec.time_zone, week, holidays: holidaysToDraft(spec.holidays) };
}

/** The spec to PUT. Days without intervals are left out (days off). */
export function draftToCalendar(d: CalendarDraft): CalendarSpec {
  const week: NonNullable<CalendarSpec["week"]> = {};
  for (const { day } of WEEKDAYS) {
    const intervals = d.week[day].map((i) => ({ start: i.start.trim(), end: i.end.trim() }));
    if (intervals.length) week[day] = intervals;
  }
  return {
    time_zone: d.timeZone,
    week,
    holidays: d.holidays.map((h) => ({
      name: h.name.trim() || null,
      ...(h.kind === "date" ? { date: h.value.trim() } : { yearly: h.value.trim() }),
    })),
  };
}

/** Minutes of working time in a week ("HH:MM" texts that do not parse count nothing). */
export function weeklyMinutes(week: CalendarSpec["week"]): number {
  const minutes = (t: string) => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  let total = 0;
  for (const { day } of WEEKDAYS) {
    for (const i of week?.[day] ?? []) {
      const span = minutes(i.end) - minutes(i.start);
      if (span > 0) total += span;
    }
  }
  return total;
}

/** "Mon 09:00–17:00; Tue 09:00–12:00, 13:00–17:00" for the list. */
export function weekSummary(week: CalendarSpec["week"]): string {
  const days = WEEKDAYS.filter(({ day }) => (week?.[day] ?? []).length > 0).map(
    ({ day, short }) => `${short} ${(week?.[day] ?? []).map((i) => `${i.start}–${i.end}`).join(", ")}`,
  );
  return days.length ? days.join("; ") : "No working time";
}

/** Every IANA time zone the browser knows (UTC first), for the time zone picker. */
export function timeZones(): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...known.filter((z) => z !== "UTC")];
}

/** Weekly working time in hours: 2400 minutes -> "40h", 2250 -> "37.5h". */
export function formatHours(minutes: number): string {
  const hours = minutes / 60;
  return `${Number.isInteger(hours) ? hours : hours.toFixed(1).replace(/\.0$/, "")}h`;
}
