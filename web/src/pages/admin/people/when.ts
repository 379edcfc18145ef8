// Timestamps in tables: short local date and time, or a word when there is none.
import dayjs from "dayjs";

export function formatWhen(iso: string | null | undefined, none = "never"): string {
  return iso ? dayjs(iso).format("YYYY-MM-DD HH:mm") : none;
}
