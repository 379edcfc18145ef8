// Routing in the UI: a team's assignment rule (chosen by admins) and a user's
// availability (toggled by the user, or by an admin on the users page).
import type { Schemas } from "../api/client";

export type RoutingRule = Schemas["RoutingRule"];
export type Availability = Schemas["Availability"];

/** The rules, in the order the team form offers them, with what each means. */
export const ROUTING_RULES: { value: RoutingRule; label: string; description: string }[] = [
  { value: "manual", label: "Manual", description: "Nobody is picked: agents claim or assign tickets themselves." },
  { value: "round_robin", label: "Round robin", description: "Eligible members in turn." },
  { value: "least_open", label: "Least open work", description: "The eligible member with the fewest open tickets." },
  {
    value: "skills",
    label: "Skills",
    description: "Members whose skills match the ticket's tags (or triage's skills), least open work first; everyone eligible when nobody matches.",
  },
];

/** What the team form says about a rule (falls back to manual, the default). */
export function ruleOf(value: string | null | undefined): (typeof ROUTING_RULES)[number] {
  return ROUTING_RULES.find((r) => r.value === value) ?? ROUTING_RULES[0];
}

/** A user's availability as the UI shows it; an older server that sends none means present. */
export function availabilityOf(user: { availability?: Availability | null }): Availability {
  return user.availability ?? "present";
}

/** What toggling availability sets, and the words for the action. */
export function toggleAvailability(current: Availability): { next: Availability; action: string } {
  return current === "away" ? { next: "present", action: "Set yourself present" } : { next: "away", action: "Set yourself away" };
}

/** A team rule change to send, or nothing when the rule did not change. */
export function routingChange(team: { routing?: RoutingRule | null }, chosen: RoutingRule): { routing?: RoutingRule } {
  return chosen === (team.routing ?? "manual") ? {} : { routing: chosen };
}
