// Organisations: names that requesters and SLA policies share, the email domains whose
// new requesters join them, and notes for staff.
import { Anchor, Badge, Button, Group, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
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
import { OrganizationForm, type Organization } from "./OrganizationForm";

type Editing = { kind: "new" } | { kind: "edit"; organization: Organization };

export default function OrganizationsPage() {
  const organizations = useQuery({
    queryKey: keys.organizations,
    queryFn: () => unwrap(api.GET("/organizations")).then((l) => l.items),
  });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;
  const refresh = useInvalidate(keys.organizations);
  const remove = async (id: number) => {
    await unwrap(api.DELETE("/organizations/{id}", { params: { path: { id } } }));
    await refresh();
  };

  return (
    <Stack>
      <PageHeader title="Organisations">
        <Button onClick={() => drawer.open({ kind: "new" })}>New organisation</Button>
      </PageHeader>
      <ErrorAlert error={organizations.error} />
      <Table aria-label="Organisations" striped highlightOnHover>
        <TableHead columns={["Name", "Domains", "Requesters", "Notes"]} actions />
        <Table.Tbody>
          {organizations.data?.map((o) => (
            <Table.Tr key={o.id}>
              <Table.Td fw={500}>{o.name}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {o.domains.map((d) => (
                    <Badge key={d} variant="light" size="sm" tt="none">
                      {d}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <Anchor component={Link} to={`/requesters?organization=${encodeURIComponent(o.name)}`} size="sm">
                  {o.requester_count}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={2}>
                  {o.notes}
                </Text>
              </Table.Td>
              <Table.Td>
                <EditDeleteButtons
                  editLabel={`Edit organisation ${o.name}`}
                  onEdit={() => drawer.open({ kind: "edit", organization: o })}
                  deleteLabel={`Delete organisation ${o.name}`}
                  deleteTitle={`Delete ${o.name}?`}
                  deleteMessage="Its domains and notes go; its requesters keep the name, and SLA policies still match it."
                  onDelete={() => remove(o.id)}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {organizations.data?.length === 0 && <Text c="dimmed">No organisations recorded yet.</Text>}
      <FormDrawer
        drawer={drawer}
        size="md"
        title={editing?.kind === "edit" ? `Edit ${editing.organization.name}` : "New organisation"}
      >
        {editing && (
          <OrganizationForm
            key={drawer.seq}
            organization={editing.kind === "edit" ? editing.organization : undefined}
            onDone={() => drawer.close()}
          />
        )}
      </FormDrawer>
    </Stack>
  );
}
