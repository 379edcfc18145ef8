// Bulk actions on queue rows, as pure logic: which statuses several tickets can all move
// to, which PATCH each ticket needs for one change, running them a few at a time, and
// what to tell the user afterwards. The queue's bulk bar does the I/O.
import { ApiError, type Schemas, type Ticket } from "../api/client";

export type Workflow = Schemas["Workflow"];
export type TicketUpdate = Schemas["TicketUpdate"];
export type Priority = Schemas["Priority"];

/** How many PATCH requests are in flight at once: enough to be quick, few enough to be polite. */
export const BULK_CONCURRENCY = 4;

/** One change applied to every selected ticket. */
export type BulkChange =
  | { kind: "assignee"; assigneeId: number | null }
  | { kind: "priority"; priority: Priority }
  | { kind: "team"; team: string | null }
  | { kind: "status"; status: string }
  | { kind: "addTag"; tag: string };

/** What a bulk action needs of a row: the version it was read at and the values it may change. */
export type BulkTicket = Pick<Ticket, "key" | "version" | "type" | "status" | "priority" | "assignee_id" | "team" | "tags">;

/** One PATCH to send: only the change, against the version the row showed. */
export interface BulkRequest {
  key: string;
  /** The `If-Match` header: the row's version as an ETag, so a newer change is not overwritten. */
  ifMatch: string;
  body: TicketUpdate;
}

export interface BulkPlan {
  requests: BulkRequest[];
  /** Keys of tickets that already have the change: nothing is sent for them. */
  unchanged: string[];
}

/** The type every ticket is of, or null when they differ (or there are none). */
export function commonType(tickets: Pick<Ticket, "type">[]): string | null {
  if (tickets.length === 0) return null;
  const type = tickets[0].type;
  return tickets.every((t) => t.type === type) ? type : null;
}

/** The states a ticket in `from` may move to in one step (`*` means any state; never `from`). */
export function allowedFrom(workflow: Workflow, from: string): Set<string> {
  const out = new Set<string>();
  for (const t of workflow.transitions) {
    if (t.to !== from && t.from.some((f) => f === from || f === "*")) out.add(t.to);
  }
  return out;
}

/**
 * The statuses every ticket can end up in with one PATCH, in the workflow's order: each
 * ticket either may move there or is already there (the server accepts staying put). A
 * status all of them are already in changes nothing, so it is not offered.
 */
export function commonReachableStatuses(workflow: Workflow, currentStatuses: string[]): string[] {
  if (currentStatuses.length === 0) return [];
  const allowed = new Map<string, Set<string>>();
  for (const s of new Set(currentStatuses)) allowed.set(s, allowedFrom(workflow, s));
  return workflow.states
    .map((s) => s.name)
    .filter((to) => currentStatuses.some((from) => from !== to))
    .filter((to) => currentStatuses.every((from) => from === to || allowed.get(from)!.has(to)));
}

/** A tag as the server stores it: trimmed and lower case. */
export function normalizeTag(tag: string): string {
  return tag.trim().toLowerCase();
}

/** The body that makes `change` on `ticket`, or null when the ticket already has it. */
export function updateFor(ticket: BulkTicket, change: BulkChange): TicketUpdate | null {
  switch (change.kind) {
    case "assignee":
      return (ticket.assignee_id ?? null) === change.assigneeId ? null : { assignee_id: change.assigneeId };
    case "priority":
      return ticket.priority === change.priority ? null : { priority: change.priority };
    case "team":
      return (ticket.team ?? null) === change.team ? null : { team: change.team };
    case "status":
      return ticket.status === change.status ? null : { status: change.status };
    case "addTag": {
      const tag = normalizeTag(change.tag);
      // Tags are replaced as a whole; If-Match keeps a concurrent tag edit from being lost.
      return ticket.tags.includes(tag) ? null : { tags: [...ticket.tags, tag] };
    }
  }
}

/** One request per ticket that needs the change, each carrying only that change. */
export function planBulk(tickets: BulkTicket[], change: BulkChange): BulkPlan {
  const plan: BulkPlan = { requests: [], unchanged: [] };
  for (const t of tickets) {
    const body = updateFor(t, change);
    if (body) plan.requests.push({ key: t.key, ifMatch: `"${t.version}"`, body });
    else plan.unchanged.push(t.key);
  }
  return plan;
}

/**
 * Run `task` over `items` with at most `limit` in flight; results in the items' order.
 * A task that throws rejects the whole run, so callers catch inside `task`.
 */
export async function runLimited<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

export type BulkOutcome = { key: string; ok: true } | { key: string; ok: false; detail: string };

/** Why one ticket's update failed, in words for the list of failures. */
export function failureDetail(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.status === 412) return "changed since you loaded it; reload and try again";
  if (error.status === 404) return "no longer exists";
  if (error.status === 403) return "you may not change it";
  const fields = error.fieldErrors.map((e) => e.message);
  if (fields.length > 0) return fields.join("; ");
  return error.problem.detail || error.problem.title || `HTTP ${error.status}`;
}

/** Send every request, at most `limit` at once; a failure is recorded, never thrown. */
export function sendAll(
  requests: BulkRequest[],
  send: (request: BulkRequest) => Promise<unknown>,
  limit = BULK_CONCURRENCY,
): Promise<BulkOutcome[]> {
  return runLimited(requests, limit, async (request): Promise<BulkOutcome> => {
    try {
      await send(request);
      return { key: request.key, ok: true };
    } catch (error) {
      return { key: request.key, ok: false, detail: failureDetail(error) };
    }
  });
}

export interface BulkSummary {
  /** "Updated 7 of 8 tickets", plus how many already had the change. */
  message: string;
  /** Keys that now have the change (updated, or already so): unselected afterwards. */
  done: string[];
  /** Keys that were not updated, with why: they stay selected. */
  failed: { key: string; detail: string }[];
}

const tickets = (n: number) => (n === 1 ? "ticket" : "tickets");

export function summarize(outcomes: BulkOutcome[], unchanged: string[] = []): BulkSummary {
  const updated = outcomes.filter((o) => o.ok).map((o) => o.key);
  const failed = outcomes.flatMap((o) => (o.ok ? [] : [{ key: o.key, detail: o.detail }]));
  let message = `Updated ${updated.length} of ${outcomes.length} ${tickets(outcomes.length)}`;
  if (outcomes.length === 0) message = `Nothing to update: ${unchanged.length} ${tickets(unchanged.length)} already had this`;
  else if (unchanged.length > 0) message += `; ${unchanged.length} already had this`;
  return { message, done: [...updated, ...unchanged], failed };
}
