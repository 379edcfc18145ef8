// The signed-in user's own name and password (a new password needs the current one).
import { useState } from "react";
import { PasswordInput, Stack, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Me, type Schemas } from "../../api/client";
import { ME_KEY } from "../../auth";
import { ErrorAlert } from "../../components/Errors";
import { FormActions } from "../../components/FormActions";
import { SubmitForm } from "../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../lib/fieldErrors";

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
    <SubmitForm onSubmit={() => update.mutate({ display_name: name.trim() })}>
      <Stack gap="sm">
        {update.error && <ErrorAlert error={unplacedError(update.error, (p) => p === "/display_name")} title="Your name was not saved" />}
        <TextInput label="Email" value={me.user.email} readOnly disabled />
        <TextInput label="Display name" required value={name} error={errors["/display_name"]} onChange={(e) => setName(e.currentTarget.value)} />
        <FormActions submitLabel="Save name" pending={update.isPending} saved={update.isSuccess && "Saved"} />
      </Stack>
    </SubmitForm>
  );
}

export function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const update = useUpdateMe();
  const errors = fieldErrorsOf(update.error);

  function submit() {
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
    <SubmitForm onSubmit={submit}>
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
        <FormActions
          submitLabel="Change password"
          pending={update.isPending}
          disabled={!current || !next}
          saved={update.isSuccess && "Password changed"}
        />
      </Stack>
    </SubmitForm>
  );
}
