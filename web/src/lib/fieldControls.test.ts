import { describe, expect, it } from "vitest";
import {
  controlFor,
  controlsFor,
  readControl,
  unownedParams,
  writeControl,
  type FieldControl,
  type FieldSpec,
} from "./fieldControls";

function spec(name: string, kind: FieldSpec["kind"], extra: Partial<FieldSpec> = {}): FieldSpec {
  return { name, kind, required: false, indexed: false, searchable: false, schema: {}, ...extra };
}

describe("controlFor", () => {
  it("fits a control to each kind", () => {
    expect(controlFor(spec("category", "text", { title: "Category", enum_values: ["hardware", "account_access"] }))).toEqual({
      field: "category",
      label: "Category",
      control: "multiselect",
      options: [
        { value: "hardware", label: "hardware" },
        { value: "account_access", label: "account access" },
      ],
    });
    expect(controlFor(spec("ok", "boolean"))?.control).toBe("yesno");
    expect(controlFor(spec("n", "integer"))).toMatchObject({ control: "number-range", integer: true });
    expect(controlFor(spec("x", "number"))).toMatchObject({ control: "number-range", integer: false });
    expect(controlFor(spec("d", "date"))).toMatchObject({ control: "date-range", timestamp: false });
    expect(controlFor(spec("t", "timestamp"))).toMatchObject({ control: "date-range", timestamp: true });
    expect(controlFor(spec("s", "text"))?.control).toBe("contains");
    expect(controlFor(spec("j", "json"))).toBeNull();
  });

  it("labels with the title, else the name", () => {
    expect(controlFor(spec("asset_tag", "text", { title: "Asset tag" }))?.label).toBe("Asset tag");
    expect(controlFor(spec("asset_tag", "text", { title: null }))?.label).toBe("asset_tag");
    expect(controlFor(spec("asset_tag", "text", { title: " " }))?.label).toBe("asset_tag");
  });

  it("skips unfilterable fields", () => {
    expect(controlsFor([spec("a", "json"), spec("b", "text")]).map((c) => c.field)).toEqual(["b"]);
  });
});

const multi = controlFor(spec("category", "text", { enum_values: ["a", "b"] }))!;
const yesno = controlFor(spec("flag", "boolean"))!;
const num = controlFor(spec("users", "integer"))!;
const day = controlFor(spec("due", "date"))!;
const time = controlFor(spec("seen", "timestamp"))!;
const text = controlFor(spec("app", "text"))!;

function roundTrip<C extends FieldControl>(c: C, value: Parameters<typeof writeControl<C>>[2]) {
  const params = writeControl(c, [], value);
  return { params, back: readControl(c, params) };
}

describe("writeControl / readControl", () => {
  it("multiselect: one value plain, several as .in", () => {
    expect(roundTrip(multi, ["a"])).toEqual({ params: [["f.category", "a"]], back: ["a"] });
    expect(roundTrip(multi, ["a", "b"])).toEqual({ params: [["f.category.in", "a,b"]], back: ["a", "b"] });
    expect(roundTrip(multi, [])).toEqual({ params: [], back: [] });
    expect(readControl(multi, [["f.category", "a"], ["f.category", "b"]])).toEqual(["a", "b"]);
  });

  it("yes/no/any", () => {
    expect(roundTrip(yesno, "yes")).toEqual({ params: [["f.flag", "true"]], back: "yes" });
    expect(roundTrip(yesno, "no")).toEqual({ params: [["f.flag", "false"]], back: "no" });
    expect(roundTrip(yesno, "any")).toEqual({ params: [], back: "any" });
  });

  it("number range", () => {
    expect(roundTrip(num, { min: "2", max: " 10 " })).toEqual({
      params: [["f.users.gte", "2"], ["f.users.lte", "10"]],
      back: { min: "2", max: "10" },
    });
    expect(roundTrip(num, { min: "", max: "5" }).params).toEqual([["f.users.lte", "5"]]);
  });

  it("date range: inclusive days; timestamps end at the next midnight", () => {
    expect(roundTrip(day, { min: "2025-01-01", max: "2025-01-31" }).params).toEqual([
      ["f.due.gte", "2025-01-01"],
      ["f.due.lte", "2025-01-31"],
    ]);
    expect(roundTrip(time, { min: "2025-01-01", max: "2025-01-31" })).toEqual({
      params: [["f.seen.gte", "2025-01-01"], ["f.seen.lt", "2025-02-01"]],
      back: { min: "2025-01-01", max: "2025-01-31" },
    });
  });

  it("contains", () => {
    expect(roundTrip(text, "outlook")).toEqual({ params: [["f.app.contains", "outlook"]], back: "outlook" });
    expect(roundTrip(text, "  ").params).toEqual([]);
  });

  it("replaces only its own parameters, in place", () => {
    const params: [string, string][] = [
      ["f.users.gte", "1"],
      ["f.category", "a"],
      ["f.category.ne", "b"],
      ["f.app.contains", "x"],
    ];
    expect(writeControl(multi, params, ["a", "b"])).toEqual([
      ["f.users.gte", "1"],
      ["f.category.in", "a,b"],
      ["f.category.ne", "b"],
      ["f.app.contains", "x"],
    ]);
    expect(writeControl(text, params, "")).toEqual(params.slice(0, 3));
    expect(writeControl(yesno, params, "yes")).toEqual([...params, ["f.flag", "true"]]);
  });

  it("lists the parameters no control owns", () => {
    expect(unownedParams([multi, text], [["f.category", "a"], ["f.category.ne", "b"], ["f.users.gte", "1"]])).toEqual([
      ["f.category.ne", "b"],
      ["f.users.gte", "1"],
    ]);
  });
});
