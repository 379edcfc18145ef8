import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";

import "../../components/jsdomPolyfills";

const FORM = {
  slug: "it_help",
  name: "IT support",
  intro: "Tell us what broke.",
  schema: { type: "object", properties: { device: { type: "string", title: "Device" } } },
  ui: {},
};
const posts: { path: string; body: Record<string, unknown> }[] = [];
let answer: { status: number; body: unknown } = { status: 201, body: { ticket: "IT-42" } };

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
      GET: vi.fn(async (_path: string, init: { params: { path: { slug: string } } }) =>
        init.params.path.slug === "it_help"
          ? respond(200, FORM)
          : respond(404, { type: "about:blank", title: "Not found", status: 404, detail: "no published form here" }),
      ),
      POST: vi.fn(async (path: string, init: { body: Record<string, unknown> }) => {
        posts.push({ path, body: init.body });
        return respond(answer.status, answer.body);
      }),
    },
  };
});

const { default: PublicFormPage } = await import("./PublicFormPage");

function renderAt(path: string) {
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/forms/:slug" element={<PublicFormPage />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

async function fillIn() {
  fireEvent.change(await screen.findByRole("textbox", { name: "Your name" }), { target: { value: "Ada" } });
  fireEvent.change(screen.getByRole("textbox", { name: "Your email" }), { target: { value: "ada@example.com" } });
  fireEvent.change(screen.getByRole("textbox", { name: "Title" }), { target: { value: "Black screen" } });
}

afterEach(() => {
  cleanup();
  posts.length = 0;
  answer = { status: 201, body: { ticket: "IT-42" } };
});

describe("PublicFormPage", () => {
  it("renders the form from its schema and shows the ticket key on success", async () => {
    renderAt("/forms/it_help");
    expect(await screen.findByText("Tell us what broke.")).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Device" })).toBeTruthy();
    await fillIn();
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    expect(await screen.findByText("IT-42")).toBeTruthy();
    expect(posts).toHaveLength(1);
    expect(posts[0].path).toBe("/public/forms/{slug}");
    expect(posts[0].body).toMatchObject({ name: "Ada", email: "ada@example.com", title: "Black screen" });
    // The honeypot is sent only when something filled it.
    expect(posts[0].body).not.toHaveProperty("homepage");
  });

  it("checks the inputs before sending", async () => {
    renderAt("/forms/it_help");
    fireEvent.click(await screen.findByRole("button", { name: "Send" }));
    expect(await screen.findByText("Your name, please")).toBeTruthy();
    expect(screen.getByText("An email address such as ada@example.com")).toBeTruthy();
    expect(posts).toHaveLength(0);
  });

  it("puts the server's field errors on their inputs", async () => {
    answer = {
      status: 422,
      body: {
        type: "about:blank", title: "Invalid request", status: 422,
        errors: [{ pointer: "/email", message: "that mailbox is refused" }],
      },
    };
    renderAt("/forms/it_help");
    await fillIn();
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    expect(await screen.findByText("that mailbox is refused")).toBeTruthy();
    expect(screen.getByText("Nothing was sent: fix the fields marked in red.")).toBeTruthy();
  });

  it("says so when the sender is throttled", async () => {
    answer = { status: 429, body: { type: "about:blank", title: "Too many attempts", status: 429, detail: "try again in 60 s" } };
    renderAt("/forms/it_help");
    await fillIn();
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    expect(await screen.findByText(/Too many requests were sent from here/)).toBeTruthy();
  });

  it("shows not found for an unknown form", async () => {
    renderAt("/forms/nothing");
    expect(await screen.findByText(/not found/i)).toBeTruthy();
  });
});
