// Durations as admins write them ("4h", "30m", "1d 4h", "90") and as the API stores them.
// SLA targets and `still_breached_after` are whole minutes of business time, so parsing
// yields minutes; a "day" is 24 hours of business time (not a working day), because that
// is what the API counts.

const MINUTES_PER: Record<string, number> = {
  w: 7 * 24 * 60,
  d: 24 * 60,
  h: 60,
  m: 1,
};

/** The unit letter a spelled-out unit stands for ("hours" -> "h"). */
function unitOf(word: string): string | null {
  const w = word.toLowerCase();
  if (w === "") return "m"; // a bare number is minutes, the API's unit
  if (/^(w|wk|wks|weeks?)$/.test(w)) return "w";
  if (/^(d|days?)$/.test(w)) return "d";
  if (/^(h|hr|hrs|hours?)$/.test(w)) return "h";
  if (/^(m|min|mins|minutes?)$/.test(w)) return "m";
  return null;
}

export type ParsedMinutes = { ok: true; minutes: number | null } | { ok: false; error: string };

/**
 * Parse a duration into whole minutes. Empty text is `null` (no value, e.g. no target).
 * Accepts parts like "2d", "4h", "30m", "1.5h", "1h 30m", "1d4h"; a bare number is minutes.
 */
export function parseMinutes(text: string): ParsedMinutes {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, minutes: null };
  const part = /(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*,?\s*/y;
  let total = 0;
  let at = 0;
  while (at < trimmed.length) {
    part.lastIndex = at;
    const m = part.exec(trimmed);
    if (!m) return { ok: false, error: `Write durations like 30m, 4h, 2d or 1h 30m` };
    const unit = unitOf(m[2]);
    if (!unit) return { ok: false, error: `Unknown unit "${m[2]}": use m, h, d or w` };
    total += Number(m[1]) * MINUTES_PER[unit];
    at = part.lastIndex;
  }
  if (!Number.isInteger(Math.round(total * 1000) / 1000)) {
    return { ok: false, error: "Durations are whole minutes" };
  }
  return { ok: true, minutes: Math.round(total) };
}

/** Whole minutes as the largest units that divide them: 2880 -> "2d", 90 -> "1h 30m". */
export function formatMinutes(minutes: number): string {
  if (minutes === 0) return "0m";
  const sign = minutes < 0 ? "-" : "";
  let rest = Math.abs(Math.round(minutes));
  const parts: string[] = [];
  for (const unit of ["d", "h", "m"] as const) {
    const n = Math.floor(rest / MINUTES_PER[unit]);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * MINUTES_PER[unit];
  }
  return sign + parts.join(" ");
}

/** A minutes value for an input: "" for none. */
export function minutesToText(minutes: number | null | undefined): string {
  return minutes == null ? "" : formatMinutes(minutes);
}

/**
 * Seconds in the two largest units that matter: "45s", "2m 30s", "1h 05m", "2d 4h".
 * Null is "—". Report medians and percentiles (fractional) use it, and SLA countdowns
 * through `formatDuration` in sla.ts.
 */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  const total = Math.round(Math.abs(seconds));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}
