import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";

import "../../../components/jsdomPolyfills";
import type { TypeDetail } from "../../../api/queries";

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
      GET: vi.fn(async () => respond(404, { type: "about:blank", title: "Not found", status: 404 })),
      PUT: vi.fn(async (_path: string, init: { body: Record<string, unknown> }) => {
        puts.push(init.body);
        return respond(200, { ...init.body, type: "it_support", shown_fields: [], per_address_per_hour: 20, per_email_per_hour: 5, updated_by: "a", updated_at: "2026-12-06T00:00:00Z" });
      }),
    },
  };
});

const { PublicFormSettings } = await import("./PublicFormSettings");

const TYPE = { slug: "it_support", name: "IT support", fields: [{ name: "device", title: "Device" }] } as unknown as TypeDetail;

afterEach(cleanup);

describe("PublicFormSettings", () => {
  it("publishes a type that had no form with the defaults", async () => {
    render(
      <MantineProvider>
        <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
          <PublicFormSettings type={TYPE} />
        </QueryClientProvider>
      </MantineProvider>,
    );
    fireEvent.click(await screen.findByRole("switch", { name: "Published" }));
    fireEvent.click(screen.getByRole("button", { name: "Save form" }));
    expect(await screen.findByText("Saved")).toBeTruthy();
    expect(puts).toEqual([
      { slug: "it_support", published: true, intro: null, fields: null, per_address_per_hour: 20, per_email_per_hour: 5 },
    ]);
  });
});
