import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import type { Ticket } from "../../api/client";

import "../../components/jsdomPolyfills";

const ME = {
  via: "session",
  user: { id: 7, email: "ann@example.com", display_name: "Ann", role: "agent", teams: ["it"] },
};

function ticket(n: number, extra: Partial<Ticket> = {}): Ticket {
  return {
    id: n,
    key: `IT-${n}`,
    type: "it_support",
    type_version: 1,
    title: `Printer ${n} jammed`,
    body: "",
    status: "open",
    status_category: "open",
    priority: "P2",
    requester: { id: 1, name: "Rita", email: "rita@example.com", identities: [] },
    assignee_id: 7,
    team: "it",
    source: "web",
    tags: [],
    fields: {},
    version: 1,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: new Date().toISOString(),
    sla: {},
    ...extra,
  } as Ticket;
}

/** What the fake API answers to GET /tickets, by the query it was asked. */
let listAnswer: (query: string) => { status: number; body: unknown } = () => ({
  status: 200,
  body: { items: [ticket(1), ticket(2), ticket(3)], next_cursor: "c2" },
});
const listQueries: string[] = [];
const savedViews: Record<string, unknown>[] = [];
const posted: { path: string; body: unknown }[] = [];
/** The PATCHes sent, and what the fake API answers to one (by ticket key). */
const patched: { key: string; ifMatch: string; body: unknown }[] = [];
let patchAnswer: (key: string) => { status: number; body: unknown } = () => ({ status: 200, body: {} });
const WORKFLOW = {
  initial: "new",
  states: [
    { name: "new", category: "new" },
    { name: "open", category: "open" },
    { name: "pending", category: "pending" },
    { name: "solved", category: "solved" },
  ],
  transitions: [
    { from: ["new", "pending"], to: "open" },
    { from: ["open"], to: "pending" },
    { from: ["*"], to: "solved" },
  ],
};

vi.mock("../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status: status === 200 ? 200 : status }),
  });
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string, init?: { querySerializer?: (q: unknown) => string }) => {
        if (path === "/tickets") {
          const query = init?.querySerializer?.({}) ?? "";
          listQueries.push(query);
          const { status, body } = listAnswer(query);
          return respond(status, body);
        }
        if (path === "/users")
          return respond(200, [
            { id: 7, display_name: "Ann", active: true, role: "agent" },
            { id: 8, display_name: "Vic Viewer", active: true, role: "viewer" },
          ]);
        if (path === "/types/{slug}/workflow") return respond(200, WORKFLOW);
        if (path === "/teams") return respond(200, [{ slug: "it", name: "IT desk" }]);
        if (path === "/types") return respond(200, [{ slug: "it_support", name: "IT support" }]);
        if (path === "/views") return respond(200, savedViews);
        return respond(200, []);
      }),
      POST: vi.fn(async (path: string, init: { body: { name: string; query: string; shared: boolean } }) => {
        posted.push({ path, body: init.body });
        savedViews.push({ id: 9, owner_id: 7, created_at: "", updated_at: "", ...init.body });
        return respond(201, savedViews.at(-1));
      }),
      PATCH: vi.fn(async (_path: string, init: { params: { path: { key: string }; header: { "If-Match": string } }; body: unknown }) => {
        const key = init.params.path.key;
        patched.push({ key, ifMatch: init.params.header["If-Match"], body: init.body });
        const { status, body } = patchAnswer(key);
        return respond(status, body);
      }),
    },
  };
});

type Listener = (c: import("../../live").TicketChange) => void;
const liveListeners = new Set<Listener>();
vi.mock("../../live", () => ({
  onTicketChange: (l: Listener) => {
    liveListeners.add(l);
    return () => liveListeners.delete(l);
  },
}));

vi.mock("../../auth", () => ({ useMe: () => ME, isAdmin: () => false }));

const { default: QueuePage } = await import("./QueuePage");
const { prefetchQueue } = await import("./queries");
const { api } = await import("../../api/client");

let currentUrl = "";
function Url() {
  const l = useLocation();
  currentUrl = l.pathname + l.search;
  return null;
}

