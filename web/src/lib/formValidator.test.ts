import { describe, expect, it } from "vitest";
import type { RJSFSchema } from "@rjsf/utils";
import { schemaValidator } from "./formValidator";

const schema: RJSFSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["asset_tag", "kind"],
  additionalProperties: false,
  $defs: { tag: { type: "string", pattern: "^EQ-[0-9]{6}$" } },
  properties: {
    asset_tag: { title: "Asset tag", $ref: "#/$defs/tag" },
    kind: { type: "string", enum: ["hvac", "forklift"] },
    location: { type: "string", minLength: 2, maxLength: 5 },
    hours: { type: "number", minimum: 0, maximum: 100 },
    users: { type: "integer", exclusiveMinimum: 0 },
    due: { type: "string", format: "date" },
    reporter_email: { type: "string", format: "email" },
    symptoms: { type: "array", items: { type: "string", enum: ["noise", "leak"] }, uniqueItems: true, maxItems: 2 },
    contact: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string", title: "Contact name" }, phone: { type: "string", pattern: "^[0-9+ ]+$" } },
    },
    parts: {
      type: "array",
      items: { type: "object", required: ["sku"], properties: { sku: { type: "string" }, qty: { type: "integer", minimum: 1 } } },
    },
    reference: { oneOf: [{ type: "string", pattern: "^PO-" }, { type: "string", pattern: "^[0-9]+$" }] },
    hazard: { type: "boolean" },
  },
};

const validator = schemaValidator(schema);
const valid = { asset_tag: "EQ-004512", kind: "hvac" };

/** "property keyword" for each error, as RJSF places them. */
function placed(data: unknown): string[] {
  return validator.validateFormData(data, schema).errors.map((e) => `${e.property} ${e.name}`);
}

