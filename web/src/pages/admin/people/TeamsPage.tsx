// Teams: who is in them and which ticket types they handle.
import { Badge, Button, Drawer, Group, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ErrorAlert } from "../../../components/Errors";
import { ConfirmButton } from "./ConfirmButton";
import { TeamCreateForm, TeamEditor } from "./TeamForms";
import { useDrawer } from "./useDrawer";

type Editing = { kind: "new" } | { kind: "edit"; slug: string };

export default function TeamsPage() {
  const client = useQueryClient();
  const teams = useQuery({ queryKey: keys.teams, queryFn: () => unwrap(api.GET("/teams")) });
  const users = useQuery({ queryKey: keys.users, queryFn: () => unwrap(api.GET("/users")) });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;
  const names = new Map((users.data ?? []).map((u) => [u.id, u.display_name]));
  // The drawer shows the team as cached now, so member changes appear at once.
  const editedTeam = editing?.kind === "edit" ? teams.data?.find((t) => t.slug === editing.slug) : undefined;

  const remove = async (slug: string) => {
    await unwrap(api.DELETE("/teams/{slug}", { params: { path: { slug } } }));
    await Promise.all([client.invalidateQueries({ queryKey: keys.teams }), client.invalidateQueries({ queryKey: keys.users })]);
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Teams</Title>
        <Button onClick={() => drawer.open({ kind: "new" })}>New team</Button>
      </Group>
      <ErrorAlert error={teams.error ?? users.error} />
      <Table aria-label="Teams" striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Slug</Table.Th>
            <Table.Th>Description</Table.Th>
            <Table.Th>Members</Table.Th>
            <Table.Th>Ticket types</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {teams.data?.map((t) => (
            <Table.Tr key={t.slug}>
              <Table.Td fw={500}>{t.name}</Table.Td>
              <Table.Td ff="monospace">{t.slug}</Table.Td>
              <Table.Td>
                <Text size="sm">{t.description}</Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {t.members.map((id) => (
                    <Badge key={id} variant="light" size="sm">
                      {names.get(id) ?? `user ${id}`}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>{t.types.join(", ")}</Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button size="xs" variant="light" aria-label={`Edit team ${t.slug}`} onClick={() => drawer.open({ kind: "edit", slug: t.slug })}>
                    Edit
                  </Button>
                  <ConfirmButton
                    label={`Delete team ${t.slug}`}
                    title={`Delete team ${t.name}?`}
                    message="Its members stay users; tickets of the team lose it."
                    confirmLabel="Delete"
                    onConfirm={() => remove(t.slug)}
                  >
                    Delete
                  </ConfirmButton>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {teams.data?.length === 0 && <Text c="dimmed">No teams yet.</Text>}

      <Drawer
        opened={drawer.opened}
        onClose={() => drawer.close()}
        position="right"
        size="md"
        title={editing?.kind === "edit" ? `Edit team ${editing.slug}` : "New team"}
      >
        {editing?.kind === "new" && <TeamCreateForm key={drawer.seq} onDone={() => drawer.close()} />}
        {editedTeam && <TeamEditor key={drawer.seq} team={editedTeam} users={users.data ?? []} />}
      </Drawer>
    </Stack>
  );
}
