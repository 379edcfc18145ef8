// Rows changed by someone else flash briefly, so an agent notices without losing their
// place: the list itself refetches in place (live.ts invalidates it).
import { useEffect, useState } from "react";
import { isActor } from "../../lib/people";
import { onTicketChange } from "../../live";

/** How long a changed row stays marked. */
export const HIGHLIGHT_MS = 4000;

/** Keys of tickets that others changed in the last few seconds. */
export function useChangedTickets(myEmail: string): ReadonlySet<string> {
  const [changed, setChanged] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const unsubscribe = onTicketChange((change) => {
      if (isActor(change.actor, myEmail)) return;
      setChanged((prev) => new Set(prev).add(change.key));
      const timer = setTimeout(() => {
        timers.delete(timer);
        setChanged((prev) => {
          const next = new Set(prev);
          next.delete(change.key);
          return next;
        });
      }, HIGHLIGHT_MS);
      timers.add(timer);
    });
    return () => {
      unsubscribe();
      timers.forEach(clearTimeout);
    };
  }, [myEmail]);
  return changed;
}
