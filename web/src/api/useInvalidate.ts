// After a write: refetch what it changed. One hook so every screen waits the same way
// (the promise settles once the refetches have, so a drawer closes on fresh data).
import { useQueryClient, type QueryKey } from "@tanstack/react-query";

/** A function that invalidates every given key (each a prefix) and waits for the refetches. */
export function useInvalidate(...queryKeys: QueryKey[]): () => Promise<void> {
  const client = useQueryClient();
  return async () => {
    await Promise.all(queryKeys.map((queryKey) => client.invalidateQueries({ queryKey })));
  };
}
