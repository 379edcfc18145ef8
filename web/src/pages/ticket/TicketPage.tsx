// The ticket screen: properties and the type's fields to edit, the conversation and
// the audit trail, with the SLA clocks, the requester and the ticket's files at the
// side; a closed Discord conversation's transcript and exit survey. Live updates
// refetch it in place (src/live.ts); a notice says who changed it.
import { useEffect, useState } from "react";
import { useParams } from "react-router";
import { Alert, Center, CloseButton, Grid, Group, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { ApiError } from "../../api/client";
import { useTeams, useTypeDetail, useTypeWorkflow, useUsers, type User } from "../../api/queries";
import { useMe } from "../../auth";
import { ErrorAlert, NotFound } from "../../components/Errors";
import { Markdown } from "../../components/Markdown";
import { onTicketChange } from "../../live";
import { AuditTimeline } from "./AuditTimeline";
import { DuplicateNotice } from "./DuplicateNotice";
import { FieldsPanel } from "./FieldsPanel";
import { FilesPanel } from "./FilesPanel";
import { SurveyPanel, TranscriptPanel } from "./DiscordPanels";
import { useComments, useEvents, useTicket, useTicketSla } from "./queries";
import { RequesterPanel } from "./RequesterPanel";
import { SlaPanel } from "./SlaPanel";
import { SummaryPanel } from "./SummaryPanel";
import { Thread } from "./Thread";
import { TriagePanel } from "./TriagePanel";
import { TicketProperties } from "./TicketProperties";
import { isActor } from "../../lib/people";
import { actorName } from "./ticketLogic";

/** "Updated by Ada" when someone else changes this ticket while it is open. */
function useUpdatedBy(key: string, users: User[]) {
  const me = useMe();
  const [actor, setActor] = useState<string | null>(null);
  useEffect(() => {
    setActor(null);
    return onTicketChange((change) => {
      if (change.key === key && !isActor(change.actor, me.user.email)) setActor(change.actor);
    });
  }, [key, me.user.email]);
  return { by: actor ? actorName(actor, users) : null, dismiss: () => setActor(null) };
}

function Description({ body }: { body: string }) {
  if (!body.trim()) return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="description-heading">
      <Title order={3} id="description-heading" mb="xs">
        Description
      </Title>
      <Markdown>{body}</Markdown>
    </Paper>
  );
}

export default function TicketPage() {
  const { key = "" } = useParams();
  const ticket = useTicket(key);
  const type = useTypeDetail(ticket.data?.type);
  const workflow = useTypeWorkflow(ticket.data?.type);
  const users = useUsers();
  const teams = useTeams();
  const comments = useComments(key);
  const events = useEvents(key);
  const sla = useTicketSla(key);
  const userList = users.data ?? [];
  const updatedBy = useUpdatedBy(key, userList);

  if (ticket.isPending) {
    return (
      <Center h="40vh">
        <Loader />
      </Center>
    );
  }
  if (ticket.error instanceof ApiError && ticket.error.status === 404) return <NotFound />;
  if (ticket.error || !ticket.data) return <ErrorAlert error={ticket.error} title="Could not load the ticket" />;

  const t = ticket.data;
  const fieldTitles = Object.fromEntries((type.data?.fields ?? []).map((f) => [f.name, f.title ?? f.name]));

  return (
    <Stack gap="md">
      {updatedBy.by && (
        <Alert color="blue" variant="light" role="status" py={6}>
          <Group justify="space-between">
            <Text size="sm">Updated by {updatedBy.by}</Text>
            <CloseButton size="sm" aria-label="Dismiss update notice" onClick={updatedBy.dismiss} />
          </Group>
        </Alert>
      )}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Stack gap="md">
            <DuplicateNotice ticket={t} />
            <TicketProperties
              ticket={t}
              workflow={workflow.data}
              users={userList}
              teams={teams.data ?? []}
              typeTeams={type.data?.definition.teams ?? []}
            />
            <Description body={t.body} />
            <SummaryPanel ticket={t} />
            {comments.error ? (
              <ErrorAlert error={comments.error} title="Could not load the conversation" />
            ) : (
              <Thread ticketKey={t.key} comments={comments.data ?? []} users={userList} />
            )}
            <TranscriptPanel ticketKey={t.key} />
            <AuditTimeline
              events={events.data ?? []}
              users={userList}
              workflow={workflow.data}
              fieldTitles={fieldTitles}
            />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack gap="md">
            <SlaPanel sla={sla.data} />
            <RequesterPanel ticket={t} />
            <TriagePanel ticket={t} />
            {/* The type's fields beside the conversation, as helpdesks put them: the
                thread stays in view while the agent fills them in. */}
            {type.data ? (
              <FieldsPanel ticket={t} type={type.data} />
            ) : (
              type.error && <ErrorAlert error={type.error} title="Could not load the ticket type" />
            )}
            <SurveyPanel ticketKey={t.key} />
            <FilesPanel ticketKey={t.key} users={userList} />
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
