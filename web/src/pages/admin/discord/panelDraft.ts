// A Discord panel as the admin form edits it, and back: every text as typed (an empty
// optional id is "not set"), topics and support roles as lists with local keys so they
// can be added, removed and reordered. Pure functions, unit tested without a form.
import type { Schemas } from "../../../api/client";

export type Panel = Schemas["PanelOut"];
export type PanelInput = Schemas["PanelInput"];
export type PanelMode = Schemas["PanelMode"];

export interface TopicDraft {
  /** The form's own key for the row (stable across reordering). */
  key: number;
  id: string;
  label: string;
  description: string;
  emoji: string;
  ticket_type: string | null;
}

export interface RoleDraft {
  key: number;
  role_id: string;
  team: string | null;
}

export interface PanelDraft {
  name: string;
  guild_id: string;
  channel_id: string;
  title: string;
  description: string;
  button_label: string;
  topics: TopicDraft[];
  ticket_type: string | null;
  mode: PanelMode;
  category_id: string;
  support_roles: RoleDraft[];
  ping_role_id: string;
  welcome_message: string;
  log_channel_id: string;
  max_open_per_member: number | string;
  cooldown_seconds: number | string;
  transcripts: boolean;
  ai_summary: boolean;
  survey: boolean;
  /** Close inactive tickets (after a warning). */
  inactivity: boolean;
  warn_after_hours: number | string;
  close_after_hours: number | string;
  working_hours: string | null;
}

let nextKey = 1;
/** A fresh row key. */
export function rowKey(): number {
  return nextKey++;
}

export function emptyTopic(): TopicDraft {
  return { key: rowKey(), id: "", label: "", description: "", emoji: "", ticket_type: null };
}

export function emptyRole(): RoleDraft {
  return { key: rowKey(), role_id: "", team: null };
}

/** The draft of a panel, or of a new one (the server's defaults). */
export function draftOf(panel?: Panel): PanelDraft {
  return {
    name: panel?.name ?? "",
    guild_id: panel?.guild_id ?? "",
    channel_id: panel?.channel_id ?? "",
    title: panel?.title ?? "",
    description: panel?.description ?? "",
    button_label: panel?.button_label ?? "Open a ticket",
    topics: (panel?.topics ?? []).map((t) => ({
      key: rowKey(),
      id: t.id,
      label: t.label,
      description: t.description ?? "",
      emoji: t.emoji ?? "",
      ticket_type: t.ticket_type,
    })),
    ticket_type: panel?.ticket_type ?? null,
    mode: panel?.mode ?? "channel",
    category_id: panel?.category_id ?? "",
    support_roles: (panel?.support_roles ?? []).map((r) => ({ key: rowKey(), role_id: r.role_id, team: r.team ?? null })),
    ping_role_id: panel?.ping_role_id ?? "",
    welcome_message: panel?.welcome_message ?? "",
    log_channel_id: panel?.log_channel_id ?? "",
    max_open_per_member: panel?.max_open_per_member ?? 1,
    cooldown_seconds: panel?.cooldown_seconds ?? 0,
    transcripts: panel?.transcripts ?? true,
    ai_summary: panel?.ai_summary ?? true,
    survey: panel?.survey ?? false,
    inactivity: !!panel?.inactivity,
    warn_after_hours: panel?.inactivity?.warn_after_hours ?? 48,
    close_after_hours: panel?.inactivity?.close_after_hours ?? 24,
    working_hours: panel?.working_hours ?? null,
  };
}

/** An optional text: trimmed, or absent when empty. */
function optional(text: string): string | undefined {
  const t = text.trim();
  return t === "" ? undefined : t;
}

