import { describe, expect, it } from "vitest";
import { deployLabel, deployState, draftOf, emptyTopic, inputOf, isPlacedPointer, move, relabel, topicIdFrom, type Panel } from "./panelDraft";

const PANEL = {
  id: 3,
  name: "Support",
  guild_id: "1",
  channel_id: "2",
  title: "Help",
  description: "",
  button_label: "Open a ticket",
  topics: [
    { id: "billing", label: "Billing", ticket_type: "discord_support", emoji: "💳" },
    { id: "bugs", label: "Bugs", ticket_type: "it_support" },
  ],
  mode: "thread",
  support_roles: [{ role_id: "5", team: "it" }],
  welcome_message: "Hi {user}",
  max_open_per_member: 2,
  cooldown_seconds: 60,
  transcripts: true,
  ai_summary: false,
  survey: true,
  inactivity: { warn_after_hours: 12, close_after_hours: 6 },
  working_hours: "office",
  version: 4,
  deploy_requested_at: null,
  deployment: null,
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
} as Panel;

describe("the panel draft", () => {
  it("reads a panel back into the same input", () => {
    const input = inputOf(draftOf(PANEL));
    expect(input).toEqual({
      name: "Support",
      guild_id: "1",
      channel_id: "2",
      title: "Help",
      description: "",
      button_label: "Open a ticket",
      topics: [
        { id: "billing", label: "Billing", ticket_type: "discord_support", emoji: "💳" },
        { id: "bugs", label: "Bugs", ticket_type: "it_support" },
      ],
      mode: "thread",
      support_roles: [{ role_id: "5", team: "it" }],
      welcome_message: "Hi {user}",
      max_open_per_member: 2,
      cooldown_seconds: 60,
      transcripts: true,
      ai_summary: false,
      survey: true,
      inactivity: { warn_after_hours: 12, close_after_hours: 6 },
      working_hours: "office",
    });
  });

  it("starts a new panel with the server's defaults and sends no empty optional ids", () => {
    const d = { ...draftOf(), name: " S ", guild_id: " 11 ", channel_id: "22 ", title: "T", ticket_type: "it_support", category_id: "  " };
    const input = inputOf(d);
    expect(input).toMatchObject({ name: "S", guild_id: "11", channel_id: "22", max_open_per_member: 1, transcripts: true, ai_summary: true, survey: false });
    expect(input.ticket_type).toBe("it_support");
    expect("category_id" in input).toBe(false);
    expect("ping_role_id" in input).toBe(false);
    expect("inactivity" in input).toBe(false);
    expect("working_hours" in input).toBe(false);
  });

  it("sends the panel's own type only without topics, a category only in channel mode", () => {
    const d = { ...draftOf(PANEL), ticket_type: "it_support", category_id: "9" };
    expect(inputOf(d).ticket_type).toBeUndefined();
    expect(inputOf(d).category_id).toBeUndefined();
    expect(inputOf({ ...d, mode: "channel" }).category_id).toBe("9");
    expect(inputOf({ ...d, topics: [] }).ticket_type).toBe("it_support");
  });

  it("sends a topic without a type as an empty type, for the server to name the field", () => {
    const d = { ...draftOf(), topics: [{ ...emptyTopic(), id: "a", label: "A" }] };
    expect(inputOf(d).topics).toEqual([{ id: "a", label: "A", ticket_type: "" }]);
  });
});

describe("topics", () => {
  it("moves a row up and down, and ignores moves off the ends", () => {
    expect(move(["a", "b", "c"], 2, 1)).toEqual(["a", "c", "b"]);
    expect(move(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    const list = ["a", "b"];
    expect(move(list, 0, -1)).toBe(list);
    expect(move(list, 1, 2)).toBe(list);
  });

  it("makes an id the server accepts from a label", () => {
    expect(topicIdFrom("Billing question")).toBe("billing-question");
    expect(topicIdFrom("  Café & Bugs! ")).toBe("cafe-bugs");
    expect(topicIdFrom("x".repeat(40))).toHaveLength(32);
  });

  it("keeps the id following the label until the admin writes their own", () => {
    let t = relabel(emptyTopic(), "Bug");
    t = relabel(t, "Bug report");
    expect(t.id).toBe("bug-report");
    t = relabel({ ...t, id: "bugs" }, "Bugs and crashes");
    expect(t.id).toBe("bugs");
  });
});

describe("deployment status", () => {
  const at = (iso: string | null, deployed: string | null, version = 4, shown = 4) =>
    deployState({
      version,
      deploy_requested_at: iso,
      deployment: deployed ? { channel_id: "2", message_id: "8", version: shown, deployed_at: deployed } : null,
    });

  it("is not deployed, pending, or deployed (and says when)", () => {
    expect(deployLabel(at(null, null))).toBe("not deployed");
    expect(deployLabel(at("2025-01-02T00:00:00Z", null))).toBe("deploy pending");
    expect(deployLabel(at("2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z"))).toBe("deploy pending");
    expect(deployLabel(at("2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"), () => "Jan 2")).toBe("deployed Jan 2");
  });

  it("knows when the message shows an older version", () => {
    expect(at(null, "2025-01-02T00:00:00Z", 5, 4)).toEqual({ state: "deployed", deployedAt: "2025-01-02T00:00:00Z", outdated: true });
    expect(at(null, "2025-01-02T00:00:00Z", 4, 4)).toMatchObject({ outdated: false });
  });
});

it("places the panel's pointers beside fields and leaves others to the alert", () => {
  expect(isPlacedPointer("/channel_id")).toBe(true);
  expect(isPlacedPointer("/topics/1/ticket_type")).toBe(true);
  expect(isPlacedPointer("/support_roles/0/team")).toBe(true);
  expect(isPlacedPointer("")).toBe(false);
  expect(isPlacedPointer("/colour")).toBe(false);
});
