// What a drawer edits, kept while it animates closed so its title and content do not
// flash to the "new" state; `seq` keys the form so each opening starts from its value.
import { useState } from "react";

export interface DrawerState<T> {
  value: T | null;
  opened: boolean;
  seq: number;
  open(value: T): void;
  close(): void;
}

export function useDrawer<T>(): DrawerState<T> {
  const [state, setState] = useState<{ value: T | null; opened: boolean; seq: number }>({
    value: null,
    opened: false,
    seq: 0,
  });
  return {
    value: state.value,
    opened: state.opened,
    seq: state.seq,
    open: (value: T) => setState((s) => ({ value, opened: true, seq: s.seq + 1 })),
    close: () => setState((s) => ({ ...s, opened: false })),
  };
}
