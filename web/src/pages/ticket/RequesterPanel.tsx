// Who asked, and what else they asked: the requester's other tickets, linked.
import { Anchor, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import type { Ticket } from "../../api/client";
import { StatusBadge } from "../../components/badges";
import { useRequesterTickets } from "./queries";
import { ticketPath } from "../../lib/ticketPath";

export function RequesterPanel({ ticket }: { ticket: Ticket }) {
  const requester = ticket.requester ?? null;
  const others = useRequesterTickets(requester?.id);
  const list = (others.data?.items ?? []).filter((t) => t.key !== ticket.key).slice(0, 20);
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
              <Text fw={600}>{requester.name || requester.email || `Requester ${requester.id}`}</Text>
              {requester.email && (
                <Text size="sm" c="dimmed">
                  {requester.email}
                </Text>
              )}
              {requester.organization && <Text size="sm">{requester.organization}</Text>}
            </Stack>
            <Title order={4} mt="xs">
              Other tickets
            </Title>
            {others.isPending ? (
              <Text size="sm" c="dimmed">
                Loading...
              </Text>
            ) : list.length === 0 ? (
              <Text size="sm" c="dimmed">
                No other tickets from this requester.
              </Text>
            ) : (
              <Stack gap={4} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
                {list.map((t) => (
                  <li key={t.key}>
                    <Group gap="xs" wrap="nowrap">
                      <StatusBadge status={t.status} category={t.status_category} />
                      <Anchor component={Link} to={ticketPath(t.key)} size="sm" lineClamp={1}>
                        {t.key} {t.title}
                      </Anchor>
                    </Group>
                  </li>
                ))}
              </Stack>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
