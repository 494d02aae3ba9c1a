import { createRoot } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { createAction, createLoader } from "./async";

afterEach(() => vi.useRealTimers());

function fakeDocument() {
  const listeners = new Set<() => void>();
  return {
    hidden: false,
    addEventListener: (_: string, fn: () => void) => listeners.add(fn),
    removeEventListener: (_: string, fn: () => void) => listeners.delete(fn),
    setHidden(hidden: boolean) {
      this.hidden = hidden;
      for (const fn of listeners) fn();
    },
  };
}

describe("createLoader", () => {
  it("polls while visible, pauses while hidden, and refreshes at once when shown again", async () => {
    vi.useFakeTimers();
    const doc = fakeDocument();
    let n = 0;
    const fetcher = vi.fn(async () => ++n);
    const { loader, dispose } = createRoot((dispose) => ({ loader: createLoader(fetcher, { pollMs: 3000, document: doc as never }), dispose }));
    await vi.advanceTimersByTimeAsync(0);
    expect(loader.data()).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(loader.data()).toBe(2);

    doc.setHidden(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetcher).toHaveBeenCalledTimes(2);

    doc.setHidden(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(loader.data()).toBe(3);
    dispose();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetcher).toHaveBeenCalledTimes(3);
  });

  it("keeps the last good data when a refresh fails", async () => {
    let fail = false;
    const { loader } = createRoot(() => ({
      loader: createLoader(async () => {
        if (fail) throw new ApiError(0, "network", "down");
        return "good";
      }),
    }));
    await loader.reload();
    fail = true;
    await loader.reload();
    expect(loader.data()).toBe("good");
    expect(loader.error()?.code).toBe("network");
  });
});

describe("createAction", () => {
  it("is pending while it runs, runs once at a time, and keeps the error", async () => {
    let release!: () => void;
    const work = vi.fn(() => new Promise<string>((r) => (release = () => r("done"))));
    const action = createRoot(() => createAction(work));
    const first = action.run();
    expect(action.pending()).toBe(true);
    expect(await action.run()).toBeUndefined();
    release();
    expect(await first).toBe("done");
    expect(action.pending()).toBe(false);
    expect(work).toHaveBeenCalledOnce();

    const failing = createRoot(() =>
      createAction(async () => {
        throw new ApiError(409, "conflict", "taken");
      }),
    );
    expect(await failing.run()).toBeUndefined();
    expect(failing.error()?.message).toBe("taken");
  });
});
