// Teams: who is in them and which ticket types they handle.
import { Badge, Button, Group, Stack, Table, Text } from "@mantine/core";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useTeams, useUsers } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { EditDeleteButtons } from "../../../components/EditDeleteButtons";
import { ErrorAlert } from "../../../components/Errors";
import { FormDrawer } from "../../../components/FormDrawer";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { ruleOf } from "../../../lib/routing";
import { useDrawer } from "../../../lib/useDrawer";
import { TeamCreateForm, TeamEditor } from "./TeamForms";

type Editing = { kind: "new" } | { kind: "edit"; slug: string };

export default function TeamsPage() {
  const teams = useTeams();
  const users = useUsers();
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;
  const names = new Map((users.data ?? []).map((u) => [u.id, u.display_name]));
  // The drawer shows the team as cached now, so member changes appear at once.
  const editedTeam = editing?.kind === "edit" ? teams.data?.find((t) => t.slug === editing.slug) : undefined;

  // Teams change users' `teams` too: refresh both.
  const refresh = useInvalidate(keys.teams, keys.users);
  const remove = async (slug: string) => {
    await unwrap(api.DELETE("/teams/{slug}", { params: { path: { slug } } }));
    await refresh();
  };

  return (
    <Stack>
      <PageHeader title="Teams">
        <Button onClick={() => drawer.open({ kind: "new" })}>New team</Button>
      </PageHeader>
      <ErrorAlert error={teams.error ?? users.error} />
      <Table aria-label="Teams" striped highlightOnHover>
        <TableHead columns={["Name", "Slug", "Description", "Members", "Ticket types", "Assignment"]} actions />
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
              <Table.Td>{ruleOf(t.routing).label}</Table.Td>
              <Table.Td>
                <EditDeleteButtons
                  editLabel={`Edit team ${t.slug}`}
                  onEdit={() => drawer.open({ kind: "edit", slug: t.slug })}
                  deleteLabel={`Delete team ${t.slug}`}
                  deleteTitle={`Delete team ${t.name}?`}
                  deleteMessage="Its members stay users; tickets of the team lose it."
                  onDelete={() => remove(t.slug)}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {teams.data?.length === 0 && <Text c="dimmed">No teams yet.</Text>}

      <FormDrawer drawer={drawer} size="md" title={editing?.kind === "edit" ? `Edit team ${editing.slug}` : "New team"}>
        {editing?.kind === "new" && <TeamCreateForm key={drawer.seq} onDone={() => drawer.close()} />}
        {editedTeam && <TeamEditor key={drawer.seq} team={editedTeam} users={users.data ?? []} />}
      </FormDrawer>
    </Stack>
  );
}
