// The data the queue reads. Keys come from api/keys so other screens share the caches
// and live updates (which invalidate ["tickets", "list", ...]) refetch the page in place.
import { keepPreviousData, queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { keys } from "../../api/keys";
import { teamsQuery, typesQuery, usersQuery } from "../../api/queries";
import { apiQuery, firstViewQuery } from "../../lib/filters";

/** One page of tickets for an API list query string (no `?`). */
export function ticketPageQuery(query: string) {
  return queryOptions({
    queryKey: keys.ticketList(query),
    // The query string is already the API's (filters like `status_category.in` or
    // `f.<field>` are not named in the OpenAPI parameters), so it is passed as is.
    queryFn: () => unwrap(api.GET("/tickets", { querySerializer: () => query })),
  });
}

export function useTicketPage(query: string) {
  return useQuery({
    ...ticketPageQuery(query),
    // Keep the rows on screen while the next filter's rows load.
    placeholderData: keepPreviousData,
  });
}

/** The signed-in user's saved views and the shared ones. */
export const savedViewsQuery = queryOptions({ queryKey: keys.views, queryFn: () => unwrap(api.GET("/views")) });

/**
 * When the page is loaded at /queue, ask for what the queue shows (its first page, and the
 * people, teams, types and saved views around it) at once, alongside the session check,
 * rather than once the queue has rendered: on a cold load that render comes a few hundred
 * ms after the scripts. The same options as the hooks, so these are the requests they
 * wait for. Signed out, they fail with 401 and the login screen is shown as before; signing
 * in clears them.
 */
export function prefetchQueue(client: QueryClient, location: { pathname: string; search: string }) {
  if (location.pathname !== "/queue") return;
  // A bare /queue opens the first view (QueuePage redirects there).
  const search = location.search.replace(/^\?/, "") || firstViewQuery();
  void client.prefetchQuery(ticketPageQuery(apiQuery(search)));
  void client.prefetchQuery(usersQuery);
  void client.prefetchQuery(teamsQuery);
  void client.prefetchQuery(typesQuery);
  void client.prefetchQuery(savedViewsQuery);
}
