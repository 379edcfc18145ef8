// Files on the ticket page against a mocked client: the composer uploads each file at
// once (the raw bytes, the file's own type), holds Send while uploads run, shows the
// server's reason for a refused file, deletes files removed before sending; the thread
// shows a comment's files; the Files panel lists and removes them.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Attachment } from "../../api/client";
import type { Comment } from "./queries";

import "../../components/jsdomPolyfills";

let role = "agent";
const me = () => ({ via: "session", user: { id: 7, email: "ann@example.com", display_name: "Ann", role, teams: ["it"] } });

interface Upload {
  key: string;
  filename: string;
  contentType: string;
  body: unknown;
  release: () => void;
}
const uploads: Upload[] = [];
const comments: unknown[] = [];
const deleted: number[] = [];
let ticketFiles: Attachment[] = [];
/** When set, uploads wait until released one by one (to see them in flight). */
let holdUploads = false;
/** The next upload's refusal, as the server words it. */
let refuse: { status: number; body: unknown } | null = null;
let nextId = 100;

function attachment(id: number, filename: string, content_type: string, comment_id: number | null = null, size = 2048): Attachment {
  return {
    id,
    ticket: "IT-1",
    comment_id,
    filename,
    content_type,
    size,
    sha256: "ab",
    uploaded_by: "ann@example.com",
    created_at: "2025-01-01T00:00:00Z",
    content_url: `/attachments/${id}/content`,
  };
}

vi.mock("../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  type Init = {
    params?: { path?: { key?: string; id?: number }; query?: { filename?: string } };
    body?: unknown;
    headers?: Record<string, string>;
    bodySerializer?: (body: unknown) => unknown;
  };
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string) => {
        if (path === "/tickets/{key}/attachments") return respond(200, { items: structuredClone(ticketFiles) });
        return respond(200, []);
      }),
      POST: vi.fn(async (path: string, init: Init) => {
        if (path === "/tickets/{key}/attachments") {
          const file = init.body as File;
          let release = () => {};
          const landed = holdUploads ? new Promise<void>((r) => (release = r)) : Promise.resolve();
          uploads.push({
            key: init.params!.path!.key!,
            filename: init.params!.query!.filename!,
            contentType: init.headers!["Content-Type"],
            // What goes on the wire: the Blob itself, not JSON.
            body: init.bodySerializer ? init.bodySerializer(file) : JSON.stringify(file),
            release,
          });
          await landed;
          if (refuse) {
            const { status, body } = refuse;
            refuse = null;
            return respond(status, body);
          }
          return respond(201, attachment(nextId++, init.params!.query!.filename!, file.type, null, file.size));
        }
        comments.push(init.body);
        return respond(201, { id: comments.length });
      }),
      DELETE: vi.fn(async (_path: string, init: Init) => {
        deleted.push(init.params!.path!.id!);
        return { data: undefined, error: undefined, response: new Response(null, { status: 204 }) };
      }),
    },
  };
});

vi.mock("../../auth", () => ({ useMe: () => me(), useAuth: () => ({ me: me() }), isAdmin: () => false }));

const { Thread } = await import("./Thread");
const { FilesPanel } = await import("./FilesPanel");

function wrap(ui: React.ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>{ui}</QueryClientProvider>
    </MantineProvider>,
  );
}

const png = (name = "shot.png", bytes = 1536) => new File([new Uint8Array(bytes)], name, { type: "image/png" });
const sendButton = () => screen.getByRole("button", { name: "Send" }) as HTMLButtonElement;
const fileList = () => screen.getByRole("list", { name: "Files to send" });
function pick(container: HTMLElement, ...files: File[]) {
  const input = container.querySelector('input[type="file"]') as HTMLInputElement;
  fireEvent.change(input, { target: { files } });
}

beforeEach(() => {
  role = "agent";
  uploads.length = 0;
  comments.length = 0;
  deleted.length = 0;
  ticketFiles = [];
  holdUploads = false;
  refuse = null;
  nextId = 100;
});
afterEach(cleanup);

