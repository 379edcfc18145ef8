// The icon-only button that removes one row of an editor (a state, a field, a holiday…)
// from the draft; nothing is saved until the form is.
import { ActionIcon, type ActionIconProps } from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";

interface RemoveButtonProps extends Pick<ActionIconProps, "mt" | "mb"> {
  /** The accessible name, e.g. "Remove state open". */
  label: string;
  onClick(): void;
}

export function RemoveButton({ label, onClick, ...spacing }: RemoveButtonProps) {
  return (
    <ActionIcon variant="subtle" color="red" aria-label={label} onClick={onClick} {...spacing}>
      <IconTrash size={16} />
    </ActionIcon>
  );
}
