// Every API token of every user (admins), to see what can reach the API and revoke it.
import { useState } from "react";
import { Stack, Switch, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useUsers } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { PageHeader } from "../../../components/PageHeader";
import { TokensTable } from "./TokensTable";
import { tokenStatus, type Token } from "./tokens";

export default function TokensPage() {
  const [showInactive, setShowInactive] = useState(false);
  const tokens = useQuery({ queryKey: keys.tokens("all"), queryFn: () => unwrap(api.GET("/tokens", { params: { query: { all: true } } })) });
  const users = useUsers();
  const owners = new Map((users.data ?? []).map((u) => [u.id, u.email]));
  const now = new Date();
  const shown = (tokens.data ?? []).filter((t) => showInactive || tokenStatus(t, now) === "active");

  // Both this list and the owner's own list change.
  const refresh = useInvalidate(keys.tokenLists);
  const revoke = async (t: Token) => {
    await unwrap(api.DELETE("/tokens/{id}", { params: { path: { id: t.id } } }));
    await refresh();
  };

  return (
    <Stack>
      <PageHeader title="API tokens">
        <Switch label="Show revoked and expired" checked={showInactive} onChange={(e) => setShowInactive(e.currentTarget.checked)} />
      </PageHeader>
      <Text size="sm" c="dimmed">
        Tokens of every user. People create their own on their account page.
      </Text>
      <ErrorAlert error={tokens.error} />
      <TokensTable label="API tokens" tokens={shown} owners={owners} onRevoke={revoke} />
      {tokens.data && shown.length === 0 && <Text c="dimmed">No tokens.</Text>}
    </Stack>
  );
}
