// Pure functions behind the admin type editor: the YAML text and the field/workflow editors
// edit the same type definition, so every edit here takes a definition and returns a new
// one (never mutating), and YAML goes in and out through one parser/printer pair.
import { Document, isScalar, isSeq, parseDocument, visit } from "yaml";

/** A JSON-ish object: the definition as the type file spells it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A type definition (type file) as edited here; unknown keys are kept as they are. */
export type TypeDefinition = JsonObject;

/** The kinds the field editor offers; "other" is any schema it cannot represent (edit as YAML). */
export type FieldKind =
  | "text"
  | "enum"
  | "integer"
  | "number"
  | "boolean"
  | "date"
  | "timestamp"
  | "json"
  | "other";

export const EDITABLE_KINDS: { value: Exclude<FieldKind, "other">; label: string }[] = [
  { value: "text", label: "Text" },
  { value: "enum", label: "Choice (enum)" },
  { value: "integer", label: "Integer" },
  { value: "number", label: "Number" },
  { value: "boolean", label: "Yes/no" },
  { value: "date", label: "Date" },
  { value: "timestamp", label: "Date and time" },
  { value: "json", label: "List (JSON)" },
];

export type StatusCategory = "new" | "open" | "pending" | "solved" | "closed";
export const CATEGORIES: StatusCategory[] = ["new", "open", "pending", "solved", "closed"];

export interface WorkflowState {
  name: string;
  category: StatusCategory;
  label?: string | null;
}
export interface Transition {
  from: string[];
  to: string;
}
export interface Workflow {
  initial: string;
  states: WorkflowState[];
  transitions: Transition[];
}

/** One row of the field editor. */
export interface FieldRow {
  name: string;
  title: string;
  kind: FieldKind;
  required: boolean;
  /** The allowed values, for enums. */
  options: string[];
  default: Json | undefined;
}

// ---------------------------------------------------------------- YAML in and out

export interface YamlProblem {
  message: string;
  /** 1-based, like the server's type_errors. */
  line: number;
  column: number;
}

export type ParseResult =
  | { ok: true; definition: TypeDefinition }
  | { ok: false; error: YamlProblem };

/**
 * Parse a type file. The first syntax error comes back with its line and column (the
 * field editor shows it and stays disabled until it is fixed); a document that is not a
 * mapping is an error at its start.
 */
export function parseDefinition(text: string): ParseResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    return {
      ok: false,
      error: {
        message: cleanYamlMessage(first.message),
        line: pos?.line ?? 1,
        column: pos?.col ?? 1,
      },
    };
  }
  const value: unknown = doc.toJS();
  if (!isObject(value)) {
    return {
      ok: false,
      error: { message: "a type file must be a mapping (slug: ..., name: ...)", line: 1, column: 1 },
    };
  }
  return { ok: true, definition: value as TypeDefinition };
}

/** The yaml package appends " at line L, column C:" and a code excerpt; we show those apart. */
export function cleanYamlMessage(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Print a definition as a type file. Short lists of scalars (enum, required, from) and
 * workflow states are written in flow style, as the shipped type files do, so the text
 * stays readable after the field editor rewrote it.
 */
export function definitionToYaml(definition: TypeDefinition): string {
  const doc = new Document(dropNullTopLevel(definition));
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item)) && node.items.length <= 12) node.flow = true;
    },
    Map(_, node) {
      const scalarsOnly = node.items.every((pair) => isScalar(pair.value) || isSeq(pair.value));
      const isState = node.items.some((pair) => isScalar(pair.key) && pair.key.value === "category");
      const isTransition = node.items.some((pair) => isScalar(pair.key) && pair.key.value === "to");
      if (scalarsOnly && (isState || isTransition)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** `null` at the top level means "absent" in the API's definition; files leave the key out. */
function dropNullTopLevel(definition: TypeDefinition): TypeDefinition {
  const out: TypeDefinition = {};
  for (const [key, value] of Object.entries(definition)) if (value !== null) out[key] = value;
  return out;
}

/** The offset in `text` of a 1-based line and column, for moving a textarea's cursor. */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const newline = text.indexOf("\n", offset);
    if (newline < 0) return text.length;
    offset = newline + 1;
  }
  const lineEnd = text.indexOf("\n", offset);
  const end = lineEnd < 0 ? text.length : lineEnd;
  return Math.min(offset + Math.max(column - 1, 0), end);
}

