// Admin → AI: the server, models and features; triage and excluded fields per type; the
// key (write-only: the page only ever knows whether one is set); health; usage and cost.
import { useEffect, useState } from "react";
import {
  Badge,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  PasswordInput,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { useTypes } from "../../../api/queries";
import { ErrorAlert } from "../../../components/Errors";
import { PageHeader } from "../../../components/PageHeader";
import {
  formatCost,
  formatList,
  modelOrNull,
  usageLines,
  withExcludedFields,
  withTriageMode,
  type AiSettings,
  type TriageMode,
} from "./aiSettings";

const FEATURES = ["summary", "triage", "reply", "moderation"] as const;
const AI_KEYS = {
  settings: ["ai", "settings"] as const,
  health: ["ai", "health"] as const,
  usage: ["ai", "usage"] as const,
};

export default function AiPage() {
  const stored = useQuery({ queryKey: AI_KEYS.settings, queryFn: () => unwrap(api.GET("/ai/settings")) });
  const health = useQuery({ queryKey: AI_KEYS.health, queryFn: () => unwrap(api.GET("/ai/health")), refetchInterval: 10_000 });
  const usage = useQuery({ queryKey: AI_KEYS.usage, queryFn: () => unwrap(api.GET("/ai/usage")) });
  const types = useTypes();
  const [draft, setDraft] = useState<AiSettings | null>(null);
  const [key, setKey] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (stored.data && !draft) setDraft(stored.data.settings);
  }, [stored.data, draft]);

  const run = async (call: () => Promise<unknown>) => {
    setSaving(true);
    setError(null);
    try {
      await call();
      await Promise.all([stored.refetch(), health.refetch()]);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  const save = () =>
    run(async () => {
      const out = await unwrap(api.PUT("/ai/settings", { body: draft! }));
      setDraft(out.settings);
    });
  const setApiKey = () =>
    run(async () => {
      await unwrap(api.PUT("/ai/key", { body: { key } }));
      setKey("");
    });
  const clearKey = () => run(() => unwrap(api.DELETE("/ai/key")));

  if (!draft) {
    return (
      <Stack>
        <PageHeader title="AI" />
        <ErrorAlert error={stored.error} />
      </Stack>
    );
  }
  const models = (draft.models ?? {}) as Record<string, string | null | undefined>;
  const features = (draft.features ?? {}) as Record<string, boolean>;
  const prices = draft.prices ?? {};

  return (
    <Stack>
      <PageHeader title="AI">
        <Badge color={health.data?.circuit === "closed" ? "green" : health.data?.circuit === "disabled" ? "gray" : "red"}>
          {health.data ? `AI ${health.data.circuit.replace("_", " ")}` : "…"}
        </Badge>
      </PageHeader>
      <Text size="sm" c="dimmed">
        Any OpenAI-compatible server: OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp. Internal notes and excluded fields never
        leave the server.
      </Text>
      {health.data?.last_error && (
        <Text size="sm" c="red" aria-label="Last AI error">
          Last error: {health.data.last_error}
        </Text>
      )}
      {health.data?.config_error && <Text size="sm" c="red">{health.data.config_error}</Text>}
      <ErrorAlert error={error} title="Not saved" />

      <Paper withBorder p="md" component="section" aria-label="AI server">
        <Stack gap="sm">
          <Switch label="AI enabled" checked={draft.enabled ?? false} onChange={(e) => setDraft({ ...draft, enabled: e.currentTarget.checked })} />
          <TextInput label="Base URL" value={draft.base_url ?? ""} onChange={(e) => setDraft({ ...draft, base_url: e.currentTarget.value })} />
          <Group grow>
            <Select
              label="Flavour"
              data={[
                { value: "openai", label: "OpenAI-compatible" },
                { value: "azure", label: "Azure OpenAI" },
              ]}
              value={draft.flavour ?? "openai"}
              onChange={(v) => setDraft({ ...draft, flavour: (v ?? "openai") as AiSettings["flavour"] })}
            />
            <TextInput
              label="Azure api-version"
              disabled={draft.flavour !== "azure"}
              value={draft.azure_api_version ?? ""}
              onChange={(e) => setDraft({ ...draft, azure_api_version: e.currentTarget.value || null })}
            />
          </Group>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Feature</Table.Th>
                <Table.Th>On</Table.Th>
                <Table.Th>Model</Table.Th>
                <Table.Th>Price in / out per 1M tokens</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {FEATURES.map((f) => {
                const model = models[f] ?? "";
                const price = model ? prices[model] : undefined;
                const setPrice = (which: "input_per_million" | "output_per_million", v: number) =>
                  setDraft({
                    ...draft,
                    prices: { ...prices, [model]: { input_per_million: 0, output_per_million: 0, ...price, [which]: v } },
                  });
                return (
                  <Table.Tr key={f}>
                    <Table.Td>{f}</Table.Td>
                    <Table.Td>
                      <Checkbox
                        aria-label={`${f} on`}
                        checked={features[f] ?? true}
                        onChange={(e) => setDraft({ ...draft, features: { ...features, [f]: e.currentTarget.checked } as AiSettings["features"] })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <TextInput
                        aria-label={`${f} model`}
                        value={model}
                        onChange={(e) => setDraft({ ...draft, models: { ...models, [f]: modelOrNull(e.currentTarget.value) } as AiSettings["models"] })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <NumberInput aria-label={`${f} input price`} disabled={!model} min={0} w={90} value={price?.input_per_million ?? 0} onChange={(v) => setPrice("input_per_million", Number(v) || 0)} />
                        <NumberInput aria-label={`${f} output price`} disabled={!model} min={0} w={90} value={price?.output_per_million ?? 0} onChange={(v) => setPrice("output_per_million", Number(v) || 0)} />
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Stack>
      </Paper>

      <Paper withBorder p="md" component="section" aria-label="Per ticket type">
        <Title order={4}>Per ticket type</Title>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Type</Table.Th>
              <Table.Th>Triage</Table.Th>
              <Table.Th>Fields kept out of prompts</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(types.data ?? []).map((t) => (
              <Table.Tr key={t.slug}>
                <Table.Td>{t.name}</Table.Td>
                <Table.Td>
                  <Select
                    aria-label={`Triage for ${t.name}`}
                    data={["off", "suggest", "auto"]}
                    value={(draft.triage_modes ?? {})[t.slug] ?? "off"}
                    onChange={(v) => setDraft(withTriageMode(draft, t.slug, (v ?? "off") as TriageMode))}
                  />
                </Table.Td>
                <Table.Td>
                  <TextInput
                    aria-label={`Excluded fields of ${t.name}`}
                    placeholder="field, field"
                    defaultValue={formatList((draft.excluded_fields ?? {})[t.slug])}
                    onBlur={(e) => setDraft(withExcludedFields(draft, t.slug, e.currentTarget.value))}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Group>
        <Button onClick={save} loading={saving}>
          Save settings
        </Button>
      </Group>

      <Paper withBorder p="md" component="section" aria-label="API key">
        <Stack gap="sm">
          <Group>
            <Title order={4}>API key</Title>
            <Badge color={stored.data?.key_set ? "green" : "gray"}>{stored.data?.key_set ? "set" : "not set"}</Badge>
          </Group>
          <Group align="flex-end">
            <PasswordInput label="New key" autoComplete="off" value={key} onChange={(e) => setKey(e.currentTarget.value)} w={360} />
            <Button onClick={setApiKey} disabled={!key.trim()} loading={saving}>
              Set key
            </Button>
            <Button variant="default" color="red" onClick={clearKey} disabled={!stored.data?.key_set} loading={saving}>
              Clear key
            </Button>
          </Group>
          <Text size="xs" c="dimmed">
            Stored encrypted; never shown again. Servers without authentication (a local Ollama) need none.
          </Text>
        </Stack>
      </Paper>

      <Paper withBorder p="md" component="section" aria-label="Usage">
        <Title order={4}>Usage, last 30 days</Title>
        <ErrorAlert error={usage.error} />
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Day</Table.Th>
              <Table.Th>Feature</Table.Th>
              <Table.Th>Calls</Table.Th>
              <Table.Th>Failures</Table.Th>
              <Table.Th>Prompt tokens</Table.Th>
              <Table.Th>Completion tokens</Table.Th>
              <Table.Th>Cost</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {usageLines(usage.data?.items ?? []).map((l) => (
              <Table.Tr key={`${l.day}-${l.feature}`}>
                <Table.Td>{l.day}</Table.Td>
                <Table.Td>{l.feature}</Table.Td>
                <Table.Td>{l.calls}</Table.Td>
                <Table.Td>{l.failures}</Table.Td>
                <Table.Td>{l.promptTokens}</Table.Td>
                <Table.Td>{l.completionTokens}</Table.Td>
                <Table.Td>{formatCost(l.cost)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {usage.data && <Text size="sm">Total cost: {formatCost(usage.data.total_cost)}</Text>}
      </Paper>
    </Stack>
  );
}
