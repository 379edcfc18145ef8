// The conversation: public replies and internal notes, oldest first, and the composer.
// Internal notes are tinted yellow and labelled so nobody mistakes them for what the
// requester sees.
import { useState, type FormEvent } from "react";
import { DraftReplyButton } from "./DraftReplyButton";
import { Badge, Button, Group, Kbd, Paper, SegmentedControl, Stack, Text, Textarea, Title } from "@mantine/core";
import { ErrorAlert } from "../../components/Errors";
import { Markdown } from "../../components/Markdown";
import type { User } from "../../api/queries";
import { useAddComment, type Comment } from "./queries";

type Kind = "public" | "internal";

function authorOf(c: Comment, users: User[]): string {
  const staff = c.author_user_id != null ? users.find((u) => u.id === c.author_user_id) : undefined;
  return c.author_name || staff?.display_name || (c.author === "requester" ? "Requester" : "Staff");
}

function CommentItem({ comment, users }: { comment: Comment; users: User[] }) {
  const internal = comment.kind === "internal";
  const system = comment.kind === "system";
  return (
    <Paper
      withBorder
      p="sm"
      component="article"
      data-comment-kind={comment.kind}
      bg={internal ? "yellow.0" : system ? "gray.0" : undefined}
      style={internal ? { borderColor: "var(--mantine-color-yellow-4)" } : undefined}
    >
      <Group justify="space-between" mb={4} wrap="nowrap">
        <Group gap="xs">
          <Text fw={600} size="sm">
            {authorOf(comment, users)}
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
        </Group>
        <Text size="xs" c="dimmed" component="time" dateTime={comment.created_at}>
          {new Date(comment.created_at).toLocaleString()}
        </Text>
      </Group>
      <Markdown>{comment.body}</Markdown>
    </Paper>
  );
}

function Composer({ ticketKey }: { ticketKey: string }) {
  const [kind, setKind] = useState<Kind>("public");
  const [body, setBody] = useState("");
  const add = useAddComment(ticketKey);

  const send = () => {
    if (!body.trim() || add.isPending) return;
    // The text is cleared only once the server has it (on an error it stays to retry), and
    // only if it is still what was sent: what was typed meanwhile is kept.
    const sent = body;
    add.mutate({ kind, body: sent }, { onSuccess: () => setBody((current) => (current === sent ? "" : current)) });
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
          kind === "internal" ? "Only staff see internal notes." : "The requester sees public replies. Markdown works."
        }
        autosize
        minRows={3}
        maxRows={14}
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            send();
          }
        }}
        styles={kind === "internal" ? { input: { background: "var(--mantine-color-yellow-0)" } } : undefined}
      />
      <ErrorAlert error={add.error} title="Not sent; your message is still here" />
      <Group justify="space-between">
        <DraftReplyButton ticketKey={ticketKey} onDraft={(text) => { setKind("public"); setBody(text); }} />
        <Text size="xs" c="dimmed">
          <Kbd size="xs">Ctrl</Kbd> + <Kbd size="xs">Enter</Kbd> sends
        </Text>
        <Button type="submit" loading={add.isPending} disabled={!body.trim()}>
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
          <CommentItem key={c.id} comment={c} users={users} />
        ))}
        <Composer ticketKey={ticketKey} />
      </Stack>
    </Paper>
  );
}
