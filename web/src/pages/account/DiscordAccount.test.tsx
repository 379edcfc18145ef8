// The account page's Discord section against a mocked client: not linked, a refused code
// shown under the field, a code that links, and Unlink.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import "../../components/jsdomPolyfills";

const ACCOUNT = { user_id: 7, discord_id: "123456789", discord_name: "ann#1", linked_at: "2025-01-01T00:00:00Z" };
let linked: typeof ACCOUNT | null = null;
const writes: { method: string; body?: unknown }[] = [];

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
      GET: vi.fn(async () => (linked ? respond(200, linked) : respond(404, { title: "Not Found", status: 404, detail: "no Discord account is linked" }))),
      POST: vi.fn(async (_path: string, init: { body: { code: string } }) => {
        writes.push({ method: "POST", body: init.body });
        if (init.body.code !== "K7QH-2MXP")
          return respond(422, {
            title: "Unprocessable Entity",
            status: 422,
            errors: [{ pointer: "/code", message: "the code is unknown or expired; ask the bot for a new one" }],
          });
        linked = ACCOUNT;
        return respond(200, ACCOUNT);
      }),
      DELETE: vi.fn(async () => {
        writes.push({ method: "DELETE" });
        linked = null;
        return respond(204, undefined);
      }),
    },
  };
});

const { DiscordAccountSection } = await import("./DiscordAccount");

function wrap() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <DiscordAccountSection />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

beforeEach(() => {
  linked = null;
  writes.length = 0;
});
afterEach(cleanup);

it("links with the bot's code, after showing why a wrong one was refused", async () => {
  wrap();
  expect(await screen.findByText("No Discord account is linked.")).toBeTruthy();
  const field = screen.getByRole("textbox", { name: "Link code" });
  fireEvent.change(field, { target: { value: "NOPE" } });
  fireEvent.click(screen.getByRole("button", { name: "Link account" }));
  expect(await screen.findByText("the code is unknown or expired; ask the bot for a new one")).toBeTruthy();
  expect(field.getAttribute("aria-invalid")).toBe("true");

  fireEvent.change(field, { target: { value: " K7QH-2MXP " } });
  fireEvent.click(screen.getByRole("button", { name: "Link account" }));
  expect(await screen.findByText("ann#1 (123456789)")).toBeTruthy();
  expect(writes.map((w) => w.body)).toEqual([{ code: "NOPE" }, { code: "K7QH-2MXP" }]);
});

it("shows a linked account and unlinks it", async () => {
  linked = ACCOUNT;
  wrap();
  expect(await screen.findByText("ann#1 (123456789)")).toBeTruthy();
  fireEvent.click(screen.getByRole("button", { name: "Unlink Discord account" }));
  await waitFor(() => expect(screen.getByText("No Discord account is linked.")).toBeTruthy());
  expect(writes).toEqual([{ method: "DELETE" }]);
});