describe("the composer's files", () => {
  it("uploads a picked file at once, holds Send until it lands, then sends its id", async () => {
    holdUploads = true;
    const { container } = wrap(<Thread ticketKey="IT-1" comments={[]} users={[]} />);
    fireEvent.click(screen.getByRole("button", { name: "Attach files" }));
    pick(container, png());

    await waitFor(() => expect(uploads).toHaveLength(1));
    expect(uploads[0]).toMatchObject({ key: "IT-1", filename: "shot.png", contentType: "image/png" });
    expect(uploads[0].body).toBeInstanceOf(Blob);
    const chip = within(fileList()).getByRole("listitem");
    expect(within(chip).getByText("shot.png")).toBeTruthy();
    expect(within(chip).getByText("1.5 KB")).toBeTruthy();
    expect(within(chip).getByLabelText("Uploading shot.png")).toBeTruthy();
    // Text alone may not go while a file is on its way.
    fireEvent.change(screen.getByRole("textbox", { name: "Message" }), { target: { value: "see attached" } });
    expect(sendButton().disabled).toBe(true);

    uploads[0].release();
    await waitFor(() => expect(sendButton().disabled).toBe(false));
    fireEvent.click(sendButton());
    await waitFor(() => expect(comments).toEqual([{ kind: "public", body: "see attached", attachments: [100] }]));
    await waitFor(() => expect(screen.queryByRole("list", { name: "Files to send" })).toBeNull());
    expect(deleted).toEqual([]);
  });

  it("sends a reply that is only files", async () => {
    const { container } = wrap(<Thread ticketKey="IT-1" comments={[]} users={[]} />);
    expect(sendButton().disabled).toBe(true);
    pick(container, png("a.png"), new File(["%PDF"], "b.pdf", { type: "application/pdf" }));
    await waitFor(() => expect(sendButton().disabled).toBe(false));
    expect(uploads.map((u) => [u.filename, u.contentType])).toEqual([
      ["a.png", "image/png"],
      ["b.pdf", "application/pdf"],
    ]);
    fireEvent.click(sendButton());
    await waitFor(() => expect(comments).toEqual([{ kind: "public", body: "", attachments: [100, 101] }]));
  });

  it("shows the server's reason beside a refused file, and sends without it", async () => {
    refuse = {
      status: 413,
      body: { type: "about:blank", title: "Payload too large", status: 413, detail: "files may be at most 1024 bytes" },
    };
    const { container } = wrap(<Thread ticketKey="IT-1" comments={[]} users={[]} />);
    pick(container, png("huge.png", 4096));
    const alert = await within(fileList()).findByRole("alert");
    expect(alert.textContent).toContain("files may be at most 1024 bytes");
    expect(sendButton().disabled).toBe(true);

    fireEvent.click(within(fileList()).getByRole("button", { name: "Remove huge.png" }));
    expect(screen.queryByRole("list", { name: "Files to send" })).toBeNull();
    // Nothing was stored: nothing to delete.
    expect(deleted).toEqual([]);
  });

  it("deletes a file removed before sending, even one still uploading", async () => {
    nextId = 200;
    const { container } = wrap(<Thread ticketKey="IT-1" comments={[]} users={[]} />);
    pick(container, png("keep.png"), png("oops.png"));
    await waitFor(() => expect(sendButton().disabled).toBe(false));
    fireEvent.click(screen.getByRole("button", { name: "Remove oops.png" }));
    await waitFor(() => expect(deleted).toEqual([201]));

    holdUploads = true;
    pick(container, png("late.png"));
    await waitFor(() => expect(uploads).toHaveLength(3));
    fireEvent.click(screen.getByRole("button", { name: "Remove late.png" }));
    expect(sendButton().disabled).toBe(false);
    uploads[2].release();
    await waitFor(() => expect(deleted).toEqual([201, 202]));

    fireEvent.click(sendButton());
    await waitFor(() => expect(comments).toEqual([{ kind: "public", body: "", attachments: [200] }]));
  });

  it("deletes the files never sent when the agent leaves the ticket", async () => {
    nextId = 300;
    const { container, unmount } = wrap(<Thread ticketKey="IT-1" comments={[]} users={[]} />);
    pick(container, png());
    await waitFor(() => expect(sendButton().disabled).toBe(false));
    unmount();
    await waitFor(() => expect(deleted).toEqual([300]));
  });

  it("attaches a pasted screenshot and a dropped file", async () => {
    wrap(<Thread ticketKey="IT-1" comments={[]} users={[]} />);
    const message = screen.getByRole("textbox", { name: "Message" });
    fireEvent.paste(message, { clipboardData: { files: [png("image.png")], types: ["Files"] } });
    await waitFor(() => expect(uploads).toHaveLength(1));
    expect(uploads[0].filename).toMatch(/^Pasted image \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.png$/);

    const form = screen.getByRole("form", { name: "Reply composer" });
    const dropped = new File(["log"], "trace.log", { type: "text/plain" });
    fireEvent.dragOver(form, { dataTransfer: { types: ["Files"], files: [dropped] } });
    expect(form.getAttribute("data-dragging")).toBe("true");
    fireEvent.drop(form, { dataTransfer: { types: ["Files"], files: [dropped] } });
    await waitFor(() => expect(uploads).toHaveLength(2));
    expect(uploads[1]).toMatchObject({ filename: "trace.log", contentType: "text/plain" });
    expect(form.getAttribute("data-dragging")).toBeNull();
  });

  it("leaves pasted text alone", () => {
    wrap(<Thread ticketKey="IT-1" comments={[]} users={[]} />);
    const message = screen.getByRole("textbox", { name: "Message" });
    fireEvent.paste(message, { clipboardData: { files: [], types: ["text/plain"], getData: () => "hi" } });
    expect(uploads).toHaveLength(0);
  });
});

