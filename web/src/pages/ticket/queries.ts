// The data the ticket screen reads and writes, as React Query hooks (types, workflows,
// people and teams are shared: src/api/queries.ts). Every ticket key starts with
// "tickets", so live updates refetch them when others change the ticket.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, unwrapOrNull, type Schemas, type Ticket } from "../../api/client";
import { keys } from "../../api/keys";

export type Comment = Schemas["CommentOut"];
export type AuditEvent = Schemas["EventOut"];
export type TicketSla = Schemas["TicketSlaOut"];
export type TicketUpdate = Schemas["TicketUpdate"];
export type Transcript = Schemas["TranscriptOut"];
export type TranscriptMessage = Schemas["TranscriptMessage"];
export type Survey = Schemas["SurveyOut"];

/** Follow `next_cursor` until the end: a ticket's thread and trail are short. */
async function allPages<T>(fetchPage: (cursor?: string) => Promise<{ items: T[]; next_cursor?: string | null }>) {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await fetchPage(cursor);
    items.push(...out.items);
    if (!out.next_cursor) break;
    cursor = out.next_cursor;
  }
  return items;
}

export function useTicket(key: string) {
  return useQuery({
    queryKey: keys.ticket(key),
    queryFn: () => unwrap(api.GET("/tickets/{key}", { params: { path: { key } } })),
  });
}

export function useComments(key: string) {
  return useQuery({
    queryKey: keys.ticketComments(key),
    queryFn: () =>
      allPages((cursor) =>
        unwrap(api.GET("/tickets/{key}/comments", { params: { path: { key }, query: { limit: 200, cursor } } })),
      ),
  });
}

export function useEvents(key: string) {
  return useQuery({
    queryKey: keys.ticketEvents(key),
    queryFn: () =>
      allPages((cursor) =>
        unwrap(api.GET("/tickets/{key}/events", { params: { path: { key }, query: { limit: 200, cursor } } })),
      ),
  });
}

export function useTicketSla(key: string) {
  return useQuery({
    queryKey: keys.ticketSla(key),
    queryFn: () => unwrap(api.GET("/tickets/{key}/sla", { params: { path: { key } } })),
  });
}

/** The requester's most recent tickets (the list endpoint filters on `requester_id`). */
export function useRequesterTickets(requesterId: number | undefined) {
  const query = `requester_id=${requesterId}&sort=-created_at&limit=21`;
  return useQuery({
    queryKey: keys.ticketList(query),
    queryFn: () =>
      unwrap(
        api.GET("/tickets", {
          // `requester_id` is one of the documented dynamic filters, not a declared parameter.
          params: { query: { requester_id: requesterId, sort: "-created_at", limit: 21 } as { limit: number } },
        }),
      ),
    enabled: requesterId !== undefined,
  });
}

/** After a write: the ticket as the server returned it, and everything derived refetched. */
function useTicketWritten(key: string) {
  const client = useQueryClient();
  return (ticket?: Ticket) => {
    if (ticket) client.setQueryData(keys.ticket(ticket.key), ticket);
    client.invalidateQueries({ queryKey: keys.ticket(key) });
    client.invalidateQueries({ queryKey: [...keys.tickets, "list"] });
  };
}

/** A write refused because the ticket changed since the version it was based on. */
export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 412 || error.status === 409);
}

/**
 * PATCH the ticket with only the changes, against the version the edit started from
 * (`If-Match`): if someone changed it since, the server answers 412 and writes nothing.
 */
export function useUpdateTicket(key: string) {
  const written = useTicketWritten(key);
  return useMutation({
    mutationFn: ({ version, update }: { version: number; update: TicketUpdate }) =>
      unwrap(
        api.PATCH("/tickets/{key}", {
          params: { path: { key }, header: { "If-Match": `"${version}"` } },
          body: update,
        }),
      ),
    onSuccess: (ticket) => written(ticket),
  });
}

export function useAddComment(key: string) {
  const written = useTicketWritten(key);
  return useMutation({
    mutationFn: (body: Schemas["CommentCreate"]) =>
      unwrap(api.POST("/tickets/{key}/comments", { params: { path: { key } }, body })),
    onSuccess: () => written(),
  });
}

