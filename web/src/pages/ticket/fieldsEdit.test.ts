import { describe, expect, it } from "vitest";
import { afterFieldsSaved, applyFieldChanges, editFields, fieldsToSend, rebaseFields } from "./fieldsEdit";

describe("fields edit", () => {
  const saved = { a: "1", b: "1" };

  it("starts from the ticket as it is, and ends when back to it", () => {
    const edit = editFields(null, saved, 3, { a: "1", b: "2" })!;
    expect(edit).toEqual({ base: saved, version: 3, values: { a: "1", b: "2" } });
    expect(fieldsToSend(edit)).toEqual({ b: "2" });
    // A later edit keeps the first base, whatever the ticket is by then.
    expect(editFields(edit, { a: "X", b: "1" }, 4, { a: "1", b: "3" })).toEqual({ base: saved, version: 3, values: { a: "1", b: "3" } });
    expect(editFields(edit, saved, 3, { a: "1", b: "1" })).toBeNull();
  });

  it("sends an emptied field as null", () => {
    expect(fieldsToSend({ base: saved, version: 1, values: { a: "1" } })).toEqual({ b: null });
    expect(applyFieldChanges(saved, { b: null, c: 2 })).toEqual({ a: "1", c: 2 });
  });

  it("rebases my changes onto newer data", () => {
    const edit = { base: saved, version: 1, values: { a: "1", b: "2" } };
    expect(rebaseFields(edit, { a: "X", b: "1", c: null }, 2)).toEqual({ base: { a: "X", b: "1" }, version: 2, values: { a: "X", b: "2" } });
  });

  it("after a save keeps only what was typed since sending", () => {
    const sent = { a: "1", b: "2" };
    expect(afterFieldsSaved({ base: saved, version: 1, values: sent }, sent, { a: "1", b: "2" }, 2)).toBeNull();
    expect(afterFieldsSaved({ base: saved, version: 1, values: { a: "9", b: "2" } }, sent, { a: "1", b: "2" }, 2)).toEqual({
      base: { a: "1", b: "2" },
      version: 2,
      values: { a: "9", b: "2" },
    });
  });
});
