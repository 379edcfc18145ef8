// A text input that reports what was typed after a pause, so typing in a filter does not
// refetch the list on every key; it keeps the typed text while the URL catches up.
import { useEffect, useRef, useState, type Ref } from "react";
import { TextInput, type TextInputProps } from "@mantine/core";

type Props = Omit<TextInputProps, "value" | "onChange"> & {
  value: string;
  onChange(value: string): void;
  delay?: number;
  inputRef?: Ref<HTMLInputElement>;
};

export function DebouncedTextInput({ value, onChange, delay = 350, inputRef, ...props }: Props) {
  const [text, setText] = useState(value);
  const sent = useRef(value);
  const focused = useRef(false);
  const report = useRef(onChange);
  report.current = onChange;

  // Adopt changes from outside (a view chosen, the back button), but never overwrite
  // what the user is typing with the normalised echo of it.
  useEffect(() => {
    if (value !== sent.current && !focused.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);

  useEffect(() => {
    if (text === sent.current) return;
    const timer = setTimeout(() => {
      sent.current = text;
      report.current(text);
    }, delay);
    return () => clearTimeout(timer);
  }, [text, delay]);

  return (
    <TextInput
      {...props}
      ref={inputRef}
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
      onFocus={() => (focused.current = true)}
      onBlur={() => {
        focused.current = false;
        if (value !== sent.current) {
          sent.current = value;
          setText(value);
        }
      }}
    />
  );
}
