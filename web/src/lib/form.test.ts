import { describe, expect, it } from "vitest";
import type { ErrorSchema } from "@rjsf/utils";
import {
  changedFields,
  coreErrorsByField,
  dropErrorsOfChangedFields,
  extraErrorsFromProblem,
  hintsToUiSchema,
  withoutNulls,
} from "./form";

const schema = {
  type: "object",
  properties: {
    category: { type: "string", enum: ["hardware", "software"] },
    impact: { type: "string", enum: ["low", "high"] },
    asset_tag: { type: "string" },
    notes: { type: "string" },
  },
};

describe("hintsToUiSchema", () => {
  it("keeps per-field hints RJSF understands", () => {
    const ui = hintsToUiSchema(
      {
        impact: { "ui:widget": "radio" },
        notes: { "ui:widget": "textarea", "ui:options": { rows: 5 }, "ui:help": "Be precise" },
        asset_tag: { "ui:placeholder": "A-01234" },
      },
      schema,
    );
    expect(ui.impact).toEqual({ "ui:widget": "radio" });
    expect(ui.notes).toEqual({ "ui:widget": "textarea", "ui:options": { rows: 5 }, "ui:help": "Be precise" });
    expect(ui.asset_tag).toEqual({ "ui:placeholder": "A-01234" });
  });

  it("turns off the form's own submit button", () => {
    expect(hintsToUiSchema(null, schema)["ui:submitButtonOptions"]).toEqual({ norender: true });
  });

  it("adds the wildcard to an order that leaves fields out", () => {
    const ui = hintsToUiSchema({ "ui:order": ["impact", "category"] }, schema);
    expect(ui["ui:order"]).toEqual(["impact", "category", "*"]);
  });

  it("keeps a complete order as it is and drops unknown names from it", () => {
    const ui = hintsToUiSchema({ "ui:order": ["notes", "ghost", "asset_tag", "impact", "category"] }, schema);
    expect(ui["ui:order"]).toEqual(["notes", "asset_tag", "impact", "category"]);
    const wild = hintsToUiSchema({ "ui:order": ["notes", "*"] }, schema);
    expect(wild["ui:order"]).toEqual(["notes", "*"]);
  });

  it("drops hints for missing fields, unknown widgets and unknown hint names", () => {
    const ui = hintsToUiSchema(
      {
        ghost: { "ui:widget": "textarea" },
        impact: { "ui:widget": "starRating", "ui:help": "How bad" },
        category: { "x-custom": 1 },
      },
      schema,
    );
    expect(ui.ghost).toBeUndefined();
    expect(ui.impact).toEqual({ "ui:help": "How bad" });
    expect(ui.category).toBeUndefined();
  });
});

describe("extraErrorsFromProblem", () => {
  it("puts each /fields/<name> error on its field", () => {
    const errs = extraErrorsFromProblem([
      { pointer: "/fields/asset_tag", message: "does not match pattern" },
      { pointer: "/fields/impact", message: "not one of the values" },
      { pointer: "/title", message: "the title must not be empty" },
    ]);
    expect(errs).toEqual({
      asset_tag: { __errors: ["does not match pattern"] },
      impact: { __errors: ["not one of the values"] },
    });
  });

  it("puts a required-property error at /fields on the field it names", () => {
    const errs = extraErrorsFromProblem([
      { pointer: "/fields", message: '"category" is a required property' },
      { pointer: "/fields", message: "something about the whole object" },
    ]);
    expect(errs).toEqual({
      category: { __errors: ['"category" is a required property'] },
      __errors: ["something about the whole object"],
    });
  });

  it("follows nested pointers and unescapes segments", () => {
    const errs = extraErrorsFromProblem([
      { pointer: "/fields/parts/1", message: "bad part" },
      { pointer: "/fields/a~1b", message: "odd name" },
    ]);
    expect(errs).toEqual({ parts: { 1: { __errors: ["bad part"] } }, "a/b": { __errors: ["odd name"] } });
  });

  it("does not take /fieldsX for /fields", () => {
    expect(extraErrorsFromProblem([{ pointer: "/fieldset", message: "x" }])).toEqual({});
  });
});

describe("dropErrorsOfChangedFields", () => {
  it("forgets the server error of a field once its value changes", () => {
    const errs = { a: { __errors: ["bad a"] }, b: { __errors: ["bad b"] } } as unknown as ErrorSchema;
    expect(dropErrorsOfChangedFields(errs, { a: "1", b: "2" }, { a: "1x", b: "2" })).toEqual({
      b: { __errors: ["bad b"] },
    });
  });
});

describe("coreErrorsByField", () => {
  it("groups core errors by field and leaves /fields alone", () => {
    expect(
      coreErrorsByField([
        { pointer: "/title", message: "empty" },
        { pointer: "/requester/email", message: "not an email" },
        { pointer: "/tags/2", message: "bad tag" },
        { pointer: "/tags", message: "too many" },
        { pointer: "/fields/x", message: "ignored" },
      ]),
    ).toEqual({ title: "empty", "requester/email": "not an email", tags: "bad tag; too many" });
  });
});

describe("changedFields", () => {
  it("sends changed values and null for cleared ones, nothing for unchanged ones", () => {
    expect(
      changedFields(
        { a: 1, b: "x", c: ["p", "q"], d: true },
        { a: 2, b: "x", c: ["p", "q"], e: "new" },
      ),
    ).toEqual({ a: 2, d: null, e: "new" });
  });

  it("treats a reordered object as unchanged", () => {
    expect(changedFields({ o: { x: 1, y: 2 } }, { o: { y: 2, x: 1 } })).toEqual({});
  });
});

describe("withoutNulls", () => {
  it("drops unset fields and keeps false, 0 and empty lists", () => {
    expect(withoutNulls({ a: null, b: false, c: 0, d: [], e: "x" })).toEqual({ b: false, c: 0, d: [], e: "x" });
    expect(withoutNulls(null)).toEqual({});
  });
});
