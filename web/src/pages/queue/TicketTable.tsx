// The list of tickets: sortable headers, one row per ticket with the selection and the
// "changed by someone else" mark, skeleton rows while the first page loads. For those who
// may change tickets, a first column of checkboxes ticks rows for bulk actions.
import { memo, useEffect, useRef } from "react";
import { Checkbox, CheckIcon, Skeleton, Table, UnstyledButton } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconArrowsSort } from "@tabler/icons-react";
import { Link } from "react-router";
import type { Ticket } from "../../api/client";
import { PriorityBadge, StatusBadge } from "../../components/badges";
import { SlaCountdown, useNow } from "../../components/SlaCountdown";
import { nextDue } from "../../lib/sla";
import { sortDirection, type SortDirection } from "../../lib/filters";
import { relativeTime } from "./relative";
import { ticketPath } from "../../lib/ticketPath";
import classes from "./TicketTable.module.css";

interface Column {
  label: string;
  /** The API's sort key, for sortable columns. */
  sort?: string;
  /** Times read best newest (or soonest) first. */
  descendingFirst?: boolean;
}

const COLUMNS: Column[] = [
  { label: "Key", sort: "id", descendingFirst: true },
  { label: "Title", sort: "title" },
  { label: "Status", sort: "status" },
  { label: "Priority", sort: "priority" },
  { label: "Assignee" },
  { label: "Team", sort: "team" },
  { label: "Requester" },
  { label: "Updated", sort: "updated_at", descendingFirst: true },
  { label: "SLA", sort: "sla_due_at" },
];

export interface TicketTableProps {
  tickets: Ticket[] | undefined;
  sort: string | null;
  onSort(column: string, descendingFirst: boolean): void;
  selectedKey: string | null;
  changed: ReadonlySet<string>;
  userName(id: number): string;
  teamName(slug: string): string;
  onOpen(key: string): void;
  onSelect(key: string): void;
  /** The rows ticked for bulk actions; without it there is no checkbox column (viewers). */
  checked?: ReadonlySet<string>;
  onCheck?(key: string): void;
  /** Tick every row on the page, or none. */
  onCheckAll?(checked: boolean): void;
}

function SortIcon({ direction }: { direction: SortDirection }) {
  if (direction === "ascending") return <IconArrowUp size={14} aria-hidden />;
  if (direction === "descending") return <IconArrowDown size={14} aria-hidden />;
  return <IconArrowsSort size={14} aria-hidden style={{ opacity: 0.35 }} />;
}

function Header({ column, sort, onSort }: { column: Column; sort: string | null; onSort: TicketTableProps["onSort"] }) {
  if (!column.sort) return <Table.Th>{column.label}</Table.Th>;
  const direction = sortDirection(sort, column.sort);
  return (
    <Table.Th aria-sort={direction}>
      <UnstyledButton
        onClick={() => onSort(column.sort!, !!column.descendingFirst)}
        style={{ display: "inline-flex", alignItems: "center", gap: 4, fontWeight: 700, fontSize: "inherit" }}
      >
        {column.label}
        <SortIcon direction={direction} />
      </UnstyledButton>
    </Table.Th>
  );
}

function Updated({ at }: { at: string }) {
  const now = useNow();
  return <span title={new Date(at).toLocaleString()}>{relativeTime(at, now)}</span>;
}

const cx = (...names: (string | false | undefined)[]) => names.filter(Boolean).join(" ");
const TD = Table.classes.td;

/** Mantine's Checkbox (size xs) drawn without the component: one per row. */
function RowCheckbox({ label, checked, onChange }: { label: string; checked: boolean; onChange(): void }) {
  return (
    <div className={classes.checkbox}>
      <div className={Checkbox.classes.inner}>
        <input type="checkbox" className={cx("mantine-focus-auto", Checkbox.classes.input)} aria-label={label} checked={checked} onChange={onChange} />
        <CheckIcon className={Checkbox.classes.icon} aria-hidden />
      </div>
    </div>
  );
}

interface RowProps {
  ticket: Ticket;
  selected: boolean;
  /** Ticked for bulk actions; undefined when there is no checkbox column. */
  checked: boolean | undefined;
  onCheck?(key: string): void;
  changed: boolean;
  assignee: string;
  team: string;
  onOpen(key: string): void;
  onSelect(key: string): void;
}

