import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { isActor, workersFor } from "./people";

function user(id: number, name: string, extra: Partial<Schemas["UserOut"]> = {}): Schemas["UserOut"] {
  return {
    id,
    email: `${name.toLowerCase()}@example.com`,
    display_name: name,
    role: "agent",
    kind: "person",
    active: true,
    skills: [],
    capacity: 10,
    teams: [],
    ...extra,
  } as Schemas["UserOut"];
}

describe("workersFor", () => {
  const ada = user(1, "Ada", { teams: ["facilities"] });
  const bob = user(2, "Bob", { teams: ["it"] });
  const admin = user(3, "Cleo", { role: "admin" });
  const viewer = user(4, "Dan", { role: "viewer", teams: ["facilities"] });
  const gone = user(5, "Eve", { active: false, teams: ["facilities"] });
  const bot = user(6, "Bot", { kind: "service", teams: ["facilities"] });

  it("keeps active staff of the type's teams and admins", () => {
    expect(workersFor([bob, viewer, admin, gone, bot, ada], ["facilities"]).map((u) => u.display_name)).toEqual(["Ada", "Cleo"]);
  });

  it("without teams, keeps every active person who works tickets", () => {
    expect(workersFor([bob, viewer, admin, gone, bot, ada], []).map((u) => u.display_name)).toEqual(["Ada", "Bob", "Cleo"]);
  });
});

describe("isActor", () => {
  it("recognises the user's session and tokens, nobody else", () => {
    expect(isActor("ann@example.com", "ann@example.com")).toBe(true);
    expect(isActor("ann@example.com (token 4)", "ann@example.com")).toBe(true);
    expect(isActor("bob@example.com", "ann@example.com")).toBe(false);
    expect(isActor("annie@example.com", "ann@example.com")).toBe(false);
    expect(isActor("ann@example.com.evil", "ann@example.com")).toBe(false);
  });
});
