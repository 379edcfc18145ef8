// Where to go after signing in (`/login?next=...`). Only a place on this site: anything
// that resolves to another origin (`//evil.com`, `/\evil.com`, `https://evil.com`,
// `javascript:...`) is refused, so a crafted link cannot send a fresh session elsewhere.

/** The path, query and fragment `next` names on `origin`, or null if it leaves it. */
export function safeNextPath(next: string | null | undefined, origin: string): string | null {
  if (!next || !next.startsWith("/")) return null;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  return url.pathname + url.search + url.hash;
}
