// The bridge between a ticket type (its JSON schema and `ui` form hints, as the API
// serves them) and react-jsonschema-form: hints become a uiSchema RJSF accepts, and the
// server's field errors (JSON pointers) become RJSF `extraErrors` on the right field.
// Pure functions, so the mapping is unit tested without rendering a form.
import type { ErrorSchema, RJSFSchema, UiSchema } from "@rjsf/utils";

export type JsonObject = Record<string, unknown>;

/** A server field error: a JSON pointer into the request body and a message. */
export interface PointerError {
  pointer: string;
  message: string;
}

/** Widgets @rjsf/mantine renders; any other `ui:widget` would make RJSF throw. */
const KNOWN_WIDGETS = new Set([
  "text",
  "textarea",
  "password",
  "email",
  "uri",
  "url",
  "select",
  "radio",
  "hidden",
  "updown",
  "range",
  "checkbox",
  "checkboxes",
  "date",
  "datetime",
  "time",
  "color",
]);

/** Hints that apply to one field (the rest of a type's `ui` block is ignored). */
const FIELD_HINTS = new Set([
  "ui:widget",
  "ui:options",
  "ui:title",
  "ui:description",
  "ui:help",
  "ui:placeholder",
  "ui:readonly",
  "ui:disabled",
  "ui:autofocus",
  "ui:enumNames",
  "ui:emptyValue",
]);

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The names of a schema's top-level properties, in declaration order. */
export function propertyNames(schema: JsonObject | null | undefined): string[] {
  const props = schema && isObject(schema.properties) ? schema.properties : {};
  return Object.keys(props);
}

/**
 * The uiSchema for a type's form, from its `ui` hints.
 *
 * The server only checks `ui:order`, so this keeps what RJSF can use and drops what
 * would make it throw: hints for fields that do not exist, unknown widgets, and an
 * order that leaves fields out without the `"*"` wildcard (the missing ones go last).
 * The form's own submit button is turned off: the pages render theirs.
 */
export function hintsToUiSchema(
  hints: JsonObject | null | undefined,
  schema: JsonObject | null | undefined,
): UiSchema {
  const names = propertyNames(schema);
  const ui: UiSchema = { "ui:submitButtonOptions": { norender: true } };
  const source = isObject(hints) ? hints : {};

  const order = source["ui:order"];
  if (Array.isArray(order)) {
    const listed = order.filter(
      (n): n is string => typeof n === "string" && (n === "*" || names.includes(n)),
    );
    const unique = [...new Set(listed)];
    const coversAll = unique.includes("*") || names.every((n) => unique.includes(n));
    ui["ui:order"] = coversAll ? unique : [...unique, "*"];
  }

  for (const name of names) {
    const fieldHints = source[name];
    if (!isObject(fieldHints)) continue;
    const out: JsonObject = {};
    for (const [hint, value] of Object.entries(fieldHints)) {
      if (!FIELD_HINTS.has(hint)) continue;
      if (hint === "ui:widget" && !(typeof value === "string" && KNOWN_WIDGETS.has(value))) continue;
      if (hint === "ui:options" && !isObject(value)) continue;
      out[hint] = value;
    }
    if (Object.keys(out).length > 0) ui[name] = out;
  }
  return ui;
}

/** Decode one JSON pointer segment (RFC 6901: ~1 is "/", ~0 is "~"). */
function unescapeSegment(s: string): string {
  return s.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** The field a "required" or "unknown property" message at the object's level names. */
export function fieldNamedInMessage(message: string): string | null {
  const m = /^"([^"]+)" is a required property/.exec(message) ?? /^Additional properties are not allowed \('([^']+)'/.exec(message);
  return m ? m[1] : null;
}

function addError(schema: ErrorSchema, path: string[], message: string) {
  let node = schema as Record<string, unknown>;
  for (const segment of path) {
    if (!isObject(node[segment])) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  const list = (node.__errors as string[] | undefined) ?? [];
  if (!list.includes(message)) list.push(message);
  node.__errors = list;
}

/**
 * RJSF `extraErrors` from server field errors under `prefix` (where the type's fields
 * sit in the request, `/fields`). `/fields/serial` lands on `serial`, `/fields/parts/1`
 * on item 1 of `parts`; an error on `/fields` itself lands on the field it names
 * ("\"serial\" is a required property"), else on the form as a whole. Errors outside the
 * prefix are not the form's and are left out.
 */
export function extraErrorsFromProblem(errors: PointerError[], prefix = "/fields"): ErrorSchema {
  const out: ErrorSchema = {};
  for (const e of errors) {
    if (e.pointer !== prefix && !e.pointer.startsWith(prefix + "/")) continue;
    const path = e.pointer
      .slice(prefix.length)
      .split("/")
      .filter((s) => s !== "")
      .map(unescapeSegment);
    if (path.length === 0) {
      const named = fieldNamedInMessage(e.message);
      addError(out, named ? [named] : [], e.message);
    } else {
      addError(out, path, e.message);
    }
  }
  return out;
}

/** `extraErrors` without those of the fields whose value changed (the user is fixing them). */
export function dropErrorsOfChangedFields(
  errors: ErrorSchema,
  before: JsonObject,
  after: JsonObject,
): ErrorSchema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(errors)) {
    if (key !== "__errors" && !sameJson(before[key], after[key])) continue;
    out[key] = value;
  }
  return out as ErrorSchema;
}

/**
 * Core (non-`fields`) errors by the first pointer segment: `/title` → `title`,
 * `/requester/email` → `requester/email`, `/tags/2` → `tags`. For the inputs outside the
 * generated form. `/fields...` errors are left to `extraErrorsFromProblem`.
 */
export function coreErrorsByField(errors: PointerError[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const segments = e.pointer.split("/").filter((s) => s !== "").map(unescapeSegment);
    if (segments.length === 0 || segments[0] === "fields") continue;
    const key = segments[0] === "requester" && segments[1] ? `requester/${segments[1]}` : segments[0];
    out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
  }
  return out;
}

/** Deep equality of two JSON values (key order does not matter). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => sameJson(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
  }
  return false;
}

/**
 * The `fields` member of a PATCH: the fields whose value changed, and null for those the
 * user emptied (null clears a field on the server). Unchanged fields are left out, so a
 * concurrent edit of another field is not overwritten.
 */
export function changedFields(before: JsonObject, after: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key] ?? null;
    const b = after[key] ?? null;
    if (!sameJson(a, b)) out[key] = b;
  }
  return out;
}

/**
 * A ticket's fields as form data: the API reports an unset field as null, which the
 * form would check (and refuse) as a value; absent is what "not filled in" means there.
 */
export function withoutNulls(fields: JsonObject | null | undefined): JsonObject {
  return Object.fromEntries(Object.entries(fields ?? {}).filter(([, v]) => v !== null && v !== undefined));
}

/** The schema as RJSF wants it typed. */
export function asRjsfSchema(schema: JsonObject | null | undefined): RJSFSchema {
  return (isObject(schema) ? schema : { type: "object", properties: {} }) as RJSFSchema;
}
