import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";

import "../../components/jsdomPolyfills";

const reply = (id: number, body: string, from_requester: boolean, files: string[] = []) => ({
  id, body, from_requester, author_name: from_requester ? "Ada" : "Grace",
  created_at: "2026-12-06T10:00:00Z", attachments: files.map((filename) => ({ filename })),
});
const TICKET = {
  key: "IT-7", title: "Black screen", status: "open", status_category: "open",
  created_at: "2026-12-06T09:00:00Z",
  comments: [reply(1, "Try holding the power button.", false, ["steps.pdf"])],
};
const posts: unknown[] = [];

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
      GET: vi.fn(async (_path: string, init: { params: { path: { token: string } } }) =>
        init.params.path.token === "good"
          ? respond(200, TICKET)
          : respond(404, { type: "about:blank", title: "Not found", status: 404 }),
      ),
      POST: vi.fn(async (_path: string, init: { body: { body: string } }) => {
        posts.push(init.body);
        return respond(201, { ...TICKET, comments: [...TICKET.comments, reply(2, init.body.body, true)] });
      }),
    },
  };
});

const { default: FollowPage } = await import("./FollowPage");

function renderAt(path: string) {
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/follow/:token" element={<FollowPage />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

afterEach(() => {
  cleanup();
  posts.length = 0;
});

describe("FollowPage", () => {
  it("shows the ticket's public replies and their files", async () => {
    renderAt("/follow/good");
    expect(await screen.findByText("Black screen")).toBeTruthy();
    expect(screen.getByText("IT-7")).toBeTruthy();
    expect(screen.getByText("Try holding the power button.")).toBeTruthy();
    expect(screen.getByText("Files: steps.pdf")).toBeTruthy();
  });

  it("sends a reply and shows it", async () => {
    renderAt("/follow/good");
    fireEvent.change(await screen.findByRole("textbox", { name: "Your reply" }), { target: { value: "It worked" } });
    fireEvent.click(screen.getByRole("button", { name: "Send reply" }));
    expect(await screen.findByText("It worked")).toBeTruthy();
    expect(posts).toEqual([{ body: "It worked" }]);
  });

  it("says a refused link does not work", async () => {
    renderAt("/follow/forged");
    expect(await screen.findByText("This link does not work")).toBeTruthy();
  });
});
