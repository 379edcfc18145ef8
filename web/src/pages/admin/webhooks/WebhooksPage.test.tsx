// Outgoing webhooks against a mocked client: the list says where each one stands
// (switched off by Docket, with why; failures in a row); creating one sends what was
// typed and shows the signing secret once; rotating shows the new one; enabling PATCHes.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import "../../../components/jsdomPolyfills";
import type { WebhookSubscription } from "../../../api/client";

type Init = { params?: { path?: { id?: number } }; body?: Record<string, unknown> };
const calls: { method: string; path: string; init?: Init }[] = [];
let subs: WebhookSubscription[] = [];
const SECRET = "whsec_0123456789abcdef";

function sub(id: number, extra: Partial<WebhookSubscription> = {}): WebhookSubscription {
  return {
    id,
    name: `Hook ${id}`,
    url: `https://hooks.example.com/${id}`,
    events: ["ticket.created"],
    types: null,
    enabled: true,
    consecutive_failures: 0,
    disabled_reason: null,
    created_by: "admin@example.com",
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
      if (method === "POST" && path === "/webhook-subscriptions") {
        const created = sub(9, init!.body as Partial<WebhookSubscription>);
        subs = [...subs, created];
        return respond(201, { subscription: created, secret: SECRET });
      }
      const id = init?.params?.path?.id;
      if (path === "/webhook-subscriptions/{id}/rotate-secret")
        return respond(200, { subscription: subs.find((s) => s.id === id), secret: "whsec_rotated" });
      if (method === "PATCH") {
        subs = subs.map((s) => (s.id === id ? { ...s, ...init!.body, disabled_reason: null, consecutive_failures: 0 } : s));
        return respond(200, subs.find((s) => s.id === id));
      }
      return respond(200, {});
    });
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string) => {
        if (path === "/webhook-subscriptions")
          return respond(200, { items: structuredClone(subs), topics: ["ticket.created", "ticket.assigned", "comment.created"] });
        if (path === "/types") return respond(200, [{ slug: "it_support", name: "IT support" }]);
        return respond(200, []);
      }),
      POST: write("POST"),
      PATCH: write("PATCH"),
      DELETE: write("DELETE"),
    },
  };
});

const { default: WebhooksPage } = await import("./WebhooksPage");

function wrap() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <WebhooksPage />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

beforeEach(() => {
  calls.length = 0;
  subs = [];
});
afterEach(cleanup);

it("creates a webhook and shows its secret once", async () => {
  wrap();
  expect(await screen.findByText("No outgoing webhooks yet.")).toBeTruthy();
  fireEvent.click(screen.getByRole("button", { name: "New webhook" }));
  fireEvent.change(await screen.findByRole("textbox", { name: "Name" }), { target: { value: "Ops chat " } });
  fireEvent.change(screen.getByRole("textbox", { name: "URL" }), { target: { value: "https://ops.example.com/hook" } });
  const events = within(screen.getByRole("dialog", { name: "New webhook" })).getByLabelText("Events", { selector: "input:not([type=hidden])" });
  // Patterns and known topics are offered alike.
  fireEvent.click(events);
  fireEvent.click(await screen.findByRole("option", { name: "comment.*" }));
  fireEvent.click(events);
  fireEvent.click(await screen.findByRole("option", { name: "ticket.assigned" }));
  fireEvent.click(screen.getByRole("button", { name: "Create webhook" }));

  const dialog = await screen.findByRole("dialog", { name: "Signing secret of Ops chat" });
  expect(within(dialog).getByLabelText("Signing secret").textContent).toBe(SECRET);
  expect(within(dialog).getByRole("button", { name: "Copy secret" })).toBeTruthy();
  expect(within(dialog).getByText("X-Docket-Timestamp")).toBeTruthy();
  const post = calls.find((c) => c.method === "POST")!;
  expect(post.init!.body).toEqual({
    name: "Ops chat",
    url: "https://ops.example.com/hook",
    events: ["comment.*", "ticket.assigned"],
    types: null,
    enabled: true,
  });

  fireEvent.click(within(dialog).getByRole("button", { name: "Done" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  // Once: the list has the webhook, but the secret is nowhere on the page any more.
  const row = (await screen.findByText("Ops chat")).closest("tr")!;
  expect(within(row).getByText("comment.*")).toBeTruthy();
  expect(document.body.textContent).not.toContain(SECRET);
});

it("says why Docket switched one off, enables it again, and shows a rotated secret", async () => {
  subs = [sub(4, { name: "Flaky", enabled: false, disabled_reason: "25 failed attempts in a row", consecutive_failures: 25 })];
  wrap();
  const row = (await screen.findByText("Flaky")).closest("tr")!;
  expect(within(row).getByText("switched off: 25 failed attempts in a row")).toBeTruthy();
  expect(within(row).getByText("25 failed attempts in a row", { selector: "p" })).toBeTruthy();
  expect(within(row).getByRole("link", { name: "Deliveries of webhook Flaky" }).getAttribute("href")).toBe(
    "/admin/deliveries?channel=webhook&target=4",
  );

  fireEvent.click(within(row).getByRole("button", { name: "Enable webhook Flaky" }));
  await waitFor(() => expect(within(screen.getByText("Flaky").closest("tr")!).getByText("on")).toBeTruthy());
  expect(calls.find((c) => c.method === "PATCH")!.init).toEqual({ params: { path: { id: 4 } }, body: { enabled: true } });

  fireEvent.click(screen.getByRole("button", { name: "Rotate secret of webhook Flaky" }));
  fireEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Rotate secret" }));
  const dialog = await screen.findByRole("dialog", { name: "Signing secret of Flaky" });
  expect(within(dialog).getByLabelText("Signing secret").textContent).toBe("whsec_rotated");
  expect(within(dialog).getByText(/The old secret stopped working/)).toBeTruthy();
});