// ---------------------------------------------------------------- kinds ↔ JSON Schema

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The field editor's kind of a property schema (after the server's mapping table). */
export function kindOfSchema(schema: Json | undefined): FieldKind {
  if (!isObject(schema)) return "other";
  if ("$ref" in schema) return "other";
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter(
    (t) => t !== "null" && t !== undefined,
  );
  const enumValues = schema.enum;
  if (Array.isArray(enumValues) && enumValues.every((v) => typeof v === "string")) {
    if (types.length === 0 || (types.length === 1 && types[0] === "string")) return "enum";
  }
  if (types.length !== 1) return "other";
  switch (types[0]) {
    case "string":
      if (schema.format === "date-time") return "timestamp";
      if (schema.format === "date") return "date";
      return "text";
    case "integer":
    case "number":
    case "boolean":
      return types[0];
    case "array":
    case "object":
      return "json";
    default:
      return "other";
  }
}

/** Keywords that mean the same whatever the kind, kept across a kind change. */
const KIND_NEUTRAL = ["title", "description", "x-renamed-from"];

/**
 * The schema of a property of `kind`, keeping what does not depend on the kind (title,
 * description, rename) and, where the new kind allows them, the index and search flags.
 */
export function schemaForKind(kind: Exclude<FieldKind, "other">, previous?: Json): JsonObject {
  const kept: JsonObject = {};
  if (isObject(previous)) {
    for (const key of KIND_NEUTRAL) if (previous[key] !== undefined) kept[key] = previous[key];
  }
  const base = ((): JsonObject => {
    switch (kind) {
      case "text":
        return { type: "string" };
      case "enum": {
        const previousEnum = isObject(previous) && Array.isArray(previous.enum) ? previous.enum : null;
        return { type: "string", enum: previousEnum ?? ["option_a", "option_b"] };
      }
      case "date":
        return { type: "string", format: "date" };
      case "timestamp":
        return { type: "string", format: "date-time" };
      case "json":
        return { type: "array", items: { type: "string" } };
      default:
        return { type: kind };
    }
  })();
  const out: JsonObject = { ...kept, ...base };
  if (isObject(previous)) {
    // json columns cannot be indexed; only plain text is searchable (admin guide).
    if (previous["x-index"] === true && kind !== "json") out["x-index"] = true;
    if (previous["x-searchable"] === true && (kind === "text" || kind === "enum")) {
      out["x-searchable"] = true;
    }
  }
  return out;
}

// ---------------------------------------------------------------- the schema's fields

interface ObjectSchema extends JsonObject {
  properties: JsonObject;
}

function schemaOf(definition: TypeDefinition): ObjectSchema {
  const schema = isObject(definition.schema) ? definition.schema : { type: "object" };
  const properties = isObject(schema.properties) ? schema.properties : {};
  return { ...schema, properties } as ObjectSchema;
}

function requiredOf(definition: TypeDefinition): string[] {
  const required = schemaOf(definition).required;
  return Array.isArray(required) ? required.filter((r): r is string => typeof r === "string") : [];
}

function withSchema(definition: TypeDefinition, schema: JsonObject): TypeDefinition {
  return { ...definition, schema };
}

/** The fields, in the order the file declares them. */
export function fieldRows(definition: TypeDefinition): FieldRow[] {
  const { properties } = schemaOf(definition);
  const required = new Set(requiredOf(definition));
  return Object.entries(properties).map(([name, schema]) => {
    const prop = isObject(schema) ? schema : {};
    return {
      name,
      title: typeof prop.title === "string" ? prop.title : "",
      kind: kindOfSchema(schema),
      required: required.has(name),
      options: Array.isArray(prop.enum) ? prop.enum.map((v) => String(v)) : [],
      default: prop.default,
    };
  });
}

const FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const RESERVED = new Set(["id", "ticket_id", "oid", "rowid", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"]);

/** Why `name` cannot be a new field name of `definition`, or null when it can. */
export function fieldNameProblem(definition: TypeDefinition, name: string, except?: string): string | null {
  if (!FIELD_NAME.test(name)) {
    return "use lower-case letters, digits and _, starting with a letter, at most 63 characters";
  }
  if (RESERVED.has(name)) return `\`${name}\` is reserved`;
  if (name !== except && name in schemaOf(definition).properties) return `there is already a field \`${name}\``;
  return null;
}

function checkName(definition: TypeDefinition, name: string, except?: string) {
  const problem = fieldNameProblem(definition, name, except);
  if (problem) throw new Error(problem);
}

/** Add a field at the end (and to `ui:order` when the order does not use `"*"`). */
export function addField(
  definition: TypeDefinition,
  name: string,
  kind: Exclude<FieldKind, "other">,
  title?: string,
): TypeDefinition {
  checkName(definition, name);
  const schema = schemaOf(definition);
  const property = { ...(title ? { title } : {}), ...schemaForKind(kind) };
  const next = withSchema(definition, { ...schema, properties: { ...schema.properties, [name]: property } });
  return mapUiOrder(next, (order) => (order.includes("*") ? order : [...order, name]));
}

/** Remove a field from the properties, `required`, `ui` and `ui:order`. */
export function removeField(definition: TypeDefinition, name: string): TypeDefinition {
  const schema = schemaOf(definition);
  const properties = { ...schema.properties };
  delete properties[name];
  const nextSchema: JsonObject = { ...schema, properties };
  if (Array.isArray(schema.required)) nextSchema.required = schema.required.filter((r) => r !== name);
  let next = withSchema(definition, nextSchema);
  next = mapUiOrder(next, (order) => order.filter((entry) => entry !== name));
  if (isObject(next.ui) && name in next.ui) {
    const ui = { ...next.ui };
    delete ui[name];
    next = { ...next, ui };
  }
  return next;
}

/**
 * Rename a field, keeping its place. When the field is stored (already applied), it gets
 * `x-renamed-from` so the column and its data are kept instead of dropped and re-added;
 * a field that only exists in this draft is simply renamed. `required`, `ui` hints and
 * `ui:order` follow the new name.
 */
export function renameField(
  definition: TypeDefinition,
  from: string,
  to: string,
  storedFields: ReadonlySet<string>,
): TypeDefinition {
  if (from === to) return definition;
  checkName(definition, to, from);
  const schema = schemaOf(definition);
  const properties: JsonObject = {};
  for (const [name, prop] of Object.entries(schema.properties)) {
    if (name !== from) {
      properties[name] = prop;
      continue;
    }
    const renamed: JsonObject = isObject(prop) ? { ...prop } : {};
    // A stored column is renamed from its current name; a field renamed twice in one draft
    // keeps the record of the column it came from.
    if (storedFields.has(from)) renamed["x-renamed-from"] = from;
    // Renaming back onto the original name needs no rename record.
    if (renamed["x-renamed-from"] === to) delete renamed["x-renamed-from"];
    properties[to] = renamed;
  }
  const nextSchema: JsonObject = { ...schema, properties };
  if (Array.isArray(schema.required)) {
    nextSchema.required = schema.required.map((r) => (r === from ? to : r));
  }
  let next = withSchema(definition, nextSchema);
  next = mapUiOrder(next, (order) => order.map((entry) => (entry === from ? to : entry)));
  if (isObject(next.ui) && from in next.ui) {
    const ui: JsonObject = {};
    for (const [key, value] of Object.entries(next.ui)) ui[key === from ? to : key] = value;
    next = { ...next, ui };
  }
  return next;
}

/** Change one property's schema with `update`. */
export function updateField(
  definition: TypeDefinition,
  name: string,
  update: (schema: JsonObject) => JsonObject,
): TypeDefinition {
  const schema = schemaOf(definition);
  if (!(name in schema.properties)) throw new Error(`no field \`${name}\``);
  const current = schema.properties[name];
  const properties = { ...schema.properties, [name]: update(isObject(current) ? { ...current } : {}) };
  return withSchema(definition, { ...schema, properties });
}

export function setFieldKind(definition: TypeDefinition, name: string, kind: Exclude<FieldKind, "other">) {
  return updateField(definition, name, (prop) => schemaForKind(kind, prop));
}

export function setFieldTitle(definition: TypeDefinition, name: string, title: string) {
  return updateField(definition, name, (prop) => {
    if (title) prop.title = title;
    else delete prop.title;
    return prop;
  });
}

export function setFieldRequired(definition: TypeDefinition, name: string, required: boolean): TypeDefinition {
  const schema = schemaOf(definition);
  const current = requiredOf(definition).filter((r) => r !== name);
  const list = required ? [...current, name] : current;
  const nextSchema: JsonObject = { ...schema };
  if (list.length > 0) nextSchema.required = list;
  else delete nextSchema.required;
  return withSchema(definition, nextSchema);
}

/** Set an enum's allowed values; a default no longer among them is dropped. */
export function setFieldOptions(definition: TypeDefinition, name: string, options: string[]) {
  return updateField(definition, name, (prop) => {
    prop.enum = options;
    if (prop.default !== undefined && !options.includes(String(prop.default))) delete prop.default;
    return prop;
  });
}

export function setFieldDefault(definition: TypeDefinition, name: string, value: Json | undefined) {
  return updateField(definition, name, (prop) => {
    if (value === undefined) delete prop.default;
    else prop.default = value;
    return prop;
  });
}

/**
 * The default typed into the editor as the value the kind stores: numbers and booleans
 * are converted when they parse, anything else stays text (the server then says why it
 * does not fit). Empty means no default.
 */
export function defaultFromText(kind: FieldKind, text: string): Json | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  if ((kind === "integer" || kind === "number") && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (kind === "boolean" && (trimmed === "true" || trimmed === "false")) return trimmed === "true";
  if (kind === "json") {
    try {
      return JSON.parse(trimmed) as Json;
    } catch {
      return text;
    }
  }
  return text;
}

export function defaultToText(value: Json | undefined): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function mapUiOrder(definition: TypeDefinition, change: (order: Json[]) => Json[]): TypeDefinition {
  const ui = definition.ui;
  if (!isObject(ui) || !Array.isArray(ui["ui:order"])) return definition;
  return { ...definition, ui: { ...ui, "ui:order": change(ui["ui:order"]) } };
}

// ---------------------------------------------------------------- workflows

/** The workflow a type follows when it declares none (admin guide, "The default workflow"). */
export const DEFAULT_WORKFLOW: Workflow = {
  initial: "new",
  states: CATEGORIES.map((category) => ({ name: category, category })),
  transitions: [
    { from: ["new", "pending", "solved", "closed"], to: "open" },
    { from: ["new", "open"], to: "pending" },
    { from: ["new", "open", "pending"], to: "solved" },
    { from: ["new", "open", "pending", "solved"], to: "closed" },
  ],
};

/** The definition's workflow, written out in full (the default one when it has none). */
export function workflowOf(definition: TypeDefinition): Workflow {
  const wf = definition.workflow;
  if (!isObject(wf)) return structuredClone(DEFAULT_WORKFLOW);
  const states = Array.isArray(wf.states) ? wf.states.filter(isObject) : [];
  const transitions = Array.isArray(wf.transitions) ? wf.transitions.filter(isObject) : [];
  return {
    initial: typeof wf.initial === "string" ? wf.initial : "",
    states: states.map((s) => ({
      name: String(s.name ?? ""),
      category: (CATEGORIES.includes(s.category as StatusCategory) ? s.category : "open") as StatusCategory,
      ...(typeof s.label === "string" ? { label: s.label } : {}),
    })),
    transitions: transitions.map((t) => ({
      from: (Array.isArray(t.from) ? t.from : [t.from]).map(String),
      to: String(t.to ?? ""),
    })),
  };
}

/** The definition with `workflow` replaced (written inline, labels only where set). */
export function withWorkflow(definition: TypeDefinition, workflow: Workflow): TypeDefinition {
  const states: Json[] = workflow.states.map((s) => ({
    name: s.name,
    category: s.category,
    ...(s.label ? { label: s.label } : {}),
  }));
  const transitions: Json[] = workflow.transitions.map((t) => ({ from: [...t.from], to: t.to }));
  return { ...definition, workflow: { initial: workflow.initial, states, transitions } };
}

const STATE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export function addState(workflow: Workflow, name: string, category: StatusCategory, label?: string): Workflow {
  if (!STATE_NAME.test(name)) {
    throw new Error("use lower-case letters, digits and _, starting with a letter, at most 63 characters");
  }
  if (workflow.states.some((s) => s.name === name)) throw new Error(`there is already a state \`${name}\``);
  return { ...workflow, states: [...workflow.states, { name, category, ...(label ? { label } : {}) }] };
}

/**
 * Remove a state and every move into or out of it. If it was the initial state, the first
 * remaining new or open state becomes initial (the server insists on one of those).
 */
export function removeState(workflow: Workflow, name: string): Workflow {
  const states = workflow.states.filter((s) => s.name !== name);
  const transitions = workflow.transitions
    .filter((t) => t.to !== name)
    .map((t) => ({ ...t, from: t.from.filter((f) => f !== name) }))
    .filter((t) => t.from.length > 0);
  let initial = workflow.initial;
  if (initial === name) {
    initial = states.find((s) => s.category === "new" || s.category === "open")?.name ?? states[0]?.name ?? "";
  }
  return { initial, states, transitions };
}

export function setStateCategory(workflow: Workflow, name: string, category: StatusCategory): Workflow {
  return { ...workflow, states: workflow.states.map((s) => (s.name === name ? { ...s, category } : s)) };
}

export function setStateLabel(workflow: Workflow, name: string, label: string): Workflow {
  return {
    ...workflow,
    states: workflow.states.map((s) => {
      if (s.name !== name) return s;
      const { label: _old, ...rest } = s;
      void _old;
      return label ? { ...rest, label } : rest;
    }),
  };
}

/** Every allowed move as a (from, to) pair, `*` spelled out, in state order, no repeats. */
export function transitionPairs(workflow: Workflow): { from: string; to: string; viaAny: boolean }[] {
  const explicit = new Set<string>();
  const any = new Set<string>();
  for (const t of workflow.transitions) {
    for (const from of t.from) {
      if (from === "*") {
        for (const s of workflow.states) if (s.name !== t.to) any.add(`${s.name}\u0000${t.to}`);
      } else {
        explicit.add(`${from}\u0000${t.to}`);
      }
    }
  }
  const order = new Map(workflow.states.map((s, i) => [s.name, i]));
  const rank = (n: string) => order.get(n) ?? Number.MAX_SAFE_INTEGER;
  return [...new Set([...explicit, ...any])]
    .map((key) => {
      const [from, to] = key.split("\u0000");
      return { from, to, viaAny: !explicit.has(key) };
    })
    .sort((a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to));
}

export function allowsMove(workflow: Workflow, from: string, to: string): boolean {
  return workflow.transitions.some((t) => t.to === to && (t.from.includes(from) || (t.from.includes("*") && from !== to)));
}

/** Allow `from → to`, joining an existing transition into `to` when there is one. */
export function addTransition(workflow: Workflow, from: string, to: string): Workflow {
  if (from === to) throw new Error("a state cannot move to itself: staying is always allowed");
  if (allowsMove(workflow, from, to)) return workflow;
  const index = workflow.transitions.findIndex((t) => t.to === to && !t.from.includes("*"));
  const transitions =
    index >= 0
      ? workflow.transitions.map((t, i) => (i === index ? { ...t, from: [...t.from, from] } : t))
      : [...workflow.transitions, { from: [from], to }];
  return { ...workflow, transitions };
}

/** Forbid `from → to`; a `*` transition into `to` is spelled out without `from`. */
export function removeTransition(workflow: Workflow, from: string, to: string): Workflow {
  const names = workflow.states.map((s) => s.name);
  const transitions = workflow.transitions
    .map((t) => {
      if (t.to !== to) return t;
      const expanded = t.from.includes("*")
        ? [...new Set([...t.from.filter((f) => f !== "*"), ...names.filter((n) => n !== to)])]
        : t.from;
      return { ...t, from: expanded.filter((f) => f !== from) };
    })
    .filter((t) => t.from.length > 0);
  return { ...workflow, transitions };
}
