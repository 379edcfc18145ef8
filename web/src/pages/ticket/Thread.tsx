// The conversation: public replies and internal notes, oldest first, and the composer.
// Internal notes are tinted yellow and labelled so nobody mistakes them for what the
// requester sees. A comment's files show under it; the composer uploads files as they
// are picked, dropped or pasted, and the reply names them. Staff edit and delete their own
// comments (admins any): an edited one says when, a deleted one reads "message deleted";
// comments relayed from a Discord ticket channel carry a Discord badge.
import { useState, type DragEvent, type FormEvent } from "react";
import { DraftReplyButton } from "./DraftReplyButton";
import { Badge, Button, Group, Kbd, Paper, SegmentedControl, Stack, Text, Textarea, Title, Tooltip } from "@mantine/core";
import { useMe } from "../../auth";
import { ConfirmButton } from "../../components/ConfirmButton";
import { ErrorAlert } from "../../components/Errors";
import { Markdown } from "../../components/Markdown";
import type { User } from "../../api/queries";
import { canSend, carriesFiles, filesOf, pastedName } from "./attachments";
import { AttachmentList } from "./AttachmentView";
import { AttachButton, ComposerFileList } from "./ComposerFiles";
import { commentActions, isFromDiscord, when } from "./conversation";
import { DiscordBadge } from "./DiscordBadge";
import { useAddComment, useDeleteComment, useEditComment, type Comment } from "./queries";
import { useComposerFiles } from "./useComposerFiles";

type Kind = "public" | "internal";

function authorOf(c: Comment, users: User[]): string {
  const staff = c.author_user_id != null ? users.find((u) => u.id === c.author_user_id) : undefined;
  return c.author_name || staff?.display_name || (c.author === "requester" ? "Requester" : "Staff");
}

/** The comment's text in place, with Save and Cancel; a refusal (403) shows the server's reason. */
function CommentEditor({ ticketKey, comment, onDone }: { ticketKey: string; comment: Comment; onDone(): void }) {
  const [body, setBody] = useState(comment.body);
  const edit = useEditComment(ticketKey);
  const save = () => {
    if (!body.trim() || edit.isPending) return;
    if (body === comment.body) return onDone();
    edit.mutate({ id: comment.id, body }, { onSuccess: onDone });
  };
  return (
    <Stack
      gap="xs"
      component="form"
      aria-label="Edit comment"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save();
      }}
    >
      <Textarea
        aria-label="Comment text"
        autosize
        minRows={2}
        maxRows={14}
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            save();
          } else if (e.key === "Escape") {
            onDone();
          }
        }}
      />
      <ErrorAlert error={edit.error} title="Not saved" />
      <Group justify="flex-end" gap="xs">
        <Button variant="default" size="xs" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" size="xs" loading={edit.isPending} disabled={!body.trim()}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}

function CommentItem({ ticketKey, comment, users }: { ticketKey: string; comment: Comment; users: User[] }) {
  const me = useMe();
  const [editing, setEditing] = useState(false);
  const remove = useDeleteComment(ticketKey);
  const internal = comment.kind === "internal";
  const system = comment.kind === "system";
  const deleted = !!comment.deleted_at;
  const actions = commentActions(comment, me);
  const author = authorOf(comment, users);
  return (
    <Paper
      withBorder
      p="sm"
      component="article"
      aria-label={`${author}, ${when(comment.created_at)}`}
      data-comment-id={comment.id}
      data-comment-kind={comment.kind}
      data-deleted={deleted || undefined}
      bg={internal ? "yellow.0" : system ? "gray.0" : undefined}
      style={internal ? { borderColor: "var(--mantine-color-yellow-4)" } : undefined}
    >
      <Group justify="space-between" mb={4} wrap="nowrap" align="flex-start">
        <Group gap="xs">
          <Text fw={600} size="sm">
            {author}
          </Text>
          {internal ? (
            <Badge color="yellow" variant="filled" size="sm">
              Internal note
            </Badge>
          ) : system ? (
            <Badge color="gray" variant="light" size="sm">
              System
            </Badge>
          ) : (
            <Badge color="blue" variant="light" size="sm">
              Reply
            </Badge>
          )}
          {comment.author === "requester" && (
            <Badge color="grape" variant="light" size="sm">
              from requester
            </Badge>
          )}
          {isFromDiscord(comment) && <DiscordBadge />}
        </Group>
        <Group gap={6} wrap="nowrap">
          {comment.edited_at && !deleted && (
            <Tooltip label={`Edited ${when(comment.edited_at)}`}>
              <Text size="xs" c="dimmed" fs="italic" data-edited-at={comment.edited_at}>
                edited <time dateTime={comment.edited_at}>{when(comment.edited_at)}</time>
              </Text>
            </Tooltip>
          )}
          <Text size="xs" c="dimmed" component="time" dateTime={comment.created_at}>
            {when(comment.created_at)}
          </Text>
        </Group>
      </Group>
      {deleted ? (
        <Text size="sm" c="dimmed" fs="italic">
          message deleted
        </Text>
      ) : editing ? (
        <CommentEditor ticketKey={ticketKey} comment={comment} onDone={() => setEditing(false)} />
      ) : (
        comment.body.trim() !== "" && <Markdown>{comment.body}</Markdown>
      )}
      <AttachmentList attachments={comment.attachments ?? []} label="Attached files" />
      {(actions.edit || actions.remove) && !editing && (
        <Group gap={4} justify="flex-end" mt={4}>
          {actions.edit && (
            <Button size="compact-xs" variant="subtle" aria-label={`Edit comment by ${author}`} onClick={() => setEditing(true)}>
              Edit
            </Button>
          )}
          {actions.remove && (
            <ConfirmButton
              label={`Delete comment by ${author}`}
              title="Delete this comment?"
              message="Its text leaves the conversation (the activity trail keeps it); its files stay on the ticket."
              confirmLabel="Delete"
              onConfirm={() => remove.mutateAsync(comment.id)}
            >
              Delete
            </ConfirmButton>
          )}
        </Group>
      )}
    </Paper>
  );
}

