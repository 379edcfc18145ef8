import { describe, expect, it } from "vitest";
import type { Schemas, Ticket } from "../../api/client";
import {
  actorName,
  afterCoreSaved,
  dropDraftKeys,
  editCore,
  rebaseCore,
  rebaseTags,
  allowedStatuses,
  allowedTargetsInMessage,
  coreUpdate,
  describeEvent,
} from "./ticketLogic";

const workflow: Schemas["Workflow"] = {
  initial: "new",
  states: [
    { name: "new", category: "new" },
    { name: "scheduled", category: "open", label: "Scheduled" },
    { name: "in_repair", category: "open", label: "In repair" },
    { name: "waiting_parts", category: "pending", label: "Waiting for parts" },
    { name: "closed", category: "closed" },
  ],
  transitions: [
    { from: ["new", "in_repair"], to: "scheduled" },
    { from: ["scheduled"], to: "in_repair" },
    { from: ["in_repair"], to: "waiting_parts" },
    { from: ["*"], to: "closed" },
  ],
};

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
    has_password: true,
    created_at: "2026-01-01T00:00:00Z",
    ...extra,
  };
}

const ada = user(1, "Ada", { teams: ["facilities"] });
const bob = user(2, "Bob", { teams: ["it"] });

describe("allowedStatuses", () => {
  it("offers the current state and the targets allowed from it, with * for any", () => {
    expect(allowedStatuses(workflow, "new")).toEqual(["new", "scheduled", "closed"]);
    expect(allowedStatuses(workflow, "in_repair")).toEqual(["scheduled", "in_repair", "waiting_parts", "closed"]);
    expect(allowedStatuses(workflow, "waiting_parts")).toEqual(["waiting_parts", "closed"]);
  });

  it("keeps a status the workflow no longer has", () => {
    expect(allowedStatuses(workflow, "gone")).toEqual(["gone", "closed"]);
  });
});

describe("allowedTargetsInMessage", () => {
  it("reads the targets from the server's message", () => {
    expect(allowedTargetsInMessage("cannot move from `solved` to `pending`; allowed from `solved`: open, closed")).toEqual([
      "open",
      "closed",
    ]);
    expect(allowedTargetsInMessage("cannot move from `done` to `new`; no transition leaves `done`")).toEqual([]);
  });
});

describe("coreUpdate", () => {
  const ticket = {
    title: "Printer jams",
    status: "new",
    priority: "P2",
    assignee_id: null,
    team: "it",
    tags: ["printer"],
  } as unknown as Ticket;

  it("sends only what differs from the ticket", () => {
    expect(coreUpdate(ticket, { title: "Printer jams", status: "open", tags: ["printer"] })).toEqual({ status: "open" });
    expect(coreUpdate(ticket, { assignee_id: 3, team: null, tags: ["printer", "floor2"] })).toEqual({
      assignee_id: 3,
      team: null,
      tags: ["printer", "floor2"],
    });
  });

  it("sends nothing for an untouched or reverted draft", () => {
    expect(coreUpdate(ticket, {})).toEqual({});
    expect(coreUpdate(ticket, { priority: "P2", assignee_id: null, title: " Printer jams " })).toEqual({});
  });
});

describe("actors", () => {
  it("names people by display name", () => {
    expect(actorName("ada@example.com", [ada])).toBe("Ada");
    expect(actorName("ada@example.com (token 7)", [ada])).toBe("Ada (API token)");
    expect(actorName("zed@example.com", [ada])).toBe("zed@example.com");
  });
});

