// The tag rule, as the server checks it (tags are stored trimmed and lower-cased).

export const MAX_TAG_LEN = 64;
/** The rule in words, for the messages of the inputs that take tags. */
export const TAG_RULE = `1 to ${MAX_TAG_LEN} characters without spaces or commas`;

/** Whether a tag (already trimmed) is one the server accepts. */
export function isValidTag(tag: string): boolean {
  return tag.length > 0 && tag.length <= MAX_TAG_LEN && !/[\s,]/.test(tag);
}
