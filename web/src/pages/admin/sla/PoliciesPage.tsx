// SLA policies in the order they are tried, each editable in a drawer.
import { Badge, Button, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { EditDeleteButtons } from "../../../components/EditDeleteButtons";
import { ErrorAlert } from "../../../components/Errors";
import { FormDrawer } from "../../../components/FormDrawer";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { useDrawer } from "../../../lib/useDrawer";
import { PolicyForm } from "./PolicyForm";
import { conditionsSummary, emptyPolicy, policyToDraft, targetsSummary, type PolicyDraft } from "./policyDraft";

type Editing = { draft: PolicyDraft; existing: boolean };

export default function PoliciesPage() {
  const policies = useQuery({ queryKey: keys.policies, queryFn: () => unwrap(api.GET("/sla/policies")) });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;

  const refresh = useInvalidate(keys.policies);
  const remove = async (name: string) => {
    await unwrap(api.DELETE("/sla/policies/{name}", { params: { path: { name } } }));
    await refresh();
  };

  return (
    <Stack>
      <PageHeader title="SLA policies">
        <Button onClick={() => drawer.open({ draft: emptyPolicy(), existing: false })}>New policy</Button>
      </PageHeader>
      <Text size="sm" c="dimmed">
        Policies are tried from the top; the first enabled one whose conditions hold governs a ticket.
        Targets are first response / next response / resolution.
      </Text>
      <ErrorAlert error={policies.error} />
      <Table aria-label="SLA policies" striped highlightOnHover>
        <TableHead columns={["Position", "Name", "Enabled", "Conditions", "Targets", "Calendar"]} actions />
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
                <EditDeleteButtons
                  editLabel={`Edit policy ${p.name}`}
                  onEdit={() => drawer.open({ draft: policyToDraft({ ...p.spec, name: p.name }), existing: true })}
                  deleteLabel={`Delete policy ${p.name}`}
                  deleteTitle={`Delete policy ${p.name}?`}
                  deleteMessage="Tickets it governs are re-evaluated against the remaining policies."
                  onDelete={() => remove(p.name)}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {policies.data?.length === 0 && <Text c="dimmed">No policies: tickets have clocks but no targets.</Text>}

      <FormDrawer drawer={drawer} size="xl" title={editing?.existing ? `Edit policy ${editing.draft.name}` : "New policy"}>
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
      </FormDrawer>
    </Stack>
  );
}
