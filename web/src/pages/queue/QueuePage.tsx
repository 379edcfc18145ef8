// The queue: views, filters and search over the ticket list. The URL's query string is the
// whole state (it is the API's list query), so any view is a link; paging is kept aside.
import { useCallback, useMemo, useRef, useState } from "react";
import { Button, Group, Kbd, Stack, Text, Title, EmptyState, Loader } from "@mantine/core";
import { IconPlus, IconSearch, IconTicket } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { api, unwrap } from "../../api/client";
import { keys } from "../../api/keys";
import { useTeams, useTypeDetail, useTypeWorkflow, useTypes, useUsers } from "../../api/queries";
import { useMe } from "../../auth";
import { ErrorAlert } from "../../components/Errors";
import type { BulkChange } from "../../lib/bulk";
import { apiQuery, builtInViews, firstViewQuery, parseQuery, toggleSort, toQuery, type QueueFilters, type View } from "../../lib/filters";
import { controlsFor, unownedParams } from "../../lib/fieldControls";
import { BulkBar } from "./BulkBar";
import { BulkFailures } from "./BulkFailures";
import { DebouncedTextInput } from "./DebouncedTextInput";
import { ExtraFilters, type ExtraFilter } from "./ExtraFilters";
import { FieldFilters } from "./FieldFilters";
import { FilterBar } from "./FilterBar";
import { useTicketPage } from "./queries";
import { SavedViews } from "./SavedViews";
import { TicketTable } from "./TicketTable";
import { useBulkSelection } from "./useBulkSelection";
import { useBulkUpdate } from "./useBulkUpdate";
import { useChangedTickets } from "./useChangedTickets";
import { ViewBar } from "./ViewBar";
import { useQueueKeyboard } from "./useQueueKeyboard";
import { ticketPath } from "../../lib/ticketPath";
import { requesterName } from "../requesters/queries";

/** The query string without `?`. */
function useSearch(): string {
  return useLocation().search.replace(/^\?/, "");
}

export default function QueuePage() {
  const search = useSearch();
  const me = useMe();
  // "Breaching soon" is relative to now: its query is computed again when chosen.
  const views = builtInViews(me, new Date());
  // A bare /queue opens the first view rather than every ticket ever filed.
  if (!search) return <Navigate to={`?${firstViewQuery()}`} replace />;
  return <Queue search={search} views={views} />;
}

/** Paging: the cursors of the pages before this one, for the query they belong to. */
interface Paging {
  query: string;
  cursors: string[];
}

