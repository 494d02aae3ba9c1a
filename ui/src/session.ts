/**
 * The admin session: the hub's admin token, kept in sessionStorage for this tab.
 *
 * Sign-in is the login link `millrace serve` prints, `http://127.0.0.1:<port>/#token=<token>`.
 * The token travels in the fragment so it never reaches an access log; on load we move
 * it into sessionStorage and strip it from the address bar (history.replaceState), so
 * it is not left in the history, a bookmark or a screenshot.
 *
 * The session ends when the admin signs out, or when the hub answers 401 (the hub may
 * have been restarted with a new admin token); the UI then explains how to sign in.
 */
import { createSignal, type Accessor } from "solid-js";

/** sessionStorage key of the admin token. */
export const TOKEN_STORAGE_KEY = "millrace.token";

/** Why there is no session: never signed in, signed out, or the hub stopped accepting it. */
export type SignedOutReason = "none" | "signed_out" | "expired";

/** The parts of `window` the token hand-over uses (injected in tests). */
export interface LocationLike {
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}
export interface HistoryLike {
  readonly state: unknown;
  replaceState(data: unknown, unused: string, url?: string | URL | null): void;
}

/**
 * Takes a token from a `#token=…` fragment: returns it (or null when there is none)
 * and rewrites the URL without it, keeping any other fragment parameters.
 * A fragment that names an empty token is still removed.
 */
export function takeTokenFromUrl(location: LocationLike, history: HistoryLike): string | null {
  const fragment = location.hash.replace(/^#/, "");
  if (!fragment) return null;
  const params = new URLSearchParams(fragment);
  if (!params.has("token")) return null;

  const token = params.get("token")?.trim() ?? "";
  params.delete("token");
  const rest = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
  return token || null;
}

export interface Session {
  /** The admin token, or null when signed out. */
  token: Accessor<string | null>;
  /** Why the session is absent (meaningful while `token()` is null). */
  reason: Accessor<SignedOutReason>;
  /** The admin chose to sign out. */
  signOut(): void;
  /** The hub no longer accepts the token (a 401). */
  expire(): void;
}

function readToken(storage: Storage): string | null {
  try {
    return storage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeToken(storage: Storage, token: string | null): void {
  try {
    if (token) storage.setItem(TOKEN_STORAGE_KEY, token);
    else storage.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    // Storage unavailable: the session still lives in memory for this page.
  }
}

/**
 * Starts the session for this page: a token in the URL fragment replaces any stored
 * one (a new login link wins), otherwise the stored token is used.
 */
export function createSession(
  storage: Storage = window.sessionStorage,
  location: LocationLike = window.location,
  history: HistoryLike = window.history,
): Session {
  const fromUrl = takeTokenFromUrl(location, history);
  if (fromUrl) writeToken(storage, fromUrl);

  const [token, setToken] = createSignal<string | null>(fromUrl ?? readToken(storage));
  const [reason, setReason] = createSignal<SignedOutReason>("none");

  function end(why: SignedOutReason): void {
    writeToken(storage, null);
    setToken(null);
    setReason(why);
  }

  return {
    token,
    reason,
    signOut: () => end("signed_out"),
    expire: () => {
      // A late 401 from a request sent before sign-out must not relabel the page.
      if (token() !== null) end("expired");
    },
  };
}
