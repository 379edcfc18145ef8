import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import {
  allowedFrom,
  commonReachableStatuses,
  commonType,
  planBulk,
  runLimited,
  sendAll,
  summarize,
  failureDetail,
  type BulkTicket,
  type Workflow,
} from "./bulk";

// The default workflow's shape, plus a `*` move and a state only one state leaves for.
const WORKFLOW: Workflow = {
  initial: "new",
  states: [
    { name: "new", category: "new" },
    { name: "open", category: "open" },
    { name: "pending", category: "pending" },
    { name: "solved", category: "solved" },
    { name: "closed", category: "closed" },
    { name: "cancelled", category: "closed" },
  ],
  transitions: [
    { from: ["new", "pending"], to: "open" },
    { from: ["open"], to: "pending" },
    { from: ["new", "open", "pending"], to: "solved" },
    { from: ["solved"], to: "closed" },
    { from: ["solved"], to: "open" },
    { from: ["*"], to: "cancelled" },
  ],
};

function row(key: string, extra: Partial<BulkTicket> = {}): BulkTicket {
  return { key, version: 3, type: "it_support", status: "open", priority: "P2", assignee_id: null, team: "it", tags: [], ...extra };
}

describe("commonType", () => {
  it("is the one type, or null when mixed or empty", () => {
    expect(commonType([row("A"), row("B")])).toBe("it_support");
    expect(commonType([row("A"), row("B", { type: "complaint" })])).toBeNull();
    expect(commonType([])).toBeNull();
  });
});

describe("allowedFrom", () => {
  it("spells out * and never includes the state itself", () => {
    expect([...allowedFrom(WORKFLOW, "new")].sort()).toEqual(["cancelled", "open", "solved"]);
    expect([...allowedFrom(WORKFLOW, "cancelled")]).toEqual([]);
  });
});

describe("commonReachableStatuses", () => {
  it("is what every ticket can move to, in state order", () => {
    expect(commonReachableStatuses(WORKFLOW, ["new", "pending"])).toEqual(["open", "solved", "cancelled"]);
    expect(commonReachableStatuses(WORKFLOW, ["new", "solved"])).toEqual(["open", "solved", "cancelled"]);
    expect(commonReachableStatuses(WORKFLOW, ["pending", "closed"])).toEqual(["cancelled"]);
  });

  it("counts a ticket already in a state as able to end there", () => {
    // open → pending is allowed, pending stays pending.
    expect(commonReachableStatuses(WORKFLOW, ["open", "pending"])).toContain("pending");
    expect(commonReachableStatuses(WORKFLOW, ["open", "pending"])).toContain("open");
  });

  it("does not offer the state every ticket is already in", () => {
    expect(commonReachableStatuses(WORKFLOW, ["open", "open"])).toEqual(["pending", "solved", "cancelled"]);
    expect(commonReachableStatuses(WORKFLOW, ["cancelled"])).toEqual([]);
    expect(commonReachableStatuses(WORKFLOW, [])).toEqual([]);
  });
});

describe("planBulk", () => {
  it("sends only the change, with the row's version as If-Match", () => {
    const plan = planBulk([row("IT-1", { version: 7 }), row("IT-2", { assignee_id: 5 })], { kind: "assignee", assigneeId: 9 });
    expect(plan.requests).toEqual([
      { key: "IT-1", ifMatch: '"7"', body: { assignee_id: 9 } },
      { key: "IT-2", ifMatch: '"3"', body: { assignee_id: 9 } },
    ]);
    expect(plan.unchanged).toEqual([]);
  });

  it("skips tickets that already have the change", () => {
    const plan = planBulk([row("IT-1", { assignee_id: null }), row("IT-2", { assignee_id: 5 })], { kind: "assignee", assigneeId: null });
    expect(plan.requests.map((r) => r.key)).toEqual(["IT-2"]);
    expect(plan.requests[0].body).toEqual({ assignee_id: null });
    expect(plan.unchanged).toEqual(["IT-1"]);
    expect(planBulk([row("IT-1"), row("IT-2", { priority: "P0" })], { kind: "priority", priority: "P0" }).unchanged).toEqual(["IT-2"]);
    expect(planBulk([row("IT-1", { team: null })], { kind: "team", team: "ops" }).requests[0].body).toEqual({ team: "ops" });
    expect(planBulk([row("IT-1"), row("IT-2", { status: "new" })], { kind: "status", status: "open" }).requests).toEqual([
      { key: "IT-2", ifMatch: '"3"', body: { status: "open" } },
    ]);
  });

  it("adds a tag to each ticket's own tags, normalised, once", () => {
    const plan = planBulk([row("IT-1", { tags: ["vpn"] }), row("IT-2", { tags: ["urgent"] })], { kind: "addTag", tag: "  Urgent " });
    expect(plan.requests).toEqual([{ key: "IT-1", ifMatch: '"3"', body: { tags: ["vpn", "urgent"] } }]);
    expect(plan.unchanged).toEqual(["IT-2"]);
  });
});

describe("runLimited", () => {
  it("keeps at most `limit` tasks in flight and returns results in order", async () => {
    let inFlight = 0;
    let most = 0;
    const results = await runLimited([5, 1, 4, 2, 3, 1, 2, 6], 4, async (ms) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return ms * 10;
    });
    expect(most).toBe(4);
    expect(results).toEqual([50, 10, 40, 20, 30, 10, 20, 60]);
  });

  it("handles no items", async () => {
    expect(await runLimited([], 4, async () => 1)).toEqual([]);
  });
});

describe("sendAll and summarize", () => {
  const problem = (status: number, detail: string, errors: { pointer: string; message: string }[] = []) =>
    new ApiError(status, { type: "about:blank", title: "x", status, detail, errors });

  it("records failures with the problem's detail and summarises", async () => {
    const plan = planBulk([row("IT-1"), row("IT-2"), row("IT-3"), row("IT-4", { priority: "P0" })], { kind: "priority", priority: "P0" });
    const outcomes = await sendAll(plan.requests, async (r) => {
      if (r.key === "IT-2") throw problem(412, "precondition failed");
      if (r.key === "IT-3") throw problem(422, "invalid", [{ pointer: "/priority", message: "P0 needs a team" }]);
    });
    expect(outcomes).toEqual([
      { key: "IT-1", ok: true },
      { key: "IT-2", ok: false, detail: "changed since you loaded it; reload and try again" },
      { key: "IT-3", ok: false, detail: "P0 needs a team" },
    ]);
    const summary = summarize(outcomes, plan.unchanged);
    expect(summary.message).toBe("Updated 1 of 3 tickets; 1 already had this");
    expect(summary.done).toEqual(["IT-1", "IT-4"]);
    expect(summary.failed.map((f) => f.key)).toEqual(["IT-2", "IT-3"]);
  });

  it("words the summary", () => {
    const ok = (key: string) => ({ key, ok: true as const });
    expect(summarize([ok("A"), ok("B")]).message).toBe("Updated 2 of 2 tickets");
    expect(summarize([ok("A")]).message).toBe("Updated 1 of 1 ticket");
    expect(summarize([], ["A", "B"]).message).toBe("Nothing to update: 2 tickets already had this");
  });

  it("explains other failures", () => {
    expect(failureDetail(problem(422, "status: cannot move"))).toBe("status: cannot move");
    expect(failureDetail(problem(404, "gone"))).toBe("no longer exists");
    expect(failureDetail(new TypeError("Failed to fetch"))).toBe("Failed to fetch");
  });
});
