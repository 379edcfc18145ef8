// Creating a team, and changing one: its name and description, and its members.
import { useState } from "react";
import { ActionIcon, Button, Divider, Group, Select, Stack, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { IconUserMinus } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type ApiError } from "../../../api/client";
import { keys } from "../../../api/keys";
import type { Team, User } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError, withConflictOn } from "../../../lib/fieldErrors";
import { ROUTING_RULES, routingChange, ruleOf, type RoutingRule } from "../../../lib/routing";

/** Teams change users' `teams` too: refresh both. */
function useRefresh() {
  return useInvalidate(keys.teams, keys.users);
}

export function TeamCreateForm({ onDone }: { onDone(): void }) {
  const refresh = useRefresh();
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/teams", { body: { slug: slug.trim(), name: name.trim(), description: description.trim() } })),
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const errors = withConflictOn(fieldErrorsOf(create.error), create.error, "/slug");
  return (
    <SubmitForm onSubmit={() => create.mutate()}>
      <Stack>
        {create.error && (create.error as ApiError).status !== 409 && (
          <ErrorAlert error={unplacedError(create.error, (p) => ["/slug", "/name", "/description"].includes(p))} title="The team was not created" />
        )}
        <TextInput
          label="Slug"
          description="a-z, 0-9 and _, starting with a letter; types name teams by it"
          required
          value={slug}
          error={errors["/slug"]}
          onChange={(e) => setSlug(e.currentTarget.value)}
        />
        <TextInput label="Name" required value={name} error={errors["/name"]} onChange={(e) => setName(e.currentTarget.value)} />
        <Textarea label="Description" value={description} error={errors["/description"]} onChange={(e) => setDescription(e.currentTarget.value)} />
        <FormActions submitLabel="Create team" pending={create.isPending} onCancel={onDone} />
      </Stack>
    </SubmitForm>
  );
}

function TeamDetailsForm({ team }: { team: Team }) {
  const refresh = useRefresh();
  const [name, setName] = useState(team.name);
  const [description, setDescription] = useState(team.description);
  const [rule, setRule] = useState<RoutingRule>(team.routing ?? "manual");
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/teams/{slug}", {
          params: { path: { slug: team.slug } },
          body: { name: name.trim(), description: description.trim(), ...routingChange(team, rule) },
        }),
      ),
    onSuccess: refresh,
  });
  const errors = fieldErrorsOf(save.error);
  return (
    <SubmitForm onSubmit={() => save.mutate()}>
      <Stack>
        {save.error && <ErrorAlert error={unplacedError(save.error, (p) => ["/name", "/description", "/routing"].includes(p))} title="The team was not saved" />}
        <TextInput label="Name" value={name} error={errors["/name"]} onChange={(e) => setName(e.currentTarget.value)} />
        <Textarea label="Description" value={description} error={errors["/description"]} onChange={(e) => setDescription(e.currentTarget.value)} />
        <Select
          label="Assignment rule"
          description={`${ruleOf(rule).description} Eligible: members who are active agents or admins, present, and under their capacity.`}
          data={ROUTING_RULES.map((r) => ({ value: r.value, label: r.label }))}
          value={rule}
          allowDeselect={false}
          error={errors["/routing"]}
          onChange={(v) => v && setRule(v as RoutingRule)}
        />
        <FormActions submitLabel="Save team" pending={save.isPending} saved={save.isSuccess && "Saved"} />
      </Stack>
    </SubmitForm>
  );
}

function TeamMembers({ team, users }: { team: Team; users: User[] }) {
  const refresh = useRefresh();
  const [adding, setAdding] = useState<string | null>(null);
  const byId = new Map(users.map((u) => [u.id, u]));
  const change = useMutation({
    mutationFn: ({ userId, add }: { userId: number; add: boolean }) => {
      const params = { params: { path: { slug: team.slug, user_id: userId } } };
      return unwrap(add ? api.PUT("/teams/{slug}/members/{user_id}", params) : api.DELETE("/teams/{slug}/members/{user_id}", params));
    },
    onSuccess: async (_, { add }) => {
      if (add) setAdding(null);
      await refresh();
    },
  });
  const candidates = users
    .filter((u) => !team.members.includes(u.id))
    .map((u) => ({ value: String(u.id), label: `${u.display_name} (${u.email})` }));

  return (
    <Stack gap="xs">
      <ErrorAlert error={change.error} />
      {team.members.length === 0 ? (
        <Text size="sm" c="dimmed">
          No members yet.
        </Text>
      ) : (
        <Table aria-label="Members">
          <Table.Tbody>
            {team.members.map((id) => {
              const u = byId.get(id);
              const label = u ? u.display_name : `user ${id}`;
              return (
                <Table.Tr key={id}>
                  <Table.Td>{label}</Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {u?.email}
                    </Text>
                  </Table.Td>
                  <Table.Td w={40}>
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Remove ${label} from team`}
                      loading={change.isPending && change.variables?.userId === id && !change.variables.add}
                      onClick={() => change.mutate({ userId: id, add: false })}
                    >
                      <IconUserMinus size={16} />
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <Group align="flex-end">
        <Select label="Add member" data={candidates} searchable value={adding} onChange={setAdding} style={{ flex: 1 }} />
        <Button
          disabled={!adding}
          loading={change.isPending && change.variables?.add}
          onClick={() => adding && change.mutate({ userId: Number(adding), add: true })}
        >
          Add
        </Button>
      </Group>
    </Stack>
  );
}

export function TeamEditor({ team, users }: { team: Team; users: User[] }) {
  return (
    <Stack>
      <TextInput label="Slug" value={team.slug} readOnly disabled />
      <TeamDetailsForm team={team} />
      <Divider />
      <Title order={4}>Members</Title>
      <TeamMembers team={team} users={users} />
      <Divider />
      <Title order={4}>Handles ticket types</Title>
      <Text size="sm">{team.types.length ? team.types.join(", ") : "None (types list their teams in their definition)"}</Text>
    </Stack>
  );
}
