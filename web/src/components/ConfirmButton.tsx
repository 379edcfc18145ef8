// A destructive action behind a confirmation dialog, so one stray click deletes nothing.
import { useState, type ReactNode } from "react";
import { ActionIcon, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { ErrorAlert } from "./Errors";

interface ConfirmButtonProps {
  /** The button's accessible name, e.g. "Delete policy vip". */
  label: string;
  /** Icon-only button when given; otherwise a text button showing `children` or `label`. */
  icon?: ReactNode;
  children?: ReactNode;
  /** The dialog's title, e.g. "Delete policy vip?". */
  title: string;
  message: ReactNode;
  /** The confirming button's text, e.g. "Delete". */
  confirmLabel: string;
  /** Runs on confirm; a rejection is shown in the dialog, which stays open. */
  onConfirm: () => Promise<unknown>;
  disabled?: boolean;
}

export function ConfirmButton(props: ConfirmButtonProps) {
  const [opened, setOpened] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      setOpened(false);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const open = () => {
    setError(null);
    setOpened(true);
  };
  return (
    <>
      {props.icon ? (
        <ActionIcon variant="subtle" color="red" aria-label={props.label} onClick={open} disabled={props.disabled}>
          {props.icon}
        </ActionIcon>
      ) : (
        <Button variant="light" color="red" size="xs" aria-label={props.label} onClick={open} disabled={props.disabled}>
          {props.children ?? props.label}
        </Button>
      )}
      <Modal opened={opened} onClose={() => setOpened(false)} title={props.title}>
        <Stack>
          <Text size="sm">{props.message}</Text>
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Cancel
            </Button>
            <Button color="red" onClick={confirm} loading={busy}>
              {props.confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
