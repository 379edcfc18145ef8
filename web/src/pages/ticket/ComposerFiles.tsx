// The composer's files as chips (name, size, a spinner while uploading, the server's
// reason when refused, a button to remove), and the button that opens the file picker.
import { useRef } from "react";
import { Button, CloseButton, FileButton, Group, Loader, Paper, Stack, Text } from "@mantine/core";
import { IconAlertCircle, IconPaperclip } from "@tabler/icons-react";
import { humanSize, type PendingFile } from "./attachments";

export function AttachButton({ onFiles, disabled }: { onFiles: (files: File[]) => void; disabled?: boolean }) {
  const resetRef = useRef<() => void>(null);
  return (
    <FileButton
      multiple
      resetRef={resetRef}
      disabled={disabled}
      onChange={(files) => {
        onFiles(files);
        // The same file picked again is a change too.
        resetRef.current?.();
      }}
    >
      {(props) => (
        <Button {...props} variant="light" size="xs" leftSection={<IconPaperclip size={14} aria-hidden />}>
          Attach files
        </Button>
      )}
    </FileButton>
  );
}

function FileChip({ file, onRemove, locked }: { file: PendingFile; onRemove: () => void; locked: boolean }) {
  const failed = file.status === "failed";
  const busy = file.status === "uploading";
  return (
    <Group gap="xs" wrap="nowrap" role="listitem" aria-busy={busy} data-upload-status={file.status}>
      <Paper
        withBorder
        px="xs"
        py={2}
        radius="xl"
        style={{ borderColor: failed ? "var(--mantine-color-red-5)" : undefined, minWidth: 0 }}
      >
        <Group gap={6} wrap="nowrap">
          {busy ? (
            <Loader size={12} aria-label={`Uploading ${file.name}`} />
          ) : failed ? (
            <IconAlertCircle size={14} color="var(--mantine-color-red-6)" aria-hidden />
          ) : (
            <IconPaperclip size={14} aria-hidden />
          )}
          <Text size="sm" truncate="end" maw={260}>
            {file.name}
          </Text>
          <Text size="xs" c="dimmed" style={{ flex: "none" }}>
            {humanSize(file.size)}
          </Text>
          <CloseButton size="sm" aria-label={`Remove ${file.name}`} onClick={onRemove} disabled={locked} />
        </Group>
      </Paper>
      {busy && (
        <Text size="xs" c="dimmed">
          Uploading…
        </Text>
      )}
      {failed && (
        <Text size="xs" c="red" role="alert">
          Not uploaded: {file.error}
        </Text>
      )}
    </Group>
  );
}

/** The files to go with the reply; `locked` while the reply carrying them is being sent. */
export function ComposerFileList({
  files,
  onRemove,
  locked,
}: {
  files: PendingFile[];
  onRemove: (localId: string) => void;
  locked: boolean;
}) {
  if (files.length === 0) return null;
  return (
    <Stack gap={4} role="list" aria-label="Files to send">
      {files.map((f) => (
        <FileChip key={f.localId} file={f} onRemove={() => onRemove(f.localId)} locked={locked} />
      ))}
    </Stack>
  );
}
