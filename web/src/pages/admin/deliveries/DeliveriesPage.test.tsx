// The delivery log against a mocked client: filters from the address go to the API, the
// drawer shows the body pretty-printed and the attempts, and Retry is offered for dead
// and pending deliveries only and refreshes the log.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import "../../../components/jsdomPolyfills";
import type { Delivery } from "../../../api/client";

const gets: { path: string; query?: unknown }[] = [];
const retries: number[] = [];
let deliveries: Delivery[] = [];

function delivery(id: number, extra: Partial<Delivery> = {}): Delivery {
  return {
    id,
    channel: "webhook",
    target: "4",
    topic: "ticket.created",
    ticket: "IT-7",
    status: "delivered",
    attempts: 1,
    next_attempt_at: null,
    last_error: null,
    created_at: new Date().toISOString(),
    delivered_at: new Date().toISOString(),
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
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string, init: { params: { query?: unknown; path?: { id: number } } }) => {
        gets.push({ path, query: init.params.query });
        if (path === "/deliveries") return respond(200, { items: structuredClone(deliveries), next_cursor: null });
        const d = deliveries.find((x) => x.id === init.params.path!.id)!;
        return respond(200, {
          delivery: d,
          body: { topic: d.topic, ticket: { key: d.ticket, title: "Printer jams" } },
          attempts: [
            { at: "2025-01-01T00:00:00Z", outcome: "failed", code: 500, error: "HTTP 500", duration_ms: 12 },
            { at: "2025-01-01T00:01:00Z", outcome: "dead", code: null, error: "connection refused", duration_ms: 3 },
          ],
        });
      }),
      POST: vi.fn(async (_path: string, init: { params: { path: { id: number } } }) => {
        retries.push(init.params.path.id);
        deliveries = deliveries.map((d) => (d.id === init.params.path.id ? { ...d, status: "pending", last_error: null } : d));
        return respond(200, deliveries.find((d) => d.id === init.params.path.id));
      }),
    },
  };
});

const { default: DeliveriesPage } = await import("./DeliveriesPage");

function wrap(at: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[at]}>
          <DeliveriesPage />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

beforeEach(() => {
  gets.length = 0;
  retries.length = 0;
  deliveries = [
    delivery(12, { status: "dead", attempts: 2, last_error: "connection refused", delivered_at: null }),
    delivery(11),
  ];
});
afterEach(cleanup);

it("asks for the filters in the address and retries a dead delivery", async () => {
  wrap("/admin/deliveries?channel=webhook&target=4");
  const dead = (await screen.findByRole("button", { name: "Open delivery 12" })).closest("tr")!;
  expect(gets[0]).toEqual({ path: "/deliveries", query: { channel: "webhook", target: "4", limit: 50 } });
  expect(screen.getByText("target: 4")).toBeTruthy();
  expect(within(dead).getByText("dead")).toBeTruthy();
  // Delivered ones are done: nothing to retry.
  const done = screen.getByRole("button", { name: "Open delivery 11" }).closest("tr")!;
  expect(within(done).queryByRole("button", { name: /Retry/ })).toBeNull();

  fireEvent.click(within(dead).getByRole("button", { name: "Retry delivery 12" }));
  await waitFor(() => expect(within(screen.getByRole("button", { name: "Open delivery 12" }).closest("tr")!).getByText("pending")).toBeTruthy());
  expect(retries).toEqual([12]);
});

it("shows a delivery's body and attempts in the drawer", async () => {
  wrap("/admin/deliveries");
  fireEvent.click(await screen.findByRole("button", { name: "Open delivery 12" }));
  const drawer = await screen.findByRole("dialog", { name: "Delivery 12" });
  const body = await within(drawer).findByLabelText("Delivery body");
  expect(body.textContent).toBe(JSON.stringify({ topic: "ticket.created", ticket: { key: "IT-7", title: "Printer jams" } }, null, 2));
  const attempts = within(drawer).getByRole("table", { name: "Attempts" });
  expect(within(attempts).getAllByRole("row")).toHaveLength(3);
  expect(within(attempts).getByText("HTTP 500")).toBeTruthy();
  expect(within(attempts).getByText("12 ms")).toBeTruthy();
  fireEvent.click(within(drawer).getByRole("button", { name: "Retry delivery 12" }));
  await waitFor(() => expect(retries).toEqual([12]));
});