describe("schemaValidator", () => {
  it("accepts a valid form", () => {
    const full = {
      ...valid,
      location: "B2",
      hours: 12.5,
      users: 3,
      due: "2026-02-28",
      reporter_email: "ops@example.com",
      symptoms: ["noise", "leak"],
      contact: { name: "Ana", phone: "+44 1234" },
      parts: [{ sku: "F-1", qty: 2 }],
      reference: "PO-7",
      hazard: false,
    };
    expect(validator.validateFormData(full, schema)).toEqual({ errors: [], errorSchema: {} });
    expect(validator.isValid(schema, full, schema)).toBe(true);
  });

  it("puts a required error on the missing property, named by its title", () => {
    const { errors, errorSchema } = validator.validateFormData({ kind: "hvac" }, schema);
    expect(errors).toHaveLength(1);
    // RJSF (as with Ajv) names a top-level missing property without the leading dot.
    expect(errors[0]).toMatchObject({ name: "required", property: "asset_tag", message: "must have required property 'Asset tag'" });
    expect(errorSchema).toEqual({ asset_tag: { __errors: ["must have required property 'Asset tag'"] } });
  });

  it("treats a cleared field (undefined, as RJSF leaves it) as missing", () => {
    expect(placed({ asset_tag: undefined, kind: "hvac" })).toEqual(["asset_tag required"]);
  });

  it("checks each keyword on its own field", () => {
    const errors = validator.validateFormData(
      {
        asset_tag: "EQ-1",
        kind: "boat",
        location: "x",
        hours: 101,
        users: 0,
        due: "2026-02-30",
        reporter_email: "not an email",
        symptoms: ["noise", "noise", "fire"],
        hazard: "yes",
      },
      schema,
    ).errors;
    expect(errors.map((e) => `${e.property} ${e.name}`).sort()).toEqual(
      [
        ".asset_tag pattern",
        ".kind enum",
        ".location minLength",
        ".hours maximum",
        ".users exclusiveMinimum",
        ".due format",
        ".reporter_email format",
        ".symptoms maxItems",
        ".symptoms uniqueItems",
        ".symptoms.2 enum",
        ".hazard type",
      ].sort(),
    );
    const message = (property: string) => errors.find((e) => e.property === property)?.message;
    expect(message(".asset_tag")).toBe('must match pattern "^EQ-[0-9]{6}$"');
    expect(message(".location")).toBe("must NOT have fewer than 2 characters");
    expect(message(".due")).toBe('must match format "date"');
    expect(message(".kind")).toBe("must be equal to one of the allowed values");
  });

  it("tells integers from numbers", () => {
    expect(placed({ ...valid, users: 1.5 })).toEqual([".users type"]);
    expect(validator.validateFormData({ ...valid, users: 1.5 }, schema).errors[0].message).toBe("must be integer");
    expect(placed({ ...valid, users: 2, hours: 1.5 })).toEqual([]);
  });

  it("counts characters, not UTF-16 units", () => {
    expect(placed({ ...valid, location: "😀😀😀😀😀" })).toEqual([]);
    expect(placed({ ...valid, location: "😀😀😀😀😀😀" })).toEqual([".location maxLength"]);
  });

  it("places errors inside nested objects and arrays", () => {
    expect(
      placed({ ...valid, contact: { phone: "call me" }, parts: [{ sku: "A" }, { sku: "B", qty: 0 }, { qty: 1 }] }).sort(),
    ).toEqual([".contact.name required", ".contact.phone pattern", ".parts.1.qty minimum", ".parts.2.sku required"].sort());
    const errors = validator.validateFormData({ ...valid, contact: {} }, schema).errors;
    expect(errors[0].message).toBe("must have required property 'Contact name'");
  });

  it("reports an unknown property on the object, naming it", () => {
    const { errors } = validator.validateFormData({ ...valid, colour: "red" }, schema);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: "additionalProperties", property: "", params: { additionalProperty: "colour" } });
    expect(errors[0].message).toContain("colour");
  });

  it("requires exactly one oneOf branch", () => {
    expect(placed({ ...valid, reference: "PO-1" })).toEqual([]);
    expect(placed({ ...valid, reference: "12" })).toEqual([]);
    const errors = validator.validateFormData({ ...valid, reference: "nope" }, schema).errors;
    expect(errors.map((e) => e.property)).toEqual([".reference", ".reference", ".reference"]);
    expect(errors[0]).toMatchObject({ name: "oneOf", message: "must match exactly one schema in oneOf" });
    const both = { oneOf: [{ minimum: 0 }, { maximum: 10 }] } as RJSFSchema;
    expect(schemaValidator(both).validateFormData(5, both).errors.map((e) => e.name)).toEqual(["oneOf"]);
  });

  it("says why `contains` failed on the array, not on each item", () => {
    const s: RJSFSchema = { type: "object", properties: { tags: { type: "array", contains: { const: "urgent" } } } };
    expect(schemaValidator(s).validateFormData({ tags: ["a", "b"] }, s).errors.map((e) => `${e.property} ${e.name}`)).toEqual([
      ".tags contains",
    ]);
    const twice: RJSFSchema = { type: "array", contains: { const: "urgent" }, minContains: 2 };
    expect(schemaValidator(twice).validateFormData(["urgent", "b"], twice).errors.map((e) => `${e.property} ${e.name}`)).toEqual([
      " minContains",
    ]);
  });

  it("checks subschemas (RJSF's option matching), resolving $refs in the root", () => {
    // RJSF passes copies of options, whose $refs point into the root schema.
    const option = { type: "object", properties: { tag: { $ref: "#/$defs/tag" } }, required: ["tag"] } as RJSFSchema;
    expect(validator.isValid(option, { tag: "EQ-000001" }, schema)).toBe(true);
    expect(validator.isValid(option, { tag: "EQ-1" }, schema)).toBe(false);
    expect(validator.isValid(option, { tag: undefined }, schema)).toBe(false);
  });

  it("reports a broken schema instead of throwing", () => {
    const broken = { type: "object", properties: { a: { $ref: "#/$defs/missing" } } } as RJSFSchema;
    const result = schemaValidator(broken).validateFormData({ a: 1 }, broken);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].stack).toMatch(/Unresolved \$ref/);
    expect(schemaValidator(broken).isValid(broken, { a: 1 }, broken)).toBe(false);
  });

  it("runs RJSF's transformErrors and customValidate", () => {
    const result = validator.validateFormData(
      { kind: "hvac", asset_tag: "EQ-000001", location: "B2" },
      schema,
      (data, errors) => {
        if ((data as { location?: string }).location === "B2") errors.location?.addError("B2 is closed");
        return errors;
      },
      (errors) => errors,
    );
    expect(result.errorSchema.location?.__errors).toEqual(["B2 is closed"]);
    expect(result.errors.map((e) => e.stack)).toEqual([".location B2 is closed"]);
  });

  it("gives one validator per schema object", () => {
    expect(schemaValidator(schema)).toBe(validator);
  });
});
