// The policy form's state and its conversion to and from the API's PolicySpec. Durations
// are edited as text ("4h") and sent as minutes; text that does not parse is reported
// under the same JSON pointer the server would use, so one map of errors serves both.
import type { Schemas } from "../../../api/client";
import { minutesToText, parseMinutes } from "../../../lib/durations";
import type { FieldErrors } from "../../../lib/fieldErrors";
import { PRIORITIES } from "../../../lib/filters";

export type PolicySpec = Schemas["PolicySpec"];
export type Priority = Schemas["Priority"];
export type Metric = Schemas["Metric"];
export type Threshold = Schemas["Threshold"];
export type Recipient = Schemas["Recipient"];

export { PRIORITIES } from "../../../lib/filters";
export const METRICS: Metric[] = ["first_response", "next_response", "resolution"];
export const THRESHOLDS: { value: Threshold; label: string }[] = [
  { value: "warning", label: "Warning" },
  { value: "breach", label: "Breach" },
  { value: "still_breached", label: "Still breached" },
];
export const RECIPIENTS: { value: Recipient; label: string }[] = [
  { value: "assignee", label: "Assignee" },
  { value: "team", label: "Team" },
  { value: "admins", label: "Admins" },
];

export interface ActionDraft {
  action: "notify" | "reassign" | "raise_priority";
  /** notify: recipients (none = assignee and team). */
  to: Recipient[];
  /** reassign: to a user or to a team. */
  reassignTo: "user" | "team";
  userId: string | null;
  team: string | null;
}

export interface EscalationDraft {
  on: Threshold;
  metrics: Metric[];
  actions: ActionDraft[];
}

export interface PolicyDraft {
  name: string;
  description: string;
  enabled: boolean;
  position: number | string;
  types: string[];
  priorities: Priority[];
  tags: string[];
  organizations: string[];
  /** Durations as typed, per priority and metric; "" = no target. */
  targets: Record<Priority, Record<Metric, string>>;
  /** Calendar name; "" = around the clock. */
  calendar: string;
  warnAtPercent: number | string;
  stillBreachedAfter: string;
  escalations: EscalationDraft[];
}

export function newAction(action: ActionDraft["action"] = "notify"): ActionDraft {
  return { action, to: [], reassignTo: "team", userId: null, team: null };
}

export function emptyPolicy(): PolicyDraft {
  const targets = {} as PolicyDraft["targets"];
  for (const p of PRIORITIES) targets[p] = { first_response: "", next_response: "", resolution: "" };
  return {
    name: "",
    description: "",
    enabled: true,
    position: 100,
    types: [],
    priorities: [],
    tags: [],
    organizations: [],
    targets,
    calendar: "",
    warnAtPercent: 80,
    stillBreachedAfter: "1h",
    escalations: [],
  };
}

function actionToDraft(a: Schemas["Action"]): ActionDraft {
  switch (a.action) {
    case "notify":
      return { ...newAction("notify"), to: a.to ?? [] };
    case "reassign":
      return {
        ...newAction("reassign"),
        reassignTo: a.user_id != null ? "user" : "team",
        userId: a.user_id != null ? String(a.user_id) : null,
        team: a.team ?? null,
      };
    default:
      return newAction("raise_priority");
  }
}

export function policyToDraft(spec: PolicySpec): PolicyDraft {
  const draft = emptyPolicy();
  for (const p of PRIORITIES) {
    for (const m of METRICS) draft.targets[p][m] = minutesToText(spec.targets[p]?.[m]);
  }
  return {
    ...draft,
    name: spec.name,
    description: spec.description ?? "",
    enabled: spec.enabled ?? true,
    position: spec.position ?? 0,
    types: spec.conditions?.types ?? [],
    priorities: spec.conditions?.priorities ?? [],
    tags: spec.conditions?.tags ?? [],
    organizations: spec.conditions?.organizations ?? [],
    calendar: spec.calendar ?? "",
    warnAtPercent: spec.warn_at_percent ?? 80,
    stillBreachedAfter: minutesToText(spec.still_breached_after ?? 60),
    escalations: (spec.escalations ?? []).map((e) => ({
      on: e.on,
      metrics: e.metrics ?? [],
      actions: e.actions.map(actionToDraft),
    })),
  };
}