function renderAt(url: string, client = new QueryClient({ defaultOptions: { queries: { retry: false } } })) {
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[url]}>
          <Url />
          <Routes>
            <Route path="/queue" element={<QueuePage />} />
            <Route path="/tickets/:key" element={<p>ticket page</p>} />
            <Route path="/new" element={<p>new page</p>} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const rows = () => document.querySelectorAll("tr[data-ticket-key]");

beforeEach(() => {
  listQueries.length = 0;
});
afterEach(cleanup);

describe("QueuePage", () => {
  it("opens All open by default and lists the page", async () => {
    renderAt("/queue");
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(currentUrl).toBe("/queue?status_category.in=new,open,pending");
    expect(listQueries.at(-1)).toBe("status_category.in=new,open,pending&limit=50");
    expect(screen.getByRole("button", { name: "All open" }).getAttribute("aria-pressed")).toBe("true");
    const table = screen.getByRole("table", { name: "Tickets" });
    const first = within(table).getAllByRole("row")[1];
    expect(first.getAttribute("data-ticket-key")).toBe("IT-1");
    expect(within(first).getByText("Ann")).toBeTruthy();
    expect(within(first).getByText("IT desk")).toBeTruthy();
  });

  it("shows the reads started at page load instead of asking again", async () => {
    vi.mocked(api.GET).mockClear();
    // Fresh for 15 s, as in main.tsx: the redirect to the first view mounts the list after
    // the prefetched page has arrived.
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 15_000 } } });
    prefetchQueue(client, { pathname: "/queue", search: "" });
    renderAt("/queue", client);
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(listQueries).toEqual(["status_category.in=new,open,pending&limit=50"]);
    const paths = (vi.mocked(api.GET).mock.calls as unknown[][]).map(([path]) => path);
    for (const path of ["/users", "/teams", "/types", "/views"]) {
      expect(paths.filter((p) => p === path), path).toHaveLength(1);
    }
  });

  it("prefetches nothing for other screens", () => {
    vi.mocked(api.GET).mockClear();
    prefetchQueue(new QueryClient(), { pathname: "/tickets/IT-1", search: "" });
    expect(api.GET).not.toHaveBeenCalled();
  });

  it("switches views through the URL", async () => {
    renderAt("/queue?status_category.in=new,open,pending");
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(screen.getByRole("button", { name: "Unassigned" }));
    expect(currentUrl).toBe("/queue?assignee_id.null=true&status_category.in=new,open,pending");
    fireEvent.click(screen.getByRole("button", { name: "My teams" }));
    expect(currentUrl).toBe("/queue?team=it&status_category.in=new,open,pending");
    await waitFor(() => expect(listQueries.at(-1)).toBe("status_category.in=new,open,pending&team=it&limit=50"));
  });

  it("sorts by a header, toggling direction", async () => {
    renderAt("/queue?priority=P0");
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(screen.getByRole("button", { name: "Title" }));
    expect(currentUrl).toBe("/queue?priority=P0&sort=title");
    expect(screen.getByRole("columnheader", { name: "Title" }).getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(screen.getByRole("button", { name: "Title" }));
    expect(currentUrl).toBe("/queue?priority=P0&sort=-title");
    expect(screen.getByRole("columnheader", { name: "Title" }).getAttribute("aria-sort")).toBe("descending");
  });

  it("moves the selection with j/k and opens with Enter", async () => {
    renderAt("/queue?priority=P0");
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.keyDown(document.body, { key: "j" });
    fireEvent.keyDown(document.body, { key: "j" });
    fireEvent.keyDown(document.body, { key: "k" });
    fireEvent.keyDown(document.body, { key: "ArrowDown" });
    expect(document.querySelector("tr[data-selected]")?.getAttribute("data-ticket-key")).toBe("IT-2");
    fireEvent.keyDown(document.activeElement ?? document.body, { key: "Enter" });
    expect(currentUrl).toBe("/tickets/IT-2");
  });

  it("ignores shortcuts typed into the search, and / focuses it", async () => {
    renderAt("/queue?priority=P0");
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.keyDown(document.body, { key: "/" });
    const input = screen.getByRole("textbox", { name: "Search" });
    expect(document.activeElement).toBe(input);
    fireEvent.keyDown(input, { key: "n" });
    expect(currentUrl).toBe("/queue?priority=P0");
    fireEvent.change(input, { target: { value: "vpn" } });
    await waitFor(() => expect(currentUrl).toBe("/queue?q=vpn&priority=P0"));
  });

  it("pages forward and back", async () => {
    renderAt("/queue?priority=P0");
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(screen.getByRole("button", { name: "Previous page" })).toHaveProperty("disabled", true);
    fireEvent.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(() => expect(listQueries.at(-1)).toBe("priority=P0&limit=50&cursor=c2"));
    await waitFor(() => expect(screen.getByRole("button", { name: "Previous page" })).toHaveProperty("disabled", false));
    fireEvent.click(screen.getByRole("button", { name: "Previous page" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Previous page" })).toHaveProperty("disabled", true));
  });

  it("shows the API's problem for a bad filter", async () => {
    listAnswer = () => ({
      status: 400,
      body: {
        type: "about:blank",
        title: "Bad Request",
        status: 400,
        detail: "`x` is not a valid priority",
        errors: [{ pointer: "/query/priority", message: "`x` is not a valid priority" }],
      },
    });
    renderAt("/queue?priority.lte=x");
    expect(await screen.findByRole("alert")).toBeTruthy();
    expect(screen.getAllByText(/is not a valid priority/).length).toBeGreaterThan(0);
    // The filter is listed, so it can be removed.
    expect(screen.getByRole("button", { name: "Remove filter priority.lte=x" })).toBeTruthy();
    listAnswer = () => ({ status: 200, body: { items: [ticket(1)], next_cursor: null } });
  });

  it("marks rows others change, not one's own changes", async () => {
    listAnswer = () => ({ status: 200, body: { items: [ticket(1), ticket(2)], next_cursor: null } });
    renderAt("/queue?priority=P0");
    await waitFor(() => expect(rows()).toHaveLength(2));
    const emit = (actor: string, key: string) =>
      act(() => liveListeners.forEach((l) => l({ event_id: 1, ticket_id: 1, key, type: "it_support", changes: ["status"], actor, at: "" })));
    emit("ann@example.com", "IT-1");
    expect(document.querySelector("tr[data-changed]")).toBeNull();
    emit("bob@example.com", "IT-2");
    expect(document.querySelector("tr[data-changed]")?.getAttribute("data-ticket-key")).toBe("IT-2");
  });

  it("saves the current query as a view, which then shows pressed", async () => {
    renderAt("/queue?priority.in=P0,P1");
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    fireEvent.click(screen.getByRole("button", { name: "Save view" }));
    fireEvent.change(await screen.findByRole("textbox", { name: "View name" }), { target: { value: "Hot" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(posted).toHaveLength(1));
    expect(posted[0]).toEqual({ path: "/views", body: { name: "Hot", query: "priority=P0&priority=P1", shared: false } });
    const saved = await screen.findByRole("button", { name: "Hot" });
    expect(saved.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByRole("button", { name: "Delete view Hot" })).toBeTruthy();
  });
});

describe("QueuePage bulk actions", () => {
  const bar = () => screen.queryByRole("toolbar", { name: "Bulk actions" });
  const box = (name: string) => screen.getByRole("checkbox", { name }) as HTMLInputElement;

  beforeEach(() => {
    patched.length = 0;
    patchAnswer = () => ({ status: 200, body: {} });
    listAnswer = () => ({
      status: 200,
      body: {
        items: [ticket(1, { version: 4, assignee_id: null }), ticket(2, { status: "new" }), ticket(3, { status: "pending" })],
        next_cursor: null,
      },
    });
  });

  it("ticks rows by checkbox, header and keyboard; Escape unticks", async () => {
    renderAt("/queue?priority=P2");
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(bar()).toBeNull();
    fireEvent.click(box("Select IT-2"));
    expect(within(bar()!).getByText("1 selected")).toBeTruthy();
    expect(currentUrl).toBe("/queue?priority=P2"); // ticking does not open the ticket
    expect(box("Select all on this page").indeterminate).toBe(true);

    fireEvent.click(box("Select all on this page"));
    expect(within(bar()!).getByText("3 selected")).toBeTruthy();
    expect(box("Select all on this page").checked).toBe(true);
    expect(box("Select all on this page").indeterminate).toBe(false);

    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(bar()).toBeNull();

    // j highlights the first row, x ticks it, x again unticks it.
    (document.activeElement as HTMLElement | null)?.blur();
    fireEvent.keyDown(document.body, { key: "j" });
    fireEvent.keyDown(document.body, { key: "x" });
    expect(box("Select IT-1").checked).toBe(true);
    fireEvent.keyDown(document.body, { key: "x" });
    expect(box("Select IT-1").checked).toBe(false);
  });

  it("clears the ticks when the query changes", async () => {
    renderAt("/queue?priority=P2");
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(box("Select IT-1"));
    expect(bar()).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Title" }));
    await waitFor(() => expect(currentUrl).toBe("/queue?priority=P2&sort=title"));
    expect(bar()).toBeNull();
    expect(box("Select IT-1").checked).toBe(false);
  });

  it("assigns to me with one If-Match PATCH per ticket; failures stay ticked and are listed", async () => {
    patchAnswer = (key) =>
      key === "IT-3"
        ? { status: 412, body: { type: "about:blank", title: "Precondition Failed", status: 412, detail: "stale" } }
        : { status: 200, body: {} };
    listAnswer = () => ({
      status: 200,
      body: {
        items: [
          ticket(1, { version: 4, assignee_id: null }),
          ticket(2, { version: 2, assignee_id: 7 }),
          ticket(3, { version: 9, assignee_id: null }),
        ],
        next_cursor: null,
      },
    });
    renderAt("/queue?priority=P2");
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(box("Select all on this page"));
    const queriesBefore = listQueries.length;
    fireEvent.click(within(bar()!).getByRole("button", { name: "Assign to me" }));

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("1 ticket was not updated")).toBeTruthy();
    expect(within(alert).getByText("IT-3")).toBeTruthy();
    expect(within(alert).getByText(/changed since you loaded it/)).toBeTruthy();
    // IT-2 was already Ann's: nothing sent for it.
    expect(patched).toEqual([
      { key: "IT-1", ifMatch: '"4"', body: { assignee_id: 7 } },
      { key: "IT-3", ifMatch: '"9"', body: { assignee_id: 7 } },
    ]);
    await waitFor(() => expect(within(bar()!).getByText("1 selected")).toBeTruthy());
    expect(box("Select IT-3").checked).toBe(true);
    expect(box("Select IT-1").checked).toBe(false);
    await waitFor(() => expect(listQueries.length).toBeGreaterThan(queriesBefore)); // refetched
  });

  it("offers the statuses every ticket of one type can reach", async () => {
    renderAt("/queue?priority=P2");
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(box("Select IT-2")); // new
    fireEvent.click(box("Select IT-3")); // pending
    const status = within(bar()!).getByLabelText("Status") as HTMLInputElement;
    await waitFor(() => expect(status.disabled).toBe(false)); // once the workflow is in
    fireEvent.click(status);
    // The bar's own dropdown (the filter bar has a Status too), by its label; it is still in
    // its opening transition in jsdom, so hidden to the accessibility tree.
    const label = within(bar()!).getByText("Status", { selector: "label" });
    const listbox = await waitFor(() => document.querySelector<HTMLElement>(`[role=listbox][aria-labelledby="${label.id}"]`)!);
    const options = within(listbox).getAllByRole("option", { hidden: true });
    expect(options.map((o) => o.textContent)).toEqual(["open", "solved"]);
  });

  it("shows no checkboxes or bar to viewers", async () => {
    ME.user.role = "viewer";
    try {
      renderAt("/queue?priority=P2");
      await waitFor(() => expect(rows()).toHaveLength(3));
      expect(screen.queryAllByRole("checkbox")).toHaveLength(0);
      fireEvent.keyDown(document.body, { key: "j" });
      fireEvent.keyDown(document.body, { key: "x" });
      expect(bar()).toBeNull();
    } finally {
      ME.user.role = "agent";
    }
  });
});
