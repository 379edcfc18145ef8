import { describe, expect, it } from "vitest";
import { summaryDraft, summaryInput } from "./SummaryPanel";

describe("the summary form", () => {
  it("turns a summary into fields and back", () => {
    const draft = summaryDraft({
      issue: "VPN drops",
      resolution: "New client",
      open_points: ["Call back", "Send config"],
      sentiment: "frustrated",
      next_best_action: "Check in a week",
      topics: ["vpn", "network"],
      written_by: { kind: "ai", model: "m" },
      written_at: "2026-12-05T10:00:00Z",
    });
    expect(draft.openPoints).toBe("Call back\nSend config");
    expect(draft.topics).toBe("vpn, network");
    expect(summaryInput(draft)).toEqual({
      issue: "VPN drops",
      resolution: "New client",
      open_points: ["Call back", "Send config"],
      sentiment: "frustrated",
      next_best_action: "Check in a week",
      topics: ["vpn", "network"],
    });
  });

  it("drops blank lines and leaves sentiment out when none is chosen", () => {
    const input = summaryInput({ ...summaryDraft(null), issue: "x", openPoints: "a\n\n  \nb", topics: " , vpn ," });
    expect(input.open_points).toEqual(["a", "b"]);
    expect(input.topics).toEqual(["vpn"]);
    expect("sentiment" in input).toBe(false);
  });
});
