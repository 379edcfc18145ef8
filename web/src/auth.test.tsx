import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";

import "./components/jsdomPolyfills";

const ME = {
  via: "session",
  csrf_token: "t",
  user: { id: 7, email: "ann@example.com", display_name: "Ann", role: "agent", teams: [] },
};

let logoutStatus = 204;
vi.mock("./api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("./api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  return {
    ...original,
    api: {
      GET: vi.fn(async (path: string) => (path === "/auth/me" ? respond(200, ME) : respond(200, []))),
      POST: vi.fn(async (path: string) =>
        path === "/auth/logout"
          ? respond(logoutStatus, logoutStatus >= 400 ? { type: "about:blank", title: "x", status: logoutStatus } : undefined)
          : respond(404, {}),
      ),
    },
  };
});

vi.mock("./live", () => ({
  useLiveUpdates: () => {},
  useLiveStatus: () => "live",
  onTicketChange: () => () => {},
}));

const { AuthProvider } = await import("./auth");
const { App } = await import("./App");

function renderApp(url: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[url]}>
          <AuthProvider>
            <App />
          </AuthProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

async function signOut() {
  fireEvent.click(await screen.findByRole("button", { name: "account menu" }));
  fireEvent.click(await screen.findByRole("menuitem", { name: "Sign out" }));
}

afterEach(cleanup);

describe("sign out", () => {
  it("shows the login page at once", async () => {
    logoutStatus = 204;
    renderApp("/nowhere");
    await signOut();
    expect(await screen.findByRole("heading", { name: "Sign in to Docket" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "account menu" })).toBeNull();
  });

  it("signs out locally when the session had already ended (401)", async () => {
    logoutStatus = 401;
    renderApp("/nowhere");
    await signOut();
    expect(await screen.findByRole("heading", { name: "Sign in to Docket" })).toBeTruthy();
  });

  it("stays signed in when the server could not sign out", async () => {
    logoutStatus = 500;
    renderApp("/nowhere");
    await signOut();
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole("heading", { name: "Sign in to Docket" })).toBeNull();
    expect(screen.getByRole("button", { name: "account menu" })).toBeTruthy();
  });
});
