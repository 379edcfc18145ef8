// The queue's keyboard shortcuts: j/k and arrows move the selection, Enter/o open it,
// "/" searches, "n" starts a new ticket, "x" ticks the selected row for bulk actions and
// Escape unticks all. Keys typed into fields, menus and lists are theirs.
import { useEffect, useRef } from "react";

export interface QueueKeys {
  move(delta: 1 | -1): void;
  open(): void;
  search(): void;
  newTicket(): void;
  /** Tick or untick the selected row's checkbox. */
  toggleCheck(): void;
  /** Untick every row. */
  clearChecks(): void;
}

/** Whether a key press belongs to the element it happened in rather than to the queue. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  // A checkbox takes Space only: the row checkboxes should not swallow j/k/x.
  if (target instanceof HTMLInputElement && (target.type === "checkbox" || target.type === "radio")) return false;
  if (target.closest("input, textarea, select, [role=listbox], [role=menu], [role=dialog], [role=combobox]")) return true;
  return false;
}

export type Shortcut = "down" | "up" | "open" | "search" | "newTicket" | "toggleCheck" | "clearChecks";

/** What a key does in the queue, or null when it is not a queue shortcut. */
export function shortcutFor(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">): Shortcut | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case "j":
    case "ArrowDown":
      return "down";
    case "k":
    case "ArrowUp":
      return "up";
    case "Enter":
    case "o":
      return "open";
    case "/":
      return "search";
    case "n":
      return "newTicket";
    case "x":
      return "toggleCheck";
    case "Escape":
      return "clearChecks";
    default:
      return null;
  }
}

export function useQueueKeyboard(handlers: QueueKeys) {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTypingTarget(e.target)) return;
      const action = shortcutFor(e);
      if (!action) return;
      // Enter on a button or link is that control's own click.
      if (action === "open" && e.key === "Enter" && e.target instanceof HTMLElement && e.target.closest("button, a")) return;
      e.preventDefault();
      const h = latest.current;
      if (action === "down") h.move(1);
      else if (action === "up") h.move(-1);
      else h[action]();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
