// The signed-in user's own name and password (a new password needs the current one).
import { useState } from "react";
import { Button, Group, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Me, type Schemas } from "../../api/client";
import { ME_KEY } from "../../auth";
import { ErrorAlert } from "../../components/Errors";
import { fieldErrorsOf, unplacedError } from "../admin/people/fieldErrors";

function useUpdateMe() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["MeUpdate"]) => unwrap(api.PATCH("/auth/me", { body })),
    // The answer is the new `Me` (same session, same CSRF token): the header shows the name at once.
    onSuccess: (me: Me) => client.setQueryData(ME_KEY, me),
  });
}

export function DisplayNameForm({ me }: { me: Me }) {
  const [name, setName] = useState(me.user.display_name);
  const update = useUpdateMe();
  const errors = fieldErrorsOf(update.error);
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({ display_name: name.trim() });
      }}
    >
      <Stack gap="sm">
        {update.error && <ErrorAlert error={unplacedError(update.error, (p) => p === "/display_name")} title="Your name was not saved" />}
        <TextInput label="Email" value={me.user.email} readOnly disabled />
        <TextInput label="Display name" required value={name} error={errors["/display_name"]} onChange={(e) => setName(e.currentTarget.value)} />
        <Group justify="flex-end">
          {update.isSuccess && (
            <Text size="sm" c="green" role="status">
              Saved
            </Text>
          )}
          <Button type="submit" loading={update.isPending}>
            Save name
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const update = useUpdateMe();
  const errors = fieldErrorsOf(update.error);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setMismatch(next !== repeat);
    if (next !== repeat) return;
    update.mutate(
      { password: next, current_password: current },
      {
        onSuccess: () => {
          setCurrent("");
          setNext("");
          setRepeat("");
        },
      },
    );
  }

  return (
    <form noValidate onSubmit={submit}>
      <Stack gap="sm">
        {update.error && (
          <ErrorAlert
            error={unplacedError(update.error, (p) => p === "/password" || p === "/current_password")}
            title="Your password was not changed"
          />
        )}
        <PasswordInput
          label="Current password"
          autoComplete="current-password"
          required
          value={current}
          error={errors["/current_password"]}
          onChange={(e) => setCurrent(e.currentTarget.value)}
        />
        <PasswordInput
          label="New password"
          description="At least 12 characters"
          autoComplete="new-password"
          required
          value={next}
          error={errors["/password"]}
          onChange={(e) => setNext(e.currentTarget.value)}
        />
        <PasswordInput
          label="Repeat new password"
          autoComplete="new-password"
          required
          value={repeat}
          error={mismatch ? "The passwords differ" : undefined}
          onChange={(e) => setRepeat(e.currentTarget.value)}
        />
        <Group justify="flex-end">
          {update.isSuccess && (
            <Text size="sm" c="green" role="status">
              Password changed
            </Text>
          )}
          <Button type="submit" loading={update.isPending} disabled={!current || !next}>
            Change password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