// Memoised: a live refetch re-renders only the rows whose ticket changed. Plain elements
// with Mantine's classes rather than Mantine components: 50 rows of ~30 components each
// were most of the script between a cold load's data and its first row (issue 14).
const Row = memo(function Row({ ticket, selected, checked, onCheck, changed, assignee, team, onOpen, onSelect }: RowProps) {
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    // Follow the keyboard selection: focus (for screen readers) and keep it in view.
    if (selected && ref.current && document.activeElement !== ref.current && !isFieldFocused()) {
      ref.current.focus({ preventScroll: true });
      ref.current.scrollIntoView?.({ block: "nearest" });
    }
  }, [selected]);
  const due = nextDue(ticket.sla);
  const requester = ticket.requester?.name || ticket.requester?.email || "";
  return (
    <tr
      ref={ref}
      className={cx(Table.classes.tr, classes.row)}
      data-with-row-border
      data-hover
      data-ticket-key={ticket.key}
      data-selected={selected || undefined}
      data-changed={changed || undefined}
      tabIndex={-1}
      onClick={() => onOpen(ticket.key)}
      onFocus={() => onSelect(ticket.key)}
    >
      {checked !== undefined && (
        // Ticking is not opening: the cell keeps the row's click to itself.
        <td className={cx(TD, classes.checkCell)} onClick={(e) => e.stopPropagation()}>
          <RowCheckbox label={`Select ${ticket.key}`} checked={checked} onChange={() => onCheck?.(ticket.key)} />
        </td>
      )}
      <td className={cx(TD, classes.nowrap)}>
        {/* A real link, for opening in a new tab; the row's click does the same. */}
        <Link to={ticketPath(ticket.key)} onClick={(e) => e.stopPropagation()} className={classes.key}>
          {ticket.key}
        </Link>
      </td>
      <td className={TD}>
        <div className={classes.oneLine}>{ticket.title}</div>
      </td>
      <td className={TD}>
        <StatusBadge status={ticket.status} category={ticket.status_category} />
      </td>
      <td className={TD}>
        <PriorityBadge priority={ticket.priority} />
      </td>
      <td className={cx(TD, ticket.assignee_id == null && classes.dimmed)}>{assignee}</td>
      <td className={TD}>{team}</td>
      <td className={TD}>
        <div className={classes.oneLine}>{requester}</div>
      </td>
      <td className={cx(TD, classes.nowrap)}>
        <Updated at={ticket.updated_at} />
      </td>
      <td className={cx(TD, classes.nowrap)}>{due && <SlaCountdown due={due.due} metric={due.metric} />}</td>
    </tr>
  );
});

function isFieldFocused(): boolean {
  const el = document.activeElement;
  return !!el && !!el.closest("input, textarea, select, [contenteditable=true]");
}

function SkeletonRows({ withCheckbox }: { withCheckbox: boolean }) {
  return (
    <>
      {Array.from({ length: 8 }, (_, i) => (
        <tr key={i} className={Table.classes.tr} data-with-row-border aria-hidden>
          {withCheckbox && <td className={TD} />}
          {COLUMNS.map((c) => (
            <td key={c.label} className={TD}>
              <div className={cx(Skeleton.classes.root, classes.skeleton)} data-visible data-animate />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

export function TicketTable(props: TicketTableProps) {
  const { tickets, sort, onSort, selectedKey, changed, userName, teamName, onOpen, onSelect, checked, onCheck, onCheckAll } = props;
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table aria-label="Tickets" aria-busy={!tickets} highlightOnHover verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            {checked && <CheckAllHeader tickets={tickets ?? []} checked={checked} onCheckAll={onCheckAll} />}
            {COLUMNS.map((c) => (
              <Header key={c.label} column={c} sort={sort} onSort={onSort} />
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {!tickets ? (
            <SkeletonRows withCheckbox={!!checked} />
          ) : (
            tickets.map((t) => (
              <Row
                key={t.key}
                ticket={t}
                selected={t.key === selectedKey}
                checked={checked ? checked.has(t.key) : undefined}
                onCheck={onCheck}
                changed={changed.has(t.key)}
                assignee={t.assignee_id == null ? "Unassigned" : userName(t.assignee_id)}
                team={t.team ? teamName(t.team) : ""}
                onOpen={onOpen}
                onSelect={onSelect}
              />
            ))
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The header of the checkbox column: all rows of the page, or none; "some" shows as a dash. */
function CheckAllHeader({ tickets, checked, onCheckAll }: { tickets: Ticket[]; checked: ReadonlySet<string>; onCheckAll?(checked: boolean): void }) {
  const all = tickets.length > 0 && tickets.every((t) => checked.has(t.key));
  const some = !all && tickets.some((t) => checked.has(t.key));
  return (
    <Table.Th w={36}>
      <Checkbox
        size="xs"
        aria-label="Select all on this page"
        checked={all}
        indeterminate={some}
        disabled={tickets.length === 0}
        onChange={() => onCheckAll?.(!all)}
      />
    </Table.Th>
  );
}
