// Pure logic of the admin AI page: the form's text fields <-> the settings document,
// and the usage report's rows grouped per day and feature.
import type { Schemas } from "../../../api/client";

export type AiSettings = Schemas["AiSettings"];
export type TriageMode = Schemas["TriageMode"];
export type UsageRow = Schemas["AiUsageOut"];

/** "a, b ,c" -> ["a", "b", "c"] (empty parts dropped, duplicates once, sorted). */
export function parseList(text: string): string[] {
  const parts = text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...new Set(parts)].sort();
}

export function formatList(list: string[] | undefined): string {
  return (list ?? []).join(", ");
}

/** The settings with one type's triage mode set (`off` removes the entry). */
export function withTriageMode(settings: AiSettings, slug: string, mode: TriageMode): AiSettings {
  const modes = { ...(settings.triage_modes ?? {}) };
  if (mode === "off") delete modes[slug];
  else modes[slug] = mode;
  return { ...settings, triage_modes: modes };
}

/** The settings with one type's excluded fields set from text (none removes the entry). */
export function withExcludedFields(settings: AiSettings, slug: string, text: string): AiSettings {
  const fields = parseList(text);
  const excluded = { ...(settings.excluded_fields ?? {}) };
  if (fields.length === 0) delete excluded[slug];
  else excluded[slug] = fields;
  return { ...settings, excluded_fields: excluded };
}

/** An empty model name turns the feature's model off (null), as the server reads it. */
export function modelOrNull(text: string): string | null {
  const t = text.trim();
  return t.length === 0 ? null : t;
}

export interface UsageLine {
  day: string;
  feature: string;
  calls: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

/** Usage rows summed over models, one line per day and feature, newest day first. */
export function usageLines(rows: UsageRow[]): UsageLine[] {
  const byKey = new Map<string, UsageLine>();
  for (const r of rows) {
    const key = `${r.day}\u0000${r.feature}`;
    const line = byKey.get(key) ?? {
      day: r.day,
      feature: r.feature,
      calls: 0,
      failures: 0,
      promptTokens: 0,
      completionTokens: 0,
      cost: 0,
    };
    line.calls += r.calls;
    line.failures += r.failures;
    line.promptTokens += r.prompt_tokens;
    line.completionTokens += r.completion_tokens;
    line.cost += r.cost;
    byKey.set(key, line);
  }
  return [...byKey.values()].sort((a, b) => (a.day === b.day ? a.feature.localeCompare(b.feature) : b.day.localeCompare(a.day)));
}

export function formatCost(cost: number): string {
  return cost === 0 ? "0" : cost < 0.01 ? cost.toFixed(4) : cost.toFixed(2);
}
