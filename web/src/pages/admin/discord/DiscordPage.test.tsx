// The Discord admin screen against a mocked client: the form sends the panel as typed
// (topics reordered, ids from labels), shows a 422's field errors beside their fields,
// saves against the version it edits; the list shows where each panel stands and asks
// for a deploy.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import "../../../components/jsdomPolyfills";
import type { Panel } from "./panelDraft";

type Init = { params?: { path?: { id?: number }; header?: Record<string, string> }; body?: unknown };
const calls: { method: string; path: string; init?: Init }[] = [];
let panels: Panel[] = [];
let answer: { status: number; body: unknown } | null = null;

function panel(id: number, extra: Partial<Panel> = {}): Panel {
  return {
    id,
    name: `Panel ${id}`,
    guild_id: "1",
    channel_id: "2000",
    title: "Help",
    topics: [],
    ticket_type: "it_support",
    version: 2,
    deploy_requested_at: null,
    deployment: null,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    ...extra,
  } as Panel;
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
      if (answer) {
        const a = answer;
        answer = null;
        return respond(a.status, a.body);
      }
      if (path === "/discord/panels/{id}/deploy") {
        panels = panels.map((p) => (p.id === init!.params!.path!.id ? { ...p, deploy_requested_at: "2025-02-01T00:00:00Z" } : p));
        return respond(200, panels[0]);
      }
      return respond(method === "POST" ? 201 : 200, panel(9));
    });
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string) => {
        if (path === "/discord/panels") return respond(200, { items: structuredClone(panels) });
        if (path === "/types")
          return respond(200, [
            { slug: "it_support", name: "IT support" },
            { slug: "discord_support", name: "Discord support" },
          ]);
        if (path === "/teams") return respond(200, [{ slug: "it", name: "IT desk" }]);
        if (path === "/sla/calendars") return respond(200, [{ name: "office" }]);
        return respond(200, []);
      }),
      POST: write("POST"),
      PUT: write("PUT"),
      DELETE: write("DELETE"),
    },
  };
});

const { PanelForm } = await import("./PanelForm");
const { default: DiscordPage } = await import("./DiscordPage");

function wrap(ui: React.ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <MemoryRouter>{ui}</MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const type = (name: string, value: string) => fireEvent.change(screen.getByRole("textbox", { name }), { target: { value } });

beforeEach(() => {
  calls.length = 0;
  panels = [];
  answer = null;
});
afterEach(cleanup);

describe("the panel form", () => {
  it("creates a panel with its topics in the order arranged", async () => {
    const onDone = vi.fn();
    wrap(<PanelForm onDone={onDone} />);
    type("Name", "Support");
    type("Server (guild) id", "111");
    type("Channel id", " 222 ");
    type("Title", "Need help?");
    fireEvent.click(screen.getByRole("button", { name: "Add topic" }));
    fireEvent.click(screen.getByRole("button", { name: "Add topic" }));
    type("Topic 1 label", "Bug report");
    type("Topic 2 label", "Billing question");
    type("Topic 2 emoji", "💳");
    // Without topics the panel's own type is asked for; with them, each topic's.
    expect(screen.queryByRole("textbox", { name: "Ticket type" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Move topic 2 up" }));
    expect((screen.getByRole("textbox", { name: "Topic 1 id" }) as HTMLInputElement).value).toBe("billing-question");
    fireEvent.click(screen.getByRole("button", { name: "Add support role" }));
    type("Support role 1 id", "333");
    fireEvent.click(screen.getByRole("button", { name: "Create panel" }));

    await waitFor(() => expect(onDone).toHaveBeenCalled());
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.path).toBe("/discord/panels");
    expect(post.init!.body).toMatchObject({
      name: "Support",
      guild_id: "111",
      channel_id: "222",
      title: "Need help?",
      topics: [
        { id: "billing-question", label: "Billing question", emoji: "💳", ticket_type: "" },
        { id: "bug-report", label: "Bug report", ticket_type: "" },
      ],
      support_roles: [{ role_id: "333" }],
      mode: "channel",
    });
  });

  it("shows a 422's field errors beside their fields, the rest at the top", async () => {
    answer = {
      status: 422,
      body: {
        type: "about:blank",
        title: "Unprocessable Entity",
        status: 422,
        detail: "the panel has invalid settings",
        errors: [
          { pointer: "/channel_id", message: "a Discord id is its digits" },
          { pointer: "/topics/0/ticket_type", message: "no ticket type ``" },
          { pointer: "/support_roles/0/team", message: "no team `ops`" },
          { pointer: "/somewhere", message: "an unplaced problem" },
        ],
      },
    };
    const onDone = vi.fn();
    wrap(<PanelForm panel={panel(4, { topics: [{ id: "a", label: "A", ticket_type: "" }], support_roles: [{ role_id: "5", team: "ops" }] })} onDone={onDone} />);
    fireEvent.click(screen.getByRole("button", { name: "Save panel" }));

    const channel = await screen.findByRole("textbox", { name: "Channel id" });
    await waitFor(() => expect(channel.getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByText("a Discord id is its digits")).toBeTruthy();
    expect(within(screen.getByRole("group", { name: "Topic 1" })).getByText("no ticket type ``")).toBeTruthy();
    expect(within(screen.getByRole("group", { name: "Support roles" })).getByText("no team `ops`")).toBeTruthy();
    const alert = screen.getByRole("alert");
    expect(within(alert).getByText(/an unplaced problem/)).toBeTruthy();
    expect(within(alert).queryByText(/a Discord id is its digits/)).toBeNull();
    expect(onDone).not.toHaveBeenCalled();
    // A change is saved against the version it was made on.
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put.init!.params).toEqual({ path: { id: 4 }, header: { "If-Match": '"2"' } });
  });
});

describe("the panels list", () => {
  it("says where each panel stands and asks for a deploy", async () => {
    panels = [
      panel(1, { name: "Fresh", topics: [{ id: "a", label: "A", ticket_type: "it_support" }, { id: "b", label: "B", ticket_type: "it_support" }] }),
      panel(2, {
        name: "Posted",
        deploy_requested_at: "2025-01-01T00:00:00Z",
        deployment: { channel_id: "2000", message_id: "3", version: 2, deployed_at: "2025-01-01T00:01:00Z" },
      }),
    ];
    wrap(<DiscordPage />);
    const fresh = (await screen.findByText("Fresh")).closest("tr")!;
    expect(within(fresh).getByText("not deployed")).toBeTruthy();
    expect(within(fresh).getAllByRole("cell")[2].textContent).toBe("2");
    const posted = screen.getByText("Posted").closest("tr")!;
    expect(within(posted).getByText(/^deployed /)).toBeTruthy();
    expect(within(posted).getByRole("button", { name: "Deploy panel Posted" }).textContent).toBe("Redeploy");
    expect(screen.getByText(/Developer Mode/)).toBeTruthy();
    expect(screen.getByText("docs/discord.md")).toBeTruthy();

    fireEvent.click(within(fresh).getByRole("button", { name: "Deploy panel Fresh" }));
    await waitFor(() => expect(within(screen.getByText("Fresh").closest("tr")!).getByText("deploy pending")).toBeTruthy());
    expect(calls.find((c) => c.path === "/discord/panels/{id}/deploy")!.init!.params).toEqual({ path: { id: 1 } });
  });
});
