// The views an agent switches between: built-in ones, "By type", and saved ones.
// A view is a query string; the one the URL matches is shown pressed.
import type { ReactNode } from "react";
import { Button, Group, Menu, Tooltip } from "@mantine/core";
import { IconChevronDown } from "@tabler/icons-react";
import type { Schemas } from "../../api/client";
import { byTypeQuery, parseQuery, viewMatches, type View } from "../../lib/filters";

interface Props {
  views: View[];
  search: string;
  types: Schemas["TypeSummary"][];
  /** A view was chosen (its query may be refreshed: "breaching soon" is relative to now). */
  onSelectView(view: View): void;
  onSelect(query: string): void;
  /** Saved views and their actions, after the built-in ones. */
  children?: ReactNode;
}

export function ViewButton({ view, search, onSelect }: { view: View; search: string; onSelect(view: View): void }) {
  const active = viewMatches(view, search);
  const button = (
    <Button
      size="xs"
      variant={active ? "filled" : "default"}
      aria-pressed={active}
      disabled={!view.query}
      onClick={() => onSelect(view)}
    >
      {view.name}
    </Button>
  );
  // "My teams" without teams: say why it is off.
  return view.query ? button : <Tooltip label="You are in no team">{<span>{button}</span>}</Tooltip>;
}

function ByTypeMenu({ types, search, onSelect }: { types: Schemas["TypeSummary"][]; search: string; onSelect(q: string): void }) {
  const current = parseQuery(search).type;
  const active = types.some((t) => viewMatches({ id: t.slug, name: t.name, query: byTypeQuery(t.slug) }, search));
  return (
    <Menu position="bottom-start" withinPortal>
      <Menu.Target>
        <Button size="xs" variant={active ? "filled" : "default"} aria-pressed={active} rightSection={<IconChevronDown size={14} aria-hidden />}>
          By type
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {types.map((t) => (
          <Menu.Item key={t.slug} onClick={() => onSelect(byTypeQuery(t.slug))} fw={t.slug === current ? 700 : undefined}>
            {t.name}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

export function ViewBar({ views, search, types, onSelectView, onSelect, children }: Props) {
  return (
    <Group gap="xs" role="group" aria-label="Views" wrap="wrap">
      {views.map((v) => (
        <ViewButton key={v.id} view={v} search={search} onSelect={onSelectView} />
      ))}
      <ByTypeMenu types={types} search={search} onSelect={onSelect} />
      {children}
    </Group>
  );
}
