// The delivery log (admins): every message Docket sends out (webhook POSTs, emails),
// newest first, filtered by status, channel, target and ticket. A delivery's drawer
// shows the JSON it sends and every attempt; dead or pending ones can be retried now.
import { useState } from "react";
import { Anchor, Badge, Button, Code, CloseButton, Drawer, Group, Select, Stack, Table, Text, Tooltip } from "@mantine/core";
import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api, unwrap, type Delivery } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { ticketPath } from "../../../lib/ticketPath";
import { relativeTime } from "../../queue/relative";
import { DebouncedTextInput } from "../../queue/DebouncedTextInput";
import {
  canRetry,
  CHANNELS,
  deliveryQuery,
  filtersFrom,
  filtersToSearch,
  prettyJson,
  STATUSES,
  statusColor,
  type DeliveryFilters,
} from "./deliveryFilters";

function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={statusColor(status)} variant="light" tt="none" data-status={status}>
      {status}
    </Badge>
  );
}

function When({ iso, now }: { iso?: string | null; now: Date }) {
  if (!iso) return <Text size="sm" c="dimmed">-</Text>;
  return (
    <Text size="sm" title={new Date(iso).toLocaleString()}>
      {relativeTime(iso, now)}
    </Text>
  );
}

function RetryButton({ delivery }: { delivery: Delivery }) {
  const refresh = useInvalidate(keys.deliveries);
  const retry = useMutation({
    mutationFn: () => unwrap(api.POST("/deliveries/{id}/retry", { params: { path: { id: delivery.id } } })),
    onSuccess: refresh,
  });
  if (!canRetry(delivery.status)) return null;
  return (
    <Stack gap={2}>
      <Button size="xs" variant="light" loading={retry.isPending} aria-label={`Retry delivery ${delivery.id}`} onClick={() => retry.mutate()}>
        Retry
      </Button>
      {retry.error && (
        <Text size="xs" c="red" role="alert">
          {(retry.error as Error).message}
        </Text>
      )}
    </Stack>
  );
}

