/** Any value as pretty JSON (text as it is) in a scrollable, keyboard-focusable block. */
export function prettyJson(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function JsonBlock(props: { value: unknown; label: string; testid?: string; raw?: boolean }) {
  return (
    <pre class="code-block" tabindex="0" aria-label={props.label} data-testid={props.testid}>
      {props.raw && typeof props.value === "string" ? props.value : prettyJson(props.value)}
    </pre>
  );
}
