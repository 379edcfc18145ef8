// The ticket screen against a fake API that keeps one version per ticket and refuses a
// PATCH whose If-Match is not the current version, as the server does.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Suspense } from "react";
import { Link, MemoryRouter, Route, Routes } from "react-router";
import type { Ticket } from "../../api/client";

import "../../components/jsdomPolyfills";

const ME = {
  via: "session",
  user: { id: 7, email: "ann@example.com", display_name: "Ann", role: "agent", teams: ["it"] },
};

function ticket(n: number): Ticket {
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
    requester: null,
    assignee_id: 7,
    team: "it",
    source: "web",
    tags: [],
    fields: { alpha: "a1", beta: "b1" },
    version: 1,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    sla: {},
  } as unknown as Ticket;
}

const TYPE = {
  slug: "it_support",
  name: "IT support",
  schema: {
    type: "object",
    properties: { alpha: { title: "Alpha", type: "string" }, beta: { title: "Beta", type: "string" } },
  },
  ui: {},
  definition: { teams: ["it"] },
  fields: [],
};

const server: Record<string, Ticket> = {};
const patched: { key: string; ifMatch: string; body: Record<string, unknown> }[] = [];
const comments: { key: string; body: unknown }[] = [];
/** While set, writes wait for it: to type during a save. */
let gate: Promise<void> | null = null;
let openGate = () => {};
function holdWrites() {
  gate = new Promise((resolve) => {
    openGate = () => {
      gate = null;
      resolve();
    };
  });
}

/** Someone else's write, straight to the fake server. */
function othersChange(key: string, change: Partial<Ticket>) {
  const t = server[key];
  server[key] = { ...t, ...change, version: t.version + 1 };
}

vi.mock("../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  type Init = { params?: { path?: { key?: string; slug?: string }; header?: Record<string, string> }; body?: unknown };
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string, init?: Init) => {
        const key = init?.params?.path?.key ?? "";
        if (path === "/tickets/{key}") return server[key] ? respond(200, structuredClone(server[key])) : respond(404, {});
        if (path === "/tickets/{key}/comments" || path === "/tickets/{key}/events") return respond(200, { items: [], next_cursor: null });
        if (path === "/tickets/{key}/sla") return respond(200, { clocks: [], escalations: [] });
        if (path === "/tickets/{key}/attachments") return respond(200, { items: [] });
        if (path === "/tickets/{key}/transcript" || path === "/tickets/{key}/survey") return respond(404, { status: 404 });
        if (path === "/tickets") return respond(200, { items: [], next_cursor: null });
        if (path === "/types/{slug}") return respond(200, TYPE);
        if (path === "/types/{slug}/workflow")
          return respond(200, { initial: "open", states: [{ name: "open", category: "open" }], transitions: [] });
        if (path === "/users") return respond(200, [{ id: 7, display_name: "Ann", email: "ann@example.com", active: true, role: "agent", kind: "person", teams: ["it"] }]);
        if (path === "/teams") return respond(200, [{ slug: "it", name: "IT desk" }]);
        return respond(200, []);
      }),
      PATCH: vi.fn(async (_path: string, init: Init) => {
        const key = init.params!.path!.key!;
        const ifMatch = init.params!.header!["If-Match"];
        const body = init.body as Record<string, unknown>;
        patched.push({ key, ifMatch, body });
        if (gate) await gate;
        const t = server[key];
        if (ifMatch !== `"${t.version}"`) return respond(412, { type: "about:blank", title: "Precondition Failed", status: 412 });
        const { fields, ...core } = body;
        const merged = { ...(t.fields as Record<string, unknown>) };
        for (const [k, v] of Object.entries((fields ?? {}) as Record<string, unknown>)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        server[key] = { ...t, ...core, fields: merged, version: t.version + 1 } as Ticket;
        return respond(200, structuredClone(server[key]));
      }),
      POST: vi.fn(async (_path: string, init: Init) => {
        comments.push({ key: init.params!.path!.key!, body: init.body });
        if (gate) await gate;
        return respond(201, { id: comments.length, ...(init.body as object) });
      }),
    },
  };
});

