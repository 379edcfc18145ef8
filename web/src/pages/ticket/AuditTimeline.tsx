// The ticket's audit trail as a timeline of sentences ("Ada changed status from new to
// open"), oldest first like the thread.
import { Paper, Stack, Text, Timeline, Title } from "@mantine/core";
import type { User, Workflow } from "../../api/queries";
import type { AuditEvent } from "./queries";
import { describeEvent } from "./ticketLogic";

interface Props {
  events: AuditEvent[];
  users: User[];
  workflow?: Workflow;
  fieldTitles: Record<string, string>;
}

export function AuditTimeline({ events, users, workflow, fieldTitles }: Props) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="activity-heading">
      <Stack gap="sm">
        <Title order={3} id="activity-heading">
          Activity
        </Title>
        {events.length === 0 ? (
          <Text c="dimmed" size="sm">
            Nothing recorded yet.
          </Text>
        ) : (
          <Timeline active={events.length - 1} bulletSize={14} lineWidth={2}>
            {events.map((e) => (
              <Timeline.Item key={e.id} data-audit-field={e.field}>
                <Text size="sm">{describeEvent(e, { users, workflow, fieldTitles })}</Text>
                <Text size="xs" c="dimmed" component="time" dateTime={e.at}>
                  {new Date(e.at).toLocaleString()}
                </Text>
              </Timeline.Item>
            ))}
          </Timeline>
        )}
      </Stack>
    </Paper>
  );
}