describe("a comment's files", () => {
  it("shows pictures as thumbnails opening full size, and other files as downloads", () => {
    const comment: Comment = {
      id: 1,
      ticket: "IT-1",
      kind: "public",
      body: "",
      author: "requester",
      author_name: "Grace",
      channel: "web",
      created_at: "2025-01-01T00:00:00Z",
      attachments: [attachment(5, "screen.png", "image/png", 1), attachment(6, "report.pdf", "application/pdf", 1, 3 * 1024 * 1024)],
    };
    wrap(<Thread ticketKey="IT-1" comments={[comment]} users={[]} />);
    const files = within(screen.getByRole("article")).getByRole("group", { name: "Attached files" });
    const img = within(files).getByRole("img", { name: "screen.png" });
    expect(img.getAttribute("src")).toBe("/api/v1/attachments/5/content");
    const open = img.closest("a")!;
    expect(open.getAttribute("href")).toBe("/api/v1/attachments/5/content");
    expect(open.getAttribute("target")).toBe("_blank");
    expect(open.getAttribute("rel")).toContain("noopener");
    const pdf = within(files).getByRole("link", { name: "Download report.pdf (3 MB)" });
    expect(pdf.getAttribute("href")).toBe("/api/v1/attachments/6/content");
    expect(pdf.getAttribute("download")).toBe("report.pdf");
    expect(within(files).getByText("3 MB")).toBeTruthy();
  });
});

describe("the Files panel", () => {
  it("lists every file, those on no comment too, and removes one after confirming", async () => {
    ticketFiles = [attachment(1, "screen.png", "image/png", 4), attachment(2, "transcript.txt", "text/plain", null)];
    wrap(<FilesPanel ticketKey="IT-1" users={[]} />);
    const panel = screen.getByRole("region", { name: /Files/ });
    await within(panel).findByRole("img", { name: "screen.png" });
    const rows = within(panel).getAllByRole("listitem");
    expect(rows).toHaveLength(2);
    expect(within(rows[1]).getByRole("link", { name: /Download transcript.txt/ })).toBeTruthy();
    expect(within(rows[1]).getByText("not on a comment")).toBeTruthy();
    expect(within(rows[0]).queryByText("not on a comment")).toBeNull();

    fireEvent.click(within(rows[1]).getByRole("button", { name: "Remove transcript.txt" }));
    const dialog = await screen.findByRole("dialog", { name: "Remove transcript.txt?" });
    expect(deleted).toEqual([]);
    ticketFiles = ticketFiles.slice(0, 1);
    fireEvent.click(within(dialog).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(deleted).toEqual([2]));
    await waitFor(() => expect(within(panel).getAllByRole("listitem")).toHaveLength(1));
  });

  it("offers no removal to a viewer", async () => {
    role = "viewer";
    ticketFiles = [attachment(2, "transcript.txt", "text/plain", null)];
    wrap(<FilesPanel ticketKey="IT-1" users={[]} />);
    await screen.findByRole("link", { name: /Download transcript.txt/ });
    expect(screen.queryByRole("button", { name: /Remove/ })).toBeNull();
  });
});
