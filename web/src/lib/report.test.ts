import { describe, expect, it } from "vitest";
import {
  chartData,
  csvFileName,
  formatRate,
  hasCounts,
  lastDays,
  periodFromDays,
  reportParams,
  type MetricStats,
  type ReportRow,
} from "./report";

const stats = (met: number, breached: number): MetricStats => ({
  total: met + breached,
  met,
  breached,
  met_rate: met + breached ? met / (met + breached) : null,
  breached_rate: met + breached ? breached / (met + breached) : null,
});

const row = (group: string, fr: [number, number], nr: [number, number], res: [number, number]): ReportRow => ({
  group,
  first_response: stats(...fr),
  next_response: stats(...nr),
  resolution: stats(...res),
});

describe("chartData", () => {
  it("gives each group its met and breached counts per metric", () => {
    const data = chartData([row("P1", [3, 1], [0, 0], [2, 2]), row("P2", [5, 0], [1, 4], [0, 1])]);
    expect(data).toEqual([
      {
        group: "P1",
        first_response_met: 3,
        first_response_breached: 1,
        next_response_met: 0,
        next_response_breached: 0,
        resolution_met: 2,
        resolution_breached: 2,
      },
      {
        group: "P2",
        first_response_met: 5,
        first_response_breached: 0,
        next_response_met: 1,
        next_response_breached: 4,
        resolution_met: 0,
        resolution_breached: 1,
      },
    ]);
  });

  it("knows when there is nothing to draw", () => {
    expect(hasCounts([row("P1", [0, 0], [0, 0], [0, 0])])).toBe(false);
    expect(hasCounts([row("P1", [0, 0], [0, 0], [0, 1])])).toBe(true);
    expect(hasCounts([])).toBe(false);
  });
});

describe("periods", () => {
  it("last N days ends now", () => {
    const now = new Date("2026-03-31T12:00:00Z");
    const p = lastDays(7, now);
    expect(p.to).toEqual(now);
    expect(p.from.toISOString()).toBe("2026-03-24T12:00:00.000Z");
  });

  it("picked days cover the whole last day", () => {
    const p = periodFromDays(new Date(2026, 0, 1, 15), new Date(2026, 0, 31, 9));
    expect(p.from).toEqual(new Date(2026, 0, 1));
    expect(p.to).toEqual(new Date(2026, 1, 1));
  });

  it("sends RFC 3339 instants and the grouping", () => {
    const q = reportParams(
      { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2026-02-01T00:00:00Z") },
      "team",
    );
    expect(q.toString()).toBe(
      "from=2026-01-01T00%3A00%3A00.000Z&to=2026-02-01T00%3A00%3A00.000Z&group_by=team",
    );
  });

  it("names the CSV after the days it covers", () => {
    const p = { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2026-02-01T00:00:00Z") };
    expect(csvFileName(p, "priority")).toBe("sla-report-priority-2026-01-01-to-2026-01-31.csv");
  });
});

describe("formatRate", () => {
  it.each([
    [null, "—"],
    [1, "100%"],
    [0, "0%"],
    [0.5, "50%"],
    [2 / 3, "66.7%"],
  ])("prints %s as %s", (rate, text) => {
    expect(formatRate(rate)).toBe(text);
  });
});
