import { describe, expect, it } from "vitest";
import { calendarToDraft, draftToCalendar, emptyCalendar, formatHours, weekSummary, weeklyMinutes, type CalendarSpec } from "./calendarDraft";

const berlin: CalendarSpec = {
  time_zone: "Europe/Berlin",
  week: {
    monday: [
      { start: "09:00", end: "12:00" },
      { start: "13:00", end: "17:00" },
    ],
    friday: [{ start: "09:00", end: "24:00" }],
  },
  holidays: [
    { name: "Christmas Day", yearly: "12-25" },
    { name: "Company offsite", date: "2026-09-18" },
  ],
};

describe("calendar drafts", () => {
  it("round-trips a calendar", () => {
    const d = calendarToDraft("berlin", berlin);
    expect(d.week.tuesday).toEqual([]);
    expect(d.holidays[0]).toEqual({ name: "Christmas Day", kind: "yearly", value: "12-25" });
    expect(draftToCalendar(d)).toEqual(berlin);
  });

  it("sends nameless holidays with a null name and trims times", () => {
    const d = emptyCalendar("UTC");
    d.week.monday = [{ start: " 08:00", end: "16:00 " }];
    d.holidays = [{ name: " ", kind: "date", value: "2026-01-01" }];
    const spec = draftToCalendar(d);
    expect(spec.week?.monday).toEqual([{ start: "08:00", end: "16:00" }]);
    expect(spec.week?.saturday).toBeUndefined();
    expect(spec.holidays).toEqual([{ name: null, date: "2026-01-01" }]);
  });

  it("sums and summarises the working week", () => {
    expect(weeklyMinutes(berlin.week)).toBe(7 * 60 + 15 * 60);
    expect(weeklyMinutes(emptyCalendar().week)).toBe(40 * 60);
    expect(weekSummary(berlin.week)).toBe("Mon 09:00–12:00, 13:00–17:00; Fri 09:00–24:00");
    expect(weekSummary({})).toBe("No working time");
    expect(formatHours(2400)).toBe("40h");
    expect(formatHours(2250)).toBe("37.5h");
  });
});