/** A count as typed: a whole number, 0 when empty or not a number. */
function count(value: number | string): number {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/**
 * What the API gets. Ids are trimmed (a pasted id often carries a space); the panel's own
 * ticket type goes only with a panel without topics (the topics name theirs).
 */
export function inputOf(d: PanelDraft): PanelInput {
  const input: PanelInput = {
    name: d.name.trim(),
    guild_id: d.guild_id.trim(),
    channel_id: d.channel_id.trim(),
    title: d.title.trim(),
    description: d.description,
    button_label: d.button_label.trim(),
    topics: d.topics.map((t) => ({
      id: t.id.trim(),
      label: t.label.trim(),
      ticket_type: t.ticket_type ?? "",
      ...(optional(t.description) ? { description: optional(t.description) } : {}),
      ...(optional(t.emoji) ? { emoji: optional(t.emoji) } : {}),
    })),
    mode: d.mode,
    support_roles: d.support_roles.map((r) => ({ role_id: r.role_id.trim(), ...(r.team ? { team: r.team } : {}) })),
    welcome_message: d.welcome_message,
    max_open_per_member: count(d.max_open_per_member),
    cooldown_seconds: count(d.cooldown_seconds),
    transcripts: d.transcripts,
    ai_summary: d.ai_summary,
    survey: d.survey,
  };
  if (d.topics.length === 0 && d.ticket_type) input.ticket_type = d.ticket_type;
  if (d.mode === "channel" && optional(d.category_id)) input.category_id = optional(d.category_id);
  if (optional(d.ping_role_id)) input.ping_role_id = optional(d.ping_role_id);
  if (optional(d.log_channel_id)) input.log_channel_id = optional(d.log_channel_id);
  if (d.inactivity) {
    input.inactivity = { warn_after_hours: count(d.warn_after_hours), close_after_hours: count(d.close_after_hours) };
  }
  if (d.working_hours) input.working_hours = d.working_hours;
  return input;
}

/** The list with item `from` moved to `to` (out of range: unchanged). */
export function move<T>(list: T[], from: number, to: number): T[] {
  if (from < 0 || from >= list.length || to < 0 || to >= list.length || from === to) return list;
  const out = [...list];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item);
  return out;
}

/** A topic id from its label: "Billing question" → "billing-question" (what the server accepts). */
export function topicIdFrom(label: string): string {
  return label
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32)
    .replace(/-+$/, "");
}

/**
 * A topic with a new label; its id follows the label while the admin has not written
 * one of their own (empty, or still the one made from the previous label).
 */
export function relabel(topic: TopicDraft, label: string): TopicDraft {
  const follows = topic.id === "" || topic.id === topicIdFrom(topic.label);
  return { ...topic, label, id: follows ? topicIdFrom(label) : topic.id };
}

export type DeployState =
  | { state: "not_deployed" }
  | { state: "pending"; requestedAt: string }
  | { state: "deployed"; deployedAt: string | null; outdated: boolean };

/**
 * Where the panel's message stands: asked for and not yet done by the adapter ("deploy
 * pending"), posted (and whether it shows an older version), or never posted.
 */
export function deployState(p: Pick<Panel, "deploy_requested_at" | "deployment" | "version">): DeployState {
  const requested = p.deploy_requested_at ? Date.parse(p.deploy_requested_at) : null;
  const deployedAt = p.deployment?.deployed_at ?? null;
  const deployed = deployedAt ? Date.parse(deployedAt) : null;
  if (requested !== null && (deployed === null || requested > deployed)) {
    return { state: "pending", requestedAt: p.deploy_requested_at! };
  }
  if (p.deployment) return { state: "deployed", deployedAt, outdated: p.deployment.version < p.version };
  return { state: "not_deployed" };
}

/** The status as the list says it. */
export function deployLabel(s: DeployState, format: (iso: string) => string = (iso) => new Date(iso).toLocaleString()): string {
  switch (s.state) {
    case "not_deployed":
      return "not deployed";
    case "pending":
      return "deploy pending";
    case "deployed":
      return s.deployedAt ? `deployed ${format(s.deployedAt)}` : "deployed";
  }
}

/** The pointers the form shows beside a field; the rest go to the alert at the top. */
export function isPlacedPointer(pointer: string): boolean {
  return (
    /^\/(name|guild_id|channel_id|title|description|button_label|ticket_type|mode|category_id|ping_role_id|welcome_message|log_channel_id|max_open_per_member|cooldown_seconds|transcripts|ai_summary|survey|inactivity|working_hours|topics|support_roles)(\/.*)?$/.test(
      pointer,
    )
  );
}
