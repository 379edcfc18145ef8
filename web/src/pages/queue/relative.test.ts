import { describe, expect, it } from "vitest";
import { relativeTime } from "./relative";

const now = new Date("2025-03-10T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

describe("relativeTime", () => {
  it("picks the largest unit that fits", () => {
    expect(relativeTime(ago(10_000), now)).toBe("just now");
    expect(relativeTime(ago(-5_000), now)).toBe("just now");
    expect(relativeTime(ago(5 * 60_000), now)).toBe("5m ago");
    expect(relativeTime(ago(3 * 3600_000), now)).toBe("3h ago");
    expect(relativeTime(ago(2 * 86400_000), now)).toBe("2d ago");
  });

  it("gives a date beyond a month, nothing for garbage", () => {
    expect(relativeTime(ago(90 * 86400_000), now)).not.toContain("ago");
    expect(relativeTime("nope", now)).toBe("");
  });
});
