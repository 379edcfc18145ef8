// An editable type definition: the YAML text is the one source of truth; the field editor
// reads it and writes it back (regenerated), so switching between the two never loses
// text. While the YAML does not parse, the field editor is disabled and says where.
import { useMemo, useRef, useState } from "react";
import { Alert, Button, Stack, Tabs, Textarea } from "@mantine/core";
import { definitionToYaml, offsetOf, parseDefinition, type TypeDefinition } from "../../../lib/typeEditor";
import { FieldEditor } from "./FieldEditor";
import { PlanPanel } from "./PlanPanel";
import type { TypePlan } from "./typesApi";

type Tab = "yaml" | "fields";

export function DefinitionEditor({
  initialYaml,
  storedFields,
  onApplied,
}: {
  initialYaml: string;
  storedFields: ReadonlySet<string>;
  onApplied: (plan: TypePlan) => void;
}) {
  const [text, setText] = useState(initialYaml);
  const [tab, setTab] = useState<Tab>("yaml");
  const textarea = useRef<HTMLTextAreaElement>(null);
  const parsed = useMemo(() => parseDefinition(text), [text]);
  const parseError = parsed.ok ? null : parsed.error;

  /** Show the YAML and put the cursor at a line and column of it. */
  const jumpTo = (line: number, column: number) => {
    setTab("yaml");
    // The textarea exists once the YAML tab has rendered.
    setTimeout(() => {
      const el = textarea.current;
      if (!el) return;
      const at = offsetOf(el.value, line, column);
      el.focus();
      el.setSelectionRange(at, at);
    }, 0);
  };

  const fromFields = (definition: TypeDefinition) => setText(definitionToYaml(definition));

  return (
    <Stack gap="md">
      <Tabs value={tab} onChange={(value) => setTab((value as Tab) ?? "yaml")}>
        <Tabs.List>
          <Tabs.Tab value="yaml">YAML</Tabs.Tab>
          <Tabs.Tab value="fields">Field editor</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="yaml" pt="sm">
          <Textarea
            ref={textarea}
            label="Type definition (YAML)"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            autosize
            minRows={12}
            maxRows={40}
            spellCheck={false}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 } }}
            error={parseError ? `Line ${parseError.line}, column ${parseError.column}: ${parseError.message}` : null}
          />
        </Tabs.Panel>
        <Tabs.Panel value="fields" pt="sm">
          {parsed.ok ? (
            <FieldEditor definition={parsed.definition} storedFields={storedFields} onChange={fromFields} />
          ) : (
            <Alert color="red" title="The YAML does not parse" role="alert">
              Line {parsed.error.line}, column {parsed.error.column}: {parsed.error.message}. The field editor is
              disabled until the YAML is fixed.{" "}
              <Button size="xs" variant="subtle" onClick={() => jumpTo(parsed.error.line, parsed.error.column)}>
                Go to line {parsed.error.line}
              </Button>
            </Alert>
          )}
        </Tabs.Panel>
      </Tabs>
      <PlanPanel
        yaml={text}
        blockedReason={parseError ? "Fix the YAML before planning." : null}
        onJump={jumpTo}
        onApplied={onApplied}
      />
    </Stack>
  );
}