function DeliveryDrawer({ id, onClose }: { id: number | null; onClose(): void }) {
  const detail = useQuery({
    queryKey: keys.delivery(id ?? 0),
    queryFn: () => unwrap(api.GET("/deliveries/{id}", { params: { path: { id: id! } } })),
    enabled: id !== null,
  });
  const d = detail.data?.delivery;
  const now = new Date();
  return (
    <Drawer opened={id !== null} onClose={onClose} position="right" size="xl" title={id !== null ? `Delivery ${id}` : ""}>
      <ErrorAlert error={detail.error} />
      {d && detail.data && (
        <Stack>
          <Group justify="space-between">
            <Group gap="xs">
              <StatusBadge status={d.status} />
              <Text size="sm">
                {d.channel} · <Code>{d.topic}</Code>
                {d.ticket && (
                  <>
                    {" "}
                    · <Anchor component={Link} to={ticketPath(d.ticket)}>{d.ticket}</Anchor>
                  </>
                )}
              </Text>
            </Group>
            <RetryButton delivery={d} />
          </Group>
          <Text size="sm">
            To <Code>{d.target}</Code>; {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"}
            {d.next_attempt_at && d.status === "pending" && <>, next {new Date(d.next_attempt_at).toLocaleString()}</>}
            {d.delivered_at && <>, delivered {new Date(d.delivered_at).toLocaleString()}</>}
          </Text>
          {d.last_error && (
            <Text size="sm" c="red">
              Last error: {d.last_error}
            </Text>
          )}
          <Text fw={600} size="sm">
            Body
          </Text>
          <Code block aria-label="Delivery body" style={{ maxHeight: 360, overflow: "auto" }}>
            {prettyJson(detail.data.body)}
          </Code>
          <Text fw={600} size="sm">
            Attempts
          </Text>
          <Table aria-label="Attempts">
            <TableHead columns={["When", "Outcome", "Code", "Error", "Took"]} />
            <Table.Tbody>
              {detail.data.attempts.map((a, i) => (
                <Table.Tr key={i}>
                  <Table.Td>
                    <When iso={a.at} now={now} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={a.outcome} />
                  </Table.Td>
                  <Table.Td>{a.code ?? "-"}</Table.Td>
                  <Table.Td style={{ wordBreak: "break-word" }}>
                    <Text size="sm">{a.error ?? ""}</Text>
                  </Table.Td>
                  <Table.Td>{a.duration_ms} ms</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {detail.data.attempts.length === 0 && (
            <Text size="sm" c="dimmed">
              Not tried yet.
            </Text>
          )}
        </Stack>
      )}
    </Drawer>
  );
}

export default function DeliveriesPage() {
  const [search, setSearch] = useSearchParams();
  const filters = filtersFrom(search);
  const query = filtersToSearch(filters);
  const set = (patch: Partial<DeliveryFilters>) => setSearch(filtersToSearch({ ...filters, ...patch }), { replace: true });
  const [open, setOpen] = useState<number | null>(null);

  const pages = useInfiniteQuery({
    queryKey: keys.deliveryList(query),
    queryFn: ({ pageParam }) => unwrap(api.GET("/deliveries", { params: { query: deliveryQuery(filters, pageParam) } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const now = new Date();

  return (
    <Stack>
      <PageHeader title="Delivery log" />
      <Text size="sm" c="dimmed">
        Every webhook POST and email Docket sends, newest first. Failed attempts are retried with backoff; a delivery that
        runs out of attempts is dead and can be retried here.
      </Text>
      <Group align="flex-end">
        <Select
          label="Status"
          placeholder="any"
          data={[...STATUSES]}
          value={filters.status || null}
          onChange={(v) => set({ status: v ?? "" })}
          clearable
          w={150}
        />
        <Select
          label="Channel"
          placeholder="any"
          data={[...CHANNELS]}
          value={filters.channel || null}
          onChange={(v) => set({ channel: v ?? "" })}
          clearable
          w={150}
        />
        <DebouncedTextInput label="Ticket" placeholder="IT-42" value={filters.ticket} onChange={(v) => set({ ticket: v })} w={150} />
        {filters.target && (
          <Badge
            size="lg"
            variant="light"
            tt="none"
            rightSection={<CloseButton size="xs" aria-label="Clear target filter" onClick={() => set({ target: "" })} />}
          >
            target: {filters.target}
          </Badge>
        )}
      </Group>
      <ErrorAlert error={pages.error} />
      <Table aria-label="Deliveries" striped highlightOnHover>
        <TableHead columns={["Id", "Status", "Channel", "Target", "Topic", "Ticket", "Attempts", "Created", "Last error"]} actions />
        <Table.Tbody>
          {items.map((d) => (
            <Table.Tr key={d.id} data-delivery-id={d.id}>
              <Table.Td>
                <Anchor component="button" type="button" size="sm" onClick={() => setOpen(d.id)} aria-label={`Open delivery ${d.id}`}>
                  {d.id}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <StatusBadge status={d.status} />
              </Table.Td>
              <Table.Td>{d.channel}</Table.Td>
              <Table.Td style={{ maxWidth: 200, wordBreak: "break-all" }}>
                <Anchor component={Link} size="sm" to={`?${filtersToSearch({ ...filters, target: d.target, channel: d.channel })}`}>
                  {d.target}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Code>{d.topic}</Code>
              </Table.Td>
              <Table.Td>{d.ticket ? <Anchor component={Link} to={ticketPath(d.ticket)} size="sm">{d.ticket}</Anchor> : "-"}</Table.Td>
              <Table.Td>{d.attempts}</Table.Td>
              <Table.Td>
                <When iso={d.created_at} now={now} />
              </Table.Td>
              <Table.Td style={{ maxWidth: 240 }}>
                {d.last_error && (
                  <Tooltip label={d.last_error} multiline w={320}>
                    <Text size="xs" c="red" lineClamp={2}>
                      {d.last_error}
                    </Text>
                  </Tooltip>
                )}
              </Table.Td>
              <Table.Td>
                <RetryButton delivery={d} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {pages.data && items.length === 0 && <Text c="dimmed">No deliveries{query ? " match these filters" : " yet"}.</Text>}
      {pages.hasNextPage && (
        <Group justify="center">
          <Button variant="default" loading={pages.isFetchingNextPage} onClick={() => pages.fetchNextPage()}>
            Older deliveries
          </Button>
        </Group>
      )}
      <DeliveryDrawer id={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}
