// Outgoing webhooks: subscriptions that POST ticket events, signed, to other systems.
// Admins create them (the signing secret shown once), edit, switch them off and on,
// ping, rotate the secret and delete; each one links to its deliveries in the log.
// Docket switches a subscription off itself after 25 failed attempts in a row.
import { useState } from "react";
import { Anchor, Badge, Button, Code, Group, Stack, Table, Text, Tooltip } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap, type WebhookSubscription, type WebhookSubscriptionWithSecret } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { EditDeleteButtons } from "../../../components/EditDeleteButtons";
import { ErrorAlert } from "../../../components/Errors";
import { FormDrawer } from "../../../components/FormDrawer";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { useDrawer } from "../../../lib/useDrawer";
import { SecretModal, type ShownSecret } from "./SecretModal";
import { SubscriptionForm } from "./SubscriptionForm";

type Editing = { kind: "new" } | { kind: "edit"; subscription: WebhookSubscription };

/** Where a subscription's deliveries are listed. */
export function deliveriesPath(s: WebhookSubscription): string {
  return `/admin/deliveries?channel=webhook&target=${s.id}`;
}

export function WebhookStatus({ s }: { s: WebhookSubscription }) {
  const failures =
    s.consecutive_failures > 0 ? (
      <Text size="xs" c="orange">
        {s.consecutive_failures} failed {s.consecutive_failures === 1 ? "attempt" : "attempts"} in a row
      </Text>
    ) : null;
  if (s.enabled)
    return (
      <Stack gap={2}>
        <Badge color="green" variant="light" tt="none" data-status="on">
          on
        </Badge>
        {failures}
      </Stack>
    );
  return (
    <Stack gap={2}>
      {s.disabled_reason ? (
        <Tooltip label="Docket switched it off. Fix the endpoint, then enable it again." multiline w={260}>
          <Badge color="red" variant="light" tt="none" data-status="switched-off" style={{ maxWidth: 260 }}>
            switched off: {s.disabled_reason}
          </Badge>
        </Tooltip>
      ) : (
        <Badge color="gray" variant="light" tt="none" data-status="off">
          off
        </Badge>
      )}
      {failures}
    </Stack>
  );
}

