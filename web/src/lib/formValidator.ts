// The validator the type forms use: @cfworker/json-schema (JSON Schema 2020-12, as the
// server) behind RJSF's ValidatorType.
//
// Why not Ajv: it compiles schemas into JavaScript with `new Function`, and `docket serve`
// sends a Content-Security-Policy without 'unsafe-eval', so in the real UI it cannot run.
// @cfworker/json-schema interprets the schema instead. Its errors are turned into Ajv's
// shape (instancePath, keyword, params, message) so @rjsf/validator-ajv8's error
// processing places them as RJSF expects: a `required` error on the missing property,
// titles in messages, `customValidate` and `transformErrors` as usual.
import { dereference, validate, type OutputUnit, type Schema } from "@cfworker/json-schema";
import processRawValidationErrors from "@rjsf/validator-ajv8/lib/processRawValidationErrors.js";
import { ID_KEY, JUNK_OPTION_ID, type RJSFSchema, type ValidatorType } from "@rjsf/utils";

type RawErrors = Parameters<typeof processRawValidationErrors>[1];
/** An error in Ajv's shape, as validator-ajv8's error processing takes it. */
export type AjvShapedError = NonNullable<RawErrors["errors"]>[number];

/** Schemas by URI, for `$ref`s (see `lookupFor`). */
type Lookup = Record<string, Schema | boolean>;

const DRAFT = "2020-12";

const validators = new WeakMap<RJSFSchema, ValidatorType>();
const lookups = new WeakMap<RJSFSchema, Lookup>();

/** The validator for forms of one root schema (one per schema object). */
export function schemaValidator(rootSchema: RJSFSchema): ValidatorType {
  let validator = validators.get(rootSchema);
  if (!validator) {
    validator = makeValidator(rootSchema);
    validators.set(rootSchema, validator);
  }
  return validator;
}

function makeValidator(rootSchema: RJSFSchema): ValidatorType {
  const self: ValidatorType = {
    // Generic in RJSF's interface; the errors are always Ajv-shaped.
    rawValidation<Result>(schema: RJSFSchema, formData?: unknown) {
      try {
        return { errors: ajvShapedErrors(schema, formData, rootSchema) as Result[] };
      } catch (e) {
        // An unresolvable $ref or invalid pattern: RJSF shows it as a schema error.
        return { validationError: e instanceof Error ? e : new Error(String(e)) };
      }
    },
    validateFormData: (formData, schema, customValidate, transformErrors, uiSchema) =>
      processRawValidationErrors(
        self,
        self.rawValidation(schema, formData),
        formData,
        schema,
        customValidate,
        transformErrors,
        uiSchema,
      ),
    // RJSF asks this of subschemas (oneOf/anyOf options, if conditions) to pick a branch.
    isValid(schema, formData, root) {
      if (schema[ID_KEY] === JUNK_OPTION_ID) return false;
      try {
        return validate(asJson(formData), schema as Schema, DRAFT, lookupFor(root ?? rootSchema), true).valid;
      } catch {
        return false;
      }
    },
  };
  return self;
}

/**
 * The `$ref` targets of a root schema. `dereference` indexes a (cloned, since it marks
 * the nodes it visits) copy by absolute URI; the local forms (`#/$defs/x`) are added
 * too, because RJSF validates copies of subschemas whose `$ref`s were never resolved
 * against a base URI.
 */
function lookupFor(root: RJSFSchema): Lookup {
  let lookup = lookups.get(root);
  if (!lookup) {
    lookup = dereference(structuredClone(root) as Schema);
    for (const [uri, schema] of Object.entries(lookup)) {
      const hash = uri.indexOf("#");
      const fragment = hash < 0 ? "#" : uri.slice(hash);
      lookup[fragment] ??= schema;
      lookup[safeDecode(fragment)] ??= schema;
    }
    lookups.set(root, lookup);
  }
  return lookup;
}

/**
 * The data as the server receives it (JSON): no `undefined` members, which RJSF leaves
 * for cleared fields and which count as missing for `required`.
 */
