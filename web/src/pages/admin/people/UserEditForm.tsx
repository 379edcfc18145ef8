// An admin's change to a user: name, role, active, skills, capacity, a new password.
// Only what changed is sent (the API leaves absent members as they are).
import { useState } from "react";
import { NumberInput, PasswordInput, Select, Stack, Switch, TagsInput, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../../lib/fieldErrors";
import { ROLES, type Role } from "./roles";

const PLACED = new Set(["/display_name", "/role", "/active", "/password", "/skills", "/capacity"]);

/** The members of the update that differ from the user as loaded. */
export function userChanges(
  user: Schemas["UserOut"],
  form: { name: string; role: Role; active: boolean; skills: string[]; capacity: number | string; password: string },
): Schemas["UserUpdate"] {
  const out: Schemas["UserUpdate"] = {};
  if (form.name.trim() !== user.display_name) out.display_name = form.name.trim();
  if (form.role !== user.role) out.role = form.role;
  if (form.active !== user.active) out.active = form.active;
  if (form.skills.join("\n") !== user.skills.join("\n")) out.skills = form.skills;
  if (form.capacity !== "" && Number(form.capacity) !== user.capacity) out.capacity = Number(form.capacity);
  if (form.password) out.password = form.password;
  return out;
}

export function UserEditForm({ user, onDone }: { user: Schemas["UserOut"]; onDone(): void }) {
  const refresh = useInvalidate(keys.users);
  const [name, setName] = useState(user.display_name);
  const [role, setRole] = useState<Role>(user.role);
  const [active, setActive] = useState(user.active);
  const [skills, setSkills] = useState(user.skills);
  const [capacity, setCapacity] = useState<number | string>(user.capacity);
  const [password, setPassword] = useState("");

  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/users/{id}", {
          params: { path: { id: user.id } },
          body: userChanges(user, { name, role, active, skills, capacity, password }),
        }),
      ),
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const errors = fieldErrorsOf(save.error);

  return (
    <SubmitForm onSubmit={() => save.mutate()}>
      <Stack>
        {save.error && <ErrorAlert error={unplacedError(save.error, (p) => PLACED.has(p))} title="The user was not saved" />}
        <TextInput label="Email" value={user.email} readOnly disabled />
        <TextInput label="Display name" value={name} error={errors["/display_name"]} onChange={(e) => setName(e.currentTarget.value)} />
        <Select label="Role" data={ROLES} value={role} allowDeselect={false} error={errors["/role"]} onChange={(v) => v && setRole(v as Role)} />
        <Switch
          label="Active"
          description="Inactive users cannot sign in and their tokens stop working"
          checked={active}
          error={errors["/active"]}
          onChange={(e) => setActive(e.currentTarget.checked)}
        />
        <TagsInput label="Skills" value={skills} error={errors["/skills"]} onChange={setSkills} />
        <NumberInput label="Capacity" description="Open tickets routing gives the user at most (0: none)" min={0} allowDecimal={false} value={capacity} error={errors["/capacity"]} onChange={setCapacity} />
        {user.kind === "person" && (
          <PasswordInput
            label="New password"
            description="Sets a new password and ends the user's sessions. Leave empty to keep the current one."
            autoComplete="new-password"
            value={password}
            error={errors["/password"]}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
        )}
        <FormActions submitLabel="Save user" pending={save.isPending} onCancel={onDone} />
      </Stack>
    </SubmitForm>
  );
}
