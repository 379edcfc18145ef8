// How a workflow's states read, wherever a status is shown or chosen.
import type { Workflow } from "../api/queries";

/** What people see for a state: its label, else its name with spaces. */
export function statusLabel(workflow: Workflow | undefined, name: string): string {
  const state = workflow?.states.find((s) => s.name === name);
  return state?.label || name.replace(/_/g, " ");
}
