// The ticket screen's address. Keys are "IT-42" today, but a type's key prefix is data:
// encoding keeps a link right whatever it holds.

/** The path of a ticket's screen. */
export function ticketPath(key: string): string {
  return `/tickets/${encodeURIComponent(key)}`;
}
