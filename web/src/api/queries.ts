// Reference data that several screens read (types, their workflows, people, teams, SLA
// calendars): one hook each, so every screen shares one cache entry per key. It changes
// rarely, so it stays fresh for a minute; the screens that change it invalidate these keys.
// Queries only one screen needs stay next to that screen. The options are exported too, so
// that a cold load can start a read before the screen that uses it has rendered.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "./client";
import { keys } from "./keys";

export type TypeSummary = Schemas["TypeSummary"];
export type TypeDetail = Schemas["TypeDetail"];
export type Workflow = Schemas["Workflow"];
export type User = Schemas["UserOut"];
export type Team = Schemas["TeamOut"];

const REFERENCE_STALE_MS = 60_000;

/** A type's slug, or nothing yet (the query waits until there is one). */
type Slug = string | null | undefined;

export const typesQuery = queryOptions({ queryKey: keys.types, queryFn: () => unwrap(api.GET("/types")), staleTime: REFERENCE_STALE_MS });

export function useTypes() {
  return useQuery(typesQuery);
}

export function useTypeDetail(slug: Slug) {
  return useQuery({
    queryKey: keys.type(slug ?? ""),
    queryFn: () => unwrap(api.GET("/types/{slug}", { params: { path: { slug: slug! } } })),
    enabled: !!slug,
    staleTime: REFERENCE_STALE_MS,
  });
}

export function useTypeWorkflow(slug: Slug) {
  return useQuery({
    queryKey: keys.typeWorkflow(slug ?? ""),
    queryFn: () => unwrap(api.GET("/types/{slug}/workflow", { params: { path: { slug: slug! } } })),
    enabled: !!slug,
    staleTime: REFERENCE_STALE_MS,
  });
}

export const usersQuery = queryOptions({ queryKey: keys.users, queryFn: () => unwrap(api.GET("/users")), staleTime: REFERENCE_STALE_MS });

export function useUsers() {
  return useQuery(usersQuery);
}

export const teamsQuery = queryOptions({ queryKey: keys.teams, queryFn: () => unwrap(api.GET("/teams")), staleTime: REFERENCE_STALE_MS });

export function useTeams() {
  return useQuery(teamsQuery);
}

export function useCalendars() {
  return useQuery({
    queryKey: keys.calendars,
    queryFn: () => unwrap(api.GET("/sla/calendars")),
    staleTime: REFERENCE_STALE_MS,
  });
}
