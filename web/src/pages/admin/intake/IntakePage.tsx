// Inbound webhooks: sources that turn another system's signed POSTs into tickets. Admins
// create them here (the secret is shown once, with the URL and a curl example that signs
// a test body), switch them on and off, rotate secrets, and read each source's delivery
// log to debug an integration.
import { useState } from "react";
import { Badge, Button, Code, Group, Modal, Stack, Switch, Table, Text } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { EditDeleteButtons } from "../../../components/EditDeleteButtons";
import { ErrorAlert } from "../../../components/Errors";
import { FormDrawer } from "../../../components/FormDrawer";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { useDrawer } from "../../../lib/useDrawer";
import { SecretShown } from "./SecretShown";
import { SourceForm } from "./SourceForm";
import { draftOf, inputOf, type Delivery, type Source } from "./sourceDraft";

type Editing = { kind: "new" } | { kind: "edit"; source: Source };

const OUTCOME_COLOR: Record<Delivery["outcome"], string> = {
  created: "green",
  replayed: "blue",
  refused: "red",
  invalid: "orange",
  failed: "gray",
};

/** A source's last deliveries, newest first. */
function DeliveryLog({ source }: { source: Source }) {
  const log = useQuery({
    queryKey: keys.intakeDeliveries(source.slug),
    queryFn: () => unwrap(api.GET("/intake/webhooks/{slug}/deliveries", { params: { path: { slug: source.slug } } })).then((l) => l.items),
  });
  return (
    <Stack>
      <ErrorAlert error={log.error} />
      <Table aria-label={`Deliveries of ${source.name}`} striped>
        <TableHead columns={["When", "Outcome", "Status", "Ticket or problem", "From"]} />
        <Table.Tbody>
          {log.data?.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>
                <Text size="xs">{new Date(d.received_at).toLocaleString()}</Text>
              </Table.Td>
              <Table.Td>
                <Badge color={OUTCOME_COLOR[d.outcome]} variant="light" tt="none">
                  {d.outcome}
                </Badge>
              </Table.Td>
              <Table.Td>{d.status}</Table.Td>
              <Table.Td>
                {d.ticket_key && <Text size="sm">{d.ticket_key}</Text>}
                {d.detail && <Text size="sm">{d.detail}</Text>}
                {(d.errors ?? []).map((e, i) => (
                  <Text size="xs" key={i}>
                    <Code>{e.pointer}</Code> {e.message}
                  </Text>
                ))}
              </Table.Td>
              <Table.Td>
                <Text size="xs" ff="monospace">
                  {d.ip}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {log.data?.length === 0 && <Text c="dimmed">Nothing received yet.</Text>}
    </Stack>
  );
}

function EnabledSwitch({ source }: { source: Source }) {
  const refresh = useInvalidate(keys.intakeSources);
  const toggle = useMutation({
    mutationFn: (enabled: boolean) =>
      unwrap(
        api.PUT("/intake/webhooks/{slug}", {
          params: { path: { slug: source.slug } },
          body: { ...inputOf(draftOf(source)), mapping: source.mapping, enabled },
        }),
      ),
    onSuccess: refresh,
  });
  return (
    <Switch
      aria-label={`Enable ${source.name}`}
      checked={source.enabled}
      disabled={toggle.isPending}
      onChange={(e) => toggle.mutate(e.currentTarget.checked)}
      error={toggle.error ? (toggle.error as Error).message : undefined}
    />
  );
}

export default function IntakePage() {
  const sources = useQuery({
    queryKey: keys.intakeSources,
    queryFn: () => unwrap(api.GET("/intake/webhooks")).then((l) => l.items),
  });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;
  const [shown, setShown] = useState<{ source: Source; secret: string } | null>(null);
  const [logOf, setLogOf] = useState<Source | null>(null);
  const refresh = useInvalidate(keys.intakeSources);
  const remove = async (slug: string) => {
    await unwrap(api.DELETE("/intake/webhooks/{slug}", { params: { path: { slug } } }));
    await refresh();
  };
  const rotate = async (slug: string) => {
    setShown(await unwrap(api.POST("/intake/webhooks/{slug}/rotate-secret", { params: { path: { slug } } })));
  };

  return (
    <Stack>
      <PageHeader title="Inbound webhooks">
        <Button onClick={() => drawer.open({ kind: "new" })}>New source</Button>
      </PageHeader>
      <Text size="sm" c="dimmed">
        A source turns another system's POSTs (a monitoring alert, a form, GitHub, a shop) into tickets. Each delivery is signed
        with the source's secret; one ticket is made per reference, and redeliveries find it. The admin guide's "Inbound
        webhooks" section describes the signatures and the mapping.
      </Text>
      <ErrorAlert error={sources.error} />
      <Table aria-label="Webhook sources" striped highlightOnHover>
        <TableHead columns={["Name", "Endpoint", "Ticket type", "Scheme", "Enabled"]} actions />
        <Table.Tbody>
          {sources.data?.map((s) => (
            <Table.Tr key={s.slug} data-source={s.slug}>
              <Table.Td fw={500}>{s.name}</Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {s.endpoint}
                </Text>
              </Table.Td>
              <Table.Td>{s.ticket_type}</Table.Td>
              <Table.Td>{s.scheme}</Table.Td>
              <Table.Td>
                <EnabledSwitch source={s} />
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button size="xs" variant="light" aria-label={`Deliveries of ${s.name}`} onClick={() => setLogOf(s)}>
                    Log
                  </Button>
                  <ConfirmButton
                    label={`Rotate the secret of ${s.name}`}
                    title={`Rotate the secret of ${s.name}?`}
                    message="The current secret stops working at once; the sender needs the new one."
                    confirmLabel="Rotate"
                    onConfirm={() => rotate(s.slug)}
                  >
                    Rotate secret
                  </ConfirmButton>
                  <EditDeleteButtons
                    editLabel={`Edit source ${s.name}`}
                    onEdit={() => drawer.open({ kind: "edit", source: s })}
                    deleteLabel={`Delete source ${s.name}`}
                    deleteTitle={`Delete ${s.name}?`}
                    deleteMessage="Its URL stops answering, and its secret and log go with it. Tickets it made stay."
                    onDelete={() => remove(s.slug)}
                  />
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {sources.data?.length === 0 && <Text c="dimmed">No sources yet.</Text>}
      <FormDrawer drawer={drawer} size="xl" title={editing?.kind === "edit" ? `Edit ${editing.source.name}` : "New source"}>
        {editing && (
          <SourceForm
            key={drawer.seq}
            source={editing.kind === "edit" ? editing.source : undefined}
            onDone={(created) => {
              drawer.close();
              if (created) setShown(created);
            }}
          />
        )}
      </FormDrawer>
      <Modal opened={!!logOf} onClose={() => setLogOf(null)} title={logOf ? `Deliveries of ${logOf.name}` : ""} size="xl">
        {logOf && <DeliveryLog source={logOf} />}
      </Modal>
      <SecretShown shown={shown} onClose={() => setShown(null)} />
    </Stack>
  );
}
