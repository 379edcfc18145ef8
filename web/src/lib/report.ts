// The SLA report screen's pure parts: the query it sends (the same for the JSON view and
// the CSV download), period presets, and the report rows reshaped for the chart.
import type { Schemas } from "../api/client";

export type ReportRow = Schemas["ReportRow"];
export type MetricStats = Schemas["MetricStats"];
export type GroupBy = Schemas["GroupBy"];
export type ReportMetric = "first_response" | "next_response" | "resolution";

export const REPORT_METRICS: ReportMetric[] = ["first_response", "next_response", "resolution"];

export interface ReportPeriod {
  /** Start of the period, inclusive. */
  from: Date;
  /** End of the period, exclusive. */
  to: Date;
}

/**
 * The period "last N days" ending now: the server counts clocks started in [from, to),
 * so `to` is now and `from` the same instant N days earlier.
 */
export function lastDays(days: number, now: Date): ReportPeriod {
  return { from: new Date(now.getTime() - days * 86_400_000), to: now };
}

/**
 * A period from two calendar dates as picked in the UI: from the start of `fromDay` to
 * the end of `toDay` (the next day's midnight, since `to` is exclusive), local time.
 */
export function periodFromDays(fromDay: Date, toDay: Date): ReportPeriod {
  const from = new Date(fromDay.getFullYear(), fromDay.getMonth(), fromDay.getDate());
  const to = new Date(toDay.getFullYear(), toDay.getMonth(), toDay.getDate() + 1);
  return { from, to };
}

/** The report's query parameters, in a stable order (they also key the cache). */
export function reportParams(period: ReportPeriod, groupBy: GroupBy): URLSearchParams {
  return new URLSearchParams({
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    group_by: groupBy,
  });
}

/** One bar group of the chart: a report group with met/breached per metric. */
export type ChartDatum = { group: string } & Record<`${ReportMetric}_${"met" | "breached"}`, number>;

/** Report rows as chart data: one entry per group, met and breached counts per metric. */
export function chartData(rows: ReportRow[]): ChartDatum[] {
  return rows.map((row) => ({
    group: row.group,
    first_response_met: row.first_response.met,
    first_response_breached: row.first_response.breached,
    next_response_met: row.next_response.met,
    next_response_breached: row.next_response.breached,
    resolution_met: row.resolution.met,
    resolution_breached: row.resolution.breached,
  }));
}

/** Whether the report has anything to draw (all groups empty draws an empty chart). */
export function hasCounts(rows: ReportRow[]): boolean {
  return rows.some((r) => REPORT_METRICS.some((m) => r[m].total > 0));
}

/** A rate (0..1) as a percentage, "—" when there is nothing to rate. */
export function formatRate(rate: number | null | undefined): string {
  if (rate == null || !Number.isFinite(rate)) return "—";
  const pct = rate * 100;
  return `${Number.isInteger(pct) ? pct : pct.toFixed(1)}%`;
}

/** The CSV download's file name: sla-report-<group>-<from day>-to-<last day>.csv. */
export function csvFileName(period: ReportPeriod, groupBy: GroupBy): string {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  // `to` is exclusive: name the file after the last day it covers.
  const lastDay = new Date(period.to.getTime() - 1);
  return `sla-report-${groupBy}-${day(period.from)}-to-${day(lastDay)}.csv`;
}
