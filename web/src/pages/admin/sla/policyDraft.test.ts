import { describe, expect, it } from "vitest";
import { conditionsSummary, draftToSpec, emptyPolicy, policyToDraft, targetsSummary, type PolicySpec } from "./policyDraft";

const vip: PolicySpec = {
  name: "vip",
  description: "Premium",
  enabled: true,
  position: 10,
  conditions: { types: ["it_support"], priorities: [], tags: ["vip"], organizations: ["Acme Corp"] },
  targets: {
    P0: { first_response: 10, next_response: 10, resolution: 60 },
    P2: { first_response: 120, resolution: 2880 },
  },
  calendar: "berlin-office",
  warn_at_percent: 75,
  still_breached_after: 120,
  escalations: [
    { on: "warning", actions: [{ action: "notify", to: ["assignee", "team"] }] },
    {
      on: "breach",
      metrics: ["first_response"],
      actions: [{ action: "reassign", team: "it" }, { action: "reassign", user_id: 7 }, { action: "raise_priority" }],
    },
  ],
};

describe("policy drafts", () => {
  it("shows targets in human units", () => {
    const d = policyToDraft(vip);
    expect(d.targets.P0).toEqual({ first_response: "10m", next_response: "10m", resolution: "1h" });
    expect(d.targets.P2).toEqual({ first_response: "2h", next_response: "", resolution: "2d" });
    expect(d.targets.P1.first_response).toBe("");
    expect(d.stillBreachedAfter).toBe("2h");
  });

  it("round-trips a policy", () => {
    const { spec, errors } = draftToSpec(policyToDraft(vip));
    expect(errors).toEqual({});
    expect(spec).toEqual(vip);
  });

  it("reads typed durations as minutes", () => {
    const d = emptyPolicy();
    d.name = "fast";
    d.targets.P1.resolution = "1d 2h";
    d.stillBreachedAfter = "";
    const { spec } = draftToSpec(d);
    expect(spec?.targets).toEqual({ P1: { resolution: 1560 } });
    expect(spec?.still_breached_after).toBeUndefined();
    expect(spec?.calendar).toBeNull();
  });

  it("reports bad durations under the server's pointers", () => {
    const d = emptyPolicy();
    d.targets.P3.next_response = "soon";
    d.stillBreachedAfter = "4 parsecs";
    const { spec, errors } = draftToSpec(d);
    expect(spec).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(["/name", "/still_breached_after", "/targets/P3/next_response"]);
  });

  it("summarises conditions and targets", () => {
    expect(conditionsSummary({})).toBe("All tickets");
    expect(conditionsSummary(vip.conditions)).toBe("types it_support; tags vip; organisations Acme Corp");
    expect(targetsSummary(vip.targets)).toEqual(["P0: 10m / 10m / 1h", "P2: 2h / – / 2d"]);
  });
});
