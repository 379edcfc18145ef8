// The field editor: the type's fields as a table. Every edit rewrites the definition with
// the pure functions of lib/typeEditor; the caller turns it back into YAML.
import { useState, type KeyboardEvent } from "react";
import { Button, Checkbox, Group, Select, Stack, Table, TagsInput, Text, TextInput } from "@mantine/core";
import {
  EDITABLE_KINDS,
  addField,
  defaultFromText,
  defaultToText,
  fieldNameProblem,
  fieldRows,
  removeField,
  renameField,
  setFieldDefault,
  setFieldKind,
  setFieldOptions,
  setFieldRequired,
  setFieldTitle,
  type FieldKind,
  type FieldRow,
  type TypeDefinition,
} from "../../../lib/typeEditor";
import { TableHead } from "../../../components/TableHead";
import { RemoveButton } from "../../../components/RemoveButton";

type Editable = Exclude<FieldKind, "other">;

/**
 * A text input that hands its value over on blur or Enter, not per keystroke: a rename or
 * a typed default only makes sense once typed in full. A refused value stays in the box
 * with the reason under it.
 */
function CommitInput({
  label,
  value,
  onCommit,
  placeholder,
}: {
  label: string;
  value: string;
  /** Returns why the value was refused, or null. */
  onCommit: (value: string) => string | null;
  placeholder?: string;
}) {
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const commit = () => {
    if (draft === value) return setError(null);
    setError(onCommit(draft));
  };
  return (
    <TextInput
      aria-label={label}
      value={draft}
      placeholder={placeholder}
      error={error}
      size="xs"
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => {
        if (e.key === "Enter") commit();
      }}
    />
  );
}

function attempt(change: () => void): string | null {
  try {
    change();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function FieldEditor({
  definition,
  storedFields,
  onChange,
}: {
  definition: TypeDefinition;
  /** Fields of the applied version: renaming them keeps their column (x-renamed-from). */
  storedFields: ReadonlySet<string>;
  onChange: (definition: TypeDefinition) => void;
}) {
  const rows = fieldRows(definition);
  return (
    <Stack gap="sm">
      <Table aria-label="Fields" withTableBorder verticalSpacing={4}>
        <TableHead columns={["Name", "Title", "Kind", "Required", "Options", "Default"]} actions />
        <Table.Tbody>
          {rows.map((row) => (
            <FieldRowEditor
              // Keyed by name: after a rename the row's inputs start from the new values.
              key={row.name}
              row={row}
              definition={definition}
              storedFields={storedFields}
              onChange={onChange}
            />
          ))}
          {rows.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={7}>
                <Text size="sm" c="dimmed">
                  No fields yet.
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
      <AddFieldForm definition={definition} onChange={onChange} />
    </Stack>
  );
}

function FieldRowEditor({
  row,
  definition,
  storedFields,
  onChange,
}: {
  row: FieldRow;
  definition: TypeDefinition;
  storedFields: ReadonlySet<string>;
  onChange: (definition: TypeDefinition) => void;
}) {
  const { name } = row;
  const custom = row.kind === "other";
  return (
    <Table.Tr data-field={name}>
      <Table.Td>
        <CommitInput
          label={`Name of ${name}`}
          value={name}
          onCommit={(to) => attempt(() => onChange(renameField(definition, name, to, storedFields)))}
        />
      </Table.Td>
      <Table.Td>
        <TextInput
          aria-label={`Title of ${name}`}
          size="xs"
          value={row.title}
          onChange={(e) => onChange(setFieldTitle(definition, name, e.currentTarget.value))}
        />
      </Table.Td>
      <Table.Td>
        {custom ? (
          <Text size="xs" c="dimmed">
            custom (edit as YAML)
          </Text>
        ) : (
          <Select
            aria-label={`Kind of ${name}`}
            size="xs"
            data={EDITABLE_KINDS}
            value={row.kind}
            allowDeselect={false}
            onChange={(kind) => kind && onChange(setFieldKind(definition, name, kind as Editable))}
          />
        )}
      </Table.Td>
      <Table.Td>
        <Checkbox
          aria-label={`Required: ${name}`}
          checked={row.required}
          onChange={(e) => onChange(setFieldRequired(definition, name, e.currentTarget.checked))}
        />
      </Table.Td>
      <Table.Td>
        {row.kind === "enum" ? (
          <TagsInput
            aria-label={`Options of ${name}`}
            size="xs"
            value={row.options}
            onChange={(options) => onChange(setFieldOptions(definition, name, options))}
          />
        ) : (
          <Text size="xs" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <DefaultInput row={row} onChange={(value) => onChange(setFieldDefault(definition, name, value))} />
      </Table.Td>
      <Table.Td>
        <RemoveButton label={`Remove field ${name}`} onClick={() => onChange(removeField(definition, name))} />
      </Table.Td>
    </Table.Tr>
  );
}

/** The default, as a choice where the kind has few values and as typed text otherwise. */
function DefaultInput({ row, onChange }: { row: FieldRow; onChange: (value: FieldRow["default"]) => void }) {
  const label = `Default of ${row.name}`;
  const current = defaultToText(row.default);
  if (row.kind === "boolean" || row.kind === "enum") {
    const values = row.kind === "boolean" ? ["true", "false"] : row.options;
    return (
      <Select
        aria-label={label}
        size="xs"
        placeholder="none"
        clearable
        data={values}
        value={values.includes(current) ? current : null}
        onChange={(value) => onChange(value === null ? undefined : defaultFromText(row.kind, value))}
      />
    );
  }
  return (
    <CommitInput
      label={label}
      value={current}
      placeholder="none"
      onCommit={(text) => {
        onChange(defaultFromText(row.kind, text));
        return null;
      }}
    />
  );
}

function AddFieldForm({
  definition,
  onChange,
}: {
  definition: TypeDefinition;
  onChange: (definition: TypeDefinition) => void;
}) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Editable>("text");
  const [error, setError] = useState<string | null>(null);
  const add = () => {
    const problem = fieldNameProblem(definition, name);
    if (problem) return setError(problem);
    onChange(addField(definition, name, kind));
    setName("");
    setError(null);
  };
  return (
    <Group align="flex-end" gap="xs">
      <TextInput
        label="New field name"
        placeholder="e.g. asset_tag"
        value={name}
        error={error}
        onChange={(e) => setName(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") add();
        }}
      />
      <Select
        label="New field kind"
        data={EDITABLE_KINDS}
        value={kind}
        allowDeselect={false}
        onChange={(value) => value && setKind(value as Editable)}
      />
      <Button variant="light" onClick={add}>
        Add field
      </Button>
    </Group>
  );
}
