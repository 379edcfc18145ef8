// The ticket screen's decisions, as pure functions: which statuses to offer, what a
// save sends, who may work a ticket, and how an audit entry reads.
import type { Schemas, Ticket } from "../../api/client";
import type { User, Workflow } from "../../api/queries";
import { isActor } from "../../lib/people";
import { statusLabel } from "../../lib/workflow";
import { ruleOf } from "../../lib/routing";

type AuditEvent = Schemas["EventOut"];

/**
 * The statuses the Status control offers: the current one and every target a transition
 * allows from it (`"*"` in `from` means any state), in the workflow's display order.
 */
export function allowedStatuses(workflow: Workflow, current: string): string[] {
  const targets = new Set([current]);
  for (const t of workflow.transitions) {
    if (t.from.includes("*") || t.from.includes(current)) targets.add(t.to);
  }
  const ordered = workflow.states.map((s) => s.name).filter((n) => targets.has(n));
  // A status the workflow no longer declares still shows as current.
  return ordered.includes(current) ? ordered : [current, ...ordered];
}

/** The targets a refused move lists ("...; allowed from `new`: open, pending"). */
export function allowedTargetsInMessage(message: string): string[] {
  const m = /allowed from `[^`]*`: (.+)$/.exec(message);
  return m ? m[1].split(",").map((s) => s.trim()).filter(Boolean) : [];
}

/** The core fields the ticket screen edits. */
export interface CoreDraft {
  title?: string;
  status?: string;
  priority?: Schemas["Priority"];
  assignee_id?: number | null;
  team?: string | null;
  tags?: string[];
}

function sameTags(a: string[], b: string[]) {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/**
 * The PATCH body for a draft: only the members whose value differs from the ticket as
 * it is now, so a save never overwrites what it did not change.
 */
export function coreUpdate(ticket: Ticket, draft: CoreDraft): Schemas["TicketUpdate"] {
  const out: Schemas["TicketUpdate"] = {};
  if (draft.title !== undefined && draft.title.trim() !== ticket.title) out.title = draft.title.trim();
  if (draft.status !== undefined && draft.status !== ticket.status) out.status = draft.status;
  if (draft.priority !== undefined && draft.priority !== ticket.priority) out.priority = draft.priority;
  if (draft.assignee_id !== undefined && draft.assignee_id !== (ticket.assignee_id ?? null)) out.assignee_id = draft.assignee_id;
  if (draft.team !== undefined && draft.team !== (ticket.team ?? null)) out.team = draft.team;
  if (draft.tags !== undefined && !sameTags(draft.tags, ticket.tags)) out.tags = draft.tags;
  return out;
}

/**
 * A draft of core properties with the ticket it started from. Saves send If-Match of the
 * base's version, so a change someone else made meanwhile (even only a tag added) is
 * refused rather than overwritten.
 */
export interface CoreEdit {
  base: Ticket;
  draft: CoreDraft;
}

function withoutUndefined(draft: CoreDraft): CoreDraft {
  return Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== undefined)) as CoreDraft;
}

/** The edit with `patch` applied; a new one starts from the ticket as it is now. */
export function editCore(edit: CoreEdit | null, ticket: Ticket, patch: CoreDraft): CoreEdit {
  return { base: edit?.base ?? ticket, draft: { ...(edit?.draft ?? {}), ...patch } };
}

/** The edit without some draft members; none left when the draft is empty. */
export function dropDraftKeys(edit: CoreEdit | null, names: (keyof CoreDraft)[]): CoreEdit | null {
  if (!edit) return null;
  const draft = { ...edit.draft };
  for (const n of names) delete draft[n];
  return Object.keys(withoutUndefined(draft)).length > 0 ? { ...edit, draft } : null;
}

/** My tag additions and removals (from `base` to `mine`) applied to `fresh`. */
export function rebaseTags(base: string[], mine: string[], fresh: string[]): string[] {
  const added = mine.filter((t) => !base.includes(t));
  const removed = new Set(base.filter((t) => !mine.includes(t)));
  const out = fresh.filter((t) => !removed.has(t));
  for (const t of added) if (!out.includes(t)) out.push(t);
  return out;
}

/** The edit moved onto newer data: the draft's values stay, tags as additions/removals. */
export function rebaseCore(edit: CoreEdit, fresh: Ticket): CoreEdit {
  const draft = { ...edit.draft };
  if (draft.tags !== undefined) draft.tags = rebaseTags(edit.base.tags, draft.tags, fresh.tags);
  return { base: fresh, draft };
}

function sameValue(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) ? sameTags(a, b) : a === b;
}

/**
 * The edit once a save succeeded: `sent` is the draft as it was sent, against
 * `sentVersion`, and `saved` the ticket the server returned. Members still as sent are
 * done; what was typed meanwhile stays. When nobody else wrote in between (the save was
 * against the base), the rest moves onto the saved ticket.
 */
export function afterCoreSaved(edit: CoreEdit | null, sent: CoreDraft, sentVersion: number, saved: Ticket): CoreEdit | null {
  if (!edit) return null;
  const done = (Object.keys(sent) as (keyof CoreDraft)[]).filter((k) => sameValue(edit.draft[k], sent[k]));
  const rest = dropDraftKeys(edit, done);
  if (!rest) return null;
  return rest.base.version === sentVersion ? rebaseCore(rest, saved) : rest;
}

/** An actor as a person's name: the user's display name when known. */
export function actorName(actor: string, users: User[]): string {
  if (actor === "sla") return "SLA escalation";
  const token = /^(.*) \(token \d+\)$/.exec(actor);
  const email = token ? token[1] : actor;
  const user = users.find((u) => u.email === email);
  const name = user?.display_name ?? email;
  return token ? `${name} (API token)` : name;
}

export interface DescribeContext {
  users: User[];
  workflow?: Workflow;
  /** Field titles by name, for `fields.<name>` entries. */
  fieldTitles?: Record<string, string>;
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "nothing";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(show).join(", ");
  return JSON.stringify(value);
}

const METRICS: Record<string, string> = {
  first_response: "first response",
  next_response: "next response",
  resolution: "resolution",
};

/** One audit entry as a sentence: "Ada changed status from new to open". */
export function describeEvent(e: AuditEvent, ctx: DescribeContext): string {
  const who = actorName(e.actor, ctx.users);
  const userName = (id: unknown) =>
    typeof id === "number" ? (ctx.users.find((u) => u.id === id)?.display_name ?? `user ${id}`) : "nobody";
  const status = (s: unknown) => (typeof s === "string" ? statusLabel(ctx.workflow, s) : show(s));

  if (e.field === "created") return `${who} created the ticket`;
  if (e.field === "comment") {
    const kind = (e.new as { kind?: string } | null)?.kind;
    return kind === "internal" ? `${who} added an internal note` : `${who} replied publicly`;
  }
  if (e.field === "comment_edited") return `${who} edited a comment`;
  if (e.field === "comment_deleted") return `${who} deleted a comment`;
  if (e.field === "comment_relayed") return `${who} relayed a comment to Discord`;
  if (e.field === "transcript") {
    const v = (e.new ?? {}) as { messages?: number; replaced?: boolean };
    const n = typeof v.messages === "number" ? ` (${v.messages === 1 ? "1 message" : `${v.messages} messages`})` : "";
    return `${who} ${v.replaced ? "replaced" : "saved"} the Discord transcript${n}`;
  }
  if (e.field === "survey") {
    const rating = (e.new as { rating?: number } | null)?.rating;
    return `${who} recorded the exit survey${typeof rating === "number" ? `: ${rating} of 5` : ""}`;
  }
  if (e.field === "attachment") {
    // `new` is the file added, `old` the file removed: { id, filename, size }.
    const file = (v: unknown) => (v as { filename?: string } | null)?.filename ?? "a file";
    if (e.new != null) return `${who} attached ${file(e.new)}`;
    return `${who} removed the file ${file(e.old)}`;
  }
  if (e.field === "deleted") return e.new === true ? `${who} deleted the ticket` : `${who} restored the ticket`;
  if (e.field === "sla") {
    const v = (e.new ?? {}) as { metric?: string; threshold?: string };
    const metric = METRICS[v.metric ?? ""] ?? v.metric ?? "an SLA";
    if (v.threshold === "warning") return `SLA warning: ${metric} is close to its target`;
    if (v.threshold === "still_breached") return `SLA: ${metric} is still breached`;
    return `SLA breached: ${metric} missed its target`;
  }
  if (e.field === "routing") {
    const v = (e.new ?? {}) as { rule?: string; team?: string | null; assignee_id?: number | null; reason?: string };
    const rule = ruleOf(v.rule).label.toLowerCase();
    const team = v.team ? ` (${v.team})` : "";
    if (typeof v.assignee_id === "number") return `Routed by ${rule}${team} to ${userName(v.assignee_id)}: ${v.reason ?? ""}`.replace(/: $/, "");
    return `Routing by ${rule}${team} assigned nobody: ${v.reason ?? "nobody eligible"}`;
  }
  if (e.field === "status") return `${who} changed status from ${status(e.old)} to ${status(e.new)}`;
  if (e.field === "assignee_id") {
    if (e.new === null || e.new === undefined) return `${who} unassigned ${userName(e.old)}`;
    const actorUser = ctx.users.find((u) => isActor(e.actor, u.email));
    if (actorUser && actorUser.id === e.new) return `${who} claimed the ticket`;
    if (e.old === null || e.old === undefined) return `${who} assigned the ticket to ${userName(e.new)}`;
    return `${who} changed assignee from ${userName(e.old)} to ${userName(e.new)}`;
  }
  if (e.field === "tags") {
    const before = Array.isArray(e.old) ? (e.old as string[]) : [];
    const after = Array.isArray(e.new) ? (e.new as string[]) : [];
    const added = after.filter((t) => !before.includes(t));
    const removed = before.filter((t) => !after.includes(t));
    const parts = [
      added.length ? `added tag${added.length > 1 ? "s" : ""} ${added.join(", ")}` : "",
      removed.length ? `removed tag${removed.length > 1 ? "s" : ""} ${removed.join(", ")}` : "",
    ].filter(Boolean);
    return `${who} ${parts.join(" and ") || "changed the tags"}`;
  }
  if (e.field === "body") return `${who} edited the description`;

  const label = e.field.startsWith("fields.")
    ? (ctx.fieldTitles?.[e.field.slice(7)] ?? e.field.slice(7).replace(/_/g, " "))
    : e.field.replace(/_/g, " ");
  if (e.old === null || e.old === undefined) return `${who} set ${label} to ${show(e.new)}`;
  if (e.new === null || e.new === undefined) return `${who} cleared ${label} (was ${show(e.old)})`;
  return `${who} changed ${label} from ${show(e.old)} to ${show(e.new)}`;
}
