import { expect, it } from "vitest";
import type { Attachment, Me } from "../../api/client";
import { commentActions, isFromDiscord, stars, transcriptFiles } from "./conversation";

const me = (id: number, role: "agent" | "admin" | "viewer") => ({ via: "session", user: { id, role } }) as unknown as Me;

it("offers edit and delete on one's own comments, and admins on any", () => {
  const c = { author_user_id: 7, deleted_at: null, kind: "public" as const };
  expect(commentActions(c, me(7, "agent"))).toEqual({ edit: true, remove: true });
  expect(commentActions(c, me(8, "agent"))).toEqual({ edit: false, remove: false });
  expect(commentActions(c, me(8, "admin"))).toEqual({ edit: true, remove: true });
  expect(commentActions({ ...c, author_user_id: null }, me(7, "agent")).edit).toBe(false);
  expect(commentActions({ ...c, author_user_id: null }, me(1, "admin")).edit).toBe(true);
});

it("offers nothing on deleted and system comments", () => {
  expect(commentActions({ author_user_id: 7, deleted_at: "2025-01-01T00:00:00Z", kind: "public" }, me(7, "admin"))).toEqual({ edit: false, remove: false });
  expect(commentActions({ author_user_id: 7, deleted_at: null, kind: "system" }, me(7, "admin"))).toEqual({ edit: false, remove: false });
});

it("knows Discord's comments by their channel", () => {
  expect(isFromDiscord({ channel: "discord" })).toBe(true);
  expect(isFromDiscord({ channel: "web" })).toBe(false);
});

it("finds a transcript message's files among the ticket's, counting removed ones", () => {
  const files = [{ id: 1 }, { id: 2 }, { id: 3 }] as Attachment[];
  expect(transcriptFiles([3, 9, 1], files)).toEqual({ found: [files[2], files[0]], missing: 1 });
  expect(transcriptFiles(undefined, files)).toEqual({ found: [], missing: 0 });
});

it("draws a rating as five stars", () => {
  expect(stars(4)).toEqual([true, true, true, true, false]);
  expect(stars(9)).toEqual([true, true, true, true, true]);
  expect(stars(0)).toEqual([false, false, false, false, false]);
});
