import { describe, expect, it } from "vitest";
import { ticketPath } from "./ticketPath";

describe("ticketPath", () => {
  it("links a ticket by its key, encoded", () => {
    expect(ticketPath("IT-42")).toBe("/tickets/IT-42");
    expect(ticketPath("A/B?#1")).toBe("/tickets/A%2FB%3F%231");
  });
});
