import { describe, expect, it } from "vitest";
import type { Me } from "../api/client";
import {
  addDays,
  apiQuery,
  builtInViews,
  byTypeQuery,
  canonicalQuery,
  emptyFilters,
  hasFilters,
  parseQuery,
  sortDirection,
  toggleSort,
  toQuery,
  viewMatches,
  withType,
} from "./filters";

function me(id: number, teams: string[]): Me {
  return {
    via: "session",
    user: {
      id,
      email: "ann@example.com",
      display_name: "Ann",
      role: "agent",
      kind: "person",
      active: true,
      skills: [],
      capacity: 10,
      teams,
      has_password: true,
      created_at: "2025-01-01T00:00:00Z",
    },
  } as Me;
}

const NOW = new Date("2025-03-10T08:00:00Z");

describe("parseQuery", () => {
  it("reads every control's parameters", () => {
    const f = parseQuery(
      "?type=it_support&q=vpn+down&status_category.in=new,open&status=waiting_parts&priority=P0&priority=P1" +
        "&assignee_id=3&team=it&tag=vip&tag=laptop&source=email&created_at.gte=2025-01-01" +
        "&created_at.lt=2025-02-01&sla_due_at.lte=2025-03-10T12:00:00Z&f.category.in=hardware,network&sort=-updated_at",
    );
    expect(f).toEqual({
      ...emptyFilters(),
      type: "it_support",
      q: "vpn down",
      statusCategory: ["new", "open"],
      status: ["waiting_parts"],
      priority: ["P0", "P1"],
      assignee: ["3"],
      team: ["it"],
      tag: ["vip", "laptop"],
      source: ["email"],
      createdFrom: "2025-01-01",
      createdTo: "2025-01-31",
      slaDueBefore: "2025-03-10T12:00:00Z",
      fields: [["f.category.in", "hardware,network"]],
      sort: "-updated_at",
    });
  });

  it("treats repeated, .eq and .in spellings alike", () => {
    const a = parseQuery("team=a&team=b");
    const b = parseQuery("team.in=a,b");
    const c = parseQuery("team.eq=a&team=b");
    expect(a.team).toEqual(["a", "b"]);
    expect(b.team).toEqual(["a", "b"]);
    expect(c.team).toEqual(["a", "b"]);
  });

  it("keeps what no control shows, and drops paging", () => {
    const f = parseQuery("priority.lte=P1&assignee_id.null=false&created_at.gte=2025-01-01T10:00:00Z&limit=10&cursor=abc");
    expect(f.extra).toEqual([
      ["priority.lte", "P1"],
      ["assignee_id.null", "false"],
      ["created_at.gte", "2025-01-01T10:00:00Z"],
    ]);
    expect(f.createdFrom).toBeNull();
    expect(toQuery(f)).not.toContain("limit");
  });

  it("reads unassigned", () => {
    expect(parseQuery("assignee_id.null=true").unassigned).toBe(true);
  });
});

describe("toQuery", () => {
  it("round-trips through parseQuery", () => {
    const q =
      "type=it_support&q=vpn+down&status_category.in=new,open&status=a&status=b&priority=P0" +
      "&assignee_id.null=true&team=it&tag=vip&source=web&created_at.gte=2025-01-01&created_at.lt=2025-02-01" +
      "&sla_due_at.lte=2025-03-10T12:00:00.000Z&f.category=hardware&priority.lte=P1&sort=-priority";
    expect(toQuery(parseQuery(q))).toBe(q);
  });

  it("writes the last created day as the next midnight", () => {
    expect(toQuery({ ...emptyFilters(), createdTo: "2024-12-31" })).toBe("created_at.lt=2025-01-01");
  });

  it("drops field filters without a type (the server refuses them)", () => {
    expect(toQuery({ ...emptyFilters(), fields: [["f.category", "x"]] })).toBe("");
  });

  it("escapes what needs escaping", () => {
    const q = toQuery({ ...emptyFilters(), q: "a&b=c#d", tag: ["x y"] });
    expect(new URLSearchParams(q).get("q")).toBe("a&b=c#d");
    expect(new URLSearchParams(q).get("tag")).toBe("x y");
  });

  it("lists single-valued multi filters without .in", () => {
    expect(toQuery({ ...emptyFilters(), statusCategory: ["open"] })).toBe("status_category=open");
  });
});

