// Discord panels: the messages with a button (or a menu of topics) members open tickets
// from. Admins configure them here and ask for a deploy; the Discord adapter then posts
// the message (or edits the one it posted) and records where and when.
import { Anchor, Badge, Button, Code, Group, List, Stack, Table, Text, Tooltip } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { EditDeleteButtons } from "../../../components/EditDeleteButtons";
import { ErrorAlert } from "../../../components/Errors";
import { FormDrawer } from "../../../components/FormDrawer";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { useDrawer } from "../../../lib/useDrawer";
import { deployLabel, deployState, type Panel } from "./panelDraft";
import { PanelForm } from "./PanelForm";

type Editing = { kind: "new" } | { kind: "edit"; panel: Panel };

function DeployStatus({ panel }: { panel: Panel }) {
  const s = deployState(panel);
  const color = s.state === "pending" ? "yellow" : s.state === "deployed" ? "green" : "gray";
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={color} variant="light" tt="none" data-deploy-state={s.state}>
        {deployLabel(s)}
      </Badge>
      {s.state === "deployed" && s.outdated && (
        <Tooltip label="The panel changed since it was posted: deploy to update the message">
          <Badge color="orange" variant="outline" size="sm" tt="none">
            changed since
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

function DeployButton({ panel }: { panel: Panel }) {
  const refresh = useInvalidate(keys.discordPanels);
  const deploy = useMutation({
    mutationFn: () => unwrap(api.POST("/discord/panels/{id}/deploy", { params: { path: { id: panel.id } } })),
    onSuccess: refresh,
  });
  return (
    <Stack gap={2}>
      <Button size="xs" variant="filled" loading={deploy.isPending} aria-label={`Deploy panel ${panel.name}`} onClick={() => deploy.mutate()}>
        {panel.deployment ? "Redeploy" : "Deploy"}
      </Button>
      {deploy.error && (
        <Text size="xs" c="red" role="alert">
          {(deploy.error as Error).message}
        </Text>
      )}
    </Stack>
  );
}

function Help() {
  return (
    <Stack gap={4}>
      <Text size="sm" c="dimmed">
        A panel is a message in a Discord channel with a button, or a menu of topics, that opens a ticket. Save it, then
        Deploy: the Docket bot posts it (or updates the message it posted) within a few seconds.
      </Text>
      <List size="sm" c="dimmed">
        <List.Item>
          Discord ids are digits. In Discord, open User Settings → Advanced and turn on <b>Developer Mode</b>; then
          right-click a server, channel, category or role and choose <b>Copy ID</b>.
        </List.Item>
        <List.Item>
          Setting up the bot (its token, permissions and invite) is described in the setup guide, <Code>docs/discord.md</Code>.
        </List.Item>
        <List.Item>
          Staff link their Discord account on their <Anchor component={Link} to="/account">account page</Anchor> with the code the bot gives
          them for <Code>/docket link</Code>.
        </List.Item>
      </List>
    </Stack>
  );
}

export default function DiscordPage() {
  const panels = useQuery({
    queryKey: keys.discordPanels,
    queryFn: () => unwrap(api.GET("/discord/panels")).then((l) => l.items),
  });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;
  const refresh = useInvalidate(keys.discordPanels);
  const remove = async (id: number) => {
    await unwrap(api.DELETE("/discord/panels/{id}", { params: { path: { id } } }));
    await refresh();
  };

  return (
    <Stack>
      <PageHeader title="Discord">
        <Button onClick={() => drawer.open({ kind: "new" })}>New panel</Button>
      </PageHeader>
      <Help />
      <ErrorAlert error={panels.error} />
      <Table aria-label="Discord panels" striped highlightOnHover>
        <TableHead columns={["Name", "Channel", "Topics", "Status"]} actions />
        <Table.Tbody>
          {panels.data?.map((p) => (
            <Table.Tr key={p.id} data-panel-id={p.id}>
              <Table.Td fw={500}>{p.name}</Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {p.channel_id}
                </Text>
                <Text size="xs" c="dimmed">
                  {p.mode === "thread" ? "threads" : "channels"}
                </Text>
              </Table.Td>
              <Table.Td>{(p.topics ?? []).length}</Table.Td>
              <Table.Td>
                <DeployStatus panel={p} />
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap" align="flex-start">
                  <DeployButton panel={p} />
                  <EditDeleteButtons
                    editLabel={`Edit panel ${p.name}`}
                    onEdit={() => drawer.open({ kind: "edit", panel: p })}
                    deleteLabel={`Delete panel ${p.name}`}
                    deleteTitle={`Delete ${p.name}?`}
                    deleteMessage="Its message stays in Discord, but its buttons then answer that the panel is gone. Tickets opened from it stay."
                    onDelete={() => remove(p.id)}
                  />
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {panels.data?.length === 0 && <Text c="dimmed">No panels yet.</Text>}
      <FormDrawer drawer={drawer} size="lg" title={editing?.kind === "edit" ? `Edit ${editing.panel.name}` : "New panel"}>
        {editing && (
          <PanelForm key={drawer.seq} panel={editing.kind === "edit" ? editing.panel : undefined} onDone={() => drawer.close()} />
        )}
      </FormDrawer>
    </Stack>
  );
}
