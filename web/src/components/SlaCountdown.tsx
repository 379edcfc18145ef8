// A live SLA countdown badge. One shared ticking clock re-renders every badge once a
// second, rather than a timer per row. The due time is the badge's title (a Mantine
// Tooltip per row cost more to mount than the rest of the row).
import { useSyncExternalStore } from "react";
import { countdown, METRIC_LABELS, type Metric } from "../lib/sla";
import { PlainBadge } from "./badges";

let now = new Date();
const subscribers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(cb: () => void) {
  subscribers.add(cb);
  if (!timer) {
    timer = setInterval(() => {
      now = new Date();
      subscribers.forEach((s) => s());
    }, 1000);
  }
  return () => {
    subscribers.delete(cb);
    if (subscribers.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The current time, updated once a second while anything shows a countdown. */
export function useNow(): Date {
  return useSyncExternalStore(subscribe, () => now);
}

const COLORS = { breached: "red", warning: "orange", ok: "gray" } as const;

export function SlaCountdown({ due, metric }: { due: string; metric?: Metric }) {
  const c = countdown(due, useNow());
  const when = new Date(due).toLocaleString();
  return (
    <PlainBadge
      color={COLORS[c.urgency]}
      variant={c.urgency === "ok" ? "light" : "filled"}
      data-urgency={c.urgency}
      title={`${metric ? METRIC_LABELS[metric] + " due " : "Due "}${when}`}
      style={{ fontVariantNumeric: "tabular-nums" }}
    >
      {c.label}
    </PlainBadge>
  );
}
