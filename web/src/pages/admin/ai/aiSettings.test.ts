import { describe, expect, it } from "vitest";
import { formatCost, parseList, usageLines, withExcludedFields, withTriageMode, modelOrNull, type AiSettings } from "./aiSettings";

const base = { enabled: true, base_url: "http://x/v1", triage_modes: {}, excluded_fields: {} } as unknown as AiSettings;

describe("AI settings form", () => {
  it("parses lists of field names", () => {
    expect(parseList(" b, a ,,a  c")).toEqual(["a", "b", "c"]);
    expect(parseList("")).toEqual([]);
  });

  it("sets and removes triage modes and excluded fields per type", () => {
    const s = withTriageMode(base, "it_support", "auto");
    expect(s.triage_modes).toEqual({ it_support: "auto" });
    expect(withTriageMode(s, "it_support", "off").triage_modes).toEqual({});
    const e = withExcludedFields(base, "it_support", "serial, owner");
    expect(e.excluded_fields).toEqual({ it_support: ["owner", "serial"] });
    expect(withExcludedFields(e, "it_support", " ").excluded_fields).toEqual({});
  });

  it("turns an empty model into null", () => {
    expect(modelOrNull("  ")).toBeNull();
    expect(modelOrNull(" gpt ")).toBe("gpt");
  });
});

describe("usage report", () => {
  it("sums models per day and feature, newest day first", () => {
    const row = (day: string, feature: string, model: string, calls: number, cost: number) => ({
      day,
      feature,
      model,
      calls,
      failures: 0,
      prompt_tokens: 10 * calls,
      completion_tokens: calls,
      cost,
    });
    const lines = usageLines([
      row("2026-12-01", "summary", "a", 1, 0.5),
      row("2026-12-01", "summary", "b", 2, 0.25),
      row("2026-12-02", "triage", "a", 3, 0),
    ]);
    expect(lines.map((l) => [l.day, l.feature, l.calls, l.promptTokens, l.cost])).toEqual([
      ["2026-12-02", "triage", 3, 30, 0],
      ["2026-12-01", "summary", 3, 30, 0.75],
    ]);
    expect(formatCost(0)).toBe("0");
    expect(formatCost(0.001)).toBe("0.0010");
    expect(formatCost(1.5)).toBe("1.50");
  });
});
