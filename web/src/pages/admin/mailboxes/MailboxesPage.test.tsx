// Mailboxes against a mocked client: creating one sends what was typed (the password
// once), editing without a password keeps it out of the request, the list says where a
// mailbox stands, and testing, checking now and the log show their answers.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import "../../../components/jsdomPolyfills";
import type { Mailbox } from "../../../api/client";
import { parseFields } from "./MailboxForm";

type Init = { params?: { path?: { id?: number } }; body?: Record<string, unknown> };
const calls: { method: string; path: string; init?: Init }[] = [];
let boxes: Mailbox[] = [];

function box(id: number, extra: Partial<Mailbox> = {}): Mailbox {
  return {
    id,
    name: `box${id}`,
    address: `box${id}@example.com`,
    ticket_type: "it_support",
    fields: {},
    imap_host: "imap.example.com",
    imap_port: 993,
    imap_security: "tls",
    imap_username: "support",
    folder: "INBOX",
    use_idle: true,
    poll_seconds: 60,
    sender_hourly_limit: 10,
    enabled: true,
    raw_endpoint: `/api/v1/mailboxes/${id}/raw`,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    ...extra,
  };
}

vi.mock("../../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  const write = (method: string) =>
    vi.fn(async (path: string, init?: Init) => {
      calls.push({ method, path, init });
      if (method === "POST" && path === "/mailboxes") {
        const created = box(9, init!.body as Partial<Mailbox>);
        boxes = [...boxes, created];
        return respond(201, created);
      }
      if (path === "/mailboxes/{id}/test") return respond(200, { ok: false, error: "IMAP: login refused" });
      if (path === "/mailboxes/{id}/check") return respond(200, { ok: true, fetched: 2, items: [] });
      return respond(200, boxes.find((b) => b.id === init?.params?.path?.id));
    });
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string) => {
        if (path === "/mailboxes") return respond(200, { items: structuredClone(boxes) });
        if (path === "/mailboxes/{id}/log")
          return respond(200, {
            items: [
              { id: 1, received_at: "2025-01-01T10:00:00Z", outcome: "rate_limited", from_address: "flood@x.example", subject: "Again", ticket_key: "IT-7", detail: "over the limit" },
            ],
          });
        if (path === "/types") return respond(200, [{ slug: "it_support", name: "IT support" }]);
        return respond(200, []);
      }),
      POST: write("POST"),
      PUT: write("PUT"),
      DELETE: write("DELETE"),
    },
  };
});

const { default: MailboxesPage } = await import("./MailboxesPage");

function wrap() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <MailboxesPage />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

beforeEach(() => {
  calls.length = 0;
  boxes = [];
});
afterEach(cleanup);

it("reads field values as a JSON object", () => {
  expect(parseFields('{"category": "other"}')).toEqual({ fields: { category: "other" } });
  expect(parseFields("")).toEqual({ fields: {} });
  expect(parseFields("[1]").error).toBeTruthy();
});

it("creates a mailbox with its password", async () => {
  wrap();
  expect(await screen.findByText("No mailboxes yet.")).toBeTruthy();
  fireEvent.click(screen.getByRole("button", { name: "New mailbox" }));
  const dialog = await screen.findByRole("dialog", { name: "New mailbox" });
  const type = (label: string, value: string) =>
    fireEvent.change(within(dialog).getByLabelText(new RegExp(`^${label}`), { selector: "input,textarea" }), { target: { value } });
  type("Name", "support");
  type("Address", "support@example.com");
  type("Field values", '{"category": "other"}');
  type("IMAP server", "imap.example.com");
  type("Username", "support");
  type("Password", "hunter2");
  fireEvent.click(within(dialog).getByLabelText(/^Ticket type/, { selector: "input:not([type=hidden])" }));
  fireEvent.click(await screen.findByRole("option", { name: "IT support" }));
  fireEvent.click(within(dialog).getByRole("button", { name: "Create mailbox" }));
  await waitFor(() => expect(calls.find((c) => c.method === "POST")).toBeTruthy());
  const body = calls.find((c) => c.method === "POST")!.init!.body!;
  expect(body).toMatchObject({
    name: "support",
    address: "support@example.com",
    ticket_type: "it_support",
    fields: { category: "other" },
    imap_host: "imap.example.com",
    imap_port: 993,
    imap_security: "tls",
    imap_username: "support",
    imap_password: "hunter2",
    folder: "INBOX",
    move_to: null,
    use_idle: true,
  });
  expect(await screen.findByText("support@example.com")).toBeTruthy();
});

it("edits without resending the password, and shows test, check and log answers", async () => {
  boxes = [box(3, { last_error: "IMAP: connection refused", last_checked_at: "2025-01-01T10:00:00Z" })];
  wrap();
  const row = (await screen.findByText("box3")).closest("tr")!;
  expect(within(row).getByText("failing")).toBeTruthy();
  expect(within(row).getByText("IMAP: connection refused")).toBeTruthy();

  fireEvent.click(within(row).getByRole("button", { name: "Test mailbox box3" }));
  expect(await within(row).findByText("Failed: IMAP: login refused")).toBeTruthy();
  fireEvent.click(within(row).getByRole("button", { name: "Check mailbox box3 now" }));
  expect(await within(row).findByText("Fetched 2 message(s).")).toBeTruthy();

  fireEvent.click(within(row).getByRole("button", { name: "Log of mailbox box3" }));
  const log = await screen.findByRole("table", { name: "Log of mailbox box3" });
  expect(await within(log).findByText("rate limited")).toBeTruthy();
  expect(within(log).getByRole("link", { name: "IT-7" }).getAttribute("href")).toBe("/tickets/IT-7");

  fireEvent.click(within(row).getByRole("button", { name: "Edit mailbox box3" }));
  const dialog = await screen.findByRole("dialog", { name: "Edit box3" });
  fireEvent.click(within(dialog).getByRole("button", { name: "Save mailbox" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PUT")).toBeTruthy());
  const put = calls.find((c) => c.method === "PUT")!.init!;
  expect(put.params).toEqual({ path: { id: 3 } });
  expect(put.body).not.toHaveProperty("imap_password");
});
