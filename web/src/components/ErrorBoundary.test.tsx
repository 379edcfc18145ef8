import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { ErrorBoundary } from "./ErrorBoundary";

import "./jsdomPolyfills";

function Boom(): never {
  throw new Error("boom");
}

afterEach(cleanup);

describe("ErrorBoundary", () => {
  it("shows a friendly message with a reload button, and recovers on another screen", () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const { rerender } = render(
      <MantineProvider>
        <ErrorBoundary resetKey="/a">
          <Boom />
        </ErrorBoundary>
      </MantineProvider>,
    );
    expect(screen.getByRole("heading", { name: "Something went wrong" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Reload" })).toBeTruthy();
    rerender(
      <MantineProvider>
        <ErrorBoundary resetKey="/b">
          <p>fine</p>
        </ErrorBoundary>
      </MantineProvider>,
    );
    expect(screen.getByText("fine")).toBeTruthy();
    quiet.mockRestore();
  });
});
