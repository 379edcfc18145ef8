// A requester's profile: who they are on every channel, how often they come and about
// what, their tickets, and the staff notes about them. Counts and topics cover the
// tickets the signed-in user may see.
import { useState } from "react";
import { Anchor, Badge, Button, Center, Grid, Group, Loader, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { ApiError } from "../../api/client";
import { useMe } from "../../auth";
import { ErrorAlert, NotFound } from "../../components/Errors";
import { PageHeader } from "../../components/PageHeader";
import { StatusBadge } from "../../components/badges";
import { ticketPath } from "../../lib/ticketPath";
import { formatWhen } from "../admin/people/when";
import { useRequesterTickets } from "../ticket/queries";
import { MergeForm } from "./MergeForm";
import { NotesPanel } from "./NotesPanel";
import { RequesterEditForm } from "./RequesterEditForm";
import { requesterName, useRequesterProfile, type RequesterProfile } from "./queries";

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </Paper>
  );
}

function Topics({ profile }: { profile: RequesterProfile }) {
  const groups: [string, { name: string; count: number }[]][] = [
    ["Types", profile.topics.types],
    ["Tags", profile.topics.tags],
    ["Summary topics", profile.topics.summaries],
  ];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="topics-heading">
      <Stack gap="xs">
        <Title order={3} id="topics-heading">
          Recent topics
        </Title>
        {groups.map(([label, counts]) => (
          <Group key={label} gap={6}>
            <Text size="sm" w={120} c="dimmed">
              {label}
            </Text>
            {counts.length === 0 ? (
              <Text size="sm" c="dimmed">
                none
              </Text>
            ) : (
              counts.slice(0, 10).map((c) => (
                <Badge key={c.name} variant="light" color="gray">
                  {c.name} x{c.count}
                </Badge>
              ))
            )}
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}

function TheirTickets({ id }: { id: number }) {
  const tickets = useRequesterTickets(id);
  const list = tickets.data?.items ?? [];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="tickets-heading">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} id="tickets-heading">
            Tickets
          </Title>
          <Anchor component={Link} to={`/queue?requester_id=${id}`} size="sm">
            Open in the queue
          </Anchor>
        </Group>
        {tickets.error ? (
          <ErrorAlert error={tickets.error} title="Could not load their tickets" />
        ) : list.length === 0 ? (
          <Text size="sm" c="dimmed">
            {tickets.isPending ? "Loading..." : "No tickets you can see."}
          </Text>
        ) : (
          <Stack gap={4} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
            {list.slice(0, 20).map((t) => (
              <li key={t.key}>
                <Group gap="xs" wrap="nowrap">
                  <StatusBadge status={t.status} category={t.status_category} />
                  <Anchor component={Link} to={ticketPath(t.key)} size="sm" lineClamp={1}>
                    {t.key} {t.title}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {formatWhen(t.created_at)}
                  </Text>
                </Group>
                {t.summary && (
                  <Text size="xs" c="dimmed" lineClamp={2} pl="xs">
                    {t.summary.written_by.kind === "ai" ? "AI summary: " : "Summary: "}
                    {t.summary.issue}
                    {t.summary.resolution ? ` - ${t.summary.resolution}` : ""}
                  </Text>
                )}
              </li>
            ))}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

export default function RequesterPage() {
  const { id = "" } = useParams();
  const requesterId = Number(id);
  const me = useMe();
  const profile = useRequesterProfile(requesterId);
  const [editing, setEditing] = useState(false);
  if (!Number.isInteger(requesterId)) return <NotFound />;
  if (profile.isPending) {
    return (
      <Center h="40vh">
        <Loader />
      </Center>
    );
  }
  if (profile.error instanceof ApiError && profile.error.status === 404) return <NotFound />;
  if (profile.error || !profile.data) return <ErrorAlert error={profile.error} title="Could not load the requester" />;
  const p = profile.data;
  return (
    <Stack gap="md">
      <PageHeader title={requesterName(p)}>
        <Group gap="xs">
          {p.organization && <Badge variant="light">{p.organization}</Badge>}
          {me.user.role !== "viewer" && !editing && (
            <Button size="xs" variant="light" onClick={() => setEditing(true)}>
              Edit details
            </Button>
          )}
        </Group>
      </PageHeader>
      {editing && <RequesterEditForm profile={p} onDone={() => setEditing(false)} />}
      {p.id !== requesterId && (
        <Text size="sm" c="dimmed" role="status">
          Requester #{requesterId} was merged into this record.
        </Text>
      )}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Stack gap="md">
            <SimpleGrid cols={{ base: 2, sm: 4 }}>
              <Stat label="Tickets" value={p.ticket_count} />
              <Stat label="Open" value={p.open_count} />
              <Stat label="First seen" value={formatWhen(p.first_seen)} />
              <Stat label="Last seen" value={formatWhen(p.last_seen)} />
            </SimpleGrid>
            <Paper withBorder p="md" component="section" aria-labelledby="identities-heading">
              <Stack gap={4}>
                <Title order={3} id="identities-heading">
                  Identities
                </Title>
                {p.identities.map((i) => (
                  <Group key={`${i.kind}:${i.value}`} gap="xs">
                    <Badge variant="outline" size="sm">
                      {i.kind}
                    </Badge>
                    <Text size="sm">
                      {i.value}
                      {i.label ? ` (${i.label})` : ""}
                    </Text>
                  </Group>
                ))}
              </Stack>
            </Paper>
            <Topics profile={p} />
            <TheirTickets id={p.id} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack gap="md">
            <NotesPanel requesterId={p.id} />
            {me.user.role !== "viewer" && <MergeForm target={p} />}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
