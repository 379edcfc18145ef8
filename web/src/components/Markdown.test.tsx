import { afterEach, describe, expect, it } from "vitest";
import "./jsdomPolyfills";
import { cleanup, render } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { Markdown } from "./Markdown";

afterEach(cleanup);

function html(text: string) {
  const { container } = render(
    <MantineProvider>
      <Markdown>{text}</Markdown>
    </MantineProvider>,
  );
  return container;
}

describe("Markdown", () => {
  it("renders markdown but never raw HTML", () => {
    const c = html('**bold** <script>alert(1)</script><img src=x onerror="alert(1)">');
    expect(c.querySelector("strong")?.textContent).toBe("bold");
    expect(c.querySelector("script")).toBeNull();
    expect(c.querySelector("img")).toBeNull();
  });

  it("opens links safely and drops javascript: URLs", () => {
    const c = html("[docs](https://example.com) [bad](javascript:alert(1))");
    const links = c.querySelectorAll("a");
    expect(links[0].getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(links[0].getAttribute("target")).toBe("_blank");
    expect(links[1].getAttribute("href") ?? "").not.toContain("javascript");
  });
});
