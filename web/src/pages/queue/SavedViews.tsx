// Saved views (`/api/v1/views`): the user's own named queries and those admins share,
// shown after the built-in views; "Save view" names the current query.
import { useState } from "react";
import { ActionIcon, Button, Checkbox, Divider, Group, Modal, Popover, Stack, Text, TextInput, Tooltip } from "@mantine/core";
import { IconDeviceFloppy, IconTrash, IconUsers } from "@tabler/icons-react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { api, ApiError, unwrap, type Me, type Schemas } from "../../api/client";
import { keys } from "../../api/keys";
import { useInvalidate } from "../../api/useInvalidate";
import { isAdmin, useMe } from "../../auth";
import { ErrorAlert } from "../../components/Errors";
import { FormActions } from "../../components/FormActions";
import { canonicalQuery } from "../../lib/filters";
import { savedViewsQuery } from "./queries";
import { ViewButton } from "./ViewBar";

export type SavedView = Schemas["ViewOut"];

/** Whether `me` may delete a view: their own, or (admins) a shared one. */
export function canDelete(view: SavedView, me: Me): boolean {
  return view.owner_id === me.user.id || (view.shared && isAdmin(me));
}

/** Own views first, then shared ones, each by name. */
export function orderViews(views: SavedView[], me: Me): SavedView[] {
  const rank = (v: SavedView) => (v.owner_id === me.user.id ? 0 : 1);
  return [...views].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

function useSavedViews() {
  return useQuery(savedViewsQuery);
}

function DeleteView({ view }: { view: SavedView }) {
  const invalidateViews = useInvalidate(keys.views);
  const [opened, setOpened] = useState(false);
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/views/{id}", { params: { path: { id: view.id } } })),
    onSuccess: () => {
      setOpened(false);
      void invalidateViews();
    },
  });
  return (
    <Popover opened={opened} onChange={setOpened} withArrow trapFocus position="bottom">
      <Popover.Target>
        <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`Delete view ${view.name}`} onClick={() => setOpened((o) => !o)}>
          <IconTrash size={14} aria-hidden />
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs" maw={260}>
          <Text size="sm">Delete the view “{view.name}”{view.shared ? " for everyone" : ""}?</Text>
          <ErrorAlert error={remove.error} />
          <Group gap="xs" justify="flex-end">
            <Button size="xs" variant="default" onClick={() => setOpened(false)}>
              Cancel
            </Button>
            <Button size="xs" color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

function SaveViewDialog({ search, opened, onClose }: { search: string; opened: boolean; onClose(): void }) {
  const me = useMe();
  const invalidateViews = useInvalidate(keys.views);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const save = useMutation({
    mutationFn: () => unwrap(api.POST("/views", { body: { name: name.trim(), query: canonicalQuery(search), shared } })),
    onSuccess: (view) => {
      void invalidateViews();
      notifications.show({ message: `Saved the view “${view.name}”`, color: "green" });
      setName("");
      setShared(false);
      save.reset();
      onClose();
    },
  });
  // A problem about the name (taken: 409, or bad: /name) goes on the field; others above.
  const problem = save.error instanceof ApiError ? save.error : null;
  const nameError =
    problem?.status === 409
      ? problem.problem.detail || "You already have a view of that name"
      : problem?.fieldErrors.find((e) => e.pointer === "/name")?.message;
  const otherError = save.error && !nameError ? save.error : null;
  const close = () => {
    save.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Save view">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="sm">
          <TextInput label="View name" value={name} onChange={(e) => {
              setName(e.currentTarget.value);
              if (save.error) save.reset();
            }}
            error={nameError} required data-autofocus />
          {isAdmin(me) && (
            <Checkbox label="Share with everyone" checked={shared} onChange={(e) => setShared(e.currentTarget.checked)} />
          )}
          <ErrorAlert error={otherError} title="The view could not be saved" />
          <FormActions submitLabel="Save" pending={save.isPending} disabled={!name.trim()} onCancel={close} />
        </Stack>
      </form>
    </Modal>
  );
}

export function SavedViews({ search, onSelect }: { search: string; onSelect(query: string): void }) {
  const me = useMe();
  const views = useSavedViews();
  const [saving, setSaving] = useState(false);
  const saved = orderViews(views.data ?? [], me);
  return (
    <>
      {saved.length > 0 && <Divider orientation="vertical" />}
      {saved.map((v) => (
        <Group key={v.id} gap={2} wrap="nowrap" data-saved-view={v.id}>
          <ViewButton view={{ id: `saved-${v.id}`, name: v.name, query: v.query }} search={search} onSelect={(view) => onSelect(view.query)} />
          {v.shared && (
            <Tooltip label="Shared with everyone">
              <IconUsers size={14} role="img" aria-label="shared" />
            </Tooltip>
          )}
          {canDelete(v, me) && <DeleteView view={v} />}
        </Group>
      ))}
      <Button size="xs" variant="subtle" leftSection={<IconDeviceFloppy size={14} aria-hidden />} onClick={() => setSaving(true)}>
        Save view
      </Button>
      <SaveViewDialog search={search} opened={saving} onClose={() => setSaving(false)} />
    </>
  );
}
