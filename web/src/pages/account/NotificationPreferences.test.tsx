// The account page's notification preferences against a mocked client: every topic with
// its friendly label and switches; a change is saved with one PUT of the whole table.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import "../../components/jsdomPolyfills";

type Pref = { topic: string; email: boolean; in_app: boolean };
let stored: Pref[] = [];
const puts: unknown[] = [];

vi.mock("../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  return {
    ...original,
    api: {
      GET: vi.fn(async () => respond(200, { items: structuredClone(stored) })),
      PUT: vi.fn(async (_path: string, init: { body: { items: Pref[] } }) => {
        puts.push(init.body);
        stored = structuredClone(init.body.items);
        return respond(200, { items: structuredClone(stored) });
      }),
    },
  };
});

const { NotificationPreferences } = await import("./NotificationPreferences");

beforeEach(() => {
  puts.length = 0;
  stored = ["ticket.assigned", "comment.created", "sla.warning", "sla.breach", "sla.still_breached", "webhook.disabled"].map(
    (topic) => ({ topic, email: topic.startsWith("sla."), in_app: true }),
  );
});
afterEach(cleanup);

it("lists the topics in words and saves a change with one PUT", async () => {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={client}>
        <NotificationPreferences />
      </QueryClientProvider>
    </MantineProvider>,
  );
  const bell = await screen.findByRole("switch", { name: "A ticket is assigned to me: in the bell" });
  expect(screen.getByText("A requester answers on my ticket")).toBeTruthy();
  expect(screen.getByText("An outgoing webhook is switched off (admins)")).toBeTruthy();
  expect((bell as HTMLInputElement).checked).toBe(true);
  const save = screen.getByRole("button", { name: "Save preferences" });
  expect((save as HTMLButtonElement).disabled).toBe(true);

  fireEvent.click(bell);
  fireEvent.click(screen.getByRole("switch", { name: "A ticket is assigned to me: by email" }));
  fireEvent.click(save);
  await screen.findByText("Saved");
  expect(puts).toHaveLength(1);
  const items = (puts[0] as { items: Pref[] }).items;
  expect(items).toHaveLength(6);
  expect(items[0]).toEqual({ topic: "ticket.assigned", email: true, in_app: false });
  expect(items[2]).toEqual({ topic: "sla.warning", email: true, in_app: true });
  await waitFor(() => expect((screen.getByRole("button", { name: "Save preferences" }) as HTMLButtonElement).disabled).toBe(true));
});
