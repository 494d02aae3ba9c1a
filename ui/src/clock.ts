/**
 * A shared "now" for relative times ("5 seconds ago"), ticking once a second while
 * anything reads it, so every relative time on the page moves together.
 */
import { createSignal, getOwner, onCleanup } from "solid-js";

const [now, setNow] = createSignal(Date.now());
let readers = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** The current time in ms (reactive; ticks every second while used by a mounted component). */
export function useNow(): () => number {
  if (getOwner()) {
    readers += 1;
    if (readers === 1) {
      setNow(Date.now());
      timer = setInterval(() => setNow(Date.now()), 1_000);
    }
    onCleanup(() => {
      readers -= 1;
      if (readers === 0) clearInterval(timer);
    });
  }
  return now;
}