/** Change a comment's text (its author, or an admin); the trail keeps the earlier text. */
export function useEditComment(key: string) {
  const written = useTicketWritten(key);
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: string }) =>
      unwrap(api.PATCH("/tickets/{key}/comments/{id}", { params: { path: { key, id } }, body: { body } })),
    onSuccess: () => written(),
  });
}

/** Delete a comment: its text leaves the thread (the trail keeps it), its files stay. */
export function useDeleteComment(key: string) {
  const written = useTicketWritten(key);
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE("/tickets/{key}/comments/{id}", { params: { path: { key, id } } })),
    onSuccess: () => written(),
  });
}

/** The saved transcript of the ticket's Discord channel, or null when it has none. */
export function useTranscript(key: string) {
  return useQuery({
    queryKey: keys.ticketTranscript(key),
    queryFn: () => unwrapOrNull(api.GET("/tickets/{key}/transcript", { params: { path: { key } } })),
  });
}

/** The requester's exit survey answer, or null when there is none. */
export function useSurvey(key: string) {
  return useQuery({
    queryKey: keys.ticketSurvey(key),
    queryFn: () => unwrapOrNull(api.GET("/tickets/{key}/survey", { params: { path: { key } } })),
  });
}

/** Write the ticket's summary against the version shown (`If-Match`). */
export function usePutSummary(key: string) {
  const written = useTicketWritten(key);
  return useMutation({
    mutationFn: ({ version, summary }: { version: number; summary: Schemas["SummaryInput"] }) =>
      unwrap(
        api.PUT("/tickets/{key}/summary", {
          params: { path: { key }, header: { "If-Match": `"${version}"` } },
          body: summary,
        }),
      ),
    onSuccess: (ticket) => written(ticket),
  });
}

export function useClearSummary(key: string) {
  const written = useTicketWritten(key);
  return useMutation({
    mutationFn: (version: number) =>
      unwrap(api.DELETE("/tickets/{key}/summary", { params: { path: { key }, header: { "If-Match": `"${version}"` } } })),
    onSuccess: (ticket) => written(ticket),
  });
}

/** Every file of the ticket, on a comment or not (a transcript's), in upload order. */
export function useTicketAttachments(key: string) {
  return useQuery({
    queryKey: keys.ticketAttachments(key),
    queryFn: async () => (await unwrap(api.GET("/tickets/{key}/attachments", { params: { path: { key } } }))).items,
  });
}

/**
 * Upload one file to the ticket: the raw bytes as the body, with the file's own type, so
 * the server stores them as they are (`bodySerializer` keeps the client from JSON-encoding
 * the Blob). A comment then names it (`attachments` of the reply).
 */
export function uploadAttachment(key: string, file: Blob, filename: string) {
  return unwrap(
    api.POST("/tickets/{key}/attachments", {
      params: { path: { key }, query: { filename } },
      // The schema says "bytes" (number[]); the body is the Blob itself.
      body: file as unknown as number[],
      bodySerializer: (body) => body,
      headers: { "Content-Type": file.type || "application/octet-stream" },
    }),
  );
}

export function removeAttachment(id: number) {
  return unwrap(api.DELETE("/attachments/{id}", { params: { path: { id } } }));
}

/** Upload and remove, then refetch the ticket's files, thread and trail (an upload is a change of the ticket). */
export function useAttachmentWrites(key: string) {
  const client = useQueryClient();
  const refetch = () => client.invalidateQueries({ queryKey: keys.ticket(key) });
  return {
    upload: async (file: Blob, filename: string) => {
      const attachment = await uploadAttachment(key, file, filename);
      void refetch();
      return attachment;
    },
    remove: async (id: number) => {
      await removeAttachment(id);
      await refetch();
    },
  };
}

/** Merge this ticket into `into` (a near duplicate): the answer is the ticket that stays. */
export function useMergeTicket(key: string) {
  const written = useTicketWritten(key);
  return useMutation({
    mutationFn: (into: string) =>
      unwrap(api.POST("/tickets/{key}/merge", { params: { path: { key } }, body: { into } })),
    onSuccess: (ticket) => written(ticket),
  });
}

/** Clear this ticket's possible-duplicate flag. */
export function useDismissDuplicate(key: string) {
  const written = useTicketWritten(key);
  return useMutation({
    mutationFn: () => unwrap(api.POST("/tickets/{key}/duplicate/dismiss", { params: { path: { key } } })),
    onSuccess: (ticket) => written(ticket),
  });
}
