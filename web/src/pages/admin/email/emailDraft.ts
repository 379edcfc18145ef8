// Pure logic of the admin Email page: the settings form <-> the settings document, and
// template drafts (changed or not, a variable inserted where the cursor is).
import type { EmailSettings, EmailTemplate } from "../../../api/client";

export type SmtpSecurity = EmailSettings["smtp_security"];

export const SECURITY_OPTIONS: { value: SmtpSecurity; label: string }[] = [
  { value: "starttls", label: "STARTTLS (usually port 587)" },
  { value: "tls", label: "TLS (usually port 465)" },
  { value: "none", label: "None (a relay on the same host only)" },
];

/** The settings' pointers the form shows at a field; any other problem goes to the alert. */
export const SETTINGS_FIELDS = [
  "/enabled",
  "/smtp_host",
  "/smtp_port",
  "/smtp_security",
  "/smtp_username",
  "/from_address",
  "/from_name",
  "/reply_to",
  "/public_url",
] as const;

/** Optional text (username, reply-to, public URL): empty means none (null), as the server reads it. */
export function textOrNull(text: string | null | undefined): string | null {
  const t = (text ?? "").trim();
  return t.length === 0 ? null : t;
}

/** The settings as sent: text trimmed, optional text empty -> null. */
export function settingsBody(s: EmailSettings): EmailSettings {
  return {
    enabled: s.enabled,
    smtp_host: s.smtp_host.trim(),
    smtp_port: s.smtp_port,
    smtp_security: s.smtp_security,
    smtp_username: textOrNull(s.smtp_username),
    from_address: s.from_address.trim(),
    from_name: s.from_name.trim(),
    reply_to: textOrNull(s.reply_to),
    public_url: textOrNull(s.public_url),
  };
}

/** The three parts of a template an admin edits. */
export type TemplatePart = "subject" | "text" | "html";
export interface TemplateDraft {
  subject: string;
  text: string;
  html: string;
}

export function draftOf(t: EmailTemplate): TemplateDraft {
  return { subject: t.subject, text: t.text, html: t.html };
}

/** Whether the draft differs from the template as stored. */
export function isDirty(draft: TemplateDraft, stored: EmailTemplate): boolean {
  return draft.subject !== stored.subject || draft.text !== stored.text || draft.html !== stored.html;
}

/** What clicking a variable inserts. */
export function placeholder(name: string): string {
  return `{{ ${name} }}`;
}

/**
 * `value` with `insert` put in place of the selection [start, end) (the cursor when equal;
 * the end when unknown), and where the cursor goes after it.
 */
export function insertAt(value: string, insert: string, start?: number | null, end?: number | null): { value: string; cursor: number } {
  const from = Math.min(Math.max(start ?? value.length, 0), value.length);
  const to = Math.min(Math.max(end ?? from, from), value.length);
  return { value: value.slice(0, from) + insert + value.slice(to), cursor: from + insert.length };
}