function asJson(data: unknown): unknown {
  return data === undefined ? null : JSON.parse(JSON.stringify(data));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The segments of a `#/a/b~1c` location, unescaped. */
function pointerSegments(location: string): string[] {
  return location
    .replace(/^#/, "")
    .split("/")
    .slice(1)
    .map((s) => safeDecode(s).replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** An instance location (`#/a%20b/0`) as Ajv's instancePath (`/a b/0`). */
function instancePath(location: string): string {
  return location
    .replace(/^#/, "")
    .split("/")
    .map(safeDecode)
    .join("/");
}

/** The schema node at a keyword location, following `$ref`s the way validation did. */
function schemaAt(schema: Schema, segments: string[], lookup: Lookup): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const seg of segments) {
    if (typeof node !== "object" || node === null) return undefined;
    const obj = node as Record<string, unknown>;
    node = seg === "$ref" ? lookup[(obj.__absolute_ref__ as string) ?? (obj.$ref as string)] : obj[seg];
  }
  return typeof node === "object" && node !== null ? (node as Record<string, unknown>) : undefined;
}

/**
 * Errors that only say "a subschema failed"; the subschema's own errors follow them and
 * say what is wrong, on the right instance path.
 */
const SUMMARIES = new Set([
  "$ref",
  "$recursiveRef",
  "properties",
  "patternProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "allOf",
  "if",
  "dependentSchemas",
]);

/**
 * Keywords that test the members of an object (array) by a subschema. When that is the
 * `false` schema ("no other members"), the error belongs on the object, as Ajv reports it.
 */
const MEMBER_KEYWORDS: Record<string, { param: string; message: (key: string) => string }> = {
  additionalProperties: { param: "additionalProperty", message: (k) => `must NOT have additional property '${k}'` },
  unevaluatedProperties: { param: "unevaluatedProperty", message: (k) => `must NOT have unevaluated property '${k}'` },
  unevaluatedItems: { param: "unevaluatedItem", message: () => "must NOT have unevaluated items" },
};

/** Every error of `data` against `schema` (local `$ref`s resolve in `root`), Ajv-shaped. */
export function ajvShapedErrors(schema: RJSFSchema, data: unknown, root: RJSFSchema = schema): AjvShapedError[] {
  const lookup = lookupFor(root);
  // Why the items did not match `contains` is not an error of each item.
  const errors = validate(asJson(data), schema as Schema, DRAFT, lookup, false).errors.filter(
    (e) => !underContains(e.keywordLocation),
  );
  const out: AjvShapedError[] = [];
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i];
    if (SUMMARIES.has(e.keyword)) continue;
    const isChild = (c: OutputUnit | undefined) =>
      c !== undefined &&
      (c.keywordLocation.startsWith(`${e.keywordLocation}/`) ||
        (c.keyword === "false" && c.instanceLocation.startsWith(`${e.instanceLocation}/`)));
    const member = MEMBER_KEYWORDS[e.keyword];
    if (member) {
      const next = errors[i + 1];
      // A subschema other than `false`: its own errors (which follow) are on the member.
      if (next?.keyword !== "false") continue;
      const key = pointerSegments(next.instanceLocation).pop() ?? "";
      out.push(shaped(e, schema, lookup, { [member.param]: key }, member.message(key)));
    } else if (e.keyword === "propertyNames") {
      const key = pointerSegments(errors[i + 1]?.instanceLocation ?? "").pop() ?? "";
      out.push(shaped(e, schema, lookup, { propertyName: key }, `property name '${key}' is invalid`));
    } else {
      out.push(shaped(e, schema, lookup));
      continue;
    }
    // What the items/members failed is said by the error above, not on each of them.
    while (isChild(errors[i + 1])) i++;
  }
  return out;
}

/** Keywords whose next keyword-location segment is a name or an index, not a keyword. */
const NAMED_CHILDREN = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "allOf", "anyOf", "oneOf", "prefixItems"]);

/** Whether a keyword location is inside a `contains` subschema. */
function underContains(keywordLocation: string): boolean {
  const segments = pointerSegments(keywordLocation);
  for (let j = 0; j < segments.length - 1; j++) {
    if (NAMED_CHILDREN.has(segments[j])) j++;
    else if (segments[j] === "contains") return true;
  }
  return false;
}

