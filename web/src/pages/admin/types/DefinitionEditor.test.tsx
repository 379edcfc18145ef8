// The YAML editor and the field editor edit one text: a field edit shows up in the YAML,
// and YAML that does not parse disables the field editor without losing what was typed.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import "../../../components/jsdomPolyfills";
import { DefinitionEditor } from "./DefinitionEditor";
import { NEW_TYPE_TEMPLATE } from "./TypePage";

afterEach(cleanup);

function renderEditor() {
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <DefinitionEditor initialYaml={NEW_TYPE_TEMPLATE} storedFields={new Set()} onApplied={vi.fn()} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const yamlBox = () => screen.getByLabelText("Type definition (YAML)") as HTMLTextAreaElement;

describe("DefinitionEditor", () => {
  it("writes a field added in the field editor into the YAML", () => {
    renderEditor();
    fireEvent.click(screen.getByRole("tab", { name: "Field editor" }));
    expect(screen.getByRole("table", { name: "Fields" })).toBeTruthy();
    fireEvent.change(screen.getByLabelText("New field name"), { target: { value: "room_number" } });
    fireEvent.click(screen.getByRole("button", { name: "Add field" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove field category" }));
    fireEvent.click(screen.getByRole("tab", { name: "YAML" }));
    expect(yamlBox().value).toContain("room_number:");
    expect(yamlBox().value).not.toContain("category:");
    expect(yamlBox().value).toContain("ui:order: [location, room_number]");
  });

  it("keeps unparsable YAML and disables the field editor with the position", () => {
    renderEditor();
    const broken = "slug: x\nname: [oops\nkey_prefix: X\n";
    fireEvent.change(yamlBox(), { target: { value: broken } });
    expect(screen.getAllByText(/Line 3, column 1/).length).toBeGreaterThan(0);
    expect(screen.getByRole("button", { name: "Preview plan" }).hasAttribute("disabled")).toBe(true);
    fireEvent.click(screen.getByRole("tab", { name: "Field editor" }));
    expect(screen.queryByRole("table", { name: "Fields" })).toBeNull();
    expect(screen.getByText(/field editor is disabled/)).toBeTruthy();
    fireEvent.click(screen.getByRole("tab", { name: "YAML" }));
    expect(yamlBox().value).toBe(broken);
  });
});