function Queue({ search, views }: { search: string; views: View[] }) {
  const me = useMe();
  const navigate = useNavigate();
  const filters = useMemo(() => parseQuery(search), [search]);

  // Edits always apply to the latest URL, even from a debounced input's late callback.
  const latest = useRef(search);
  latest.current = search;
  const go = useCallback(
    (query: string, replace = false) => {
      navigate({ search: query ? `?${query}` : "" }, { replace });
    },
    [navigate],
  );
  const update = useCallback(
    (change: (f: QueueFilters) => QueueFilters, replace = false) => go(toQuery(change(parseQuery(latest.current))), replace),
    [go],
  );

  const [paging, setPaging] = useState<Paging>({ query: search, cursors: [] });
  // A new query starts at the first page.
  const cursors = paging.query === search ? paging.cursors : [];
  const cursor = cursors.at(-1) ?? null;
  const listQuery = apiQuery(search, cursor);
  const page = useTicketPage(listQuery);

  const users = useUsers();
  const teams = useTeams();
  const types = useTypes();
  const typeDetail = useTypeDetail(filters.type);
  const workflow = useTypeWorkflow(filters.type);
  const controls = useMemo(() => controlsFor(typeDetail.data?.fields ?? []), [typeDetail.data]);

  const userNames = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u.display_name])), [users.data]);
  const teamNames = useMemo(() => new Map((teams.data ?? []).map((t) => [t.slug, t.name])), [teams.data]);
  const userName = useCallback((id: number) => userNames.get(id) ?? `#${id}`, [userNames]);
  const teamName = useCallback((slug: string) => teamNames.get(slug) ?? slug, [teamNames]);

  const tickets = page.error ? [] : page.data?.items;
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const changed = useChangedTickets(me.user.email);
  const searchInput = useRef<HTMLInputElement>(null);

  // Bulk actions: viewers change nothing, so they get no checkboxes. Ticks belong to this
  // list query (filters and page).
  const canBulk = me.user.role !== "viewer";
  const rowKeys = useMemo(() => tickets?.map((t) => t.key), [tickets]);
  const selection = useBulkSelection(listQuery, rowKeys);
  const bulk = useBulkUpdate();
  const checkedTickets = useMemo(() => (tickets ?? []).filter((t) => selection.selected.has(t.key)), [tickets, selection.selected]);
  const applyBulk = async (change: BulkChange) => {
    // Done rows are unticked as soon as the answers are in; failed ones stay ticked.
    const summary = await bulk.apply(checkedTickets, change, (s) => selection.remove(s.done));
    return summary.failed.length === 0;
  };

  const open = useCallback((key: string) => navigate(ticketPath(key)), [navigate]);
  useQueueKeyboard({
    move(delta) {
      if (!tickets || tickets.length === 0) return;
      const at = tickets.findIndex((t) => t.key === selectedKey);
      const next = at === -1 ? (delta === 1 ? 0 : tickets.length - 1) : Math.min(tickets.length - 1, Math.max(0, at + delta));
      setSelectedKey(tickets[next].key);
    },
    open() {
      if (selectedKey && tickets?.some((t) => t.key === selectedKey)) open(selectedKey);
    },
    search() {
      searchInput.current?.focus();
      searchInput.current?.select();
    },
    newTicket() {
      navigate("/new");
    },
    toggleCheck() {
      if (canBulk && selectedKey && tickets?.some((t) => t.key === selectedKey)) selection.toggle(selectedKey);
    },
    clearChecks() {
      selection.clear();
    },
  });

  const requester = useQueueRequester(filters);
  const extras = extraFilters(filters, controls, update, requester);

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>Queue</Title>
        <Button component={Link} to="/new" leftSection={<IconPlus size={16} aria-hidden />}>
          New ticket
        </Button>
      </Group>

      <ViewBar
        views={views}
        search={search}
        types={types.data ?? []}
        onSelectView={(view) => go(builtInViews(me, new Date()).find((v) => v.id === view.id)?.query ?? view.query)}
        onSelect={go}
      >
        <SavedViews search={search} onSelect={go} />
      </ViewBar>

      <DebouncedTextInput
        label="Search"
        placeholder="Words in the title, description and searchable fields"
        leftSection={<IconSearch size={16} aria-hidden />}
        value={filters.q}
        onChange={(q) => update((f) => ({ ...f, q }), true)}
        inputRef={searchInput}
        rightSection={<Kbd size="xs">/</Kbd>}
        maw={560}
      />
      <FilterBar
        filters={filters}
        onChange={(next) => update(() => next)}
        onClear={() => go(toQuery({ ...parseQuery(""), sort: filters.sort ?? "-updated_at" }))}
        types={types.data ?? []}
        workflow={workflow.data}
        users={users.data ?? []}
        teams={teams.data ?? []}
      />
      {filters.type && (
        <FieldFilters controls={controls} params={filters.fields} onChange={(fields) => update((f) => ({ ...f, fields }))} />
      )}
      <ExtraFilters filters={extras} />

      {page.error && <ErrorAlert error={page.error} title="The list could not be loaded with these filters" />}

      {canBulk && checkedTickets.length > 0 && (
        <BulkBar
          tickets={checkedTickets}
          users={users.data ?? []}
          teams={teams.data ?? []}
          myId={me.user.id}
          running={bulk.running}
          onApply={applyBulk}
          onClear={selection.clear}
        />
      )}
      <BulkFailures failures={bulk.failures} onDismiss={bulk.dismissFailures} />

      <TicketTable
        tickets={tickets}
        sort={filters.sort}
        onSort={(column, descendingFirst) => update((f) => ({ ...f, sort: toggleSort(f.sort, column, descendingFirst) }))}
        selectedKey={selectedKey}
        changed={changed}
        userName={userName}
        teamName={teamName}
        onOpen={open}
        onSelect={setSelectedKey}
        checked={canBulk ? selection.selected : undefined}
        onCheck={selection.toggle}
        onCheckAll={selection.setAll}
      />
      {tickets && tickets.length === 0 && !page.error && (
        <EmptyState
          icon={<IconTicket aria-hidden />}
          title="No tickets here"
          description={
            // Agents and viewers see the types their teams handle; without a team, none.
            me.user.role !== "admin" && me.user.teams.length === 0
              ? "You are in no team yet, and tickets are shown to the teams that handle their type. Ask an admin to add you to a team."
              : "Nothing matches this view. Try another view, or clear the filters."
          }
        />
      )}

      <Group justify="space-between">
        <KeyboardHint bulk={canBulk} />
        <Group gap="xs">
          {page.isFetching && <Loader size="xs" aria-label="Loading" />}
          <Button
            variant="default"
            size="xs"
            disabled={cursors.length === 0}
            onClick={() => setPaging({ query: search, cursors: cursors.slice(0, -1) })}
          >
            Previous page
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={!page.data?.next_cursor || page.isPlaceholderData}
            onClick={() => setPaging({ query: search, cursors: [...cursors, page.data!.next_cursor!] })}
          >
            Next page
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}

