// The row of buttons under a form: an optional "Cancel", the submit button, and a short
// confirmation ("Saved") for forms that stay open after saving.
import type { ReactNode } from "react";
import { Button, Group, Text } from "@mantine/core";

interface FormActionsProps {
  /** The submit button's text, e.g. "Save policy". */
  submitLabel: string;
  /** The save is running: the submit button spins. */
  pending: boolean;
  disabled?: boolean;
  /** Shows "Cancel" when given. */
  onCancel?: () => void;
  /** Announced next to the button after a save; falsy shows nothing. */
  saved?: ReactNode;
}

export function FormActions({ submitLabel, pending, disabled, onCancel, saved }: FormActionsProps) {
  return (
    <Group justify="flex-end">
      {saved && (
        <Text size="sm" c="green" role="status">
          {saved}
        </Text>
      )}
      {onCancel && (
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
      )}
      <Button type="submit" loading={pending} disabled={disabled}>
        {submitLabel}
      </Button>
    </Group>
  );
}
