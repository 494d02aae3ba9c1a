/**
 * The two async shapes every page uses:
 *
 * - `createLoader`: data from the hub, optionally polled. The last good answer stays on
 *   screen when a refresh fails; polling pauses while the tab is hidden and refreshes
 *   at once when it becomes visible again.
 * - `createAction`: a button's work (save, delete, rotate…): `pending` disables the
 *   button and shows progress, `error` is the readable failure, `result` the answer.
 */
import { createSignal, onCleanup, type Accessor } from "solid-js";
import { toApiError, type ApiError } from "./api";

export interface Loader<T> {
  data: Accessor<T | undefined>;
  error: Accessor<ApiError | undefined>;
  /** A request is in flight. */
  loading: Accessor<boolean>;
  /** When the last good answer arrived. */
  updatedAt: Accessor<Date | undefined>;
  /** Fetches again now (one request at a time; a call during a request is merged). */
  reload(): Promise<void>;
  /** Replaces the data locally (after a save answered with the new resource). */
  set(value: T): void;
}

export interface LoaderOptions {
  /** Poll this often (ms) after each answer while the page is visible. */
  pollMs?: number;
  /** Injected in tests. */
  document?: Pick<Document, "hidden" | "addEventListener" | "removeEventListener">;
}

/** Loads `fetcher()` now and, with `pollMs`, again after every answer while visible. */
export function createLoader<T>(fetcher: () => Promise<T>, options: LoaderOptions = {}): Loader<T> {
  const doc = options.document ?? (typeof document === "undefined" ? undefined : document);
  const [data, setData] = createSignal<T>();
  const [error, setError] = createSignal<ApiError>();
  const [loading, setLoading] = createSignal(false);
  const [updatedAt, setUpdatedAt] = createSignal<Date>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  let inFlight: Promise<void> | undefined;

  function schedule(): void {
    clearTimeout(timer);
    if (disposed || !options.pollMs || doc?.hidden) return;
    timer = setTimeout(() => void reload(), options.pollMs);
  }

  function reload(): Promise<void> {
    if (disposed) return Promise.resolve();
    if (inFlight) return inFlight;
    clearTimeout(timer);
    setLoading(true);
    inFlight = (async () => {
      try {
        const next = await fetcher();
        if (disposed) return;
        setData(() => next);
        setUpdatedAt(new Date());
        setError(undefined);
      } catch (thrown) {
        if (!disposed) setError(toApiError(thrown));
      } finally {
        inFlight = undefined;
        if (!disposed) {
          setLoading(false);
          schedule();
        }
      }
    })();
    return inFlight;
  }

  const onVisibility = () => {
    if (!options.pollMs) return;
    if (doc?.hidden) clearTimeout(timer);
    else void reload();
  };
  doc?.addEventListener("visibilitychange", onVisibility);

  onCleanup(() => {
    disposed = true;
    clearTimeout(timer);
    doc?.removeEventListener("visibilitychange", onVisibility);
  });

  void reload();
  return { data, error, loading, updatedAt, reload, set: (value) => setData(() => value) };
}

export interface Action<A extends unknown[], R> {
  pending: Accessor<boolean>;
  error: Accessor<ApiError | undefined>;
  result: Accessor<R | undefined>;
  /** Runs the work unless it is already running; resolves to the result, or undefined on failure. */
  run(...args: A): Promise<R | undefined>;
  /** Forgets the last result and error. */
  reset(): void;
}

/** Wraps async work for a button: one run at a time, with progress, result and error. */
export function createAction<A extends unknown[], R>(work: (...args: A) => Promise<R>): Action<A, R> {
  const [pending, setPending] = createSignal(false);
  const [error, setError] = createSignal<ApiError>();
  const [result, setResult] = createSignal<R>();
  let disposed = false;
  onCleanup(() => (disposed = true));

  async function run(...args: A): Promise<R | undefined> {
    if (pending()) return undefined;
    setPending(true);
    setError(undefined);
    try {
      const value = await work(...args);
      if (!disposed) setResult(() => value);
      return value;
    } catch (thrown) {
      if (!disposed) setError(toApiError(thrown));
      return undefined;
    } finally {
      if (!disposed) setPending(false);
    }
  }

  return {
    pending,
    error,
    result,
    run,
    reset: () => {
      setError(undefined);
      setResult(undefined);
    },
  };
}
