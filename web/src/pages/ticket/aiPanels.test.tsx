// The ticket page's AI pieces against a mocked client: the draft fills the composer (or
// says why not), and the triage panel applies a suggestion once.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Ticket } from "../../api/client";

import "../../components/jsdomPolyfills";

const posts: string[] = [];
let draftStatus = 200;

vi.mock("../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  return {
    ...original,
    api: {
      POST: vi.fn(async (path: string) => {
        posts.push(path);
        if (path === "/tickets/{key}/draft-reply")
          return draftStatus === 200
            ? respond(200, { text: "Hello, please update the VPN client.", model: "m" })
            : respond(409, { type: "about:blank", title: "AI not configured", status: 409, detail: "AI is not configured" });
        return respond(200, {});
      }),
    },
  };
});

const { DraftReplyButton } = await import("./DraftReplyButton");
const { TriagePanel } = await import("./TriagePanel");

function wrap(ui: React.ReactNode) {
  const client = new QueryClient();
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>{ui}</QueryClientProvider>
    </MantineProvider>,
  );
}

afterEach(() => {
  cleanup();
  posts.length = 0;
  draftStatus = 200;
});

describe("Draft reply", () => {
  it("hands the draft to the composer", async () => {
    const onDraft = vi.fn();
    wrap(<DraftReplyButton ticketKey="IT-1" onDraft={onDraft} />);
    fireEvent.click(screen.getByRole("button", { name: "Draft reply" }));
    await waitFor(() => expect(onDraft).toHaveBeenCalledWith("Hello, please update the VPN client."));
  });

  it("says why when AI is not configured", async () => {
    draftStatus = 409;
    const onDraft = vi.fn();
    wrap(<DraftReplyButton ticketKey="IT-1" onDraft={onDraft} />);
    fireEvent.click(screen.getByRole("button", { name: "Draft reply" }));
    expect((await screen.findByRole("alert")).textContent).toContain("AI is not configured");
    expect(onDraft).not.toHaveBeenCalled();
  });
});

describe("Triage panel", () => {
  const base = { key: "IT-1" } as unknown as Ticket;
  const suggestion = {
    priority: "P1",
    tags: ["vpn"],
    team: "it",
    skills: [],
    reason: "A VPN fault",
    model: "m",
    mode: "suggest",
    suggested_at: "2026-12-01T00:00:00Z",
    applied_at: null,
    applied_by: null,
  };

  it("shows nothing without a suggestion", () => {
    wrap(<TriagePanel ticket={{ ...base, triage: null } as Ticket} />);
    expect(screen.queryByLabelText("AI triage")).toBeNull();
  });

  it("shows the suggestion and applies it", async () => {
    wrap(<TriagePanel ticket={{ ...base, triage: suggestion } as unknown as Ticket} />);
    expect(screen.getByText("Team: it")).toBeTruthy();
    expect(screen.getByText("suggested")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(posts).toEqual(["/tickets/{key}/triage/apply"]));
  });

  it("offers no Apply once applied", () => {
    const applied = { ...suggestion, applied_at: "2026-12-01T00:01:00Z", applied_by: "ai" };
    wrap(<TriagePanel ticket={{ ...base, triage: applied } as unknown as Ticket} />);
    expect(screen.getByText("applied by ai")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Apply" })).toBeNull();
  });
});
