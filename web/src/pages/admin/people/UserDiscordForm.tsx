// An admin sets or clears a user's Discord account (for staff who cannot use the bot's
// `/docket link`). The API answers with the account as set; it has no read of a user's
// link by user, so the form says what it last did rather than what was there before.
import { useState } from "react";
import { Button, Group, Stack, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../../api/client";
import { ErrorAlert } from "../../../components/Errors";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../../lib/fieldErrors";

export function UserDiscordForm({ user }: { user: Schemas["UserOut"] }) {
  const [discordId, setDiscordId] = useState("");
  const [discordName, setDiscordName] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (body: Schemas["DiscordAccountUpdate"]) =>
      unwrap(api.PUT("/users/{id}/discord", { params: { path: { id: user.id } }, body })),
    onSuccess: (account) => {
      setDone(account ? `Linked to ${account.discord_name ? `${account.discord_name} (${account.discord_id})` : account.discord_id}` : "Unlinked");
      if (!account) {
        setDiscordId("");
        setDiscordName("");
      }
    },
  });
  const errors = fieldErrorsOf(save.error);
  const set = () => {
    setDone(null);
    save.mutate({ discord_id: discordId.trim(), ...(discordName.trim() ? { discord_name: discordName.trim() } : {}) });
  };

  return (
    <SubmitForm onSubmit={set}>
      <Stack gap="xs" role="group" aria-label="Discord account">
        <Text size="sm" c="dimmed">
          Staff usually link their own account with <b>/docket link</b>. Setting one here replaces any earlier link; Unlink
          clears it.
        </Text>
        {save.error && <ErrorAlert error={unplacedError(save.error, (p) => p === "/discord_id")} title="The Discord account was not changed" />}
        <TextInput
          label="Discord user id"
          description="Digits: Developer Mode, then right-click the user → Copy User ID"
          value={discordId}
          error={errors["/discord_id"]}
          onChange={(e) => setDiscordId(e.currentTarget.value)}
        />
        <TextInput label="Discord name" description="Optional, for display" value={discordName} onChange={(e) => setDiscordName(e.currentTarget.value)} />
        <Group justify="flex-end">
          {done && (
            <Text size="sm" c="green" role="status">
              {done}
            </Text>
          )}
          <Button
            variant="default"
            loading={save.isPending && save.variables?.discord_id === null}
            onClick={() => {
              setDone(null);
              save.mutate({ discord_id: null });
            }}
          >
            Unlink
          </Button>
          <Button type="submit" variant="light" disabled={!discordId.trim()} loading={save.isPending && save.variables?.discord_id != null}>
            Set Discord account
          </Button>
        </Group>
      </Stack>
    </SubmitForm>
  );
}
