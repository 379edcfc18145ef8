// The thread's and the Discord panels' decisions, as pure functions: who may edit or
// delete a comment, how a comment's state reads, which of the ticket's files a transcript
// message names.
import type { Attachment, Me } from "../../api/client";
import type { Comment } from "./queries";

/**
 * What the signed-in user may do to a comment: its staff author and admins may edit and
 * delete it (the server decides; this only hides what it would refuse). Deleted and
 * system comments offer nothing.
 */
export function commentActions(c: Pick<Comment, "author_user_id" | "deleted_at" | "kind">, me: Me): { edit: boolean; remove: boolean } {
  if (c.deleted_at || c.kind === "system") return { edit: false, remove: false };
  const allowed = me.user.role === "admin" || (c.author_user_id != null && c.author_user_id === me.user.id);
  return { edit: allowed, remove: allowed };
}

/** Whether the comment came from Discord (relayed by the bot from a ticket channel). */
export function isFromDiscord(c: Pick<Comment, "channel">): boolean {
  return c.channel === "discord";
}

/**
 * A transcript message's files among the ticket's: found ones in the message's order,
 * and how many are gone (removed from the ticket since).
 */
export function transcriptFiles(ids: number[] | undefined, files: Attachment[]): { found: Attachment[]; missing: number } {
  const byId = new Map(files.map((f) => [f.id, f]));
  const found: Attachment[] = [];
  let missing = 0;
  for (const id of ids ?? []) {
    const f = byId.get(id);
    if (f) found.push(f);
    else missing += 1;
  }
  return { found, missing };
}

/** A 1-5 rating as five stars, filled up to the rating (out of range is clamped). */
export function stars(rating: number): boolean[] {
  const r = Math.max(0, Math.min(5, Math.round(rating)));
  return [1, 2, 3, 4, 5].map((n) => n <= r);
}

/** The time as the thread shows it. */
export function when(iso: string): string {
  return new Date(iso).toLocaleString();
}
