// The data the queue reads. Keys come from api/keys so other screens share the caches
// and live updates (which invalidate ["tickets", "list", ...]) refetch the page in place.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { keys } from "../../api/keys";

/** One page of tickets for an API list query string (no `?`). */
export function useTicketPage(query: string) {
  return useQuery({
    queryKey: keys.ticketList(query),
    // The query string is already the API's (filters like `status_category.in` or
    // `f.<field>` are not named in the OpenAPI parameters), so it is passed as is.
    queryFn: () => unwrap(api.GET("/tickets", { querySerializer: () => query })),
    // Keep the rows on screen while the next filter's rows load.
    placeholderData: keepPreviousData,
  });
}
