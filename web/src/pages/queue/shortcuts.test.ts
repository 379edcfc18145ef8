import { describe, expect, it } from "vitest";
import { isTypingTarget, shortcutFor } from "./useQueueKeyboard";

const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe("shortcutFor", () => {
  it("maps the queue's keys", () => {
    expect(shortcutFor(key("j"))).toBe("down");
    expect(shortcutFor(key("ArrowDown"))).toBe("down");
    expect(shortcutFor(key("k"))).toBe("up");
    expect(shortcutFor(key("ArrowUp"))).toBe("up");
    expect(shortcutFor(key("Enter"))).toBe("open");
    expect(shortcutFor(key("o"))).toBe("open");
    expect(shortcutFor(key("/"))).toBe("search");
    expect(shortcutFor(key("n"))).toBe("newTicket");
    expect(shortcutFor(key("x"))).toBe("toggleCheck");
    expect(shortcutFor(key("Escape"))).toBe("clearChecks");
    expect(shortcutFor(key("q"))).toBeNull();
  });

  it("leaves browser shortcuts alone", () => {
    expect(shortcutFor(key("n", { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key("k", { metaKey: true }))).toBeNull();
  });
});

describe("isTypingTarget", () => {
  it("is true inside fields and menus", () => {
    const input = document.createElement("input");
    const menu = document.createElement("div");
    menu.setAttribute("role", "menu");
    const item = document.createElement("button");
    menu.appendChild(item);
    expect(isTypingTarget(input)).toBe(true);
    expect(isTypingTarget(item)).toBe(true);
    expect(isTypingTarget(document.createElement("tr"))).toBe(false);
    expect(isTypingTarget(document.body)).toBe(false);
    // The row checkboxes leave j/k/x to the queue.
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    expect(isTypingTarget(checkbox)).toBe(false);
  });
});
