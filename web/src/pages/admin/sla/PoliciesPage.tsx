// SLA policies in the order they are tried, each editable in a drawer.
import { Badge, Button, Drawer, Group, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ErrorAlert } from "../../../components/Errors";
import { ConfirmButton } from "../people/ConfirmButton";
import { useDrawer } from "../people/useDrawer";
import { PolicyForm } from "./PolicyForm";
import { conditionsSummary, emptyPolicy, policyToDraft, targetsSummary, type PolicyDraft } from "./policyDraft";

type Editing = { draft: PolicyDraft; existing: boolean };

export default function PoliciesPage() {
  const client = useQueryClient();
  const policies = useQuery({ queryKey: keys.policies, queryFn: () => unwrap(api.GET("/sla/policies")) });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;

  const remove = async (name: string) => {
    await unwrap(api.DELETE("/sla/policies/{name}", { params: { path: { name } } }));
    await client.invalidateQueries({ queryKey: keys.policies });
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>SLA policies</Title>
        <Button onClick={() => drawer.open({ draft: emptyPolicy(), existing: false })}>New policy</Button>
      </Group>
      <Text size="sm" c="dimmed">
        Policies are tried from the top; the first enabled one whose conditions hold governs a ticket.
        Targets are first response / next response / resolution.
      </Text>
      <ErrorAlert error={policies.error} />
      <Table aria-label="SLA policies" striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Position</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Enabled</Table.Th>
            <Table.Th>Conditions</Table.Th>
            <Table.Th>Targets</Table.Th>
            <Table.Th>Calendar</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {policies.data?.map((p) => (
            <Table.Tr key={p.name}>
              <Table.Td>{p.spec.position ?? 0}</Table.Td>
              <Table.Td>
                <Text fw={500}>{p.name}</Text>
                {p.spec.description && (
                  <Text size="xs" c="dimmed">
                    {p.spec.description}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {p.spec.enabled === false ? (
                  <Badge color="gray" variant="light">
                    Disabled
                  </Badge>
                ) : (
                  <Badge color="green" variant="light">
                    Enabled
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>{conditionsSummary(p.spec.conditions)}</Table.Td>
              <Table.Td>
                {targetsSummary(p.spec.targets).map((line) => (
                  <Text size="xs" key={line} ff="monospace">
                    {line}
                  </Text>
                ))}
              </Table.Td>
              <Table.Td>{p.spec.calendar ?? "24×7"}</Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button
                    size="xs"
                    variant="light"
                    aria-label={`Edit policy ${p.name}`}
                    onClick={() => drawer.open({ draft: policyToDraft({ ...p.spec, name: p.name }), existing: true })}
                  >
                    Edit
                  </Button>
                  <ConfirmButton
                    label={`Delete policy ${p.name}`}
                    title={`Delete policy ${p.name}?`}
                    message="Tickets it governs are re-evaluated against the remaining policies."
                    confirmLabel="Delete"
                    onConfirm={() => remove(p.name)}
                  >
                    Delete
                  </ConfirmButton>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {policies.data?.length === 0 && <Text c="dimmed">No policies: tickets have clocks but no targets.</Text>}

      <Drawer
        opened={drawer.opened}
        onClose={() => drawer.close()}
        position="right"
        size="xl"
        title={editing?.existing ? `Edit policy ${editing.draft.name}` : "New policy"}
      >
        {editing && (
          <PolicyForm
            // A fresh form per policy opened, so one policy's draft never leaks into another.
            key={drawer.seq}
            initial={editing.draft}
            existing={editing.existing}
            onSaved={() => drawer.close()}
            onCancel={() => drawer.close()}
          />
        )}
      </Drawer>
    </Stack>
  );
}
