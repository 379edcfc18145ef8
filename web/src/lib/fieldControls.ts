// Filter controls for a ticket type's own fields: which control fits each field's kind,
// and how a control's value reads from and writes to the `f.<field>[.op]` query parameters.
// Pure, so the queue's field filters are tested without rendering.
import type { Schemas } from "../api/client";

export type FieldSpec = Schemas["FieldSpec"];
type Params = [string, string][];

export interface Option {
  value: string;
  label: string;
}

interface Base {
  /** The field's name (the `f.<name>` parameter). */
  field: string;
  /** What the control is labelled: the field's title, or its name. */
  label: string;
}

export type FieldControl =
  | (Base & { control: "multiselect"; options: Option[] })
  | (Base & { control: "yesno" })
  | (Base & { control: "number-range"; integer: boolean })
  /** `timestamp`: the column holds times, so the last day ends at the next midnight. */
  | (Base & { control: "date-range"; timestamp: boolean })
  | (Base & { control: "contains" });

export type YesNo = "any" | "yes" | "no";
export interface Range {
  /** Lower bound as typed (a number, or a day YYYY-MM-DD); "" for none. */
  min: string;
  max: string;
}

/** What each control holds. */
export type ControlValue<C extends FieldControl["control"]> = C extends "multiselect"
  ? string[]
  : C extends "yesno"
    ? YesNo
    : C extends "number-range" | "date-range"
      ? Range
      : string;

/** An enum value as people read it: `account_access` -> `account access`. */
export function optionLabel(value: unknown): string {
  return String(value).replace(/_/g, " ");
}

/** The control that fits a field; null for fields that cannot be filtered (JSON). */
export function controlFor(spec: FieldSpec): FieldControl | null {
  const base = { field: spec.name, label: spec.title?.trim() || spec.name };
  if (spec.enum_values && spec.enum_values.length > 0 && spec.kind !== "boolean") {
    const options = spec.enum_values
      .filter((v) => v !== null)
      .map((v) => ({ value: String(v), label: optionLabel(v) }));
    return { ...base, control: "multiselect", options };
  }
  switch (spec.kind) {
    case "boolean":
      return { ...base, control: "yesno" };
    case "integer":
      return { ...base, control: "number-range", integer: true };
    case "number":
      return { ...base, control: "number-range", integer: false };
    case "date":
      return { ...base, control: "date-range", timestamp: false };
    case "timestamp":
      return { ...base, control: "date-range", timestamp: true };
    case "text":
      return { ...base, control: "contains" };
    default:
      return null;
  }
}

/** The controls for a type's fields, in the type's order, skipping unfilterable ones. */
export function controlsFor(fields: FieldSpec[]): FieldControl[] {
  return fields.map(controlFor).filter((c): c is FieldControl => c !== null);
}

/** The parameter names a control reads and writes; others on the same field are left alone. */
export function ownedParams(c: FieldControl): string[] {
  const f = `f.${c.field}`;
  switch (c.control) {
    case "multiselect":
      return [f, `${f}.eq`, `${f}.in`];
    case "yesno":
      return [f, `${f}.eq`];
    case "number-range":
      return [`${f}.gte`, `${f}.lte`];
    case "date-range":
      return c.timestamp ? [`${f}.gte`, `${f}.lt`] : [`${f}.gte`, `${f}.lte`];
    case "contains":
      return [`${f}.contains`];
  }
}

function addDay(day: string, n: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + n)).toISOString().slice(0, 10);
}

function first(params: Params, name: string): string {
  return params.find(([k]) => k === name)?.[1] ?? "";
}

/** The control's value as the query parameters say. */
export function readControl<C extends FieldControl>(c: C, params: Params): ControlValue<C["control"]> {
  const f = `f.${c.field}`;
  const value = (() => {
    switch (c.control) {
      case "multiselect": {
        const out: string[] = [];
        for (const [k, v] of params) {
          const values = k === `${f}.in` ? v.split(",") : k === f || k === `${f}.eq` ? [v] : [];
          for (const x of values) if (x && !out.includes(x)) out.push(x);
        }
        return out;
      }
      case "yesno": {
        const v = first(params, f) || first(params, `${f}.eq`);
        return v === "true" ? "yes" : v === "false" ? "no" : "any";
      }
      case "number-range":
        return { min: first(params, `${f}.gte`), max: first(params, `${f}.lte`) };
      case "date-range": {
        if (!c.timestamp) return { min: first(params, `${f}.gte`), max: first(params, `${f}.lte`) };
        const lt = first(params, `${f}.lt`);
        return { min: first(params, `${f}.gte`), max: lt ? addDay(lt, -1) : "" };
      }
      case "contains":
        return first(params, `${f}.contains`);
    }
  })();
  return value as ControlValue<C["control"]>;
}

/**
 * The query parameters with the control's value written in: its own parameters are
 * replaced (where the first of them stood), everything else stays in order.
 */
export function writeControl<C extends FieldControl>(
  c: C,
  params: Params,
  value: ControlValue<C["control"]>,
): Params {
  const f = `f.${c.field}`;
  const mine: Params = [];
  switch (c.control) {
    case "multiselect": {
      const values = value as string[];
      if (values.length === 1) mine.push([f, values[0]]);
      else if (values.length > 1) mine.push([`${f}.in`, values.join(",")]);
      break;
    }
    case "yesno": {
      const v = value as YesNo;
      if (v !== "any") mine.push([f, v === "yes" ? "true" : "false"]);
      break;
    }
    case "number-range":
    case "date-range": {
      const r = value as Range;
      const min = r.min.trim();
      const max = r.max.trim();
      if (min) mine.push([`${f}.gte`, min]);
      if (max) {
        if (c.control === "date-range" && c.timestamp) mine.push([`${f}.lt`, addDay(max, 1)]);
        else mine.push([`${f}.lte`, max]);
      }
      break;
    }
    case "contains": {
      const v = (value as string).trim();
      if (v) mine.push([`${f}.contains`, v]);
      break;
    }
  }
  const owned = new Set(ownedParams(c));
  const at = params.findIndex(([k]) => owned.has(k));
  const rest = params.filter(([k]) => !owned.has(k));
  const index = at === -1 ? rest.length : params.slice(0, at).filter(([k]) => !owned.has(k)).length;
  return [...rest.slice(0, index), ...mine, ...rest.slice(index)];
}

/** Field parameters no control shows (e.g. `f.impact.ne=team` from a link), to list as chips. */
export function unownedParams(controls: FieldControl[], params: Params): Params {
  const owned = new Set(controls.flatMap(ownedParams));
  return params.filter(([k]) => !owned.has(k));
}
