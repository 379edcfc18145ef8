// The ticket's summary: what the issue was, how it was resolved, what is still open.
// Written by the AI when the ticket is solved or closed (marked so), or by staff; staff
// edit either, and an edited AI summary stays marked as AI-written, edited by them.
import { useState, type FormEvent } from "react";
import { Badge, Button, Group, List, Paper, Select, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import type { Schemas, Ticket } from "../../api/client";
import { useMe } from "../../auth";
import { ErrorAlert } from "../../components/Errors";
import { formatWhen } from "../admin/people/when";
import { useClearSummary, usePutSummary } from "./queries";

type Summary = Schemas["TicketSummary"];
type SummaryInput = Schemas["SummaryInput"];
const SENTIMENTS = ["positive", "neutral", "negative", "frustrated"] as const;

/** The form's text fields from a summary (or empty), and back. */
export function summaryDraft(s: Summary | null | undefined) {
  return {
    issue: s?.issue ?? "",
    resolution: s?.resolution ?? "",
    openPoints: (s?.open_points ?? []).join("\n"),
    sentiment: s?.sentiment ?? null,
    nextBestAction: s?.next_best_action ?? "",
    topics: (s?.topics ?? []).join(", "),
  };
}

export type SummaryDraft = ReturnType<typeof summaryDraft>;

export function summaryInput(d: SummaryDraft): SummaryInput {
  const lines = (text: string, sep: RegExp) =>
    text
      .split(sep)
      .map((l) => l.trim())
      .filter(Boolean);
  return {
    issue: d.issue,
    resolution: d.resolution,
    open_points: lines(d.openPoints, /\n/),
    ...(d.sentiment ? { sentiment: d.sentiment as Schemas["Sentiment"] } : {}),
    next_best_action: d.nextBestAction,
    topics: lines(d.topics, /,/),
  };
}

function Authorship({ s }: { s: Summary }) {
  return (
    <Group gap={6}>
      {s.written_by.kind === "ai" ? (
        <Badge variant="light" color="violet" size="sm">
          AI-written{s.written_by.kind === "ai" && "model" in s.written_by ? ` (${s.written_by.model})` : ""}
        </Badge>
      ) : (
        <Badge variant="light" color="gray" size="sm">
          Written by staff
        </Badge>
      )}
      <Text size="xs" c="dimmed">
        {formatWhen(s.written_at)}
        {s.edited_by && `, edited by ${s.edited_by} ${formatWhen(s.edited_at)}`}
      </Text>
    </Group>
  );
}

export function SummaryPanel({ ticket }: { ticket: Ticket }) {
  const me = useMe();
  const put = usePutSummary(ticket.key);
  const clear = useClearSummary(ticket.key);
  const [draft, setDraft] = useState<SummaryDraft | null>(null);
  const s = ticket.summary ?? null;
  const canWrite = me.user.role !== "viewer";
  const set = (patch: Partial<SummaryDraft>) => setDraft((d) => (d ? { ...d, ...patch } : d));

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    await put.mutateAsync({ version: ticket.version, summary: summaryInput(draft) });
    setDraft(null);
  }

  if (!s && !draft && !canWrite) return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="summary-heading">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} id="summary-heading">
            Summary
          </Title>
          {canWrite && !draft && (
            <Group gap="xs">
              <Button size="xs" variant="light" onClick={() => setDraft(summaryDraft(s))}>
                {s ? "Edit summary" : "Write a summary"}
              </Button>
              {s && (
                <Button size="xs" variant="subtle" color="red" loading={clear.isPending} onClick={() => clear.mutate(ticket.version)}>
                  Remove
                </Button>
              )}
            </Group>
          )}
        </Group>
        {clear.error && <ErrorAlert error={clear.error} title="Could not remove the summary" />}
        {draft ? (
          <form onSubmit={save}>
            <Stack gap="xs">
              <Textarea label="Issue" required value={draft.issue} onChange={(e) => set({ issue: e.currentTarget.value })} autosize />
              <Textarea label="Resolution" value={draft.resolution} onChange={(e) => set({ resolution: e.currentTarget.value })} autosize />
              <Textarea
                label="Open points (one per line)"
                value={draft.openPoints}
                onChange={(e) => set({ openPoints: e.currentTarget.value })}
                autosize
              />
              <Select
                label="Sentiment"
                data={[...SENTIMENTS]}
                value={draft.sentiment}
                onChange={(v) => set({ sentiment: v as SummaryDraft["sentiment"] })}
                clearable
              />
              <TextInput
                label="Next best action"
                value={draft.nextBestAction}
                onChange={(e) => set({ nextBestAction: e.currentTarget.value })}
              />
              <TextInput label="Topics (comma separated)" value={draft.topics} onChange={(e) => set({ topics: e.currentTarget.value })} />
              {put.error && <ErrorAlert error={put.error} title="Could not save the summary" />}
              <Group gap="xs">
                <Button type="submit" size="xs" loading={put.isPending}>
                  Save summary
                </Button>
                <Button size="xs" variant="default" onClick={() => setDraft(null)}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        ) : !s ? (
          <Text size="sm" c="dimmed">
            No summary yet. With AI configured, one is written when the ticket is solved or closed.
          </Text>
        ) : (
          <Stack gap={6}>
            <Authorship s={s} />
            <Text size="sm">
              <b>Issue:</b> {s.issue}
            </Text>
            {s.resolution && (
              <Text size="sm">
                <b>Resolution:</b> {s.resolution}
              </Text>
            )}
            {(s.open_points ?? []).length > 0 && (
              <>
                <Text size="sm" fw={700}>
                  Open points
                </Text>
                <List size="sm">
                  {(s.open_points ?? []).map((p) => (
                    <List.Item key={p}>{p}</List.Item>
                  ))}
                </List>
              </>
            )}
            {s.next_best_action && (
              <Text size="sm">
                <b>Next best action:</b> {s.next_best_action}
              </Text>
            )}
            <Group gap={4}>
              {s.sentiment && <Badge variant="outline" size="sm">{s.sentiment}</Badge>}
              {(s.topics ?? []).map((t) => (
                <Badge key={t} variant="light" color="gray" size="sm">
                  {t}
                </Badge>
              ))}
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