function RowActions({ s, onEdit, onSecret }: { s: WebhookSubscription; onEdit(): void; onSecret(shown: ShownSecret): void }) {
  const refresh = useInvalidate(keys.webhookSubscriptions);
  const refreshAll = useInvalidate(keys.webhookSubscriptions, keys.deliveries);
  const path = { params: { path: { id: s.id } } };
  const toggle = useMutation({
    mutationFn: () => unwrap(api.PATCH("/webhook-subscriptions/{id}", { ...path, body: { enabled: !s.enabled } })),
    onSuccess: refresh,
  });
  const ping = useMutation({
    mutationFn: () => unwrap(api.POST("/webhook-subscriptions/{id}/ping", path)),
    onSuccess: refreshAll,
  });
  const rotate = async () => {
    const answer = await unwrap(api.POST("/webhook-subscriptions/{id}/rotate-secret", path));
    await refresh();
    onSecret({ name: answer.subscription.name, secret: answer.secret, rotated: true });
  };
  const remove = async () => {
    await unwrap(api.DELETE("/webhook-subscriptions/{id}", path));
    await refresh();
  };
  const error = toggle.error ?? ping.error;
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap">
        <Button
          size="xs"
          variant={s.enabled ? "default" : "filled"}
          loading={toggle.isPending}
          aria-label={`${s.enabled ? "Disable" : "Enable"} webhook ${s.name}`}
          onClick={() => toggle.mutate()}
        >
          {s.enabled ? "Disable" : "Enable"}
        </Button>
        <Button size="xs" variant="light" loading={ping.isPending} aria-label={`Ping webhook ${s.name}`} onClick={() => ping.mutate()}>
          Ping
        </Button>
        <ConfirmButton
          label={`Rotate secret of webhook ${s.name}`}
          title={`Rotate the secret of ${s.name}?`}
          message="A new signing secret is made and shown once; the old one stops working at once, so the receiver must be given the new one."
          confirmLabel="Rotate secret"
          onConfirm={rotate}
        >
          Rotate secret
        </ConfirmButton>
        <EditDeleteButtons
          editLabel={`Edit webhook ${s.name}`}
          onEdit={onEdit}
          deleteLabel={`Delete webhook ${s.name}`}
          deleteTitle={`Delete ${s.name}?`}
          deleteMessage="No more events are sent to it. Its deliveries stay in the log."
          onDelete={remove}
        />
      </Group>
      {ping.data && (
        <Text size="xs" c="dimmed" role="status">
          Ping queued:{" "}
          <Anchor component={Link} to={deliveriesPath(s)} size="xs">
            see the log
          </Anchor>
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

export default function WebhooksPage() {
  const list = useQuery({
    queryKey: keys.webhookSubscriptions,
    queryFn: () => unwrap(api.GET("/webhook-subscriptions")),
  });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;
  const [secret, setSecret] = useState<ShownSecret | null>(null);
  const created = (c?: WebhookSubscriptionWithSecret) => {
    drawer.close();
    if (c) setSecret({ name: c.subscription.name, secret: c.secret, rotated: false });
  };

  return (
    <Stack>
      <PageHeader title="Outgoing webhooks">
        <Button onClick={() => drawer.open({ kind: "new" })}>New webhook</Button>
      </PageHeader>
      <Text size="sm" c="dimmed">
        Docket POSTs ticket events as JSON to these URLs, signed with each webhook's secret (<Code>X-Docket-Signature</Code>),
        and retries failures with backoff. After 25 failed attempts in a row it switches the webhook off and tells the admins.
        Every attempt is in the <Anchor component={Link} to="/admin/deliveries?channel=webhook">delivery log</Anchor>.
      </Text>
      <ErrorAlert error={list.error} />
      <Table aria-label="Outgoing webhooks" striped highlightOnHover>
        <TableHead columns={["Name", "URL", "Events", "Ticket types", "Status"]} actions />
        <Table.Tbody>
          {list.data?.items.map((s) => (
            <Table.Tr key={s.id} data-subscription-id={s.id}>
              <Table.Td>
                <Text fw={500} size="sm">
                  {s.name}
                </Text>
                <Anchor component={Link} to={deliveriesPath(s)} size="xs" aria-label={`Deliveries of webhook ${s.name}`}>
                  Deliveries
                </Anchor>
              </Table.Td>
              <Table.Td style={{ maxWidth: 260, wordBreak: "break-all" }}>
                <Text size="sm" ff="monospace">
                  {s.url}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {s.events.map((e) => (
                    <Badge key={e} variant="outline" tt="none" size="sm">
                      {e}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c={s.types?.length ? undefined : "dimmed"}>
                  {s.types?.length ? s.types.join(", ") : "all"}
                </Text>
              </Table.Td>
              <Table.Td>
                <WebhookStatus s={s} />
              </Table.Td>
              <Table.Td>
                <RowActions
                  s={s}
                  onEdit={() => drawer.open({ kind: "edit", subscription: s })}
                  onSecret={setSecret}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data?.items.length === 0 && <Text c="dimmed">No outgoing webhooks yet.</Text>}
      <FormDrawer drawer={drawer} size="lg" title={editing?.kind === "edit" ? `Edit ${editing.subscription.name}` : "New webhook"}>
        {editing && (
          <SubscriptionForm
            key={drawer.seq}
            subscription={editing.kind === "edit" ? editing.subscription : undefined}
            topics={list.data?.topics ?? []}
            onDone={created}
            onCancel={() => drawer.close()}
          />
        )}
      </FormDrawer>
      <SecretModal shown={secret} onClose={() => setSecret(null)} />
    </Stack>
  );
}
