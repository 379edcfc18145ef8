import { describe, expect, it } from "vitest";
import { safeNextPath } from "./nextPath";

const ORIGIN = "https://docket.example.com";

describe("safeNextPath", () => {
  it("keeps a path on this site with its query and fragment", () => {
    expect(safeNextPath("/tickets/IT-1?tab=sla#x", ORIGIN)).toBe("/tickets/IT-1?tab=sla#x");
    expect(safeNextPath("/queue?status_category.in=new,open", ORIGIN)).toBe("/queue?status_category.in=new,open");
  });

  it("refuses anything that leaves the site", () => {
    for (const next of ["//evil.com", "/\\evil.com", "/\\/evil.com", "https://evil.com/queue", "javascript:alert(1)", "evil.com", "\\\\evil.com"]) {
      expect(safeNextPath(next, ORIGIN), next).toBeNull();
    }
  });

  it("refuses nothing at all", () => {
    expect(safeNextPath(null, ORIGIN)).toBeNull();
    expect(safeNextPath("", ORIGIN)).toBeNull();
  });
});
