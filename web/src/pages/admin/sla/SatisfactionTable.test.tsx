// The report's satisfaction table: a row per group with the average, the share rated 4
// or 5 and the five counts, a total, and a plain sentence when nobody answered.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import "../../../components/jsdomPolyfills";
import { SatisfactionTable } from "./ReportPage";

const row = (group: string, ratings: number[], average: number | null, satisfied_rate: number | null) => ({
  group,
  ratings,
  responses: ratings.reduce((a, b) => a + b, 0),
  average,
  satisfied_rate,
});

afterEach(cleanup);

describe("SatisfactionTable", () => {
  it("shows each group's answers and the total", () => {
    render(
      <MantineProvider>
        <SatisfactionTable
          rows={[row("discord_support", [1, 0, 0, 1, 1], 3.33, 2 / 3)]}
          total={row("total", [1, 0, 0, 1, 1], 3.33, 2 / 3)}
          groupLabel="Type"
        />
      </MantineProvider>,
    );
    const table = screen.getByRole("table", { name: "Satisfaction" });
    const group = within(table).getByRole("row", { name: /discord_support/ });
    expect(within(group).getByText("3.33")).toBeTruthy();
    expect(within(group).getAllByRole("cell").map((c) => c.textContent)).toEqual([
      "3",
      "3.33",
      "66.7%",
      "1",
      "0",
      "0",
      "1",
      "1",
    ]);
    expect(within(table).getByRole("row", { name: /Total/ })).toBeTruthy();
  });

  it("says so when nobody answered", () => {
    render(
      <MantineProvider>
        <SatisfactionTable rows={[]} total={row("total", [0, 0, 0, 0, 0], null, null)} groupLabel="Type" />
      </MantineProvider>,
    );
    expect(screen.getByText("No exit survey was answered in this period.")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });
});
