import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import "../../../components/jsdomPolyfills";
import { emptyPolicy } from "./policyDraft";

/** What the fake API answers to the PUT. */
let putAnswer: { status: number; body: unknown } = { status: 200, body: {} };
const puts: unknown[] = [];

vi.mock("../../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  return {
    ...original,
    api: {
      GET: vi.fn(async () => respond(200, [])),
      PUT: vi.fn(async (_path: string, init: { body: unknown }) => {
        puts.push(init.body);
        return respond(putAnswer.status, putAnswer.body);
      }),
    },
  };
});

const { PolicyForm } = await import("./PolicyForm");

function renderForm(onSaved = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const initial = { ...emptyPolicy(), name: "vip" };
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <PolicyForm initial={initial} existing onSaved={onSaved} onCancel={vi.fn()} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return onSaved;
}

const type = (label: string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });

afterEach(() => {
  cleanup();
  puts.length = 0;
});

describe("PolicyForm", () => {
  it("sends typed durations as minutes", async () => {
    putAnswer = { status: 200, body: {} };
    const onSaved = renderForm();
    type("P1 resolution target", "1d 4h");
    type("P0 first response target", "15m");
    fireEvent.click(screen.getByRole("button", { name: "Save policy" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(puts[0]).toMatchObject({
      name: "vip",
      targets: { P0: { first_response: 15 }, P1: { resolution: 1680 } },
      still_breached_after: 60,
    });
  });

  it("keeps a duration that does not parse from being sent", async () => {
    renderForm();
    type("P2 next response target", "soon");
    fireEvent.click(screen.getByRole("button", { name: "Save policy" }));
    expect(await screen.findByText(/Write durations like/)).toBeTruthy();
    expect(puts).toEqual([]);
    expect((screen.getByLabelText("P2 next response target") as HTMLInputElement).value).toBe("soon");
  });

  it("shows the server's problems on their fields and the rest in the alert", async () => {
    putAnswer = {
      status: 422,
      body: {
        type: "about:blank",
        title: "Invalid policy",
        status: 422,
        detail: "the policy has 2 problems",
        errors: [
          { pointer: "/targets/P1/resolution", message: "a target is 1 to 525600 minutes" },
          { pointer: "/something/else", message: "odd" },
        ],
      },
    };
    const onSaved = renderForm();
    type("P1 resolution target", "0");
    fireEvent.click(screen.getByRole("button", { name: "Save policy" }));
    const message = await screen.findByText("a target is 1 to 525600 minutes");
    const input = screen.getByLabelText("P1 resolution target") as HTMLInputElement;
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toContain(message.id);
    expect(input.value).toBe("0");
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("/something/else");
    expect(alert.textContent).not.toContain("/targets/P1/resolution");
    expect(onSaved).not.toHaveBeenCalled();
  });
});
