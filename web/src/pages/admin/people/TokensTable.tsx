// API tokens in a table, each revocable (behind a confirmation) while it is active.
import { Badge, Group, Table, Text } from "@mantine/core";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { TableHead } from "../../../components/TableHead";
import { tokenStatus, type Token } from "./tokens";
import { formatWhen } from "./when";

interface TokensTableProps {
  label: string;
  tokens: Token[];
  /** Owner names by user id; the owner column shows only when given. */
  owners?: Map<number, string>;
  onRevoke(token: Token): Promise<unknown>;
}

const STATUS_COLOR = { active: "green", expired: "gray", revoked: "red" } as const;

export function TokensTable({ label, tokens, owners, onRevoke }: TokensTableProps) {
  const now = new Date();
  return (
    <Table aria-label={label} striped highlightOnHover>
      <TableHead columns={["Name", owners && "Owner", "Prefix", "Scopes", "Created", "Last used", "Expires", "Status"]} actions />
      <Table.Tbody>
        {tokens.map((t) => {
          const status = tokenStatus(t, now);
          return (
            <Table.Tr key={t.id}>
              <Table.Td fw={500}>{t.name}</Table.Td>
              {owners && <Table.Td>{owners.get(t.user_id) ?? `user ${t.user_id}`}</Table.Td>}
              <Table.Td ff="monospace">{t.prefix}…</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {t.scopes.map((s) => (
                    <Badge key={s} size="sm" variant="outline">
                      {s}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatWhen(t.created_at)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatWhen(t.last_used_at)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatWhen(t.expires_at)}</Text>
              </Table.Td>
              <Table.Td>
                <Badge color={STATUS_COLOR[status]} variant="light" style={{ minWidth: "max-content" }}>
                  {status}
                </Badge>
              </Table.Td>
              <Table.Td>
                {status !== "revoked" && (
                  <ConfirmButton
                    label={`Revoke token ${t.name}`}
                    title={`Revoke token ${t.name}?`}
                    message="Anything using this token stops working at once. This cannot be undone."
                    confirmLabel="Revoke"
                    onConfirm={() => onRevoke(t)}
                  >
                    Revoke
                  </ConfirmButton>
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
