// The fields panel's edit, as pure functions. An edit remembers the fields and the
// version it started from (its base): a save sends only what differs from the base, with
// If-Match of the base version, so a change someone else made meanwhile is refused (412)
// instead of being silently undone; "Reload" then moves the edit onto the new data.
import { changedFields, sameJson, withoutNulls, type JsonObject } from "../../lib/form";

export interface FieldsEdit {
  /** The ticket's fields when editing began. */
  base: JsonObject;
  /** The ticket version when editing began: the save's If-Match. */
  version: number;
  /** What the form holds now. */
  values: JsonObject;
}

/** The `fields` member of the save: the fields the user changed since the base. */
export function fieldsToSend(edit: FieldsEdit): JsonObject {
  return changedFields(edit.base, edit.values);
}

/** `changes` laid over `onto`; a null change empties the field. */
export function applyFieldChanges(onto: JsonObject, changes: JsonObject): JsonObject {
  const out: JsonObject = { ...onto };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}

/**
 * The edit after the form changed: it starts from the ticket as it is now if none was
 * open, and ends when the form is back to its base (so the form follows live changes
 * again, and the next edit starts from the newest version).
 */
export function editFields(
  edit: FieldsEdit | null,
  saved: JsonObject,
  version: number,
  values: JsonObject,
): FieldsEdit | null {
  const next = edit ? { ...edit, values } : { base: saved, version, values };
  return Object.keys(fieldsToSend(next)).length > 0 ? next : null;
}

/**
 * The edit moved onto newer data (the ticket's fields and version): the user's changes
 * stay, everything else is the new data. None left when the user changed nothing.
 */
export function rebaseFields(edit: FieldsEdit, fresh: JsonObject | null | undefined, version: number): FieldsEdit | null {
  const base = withoutNulls(fresh);
  const mine = fieldsToSend(edit);
  if (Object.keys(mine).length === 0) return null;
  return { base, version, values: applyFieldChanges(base, mine) };
}

/**
 * The edit once a save of `sentValues` succeeded with the ticket now at `saved`/`version`:
 * what the user typed while the save was in flight stays (moved onto the saved data);
 * nothing stays if they typed nothing more.
 */
export function afterFieldsSaved(
  edit: FieldsEdit | null,
  sentValues: JsonObject,
  saved: JsonObject | null | undefined,
  version: number,
): FieldsEdit | null {
  if (!edit) return null;
  const typedSince = changedFields(sentValues, edit.values);
  if (Object.keys(typedSince).length === 0) return null;
  const base = withoutNulls(saved);
  const values = applyFieldChanges(base, typedSince);
  return sameJson(values, base) ? null : { base, version, values };
}
