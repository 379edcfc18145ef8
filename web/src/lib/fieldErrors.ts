// Problems from the API placed on the fields they are about. A problem's field errors
// carry JSON pointers into the request body (`/targets/P1/resolution`); forms look their
// fields up by pointer, and whatever no field shows goes to the alert at the top.
import { ApiError } from "../api/client";

/** Messages by pointer; several messages for one pointer are joined. */
export type FieldErrors = Record<string, string>;

export function fieldErrorsOf(error: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (error instanceof ApiError) {
    for (const e of error.fieldErrors) {
      out[e.pointer] = out[e.pointer] ? `${out[e.pointer]}; ${e.message}` : e.message;
    }
  }
  return out;
}

/**
 * A conflict (409: the email or slug is taken) has no pointer of its own; it is about the
 * field that names the thing, so show it there.
 */
export function withConflictOn(errors: FieldErrors, error: unknown, pointer: string): FieldErrors {
  if (error instanceof ApiError && error.status === 409 && !errors[pointer]) {
    return { ...errors, [pointer]: error.problem.detail ?? error.problem.title };
  }
  return errors;
}

/** Both sets of messages: local checks first, the server's after. */
export function mergeErrors(a: FieldErrors, b: FieldErrors): FieldErrors {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? `${out[k]}; ${v}` : v;
  return out;
}

/** The message for a list field: about the list itself or about any of its items. */
export function listError(errors: FieldErrors, pointer: string): string | undefined {
  const messages = Object.entries(errors)
    .filter(([p]) => p === pointer || p.startsWith(pointer + "/"))
    .map(([, m]) => m);
  return messages.length ? messages.join("; ") : undefined;
}

/**
 * The error as the alert should show it: without the field errors some field already
 * shows (`isPlaced(pointer)`), so the alert lists only what would otherwise be lost.
 */
export function unplacedError(error: unknown, isPlaced: (pointer: string) => boolean): unknown {
  if (!(error instanceof ApiError)) return error;
  const rest = error.fieldErrors.filter((e) => !isPlaced(e.pointer));
  return new ApiError(error.status, { ...error.problem, errors: rest });
}
