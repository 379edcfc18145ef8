import { describe, expect, it } from "vitest";
import type { Me } from "../../api/client";
import { canDelete, orderViews, type SavedView } from "./SavedViews";

const me = (id: number, role: "admin" | "agent") => ({ via: "session", user: { id, role } }) as unknown as Me;
const view = (id: number, name: string, owner_id: number, shared = false): SavedView => ({
  id,
  name,
  owner_id,
  shared,
  query: "priority=P0",
  created_at: "",
  updated_at: "",
});

describe("saved views", () => {
  it("lets owners delete theirs, and admins shared ones", () => {
    expect(canDelete(view(1, "a", 7), me(7, "agent"))).toBe(true);
    expect(canDelete(view(1, "a", 8, true), me(7, "agent"))).toBe(false);
    expect(canDelete(view(1, "a", 8, true), me(7, "admin"))).toBe(true);
    expect(canDelete(view(1, "a", 8, false), me(7, "admin"))).toBe(false);
  });

  it("lists own views first, by name", () => {
    const out = orderViews([view(1, "Zed", 8, true), view(2, "beta", 7), view(3, "Alpha", 7)], me(7, "agent"));
    expect(out.map((v) => v.name)).toEqual(["Alpha", "beta", "Zed"]);
  });
});
