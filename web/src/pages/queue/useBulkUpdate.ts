// Applies one bulk change: a PATCH per ticket (only that change, If-Match the row's
// version, a few at a time), then a summary notification, the failures kept for an alert,
// and the list refetched.
import { useState } from "react";
import { notifications } from "@mantine/notifications";
import { api, unwrap } from "../../api/client";
import { keys } from "../../api/keys";
import { useInvalidate } from "../../api/useInvalidate";
import { planBulk, sendAll, summarize, type BulkChange, type BulkRequest, type BulkSummary, type BulkTicket } from "../../lib/bulk";

function send(request: BulkRequest) {
  return unwrap(
    api.PATCH("/tickets/{key}", {
      params: { path: { key: request.key }, header: { "If-Match": request.ifMatch } },
      body: request.body,
    }),
  );
}

export interface BulkUpdate {
  running: boolean;
  /** The failures of the last run, until dismissed or the next run. */
  failures: BulkSummary["failed"];
  dismissFailures(): void;
  /**
   * Apply `change` to `tickets`. `onSent` gets the summary as soon as every request has
   * answered (to untick the done rows before they are refetched); the promise resolves
   * with it once the list is refetched.
   */
  apply(tickets: BulkTicket[], change: BulkChange, onSent?: (summary: BulkSummary) => void): Promise<BulkSummary>;
}

export function useBulkUpdate(): BulkUpdate {
  const [running, setRunning] = useState(false);
  const [failures, setFailures] = useState<BulkSummary["failed"]>([]);
  const refetch = useInvalidate(keys.tickets);

  async function apply(tickets: BulkTicket[], change: BulkChange, onSent?: (summary: BulkSummary) => void) {
    setRunning(true);
    setFailures([]);
    try {
      const plan = planBulk(tickets, change);
      const summary = summarize(await sendAll(plan.requests, send), plan.unchanged);
      notifications.show({
        message: summary.message,
        color: summary.failed.length === 0 ? "green" : "orange",
      });
      setFailures(summary.failed);
      onSent?.(summary);
      await refetch();
      return summary;
    } finally {
      setRunning(false);
    }
  }

  return { running, failures, dismissFailures: () => setFailures([]), apply };
}
