// The ticket page's Discord side against a mocked client: the thread marks edited,
// deleted and relayed comments, offers Edit and Delete on one's own (admins: any), shows a
// refusal's reason; the transcript panel (nothing without one) opens to the messages with
// their files; the survey shows its stars and comment.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Attachment } from "../../api/client";
import type { Comment } from "./queries";

import "../../components/jsdomPolyfills";

let role = "agent";
const me = () => ({ via: "session", user: { id: 7, email: "ann@example.com", display_name: "Ann", role, teams: ["it"] } });

type Init = { params?: { path?: { key?: string; id?: number } }; body?: unknown };
const writes: { method: string; path: string; init: Init }[] = [];
let refuse: { status: number; body: unknown } | null = null;
let transcript: unknown = null;
let survey: unknown = null;
let files: Attachment[] = [];

vi.mock("../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  const write = (method: string) =>
    vi.fn(async (path: string, init: Init) => {
      writes.push({ method, path, init });
      if (refuse) return respond(refuse.status, refuse.body);
      return respond(method === "DELETE" ? 204 : 200, {});
    });
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string) => {
        if (path === "/tickets/{key}/transcript") return transcript ? respond(200, transcript) : respond(404, { title: "Not Found", status: 404 });
        if (path === "/tickets/{key}/survey") return survey ? respond(200, survey) : respond(404, { title: "Not Found", status: 404 });
        if (path === "/tickets/{key}/attachments") return respond(200, { items: files });
        return respond(200, []);
      }),
      POST: write("POST"),
      PATCH: write("PATCH"),
      DELETE: write("DELETE"),
    },
  };
});

vi.mock("../../auth", () => ({ useMe: () => me(), useAuth: () => ({ me: me() }), isAdmin: () => role === "admin" }));

const { Thread } = await import("./Thread");
const { SurveyPanel, TranscriptPanel } = await import("./DiscordPanels");

function wrap(ui: React.ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>{ui}</QueryClientProvider>
    </MantineProvider>,
  );
}

function comment(id: number, extra: Partial<Comment> = {}): Comment {
  return {
    id,
    ticket: "IT-1",
    kind: "public",
    body: `comment ${id}`,
    author: "staff",
    author_user_id: 7,
    author_name: null,
    channel: "web",
    created_at: "2025-01-01T10:00:00Z",
    attachments: [],
    ...extra,
  } as Comment;
}

const article = (id: number) => document.querySelector(`article[data-comment-id="${id}"]`) as HTMLElement;

beforeEach(() => {
  role = "agent";
  writes.length = 0;
  refuse = null;
  transcript = null;
  survey = null;
  files = [];
});
afterEach(cleanup);

describe("the thread", () => {
  it("marks edited, deleted and Discord comments", () => {
    wrap(
      <Thread
        ticketKey="IT-1"
        users={[]}
        comments={[
          comment(1, { edited_at: "2025-01-01T11:00:00Z" }),
          comment(2, { body: "", deleted_at: "2025-01-01T12:00:00Z" }),
          comment(3, { channel: "discord", author: "requester", author_user_id: 99, author_name: "Mia" }),
        ]}
      />,
    );
    expect(within(article(1)).getByText(/^edited/)).toBeTruthy();
    expect(article(1).querySelector("time[datetime='2025-01-01T11:00:00Z']")).toBeTruthy();
    expect(within(article(2)).getByText("message deleted")).toBeTruthy();
    expect(within(article(2)).queryByRole("button", { name: /Edit comment/ })).toBeNull();
    expect(within(article(3)).getByText("Discord")).toBeTruthy();
    expect(within(article(1)).queryByText("Discord")).toBeNull();
  });

  it("offers Edit and Delete on one's own comments only, and on any to admins", () => {
    const comments = [comment(1), comment(2, { author_user_id: 8 })];
    wrap(<Thread ticketKey="IT-1" users={[]} comments={comments} />);
    expect(within(article(1)).getByRole("button", { name: /^Edit comment/ })).toBeTruthy();
    expect(within(article(1)).getByRole("button", { name: /^Delete comment/ })).toBeTruthy();
    expect(within(article(2)).queryByRole("button", { name: /^Edit comment/ })).toBeNull();
    cleanup();
    role = "admin";
    wrap(<Thread ticketKey="IT-1" users={[]} comments={comments} />);
    expect(within(article(2)).getByRole("button", { name: /^Edit comment/ })).toBeTruthy();
  });

  it("edits a comment in place", async () => {
    wrap(<Thread ticketKey="IT-1" users={[]} comments={[comment(1)]} />);
    fireEvent.click(within(article(1)).getByRole("button", { name: /^Edit comment/ }));
    fireEvent.change(within(article(1)).getByRole("textbox", { name: "Comment text" }), { target: { value: "fixed typo" } });
    fireEvent.click(within(article(1)).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(within(article(1)).queryByRole("textbox", { name: "Comment text" })).toBeNull());
    expect(writes).toEqual([{ method: "PATCH", path: "/tickets/{key}/comments/{id}", init: { params: { path: { key: "IT-1", id: 1 } }, body: { body: "fixed typo" } } }]);
  });

  it("shows the server's reason when an edit is refused", async () => {
    refuse = { status: 403, body: { title: "Forbidden", status: 403, detail: "only its author or an admin may change a comment" } };
    wrap(<Thread ticketKey="IT-1" users={[]} comments={[comment(1)]} />);
    fireEvent.click(within(article(1)).getByRole("button", { name: /^Edit comment/ }));
    fireEvent.change(within(article(1)).getByRole("textbox", { name: "Comment text" }), { target: { value: "x" } });
    fireEvent.click(within(article(1)).getByRole("button", { name: "Save" }));
    expect(await within(article(1)).findByText("only its author or an admin may change a comment")).toBeTruthy();
    expect(within(article(1)).getByRole("textbox", { name: "Comment text" })).toBeTruthy();
  });

  it("deletes only after confirming, and shows a refusal in the dialog", async () => {
    wrap(<Thread ticketKey="IT-1" users={[]} comments={[comment(1)]} />);
    fireEvent.click(within(article(1)).getByRole("button", { name: /^Delete comment/ }));
    const dialog = await screen.findByRole("dialog", { name: "Delete this comment?" });
    expect(writes).toEqual([]);
    refuse = { status: 403, body: { title: "Forbidden", status: 403, detail: "not yours to delete" } };
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await within(dialog).findByText("not yours to delete")).toBeTruthy();
    refuse = null;
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(writes.filter((w) => w.method === "DELETE")).toHaveLength(2));
    expect(writes[1].init.params).toEqual({ path: { key: "IT-1", id: 1 } });
  });
});

