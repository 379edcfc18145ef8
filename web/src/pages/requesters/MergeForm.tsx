// Merge another record of the same person into this one: find it, then merge. When the
// two belong to different organisations, the server asks which one to keep.
import { useState } from "react";
import { Button, Group, Paper, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { ErrorAlert } from "../../components/Errors";
import { ApiError } from "../../api/client";
import { requesterName, useMergeRequester, useRequesterSearch, type RequesterProfile } from "./queries";

export function MergeForm({ target }: { target: RequesterProfile }) {
  const [q, setQ] = useState("");
  const [source, setSource] = useState<string | null>(null);
  const [organization, setOrganization] = useState<string | null>(null);
  const found = useRequesterSearch(q);
  const merge = useMergeRequester(target.id);
  const candidates = (found.data ?? []).filter((r) => r.id !== target.id);
  const chosen = candidates.find((r) => String(r.id) === source);
  const orgs = [target.organization, chosen?.organization].filter((o): o is string => !!o);
  const needsOrg =
    merge.error instanceof ApiError && (merge.error.problem.errors ?? []).some((e) => e.pointer === "/organization");

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="merge-heading">
      <Stack gap="xs">
        <Title order={3} id="merge-heading">
          Merge a duplicate
        </Title>
        <Text size="xs" c="dimmed">
          The other record's identities, tickets and notes move here; its id keeps leading here.
        </Text>
        <TextInput label="Find the other record" placeholder="name, email, Discord id" value={q} onChange={(e) => setQ(e.currentTarget.value)} />
        <Select
          label="Record to merge into this one"
          placeholder={q.trim() ? (found.isPending ? "Searching..." : "Pick one") : "Search first"}
          data={candidates.map((r) => ({
            value: String(r.id),
            label: `${requesterName(r)}${r.email && r.name ? ` <${r.email}>` : ""} (#${r.id})`,
          }))}
          value={source}
          onChange={setSource}
          searchable
        />
        {(needsOrg || (orgs.length === 2 && orgs[0].toLowerCase() !== orgs[1].toLowerCase())) && (
          <Select label="Organisation to keep" data={orgs} value={organization} onChange={setOrganization} />
        )}
        {merge.error && <ErrorAlert error={merge.error} title="Could not merge" />}
        {merge.isSuccess && (
          <Text size="sm" c="green" role="status">
            Merged.
          </Text>
        )}
        <Group>
          <Button
            size="xs"
            disabled={!source}
            loading={merge.isPending}
            onClick={() =>
              merge.mutate(
                { source: Number(source), ...(organization ? { organization } : {}) },
                { onSuccess: () => setSource(null) },
              )
            }
          >
            Merge into this record
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
