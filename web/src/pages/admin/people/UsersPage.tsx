// Everyone who can work in Docket (people and service accounts), created and changed here.
import { Badge, Button, Drawer, Group, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ErrorAlert } from "../../../components/Errors";
import { UserCreateForm } from "./UserCreateForm";
import { UserEditForm } from "./UserEditForm";
import { useDrawer } from "./useDrawer";
import { formatWhen } from "./when";

type Editing = { kind: "new" } | { kind: "edit"; user: Schemas["UserOut"] };

export default function UsersPage() {
  const users = useQuery({ queryKey: keys.users, queryFn: () => unwrap(api.GET("/users")) });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Users</Title>
        <Button onClick={() => drawer.open({ kind: "new" })}>New user</Button>
      </Group>
      <ErrorAlert error={users.error} />
      <Table aria-label="Users" striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Email</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Active</Table.Th>
            <Table.Th>Teams</Table.Th>
            <Table.Th>Last login</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
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

      <Drawer
        opened={drawer.opened}
        onClose={() => drawer.close()}
        position="right"
        size="md"
        title={editing?.kind === "edit" ? `Edit user ${editing.user.email}` : "New user"}
      >
        {editing?.kind === "new" && <UserCreateForm key={drawer.seq} onDone={() => drawer.close()} />}
        {editing?.kind === "edit" && <UserEditForm key={drawer.seq} user={editing.user} onDone={() => drawer.close()} />}
      </Drawer>
    </Stack>
  );
}
