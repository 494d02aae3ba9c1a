/**
 * Field errors from the hub's 422 answers, shown next to the inputs they belong to.
 *
 * The hub names each problem by a path: `name`, `pull_config.timeout`,
 * `config_schema.units.default`, `push_config.verifier.secret_field`,
 * `credentials.api_key`, `options.feed_url`. Every input that can show errors
 * *claims* its path while it is on screen; whatever no input claims (a path this
 * form does not render, such as `template` or `body`) goes to the summary box, so
 * no message is ever lost.
 */
import {
  createComputed,
  createContext,
  createMemo,
  createSignal,
  onCleanup,
  untrack,
  useContext,
  type Accessor,
} from "solid-js";
import type { ApiError } from "../api";

export type FieldErrorMap = Record<string, string[]>;

/** The errors of a failed save, split into those an input shows and the rest. */
export function splitFieldErrors(
  errors: FieldErrorMap,
  claimed: ReadonlySet<string>,
): { shown: FieldErrorMap; unclaimed: [string, string[]][] } {
  const shown: FieldErrorMap = {};
  const unclaimed: [string, string[]][] = [];
  for (const [path, messages] of Object.entries(errors)) {
    if (claimed.has(path)) shown[path] = messages;
    else unclaimed.push([path, messages]);
  }
  return { shown, unclaimed };
}

/** The errors under `prefix.` with the prefix removed (`options.units` → `units`). */
export function errorsUnder(errors: FieldErrorMap, prefix: string): FieldErrorMap {
  const out: FieldErrorMap = {};
  const start = `${prefix}.`;
  for (const [path, messages] of Object.entries(errors)) {
    if (path.startsWith(start)) out[path.slice(start.length)] = messages;
  }
  return out;
}

export interface FormErrors {
  /** Every field error of the last failure. */
  all: Accessor<FieldErrorMap>;
  /** Takes the field errors of a failure (none for other failures); undefined clears. */
  setFrom(error: ApiError | undefined): void;
  /** Sets errors directly (client-side checks such as unreadable JSON). */
  set(errors: FieldErrorMap): void;
  clear(): void;
  /** The messages for one path. */
  messagesFor(path: string): string[];
  /** Claims a path while the caller is mounted; returns the release function. */
  claim(path: string): () => void;
  /** Errors no mounted input claims, for the summary box. */
  unclaimed: Accessor<[string, string[]][]>;
}

/** One form's errors. */
export function createFormErrors(): FormErrors {
  const [all, setAll] = createSignal<FieldErrorMap>({});
  const [claims, setClaims] = createSignal<ReadonlyMap<string, number>>(new Map());

  const unclaimed = createMemo(() => splitFieldErrors(all(), new Set(claims().keys())).unclaimed);

  function claim(path: string): () => void {
    setClaims((prev) => new Map(prev).set(path, (prev.get(path) ?? 0) + 1));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      setClaims((prev) => {
        const next = new Map(prev);
        const n = (next.get(path) ?? 1) - 1;
        if (n <= 0) next.delete(path);
        else next.set(path, n);
        return next;
      });
    };
  }

  return {
    all,
    setFrom: (error) => setAll(error?.fieldErrors ?? {}),
    set: (errors) => setAll(errors),
    clear: () => setAll({}),
    messagesFor: (path) => all()[path] ?? [],
    claim,
    unclaimed,
  };
}

export const FormErrorsContext = createContext<FormErrors>();

/**
 * The messages for `path` in the surrounding form, claiming the path while mounted
 * (and following it when it changes, e.g. a renamed query parameter).
 */
export function useFieldErrors(path: Accessor<string | undefined>): Accessor<string[]> {
  const form = useContext(FormErrorsContext);
  if (!form) return () => [];
  let release: (() => void) | undefined;
  const [claimed, setClaimed] = createSignal<string>();
  createComputed(() => {
    const p = path();
    untrack(() => {
      release?.();
      release = p ? form.claim(p) : undefined;
      setClaimed(p);
    });
  });
  onCleanup(() => release?.());
  return () => {
    const p = claimed();
    return p ? form.messagesFor(p) : [];
  };
}
