// The ticket screen's decisions, as pure functions: which statuses to offer, what a
// save sends, who may work a ticket, and how an audit entry reads.
import type { Schemas, Ticket } from "../../api/client";
import type { User, Workflow } from "../../api/queries";

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

/** What people see for a state: its label, else its name with spaces. */
export function statusLabel(workflow: Workflow | undefined, name: string): string {
  const state = workflow?.states.find((s) => s.name === name);
  return state?.label || name.replace(/_/g, " ");
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
 * The people who can work a ticket of a type: active staff (agents and admins, not
 * viewers or service accounts) who are admins or in one of the teams handling it.
 */
export function workersFor(users: User[], typeTeams: string[]): User[] {
  return users
    .filter((u) => u.active && u.kind === "person" && u.role !== "viewer")
    .filter((u) => u.role === "admin" || typeTeams.length === 0 || u.teams.some((t) => typeTeams.includes(t)))
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
}

/** Whether an audit/live actor ("ada@x", "ada@x (token 3)") is this user. */
export function isActor(actor: string, email: string): boolean {
  return actor === email || actor.startsWith(`${email} (token `);
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
  if (e.field === "deleted") return e.new === true ? `${who} deleted the ticket` : `${who} restored the ticket`;
  if (e.field === "sla") {
    const v = (e.new ?? {}) as { metric?: string; threshold?: string };
    const metric = METRICS[v.metric ?? ""] ?? v.metric ?? "an SLA";
    if (v.threshold === "warning") return `SLA warning: ${metric} is close to its target`;
    if (v.threshold === "still_breached") return `SLA: ${metric} is still breached`;
    return `SLA breached: ${metric} missed its target`;
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
