// An inbound webhook source as the admin form edits it, and back: every mapping entry as
// a pointer and a constant typed as text (empty: not set), the priority map as rows.
// Also what the page shows a sender: the endpoint URL and a curl example that signs its
// body with openssl. Pure functions, unit tested without a form.
import type { Schemas } from "../../../api/client";

export type Source = Schemas["IntakeSourceOut"];
export type SourceInput = Schemas["IntakeSourceInput"];
export type Mapping = Schemas["Mapping"];
export type Mapped = Schemas["Mapped"];
export type Scheme = Schemas["Scheme"];
export type Priority = Schemas["Priority"];
export type Delivery = Schemas["IntakeDeliveryOut"];

/** One mapping entry: a JSON pointer into the payload, a constant, or both. */
export interface EntryDraft {
  pointer: string;
  /** As typed; extension fields' constants are read as JSON when they parse. */
  value: string;
}

export interface PriorityRow {
  key: number;
  from: string;
  to: Priority;
}

/** The ticket values every source can map, in the form's order. */
export const CORE_ENTRIES = [
  { name: "title", label: "Title", required: true },
  { name: "body", label: "Body", required: false },
  { name: "source_ref", label: "Reference (the sender's id of the thing)", required: true },
  { name: "requester_email", label: "Requester email", required: false },
  { name: "requester_name", label: "Requester name", required: false },
  { name: "tags", label: "Tags", required: false },
  { name: "team", label: "Team", required: false },
  { name: "comment", label: "Comment on redeliveries", required: false },
] as const;

export type CoreEntry = (typeof CORE_ENTRIES)[number]["name"];

export interface SourceDraft {
  slug: string;
  name: string;
  ticket_type: string | null;
  enabled: boolean;
  scheme: Scheme;
  core: Record<CoreEntry, EntryDraft>;
  priority_pointer: string;
  priority_rows: PriorityRow[];
  priority_value: Priority | null;
  /** The type's own fields, by name. */
  fields: Record<string, EntryDraft>;
}

let nextKey = 1;
export function rowKey(): number {
  return nextKey++;
}

const empty = (): EntryDraft => ({ pointer: "", value: "" });

/** A constant as the form shows it: text as itself, anything else as JSON. */
function shown(v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

function entryOf(m: Mapped | null | undefined): EntryDraft {
  return { pointer: m?.pointer ?? "", value: shown(m?.value) };
}

export function draftOf(source?: Source): SourceDraft {
  const m = source?.mapping;
  const core = Object.fromEntries(
    CORE_ENTRIES.map((e) => [e.name, entryOf(m?.[e.name] as Mapped | null | undefined)]),
  ) as Record<CoreEntry, EntryDraft>;
  return {
    slug: source?.slug ?? "",
    name: source?.name ?? "",
    ticket_type: source?.ticket_type ?? null,
    enabled: source?.enabled ?? true,
    scheme: source?.scheme ?? "docket",
    core,
    priority_pointer: m?.priority?.pointer ?? "",
    priority_rows: Object.entries(m?.priority?.map ?? {}).map(([from, to]) => ({ key: rowKey(), from, to })),
    priority_value: m?.priority?.value ?? null,
    fields: Object.fromEntries(Object.entries(m?.fields ?? {}).map(([k, v]) => [k, entryOf(v)])),
  };
}

/** A constant typed in the form: JSON when it parses (numbers, booleans, arrays), else text. */
function constant(text: string, asJson: boolean): unknown {
  if (!asJson) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The entry as the API takes it, or nothing when neither part is set. */
function mappedOf(e: EntryDraft | undefined, asJson = false): Mapped | undefined {
  if (!e) return undefined;
  const pointer = e.pointer.trim();
  const value = e.value.trim();
  if (!pointer && !value) return undefined;
  const out: Mapped = {};
  if (pointer) out.pointer = pointer;
  if (value) out.value = constant(value, asJson) as Mapped["value"];
  return out;
}

export function inputOf(d: SourceDraft): SourceInput {
  const mapping: Mapping = {
    // The server names what is missing (`/mapping/title`): send an empty entry then.
    title: mappedOf(d.core.title) ?? {},
    source_ref: mappedOf(d.core.source_ref) ?? {},
  };
  for (const e of CORE_ENTRIES) {
    if (e.name === "title" || e.name === "source_ref") continue;
    // Tags may be a JSON array of tags.
    const m = mappedOf(d.core[e.name], e.name === "tags");
    if (m) (mapping as Record<string, unknown>)[e.name] = m;
  }
  const map = Object.fromEntries(d.priority_rows.filter((r) => r.from.trim()).map((r) => [r.from.trim(), r.to]));
  if (d.priority_pointer.trim() || d.priority_value) {
    mapping.priority = {
      ...(d.priority_pointer.trim() ? { pointer: d.priority_pointer.trim() } : {}),
      ...(Object.keys(map).length ? { map } : {}),
      ...(d.priority_value ? { value: d.priority_value } : {}),
    };
  }
  const fields: Record<string, Mapped> = {};
  for (const [name, e] of Object.entries(d.fields)) {
    const m = mappedOf(e, true);
    if (m) fields[name] = m;
  }
  if (Object.keys(fields).length) mapping.fields = fields;
  return {
    slug: d.slug.trim(),
    name: d.name.trim(),
    ticket_type: d.ticket_type ?? "",
    enabled: d.enabled,
    scheme: d.scheme,
    mapping,
  };
}

export function emptyEntry(): EntryDraft {
  return empty();
}

/** Where the sender posts: the server's address and the source's endpoint. */
export function endpointUrl(origin: string, source: Pick<Source, "endpoint">): string {
  return `${origin.replace(/\/$/, "")}${source.endpoint}`;
}

/** A shell snippet that signs a sample body the way the source's scheme wants and sends it. */
export function curlExample(url: string, scheme: Scheme, secret: string): string {
  const body = `BODY='{"title":"Test from curl","id":"test-1"}'`;
  if (scheme === "github") {
    return [
      `SECRET='${secret}'`,
      body,
      `SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')`,
      `curl -X POST '${url}' -H 'Content-Type: application/json' \\`,
      `  -H "X-GitHub-Delivery: $(date +%s%N)" -H "X-Hub-Signature-256: sha256=$SIG" --data-binary "$BODY"`,
    ].join("\n");
  }
  return [
    `SECRET='${secret}'`,
    body,
    `TS=$(date +%s)`,
    `SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')`,
    `curl -X POST '${url}' -H 'Content-Type: application/json' \\`,
    `  -H "X-Docket-Timestamp: $TS" -H "X-Docket-Signature: v1=$SIG" --data-binary "$BODY"`,
  ].join("\n");
}

/** Pointers the form shows beside a field; the rest go to the alert at the top. */
export function isPlacedPointer(pointer: string): boolean {
  return (
    ["/slug", "/name", "/ticket_type"].includes(pointer) ||
    pointer.startsWith("/mapping/")
  );
}
