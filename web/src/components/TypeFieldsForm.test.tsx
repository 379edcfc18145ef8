import { afterEach, describe, expect, it } from "vitest";
import "./jsdomPolyfills";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { useState } from "react";
import { TypeFieldsForm } from "./TypeFieldsForm";
import { extraErrorsFromProblem } from "../lib/form";


const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["asset_tag"],
  properties: {
    asset_tag: { title: "Asset tag", type: "string", pattern: "^A-[0-9]{5}$" },
    notes: { title: "Notes", type: "string" },
  },
};

function Harness({ errors }: { errors?: object }) {
  const [data, setData] = useState<Record<string, unknown>>({});
  return (
    <MantineProvider>
      <TypeFieldsForm schema={schema} hints={{ notes: { "ui:widget": "textarea" } }} formData={data} onChange={setData} extraErrors={errors} />
    </MantineProvider>
  );
}

afterEach(cleanup);

describe("TypeFieldsForm", () => {
  it("validates as the user types, with the 2020-12 schema", async () => {
    render(<Harness />);
    const input = screen.getByLabelText(/Asset tag/);
    fireEvent.change(input, { target: { value: "B-1" } });
    expect((await screen.findAllByText(/must match pattern/)).length).toBeGreaterThan(0);
    expect(input.getAttribute("aria-invalid")).toBe("true");
    fireEvent.change(input, { target: { value: "A-12345" } });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryAllByText(/must match pattern/)).toHaveLength(0);
  });

  it("shows server errors on their field", async () => {
    render(<Harness errors={extraErrorsFromProblem([{ pointer: "/fields/notes", message: "server says no" }])} />);
    expect((await screen.findAllByText("server says no")).length).toBeGreaterThan(0);
    expect(screen.getByLabelText(/Notes/).getAttribute("aria-invalid")).toBe("true");
  });
});
