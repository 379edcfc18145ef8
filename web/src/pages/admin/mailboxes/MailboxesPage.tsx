// Inbound email: mailboxes whose mail becomes tickets and comments. Admins create and
// edit them (the IMAP password is write-only), test the connection, check now, and read
// each one's log of recent messages and what became of them.
import { useState } from "react";
import { Anchor, Badge, Button, Code, Group, Stack, Table, Text } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap, type Mailbox } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { EditDeleteButtons } from "../../../components/EditDeleteButtons";
import { ErrorAlert } from "../../../components/Errors";
import { FormDrawer } from "../../../components/FormDrawer";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { useDrawer } from "../../../lib/useDrawer";
import { MailboxForm } from "./MailboxForm";

type Editing = { kind: "new" } | { kind: "edit"; mailbox: Mailbox };

const OUTCOME_COLOR: Record<string, string> = {
  created: "green",
  threaded: "blue",
  noise: "gray",
  duplicate: "gray",
  rate_limited: "orange",
  refused: "red",
  failed: "red",
};

export function MailboxStatus({ m }: { m: Mailbox }) {
  return (
    <Stack gap={2}>
      <Badge color={m.enabled ? (m.last_error ? "red" : "green") : "gray"} variant="light" tt="none">
        {m.enabled ? (m.last_error ? "failing" : "on") : "off"}
      </Badge>
      {m.last_error && (
        <Text size="xs" c="red" style={{ maxWidth: 280 }}>
          {m.last_error}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {m.last_checked_at ? `checked ${new Date(m.last_checked_at).toLocaleString()}` : "not checked yet"}
      </Text>
    </Stack>
  );
}

function MailboxLog({ m }: { m: Mailbox }) {
  const log = useQuery({
    queryKey: keys.mailboxLog(m.id),
    queryFn: () => unwrap(api.GET("/mailboxes/{id}/log", { params: { path: { id: m.id } } })),
  });
  return (
    <Stack gap="xs">
      <ErrorAlert error={log.error} />
      <Table aria-label={`Log of mailbox ${m.name}`} striped>
        <TableHead columns={["Received", "From", "Subject", "Outcome", "Ticket"]} />
        <Table.Tbody>
          {log.data?.items.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>
                <Text size="xs">{new Date(e.received_at).toLocaleString()}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{e.from_address ?? "—"}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{e.subject ?? "—"}</Text>
              </Table.Td>
              <Table.Td>
                <Badge size="sm" variant="light" tt="none" color={OUTCOME_COLOR[e.outcome] ?? "gray"}>
                  {e.outcome.replace("_", " ")}
                </Badge>
                {e.detail && (
                  <Text size="xs" c="dimmed">
                    {e.detail}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {e.ticket_key ? (
                  <Anchor component={Link} to={`/tickets/${e.ticket_key}`} size="xs">
                    {e.ticket_key}
                  </Anchor>
                ) : (
                  "—"
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {log.data?.items.length === 0 && (
        <Text size="sm" c="dimmed">
          No messages yet.
        </Text>
      )}
    </Stack>
  );
}

function RowActions({ m, onEdit, onLog }: { m: Mailbox; onEdit(): void; onLog(): void }) {
  const refresh = useInvalidate(keys.mailboxes, keys.mailboxLog(m.id));
  const path = { params: { path: { id: m.id } } };
  const test = useMutation({ mutationFn: () => unwrap(api.POST("/mailboxes/{id}/test", path)) });
  const check = useMutation({
    mutationFn: () => unwrap(api.POST("/mailboxes/{id}/check", path)),
    onSettled: refresh,
  });
  const remove = async () => {
    await unwrap(api.DELETE("/mailboxes/{id}", path));
    await refresh();
  };
  const error = test.error ?? check.error;
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap">
        <Button size="xs" variant="light" loading={test.isPending} aria-label={`Test mailbox ${m.name}`} onClick={() => test.mutate()}>
          Test
        </Button>
        <Button size="xs" variant="light" loading={check.isPending} aria-label={`Check mailbox ${m.name} now`} onClick={() => check.mutate()}>
          Check now
        </Button>
        <Button size="xs" variant="default" aria-label={`Log of mailbox ${m.name}`} onClick={onLog}>
          Log
        </Button>
        <EditDeleteButtons
          editLabel={`Edit mailbox ${m.name}`}
          onEdit={onEdit}
          deleteLabel={`Delete mailbox ${m.name}`}
          deleteTitle={`Delete ${m.name}?`}
          deleteMessage="Its mail is no longer fetched. The tickets it made and their email threads stay."
          onDelete={remove}
        />
      </Group>
      {test.data && (
        <Text size="xs" c={test.data.ok ? "green" : "red"} role="status">
          {test.data.ok ? "Connected, logged in and found the folder." : `Failed: ${test.data.error}`}
        </Text>
      )}
      {check.data && (
        <Text size="xs" c={check.data.ok ? undefined : "red"} role="status">
          {check.data.ok ? `Fetched ${check.data.fetched} message(s).` : `Failed: ${check.data.error}`}
        </Text>
      )}
      {error && (
        <Text size="xs" c="red" role="alert">
          {(error as Error).message}
        </Text>
      )}
    </Stack>
  );
}

export default function MailboxesPage() {
  const list = useQuery({ queryKey: keys.mailboxes, queryFn: () => unwrap(api.GET("/mailboxes")) });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;
  const [logOf, setLogOf] = useState<Mailbox | null>(null);

  return (
    <Stack>
      <PageHeader title="Mailboxes">
        <Button onClick={() => drawer.open({ kind: "new" })}>New mailbox</Button>
      </PageHeader>
      <Text size="sm" c="dimmed">
        Docket fetches mail from these IMAP mailboxes: new mail opens tickets, answers become comments on their ticket,
        automatic replies and bounces become notes that are never answered. An MTA can also hand mail over with{" "}
        <Code>docket mail pipe --mailbox NAME</Code>, and a provider can post it to the mailbox's raw endpoint.
      </Text>
      <ErrorAlert error={list.error} />
      <Table aria-label="Mailboxes" striped highlightOnHover>
        <TableHead columns={["Name", "Server", "Ticket type", "Status"]} actions />
        <Table.Tbody>
          {list.data?.items.map((m) => (
            <Table.Tr key={m.id} data-mailbox-id={m.id}>
              <Table.Td>
                <Text fw={500} size="sm">
                  {m.name}
                </Text>
                <Text size="xs" c="dimmed">
                  {m.address}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {m.imap_username}@{m.imap_host}:{m.imap_port}
                </Text>
                <Text size="xs" c="dimmed">
                  {m.folder}
                  {m.move_to ? ` → ${m.move_to}` : ""} · {m.use_idle ? "IDLE" : `every ${m.poll_seconds} s`}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{m.ticket_type}</Text>
              </Table.Td>
              <Table.Td>
                <MailboxStatus m={m} />
              </Table.Td>
              <Table.Td>
                <RowActions m={m} onEdit={() => drawer.open({ kind: "edit", mailbox: m })} onLog={() => setLogOf(m)} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data?.items.length === 0 && <Text c="dimmed">No mailboxes yet.</Text>}
      {logOf && (
        <Stack gap="xs">
          <Group justify="space-between">
            <Text fw={500}>Recent messages of {logOf.name}</Text>
            <Button size="xs" variant="subtle" onClick={() => setLogOf(null)}>
              Close log
            </Button>
          </Group>
          <MailboxLog m={logOf} />
        </Stack>
      )}
      <FormDrawer drawer={drawer} size="lg" title={editing?.kind === "edit" ? `Edit ${editing.mailbox.name}` : "New mailbox"}>
        {editing && (
          <MailboxForm
            key={drawer.seq}
            mailbox={editing.kind === "edit" ? editing.mailbox : undefined}
            onDone={() => drawer.close()}
            onCancel={() => drawer.close()}
          />
        )}
      </FormDrawer>
    </Stack>
  );
}
