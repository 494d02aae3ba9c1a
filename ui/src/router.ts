/**
 * Client-side routes on real paths (`/integrations/3`): the URL fragment is reserved for
 * the login token, and the hub answers any unknown GET path with `index.html`.
 *
 * `navigate()` pushes a history entry; the back and forward buttons work through
 * `popstate`. Links are plain `<a href>` elements: `interceptLinks` turns a plain
 * left click on a same-origin link into `navigate()`, so a middle click or
 * Ctrl+click still opens a new tab.
 */
import { createSignal } from "solid-js";

export interface Location {
  pathname: string;
  search: string;
}

function current(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

const [location, setLocation] = createSignal<Location>(current(), {
  equals: (a, b) => a.pathname === b.pathname && a.search === b.search,
});

/** The current path and query (reactive). */
export { location };

let listening = false;

/** Starts following the back and forward buttons (idempotent). */
export function listenToHistory(): void {
  if (listening) return;
  listening = true;
  window.addEventListener("popstate", () => setLocation(current()));
}

/** Goes to `to` (a path with an optional query), adding a history entry unless `replace`. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.origin);
  const target = `${url.pathname}${url.search}${url.hash}`;
  if (target !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    if (options.replace) window.history.replaceState(null, "", target);
    else window.history.pushState(null, "", target);
  }
  setLocation(current());
}

/** Re-reads the address bar (tests change it directly). */
export function syncLocation(): void {
  setLocation(current());
}

/** One query parameter of the current location (reactive). */
export function queryParam(name: string): string | null {
  return new URLSearchParams(location().search).get(name);
}

/**
 * A click handler for a container: same-origin links without `target` or `download`
 * navigate in place on a plain left click.
 */
export function interceptLinks(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || anchor.hasAttribute("download") || (anchor.target && anchor.target !== "_self")) return;
  const href = anchor.getAttribute("href");
  if (!href || href.startsWith("#") || anchor.dataset.external !== undefined) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  event.preventDefault();
  navigate(`${url.pathname}${url.search}${url.hash}`);
}

/** A route pattern such as `/integrations/:id` matched against a path. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const normalize = (p: string) => p.replace(/\/+$/, "") || "/";
  const want = normalize(pattern).split("/");
  const have = normalize(path).split("/");
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(":")) {
      if (!h) return null;
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) {
      return null;
    }
  }
  return params;
}
