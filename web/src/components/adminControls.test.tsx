// The shared pieces of the admin screens: a delete asks first and keeps the dialog open
// (with the problem) when it fails; forms submit without reloading; tables name every column.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MantineProvider, Table } from "@mantine/core";
import "./jsdomPolyfills";
import { ApiError } from "../api/client";
import { EditDeleteButtons } from "./EditDeleteButtons";
import { FormActions } from "./FormActions";
import { SubmitForm } from "./SubmitForm";
import { TableHead } from "./TableHead";

afterEach(cleanup);

function renderButtons(onDelete: () => Promise<unknown>, onEdit = vi.fn()) {
  render(
    <MantineProvider>
      <EditDeleteButtons
        editLabel="Edit policy vip"
        onEdit={onEdit}
        deleteLabel="Delete policy vip"
        deleteTitle="Delete policy vip?"
        deleteMessage="Tickets it governs are re-evaluated."
        onDelete={onDelete}
      />
    </MantineProvider>,
  );
}

describe("EditDeleteButtons", () => {
  it("edits at once and deletes only once confirmed", async () => {
    const onEdit = vi.fn();
    const onDelete = vi.fn(async () => {});
    renderButtons(onDelete, onEdit);
    fireEvent.click(screen.getByRole("button", { name: "Edit policy vip" }));
    expect(onEdit).toHaveBeenCalledOnce();
    fireEvent.click(screen.getByRole("button", { name: "Delete policy vip" }));
    expect(onDelete).not.toHaveBeenCalled();
    fireEvent.click(await screen.findByRole("button", { name: "Delete" }));
    await waitFor(() => expect(onDelete).toHaveBeenCalledOnce());
  });

  it("shows why a delete failed and stays open", async () => {
    const problem = new ApiError(409, { type: "about:blank", title: "In use", status: 409, detail: "policy vip uses it" });
    renderButtons(() => Promise.reject(problem));
    fireEvent.click(screen.getByRole("button", { name: "Delete policy vip" }));
    fireEvent.click(await screen.findByRole("button", { name: "Delete" }));
    expect(await screen.findByText("policy vip uses it")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete" })).toBeTruthy();
  });
});

describe("SubmitForm and FormActions", () => {
  it("submits through the callback, with Cancel beside the submit button", () => {
    const onSubmit = vi.fn();
    const onCancel = vi.fn();
    render(
      <MantineProvider>
        <SubmitForm onSubmit={onSubmit}>
          <FormActions submitLabel="Save team" pending={false} onCancel={onCancel} saved={false} />
        </SubmitForm>
      </MantineProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Save team" }));
    expect(onSubmit).toHaveBeenCalledOnce();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onCancel).toHaveBeenCalledOnce();
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("announces a save and has no Cancel without onCancel", () => {
    render(
      <MantineProvider>
        <FormActions submitLabel="Save name" pending={false} saved="Saved" />
      </MantineProvider>,
    );
    expect(screen.getByRole("status").textContent).toBe("Saved");
    expect(screen.queryByRole("button", { name: "Cancel" })).toBeNull();
  });
});

describe("TableHead", () => {
  it("skips optional columns and names the actions column", () => {
    render(
      <MantineProvider>
        <Table>
          <TableHead columns={["Name", false, "Status"]} actions />
        </Table>
      </MantineProvider>,
    );
    const headers = screen.getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Name", "Status", "Actions"]);
  });
});
