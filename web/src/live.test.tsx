import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ME_KEY } from "./auth";
import { keys } from "./api/keys";
import { nextReconnectDelay, useLiveUpdates } from "./live";

/** Enough of EventSource to drive the hook: each instance is kept to open or fail it. */
class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  closed = false;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener() {}
  close() {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    act(() => this.onopen?.());
  }
  /** What the browser does on an HTTP error: the source is closed for good. */
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    act(() => this.onerror?.());
  }
}

function Live() {
  useLiveUpdates();
  return null;
}

const sources = FakeEventSource.all;
const open = () => sources.filter((s) => !s.closed);

beforeEach(() => {
  vi.useFakeTimers();
  sources.length = 0;
  vi.stubGlobal("EventSource", FakeEventSource);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("live updates", () => {
  it("reopens a closed stream, backing off, and refetches once back", () => {
    const client = new QueryClient();
    const invalidate = vi.spyOn(client, "invalidateQueries").mockResolvedValue();
    render(
      <QueryClientProvider client={client}>
        <Live />
      </QueryClientProvider>,
    );
    expect(sources).toHaveLength(1);
    sources[0].open();
    expect(invalidate).not.toHaveBeenCalled();

    sources[0].fail();
    act(() => vi.advanceTimersByTime(999));
    expect(sources).toHaveLength(1);
    act(() => vi.advanceTimersByTime(1));
    expect(sources).toHaveLength(2);
    sources[1].fail();
    act(() => vi.advanceTimersByTime(1999));
    expect(sources).toHaveLength(2);
    act(() => vi.advanceTimersByTime(1));
    expect(sources).toHaveLength(3);
    expect(open()).toHaveLength(1);

    invalidate.mockClear();
    sources[2].open();
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ME_KEY });
    expect(invalidate).toHaveBeenCalledWith({ queryKey: keys.tickets });

    // Once open again, the wait starts over at a second.
    sources[2].fail();
    act(() => vi.advanceTimersByTime(1000));
    expect(sources).toHaveLength(4);
  });

  it("stops retrying when unmounted", () => {
    const client = new QueryClient();
    const view = render(
      <QueryClientProvider client={client}>
        <Live />
      </QueryClientProvider>,
    );
    sources[0].fail();
    view.unmount();
    act(() => vi.advanceTimersByTime(60_000));
    expect(sources).toHaveLength(1);
    expect(open()).toHaveLength(0);
  });

  it("waits at most 30 seconds", () => {
    let d = 1000;
    const seen = [];
    for (let i = 0; i < 7; i++) seen.push((d = nextReconnectDelay(d)));
    expect(seen).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});
