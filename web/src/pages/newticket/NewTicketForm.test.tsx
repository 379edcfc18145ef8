import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";

import "../../components/jsdomPolyfills";

const TYPE = { slug: "it_support", name: "IT support", default_priority: "P2", schema: { type: "object", properties: {} }, ui: {} };
const posts: { key: string | null | undefined; body: unknown }[] = [];
let answers: number[] = [];

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
      GET: vi.fn(async () => respond(200, TYPE)),
      POST: vi.fn(async (_path: string, init: { params?: { header?: Record<string, string> }; body: unknown }) => {
        posts.push({ key: init.params?.header?.["Idempotency-Key"], body: init.body });
        const status = answers.shift() ?? 201;
        return status === 201
          ? respond(201, { key: "IT-9", title: "t" })
          : respond(status, { type: "about:blank", title: "Bad Gateway", status, detail: "try again" });
      }),
    },
  };
});

const { NewTicketForm } = await import("./NewTicketForm");

afterEach(cleanup);

describe("NewTicketForm", () => {
  it("sends one Idempotency-Key for every try of the same ticket", async () => {
    answers = [502, 201];
    render(
      <MantineProvider>
        <QueryClientProvider client={new QueryClient()}>
          <MemoryRouter initialEntries={["/new/it_support"]}>
            <Routes>
              <Route path="/new/:type" element={<NewTicketForm slug="it_support" />} />
              <Route path="/tickets/:key" element={<p>ticket page</p>} />
            </Routes>
          </MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>,
    );
    fireEvent.change(await screen.findByRole("textbox", { name: "Title" }), { target: { value: "Printer jammed" } });
    fireEvent.click(screen.getByRole("button", { name: "Create ticket" }));
    await screen.findByText("try again");
    fireEvent.click(screen.getByRole("button", { name: "Create ticket" }));
    await screen.findByText("ticket page");
    expect(posts).toHaveLength(2);
    expect(posts[0].key).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(posts[1].key).toBe(posts[0].key);
  });
});
