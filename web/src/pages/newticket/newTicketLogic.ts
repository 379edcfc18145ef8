// The new-ticket screen's rules as pure functions: which types the user may create,
// what the core inputs must hold, and the request body they make.
import type { Schemas } from "../../api/client";
import type { Team, TypeSummary } from "../../api/queries";
import { isValidTag, TAG_RULE } from "../../lib/tags";

type Me = Schemas["Me"];

/**
 * The types the user may open tickets of: all for admins, none for viewers, and for
 * agents those a team of theirs handles (the server refuses the others).
 */
export function creatableTypes(types: TypeSummary[], teams: Team[], me: Me): TypeSummary[] {
  if (me.user.role === "admin") return types;
  if (me.user.role === "viewer") return [];
  const handled = new Set(teams.filter((t) => me.user.teams.includes(t.slug)).flatMap((t) => t.types));
  return types.filter((t) => handled.has(t.slug));
}

export interface CoreValues {
  title: string;
  body: string;
  priority: Schemas["Priority"] | null;
  requesterEmail: string;
  requesterName: string;
  tags: string[];
}

export const MAX_TITLE = 300;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Client-side checks of the core inputs, keyed like `coreErrorsByField` keys server errors. */
export function validateCore(v: CoreValues): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!v.title.trim()) errors.title = "A title is required";
  else if ([...v.title.trim()].length > MAX_TITLE) errors.title = `At most ${MAX_TITLE} characters`;
  const email = v.requesterEmail.trim();
  if (email && !EMAIL.test(email)) errors["requester/email"] = "Not an email address";
  if (!email && v.requesterName.trim()) errors["requester/email"] = "Give the requester's email too";
  if (v.tags.some((t) => !isValidTag(t.trim()))) errors.tags = `Tags are ${TAG_RULE}`;
  return errors;
}

/** The POST /tickets body; empty optional inputs are left out so the server's defaults apply. */
export function createBody(type: string, v: CoreValues, fields: Record<string, unknown>): Schemas["TicketCreate"] {
  const email = v.requesterEmail.trim();
  const name = v.requesterName.trim();
  const body: Schemas["TicketCreate"] = {
    type,
    title: v.title.trim(),
    body: v.body,
    source: "web",
    tags: v.tags.map((t) => t.trim()).filter(Boolean),
    fields: fields as Record<string, never>,
  };
  if (v.priority) body.priority = v.priority;
  if (email) body.requester = name ? { email, name } : { email };
  return body;
}

/**
 * A fresh `Idempotency-Key` for one create: a retry with it (after a lost response)
 * returns the ticket made first instead of a second one. `crypto.randomUUID` needs a
 * secure context, which a server on a LAN address over plain HTTP is not.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
