// Live updates: one EventSource on `GET /api/v1/stream` per tab. A change to a ticket
// (by anyone, in any instance) invalidates the cached ticket queries, so the screens
// showing them refetch in place; listeners (the queue) can also mark what changed.
import { useEffect, useSyncExternalStore } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "./api/client";
import { keys } from "./api/keys";
import { ME_KEY } from "./auth";

/** One `ticket` event from the stream, as the API documents it. */
export type TicketChange = Schemas["TicketChange"];

type Listener = (change: TicketChange) => void;
const listeners = new Set<Listener>();

/** Be told of every ticket change; returns the unsubscribe function. */
export function onTicketChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export type LiveStatus = "connecting" | "live" | "offline";
let status: LiveStatus = "connecting";
const statusListeners = new Set<() => void>();
function setStatus(next: LiveStatus) {
  status = next;
  statusListeners.forEach((l) => l());
}

/** Whether the live stream is connected, for the indicator in the header. */
export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(
    (cb) => {
      statusListeners.add(cb);
      return () => statusListeners.delete(cb);
    },
    () => status,
  );
}

/** Parse one event's data; anything malformed is dropped rather than thrown. */
export function parseChange(data: string): TicketChange | null {
  try {
    const v = JSON.parse(data);
    if (typeof v?.key === "string" && Array.isArray(v?.changes)) return v as TicketChange;
  } catch {
    // fall through
  }
  return null;
}

/** How long to wait before reopening a closed stream: 1s, doubling up to 30s. */
export const RECONNECT_MIN_MS = 1000;
export const RECONNECT_MAX_MS = 30_000;
export function nextReconnectDelay(previous: number): number {
  return Math.min(previous * 2, RECONNECT_MAX_MS);
}

/** Open the stream for as long as the signed-in shell is mounted. */
export function useLiveUpdates() {
  const client = useQueryClient();
  useEffect(() => {
    // EventSource reconnects by itself (resuming with Last-Event-ID) after a dropped
    // connection, but gives up for good on an HTTP error (a 401, a proxy's 502, a server
    // restarting): then it is reopened here, backing off, one source at a time.
    let source: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | null = null;
    let delay = RECONNECT_MIN_MS;
    let hadError = false;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const changedKeys = new Set<string>();
    const flush = () => {
      pending = null;
      // Lists may gain or lose rows from any change; refetch the ones on screen.
      client.invalidateQueries({ queryKey: [...keys.tickets, "list"] });
      changedKeys.forEach((key) => client.invalidateQueries({ queryKey: keys.ticket(key) }));
      changedKeys.clear();
    };

    const open = () => {
      reopen = null;
      const es = new EventSource("/api/v1/stream");
      source = es;
      es.onopen = () => {
        setStatus("live");
        delay = RECONNECT_MIN_MS;
        if (hadError) {
          // Changes may have been missed while away, and the session may have changed.
          hadError = false;
          client.invalidateQueries({ queryKey: ME_KEY });
          client.invalidateQueries({ queryKey: keys.tickets });
        }
      };
      es.onerror = () => {
        hadError = true;
        if (es.readyState !== EventSource.CLOSED) {
          setStatus("connecting");
          return;
        }
        setStatus("offline");
        es.close();
        // A 401 closes the stream too: asking who is signed in shows the login page then.
        client.invalidateQueries({ queryKey: ME_KEY });
        reopen = setTimeout(open, delay);
        delay = nextReconnectDelay(delay);
      };
      // The server lost track of what this tab missed (a long disconnect, or it fell
      // behind): refetch every ticket query on screen.
      es.addEventListener("resync", () => {
        client.invalidateQueries({ queryKey: keys.tickets });
      });
      es.addEventListener("ticket", (e) => {
        const change = parseChange((e as MessageEvent).data);
        if (!change) return;
        changedKeys.add(change.key);
        listeners.forEach((l) => l(change));
        // A burst of changes (a bulk edit, a busy minute) becomes one refetch.
        if (!pending) pending = setTimeout(flush, 250);
      });
    };
    open();

    return () => {
      source?.close();
      if (reopen) clearTimeout(reopen);
      if (pending) clearTimeout(pending);
      setStatus("connecting");
    };
  }, [client]);
}
