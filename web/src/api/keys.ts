// React Query keys, in one place so live updates can invalidate by prefix: everything
// about tickets starts with "tickets".
export const keys = {
  tickets: ["tickets"] as const,
  ticketList: (query: string) => ["tickets", "list", query] as const,
  ticket: (key: string) => ["tickets", "detail", key] as const,
  ticketComments: (key: string) => ["tickets", "detail", key, "comments"] as const,
  ticketEvents: (key: string) => ["tickets", "detail", key, "events"] as const,
  ticketSla: (key: string) => ["tickets", "detail", key, "sla"] as const,
  ticketAttachments: (key: string) => ["tickets", "detail", key, "attachments"] as const,
  /** A closed Discord conversation's transcript and exit survey, under the ticket's key. */
  ticketTranscript: (key: string) => ["tickets", "detail", key, "transcript"] as const,
  ticketSurvey: (key: string) => ["tickets", "detail", key, "survey"] as const,
  /** Under "tickets": a requester's profile, card and notes follow their tickets. */
  requester: (id: number) => ["tickets", "requester", id] as const,
  requesterCard: (id: number, exclude: string) => ["tickets", "requester", id, "card", exclude] as const,
  requesterNotes: (id: number) => ["tickets", "requester", id, "notes"] as const,
  requesterSearch: (q: string) => ["tickets", "requesters", q] as const,
  organizations: ["organizations"] as const,
  types: ["types"] as const,
  type: (slug: string) => ["types", slug] as const,
  typeWorkflow: (slug: string) => ["types", slug, "workflow"] as const,
  typeVersions: (slug: string) => ["types", slug, "versions"] as const,
  users: ["users"] as const,
  teams: ["teams"] as const,
  /** Every token list (the prefix of `tokens(scope)`): revoking one changes them all. */
  tokenLists: ["tokens"] as const,
  tokens: (scope: string) => ["tokens", scope] as const,
  views: ["views"] as const,
  calendars: ["sla", "calendars"] as const,
  policies: ["sla", "policies"] as const,
  report: (query: string) => ["sla", "report", query] as const,
  discordPanels: ["discord", "panels"] as const,
  intakeSources: ["intake", "sources"] as const,
  intakeDeliveries: (slug: string) => ["intake", "sources", slug, "deliveries"] as const,
  /** The signed-in user's bell (every page of it) and notification preferences. */
  notifications: ["notifications"] as const,
  notificationList: (unreadOnly: boolean) => ["notifications", "list", unreadOnly] as const,
  notificationPreferences: ["notification-preferences"] as const,
  /** Outgoing webhooks (admins). */
  webhookSubscriptions: ["webhook-subscriptions"] as const,
  /** The delivery log: every page and detail starts with "deliveries". */
  deliveries: ["deliveries"] as const,
  deliveryList: (query: string) => ["deliveries", "list", query] as const,
  delivery: (id: number) => ["deliveries", "detail", id] as const,
  /** Email (admins): the relay's settings, and every template. */
  emailSettings: ["email", "settings"] as const,
  emailTemplates: ["email", "templates"] as const,
  /** The signed-in user's linked Discord account. */
  myDiscord: ["discord", "me"] as const,
};