function KeyboardHint({ bulk }: { bulk: boolean }) {
  return (
    <Text size="xs" c="dimmed" aria-label="Keyboard shortcuts">
      <Kbd size="xs">j</Kbd>/<Kbd size="xs">k</Kbd> or <Kbd size="xs">↓</Kbd>/<Kbd size="xs">↑</Kbd> move ·{" "}
      <Kbd size="xs">Enter</Kbd>/<Kbd size="xs">o</Kbd> open · <Kbd size="xs">/</Kbd> search · <Kbd size="xs">n</Kbd> new ticket
      {bulk && (
        <>
          {" "}
          · <Kbd size="xs">x</Kbd> tick · <Kbd size="xs">Esc</Kbd> untick all
        </>
      )}
    </Text>
  );
}

/** The requester the queue is filtered on (`requester_id`, from their profile), by name. */
function useQueueRequester(filters: QueueFilters): { id: string; name: string } | null {
  const id = filters.extra.find(([k]) => k === "requester_id")?.[1] ?? "";
  const numeric = /^\d+$/.test(id) ? Number(id) : undefined;
  const profile = useQuery({
    queryKey: keys.requester(numeric ?? 0),
    queryFn: () => unwrap(api.GET("/requesters/{id}", { params: { path: { id: numeric! } } })),
    enabled: numeric !== undefined,
  });
  if (!id) return null;
  return { id, name: profile.data ? requesterName(profile.data) : `#${id}` };
}

/** Chips for what the controls do not show, each removable. */
function extraFilters(
  filters: QueueFilters,
  controls: ReturnType<typeof controlsFor>,
  update: (change: (f: QueueFilters) => QueueFilters) => void,
  requester: { id: string; name: string } | null,
): ExtraFilter[] {
  const out: ExtraFilter[] = [];
  if (filters.slaDueBefore) {
    const when = new Date(filters.slaDueBefore);
    const label = `SLA due before ${Number.isNaN(when.getTime()) ? filters.slaDueBefore : when.toLocaleString()}`;
    out.push({ label, removeLabel: "Remove filter SLA due before", onRemove: () => update((f) => ({ ...f, slaDueBefore: null })) });
  }
  filters.extra.forEach(([k, v], i) =>
    out.push({
      label: k === "requester_id" && requester?.id === v ? `Requester: ${requester.name}` : `${k} = ${v}`,
      removeLabel: `Remove filter ${k}=${v}`,
      onRemove: () => update((f) => ({ ...f, extra: f.extra.filter((_, j) => j !== i) })),
    }),
  );
  // Field parameters no control owns; while the type's fields load, none is listed.
  if (filters.type && controls.length > 0) {
    for (const [k, v] of unownedParams(controls, filters.fields)) {
      out.push({
        label: `${k} = ${v}`,
        removeLabel: `Remove filter ${k}=${v}`,
        onRemove: () => update((f) => ({ ...f, fields: f.fields.filter(([a, b]) => a !== k || b !== v) })),
      });
    }
  }
  return out;
}
