import { For, Show, createUniqueId, type JSX } from "solid-js";
import { useFieldErrors } from "./errors";

/** What the input inside a `Field` spreads onto itself to be tied to its label, help and errors. */
export interface FieldControl {
  id: string;
  "aria-describedby": string | undefined;
  "aria-invalid": boolean | undefined;
  "aria-required": boolean | undefined;
}

export interface FieldProps {
  label: JSX.Element;
  /** Plain-words help under the input. */
  help?: JSX.Element;
  /** The hub's error path this input answers for (e.g. `pull_config.timeout`). */
  path?: string;
  required?: boolean;
  /** Label after the control (checkboxes). */
  inline?: boolean;
  /** Something shown next to the label (e.g. a "set" badge). */
  badge?: JSX.Element;
  class?: string;
  testid?: string;
  children: (control: FieldControl) => JSX.Element;
}

/**
 * A labelled input with its help text and the hub's messages for its path. The label
 * is tied to the input (`for`/`id`), help and errors through `aria-describedby`.
 */
export function Field(props: FieldProps) {
  const id = createUniqueId();
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const errors = useFieldErrors(() => props.path);

  const control: FieldControl = {
    id,
    get "aria-describedby"() {
      const ids = [props.help ? helpId : "", errors().length ? errorId : ""].filter(Boolean);
      return ids.length ? ids.join(" ") : undefined;
    },
    get "aria-invalid"() {
      return errors().length ? true : undefined;
    },
    get "aria-required"() {
      return props.required ? true : undefined;
    },
  };

  const label = (
    <label for={id} class="field__label" classList={{ "field__label--required": props.required }}>
      {props.label}
    </label>
  );

  return (
    <div
      class={`field ${props.class ?? ""}`}
      classList={{ "field--invalid": errors().length > 0, "field--inline": props.inline }}
      data-testid={props.testid}
      data-path={props.path}
    >
      <Show when={props.inline} fallback={<div class="field__head">{label}{props.badge}</div>}>
        <div class="field__inline">
          {props.children(control)}
          {label}
          {props.badge}
        </div>
      </Show>
      <Show when={!props.inline}>{props.children(control)}</Show>
      <Show when={props.help}>
        <p id={helpId} class="field__help">
          {props.help}
        </p>
      </Show>
      <Show when={errors().length > 0}>
        <ul id={errorId} class="field__errors" data-testid="field-error">
          <For each={errors()}>{(message) => <li>{message}</li>}</For>
        </ul>
      </Show>
    </div>
  );
}

/** Errors for a path that has no input of its own (a section, a list). */
export function PathErrors(props: { path: string }) {
  const errors = useFieldErrors(() => props.path);
  return (
    <Show when={errors().length > 0}>
      <ul class="field__errors" data-testid="field-error" data-path={props.path}>
        <For each={errors()}>{(message) => <li>{message}</li>}</For>
      </ul>
    </Show>
  );
}
