// The signed-in user's API tokens: create one (its secret shown once), revoke one.
import { useState } from "react";
import { Alert, Button, Checkbox, Code, CopyButton, Group, Modal, Select, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Me, type Schemas } from "../../api/client";
import { isAdmin } from "../../auth";
import { keys } from "../../api/keys";
import { useInvalidate } from "../../api/useInvalidate";
import { ErrorAlert } from "../../components/Errors";
import { FormActions } from "../../components/FormActions";
import { SubmitForm } from "../../components/SubmitForm";
import { fieldErrorsOf, listError, unplacedError } from "../../lib/fieldErrors";
import { SCOPES, type Scope } from "../admin/people/roles";
import { TokensTable } from "../admin/people/TokensTable";
import { EXPIRY_CHOICES, expiresAt, type Token } from "../admin/people/tokens";

function CreateTokenForm({ me, onCreated, onCancel }: { me: Me; onCreated(t: Schemas["TokenCreated"]): void; onCancel(): void }) {
  const refresh = useInvalidate(keys.tokenLists);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read"]);
  const [expiry, setExpiry] = useState("90");
  // Only admins may hold the admin scope.
  const offered = SCOPES.filter((s) => s.value !== "admin" || isAdmin(me));

  const create = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/tokens", { body: { name: name.trim(), scopes: scopes as Scope[], expires_at: expiresAt(expiry, new Date()) } })),
    onSuccess: async (created) => {
      await refresh();
      onCreated(created);
    },
  });
  const errors = fieldErrorsOf(create.error);

  return (
    <SubmitForm onSubmit={() => create.mutate()}>
      <Stack>
        {create.error && (
          <ErrorAlert
            error={unplacedError(create.error, (p) => p === "/name" || p === "/expires_at" || p.startsWith("/scopes"))}
            title="The token was not created"
          />
        )}
        <TextInput
          label="Token name"
          description="What it is for, e.g. the integration using it"
          required
          value={name}
          error={errors["/name"]}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Checkbox.Group label="Scopes" value={scopes} onChange={setScopes} error={listError(errors, "/scopes")}>
          <Stack gap={6} mt={6}>
            {offered.map((s) => (
              <Checkbox key={s.value} value={s.value} label={s.label} description={s.description} />
            ))}
          </Stack>
        </Checkbox.Group>
        <Select
          label="Expires"
          data={EXPIRY_CHOICES.map(({ value, label }) => ({ value, label }))}
          value={expiry}
          allowDeselect={false}
          error={errors["/expires_at"]}
          onChange={(v) => v && setExpiry(v)}
        />
        <FormActions submitLabel="Create token" pending={create.isPending} onCancel={onCancel} />
      </Stack>
    </SubmitForm>
  );
}

/** The new token's secret, this once, with a copy button. */
function NewTokenSecret({ token, onDone }: { token: Schemas["TokenCreated"]; onDone(): void }) {
  return (
    <Stack>
      <Alert color="yellow" title="Copy the token now">
        This is the only time the token is shown. Store it somewhere safe; if it is lost, revoke it and create a new one.
      </Alert>
      <Code block aria-label="New token" style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }}>
        {token.token}
      </Code>
      <Group justify="flex-end">
        <CopyButton value={token.token}>
          {({ copied, copy }) => (
            <Button color={copied ? "teal" : "blue"} variant="light" onClick={copy}>
              {copied ? "Copied" : "Copy token"}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onDone}>Done</Button>
      </Group>
    </Stack>
  );
}

export function MyTokens({ me }: { me: Me }) {
  const refresh = useInvalidate(keys.tokenLists);
  const [stage, setStage] = useState<"closed" | "form" | { created: Schemas["TokenCreated"] }>("closed");
  const tokens = useQuery({ queryKey: keys.tokens("mine"), queryFn: () => unwrap(api.GET("/tokens")) });
  const active = (tokens.data ?? []).filter((t) => !t.revoked_at);

  const revoke = async (t: Token) => {
    await unwrap(api.DELETE("/tokens/{id}", { params: { path: { id: t.id } } }));
    await refresh();
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Tokens let scripts and integrations use the API as you, within the scopes you give them.
        </Text>
        <Button onClick={() => setStage("form")}>Create token</Button>
      </Group>
      <ErrorAlert error={tokens.error} />
      <TokensTable label="My API tokens" tokens={active} onRevoke={revoke} />
      {tokens.data && active.length === 0 && <Text c="dimmed">You have no API tokens.</Text>}
      <Modal
        opened={stage !== "closed"}
        // The secret is only shown here: do not let a stray click outside lose it.
        closeOnClickOutside={stage === "form"}
        onClose={() => setStage("closed")}
        title={typeof stage === "object" ? "Your new API token" : "Create an API token"}
        size="lg"
      >
        {stage === "form" && <CreateTokenForm me={me} onCreated={(created) => setStage({ created })} onCancel={() => setStage("closed")} />}
        {typeof stage === "object" && <NewTokenSecret token={stage.created} onDone={() => setStage("closed")} />}
      </Modal>
    </Stack>
  );
}
