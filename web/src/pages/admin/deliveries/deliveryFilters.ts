// The delivery log's filters, kept in the address (so a webhook can link to its own
// deliveries and the back button works), and the API query they make.

export interface DeliveryFilters {
  status: string;
  channel: string;
  target: string;
  ticket: string;
}

export const STATUSES = ["pending", "delivered", "dead"] as const;
export const CHANNELS = ["webhook", "email"] as const;

export function filtersFrom(search: URLSearchParams): DeliveryFilters {
  const get = (k: string) => (search.get(k) ?? "").trim();
  return { status: get("status"), channel: get("channel"), target: get("target"), ticket: get("ticket") };
}

/** The query string for the address and the cache key: only the filters that are set. */
export function filtersToSearch(f: DeliveryFilters): string {
  const out = new URLSearchParams();
  for (const k of ["status", "channel", "target", "ticket"] as const) {
    const v = f[k].trim();
    if (v) out.set(k, v);
  }
  return out.toString();
}

/** The `GET /deliveries` query: the set filters, a page's cursor. */
export function deliveryQuery(f: DeliveryFilters, cursor?: string | null) {
  const q: { status?: string; channel?: string; target?: string; ticket?: string; limit: number; cursor?: string } = { limit: 50 };
  for (const k of ["status", "channel", "target", "ticket"] as const) {
    const v = f[k].trim();
    if (v) q[k] = v;
  }
  if (cursor) q.cursor = cursor;
  return q;
}

/** Retrying by hand makes sense for what is not delivered yet. */
export function canRetry(status: string): boolean {
  return status === "dead" || status === "pending";
}

export function statusColor(status: string): string {
  return status === "delivered" ? "green" : status === "dead" ? "red" : status === "pending" ? "yellow" : "gray";
}

/** A delivery's body as the drawer shows it. */
export function prettyJson(body: unknown): string {
  return JSON.stringify(body, null, 2);
}
