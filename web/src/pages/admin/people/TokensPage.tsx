// Every API token of every user (admins), to see what can reach the API and revoke it.
import { useState } from "react";
import { Group, Stack, Switch, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ErrorAlert } from "../../../components/Errors";
import { TokensTable } from "./TokensTable";
import { tokenStatus, type Token } from "./tokens";

export default function TokensPage() {
  const client = useQueryClient();
  const [showInactive, setShowInactive] = useState(false);
  const tokens = useQuery({ queryKey: keys.tokens("all"), queryFn: () => unwrap(api.GET("/tokens", { params: { query: { all: true } } })) });
  const users = useQuery({ queryKey: keys.users, queryFn: () => unwrap(api.GET("/users")) });
  const owners = new Map((users.data ?? []).map((u) => [u.id, u.email]));
  const now = new Date();
  const shown = (tokens.data ?? []).filter((t) => showInactive || tokenStatus(t, now) === "active");

  const revoke = async (t: Token) => {
    await unwrap(api.DELETE("/tokens/{id}", { params: { path: { id: t.id } } }));
    // Both this list and the owner's own list change.
    await client.invalidateQueries({ queryKey: ["tokens"] });
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>API tokens</Title>
        <Switch label="Show revoked and expired" checked={showInactive} onChange={(e) => setShowInactive(e.currentTarget.checked)} />
      </Group>
      <Text size="sm" c="dimmed">
        Tokens of every user. People create their own on their account page.
      </Text>
      <ErrorAlert error={tokens.error} />
      <TokensTable label="API tokens" tokens={shown} owners={owners} onRevoke={revoke} />
      {tokens.data && shown.length === 0 && <Text c="dimmed">No tokens.</Text>}
    </Stack>
  );
}
