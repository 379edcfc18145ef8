// SLA countdowns: how long until (or since) a due time, in words an agent reads at a
// glance, and how urgent that is. Pure functions of (due, now) so they are testable.
import type { Schemas } from "../api/client";
import { formatSeconds } from "./durations";

export type Urgency = "breached" | "warning" | "ok";

export interface Countdown {
  /** Milliseconds until due; negative once overdue. */
  remainingMs: number;
  /** "in 2h 05m", "in 45s", "3d 4h overdue". */
  label: string;
  urgency: Urgency;
}

/** Within this much of the due time a clock shows as a warning. */
export const WARNING_MS = 60 * 60 * 1000;

/**
 * Milliseconds in the two largest units that matter: 3d 4h, 2h 05m, 7m 30s, 45s. Whole
 * seconds are cut, not rounded, so a clock reads "in 1s" until it is due.
 */
export function formatDuration(ms: number): string {
  return formatSeconds(Math.floor(Math.abs(ms) / 1000));
}

export function countdown(due: string | Date, now: Date, warningMs = WARNING_MS): Countdown {
  const remainingMs = new Date(due).getTime() - now.getTime();
  if (remainingMs <= 0) {
    return { remainingMs, label: `${formatDuration(remainingMs)} overdue`, urgency: "breached" };
  }
  return {
    remainingMs,
    label: `in ${formatDuration(remainingMs)}`,
    urgency: remainingMs <= warningMs ? "warning" : "ok",
  };
}

export type Metric = "first_response" | "next_response" | "resolution";

export const METRIC_LABELS: Record<Metric, string> = {
  first_response: "First response",
  next_response: "Next response",
  resolution: "Resolution",
};

/** The clock that falls due first among a ticket's running ones, if any is running. */
export function nextDue(sla: Schemas["SlaDue"]): { metric: Metric; due: string } | null {
  const candidates: [Metric, string | null | undefined][] = [
    ["first_response", sla.first_response_due_at],
    ["next_response", sla.next_response_due_at],
    ["resolution", sla.resolution_due_at],
  ];
  let best: { metric: Metric; due: string } | null = null;
  for (const [metric, due] of candidates) {
    if (due && (!best || new Date(due) < new Date(best.due))) best = { metric, due };
  }
  return best;
}
