// Everyone who can work in Docket (people and service accounts), created and changed here.
import { Badge, Button, Divider, Group, Stack, Table, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useUsers, type User } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { availabilityOf, type Availability } from "../../../lib/routing";
import { ErrorAlert } from "../../../components/Errors";
import { FormDrawer } from "../../../components/FormDrawer";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { useDrawer } from "../../../lib/useDrawer";
import { UserCreateForm } from "./UserCreateForm";
import { UserEditForm } from "./UserEditForm";
import { UserDiscordForm } from "./UserDiscordForm";
import { formatWhen } from "./when";

type Editing = { kind: "new" } | { kind: "edit"; user: User };

/** A user's availability, and the admin's switch for it. */
function AvailabilityCell({ user }: { user: User }) {
  const refresh = useInvalidate(keys.users);
  const current = availabilityOf(user);
  const next: Availability = current === "away" ? "present" : "away";
  const set = useMutation({
    mutationFn: () => unwrap(api.PUT("/users/{id}/availability", { params: { path: { id: user.id } }, body: { availability: next } })),
    onSuccess: refresh,
  });
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={current === "away" ? "gray" : "teal"} variant="light">
        {current === "away" ? "Away" : "Present"}
      </Badge>
      <Button size="compact-xs" variant="subtle" loading={set.isPending} aria-label={`Set ${user.email} ${next}`} onClick={() => set.mutate()}>
        {next === "away" ? "Set away" : "Set present"}
      </Button>
    </Group>
  );
}

export default function UsersPage() {
  const users = useUsers();
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;

  return (
    <Stack>
      <PageHeader title="Users">
        <Button onClick={() => drawer.open({ kind: "new" })}>New user</Button>
      </PageHeader>
      <ErrorAlert error={users.error} />
      <Table aria-label="Users" striped highlightOnHover>
        <TableHead columns={["Email", "Name", "Role", "Kind", "Active", "Availability", "Teams", "Last login"]} actions />
        <Table.Tbody>
          {users.data?.map((u) => (
            <Table.Tr key={u.id}>
              <Table.Td>{u.email}</Table.Td>
              <Table.Td>{u.display_name}</Table.Td>
              <Table.Td>{u.role}</Table.Td>
              <Table.Td>{u.kind === "service" ? "service account" : "person"}</Table.Td>
              <Table.Td>
                <Badge color={u.active ? "green" : "gray"} variant="light">
                  {u.active ? "Active" : "Inactive"}
                </Badge>
              </Table.Td>
              <Table.Td>
                <AvailabilityCell user={u} />
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {u.teams.map((t) => (
                    <Badge key={t} variant="outline" size="sm">
                      {t}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatWhen(u.last_login_at)}</Text>
              </Table.Td>
              <Table.Td>
                <Button size="xs" variant="light" aria-label={`Edit user ${u.email}`} onClick={() => drawer.open({ kind: "edit", user: u })}>
                  Edit
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>

      <FormDrawer drawer={drawer} size="md" title={editing?.kind === "edit" ? `Edit user ${editing.user.email}` : "New user"}>
        {editing?.kind === "new" && <UserCreateForm key={drawer.seq} onDone={() => drawer.close()} />}
        {editing?.kind === "edit" && (
          <Stack key={drawer.seq}>
            <UserEditForm user={editing.user} onDone={() => drawer.close()} />
            {editing.user.kind === "person" && (
              <>
                <Divider label="Discord account" labelPosition="left" mt="md" />
                <UserDiscordForm user={editing.user} />
              </>
            )}
          </Stack>
        )}
      </FormDrawer>
    </Stack>
  );
}
