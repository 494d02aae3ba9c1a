/** A spinner with a sentence, announced politely. */
export function Loading(props: { text: string; testid?: string }) {
  return (
    <p class="loading" role="status" data-testid={props.testid ?? "loading"}>
      <span class="spinner" aria-hidden="true" />
      {props.text}
    </p>
  );
}
