import { describe, expect, it } from "vitest";
import { nextAssignees, statusData } from "./FilterBar";

describe("nextAssignees", () => {
  it("keeps Unassigned and people apart", () => {
    expect(nextAssignees(["3"], ["3", "none"])).toEqual(["none"]);
    expect(nextAssignees(["none"], ["none", "4"])).toEqual(["4"]);
    expect(nextAssignees(["3", "4"], ["4"])).toEqual(["4"]);
    expect(nextAssignees([], ["3"])).toEqual(["3"]);
  });
});

describe("statusData", () => {
  it("offers categories alone without a workflow", () => {
    expect(statusData(undefined, [])).toHaveLength(5);
  });

  it("offers the workflow's states and the categories", () => {
    const data = statusData(
      { initial: "new", states: [{ name: "waiting_parts", category: "pending", label: "Waiting for parts" }], transitions: [] },
      ["ghost"],
    ) as { group: string; items: { value: string; label: string }[] }[];
    expect(data[0].items).toEqual([
      { value: "state:waiting_parts", label: "Waiting for parts" },
      { value: "state:ghost", label: "ghost" },
    ]);
    expect(data[1].items[1]).toEqual({ value: "category:open", label: "open (category)" });
  });
});
