// The queue's state lives in the URL query string, which is the API's list query
// (`GET /api/v1/tickets`) without paging: a view is a link. These pure functions turn that
// query string into the filter controls' state and back, and define the built-in views.
import type { Me } from "../api/client";

export const STATUS_CATEGORIES = ["new", "open", "pending", "solved", "closed"] as const;
/** The categories of work not yet done: what the built-in views show. */
export const OPEN_CATEGORIES = ["new", "open", "pending"] as const;
export const PRIORITIES = ["P0", "P1", "P2", "P3"] as const;
export const SOURCES = ["api", "web", "email", "discord", "webhook", "agent", "form"] as const;
export const PAGE_SIZE = 50;
/** "Breaching soon" looks this far ahead. */
export const BREACHING_SOON_MS = 4 * 60 * 60 * 1000;

/** What the filter controls show; everything else in the query is kept in `extra`. */
export interface QueueFilters {
  type: string | null;
  q: string;
  /** `status_category` (any of). */
  statusCategory: string[];
  /** `status`: workflow states of the chosen type (any of). */
  status: string[];
  priority: string[];
  /** `assignee_id` (any of), user ids. */
  assignee: string[];
  /** `assignee_id.null=true`. */
  unassigned: boolean;
  /** Team slugs (any of). */
  team: string[];
  /** Tags (all of). */
  tag: string[];
  source: string[];
  /** First day created (YYYY-MM-DD, UTC), `created_at.gte`. */
  createdFrom: string | null;
  /** Last day created (YYYY-MM-DD, UTC), inclusive: `created_at.lt` the day after. */
  createdTo: string | null;
  /** `sla_due_at.lte`: the earliest SLA due time at or before this time. */
  slaDueBefore: string | null;
  /** The type's own fields: `f.<field>[.op]` parameters, in order. */
  fields: [string, string][];
  sort: string | null;
  /** Parameters no control shows (e.g. `priority.lte=P1` from a shared link), kept as is. */
  extra: [string, string][];
}

export function emptyFilters(): QueueFilters {
  return {
    type: null,
    q: "",
    statusCategory: [],
    status: [],
    priority: [],
    assignee: [],
    unassigned: false,
    team: [],
    tag: [],
    source: [],
    createdFrom: null,
    createdTo: null,
    slaDueBefore: null,
    fields: [],
    sort: null,
    extra: [],
  };
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar day moved by `days` (YYYY-MM-DD in, YYYY-MM-DD out). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Multi-valued filters the controls own, by query name. */
const MULTI = {
  statusCategory: "status_category",
  status: "status",
  priority: "priority",
  assignee: "assignee_id",
  team: "team",
  source: "source",
} as const;
type MultiKey = keyof typeof MULTI;

/** Parameters the server only takes from whoever asks for a page, never from a view. */
const PAGING = new Set(["limit", "cursor"]);

/** Parse a query string (with or without `?`) into the controls' state. */
export function parseQuery(search: string): QueueFilters {
  const f = emptyFilters();
  const params = new URLSearchParams(search);
  const multiNames = new Map<string, MultiKey>(
    (Object.keys(MULTI) as MultiKey[]).map((k) => [MULTI[k], k]),
  );
  for (const [name, value] of params) {
    if (PAGING.has(name)) continue;
    if (name === "type") f.type = value || null;
    else if (name === "q") f.q = value;
    else if (name === "sort") f.sort = value || null;
    else if (name === "tag") f.tag.push(value);
    else if (name.startsWith("f.")) f.fields.push([name, value]);
    else if (name === "assignee_id.null" && value === "true") f.unassigned = true;
    else if (name === "created_at.gte" && DAY_RE.test(value) && !f.createdFrom) f.createdFrom = value;
    else if (name === "created_at.lt" && DAY_RE.test(value) && !f.createdTo) f.createdTo = addDays(value, -1);
    else if (name === "sla_due_at.lte" && !f.slaDueBefore) f.slaDueBefore = value;
    else {
      // `x=a&x=b`, `x.eq=a` and `x.in=a,b` all mean "any of".
      const dot = name.lastIndexOf(".");
      const base = dot > 0 ? name.slice(0, dot) : name;
      const op = dot > 0 ? name.slice(dot + 1) : "eq";
      const key = multiNames.get(base);
      if (key && (op === "eq" || op === "in")) {
        const values = op === "in" ? value.split(",") : [value];
        for (const v of values) if (v && !f[key].includes(v)) f[key].push(v);
      } else {
        f.extra.push([name, value]);
      }
    }
  }
  return f;
}

function pushMulti(out: [string, string][], name: string, values: string[], style: "repeat" | "in") {
  if (values.length === 0) return;
  if (style === "in" && values.length > 1 && values.every((v) => !v.includes(","))) {
    out.push([`${name}.in`, values.join(",")]);
  } else {
    for (const v of values) out.push([name, v]);
  }
}

/** The query parameters of a filter state, in a stable order (so equal filters give equal strings). */
export function toParams(f: QueueFilters): [string, string][] {
  const out: [string, string][] = [];
  if (f.type) out.push(["type", f.type]);
  if (f.q.trim()) out.push(["q", f.q]);
  pushMulti(out, "status_category", f.statusCategory, "in");
  pushMulti(out, "status", f.status, "repeat");
  pushMulti(out, "priority", f.priority, "repeat");
  if (f.unassigned) out.push(["assignee_id.null", "true"]);
  pushMulti(out, "assignee_id", f.assignee, "repeat");
  pushMulti(out, "team", f.team, "repeat");
  for (const t of f.tag) out.push(["tag", t]);
  pushMulti(out, "source", f.source, "repeat");
  if (f.createdFrom) out.push(["created_at.gte", f.createdFrom]);
  if (f.createdTo) out.push(["created_at.lt", addDays(f.createdTo, 1)]);
  if (f.slaDueBefore) out.push(["sla_due_at.lte", f.slaDueBefore]);
  // Field filters only mean something with a type; the server refuses them without one.
  if (f.type) out.push(...f.fields);
  out.push(...f.extra);
  if (f.sort) out.push(["sort", f.sort]);
  return out;
}

/**
 * Encode parameters as a query string (no `?`). Commas and colons stay readable: the
 * server decodes the query before splitting `.in` lists, so escaping them changes nothing.
 */
export function encodeParams(params: [string, string][]): string {
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/%2C/gi, ",").replace(/%3A/gi, ":").replace(/%20/g, "+");
  return params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&");
}

