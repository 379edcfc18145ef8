import { describe, expect, it } from "vitest";
import {
  addField,
  addState,
  addTransition,
  allowsMove,
  DEFAULT_WORKFLOW,
  defaultFromText,
  definitionToYaml,
  fieldNameProblem,
  fieldRows,
  kindOfSchema,
  offsetOf,
  parseDefinition,
  removeField,
  removeState,
  removeTransition,
  renameField,
  schemaForKind,
  setFieldKind,
  setFieldOptions,
  setFieldRequired,
  setStateCategory,
  transitionPairs,
  withWorkflow,
  workflowOf,
  type TypeDefinition,
} from "./typeEditor";

const base: TypeDefinition = {
  slug: "facilities",
  name: "Facilities",
  key_prefix: "FAC",
  schema: {
    type: "object",
    required: ["area"],
    properties: {
      area: { title: "Area", type: "string", enum: ["kitchen", "office"], "x-index": true },
      floor: { title: "Floor", type: "integer", minimum: 0 },
    },
  },
  ui: { "ui:order": ["area", "floor"], floor: { "ui:widget": "updown" } },
};

describe("kinds and JSON Schema", () => {
  it("reads the kind of each schema shape", () => {
    expect(kindOfSchema({ type: "string" })).toBe("text");
    expect(kindOfSchema({ type: "string", enum: ["a"] })).toBe("enum");
    expect(kindOfSchema({ enum: ["a", "b"] })).toBe("enum");
    expect(kindOfSchema({ enum: ["a", 1] })).toBe("other");
    expect(kindOfSchema({ type: "string", format: "date" })).toBe("date");
    expect(kindOfSchema({ type: "string", format: "date-time" })).toBe("timestamp");
    expect(kindOfSchema({ type: ["integer", "null"] })).toBe("integer");
    expect(kindOfSchema({ type: "number" })).toBe("number");
    expect(kindOfSchema({ type: "boolean" })).toBe("boolean");
    expect(kindOfSchema({ type: "array", items: { type: "string" } })).toBe("json");
    expect(kindOfSchema({ type: ["string", "integer"] })).toBe("other");
    expect(kindOfSchema({ $ref: "#/$defs/x" })).toBe("other");
  });

  it("round-trips every editable kind through its schema", () => {
    for (const kind of ["text", "enum", "integer", "number", "boolean", "date", "timestamp", "json"] as const) {
      expect(kindOfSchema(schemaForKind(kind))).toBe(kind);
    }
  });

  it("keeps title and index across a kind change but drops kind-specific keywords", () => {
    const next = schemaForKind("text", { title: "Floor", type: "integer", minimum: 0, "x-index": true });
    expect(next).toEqual({ title: "Floor", type: "string", "x-index": true });
    expect(schemaForKind("json", { "x-index": true, "x-searchable": true })).not.toHaveProperty("x-index");
    expect(schemaForKind("integer", { "x-searchable": true })).not.toHaveProperty("x-searchable");
  });
});