vi.mock("../../live", () => ({ onTicketChange: () => () => {}, useLiveUpdates: () => {}, useLiveStatus: () => "live" }));
vi.mock("../../auth", () => ({ useMe: () => ME, useAuth: () => ({ me: ME }), isAdmin: () => false }));

const { TicketRoute } = await import("../../App");
// The route loads the page lazily; loaded once here, the first test does not wait for it.
await import("./TicketPage");

let client: QueryClient;
function renderAt(url: string) {
  client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[url]}>
          <Link to="/tickets/IT-1">to IT-1</Link>
          <Link to="/tickets/IT-2">to IT-2</Link>
          <Suspense fallback={<p>loading</p>}>
            <Routes>
              <Route path="/tickets/:key" element={<TicketRoute />} />
            </Routes>
          </Suspense>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

/** The screen refetches, as a live update makes it (React Query tells observers a tick later). */
async function liveRefetch() {
  await act(async () => {
    await client.invalidateQueries();
    await new Promise((r) => setTimeout(r, 10));
  });
}

const textbox = (name: string) => screen.getByRole("textbox", { name }) as HTMLInputElement;
const fieldsSection = () => screen.getByRole("region", { name: "IT support fields" });
const type = (name: string, value: string) => fireEvent.change(textbox(name), { target: { value } });

beforeEach(() => {
  server["IT-1"] = ticket(1);
  server["IT-2"] = ticket(2);
  patched.length = 0;
  comments.length = 0;
  gate = null;
});
afterEach(cleanup);

describe("TicketPage fields", () => {
  it("saves against the version the edit started from, and rebases on Reload", async () => {
    renderAt("/tickets/IT-1");
    await screen.findByRole("textbox", { name: "Beta" });
    type("Beta", "b2");
    othersChange("IT-1", { fields: { alpha: "X", beta: "b1" } as unknown as Ticket["fields"] });
    await liveRefetch();

    fireEvent.click(screen.getByRole("button", { name: "Save fields" }));
    const alert = await within(fieldsSection()).findByRole("alert");
    expect(within(alert).getByText("Someone else changed this ticket")).toBeTruthy();
    expect(patched).toEqual([{ key: "IT-1", ifMatch: '"1"', body: { fields: { beta: "b2" } } }]);
    expect(textbox("Beta").value).toBe("b2");
    expect(server["IT-1"].fields).toEqual({ alpha: "X", beta: "b1" });

    fireEvent.click(within(alert).getByRole("button", { name: "Reload" }));
    await waitFor(() => expect(textbox("Alpha").value).toBe("X"));
    expect(textbox("Beta").value).toBe("b2");
    fireEvent.click(screen.getByRole("button", { name: "Save fields" }));
    await waitFor(() => expect(server["IT-1"].fields).toEqual({ alpha: "X", beta: "b2" }));
    expect(patched[1]).toEqual({ key: "IT-1", ifMatch: '"2"', body: { fields: { beta: "b2" } } });
  });

  it("keeps what was typed while a save was on its way", async () => {
    renderAt("/tickets/IT-1");
    await screen.findByRole("textbox", { name: "Beta" });
    type("Beta", "b2");
    holdWrites();
    fireEvent.click(screen.getByRole("button", { name: "Save fields" }));
    await waitFor(() => expect(patched).toHaveLength(1));
    type("Alpha", "a2");
    openGate();
    await waitFor(() => expect(server["IT-1"].version).toBe(2));
    await waitFor(() => expect(screen.getByRole("button", { name: "Save fields" })).toHaveProperty("disabled", false));
    expect(textbox("Alpha").value).toBe("a2");
    expect(textbox("Beta").value).toBe("b2");
    fireEvent.click(screen.getByRole("button", { name: "Save fields" }));
    await waitFor(() => expect(patched).toHaveLength(2));
    expect(patched[1]).toEqual({ key: "IT-1", ifMatch: '"2"', body: { fields: { alpha: "a2" } } });
  });
});

