// Roles and scopes as offered in pickers.
import type { Schemas } from "../../../api/client";

export type Role = Schemas["Role"];
export type Scope = Schemas["Scope"];

export const ROLES: { value: Role; label: string }[] = [
  { value: "admin", label: "Admin" },
  { value: "agent", label: "Agent" },
  { value: "viewer", label: "Viewer" },
];

export const SCOPES: { value: Scope; label: string; description: string }[] = [
  { value: "read", label: "Read", description: "Read tickets and settings" },
  { value: "write", label: "Write", description: "Create and change tickets" },
  { value: "admin", label: "Admin", description: "Change settings (admins only)" },
];
