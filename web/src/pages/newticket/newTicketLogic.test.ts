import { describe, expect, it } from "vitest";
import type { Schemas } from "../../api/client";
import { createBody, creatableTypes, validateCore, type CoreValues } from "./newTicketLogic";

const types = [
  { slug: "it_support", name: "IT support", key_prefix: "IT", version: 1, source: "file" },
  { slug: "complaint", name: "Complaint", key_prefix: "CMP", version: 1, source: "file" },
];
const teams = [
  { slug: "it", name: "IT", description: "", members: [1], types: ["it_support"] },
  { slug: "care", name: "Care", description: "", members: [], types: ["complaint"] },
];
const me = (role: Schemas["Role"], userTeams: string[]) =>
  ({ user: { role, teams: userTeams }, via: "session" }) as unknown as Schemas["Me"];

describe("creatableTypes", () => {
  it("gives agents the types their teams handle", () => {
    expect(creatableTypes(types, teams, me("agent", ["it"])).map((t) => t.slug)).toEqual(["it_support"]);
    expect(creatableTypes(types, teams, me("agent", []))).toEqual([]);
  });
  it("gives admins everything and viewers nothing", () => {
    expect(creatableTypes(types, teams, me("admin", []))).toHaveLength(2);
    expect(creatableTypes(types, teams, me("viewer", ["it"]))).toEqual([]);
  });
});

const base: CoreValues = { title: "Printer jams", body: "", priority: null, requesterEmail: "", requesterName: "", tags: [] };

describe("validateCore", () => {
  it("accepts a title alone", () => {
    expect(validateCore(base)).toEqual({});
  });
  it("flags a missing title, a bad email, a name without email and a bad tag", () => {
    expect(validateCore({ ...base, title: "  " }).title).toBeDefined();
    expect(validateCore({ ...base, title: "x".repeat(301) }).title).toBeDefined();
    expect(validateCore({ ...base, requesterEmail: "ada@" })["requester/email"]).toBeDefined();
    expect(validateCore({ ...base, requesterName: "Ada" })["requester/email"]).toBeDefined();
    expect(validateCore({ ...base, tags: ["two words"] }).tags).toBeDefined();
    expect(validateCore({ ...base, tags: ["x".repeat(65)] }).tags).toBeDefined();
    expect(validateCore({ ...base, tags: ["x".repeat(64)] }).tags).toBeUndefined();
  });
});

describe("createBody", () => {
  it("leaves out empty optional parts", () => {
    expect(createBody("it_support", base, {})).toEqual({
      type: "it_support",
      title: "Printer jams",
      body: "",
      source: "web",
      tags: [],
      fields: {},
    });
  });
  it("includes the requester and priority when given", () => {
    const body = createBody(
      "it_support",
      { ...base, priority: "P1", requesterEmail: " ada@example.com ", requesterName: "Ada" },
      { impact: "high" },
    );
    expect(body.requester).toEqual({ email: "ada@example.com", name: "Ada" });
    expect(body.priority).toBe("P1");
    expect(body.fields).toEqual({ impact: "high" });
  });
});
