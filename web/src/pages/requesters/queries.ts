// The requester's memory: profile, context card, staff notes, search and merge. Keys sit
// under "tickets" (src/api/keys.ts), so a change to any ticket refetches them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import { keys } from "../../api/keys";

export type RequesterProfile = Schemas["RequesterProfileOut"];
export type RequesterCard = Schemas["RequesterCardOut"];
export type Note = Schemas["NoteOut"];
export type RequesterListItem = Schemas["RequesterListItemOut"];

export function useRequesterProfile(id: number) {
  return useQuery({
    queryKey: keys.requester(id),
    queryFn: () => unwrap(api.GET("/requesters/{id}", { params: { path: { id } } })),
  });
}

/** The context card; `exclude` leaves out the ticket being looked at. */
export function useRequesterCard(id: number | undefined, exclude: string) {
  return useQuery({
    queryKey: keys.requesterCard(id ?? 0, exclude),
    queryFn: () => unwrap(api.GET("/requesters/{id}/card", { params: { path: { id: id! }, query: { exclude } } })),
    enabled: id !== undefined,
  });
}

export function useRequesterNotes(id: number) {
  return useQuery({
    queryKey: keys.requesterNotes(id),
    queryFn: () => unwrap(api.GET("/requesters/{id}/notes", { params: { path: { id } } })).then((p) => p.items),
  });
}

/** Requesters matching `q` (empty: none asked for). */
export function useRequesterSearch(q: string) {
  return useQuery({
    queryKey: keys.requesterSearch(q),
    queryFn: () => unwrap(api.GET("/requesters", { params: { query: { q, limit: 10 } } })).then((p) => p.items),
    enabled: q.trim().length > 0,
  });
}

/** After a change to a requester: everything about them (and their tickets) again. */
function useRequesterChanged(id: number) {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: keys.requester(id) });
}

export function useAddNote(requesterId: number) {
  const changed = useRequesterChanged(requesterId);
  return useMutation({
    mutationFn: (body: string) =>
      unwrap(api.POST("/requesters/{id}/notes", { params: { path: { id: requesterId } }, body: { body } })),
    onSuccess: changed,
  });
}

export function useEditNote(requesterId: number) {
  const changed = useRequesterChanged(requesterId);
  return useMutation({
    mutationFn: ({ noteId, body }: { noteId: number; body: string }) =>
      unwrap(
        api.PATCH("/requesters/{id}/notes/{note_id}", {
          params: { path: { id: requesterId, note_id: noteId } },
          body: { body },
        }),
      ),
    onSuccess: changed,
  });
}

export function useDeleteNote(requesterId: number) {
  const changed = useRequesterChanged(requesterId);
  return useMutation({
    mutationFn: (noteId: number) =>
      unwrap(
        api.DELETE("/requesters/{id}/notes/{note_id}", { params: { path: { id: requesterId, note_id: noteId } } }),
      ),
    onSuccess: changed,
  });
}

export function useMergeRequester(targetId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["MergeInput"]) =>
      unwrap(api.POST("/requesters/{id}/merge", { params: { path: { id: targetId } }, body })),
    // The merged record's tickets, card and profile all moved.
    onSuccess: () => client.invalidateQueries({ queryKey: keys.tickets }),
  });
}

/** How a requester is named in the UI. */
export function requesterName(r: { id: number; name?: string | null; email?: string | null }) {
  return r.name || r.email || `Requester ${r.id}`;
}
