// API tokens' state and expiry choices, as pure functions of the time.
import type { Schemas } from "../../../api/client";

export type Token = Schemas["TokenOut"];
export type TokenStatus = "active" | "expired" | "revoked";

export function tokenStatus(t: Token, now: Date): TokenStatus {
  if (t.revoked_at) return "revoked";
  if (t.expires_at && new Date(t.expires_at).getTime() <= now.getTime()) return "expired";
  return "active";
}

export const EXPIRY_CHOICES: { value: string; label: string; days: number | null }[] = [
  { value: "7", label: "In 7 days", days: 7 },
  { value: "30", label: "In 30 days", days: 30 },
  { value: "90", label: "In 90 days", days: 90 },
  { value: "365", label: "In 1 year", days: 365 },
  { value: "never", label: "Never", days: null },
];

/** The `expires_at` of a token created now with this choice; null never expires. */
export function expiresAt(choice: string, now: Date): string | null {
  const days = EXPIRY_CHOICES.find((c) => c.value === choice)?.days ?? null;
  return days == null ? null : new Date(now.getTime() + days * 86_400_000).toISOString();
}
