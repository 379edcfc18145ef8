import { describe, expect, it } from "vitest";
import { availabilityOf, routingChange, ruleOf, toggleAvailability } from "./routing";

describe("routing", () => {
  it("toggles availability both ways", () => {
    expect(toggleAvailability("present")).toEqual({ next: "away", action: "Set yourself away" });
    expect(toggleAvailability("away")).toEqual({ next: "present", action: "Set yourself present" });
  });

  it("reads a missing availability as present", () => {
    expect(availabilityOf({})).toBe("present");
    expect(availabilityOf({ availability: "away" })).toBe("away");
  });

  it("sends the rule only when it changed", () => {
    expect(routingChange({}, "manual")).toEqual({});
    expect(routingChange({ routing: "manual" }, "round_robin")).toEqual({ routing: "round_robin" });
    expect(routingChange({ routing: "skills" }, "skills")).toEqual({});
  });

  it("describes every rule, manual by default", () => {
    expect(ruleOf("least_open").label).toBe("Least open work");
    expect(ruleOf(undefined).value).toBe("manual");
    expect(ruleOf("nonsense").value).toBe("manual");
  });
});
