// A table row's "Edit" and "Delete" buttons; deleting asks first (ConfirmButton).
import type { ReactNode } from "react";
import { Button, Group } from "@mantine/core";
import { ConfirmButton } from "./ConfirmButton";

interface EditDeleteButtonsProps {
  /** Accessible names, e.g. "Edit policy vip", "Delete policy vip". */
  editLabel: string;
  deleteLabel: string;
  onEdit(): void;
  /** The confirmation's title and what deleting does. */
  deleteTitle: string;
  deleteMessage: ReactNode;
  /** Runs on confirm; a rejection is shown in the dialog. */
  onDelete(): Promise<unknown>;
}

export function EditDeleteButtons(props: EditDeleteButtonsProps) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Button size="xs" variant="light" aria-label={props.editLabel} onClick={props.onEdit}>
        Edit
      </Button>
      <ConfirmButton
        label={props.deleteLabel}
        title={props.deleteTitle}
        message={props.deleteMessage}
        confirmLabel="Delete"
        onConfirm={props.onDelete}
      >
        Delete
      </ConfirmButton>
    </Group>
  );
}
