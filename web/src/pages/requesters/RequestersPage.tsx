// The people who open tickets, as far as the signed-in user sees them: find one by name,
// email, organisation or identity and open their profile.
import { Anchor, Stack, Table, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { keys } from "../../api/keys";
import { ErrorAlert } from "../../components/Errors";
import { PageHeader } from "../../components/PageHeader";
import { TableHead } from "../../components/TableHead";
import { formatWhen } from "../admin/people/when";
import { requesterName } from "./queries";

export default function RequestersPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const organization = params.get("organization") ?? "";
  const list = useQuery({
    queryKey: keys.requesterSearch(`${q}\u0000${organization}`),
    queryFn: () =>
      unwrap(
        api.GET("/requesters", {
          params: { query: { limit: 100, ...(q ? { q } : {}), ...(organization ? { organization } : {}) } },
        }),
      ).then((p) => p.items),
  });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return (
    <Stack>
      <PageHeader title="Requesters" />
      <TextInput
        label="Find"
        placeholder="name, email, organisation, Discord id"
        value={q}
        onChange={(e) => set("q", e.currentTarget.value)}
        maw={420}
      />
      {organization && (
        <Text size="sm">
          In {organization} (<Anchor onClick={() => set("organization", "")}>all organisations</Anchor>)
        </Text>
      )}
      <ErrorAlert error={list.error} />
      <Table aria-label="Requesters" striped highlightOnHover>
        <TableHead columns={["Name", "Email", "Organisation", "Identities", "Known since"]} />
        <Table.Tbody>
          {list.data?.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>
                <Anchor component={Link} to={`/requesters/${r.id}`}>
                  {requesterName(r)}
                </Anchor>
              </Table.Td>
              <Table.Td>{r.email}</Table.Td>
              <Table.Td>{r.organization}</Table.Td>
              <Table.Td>
                <Text size="sm">{r.identities.map((i) => `${i.kind}: ${i.value}`).join(", ")}</Text>
              </Table.Td>
              <Table.Td>{formatWhen(r.created_at)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data?.length === 0 && <Text c="dimmed">No requesters found.</Text>}
    </Stack>
  );
}
