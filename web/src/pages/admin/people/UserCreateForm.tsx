// A new person (with or without a password yet) or a service account (API tokens only).
import { useState } from "react";
import { NumberInput, PasswordInput, SegmentedControl, Select, Stack, TagsInput, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type ApiError, type Schemas } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError, withConflictOn } from "../../../lib/fieldErrors";
import { ROLES, type Role } from "./roles";

const PLACED = new Set(["/email", "/display_name", "/role", "/kind", "/password", "/skills", "/capacity"]);

export function UserCreateForm({ onDone }: { onDone(): void }) {
  const refresh = useInvalidate(keys.users);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [kind, setKind] = useState<Schemas["UserKind"]>("person");
  const [password, setPassword] = useState("");
  const [skills, setSkills] = useState<string[]>([]);
  const [capacity, setCapacity] = useState<number | string>("");

  const create = useMutation({
    mutationFn: () => {
      const body: Schemas["UserCreate"] = { email: email.trim(), display_name: name.trim(), role, kind, skills };
      if (kind === "person" && password) body.password = password;
      if (capacity !== "") body.capacity = Number(capacity);
      return unwrap(api.POST("/users", { body }));
    },
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const errors = withConflictOn(fieldErrorsOf(create.error), create.error, "/email");

  return (
    <SubmitForm onSubmit={() => create.mutate()}>
      <Stack>
        {create.error && (create.error as ApiError).status !== 409 && <ErrorAlert error={unplacedError(create.error, (p) => PLACED.has(p))} title="The user was not created" />}
        <SegmentedControl
          aria-label="Kind"
          data={[
            { value: "person", label: "Person" },
            { value: "service", label: "Service account" },
          ]}
          value={kind}
          onChange={(v) => setKind(v as Schemas["UserKind"])}
        />
        {kind === "service" && (
          <Text size="sm" c="dimmed">
            A service account has no password; it acts through API tokens (an integration, the Discord adapter).
          </Text>
        )}
        <TextInput label="Email" type="email" required value={email} error={errors["/email"]} onChange={(e) => setEmail(e.currentTarget.value)} />
        <TextInput label="Display name" required value={name} error={errors["/display_name"]} onChange={(e) => setName(e.currentTarget.value)} />
        <Select label="Role" data={ROLES} value={role} allowDeselect={false} error={errors["/role"]} onChange={(v) => v && setRole(v as Role)} />
        {kind === "person" && (
          <PasswordInput
            label="Password"
            description="At least 12 characters. Leave empty and the user cannot sign in until one is set."
            autoComplete="new-password"
            value={password}
            error={errors["/password"]}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
        )}
        <TagsInput label="Skills" description="Tags used to route tickets" value={skills} error={errors["/skills"]} onChange={setSkills} />
        <NumberInput label="Capacity" description="Open tickets routing gives the user at most (0: none); default 10" min={0} allowDecimal={false} value={capacity} error={errors["/capacity"]} onChange={setCapacity} />
        <FormActions submitLabel="Create user" pending={create.isPending} onCancel={onDone} />
      </Stack>
    </SubmitForm>
  );
}
