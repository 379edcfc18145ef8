// Who is who, as several screens need it: whether a change's actor is the signed-in
// user, and who can work tickets.
import type { User } from "../api/queries";

/** Whether an audit/live actor ("ada@x", "ada@x (token 3)") is this user (by session or token). */
export function isActor(actor: string, email: string): boolean {
  return actor === email || actor.startsWith(`${email} (token `);
}

/**
 * The people who can work a ticket of a type: active staff (agents and admins, not
 * viewers or service accounts) who are admins or in one of the teams handling it. No
 * teams given: every such person.
 */
export function workersFor(users: User[], typeTeams: string[]): User[] {
  return users
    .filter((u) => u.active && u.kind === "person" && u.role !== "viewer")
    .filter((u) => u.role === "admin" || typeTeams.length === 0 || u.teams.some((t) => typeTeams.includes(t)))
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
}