describe("describeEvent", () => {
  const ctx = { users: [ada, bob], workflow, fieldTitles: { asset_tag: "Asset tag" } };
  const ev = (field: string, old: unknown, neu: unknown, actor = "ada@example.com") => ({
    id: 1,
    actor,
    field,
    old,
    new: neu,
    at: "2026-01-01T00:00:00Z",
  });

  it("tells the Discord side's events", () => {
    expect(describeEvent(ev("comment_edited", { id: 3, body: "a" }, { id: 3, body: "b" }), ctx)).toBe("Ada edited a comment");
    expect(describeEvent(ev("comment_deleted", { id: 3, body: "a" }, null), ctx)).toBe("Ada deleted a comment");
    expect(describeEvent(ev("comment_relayed", null, { id: 3, external_ref: "discord:1" }), ctx)).toBe("Ada relayed a comment to Discord");
    expect(describeEvent(ev("transcript", null, { messages: 3, replaced: false }), ctx)).toBe("Ada saved the Discord transcript (3 messages)");
    expect(describeEvent(ev("transcript", null, { messages: 1, replaced: true }), ctx)).toBe("Ada replaced the Discord transcript (1 message)");
    expect(describeEvent(ev("survey", null, { rating: 4 }), ctx)).toBe("Ada recorded the exit survey: 4 of 5");
  });

  it("reads like a sentence", () => {
    expect(describeEvent(ev("status", "new", "in_repair"), ctx)).toBe("Ada changed status from new to In repair");
    expect(describeEvent(ev("assignee_id", null, 2), ctx)).toBe("Ada assigned the ticket to Bob");
    expect(describeEvent(ev("assignee_id", 2, null), ctx)).toBe("Ada unassigned Bob");
    expect(describeEvent(ev("assignee_id", null, 1), ctx)).toBe("Ada claimed the ticket");
    expect(describeEvent(ev("priority", "P2", "P1"), ctx)).toBe("Ada changed priority from P2 to P1");
    expect(describeEvent(ev("tags", ["a"], ["b", "c"]), ctx)).toBe("Ada added tags b, c and removed tag a");
    expect(describeEvent(ev("fields.asset_tag", null, "EQ-1"), ctx)).toBe("Ada set Asset tag to EQ-1");
    expect(describeEvent(ev("comment", null, { id: 3, kind: "internal" }), ctx)).toBe("Ada added an internal note");
    expect(describeEvent(ev("created", null, {}), ctx)).toBe("Ada created the ticket");
    expect(describeEvent(ev("attachment", null, { id: 4, filename: "shot.png", size: 9 }), ctx)).toBe("Ada attached shot.png");
    expect(describeEvent(ev("attachment", { id: 4, filename: "shot.png", size: 9 }, null), ctx)).toBe("Ada removed the file shot.png");
    expect(describeEvent(ev("routing", null, { rule: "round_robin", team: "desk", assignee_id: 2, reason: "next in turn" }), ctx)).toBe(
      "Routed by round robin (desk) to Bob: next in turn",
    );
    expect(describeEvent(ev("routing", null, { rule: "least_open", team: "desk", assignee_id: null, reason: "nobody eligible: every agent is away" }), ctx)).toBe(
      "Routing by least open work (desk) assigned nobody: nobody eligible: every agent is away",
    );
    expect(describeEvent(ev("sla", null, { metric: "resolution", threshold: "breach" }, "sla"), ctx)).toBe(
      "SLA breached: resolution missed its target",
    );
  });
});

describe("core edit", () => {
  const base = { key: "IT-1", version: 1, title: "T", status: "open", priority: "P2", assignee_id: null, team: null, tags: ["a"] } as unknown as Ticket;

  it("rebases tags as my additions and removals over theirs", () => {
    expect(rebaseTags(["a", "b"], ["a", "c"], ["a", "b", "x"])).toEqual(["a", "x", "c"]);
    const edit = editCore(null, base, { tags: ["a", "mine"] });
    const fresh = { ...base, version: 2, tags: ["a", "theirs"] };
    expect(rebaseCore(edit, fresh)).toEqual({ base: fresh, draft: { tags: ["a", "theirs", "mine"] } });
  });

  it("after a save drops what was sent unchanged and keeps what was typed since", () => {
    const edit = editCore(null, base, { title: "T2", priority: "P1" });
    const sent = edit.draft;
    const typedOn = editCore(edit, base, { title: "T23" });
    const saved = { ...base, version: 2, title: "T2", priority: "P1" } as Ticket;
    expect(afterCoreSaved(edit, sent, 1, saved)).toBeNull();
    expect(afterCoreSaved(typedOn, sent, 1, saved)).toEqual({ base: saved, draft: { title: "T23" } });
    // Saved against another version (a Claim): the draft keeps its own base.
    expect(afterCoreSaved(typedOn, {}, 5, saved)?.base).toBe(base);
  });

  it("drops draft members, and the edit with the last", () => {
    const edit = editCore(null, base, { title: "x", team: "it" });
    expect(dropDraftKeys(edit, ["title"])?.draft).toEqual({ team: "it" });
    expect(dropDraftKeys(edit, ["title", "team"])).toBeNull();
  });
});
