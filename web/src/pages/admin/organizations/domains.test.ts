import { describe, expect, it } from "vitest";
import { parseDomains } from "./OrganizationForm";

describe("organisation domains", () => {
  it("are read from commas, spaces or lines", () => {
    expect(parseDomains(" acme.example, @acme.io\nacme.dev ;; ")).toEqual(["acme.example", "@acme.io", "acme.dev"]);
    expect(parseDomains("   ")).toEqual([]);
  });
});
