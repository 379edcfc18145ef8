// The bell against a mocked client: the unread count from the server, the menu's
// notifications (unread ones marked), opening one marks it read and goes to its ticket,
// "Mark all read" clears the count; an empty bell says so.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import "./jsdomPolyfills";

type Item = { id: number; topic: string; ticket?: string | null; title: string; created_at: string; read_at?: string | null };
let items: Item[] = [];
const reads: unknown[] = [];
const gets: unknown[] = [];

vi.mock("../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  const unread = () => items.filter((i) => !i.read_at);
  return {
    ...original,
    api: {
      GET: vi.fn(async (_path: string, init: { params: { query: { unread?: boolean; limit?: number } } }) => {
        gets.push(init.params.query);
        const q = init.params.query;
        const list = (q.unread ? unread() : items).slice(0, q.limit ?? 50);
        return respond(200, { items: structuredClone(list), next_cursor: null, unread: unread().length });
      }),
      POST: vi.fn(async (_path: string, init: { body: { ids?: number[] } }) => {
        reads.push(init.body);
        let marked = 0;
        items = items.map((i) => {
          if (!i.read_at && (!init.body.ids || init.body.ids.includes(i.id))) {
            marked++;
            return { ...i, read_at: "2025-01-01T00:10:00Z" };
          }
          return i;
        });
        return respond(200, { marked, unread: unread().length });
      }),
    },
  };
});

const { NotificationBell } = await import("./NotificationBell");

function Where() {
  return <div data-testid="where">{useLocation().pathname}</div>;
}

function wrap() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={["/queue"]}>
          <NotificationBell />
          <Routes>
            <Route path="*" element={<Where />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const now = new Date().toISOString();
beforeEach(() => {
  items = [];
  reads.length = 0;
  gets.length = 0;
});
afterEach(cleanup);

it("shows the unread count; opening one marks it read and goes to its ticket", async () => {
  items = [
    { id: 3, topic: "ticket.assigned", ticket: "IT-7", title: "IT-7 was assigned to you: Printer jams", created_at: now },
    { id: 2, topic: "comment.created", ticket: "IT-5", title: "Ann answered on IT-5", created_at: now },
    { id: 1, topic: "sla.warning", ticket: "IT-1", title: "IT-1 is close to its SLA", created_at: now, read_at: now },
  ];
  wrap();
  const bell = await screen.findByRole("button", { name: "notifications, 2 unread" });
  // Closed, only the count is asked for.
  expect(gets).toEqual([{ unread: true, limit: 1 }]);
  expect(screen.getByText("2")).toBeTruthy();

  fireEvent.click(bell);
  const first = await screen.findByRole("menuitem", { name: /IT-7 was assigned to you/ });
  expect(first.querySelector("[data-unread]")).toBeTruthy();
  const read = screen.getByRole("menuitem", { name: /IT-1 is close/ });
  expect(read.querySelector("[data-unread]")).toBeNull();
  expect(within(first).getByText("IT-7")).toBeTruthy();
  expect(within(first).getByText("just now")).toBeTruthy();

  fireEvent.click(first);
  await waitFor(() => expect(screen.getByTestId("where").textContent).toBe("/tickets/IT-7"));
  await waitFor(() => expect(reads).toEqual([{ ids: [3] }]));
  await screen.findByRole("button", { name: "notifications, 1 unread" });
});

it("marks all read", async () => {
  items = [
    { id: 2, topic: "ticket.assigned", ticket: "IT-2", title: "IT-2 was assigned to you", created_at: now },
    { id: 1, topic: "ticket.assigned", ticket: "IT-1", title: "IT-1 was assigned to you", created_at: now },
  ];
  wrap();
  fireEvent.click(await screen.findByRole("button", { name: "notifications, 2 unread" }));
  fireEvent.click(await screen.findByRole("menuitem", { name: "Mark all read" }));
  await screen.findByRole("button", { name: "notifications, 0 unread" });
  expect(reads).toEqual([{}]);
  // The menu stays open, every line now read.
  await waitFor(() => expect(document.querySelectorAll("[data-unread]").length).toBe(0));
  expect(screen.getByRole("menuitem", { name: /IT-2 was assigned/ })).toBeTruthy();
});

it("says when there is nothing", async () => {
  wrap();
  fireEvent.click(await screen.findByRole("button", { name: "notifications, 0 unread" }));
  expect(await screen.findByText(/No notifications yet/)).toBeTruthy();
  expect(screen.queryByRole("menuitem", { name: "Mark all read" })).toBeNull();
});
