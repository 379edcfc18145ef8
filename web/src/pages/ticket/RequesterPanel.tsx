// Who asked, and what staff should know when they come back: their profile one click
// away, and the context card (previous tickets with their summaries, the open points of
// the last summary, the latest staff notes).
import { Anchor, Badge, Group, List, Paper, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import type { Ticket } from "../../api/client";
import { StatusBadge } from "../../components/badges";
import { ErrorAlert } from "../../components/Errors";
import { ticketPath } from "../../lib/ticketPath";
import { requesterName, useRequesterCard } from "../requesters/queries";

export function RequesterPanel({ ticket }: { ticket: Ticket }) {
  const requester = ticket.requester ?? null;
  const card = useRequesterCard(requester?.id, ticket.key);
  const c = card.data;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="requester-heading">
      <Stack gap="xs">
        <Title order={3} id="requester-heading">
          Requester
        </Title>
        {!requester ? (
          <Text size="sm" c="dimmed">
            No requester recorded.
          </Text>
        ) : (
          <>
            <Stack gap={0}>
              <Anchor component={Link} to={`/requesters/${requester.id}`} fw={600}>
                {requesterName(requester)}
              </Anchor>
              {requester.email && (
                <Text size="sm" c="dimmed">
                  {requester.email}
                </Text>
              )}
              {requester.organization && <Text size="sm">{requester.organization}</Text>}
              {c && (
                <Text size="xs" c="dimmed">
                  {c.ticket_count} tickets, {c.open_count} open
                </Text>
              )}
            </Stack>
            {card.error && <ErrorAlert error={card.error} title="Could not load what we know about them" />}
            {c && c.open_points.length > 0 && (
              <Stack gap={2}>
                <Title order={4}>Open points</Title>
                <Text size="xs" c="dimmed">
                  From the summary of {c.open_points_from}
                </Text>
                <List size="sm">
                  {c.open_points.map((p) => (
                    <List.Item key={p}>{p}</List.Item>
                  ))}
                </List>
              </Stack>
            )}
            {c && c.notes.length > 0 && (
              <Stack gap={4}>
                <Title order={4}>Staff notes</Title>
                {c.notes.map((n) => (
                  <Paper key={n.id} p={6} bg="yellow.0">
                    <Text size="sm" style={{ whiteSpace: "pre-wrap" }} lineClamp={4}>
                      {n.body}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {n.author_name ?? "A removed user"}
                    </Text>
                  </Paper>
                ))}
              </Stack>
            )}
            <Title order={4} mt="xs">
              Previous tickets
            </Title>
            {card.isPending ? (
              <Text size="sm" c="dimmed">
                Loading...
              </Text>
            ) : !c || c.previous.length === 0 ? (
              <Text size="sm" c="dimmed">
                No other tickets from this requester.
              </Text>
            ) : (
              <Stack gap={6} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
                {c.previous.map((t) => (
                  <li key={t.key}>
                    <Group gap="xs" wrap="nowrap">
                      <StatusBadge status={t.status} category={t.status_category} />
                      <Anchor component={Link} to={ticketPath(t.key)} size="sm" lineClamp={1}>
                        {t.key} {t.title}
                      </Anchor>
                    </Group>
                    {t.summary && (
                      <Text size="xs" c="dimmed" lineClamp={2}>
                        {t.summary.written_by.kind === "ai" && (
                          <Badge size="xs" variant="light" mr={4}>
                            AI
                          </Badge>
                        )}
                        {t.summary.issue}
                        {t.summary.resolution ? ` - ${t.summary.resolution}` : ""}
                      </Text>
                    )}
                  </li>
                ))}
              </Stack>
            )}
            <Anchor component={Link} to={`/requesters/${requester.id}`} size="sm">
              Profile and notes
            </Anchor>
          </>
        )}
      </Stack>
    </Paper>
  );
}
