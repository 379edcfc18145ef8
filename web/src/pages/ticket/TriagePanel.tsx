// The AI's triage suggestion for a ticket, with Apply while it is only suggested.
import { useState } from "react";
import { Badge, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { api, unwrap, type Ticket } from "../../api/client";
import { keys } from "../../api/keys";
import { useInvalidate } from "../../api/useInvalidate";
import { ErrorAlert } from "../../components/Errors";

export function TriagePanel({ ticket }: { ticket: Ticket }) {
  const refresh = useInvalidate(keys.ticket(ticket.key));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const t = ticket.triage;
  if (!t) return null;
  const apply = async () => {
    setPending(true);
    setError(null);
    try {
      await unwrap(api.POST("/tickets/{key}/triage/apply", { params: { path: { key: ticket.key } } }));
      await refresh();
    } catch (e) {
      setError(e);
    } finally {
      setPending(false);
    }
  };
  return (
    <Paper withBorder p="md" component="section" aria-label="AI triage">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={5}>AI triage</Title>
          <Badge color={t.applied_at ? "green" : "blue"}>{t.applied_at ? `applied by ${t.applied_by ?? "?"}` : "suggested"}</Badge>
        </Group>
        {t.priority && <Text size="sm">Priority: {t.priority}</Text>}
        {t.team && <Text size="sm">Team: {t.team}</Text>}
        {t.tags && t.tags.length > 0 && <Text size="sm">Tags: {t.tags.join(", ")}</Text>}
        {t.skills && t.skills.length > 0 && <Text size="sm">Skills: {t.skills.join(", ")}</Text>}
        {t.reason && (
          <Text size="sm" c="dimmed">
            {t.reason}
          </Text>
        )}
        <ErrorAlert error={error} title="Not applied" />
        {!t.applied_at && (
          <Button size="xs" onClick={apply} loading={pending} style={{ alignSelf: "flex-start" }}>
            Apply
          </Button>
        )}
      </Stack>
    </Paper>
  );
}