function actionToSpec(a: ActionDraft): Schemas["Action"] {
  if (a.action === "notify") return a.to.length ? { action: "notify", to: a.to } : { action: "notify" };
  if (a.action === "raise_priority") return { action: "raise_priority" };
  return a.reassignTo === "user"
    ? { action: "reassign", user_id: a.userId ? Number(a.userId) : null }
    : { action: "reassign", team: a.team || null };
}

/**
 * The spec to PUT, or the problems that keep the draft from being one (keyed by the
 * pointer the server would use). Everything else is left for the server to judge.
 */
export function draftToSpec(d: PolicyDraft): { spec: PolicySpec | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const targets: PolicySpec["targets"] = {};
  for (const p of PRIORITIES) {
    const row: Schemas["Targets"] = {};
    for (const m of METRICS) {
      const parsed = parseMinutes(d.targets[p][m]);
      if (!parsed.ok) errors[`/targets/${p}/${m}`] = parsed.error;
      else if (parsed.minutes != null) row[m] = parsed.minutes;
    }
    if (Object.keys(row).length) targets[p] = row;
  }
  const still = parseMinutes(d.stillBreachedAfter);
  if (!still.ok) errors["/still_breached_after"] = still.error;
  if (d.name.trim() === "") errors["/name"] = "A policy needs a name";
  const position = Number(d.position);
  if (d.position === "" || !Number.isInteger(position)) errors["/position"] = "A whole number";
  const warn = Number(d.warnAtPercent);
  if (d.warnAtPercent === "" || !Number.isInteger(warn)) errors["/warn_at_percent"] = "A whole number from 1 to 99";
  if (Object.keys(errors).length) return { spec: null, errors };

  const spec: PolicySpec = {
    name: d.name.trim(),
    description: d.description.trim() || null,
    enabled: d.enabled,
    position,
    conditions: {
      types: d.types,
      priorities: d.priorities,
      tags: d.tags,
      organizations: d.organizations,
    },
    targets,
    calendar: d.calendar || null,
    warn_at_percent: warn,
    escalations: d.escalations.map((e) => ({
      on: e.on,
      ...(e.metrics.length ? { metrics: e.metrics } : {}),
      actions: e.actions.map(actionToSpec),
    })),
  };
  // Empty means "the default" (60 minutes) to the server as well.
  if (still.ok && still.minutes != null) spec.still_breached_after = still.minutes;
  return { spec, errors };
}

/** "P1: 1h / 1h / 8h" per priority with targets, for the list. */
export function targetsSummary(targets: PolicySpec["targets"]): string[] {
  return PRIORITIES.filter((p) => targets[p]).map((p) => {
    const t = targets[p]!;
    const cell = (m: Metric) => minutesToText(t[m]) || "–";
    return `${p}: ${cell("first_response")} / ${cell("next_response")} / ${cell("resolution")}`;
  });
}

/** The conditions in words, "All tickets" when there are none. */
export function conditionsSummary(c: PolicySpec["conditions"]): string {
  if (!c) return "All tickets";
  const parts: string[] = [];
  if (c.types?.length) parts.push(`types ${c.types.join(", ")}`);
  if (c.priorities?.length) parts.push(`priorities ${c.priorities.join(", ")}`);
  if (c.tags?.length) parts.push(`tags ${c.tags.join(", ")}`);
  if (c.organizations?.length) parts.push(`organisations ${c.organizations.join(", ")}`);
  return parts.length ? parts.join("; ") : "All tickets";
}
