// Filters on the chosen type's own fields, one control per field fitting its kind
// (lib/fieldControls decides which and how it maps to `f.<field>` parameters).
import { Group, MultiSelect, Select, Text } from "@mantine/core";
import {
  readControl,
  writeControl,
  type ControlValue,
  type FieldControl,
  type Range,
  type YesNo,
} from "../../lib/fieldControls";
import { FILTER_COMBOBOX } from "./FilterBar";
import { DebouncedTextInput } from "./DebouncedTextInput";

type Params = [string, string][];

interface Props {
  controls: FieldControl[];
  params: Params;
  onChange(params: Params): void;
}

function RangeInputs({
  control,
  value,
  onChange,
}: {
  control: Extract<FieldControl, { control: "number-range" | "date-range" }>;
  value: Range;
  onChange(value: Range): void;
}) {
  const isDate = control.control === "date-range";
  const [lo, hi] = isDate ? ["from", "to"] : ["min", "max"];
  const inputMode = isDate ? undefined : control.integer ? ("numeric" as const) : ("decimal" as const);
  // Plain text for numbers: whatever is typed reaches the server, whose problem is shown.
  const common = { w: isDate ? 170 : 150, type: isDate ? "date" : "text", inputMode };
  return (
    <>
      <DebouncedTextInput
        {...common}
        label={`${control.label} ${lo}`}
        value={value.min}
        onChange={(min) => onChange({ ...value, min })}
      />
      <DebouncedTextInput
        {...common}
        label={`${control.label} ${hi}`}
        value={value.max}
        onChange={(max) => onChange({ ...value, max })}
      />
    </>
  );
}

function Control({ control, params, onChange }: { control: FieldControl; params: Params; onChange(p: Params): void }) {
  const write = <C extends FieldControl>(c: C, v: ControlValue<C["control"]>) => onChange(writeControl(c, params, v));
  switch (control.control) {
    case "multiselect":
      return (
        <MultiSelect
          comboboxProps={FILTER_COMBOBOX}
          label={control.label}
          placeholder="Any"
          data={control.options}
          value={readControl(control, params)}
          onChange={(v) => write(control, v)}
          clearable
          searchable
          w={200}
        />
      );
    case "yesno":
      return (
        <Select
          comboboxProps={FILTER_COMBOBOX}
          label={control.label}
          data={[
            { value: "any", label: "Any" },
            { value: "yes", label: "Yes" },
            { value: "no", label: "No" },
          ]}
          value={readControl(control, params)}
          onChange={(v) => write(control, (v ?? "any") as YesNo)}
          allowDeselect={false}
          w={120}
        />
      );
    case "number-range":
    case "date-range":
      return <RangeInputs control={control} value={readControl(control, params)} onChange={(v) => write(control, v)} />;
    case "contains":
      return (
        <DebouncedTextInput
          label={control.label}
          placeholder="contains…"
          value={readControl(control, params)}
          onChange={(v) => write(control, v)}
          w={180}
        />
      );
  }
}

export function FieldFilters({ controls, params, onChange }: Props) {
  if (controls.length === 0) return null;
  return (
    <section aria-label="Type fields">
      <Text size="xs" c="dimmed" fw={600} tt="uppercase" mb={4}>
        Type fields
      </Text>
      <Group gap="sm" align="flex-end" wrap="wrap">
        {controls.map((c) => (
          <Control key={c.field} control={c} params={params} onChange={onChange} />
        ))}
      </Group>
    </section>
  );
}
