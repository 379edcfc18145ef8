// The header row of a data table. A last column of per-row buttons gets a heading that
// only screen readers hear, so every column has a name.
import { Table, VisuallyHidden } from "@mantine/core";

interface TableHeadProps {
  /** Column headings; `false`, `null` or `undefined` entries (optional columns) are skipped. */
  columns: (string | false | null | undefined)[];
  /** Add the "Actions" column. */
  actions?: boolean;
}

export function TableHead({ columns, actions = false }: TableHeadProps) {
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.filter((c): c is string => !!c).map((c) => (
          <Table.Th key={c}>{c}</Table.Th>
        ))}
        {actions && (
          <Table.Th>
            <VisuallyHidden>Actions</VisuallyHidden>
          </Table.Th>
        )}
      </Table.Tr>
    </Table.Thead>
  );
}
