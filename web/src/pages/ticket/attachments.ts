// Files on a ticket, as pure functions: where their bytes are read, how big they read,
// which show as pictures, and the composer's files on their way to a reply.
import { API_BASE, ApiError, type Attachment } from "../../api/client";

/** The URL of a file's bytes, on the UI's origin (the session cookie is sent with it). */
export function contentHref(a: Pick<Attachment, "content_url">): string {
  return `${API_BASE}${a.content_url}`;
}

/** The raster types the server serves inline; everything else is a download. */
const INLINE_IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Whether a file shows as a thumbnail (the server sends it inline) or as a download. */
export function isInlineImage(contentType: string): boolean {
  return INLINE_IMAGES.has(contentType.split(";")[0].trim().toLowerCase());
}

const UNITS = ["KB", "MB", "GB", "TB"];

/** "512 B", "1.5 KB", "23 MB": one decimal below ten, none above (1 KB = 1024 bytes). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.9 KB rounds to 1024 KB: say 1 MB instead.
  if (shown >= 1024 && unit < UNITS.length - 1) return `1 ${UNITS[unit + 1]}`;
  return `${shown} ${UNITS[unit]}`;
}

/** Whether a drag carries files (not text or a link), so the composer offers to take them. */
export function carriesFiles(data: DataTransfer | null): boolean {
  return !!data && Array.from(data.types ?? []).includes("Files");
}

/** The files a drop or a paste carries (none for plain text). */
export function filesOf(data: DataTransfer | null): File[] {
  return data?.files ? Array.from(data.files) : [];
}

/**
 * A pasted screenshot arrives as "image.png" from every browser: name it by the time it
 * was pasted so two of them can be told apart in the thread.
 */
export function pastedName(file: File, now: Date): string {
  if (file.name && file.name !== "image.png") return file.name;
  const ext = file.type.startsWith("image/") ? file.type.slice(6).replace("jpeg", "jpg").replace(/\+.*/, "") : "bin";
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}.${pad(now.getMinutes())}.${pad(now.getSeconds())}`;
  return `Pasted image ${stamp}.${ext}`;
}

/** Why an upload failed, in the server's words (a 413's limit, a 422's field messages). */
export function uploadError(error: unknown): string {
  if (error instanceof ApiError) {
    const messages = error.fieldErrors.map((e) => e.message).filter(Boolean);
    if (messages.length > 0) return messages.join("; ");
    return error.problem.detail || error.problem.title || `HTTP ${error.status}`;
  }
  if (error instanceof TypeError) return "The server could not be reached";
  return error instanceof Error ? error.message : String(error);
}

/** A file in the composer: uploading, uploaded (an attachment to send), or refused. */
export interface PendingFile {
  /** The composer's own id, stable across the upload. */
  localId: string;
  name: string;
  size: number;
  contentType: string;
  status: "uploading" | "uploaded" | "failed";
  attachment?: Attachment;
  error?: string;
}

export function uploading(files: PendingFile[]): boolean {
  return files.some((f) => f.status === "uploading");
}

/** The ids a reply sends: the uploaded files, in the order they were added. */
export function attachmentIds(files: PendingFile[]): number[] {
  return files.flatMap((f) => (f.status === "uploaded" && f.attachment ? [f.attachment.id] : []));
}

/**
 * Whether Send may go: nothing still uploading, and something to say (text, or at least
 * one uploaded file: a reply may be only files).
 */
export function canSend(body: string, files: PendingFile[]): boolean {
  return !uploading(files) && (body.trim() !== "" || attachmentIds(files).length > 0);
}

/** The list with one file's upload settled: it now has its attachment, or its error. */
export function settle(files: PendingFile[], localId: string, outcome: { attachment: Attachment } | { error: string }): PendingFile[] {
  return files.map((f) =>
    f.localId !== localId
      ? f
      : "attachment" in outcome
        ? { ...f, status: "uploaded", attachment: outcome.attachment, name: outcome.attachment.filename, size: outcome.attachment.size, error: undefined }
        : { ...f, status: "failed", error: outcome.error },
  );
}

/** The list once a reply carried `sent`: those files leave the composer (failed ones stay, to be seen). */
export function withoutSent(files: PendingFile[], sent: number[]): PendingFile[] {
  return files.filter((f) => !(f.attachment && sent.includes(f.attachment.id)));
}