function Composer({ ticketKey }: { ticketKey: string }) {
  const [kind, setKind] = useState<Kind>("public");
  const [body, setBody] = useState("");
  const [dragging, setDragging] = useState(false);
  const add = useAddComment(ticketKey);
  const files = useComposerFiles(ticketKey);
  const ready = canSend(body, files.files);

  const send = () => {
    if (!canSend(body, files.files) || add.isPending) return;
    // The text is cleared only once the server has it (on an error it stays to retry), and
    // only if it is still what was sent: what was typed meanwhile is kept. The files sent
    // leave the composer; ones added meanwhile stay.
    const sent = body;
    const ids = files.ids;
    add.mutate(
      { kind, body: sent, ...(ids.length > 0 ? { attachments: ids } : {}) },
      {
        onSuccess: () => {
          setBody((current) => (current === sent ? "" : current));
          files.sent(ids);
        },
      },
    );
  };

  const attach = (picked: File[], named: (f: File) => string = (f) => f.name) =>
    files.add(picked.map((file) => ({ file, name: named(file) })));

  const dragOver = (e: DragEvent) => {
    if (!carriesFiles(e.dataTransfer)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    setDragging(true);
  };

  return (
    <Stack
      gap="xs"
      component="form"
      aria-label="Reply composer"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        send();
      }}
      onDragOver={dragOver}
      onDragLeave={(e: DragEvent) => {
        // Leaving for a child is not leaving the composer.
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(e: DragEvent) => {
        setDragging(false);
        const dropped = filesOf(e.dataTransfer);
        if (dropped.length === 0) return;
        e.preventDefault();
        attach(dropped);
      }}
      data-dragging={dragging || undefined}
      style={
        dragging
          ? { outline: "2px dashed var(--mantine-color-blue-5)", outlineOffset: 4, borderRadius: 4 }
          : undefined
      }
    >
      <SegmentedControl
        aria-label="Reply kind"
        value={kind}
        onChange={(v) => setKind(v as Kind)}
        data={[
          { label: "Public reply", value: "public" },
          { label: "Internal note", value: "internal" },
        ]}
        color={kind === "internal" ? "yellow" : undefined}
        style={{ alignSelf: "flex-start" }}
      />
      <Textarea
        label="Message"
        description={
          dragging
            ? "Drop the files to attach them."
            : kind === "internal"
              ? "Only staff see internal notes. Drop or paste files to attach them."
              : "The requester sees public replies. Markdown works; drop or paste files to attach them."
        }
        autosize
        minRows={3}
        maxRows={14}
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
        onPaste={(e) => {
          // A pasted screenshot (or copied files) is attached; pasted text is just text.
          const pasted = filesOf(e.clipboardData);
          if (pasted.length === 0) return;
          e.preventDefault();
          const now = new Date();
          attach(pasted, (f) => pastedName(f, now));
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            send();
          }
        }}
        styles={kind === "internal" ? { input: { background: "var(--mantine-color-yellow-0)" } } : undefined}
      />
      <ComposerFileList files={files.files} onRemove={files.remove} locked={add.isPending} />
      <ErrorAlert error={add.error} title="Not sent; your message is still here" />
      <Group justify="space-between">
        <Group gap="xs">
          <DraftReplyButton ticketKey={ticketKey} onDraft={(text) => { setKind("public"); setBody(text); }} />
          <AttachButton onFiles={(picked) => attach(picked)} />
        </Group>
        <Text size="xs" c="dimmed">
          {files.uploading ? (
            "Send waits for the uploads"
          ) : (
            <>
              <Kbd size="xs">Ctrl</Kbd> + <Kbd size="xs">Enter</Kbd> sends
            </>
          )}
        </Text>
        <Button type="submit" loading={add.isPending} disabled={!ready}>
          Send
        </Button>
      </Group>
    </Stack>
  );
}

export function Thread({ ticketKey, comments, users }: { ticketKey: string; comments: Comment[]; users: User[] }) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="thread-heading">
      <Stack gap="sm">
        <Title order={3} id="thread-heading">
          Conversation
        </Title>
        {comments.length === 0 && (
          <Text c="dimmed" size="sm">
            No replies or notes yet.
          </Text>
        )}
        {comments.map((c) => (
          <CommentItem key={c.id} ticketKey={ticketKey} comment={c} users={users} />
        ))}
        <Composer ticketKey={ticketKey} />
      </Stack>
    </Paper>
  );
}
