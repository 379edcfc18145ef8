// Step one of a new ticket: pick its type, from cards or the "Type" select. Only the
// types the user may create are offered.
import { Card, Center, Loader, Select, SimpleGrid, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import { useNavigate } from "react-router";
import { useMe } from "../../auth";
import { ErrorAlert } from "../../components/Errors";
import { useTeams, useTypes } from "../../api/queries";
import { creatableTypes } from "./newTicketLogic";

export function TypeChooser() {
  const me = useMe();
  const navigate = useNavigate();
  const types = useTypes();
  const teams = useTeams();
  if (types.isPending || teams.isPending) {
    return (
      <Center h="30vh">
        <Loader />
      </Center>
    );
  }
  if (types.error || teams.error) return <ErrorAlert error={types.error ?? teams.error} title="Could not load the types" />;
  const choices = creatableTypes(types.data ?? [], teams.data ?? [], me);
  const open = (slug: string) => navigate(`/new/${slug}`);

  return (
    <Stack gap="md" maw={960}>
      <Title order={2}>New ticket</Title>
      {choices.length === 0 ? (
        <Text c="dimmed">
          None of your teams handles a ticket type, so there is nothing you can open here. Ask an admin to add you to a
          team.
        </Text>
      ) : (
        <>
          <Select
            label="Type"
            placeholder="Choose the kind of ticket"
            data={choices.map((t) => ({ value: t.slug, label: t.name }))}
            onChange={(v) => v && open(v)}
            searchable
            maw={360}
          />
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
            {choices.map((t) => (
              <UnstyledButton key={t.slug} onClick={() => open(t.slug)} aria-label={`New ${t.name} ticket`}>
                <Card withBorder h="100%" padding="md">
                  <Text fw={600}>{t.name}</Text>
                  <Text size="xs" c="dimmed" ff="monospace" mb={4}>
                    {t.key_prefix}
                  </Text>
                  {t.description && (
                    <Text size="sm" c="dimmed" lineClamp={3}>
                      {t.description}
                    </Text>
                  )}
                </Card>
              </UnstyledButton>
            ))}
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
