// Every file of the ticket in one place: the ones on replies and notes, and the ones on
// no comment (a Discord transcript's, an upload not sent yet). Agents and admins may
// remove one, after confirming; the trail keeps its name. Live updates refetch the list
// with the rest of the ticket (its key is under the ticket's).
import { Badge, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import type { Attachment } from "../../api/client";
import type { User } from "../../api/queries";
import { useMe } from "../../auth";
import { ConfirmButton } from "../../components/ConfirmButton";
import { ErrorAlert } from "../../components/Errors";
import { isInlineImage } from "./attachments";
import { AttachmentThumbnail, DownloadLink } from "./AttachmentView";
import { useAttachmentWrites, useTicketAttachments } from "./queries";
import { actorName } from "./ticketLogic";

function FileRow({ file, users, onRemove }: { file: Attachment; users: User[]; onRemove?: () => Promise<unknown> }) {
  return (
    <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs" role="listitem" data-file-id={file.id}>
      <Stack gap={2} style={{ minWidth: 0 }}>
        {isInlineImage(file.content_type) ? <AttachmentThumbnail attachment={file} /> : <DownloadLink attachment={file} />}
        <Group gap={6}>
          <Text size="xs" c="dimmed">
            {actorName(file.uploaded_by, users)},{" "}
            <time dateTime={file.created_at}>{new Date(file.created_at).toLocaleString()}</time>
          </Text>
          {file.comment_id == null && (
            <Badge size="xs" variant="light" color="gray">
              not on a comment
            </Badge>
          )}
        </Group>
      </Stack>
      {onRemove && (
        <ConfirmButton
          label={`Remove ${file.filename}`}
          icon={<IconTrash size={16} />}
          title={`Remove ${file.filename}?`}
          message="The file is deleted for everyone, from the conversation too. The activity trail keeps its name and who removed it."
          confirmLabel="Remove"
          onConfirm={onRemove}
        />
      )}
    </Group>
  );
}

export function FilesPanel({ ticketKey, users }: { ticketKey: string; users: User[] }) {
  const me = useMe();
  const files = useTicketAttachments(ticketKey);
  const writes = useAttachmentWrites(ticketKey);
  const mayRemove = me.user.role === "agent" || me.user.role === "admin";
  const list = files.data ?? [];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="files-heading">
      <Stack gap="sm">
        <Title order={3} id="files-heading">
          Files{list.length > 0 ? ` (${list.length})` : ""}
        </Title>
        {files.error ? (
          <ErrorAlert error={files.error} title="Could not load the files" />
        ) : files.isPending ? (
          <Text c="dimmed" size="sm">
            Loading…
          </Text>
        ) : list.length === 0 ? (
          <Text c="dimmed" size="sm">
            No files yet.
          </Text>
        ) : (
          <Stack gap="sm" role="list" aria-label="Ticket files">
            {list.map((f) => (
              <FileRow key={f.id} file={f} users={users} onRemove={mayRemove ? () => writes.remove(f.id) : undefined} />
            ))}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
