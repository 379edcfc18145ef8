// The signed-in user's Discord account: linked (with Unlink), or a field for the code the
// Docket bot gives in Discord for `/docket link`. A linked account lets the bot act for
// them (replies they write in a ticket channel are theirs in Docket).
import { useState } from "react";
import { Button, Code, Group, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, unwrapOrNull, type Schemas } from "../../api/client";
import { keys } from "../../api/keys";
import { ErrorAlert } from "../../components/Errors";
import { SubmitForm } from "../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../lib/fieldErrors";

export type LinkedAccount = Schemas["DiscordAccount"];

/** "ada (1234…)" or just the id when Discord gave no name. */
export function accountName(a: Pick<LinkedAccount, "discord_id" | "discord_name">): string {
  return a.discord_name ? `${a.discord_name} (${a.discord_id})` : a.discord_id;
}

export function DiscordAccountSection() {
  const client = useQueryClient();
  const account = useQuery({
    queryKey: keys.myDiscord,
    queryFn: () => unwrapOrNull(api.GET("/auth/me/discord")),
  });
  const [code, setCode] = useState("");
  const link = useMutation({
    mutationFn: () => unwrap(api.POST("/auth/me/discord", { body: { code: code.trim() } })),
    onSuccess: (linked) => {
      setCode("");
      client.setQueryData(keys.myDiscord, linked);
    },
  });
  const unlink = useMutation({
    mutationFn: () => unwrap(api.DELETE("/auth/me/discord")),
    onSuccess: () => {
      link.reset();
      client.setQueryData(keys.myDiscord, null);
    },
  });
  const errors = fieldErrorsOf(link.error);

  if (account.error) return <ErrorAlert error={account.error} title="Could not load your Discord account" />;
  if (account.isPending) {
    return (
      <Text size="sm" c="dimmed">
        Loading…
      </Text>
    );
  }
  const linked = account.data;
  if (linked) {
    return (
      <Stack gap="xs">
        <Text size="sm" role="status">
          Linked to <b>{accountName(linked)}</b> since{" "}
          <time dateTime={linked.linked_at}>{new Date(linked.linked_at).toLocaleString()}</time>.
        </Text>
        <Text size="sm" c="dimmed">
          What you write in Discord ticket channels is recorded as yours.
        </Text>
        <ErrorAlert error={unlink.error} title="Not unlinked" />
        <Group>
          <Button variant="default" color="red" loading={unlink.isPending} onClick={() => unlink.mutate()}>
            Unlink Discord account
          </Button>
        </Group>
      </Stack>
    );
  }
  return (
    <SubmitForm onSubmit={() => code.trim() && link.mutate()}>
      <Stack gap="xs">
        <Text size="sm" role="status">
          No Discord account is linked.
        </Text>
        <Text size="sm" c="dimmed">
          In Discord, run <Code>/docket link</Code>: the Docket bot answers (only to you) with a code. Enter it here within 15
          minutes.
        </Text>
        {link.error && <ErrorAlert error={unplacedError(link.error, (p) => p === "/code")} title="Not linked" />}
        <Group align="flex-end">
          <TextInput
            label="Link code"
            placeholder="K7QH-2MXP"
            value={code}
            error={errors["/code"]}
            onChange={(e) => setCode(e.currentTarget.value)}
            autoComplete="off"
          />
          <Button type="submit" loading={link.isPending} disabled={!code.trim()}>
            Link account
          </Button>
        </Group>
      </Stack>
    </SubmitForm>
  );
}
