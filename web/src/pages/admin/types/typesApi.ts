// Queries and calls of the type admin screens only (the type list, detail and workflow
// are shared: src/api/queries.ts). Plans and applies send the editor's text as a YAML
// type file, so the server's type_errors carry lines and columns of that text.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../../api/client";
import { keys } from "../../../api/keys";
import type { TypeSummary } from "../../../api/queries";

export type TypeVersion = Schemas["TypeVersionOut"];
export type TypePlan = Schemas["TypePlan"];
export type TypeFileError = Schemas["TypeFileError"];
export type Safety = Schemas["Safety"];

export const exportKey = (slug: string) => [...keys.type(slug), "export"] as const;

/** The type as a YAML type file, written by the server from the stored definition. */
export function useTypeExport(slug: string | undefined) {
  return useQuery({
    queryKey: exportKey(slug ?? ""),
    queryFn: () =>
      unwrap(api.GET("/types/{slug}/export", { params: { path: { slug: slug! } }, parseAs: "text" })) as Promise<string>,
    enabled: !!slug,
  });
}

export function useTypeVersions(slug: string | undefined) {
  return useQuery({
    queryKey: keys.typeVersions(slug ?? ""),
    queryFn: () => unwrap(api.GET("/types/{slug}/versions", { params: { path: { slug: slug! } } })),
    enabled: !!slug,
  });
}

const asYaml = {
  // The body is already the file's text; openapi-fetch would JSON-encode it otherwise.
  bodySerializer: (body: unknown) => body as string,
  headers: { "Content-Type": "application/yaml" },
};

export function planType(yaml: string): Promise<TypePlan> {
  return unwrap(api.POST("/types/plan", { body: yaml, ...asYaml }));
}

export function applyType(yaml: string, allowDestructive: boolean): Promise<TypePlan> {
  return unwrap(
    api.POST("/types/apply", {
      body: yaml,
      params: { query: { allow_destructive: allowDestructive } },
      ...asYaml,
    }),
  );
}

/** Whether a type is managed by a file in the types directory (read-only here). */
export function isFileManaged(type: Pick<TypeSummary, "source">): boolean {
  return type.source !== "api";
}
