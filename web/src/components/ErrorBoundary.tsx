// The last line of defence: a screen that throws while rendering shows a friendly message
// with a way out instead of a blank page. The URL stays as it was, so "Reload" (or sharing
// the link) returns to the same place.
import { Component, type ErrorInfo, type ReactNode } from "react";
import { Button, Center, Stack, Text, Title } from "@mantine/core";

interface State {
  error: Error | null;
}

interface Props {
  children: ReactNode;
  /** When this changes (the user went elsewhere), the screen is tried again. */
  resetKey?: string;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  componentDidUpdate(prev: Props) {
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("Screen failed to render", error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Center h="50vh">
        <Stack align="center" gap="xs" role="alert">
          <Title order={2}>Something went wrong</Title>
          <Text c="dimmed">This screen hit an error. Reloading usually helps.</Text>
          <Button onClick={() => window.location.reload()}>Reload</Button>
        </Stack>
      </Center>
    );
  }
}
