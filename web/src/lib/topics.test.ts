import { expect, it } from "vitest";
import { topicLabel, topicPatterns } from "./topics";

it("says topics in words, and an unknown one as itself", () => {
  expect(topicLabel("ticket.assigned")).toBe("A ticket is assigned to me");
  expect(topicLabel("webhook.disabled")).toBe("An outgoing webhook is switched off (admins)");
  expect(topicLabel("ticket.merged")).toBe("ticket.merged");
});

it("offers * and one pattern per group of dotted topics", () => {
  expect(topicPatterns(["ticket.created", "ticket.assigned", "comment.created", "ping"])).toEqual(["*", "ticket.*", "comment.*"]);
});
