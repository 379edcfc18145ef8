// What the delivery topics mean to a person: labels for the notification preferences
// and the admin screens. A topic the UI does not know yet shows as itself.

const PERSONAL: Record<string, string> = {
  "ticket.assigned": "A ticket is assigned to me",
  "comment.created": "A requester answers on my ticket",
  mention: "Someone mentions me (@name) in a comment",
  "sla.warning": "An SLA target of my ticket is about to be missed",
  "sla.breach": "An SLA target of my ticket is missed",
  "sla.still_breached": "A ticket of mine is still past its SLA target",
  "webhook.disabled": "An outgoing webhook is switched off (admins)",
};

/** The preference row's label for a topic. */
export function topicLabel(topic: string): string {
  return PERSONAL[topic] ?? topic;
}

/** The patterns a subscription may name besides the known topics: `*` and `group.*`. */
export function topicPatterns(topics: string[]): string[] {
  const groups = [...new Set(topics.filter((t) => t.includes(".")).map((t) => t.split(".")[0]))];
  return ["*", ...groups.map((g) => `${g}.*`)];
}