/** The query string (no `?`) of a filter state. */
export function toQuery(f: QueueFilters): string {
  return encodeParams(toParams(f));
}

/** One spelling per meaning, to compare queries. */
export function canonicalQuery(search: string): string {
  return toQuery(parseQuery(search));
}

/** The API list query for one page of a view. */
export function apiQuery(search: string, cursor?: string | null): string {
  const params = toParams(parseQuery(search));
  params.push(["limit", String(PAGE_SIZE)]);
  if (cursor) params.push(["cursor", cursor]);
  return encodeParams(params);
}

/** Change the type: the statuses and field filters of the previous type no longer apply. */
export function withType(f: QueueFilters, type: string | null): QueueFilters {
  if (type === f.type) return f;
  const fieldSort = f.sort?.split(",").some((k) => k.replace(/^-/, "").startsWith("f."));
  return { ...f, type, status: [], fields: [], sort: fieldSort ? null : f.sort };
}

// ---- Sorting ----

export type SortDirection = "ascending" | "descending" | "none";

/** How the list is sorted by `column`, judged by the first sort key. */
export function sortDirection(sort: string | null, column: string): SortDirection {
  const first = sort?.split(",")[0] ?? "";
  if (first === column) return "ascending";
  if (first === `-${column}`) return "descending";
  return "none";
}

/**
 * The sort after clicking `column`'s header: the other direction if it is the current
 * sort, otherwise the column's natural first direction (newest first for times).
 */
export function toggleSort(sort: string | null, column: string, descendingFirst = false): string {
  switch (sortDirection(sort, column)) {
    case "ascending":
      return `-${column}`;
    case "descending":
      return column;
    default:
      return descendingFirst ? `-${column}` : column;
  }
}

// ---- Views ----

export interface View {
  id: string;
  name: string;
  /** The list query string, no `?`. */
  query: string;
}

const openCategories = () => `status_category.in=${OPEN_CATEGORIES.join(",")}`;

/** The query of the first built-in view, "All open": what a bare /queue opens. */
export function firstViewQuery(): string {
  return openCategories();
}

/** The views every agent has, for the signed-in user at `now`. */
export function builtInViews(me: Me, now: Date): View[] {
  const soon = new Date(now.getTime() + BREACHING_SOON_MS).toISOString();
  const teams = me.user.teams.map((t) => `team=${encodeURIComponent(t)}`).join("&");
  return [
    { id: "all-open", name: "All open", query: firstViewQuery() },
    { id: "mine", name: "Mine", query: `assignee_id=${me.user.id}&${openCategories()}` },
    { id: "unassigned", name: "Unassigned", query: `assignee_id.null=true&${openCategories()}` },
    // With no teams there is nothing to show; the button is disabled (empty query).
    { id: "my-teams", name: "My teams", query: teams ? `${teams}&${openCategories()}` : "" },
    { id: "breaching-soon", name: "Breaching soon", query: `sla_due_at.lte=${soon}&sort=sla_due_at` },
  ];
}

/** The "By type" view of one type: its open tickets. */
export function byTypeQuery(slug: string): string {
  return `type=${encodeURIComponent(slug)}&${openCategories()}`;
}

/**
 * Whether `search` shows `view`. The deadline of "breaching soon" moves with the clock,
 * so it matches by presence, not value.
 */
export function viewMatches(view: View, search: string): boolean {
  if (!view.query) return false;
  const strip = (f: QueueFilters) => ({ ...f, slaDueBefore: f.slaDueBefore ? "set" : null });
  return toQuery(strip(parseQuery(view.query))) === toQuery(strip(parseQuery(search)));
}

/** Whether any filter at all is set (an empty query lists every ticket). */
export function hasFilters(search: string): boolean {
  return toParams(parseQuery(search)).some(([k]) => k !== "sort");
}