describe("apiQuery", () => {
  it("adds the page size and cursor", () => {
    expect(apiQuery("?priority=P0", "c1")).toBe("priority=P0&limit=50&cursor=c1");
    expect(apiQuery("", null)).toBe("limit=50");
  });
});

describe("withType", () => {
  it("clears the previous type's statuses, field filters and field sort", () => {
    const f = parseQuery("type=a&status=x&f.size.gte=3&sort=-f.size&priority=P1");
    const g = withType(f, "b");
    expect(g.status).toEqual([]);
    expect(g.fields).toEqual([]);
    expect(g.sort).toBeNull();
    expect(g.priority).toEqual(["P1"]);
    expect(withType(parseQuery("type=a&sort=title"), null).sort).toBe("title");
  });
});

describe("sorting", () => {
  it("reads the direction of the first key", () => {
    expect(sortDirection("-updated_at,id", "updated_at")).toBe("descending");
    expect(sortDirection("title", "title")).toBe("ascending");
    expect(sortDirection("title", "priority")).toBe("none");
    expect(sortDirection(null, "title")).toBe("none");
  });

  it("toggles", () => {
    expect(toggleSort(null, "title")).toBe("title");
    expect(toggleSort("title", "title")).toBe("-title");
    expect(toggleSort("-title", "title")).toBe("title");
    expect(toggleSort("title", "updated_at", true)).toBe("-updated_at");
  });
});

describe("built-in views", () => {
  const views = builtInViews(me(7, ["it", "hr"]), NOW);
  const byName = Object.fromEntries(views.map((v) => [v.name, v.query]));

  it("defines each view's query", () => {
    expect(byName["All open"]).toBe("status_category.in=new,open,pending");
    expect(byName["Mine"]).toBe("assignee_id=7&status_category.in=new,open,pending");
    expect(byName["Unassigned"]).toBe("assignee_id.null=true&status_category.in=new,open,pending");
    expect(byName["My teams"]).toBe("team=it&team=hr&status_category.in=new,open,pending");
    expect(byName["Breaching soon"]).toBe("sla_due_at.lte=2025-03-10T12:00:00.000Z&sort=sla_due_at");
    expect(byTypeQuery("it_support")).toBe("type=it_support&status_category.in=new,open,pending");
  });

  it("has no My teams query without teams", () => {
    const none = builtInViews(me(7, []), NOW).find((v) => v.name === "My teams")!;
    expect(none.query).toBe("");
    expect(viewMatches(none, "")).toBe(false);
  });

  it("matches whatever the spelling, and breaching soon at any later time", () => {
    const all = views.find((v) => v.id === "all-open")!;
    expect(viewMatches(all, "status_category=new&status_category=open&status_category=pending")).toBe(true);
    expect(viewMatches(all, "status_category.in=new,open")).toBe(false);
    const soon = views.find((v) => v.id === "breaching-soon")!;
    const later = builtInViews(me(7, []), new Date(NOW.getTime() + 60_000)).find((v) => v.id === "breaching-soon")!;
    expect(viewMatches(soon, later.query)).toBe(true);
    expect(viewMatches(soon, "sort=sla_due_at")).toBe(false);
  });
});

describe("helpers", () => {
  it("adds days across months and years", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
    expect(addDays("2025-03-01", -1)).toBe("2025-02-28");
  });

  it("knows when nothing is filtered", () => {
    expect(hasFilters("sort=-id")).toBe(false);
    expect(hasFilters("priority=P0")).toBe(true);
    expect(canonicalQuery("priority.in=P0,P1")).toBe("priority=P0&priority=P1");
  });
});
