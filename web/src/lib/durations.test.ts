import { describe, expect, it } from "vitest";
import { formatMinutes, formatSeconds, minutesToText, parseMinutes } from "./durations";

describe("parseMinutes", () => {
  it.each([
    ["30m", 30],
    ["4h", 240],
    ["2d", 2880],
    ["1w", 10080],
    ["1h 30m", 90],
    ["1h30m", 90],
    ["1d4h", 1680],
    ["1.5h", 90],
    ["90", 90],
    ["  45 min ", 45],
    ["2 hours", 120],
    ["3 days", 4320],
    ["1H", 60],
  ])("reads %s as %i minutes", (text, minutes) => {
    expect(parseMinutes(text)).toEqual({ ok: true, minutes });
  });

  it("reads empty text as no value", () => {
    expect(parseMinutes("   ")).toEqual({ ok: true, minutes: null });
  });

  it.each(["4x", "h", "abc", "1h -", "0.5m"])("refuses %s", (text) => {
    expect(parseMinutes(text).ok).toBe(false);
  });
});

describe("formatMinutes", () => {
  it.each([
    [0, "0m"],
    [15, "15m"],
    [60, "1h"],
    [90, "1h 30m"],
    [1440, "1d"],
    [2880, "2d"],
    [1680, "1d 4h"],
    [1501, "1d 1h 1m"],
  ])("prints %i as %s", (minutes, text) => {
    expect(formatMinutes(minutes)).toBe(text);
  });

  it("round-trips through parseMinutes", () => {
    for (const m of [1, 59, 61, 240, 1439, 4321, 525600]) {
      expect(parseMinutes(formatMinutes(m))).toEqual({ ok: true, minutes: m });
    }
  });

  it("shows no value as empty text", () => {
    expect(minutesToText(null)).toBe("");
    expect(minutesToText(120)).toBe("2h");
  });
});

describe("formatSeconds", () => {
  it.each([
    [null, "—"],
    [45, "45s"],
    [150, "2m 30s"],
    [222.4, "3m 42s"],
    [3900, "1h 05m"],
    [187200, "2d 4h"],
  ])("prints %s seconds as %s", (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});