function shaped(
  e: OutputUnit,
  schema: RJSFSchema,
  lookup: Lookup,
  extraParams?: Record<string, unknown>,
  messageOverride?: string,
): AjvShapedError {
  // A `false` schema's error names its instance, not a keyword location.
  const segments = e.keyword === "false" ? undefined : pointerSegments(e.keywordLocation).slice(0, -1);
  const parentSchema = segments && schemaAt(schema as Schema, segments, lookup);
  const { params, message } = describe(e, parentSchema ?? {});
  return {
    instancePath: instancePath(e.instanceLocation),
    schemaPath: e.keywordLocation,
    keyword: e.keyword,
    params: { ...params, ...extraParams },
    message: messageOverride ?? message,
    parentSchema,
  };
}

/** Ajv's params and message for an error (its wording, which RJSF users know). */
function describe(e: OutputUnit, p: Record<string, unknown>): { params: Record<string, unknown>; message: string } {
  const limit = p[e.keyword];
  switch (e.keyword) {
    case "required": {
      // The library names the missing property only in its message.
      const missingProperty = /required property "(.*)"\.$/.exec(e.error)?.[1] ?? "";
      return { params: { missingProperty }, message: `must have required property '${missingProperty}'` };
    }
    case "dependentRequired": {
      const [, property = "", missingProperty = ""] = /has "(.*)" but does not have "(.*)"\.$/.exec(e.error) ?? [];
      return {
        params: { property, missingProperty, deps: missingProperty, depsCount: 1 },
        message: `must have property ${missingProperty} when property ${property} is present`,
      };
    }
    case "type": {
      const type = [limit].flat().join(",");
      return { params: { type }, message: `must be ${type}` };
    }
    case "enum":
      return { params: { allowedValues: limit }, message: "must be equal to one of the allowed values" };
    case "const":
      return { params: { allowedValue: limit }, message: "must be equal to constant" };
    case "pattern":
      return { params: { pattern: limit }, message: `must match pattern "${String(limit)}"` };
    case "format":
      return { params: { format: limit }, message: `must match format "${String(limit)}"` };
    case "minLength":
      return { params: { limit }, message: `must NOT have fewer than ${String(limit)} characters` };
    case "maxLength":
      return { params: { limit }, message: `must NOT have more than ${String(limit)} characters` };
    case "minimum":
      return { params: { comparison: ">=", limit }, message: `must be >= ${String(limit)}` };
    case "maximum":
      return { params: { comparison: "<=", limit }, message: `must be <= ${String(limit)}` };
    case "exclusiveMinimum":
      return { params: { comparison: ">", limit }, message: `must be > ${String(limit)}` };
    case "exclusiveMaximum":
      return { params: { comparison: "<", limit }, message: `must be < ${String(limit)}` };
    case "multipleOf":
      return { params: { multipleOf: limit }, message: `must be multiple of ${String(limit)}` };
    case "minItems":
      return { params: { limit }, message: `must NOT have fewer than ${String(limit)} items` };
    case "maxItems":
      return { params: { limit }, message: `must NOT have more than ${String(limit)} items` };
    case "uniqueItems":
      return { params: {}, message: "must NOT have duplicate items" };
    case "minProperties":
      return { params: { limit }, message: `must NOT have fewer than ${String(limit)} properties` };
    case "maxProperties":
      return { params: { limit }, message: `must NOT have more than ${String(limit)} properties` };
    case "contains":
    case "minContains":
      return { params: { minContains: p.minContains ?? 1 }, message: `must contain at least ${String(p.minContains ?? 1)} valid item(s)` };
    case "maxContains":
      return { params: { maxContains: limit }, message: `must contain at most ${String(limit)} valid item(s)` };
    case "anyOf":
      return { params: {}, message: "must match a schema in anyOf" };
    case "oneOf":
      return { params: {}, message: "must match exactly one schema in oneOf" };
    case "not":
      return { params: {}, message: "must NOT be valid" };
    case "false":
      return { params: {}, message: "boolean schema is false" };
    default:
      return { params: {}, message: e.error };
  }
}
