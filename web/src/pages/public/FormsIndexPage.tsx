// `/forms`: the published forms, each a link to its page.
import { Anchor, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import { ErrorAlert } from "../../components/Errors";
import { PublicLayout } from "./PublicLayout";

export default function FormsIndexPage() {
  const forms = useQuery({
    queryKey: ["public", "forms"],
    queryFn: () => unwrap(api.GET("/public/forms")),
  });
  return (
    <PublicLayout>
      <Title order={2}>Contact us</Title>
      {forms.isPending && (
        <Center>
          <Loader />
        </Center>
      )}
      <ErrorAlert error={forms.error} title="Could not load the forms" />
      {forms.data?.length === 0 && <Text c="dimmed">There are no forms to fill in here.</Text>}
      <Stack gap="sm">
        {forms.data?.map((f) => (
          <div key={f.slug}>
            <Anchor component={Link} to={`/forms/${f.slug}`} fw={600}>
              {f.name}
            </Anchor>
            {f.description && (
              <Text size="sm" c="dimmed">
                {f.description}
              </Text>
            )}
          </div>
        ))}
      </Stack>
    </PublicLayout>
  );
}
