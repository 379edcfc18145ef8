// Workflows (/admin/workflows?type=<slug>): a type's states, categories and allowed moves,
// as tables, a map by category and a from×to matrix. Types made in the UI can be edited:
// the edit rewrites the `workflow` of the definition and goes through the same plan/apply.
import { useMemo, useState } from "react";
import {
  Alert,
  Button,
  Center,
  Code,
  Group,
  Loader,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { useSearchParams } from "react-router";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { StatusBadge } from "../../../components/badges";
import { ErrorAlert } from "../../../components/Errors";
import {
  CATEGORIES,
  addState,
  addTransition,
  definitionToYaml,
  parseDefinition,
  removeState,
  removeTransition,
  setStateCategory,
  setStateLabel,
  transitionPairs,
  withWorkflow,
  workflowOf,
  type StatusCategory,
  type TypeDefinition,
  type Workflow,
} from "../../../lib/typeEditor";
import { useTypeDetail, useTypeWorkflow, useTypes } from "../../../api/queries";
import { TableHead } from "../../../components/TableHead";
import { RemoveButton } from "../../../components/RemoveButton";
import { PlanPanel } from "./PlanPanel";
import { isFileManaged, useTypeExport } from "./typesApi";

export default function WorkflowsPage() {
  const types = useTypes();
  const [params, setParams] = useSearchParams();
  const slug = params.get("type") ?? types.data?.[0]?.slug ?? null;
  return (
    <Stack gap="md">
      <Title order={2}>Workflows</Title>
      <ErrorAlert error={types.error} />
      <Select
        label="Type"
        maw={320}
        data={(types.data ?? []).map((t) => ({ value: t.slug, label: t.name }))}
        value={slug}
        allowDeselect={false}
        onChange={(value) => value && setParams({ type: value })}
      />
      {slug && <TypeWorkflow key={slug} slug={slug} />}
    </Stack>
  );
}

function TypeWorkflow({ slug }: { slug: string }) {
  const detail = useTypeDetail(slug);
  const workflow = useTypeWorkflow(slug);
  const error = detail.error ?? workflow.error;
  if (error) return <ErrorAlert error={error} />;
  if (!detail.data || !workflow.data) {
    return (
      <Center h="20vh">
        <Loader />
      </Center>
    );
  }
  const current = workflowOf({ workflow: workflow.data as unknown as TypeDefinition["workflow"] });
  if (isFileManaged(detail.data)) {
    return (
      <Stack gap="md">
        <Alert color="blue" title="Managed by a file">
          This workflow belongs to <code>{detail.data.source_path ?? "a type file"}</code> and is read-only here.
          Change it by editing the file.
        </Alert>
        <WorkflowView workflow={current} />
      </Stack>
    );
  }
  return <WorkflowEditor slug={slug} initial={current} />;
}

/** The read-only views, shared by the editor (which shows the draft). */
function WorkflowView({ workflow, editor }: { workflow: Workflow; editor?: WorkflowEditing }) {
  return (
    <Stack gap="lg">
      <StatesTable workflow={workflow} editor={editor} />
      <TransitionsTable workflow={workflow} editor={editor} />
      <WorkflowMap workflow={workflow} />
      <TransitionMatrix workflow={workflow} />
    </Stack>
  );
}

/** How the tables change the draft when the workflow is editable. */
interface WorkflowEditing {
  change: (next: Workflow) => void;
  /** Run an edit that may be refused; returns the reason, or null. */
  attempt: (edit: () => Workflow) => string | null;
}

const CATEGORY_OPTIONS = CATEGORIES.map((c) => ({ value: c, label: c }));

function StatesTable({ workflow, editor }: { workflow: Workflow; editor?: WorkflowEditing }) {
  return (
    <Stack gap="xs">
      <Title order={3}>States</Title>
      <Table aria-label="States" withTableBorder>
        <TableHead columns={["Name", "Label", "Category"]} actions={!!editor} />
        <Table.Tbody>
          {workflow.states.map((state) => (
            <Table.Tr key={state.name} data-state={state.name}>
              <Table.Td>
                <code>{state.name}</code>
                {state.name === workflow.initial && (
                  <Text span size="xs" c="dimmed">
                    {" "}
                    (initial)
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {editor ? (
                  <TextInput
                    aria-label={`Label of ${state.name}`}
                    size="xs"
                    value={state.label ?? ""}
                    placeholder={state.name}
                    onChange={(e) => editor.change(setStateLabel(workflow, state.name, e.currentTarget.value))}
                  />
                ) : (
                  (state.label ?? state.name)
                )}
              </Table.Td>
              <Table.Td>
                {editor ? (
                  <Select
                    aria-label={`Category of ${state.name}`}
                    size="xs"
                    data={CATEGORY_OPTIONS}
                    value={state.category}
                    allowDeselect={false}
                    onChange={(c) => c && editor.change(setStateCategory(workflow, state.name, c as StatusCategory))}
                  />
                ) : (
                  <StatusBadge status={state.category} category={state.category} />
                )}
              </Table.Td>
              {editor && (
                <Table.Td>
                  <RemoveButton
                    label={`Remove state ${state.name}`}
                    onClick={() => editor.change(removeState(workflow, state.name))}
                  />
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editor && <AddStateForm workflow={workflow} editor={editor} />}
      {editor && (
        <Select
          label="Initial state"
          maw={240}
          data={workflow.states.map((s) => s.name)}
          value={workflow.initial || null}
          allowDeselect={false}
          onChange={(initial) => initial && editor.change({ ...workflow, initial })}
        />
      )}
    </Stack>
  );
}

function AddStateForm({ workflow, editor }: { workflow: Workflow; editor: WorkflowEditing }) {
  const [name, setName] = useState("");
  const [label, setLabel] = useState("");
  const [category, setCategory] = useState<StatusCategory>("open");
  const [error, setError] = useState<string | null>(null);
  const add = () => {
    const problem = editor.attempt(() => addState(workflow, name, category, label));
    setError(problem);
    if (!problem) {
      setName("");
      setLabel("");
    }
  };
  return (
    <Group align="flex-end" gap="xs">
      <TextInput
        label="New state name"
        placeholder="e.g. waiting_parts"
        value={name}
        error={error}
        onChange={(e) => setName(e.currentTarget.value)}
      />
      <TextInput label="New state label" value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
      <Select
        label="New state category"
        data={CATEGORY_OPTIONS}
        value={category}
        allowDeselect={false}
        onChange={(c) => c && setCategory(c as StatusCategory)}
      />
      <Button variant="light" onClick={add}>
        Add state
      </Button>
    </Group>
  );
}

function TransitionsTable({ workflow, editor }: { workflow: Workflow; editor?: WorkflowEditing }) {
  const pairs = transitionPairs(workflow);
  return (
    <Stack gap="xs">
      <Title order={3}>Transitions</Title>
      <Table aria-label="Transitions" withTableBorder>
        <TableHead columns={["From", "To"]} actions={!!editor} />
        <Table.Tbody>
          {pairs.map(({ from, to, viaAny }) => (
            <Table.Tr key={`${from}→${to}`}>
              <Table.Td>
                <code>{from}</code>
                {viaAny && (
                  <Text span size="xs" c="dimmed">
                    {" "}
                    (via *)
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <code>{to}</code>
              </Table.Td>
              {editor && (
                <Table.Td>
                  <RemoveButton
                    label={`Remove transition ${from} to ${to}`}
                    onClick={() => editor.change(removeTransition(workflow, from, to))}
                  />
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editor && <AddTransitionForm workflow={workflow} editor={editor} />}
    </Stack>
  );
}

function AddTransitionForm({ workflow, editor }: { workflow: Workflow; editor: WorkflowEditing }) {
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const names = workflow.states.map((s) => s.name);
  const add = () => {
    if (!from || !to) return setError("choose both states");
    setError(editor.attempt(() => addTransition(workflow, from, to)));
  };
  return (
    <Group align="flex-end" gap="xs">
      <Select label="From" data={["*", ...names]} value={from} onChange={setFrom} error={error} />
      <Select label="To" data={names} value={to} onChange={setTo} />
      <Button variant="light" onClick={add}>
        Add transition
      </Button>
    </Group>
  );
}

/** States as cards in one column per category, each listing where it can move to. */
function WorkflowMap({ workflow }: { workflow: Workflow }) {
  const pairs = transitionPairs(workflow);
  return (
    <Stack gap="xs">
      <Title order={3}>Map</Title>
      <SimpleGrid cols={{ base: 2, md: 5 }} spacing="sm">
        {CATEGORIES.map((category) => (
          <Stack key={category} gap="xs">
            <Text fw={600} size="sm" tt="capitalize">
              {category}
            </Text>
            {workflow.states
              .filter((s) => s.category === category)
              .map((s) => (
                <Paper key={s.name} withBorder p="xs">
                  <StatusBadge status={s.label ?? s.name} category={s.category} />
                  <Text size="xs" c="dimmed" mt={4}>
                    →{" "}
                    {pairs
                      .filter((p) => p.from === s.name)
                      .map((p) => p.to)
                      .join(", ") || "nowhere"}
                  </Text>
                </Paper>
              ))}
          </Stack>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

function TransitionMatrix({ workflow }: { workflow: Workflow }) {
  const allowed = new Set(transitionPairs(workflow).map((p) => `${p.from}→${p.to}`));
  const names = workflow.states.map((s) => s.name);
  return (
    <Stack gap="xs">
      <Title order={3}>Transition matrix</Title>
      <Table aria-label="Transition matrix" withTableBorder withColumnBorders ta="center">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>From \ to</Table.Th>
            {names.map((n) => (
              <Table.Th key={n} ta="center">
                {n}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {names.map((from) => (
            <Table.Tr key={from}>
              <Table.Th scope="row">{from}</Table.Th>
              {names.map((to) => (
                <Table.Td key={to}>
                  {from === to ? (
                    <Text c="dimmed" aria-label="same state">
                      ·
                    </Text>
                  ) : allowed.has(`${from}→${to}`) ? (
                    <Text c="green" fw={700} aria-label="allowed">
                      ✓
                    </Text>
                  ) : (
                    <VisuallyHidden>not allowed</VisuallyHidden>
                  )}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** Editing an API-made type's workflow: a draft, shown live, planned and applied as YAML. */
function WorkflowEditor({ slug, initial }: { slug: string; initial: Workflow }) {
  const exported = useTypeExport(slug);
  const refreshTypes = useInvalidate(keys.types);
  const [draft, setDraft] = useState<Workflow>(initial);
  const base = useMemo(() => {
    if (exported.data === undefined) return null;
    const parsed = parseDefinition(exported.data);
    return parsed.ok ? parsed.definition : null;
  }, [exported.data]);
  const yaml = base ? definitionToYaml(withWorkflow(base, draft)) : "";

  const editor: WorkflowEditing = {
    change: setDraft,
    attempt: (edit) => {
      try {
        setDraft(edit());
        return null;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
  };

  return (
    <Stack gap="lg">
      <Text size="sm" c="dimmed">
        This type is managed in the UI: edit its workflow below, preview the plan, then apply it. Removing a state
        or changing its category is refused while tickets are in it.
      </Text>
      <WorkflowView workflow={draft} editor={editor} />
      <Group>
        <Button variant="subtle" onClick={() => setDraft(initial)}>
          Reset workflow
        </Button>
      </Group>
      <ErrorAlert error={exported.error} />
      {base && (
        <details>
          {/* The plan's problems give lines of this text. */}
          <summary>Type file that will be applied</summary>
          <Code block mt={4}>
            {yaml}
          </Code>
        </details>
      )}
      {base && (
        <PlanPanel
          yaml={yaml}
          onApplied={() => void refreshTypes()}
        />
      )}
    </Stack>
  );
}
