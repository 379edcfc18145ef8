// The rows ticked for a bulk action. The selection belongs to one list query (filters and
// page): another query starts empty. A live refetch keeps the ticks of rows still listed.
import { useCallback, useMemo, useRef, useState } from "react";

interface Ticks {
  /** The API list query the ticks were made on. */
  scope: string;
  keys: ReadonlySet<string>;
}

export interface BulkSelection {
  /** Ticked keys among the rows shown now. */
  selected: ReadonlySet<string>;
  toggle(key: string): void;
  /** Tick every row shown, or none. */
  setAll(checked: boolean): void;
  /** Untick these keys (e.g. the ones a bulk action updated). */
  remove(keys: Iterable<string>): void;
  clear(): void;
}

export function useBulkSelection(scope: string, rowKeys: string[] | undefined): BulkSelection {
  const [ticks, setTicks] = useState<Ticks>({ scope, keys: new Set() });
  const shown = useMemo(() => rowKeys ?? [], [rowKeys]);
  // Ticks of another query, or of rows no longer listed, do not count.
  const selected = useMemo<ReadonlySet<string>>(
    () => (ticks.scope === scope ? new Set(shown.filter((k) => ticks.keys.has(k))) : new Set()),
    [ticks, scope, shown],
  );

  // Functional updates from the ticks as they are, so the callbacks stay the same between
  // renders (the rows are memoised); rows no longer listed are dropped on the way, so one
  // that comes back later is not ticked again.
  const shownNow = useRef(shown);
  shownNow.current = shown;
  const update = useCallback(
    (change: (keys: ReadonlySet<string>) => ReadonlySet<string>) =>
      setTicks((prev) => {
        const listed = new Set(shownNow.current);
        const keys = prev.scope === scope ? [...prev.keys].filter((k) => listed.has(k)) : [];
        return { scope, keys: change(new Set(keys)) };
      }),
    [scope],
  );
  const toggle = useCallback(
    (key: string) =>
      update((keys) => {
        const next = new Set(keys);
        if (!next.delete(key)) next.add(key);
        return next;
      }),
    [update],
  );
  const setAll = useCallback((checked: boolean) => update(() => new Set(checked ? shown : [])), [shown, update]);
  // A bulk action's late result: for the query it was made on only.
  const remove = useCallback(
    (gone: Iterable<string>) => {
      const drop = new Set(gone);
      setTicks((prev) => (prev.scope === scope ? { scope, keys: new Set([...prev.keys].filter((k) => !drop.has(k))) } : prev));
    },
    [scope],
  );
  const clear = useCallback(() => update(() => new Set()), [update]);
  return { selected, toggle, setAll, remove, clear };
}
