import { describe, expect, it } from "vitest";
import { countdown, formatDuration, nextDue } from "./sla";

const now = new Date("2026-11-22T10:00:00Z");

describe("formatDuration", () => {
  it("keeps the two largest units", () => {
    expect(formatDuration(45_000)).toBe("45s");
    expect(formatDuration(7 * 60_000 + 30_000)).toBe("7m 30s");
    expect(formatDuration(2 * 3600_000 + 5 * 60_000 + 59_000)).toBe("2h 05m");
    expect(formatDuration(3 * 86400_000 + 4 * 3600_000 + 59 * 60_000)).toBe("3d 4h");
  });
  it("reads the magnitude of negative durations", () => {
    expect(formatDuration(-90_000)).toBe("1m 30s");
  });
});

describe("countdown", () => {
  it("is ok far from the due time", () => {
    const c = countdown("2026-11-22T13:00:00Z", now);
    expect(c).toEqual({ remainingMs: 3 * 3600_000, label: "in 3h 00m", urgency: "ok" });
  });
  it("warns within the last hour, inclusive", () => {
    expect(countdown("2026-11-22T11:00:00Z", now).urgency).toBe("warning");
    expect(countdown("2026-11-22T11:00:01Z", now).urgency).toBe("ok");
    expect(countdown("2026-11-22T10:00:01Z", now).label).toBe("in 1s");
  });
  it("is breached at and after the due time", () => {
    expect(countdown("2026-11-22T10:00:00Z", now).urgency).toBe("breached");
    const late = countdown("2026-11-21T08:00:00Z", now);
    expect(late.label).toBe("1d 2h overdue");
    expect(late.remainingMs).toBeLessThan(0);
  });
  it("takes a custom warning window", () => {
    expect(countdown("2026-11-22T12:00:00Z", now, 3 * 3600_000).urgency).toBe("warning");
  });
});

describe("nextDue", () => {
  it("picks the earliest running clock", () => {
    expect(
      nextDue({
        first_response_due_at: "2026-11-22T12:00:00Z",
        next_response_due_at: null,
        resolution_due_at: "2026-11-22T11:00:00Z",
      }),
    ).toEqual({ metric: "resolution", due: "2026-11-22T11:00:00Z" });
  });
  it("is null when nothing runs", () => {
    expect(nextDue({})).toBeNull();
  });
});
