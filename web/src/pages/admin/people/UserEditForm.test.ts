import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../api/client";
import { userChanges } from "./UserEditForm";

const ana: Schemas["UserOut"] = {
  id: 3,
  email: "ana@example.com",
  display_name: "Ana",
  role: "agent",
  kind: "person",
  active: true,
  skills: ["vpn"],
  capacity: 10,
  teams: [],
  has_password: true,
  created_at: "2026-01-01T00:00:00Z",
};
const same = { name: "Ana", role: "agent" as const, active: true, skills: ["vpn"], capacity: 10, password: "" };

describe("userChanges", () => {
  it("sends nothing when nothing changed", () => {
    expect(userChanges(ana, same)).toEqual({});
  });

  it("sends only what changed", () => {
    expect(userChanges(ana, { ...same, role: "admin", active: false, skills: ["vpn", "mac"], capacity: 5, password: "a new secret pass" })).toEqual({
      role: "admin",
      active: false,
      skills: ["vpn", "mac"],
      capacity: 5,
      password: "a new secret pass",
    });
    expect(userChanges(ana, { ...same, name: " Ana B " })).toEqual({ display_name: "Ana B" });
  });
});
