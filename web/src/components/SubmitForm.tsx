// A <form> that submits through React: no browser validation bubbles (the fields show
// the server's messages instead) and no page reload.
import type { ReactNode } from "react";

export function SubmitForm({ onSubmit, children }: { onSubmit(): void; children: ReactNode }) {
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}
