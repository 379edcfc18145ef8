// The inbound webhooks admin screen against a mocked client: the mapping editor lists
// the chosen type's fields and sends the mapping as typed, a 422's pointers show beside
// their entries, the new secret is shown once with the URL and a signed curl example,
// and a source's delivery log shows outcomes and problems.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import "../../../components/jsdomPolyfills";
import type { Source } from "./sourceDraft";

type Init = { params?: { path?: { slug?: string } }; body?: unknown };
const calls: { method: string; path: string; init?: Init }[] = [];
let sources: Source[] = [];
let answer: { status: number; body: unknown } | null = null;

function source(slug: string, extra: Partial<Source> = {}): Source {
  return {
    slug,
    name: `Source ${slug}`,
    ticket_type: "it_support",
    enabled: true,
    scheme: "docket",
    endpoint: `/api/v1/intake/webhooks/${slug}`,
    mapping: { title: { pointer: "/title" }, source_ref: { pointer: "/id" }, fields: { category: { value: "network" } } },
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
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
      if (answer) {
        const a = answer;
        answer = null;
        return respond(a.status, a.body);
      }
      if (path === "/intake/webhooks" || path === "/intake/webhooks/{slug}/rotate-secret")
        return respond(path === "/intake/webhooks" ? 201 : 200, { source: source("alerts"), secret: "whsec_shown_once" });
      return respond(method === "DELETE" ? 204 : 200, source("alerts"));
    });
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string) => {
        if (path === "/intake/webhooks") return respond(200, { items: structuredClone(sources) });
        if (path === "/types") return respond(200, [{ slug: "it_support", name: "IT support" }]);
        if (path === "/types/{slug}")
          return respond(200, {
            slug: "it_support",
            name: "IT support",
            fields: [
              { name: "category", title: "Category", required: true, kind: "text", indexed: true, searchable: false },
              { name: "impact", title: "Impact", required: true, default: "individual", kind: "text", indexed: true, searchable: false },
            ],
          });
        if (path === "/intake/webhooks/{slug}/deliveries")
          return respond(200, {
            items: [
              {
                id: 2,
                received_at: "2026-01-02T00:00:00Z",
                outcome: "invalid",
                status: 422,
                detail: "the ticket refused 1 value(s)",
                errors: [{ pointer: "/fields/impact", message: "not allowed (from the payload at `/alert/impact`)" }],
                ip: "10.0.0.1",
              },
              { id: 1, received_at: "2026-01-01T00:00:00Z", outcome: "created", status: 201, ticket_key: "IT-7", ip: "10.0.0.1" },
            ],
          });
        return respond(200, []);
      }),
      POST: write("POST"),
      PUT: write("PUT"),
      DELETE: write("DELETE"),
    },
  };
});

const { default: IntakePage } = await import("./IntakePage");
const { SourceForm } = await import("./SourceForm");
const { SecretShown } = await import("./SecretShown");

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

async function chooseType() {
  await screen.findByRole("option", { name: "IT support" });
  fireEvent.change(screen.getByRole("combobox", { name: /^Ticket type/ }), { target: { value: "it_support" } });
}

beforeEach(() => {
  calls.length = 0;
  sources = [];
  answer = null;
});
afterEach(cleanup);

describe("the inbound webhooks page", () => {
  it("creates a source with the type's fields mapped", async () => {
    const onDone = vi.fn();
    wrap(<SourceForm onDone={onDone} />);
    type("Name", "Alertmanager");
    type("Slug", "alerts");
    await chooseType();
    // The type's own fields join the mapping editor.
    await screen.findByRole("textbox", { name: "Category (category) pointer" });
    type("Title pointer", "/alert/title");
    type("Reference (the sender's id of the thing) pointer", "/alert/fingerprint");
    type("Category (category) constant", "network");
    type("Pointer", "/alert/severity");
    fireEvent.click(screen.getByRole("button", { name: "Add priority value" }));
    type("Priority value 1", "critical");
    fireEvent.click(screen.getByRole("button", { name: "Create source" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/intake/webhooks")).toBe(true));
    const sent = calls.find((c) => c.path === "/intake/webhooks")!.init!.body as Record<string, unknown>;
    expect(sent).toMatchObject({
      slug: "alerts",
      name: "Alertmanager",
      ticket_type: "it_support",
      scheme: "docket",
      mapping: {
        title: { pointer: "/alert/title" },
        source_ref: { pointer: "/alert/fingerprint" },
        priority: { pointer: "/alert/severity", map: { critical: "P2" } },
        fields: { category: { value: "network" } },
      },
    });
    await waitFor(() => expect(onDone).toHaveBeenCalledWith({ source: source("alerts"), secret: "whsec_shown_once" }));
  });

  it("shows a new secret once, with the URL and a signed curl example", async () => {
    wrap(<SecretShown shown={{ source: source("alerts"), secret: "whsec_shown_once" }} onClose={() => {}} />);
    const dialog = await screen.findByRole("dialog", { name: /Signing secret/ });
    expect(within(dialog).getByLabelText("Secret").textContent).toBe("whsec_shown_once");
    expect(within(dialog).getByRole("button", { name: "Copy secret" })).toBeTruthy();
    expect(within(dialog).getByLabelText("Endpoint").textContent).toContain("/api/v1/intake/webhooks/alerts");
    expect(within(dialog).getByLabelText("Curl example").textContent).toContain("openssl dgst -sha256 -hmac");
  });

  it("shows the server's mapping problems beside their entries", async () => {
    wrap(<SourceForm onDone={() => {}} />);
    await chooseType();
    await screen.findByRole("textbox", { name: "Category (category) pointer" });
    answer = {
      status: 422,
      body: {
        type: "about:blank",
        title: "Invalid request",
        status: 422,
        errors: [
          { pointer: "/mapping/title/pointer", message: "not a JSON pointer (RFC 6901)" },
          { pointer: "/mapping/fields", message: "the type requires `category`" },
        ],
      },
    };
    fireEvent.click(screen.getByRole("button", { name: "Create source" }));
    expect(await screen.findByText("not a JSON pointer (RFC 6901)")).toBeTruthy();
    expect(screen.getByText("the type requires `category`")).toBeTruthy();
  });

  it("lists sources, reads their log and rotates their secret", async () => {
    sources = [source("alerts", { name: "Alertmanager" })];
    wrap(<IntakePage />);
    const row = await screen.findByRole("row", { name: /Alertmanager/ });
    expect(within(row).getByText("/api/v1/intake/webhooks/alerts")).toBeTruthy();
    fireEvent.click(within(row).getByRole("button", { name: "Deliveries of Alertmanager" }));
    const log = await screen.findByRole("table", { name: "Deliveries of Alertmanager" });
    expect(await within(log).findByText("IT-7")).toBeTruthy();
    expect(within(log).getByText("/fields/impact")).toBeTruthy();
    expect(within(log).getByText("invalid")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Rotate the secret of Alertmanager" }));
    fireEvent.click(await screen.findByRole("button", { name: "Rotate" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/intake/webhooks/{slug}/rotate-secret")).toBe(true));
    expect((await screen.findByLabelText("Secret")).textContent).toBe("whsec_shown_once");
  });

  it("switches a source off with its settings as they are", async () => {
    sources = [source("alerts", { name: "Alertmanager" })];
    wrap(<IntakePage />);
    fireEvent.click(await screen.findByRole("switch", { name: "Enable Alertmanager" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put.init!.params!.path!.slug).toBe("alerts");
    expect(put.init!.body).toMatchObject({ enabled: false, mapping: sources[0].mapping, slug: "alerts" });
  });
});