describe("TicketPage properties", () => {
  it("refuses a save over someone's new tag, then saves on top of it after Reload", async () => {
    renderAt("/tickets/IT-1");
    fireEvent.click(await screen.findByRole("button", { name: "Edit title" }));
    type("Title", "Printer on fire");
    othersChange("IT-1", { tags: ["vip"] });
    await liveRefetch();

    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await screen.findByText("Someone else changed this ticket");
    expect(patched).toEqual([{ key: "IT-1", ifMatch: '"1"', body: { title: "Printer on fire" } }]);
    expect(textbox("Title").value).toBe("Printer on fire");

    fireEvent.click(screen.getByRole("button", { name: "Reload" }));
    await waitFor(() => expect(screen.queryByText("Someone else changed this ticket")).toBeNull());
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(server["IT-1"].title).toBe("Printer on fire"));
    expect(patched[1]).toEqual({ key: "IT-1", ifMatch: '"2"', body: { title: "Printer on fire" } });
    expect(server["IT-1"].tags).toEqual(["vip"]);
  });

  it("keeps a title typed on while the save was on its way", async () => {
    renderAt("/tickets/IT-1");
    fireEvent.click(await screen.findByRole("button", { name: "Edit title" }));
    type("Title", "T1");
    holdWrites();
    fireEvent.keyDown(textbox("Title"), { key: "Enter" });
    await waitFor(() => expect(patched).toHaveLength(1));
    type("Title", "T12");
    openGate();
    await waitFor(() => expect(server["IT-1"].version).toBe(2));
    await waitFor(() => expect(screen.getByRole("button", { name: "Save changes" })).toHaveProperty("disabled", false));
    expect(textbox("Title").value).toBe("T12");
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(server["IT-1"].title).toBe("T12"));
    expect(patched[1].ifMatch).toBe('"2"');
  });

  it("does not save on the Enter that ends an input method's composition", async () => {
    renderAt("/tickets/IT-1");
    fireEvent.click(await screen.findByRole("button", { name: "Edit title" }));
    type("Title", "日本");
    fireEvent.keyDown(textbox("Title"), { key: "Enter", isComposing: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(patched).toHaveLength(0);
  });
});

describe("TicketPage reply", () => {
  it("clears the message once sent, unless more was typed meanwhile", async () => {
    renderAt("/tickets/IT-1");
    await screen.findByRole("textbox", { name: "Message" });
    type("Message", "hello");
    holdWrites();
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(comments).toHaveLength(1));
    type("Message", "hello, and one more thing");
    openGate();
    await new Promise((r) => setTimeout(r, 20));
    expect(textbox("Message").value).toBe("hello, and one more thing");

    type("Message", "bye");
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(textbox("Message").value).toBe(""));
  });
});

describe("TicketPage per ticket", () => {
  it("starts afresh on another ticket", async () => {
    // IT-2 seen before: its data is cached, so the screen does not pass through loading.
    renderAt("/tickets/IT-2");
    await screen.findByRole("heading", { name: "Printer 2 jammed" });
    fireEvent.click(screen.getByRole("link", { name: "to IT-1" }));
    await screen.findByRole("heading", { name: "Printer 1 jammed" });
    await screen.findByRole("textbox", { name: "Beta" });
    type("Message", "for IT-1 only");
    fireEvent.click(screen.getByRole("button", { name: "Edit title" }));
    type("Title", "IT-1 title");
    type("Beta", "IT-1 beta");
    fireEvent.click(screen.getByRole("link", { name: "to IT-2" }));
    await screen.findByRole("heading", { name: "Printer 2 jammed" });
    await screen.findByRole("textbox", { name: "Beta" });
    expect(textbox("Message").value).toBe("");
    expect(textbox("Beta").value).toBe("b1");
    expect(screen.queryByRole("textbox", { name: "Title" })).toBeNull();
  });
});
