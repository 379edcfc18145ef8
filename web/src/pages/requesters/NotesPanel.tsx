// Private staff notes on a requester: newest first, each with its author and time. Its
// author (or an admin) edits or deletes it; viewers only read. Requesters never see them.
import { useState, type FormEvent } from "react";
import { Button, Group, Paper, Stack, Text, Textarea, Title } from "@mantine/core";
import { isAdmin, useMe } from "../../auth";
import { ConfirmButton } from "../../components/ConfirmButton";
import { ErrorAlert } from "../../components/Errors";
import { formatWhen } from "../admin/people/when";
import { useAddNote, useDeleteNote, useEditNote, useRequesterNotes, type Note } from "./queries";

function NoteItem({ note, requesterId }: { note: Note; requesterId: number }) {
  const me = useMe();
  const edit = useEditNote(requesterId);
  const remove = useDeleteNote(requesterId);
  const [draft, setDraft] = useState<string | null>(null);
  const mine = note.author_id === me.user.id || isAdmin(me);
  const author = note.author_name ?? "A removed user";

  async function save(e: FormEvent) {
    e.preventDefault();
    if (draft === null) return;
    await edit.mutateAsync({ noteId: note.id, body: draft });
    setDraft(null);
  }

  return (
    <Paper withBorder p="sm" component="article" bg="yellow.0" aria-label={`Note by ${author}`}>
      <Group justify="space-between" mb={4} wrap="nowrap">
        <Text size="sm" fw={600}>
          {author}
        </Text>
        <Text size="xs" c="dimmed">
          {formatWhen(note.created_at)}
          {note.updated_by != null && ` (edited ${formatWhen(note.updated_at)})`}
        </Text>
      </Group>
      {draft === null ? (
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {note.body}
        </Text>
      ) : (
        <form onSubmit={save}>
          <Stack gap="xs">
            <Textarea
              label="Edit note"
              value={draft}
              onChange={(e) => setDraft(e.currentTarget.value)}
              autosize
              minRows={2}
            />
            {edit.error && <ErrorAlert error={edit.error} title="Could not save the note" />}
            <Group gap="xs">
              <Button type="submit" size="xs" loading={edit.isPending} disabled={!draft.trim()}>
                Save note
              </Button>
              <Button size="xs" variant="default" onClick={() => setDraft(null)}>
                Cancel
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      {mine && draft === null && (
        <Group gap="xs" mt="xs">
          <Button size="xs" variant="subtle" onClick={() => setDraft(note.body)} aria-label={`Edit note by ${author}`}>
            Edit
          </Button>
          <ConfirmButton
            label={`Delete note by ${author}`}
            title="Delete this note?"
            message="The note is removed for everyone; the audit log keeps what it said."
            confirmLabel="Delete"
            onConfirm={() => remove.mutateAsync(note.id)}
          >
            Delete
          </ConfirmButton>
        </Group>
      )}
    </Paper>
  );
}

export function NotesPanel({ requesterId }: { requesterId: number }) {
  const me = useMe();
  const notes = useRequesterNotes(requesterId);
  const add = useAddNote(requesterId);
  const [body, setBody] = useState("");
  const canWrite = me.user.role !== "viewer";

  async function submit(e: FormEvent) {
    e.preventDefault();
    await add.mutateAsync(body);
    setBody("");
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="notes-heading">
      <Stack gap="sm">
        <Title order={3} id="notes-heading">
          Staff notes
        </Title>
        <Text size="xs" c="dimmed">
          Private to staff who can see this requester; the requester never sees them.
        </Text>
        {canWrite && (
          <form onSubmit={submit}>
            <Stack gap="xs">
              <Textarea
                label="New note"
                placeholder="e.g. prefers a phone call; key contact at Acme"
                value={body}
                onChange={(e) => setBody(e.currentTarget.value)}
                autosize
                minRows={2}
              />
              {add.error && <ErrorAlert error={add.error} title="Could not add the note" />}
              <Group>
                <Button type="submit" size="xs" loading={add.isPending} disabled={!body.trim()}>
                  Add note
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {notes.error ? (
          <ErrorAlert error={notes.error} title="Could not load the notes" />
        ) : (notes.data ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">
            {notes.isPending ? "Loading..." : "No notes yet."}
          </Text>
        ) : (
          (notes.data ?? []).map((n) => <NoteItem key={n.id} note={n} requesterId={requesterId} />)
        )}
      </Stack>
    </Paper>
  );
}