describe("the transcript and the survey", () => {
  it("show nothing for a ticket without them", async () => {
    const { container } = wrap(
      <>
        <TranscriptPanel ticketKey="IT-1" />
        <SurveyPanel ticketKey="IT-1" />
      </>,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(container.querySelector("section")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("opens the transcript to its messages, authors, badges and files", async () => {
    files = [
      { id: 5, ticket: "IT-1", comment_id: null, filename: "log.txt", content_type: "text/plain", size: 300, sha256: "", uploaded_by: "bot", created_at: "2025-01-01T00:00:00Z", content_url: "/attachments/5/content" },
    ];
    transcript = {
      ticket: "IT-1",
      channel_id: "1",
      channel_name: "ticket-0001",
      saved_by: "bot",
      saved_at: "2025-01-01T12:00:00Z",
      messages: [
        { id: "m1", author_id: "1", author_name: "Mia", content: "my log", created_at: "2025-01-01T10:00:00Z", attachments: [5, 6] },
        { id: "m2", author_id: "2", author_name: "Sam", staff: true, content: "on it", created_at: "2025-01-01T10:01:00Z", edited_at: "2025-01-01T10:02:00Z" },
        { id: "m3", author_id: "3", author_name: "Docket", bot: true, embeds: ["Ticket closed"], created_at: "2025-01-01T10:03:00Z" },
      ],
    };
    wrap(<TranscriptPanel ticketKey="IT-1" />);
    expect(await screen.findByText(/#ticket-0001 · 3 messages/)).toBeTruthy();
    expect(screen.queryByText("my log")).toBeNull();
    const toggle = screen.getByRole("button", { name: "Show transcript" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    const feed = await screen.findByRole("feed", { name: "Transcript messages" });
    const messages = within(feed).getAllByRole("article");
    expect(messages.map((m) => m.getAttribute("data-message-id"))).toEqual(["m1", "m2", "m3"]);
    await waitFor(() => expect(within(messages[0]).getByRole("link", { name: /^Download log\.txt/ })).toBeTruthy());
    expect(within(messages[0]).getByText("1 file was removed from the ticket")).toBeTruthy();
    expect(within(messages[1]).getByText("Staff")).toBeTruthy();
    expect(within(messages[1]).getByText(/^edited/)).toBeTruthy();
    expect(within(messages[2]).getByText("Bot")).toBeTruthy();
    expect(within(messages[2]).getByText("Ticket closed")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Hide transcript" }).getAttribute("aria-expanded")).toBe("true");
  });

  it("shows the survey's stars and comment", async () => {
    survey = { ticket: "IT-1", rating: 3, comment: "Slow but fine", recorded_by: "bot", created_at: "2025-01-02T00:00:00Z" };
    wrap(<SurveyPanel ticketKey="IT-1" />);
    expect(await screen.findByRole("img", { name: "Rated 3 out of 5" })).toBeTruthy();
    expect(screen.getByText(/Slow but fine/)).toBeTruthy();
  });
});