describe("field edits", () => {
  it("lists the fields in file order", () => {
    expect(fieldRows(base)).toEqual([
      { name: "area", title: "Area", kind: "enum", required: true, options: ["kitchen", "office"], default: undefined },
      { name: "floor", title: "Floor", kind: "integer", required: false, options: [], default: undefined },
    ]);
  });

  it("adds a field at the end and to ui:order", () => {
    const next = addField(base, "room", "text", "Room");
    expect(fieldRows(next).map((f) => f.name)).toEqual(["area", "floor", "room"]);
    expect((next.ui as { "ui:order": string[] })["ui:order"]).toEqual(["area", "floor", "room"]);
    expect(fieldRows(base)).toHaveLength(2); // not mutated
  });

  it("refuses bad, reserved and duplicate names", () => {
    expect(() => addField(base, "Room", "text")).toThrow(/lower-case/);
    expect(() => addField(base, "id", "text")).toThrow(/reserved/);
    expect(() => addField(base, "floor", "text")).toThrow(/already/);
    expect(fieldNameProblem(base, "room")).toBeNull();
  });

  it("removes a field everywhere it is named", () => {
    const next = removeField(base, "area");
    expect(fieldRows(next).map((f) => f.name)).toEqual(["floor"]);
    expect((next.schema as { required: string[] }).required).toEqual([]);
    expect((next.ui as { "ui:order": string[] })["ui:order"]).toEqual(["floor"]);
    const nextFloor = removeField(base, "floor");
    expect(nextFloor.ui).not.toHaveProperty("floor");
  });

  it("renames a stored field with x-renamed-from, in place, following required and ui", () => {
    const next = renameField(base, "area", "zone", new Set(["area", "floor"]));
    const props = (next.schema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(Object.keys(props)).toEqual(["zone", "floor"]);
    expect(props.zone["x-renamed-from"]).toBe("area");
    expect((next.schema as { required: string[] }).required).toEqual(["zone"]);
    const renamedFloor = renameField(base, "floor", "level", new Set(["area", "floor"]));
    expect(renamedFloor.ui).toHaveProperty("level");
    expect(renamedFloor.ui).not.toHaveProperty("floor");
  });

  it("renames a draft-only field without a rename record, and renaming back drops it", () => {
    const draft = addField(base, "room", "text");
    const renamed = renameField(draft, "room", "space", new Set(["area", "floor"]));
    const props = (renamed.schema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(props.space).not.toHaveProperty("x-renamed-from");
    const stored = new Set(["area", "floor"]);
    const there = renameField(base, "area", "zone", stored);
    const further = renameField(there, "zone", "sector", stored);
    const furtherProps = (further.schema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(furtherProps.sector["x-renamed-from"]).toBe("area");
    const back = renameField(there, "zone", "area", stored);
    const backProps = (back.schema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(backProps.area).not.toHaveProperty("x-renamed-from");
  });

  it("sets required, kind and options", () => {
    expect(fieldRows(setFieldRequired(base, "floor", true))[1].required).toBe(true);
    const notRequired = setFieldRequired(base, "area", false);
    expect(notRequired.schema).not.toHaveProperty("required");
    expect(fieldRows(setFieldKind(base, "floor", "number"))[1].kind).toBe("number");
    const withDefault = { ...base };
    const defaulted = setFieldOptions(
      { ...withDefault, schema: { type: "object", properties: { a: { type: "string", enum: ["x", "y"], default: "y" } } } },
      "a",
      ["x", "z"],
    );
    expect(fieldRows(defaulted)[0]).toMatchObject({ options: ["x", "z"], default: undefined });
  });

  it("converts typed defaults to the kind's values", () => {
    expect(defaultFromText("integer", "3")).toBe(3);
    expect(defaultFromText("integer", "three")).toBe("three");
    expect(defaultFromText("boolean", "false")).toBe(false);
    expect(defaultFromText("text", "  ")).toBeUndefined();
    expect(defaultFromText("json", '["a"]')).toEqual(["a"]);
  });
});

describe("YAML", () => {
  it("parses a mapping and prints it back equal", () => {
    const text = definitionToYaml(base);
    const parsed = parseDefinition(text);
    expect(parsed).toEqual({ ok: true, definition: base });
    expect(text).toContain("enum: [kitchen, office]");
  });

  it("reports the first syntax error with line and column", () => {
    const result = parseDefinition("slug: x\nname: [a,\nkey_prefix: X\n");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.line).toBe(3);
      expect(result.error.column).toBe(1);
      expect(result.error.message).not.toMatch(/at line/);
    }
    const dup = parseDefinition("slug: x\nslug: y\n");
    expect(dup.ok ? null : dup.error.line).toBe(2);
  });

  it("refuses a document that is not a mapping", () => {
    expect(parseDefinition("- a\n- b\n").ok).toBe(false);
  });

  it("quotes the * of a transition and leaves out null top-level keys", () => {
    const text = definitionToYaml({ slug: "a", description: null, workflow: { transitions: [{ from: ["*"], to: "closed" }] } });
    expect(text).not.toContain("description");
    expect(text).toContain('"*"');
    expect(parseDefinition(text)).toMatchObject({ ok: true });
  });

  it("finds the offset of a line and column", () => {
    const text = "ab\ncdef\ng";
    expect(offsetOf(text, 1, 1)).toBe(0);
    expect(offsetOf(text, 2, 3)).toBe(5);
    expect(offsetOf(text, 2, 99)).toBe(7); // clamped to the line's end
    expect(offsetOf(text, 9, 1)).toBe(text.length);
  });
});

describe("workflows", () => {
  it("uses the default workflow when the definition has none", () => {
    expect(workflowOf(base)).toEqual(DEFAULT_WORKFLOW);
    expect(workflowOf({ ...base, workflow: "default" })).toEqual(DEFAULT_WORKFLOW);
  });

  it("reads a single-state from as a list", () => {
    const wf = workflowOf({ workflow: { initial: "a", states: [], transitions: [{ from: "a", to: "b" }] } });
    expect(wf.transitions).toEqual([{ from: ["a"], to: "b" }]);
  });

  it("adds and removes states, cleaning transitions and initial", () => {
    let wf = addState(DEFAULT_WORKFLOW, "waiting_parts", "pending", "Waiting for parts");
    wf = addTransition(wf, "open", "waiting_parts");
    expect(allowsMove(wf, "open", "waiting_parts")).toBe(true);
    expect(() => addState(wf, "open", "open")).toThrow(/already/);
    wf = removeState(wf, "waiting_parts");
    expect(wf).toEqual(DEFAULT_WORKFLOW);
    const noNew = removeState(DEFAULT_WORKFLOW, "new");
    expect(noNew.initial).toBe("open");
    expect(noNew.transitions.flatMap((t) => t.from)).not.toContain("new");
  });

  it("joins a new move into the existing transition to the same state", () => {
    const wf = addTransition(DEFAULT_WORKFLOW, "closed", "solved");
    expect(wf.transitions.find((t) => t.to === "solved")?.from).toEqual(["new", "open", "pending", "closed"]);
    expect(() => addTransition(wf, "open", "open")).toThrow(/itself/);
  });

  it("spells out a * transition when one move of it is removed", () => {
    const wf = { initial: "a", states: [{ name: "a", category: "new" as const }, { name: "b", category: "open" as const }, { name: "c", category: "closed" as const }], transitions: [{ from: ["*"], to: "c" }] };
    expect(transitionPairs(wf)).toEqual([
      { from: "a", to: "c", viaAny: true },
      { from: "b", to: "c", viaAny: true },
    ]);
    const next = removeTransition(wf, "a", "c");
    expect(next.transitions).toEqual([{ from: ["b"], to: "c" }]);
    expect(removeTransition(next, "b", "c").transitions).toEqual([]);
  });

  it("changes a category and writes the workflow inline", () => {
    const wf = setStateCategory(DEFAULT_WORKFLOW, "pending", "open");
    const def = withWorkflow(base, wf);
    expect(workflowOf(def).states.find((s) => s.name === "pending")?.category).toBe("open");
    expect(parseDefinition(definitionToYaml(def))).toMatchObject({ ok: true });
  });
});
