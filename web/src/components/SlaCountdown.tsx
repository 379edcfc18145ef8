// A live SLA countdown badge. One shared ticking clock re-renders every badge once a
// second, rather than a timer per row.
import { useSyncExternalStore } from "react";
import { Badge, Tooltip } from "@mantine/core";
import { countdown, METRIC_LABELS, type Metric } from "../lib/sla";

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
    <Tooltip label={`${metric ? METRIC_LABELS[metric] + " due " : "Due "}${when}`}>
      <Badge
        color={COLORS[c.urgency]}
        variant={c.urgency === "ok" ? "light" : "filled"}
        data-urgency={c.urgency}
        style={{ fontVariantNumeric: "tabular-nums" }}
      >
        {c.label}
      </Badge>
    </Tooltip>
  );
}
