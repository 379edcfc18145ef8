// What a closed Discord conversation leaves on its ticket: the channel's transcript
// (collapsed until asked for: it may be long), messages in order with their authors, a
// Staff or Bot badge, times and files (copies uploaded to the ticket, shown with the
// thread's attachment components); and the requester's exit survey (stars and a comment).
// A ticket without them shows neither.
import { useState } from "react";
import { Badge, Blockquote, Button, Collapse, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { IconStar, IconStarFilled } from "@tabler/icons-react";
import { ErrorAlert } from "../../components/Errors";
import { Markdown } from "../../components/Markdown";
import { AttachmentList } from "./AttachmentView";
import { stars, transcriptFiles, when } from "./conversation";
import { DiscordBadge } from "./DiscordBadge";
import { useSurvey, useTicketAttachments, useTranscript, type TranscriptMessage } from "./queries";
import type { Attachment } from "../../api/client";

function MessageItem({ message: m, files }: { message: TranscriptMessage; files: Attachment[] }) {
  const { found, missing } = transcriptFiles(m.attachments, files);
  return (
    <Paper p="xs" component="article" aria-label={`${m.author_name}, ${when(m.created_at)}`} data-message-id={m.id} bg={m.staff ? "blue.0" : undefined}>
      <Group justify="space-between" wrap="nowrap" align="flex-start" mb={2}>
        <Group gap={6}>
          <Text fw={600} size="sm">
            {m.author_name}
          </Text>
          {m.staff && (
            <Badge size="xs" color="blue" variant="light">
              Staff
            </Badge>
          )}
          {m.bot && (
            <Badge size="xs" color="gray" variant="light">
              Bot
            </Badge>
          )}
        </Group>
        <Group gap={6} wrap="nowrap">
          {m.edited_at && (
            <Text size="xs" c="dimmed" fs="italic">
              edited <time dateTime={m.edited_at}>{when(m.edited_at)}</time>
            </Text>
          )}
          <Text size="xs" c="dimmed" component="time" dateTime={m.created_at}>
            {when(m.created_at)}
          </Text>
        </Group>
      </Group>
      {(m.content ?? "").trim() !== "" && <Markdown>{m.content!}</Markdown>}
      {(m.embeds ?? []).map((e, i) => (
        <Blockquote key={i} p="xs" mt={4} color="indigo" iconSize={0}>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {e}
          </Text>
        </Blockquote>
      ))}
      <AttachmentList attachments={found} label="Message files" />
      {missing > 0 && (
        <Text size="xs" c="dimmed" fs="italic">
          {missing === 1 ? "1 file was removed from the ticket" : `${missing} files were removed from the ticket`}
        </Text>
      )}
    </Paper>
  );
}

export function TranscriptPanel({ ticketKey }: { ticketKey: string }) {
  const transcript = useTranscript(ticketKey);
  const files = useTicketAttachments(ticketKey);
  const [open, setOpen] = useState(false);
  if (transcript.error) return <ErrorAlert error={transcript.error} title="Could not load the transcript" />;
  const t = transcript.data;
  if (!t || !Array.isArray(t.messages)) return null;
  const count = t.messages.length;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="transcript-heading">
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">
            <Title order={3} id="transcript-heading">
              Transcript
            </Title>
            <DiscordBadge />
          </Group>
          <Button variant="light" size="xs" aria-expanded={open} aria-controls="transcript-messages" onClick={() => setOpen((o) => !o)}>
            {open ? "Hide transcript" : "Show transcript"}
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          #{t.channel_name} · {count === 1 ? "1 message" : `${count} messages`} · saved {when(t.saved_at)}
        </Text>
        <Collapse expanded={open}>
          <Stack gap={4} id="transcript-messages" role="feed" aria-label="Transcript messages">
            {count === 0 && (
              <Text size="sm" c="dimmed">
                The channel had no messages.
              </Text>
            )}
            {open && t.messages.map((m) => <MessageItem key={m.id} message={m} files={files.data ?? []} />)}
          </Stack>
        </Collapse>
      </Stack>
    </Paper>
  );
}

export function SurveyPanel({ ticketKey }: { ticketKey: string }) {
  const survey = useSurvey(ticketKey);
  if (survey.error) return <ErrorAlert error={survey.error} title="Could not load the survey" />;
  const s = survey.data;
  if (!s || typeof s.rating !== "number") return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="survey-heading">
      <Stack gap="xs">
        <Title order={3} id="survey-heading">
          Survey
        </Title>
        <Group gap={2} role="img" aria-label={`Rated ${s.rating} out of 5`}>
          {stars(s.rating).map((filled, i) =>
            filled ? (
              <IconStarFilled key={i} size={20} color="var(--mantine-color-yellow-5)" aria-hidden />
            ) : (
              <IconStar key={i} size={20} color="var(--mantine-color-gray-5)" aria-hidden />
            ),
          )}
        </Group>
        {s.comment.trim() !== "" ? (
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            “{s.comment}”
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            No comment.
          </Text>
        )}
        <Text size="xs" c="dimmed">
          Answered <time dateTime={s.created_at}>{when(s.created_at)}</time>
        </Text>
      </Stack>
    </Paper>
  );
}
