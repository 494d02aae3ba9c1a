/**
 * The typed client for the hub's admin API — the only module that talks to the hub.
 *
 * Every request carries `Authorization: Bearer <token>`. Every failure becomes an
 * `ApiError` with a stable `code` that the UI switches on (never on message text):
 *
 * - the hub's error body `{"error": {"code", "message"}}` gives the code and message;
 * - a 422 `{"errors": {field: [message]}}` gives code `validation` and `fieldErrors`;
 * - a body without those (a proxy page, an empty body) gets a code from the status;
 * - no answer at all (refused connection, timeout) is code `network`, status 0;
 * - a 2xx answer that is not the expected JSON is code `bad_response`.
 *
 * A 401 additionally calls `onUnauthorized`, so the session can end in one place.
 */
import { createContext, useContext } from "solid-js";

// ---------------------------------------------------------------------------
// Response types (GET /admin/api/status)

/** One bound listener. `url` is how to reach it (for the player, the LAN address). */
export interface Listener {
  address: string;
  url: string;
}

/** The player listener also says whether it is reachable from the local network. */
export interface PlayerListener extends Listener {
  lan: boolean;
}

export type KeystoreKind = "keyring" | "file" | "memory";

export interface Keystore {
  kind: KeystoreKind;
  /** Human-readable, from the hub (e.g. "OS keyring (Secret Service)"). */
  description: string;
  /** Set when credentials are less protected than by an OS keyring. */
  warning: string | null;
}

export interface HubStatus {
  version: string;
  listeners: {
    admin: Listener;
    player: PlayerListener;
    hooks: Listener;
  };
  keystore: Keystore;
  data_dir: string;
  database: string;
  /** ISO 8601. */
  started_at: string;
}

// ---------------------------------------------------------------------------
// Errors

/** Codes the client itself produces, plus the hub's common ones. The hub may send others. */
export type KnownErrorCode =
  | "network"
  | "bad_response"
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "validation"
  | "rate_limited"
  | "server_error"
  | "http_error";

/** A failed call to the hub. `status` is 0 when the hub did not answer. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: KnownErrorCode | (string & {}),
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
  }
}

/** The code used when a response carries no `{"error": {"code"}}`. */
export function codeForStatus(status: number): KnownErrorCode {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 422:
      return "validation";
    case 429:
      return "rate_limited";
    default:
      return status >= 500 ? "server_error" : "http_error";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseFieldErrors(value: unknown): Record<string, string[]> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(value)) {
    if (Array.isArray(messages)) out[field] = messages.map(String);
    else if (typeof messages === "string") out[field] = [messages];
  }
  return out;
}

/**
 * Maps a non-2xx answer to an `ApiError`. `body` is the raw response text (possibly
 * empty or not JSON); `statusText` is only used when the body says nothing.
 */
export function errorFromResponse(status: number, statusText: string, body: string): ApiError {
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }

  const fallbackMessage = `The hub answered HTTP ${status}${statusText ? ` ${statusText}` : ""}.`;
  let code: string = codeForStatus(status);
  let message = fallbackMessage;
  let fieldErrors: Record<string, string[]> | undefined;

  if (isRecord(json)) {
    const error = json.error;
    if (isRecord(error)) {
      if (typeof error.code === "string" && error.code) code = error.code;
      if (typeof error.message === "string" && error.message) message = error.message;
    }
    fieldErrors = parseFieldErrors(json.errors);
    if (fieldErrors && !isRecord(error)) {
      code = "validation";
      message = "Some fields are not valid.";
    }
  }
  return new ApiError(status, code, message, fieldErrors);
}

/** Any thrown value as an `ApiError` (programming errors become `bad_response`). */
export function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new ApiError(0, "bad_response", message);
}

// ---------------------------------------------------------------------------
// Client

export interface HubClientOptions {
  /** Origin of the admin listener; defaults to the page's own origin. */
  baseUrl?: string;
  /** The admin token to send, read on every request. */
  token: () => string | null;
  /** Called once for each 401 answer, before the error is thrown. */
  onUnauthorized?: (error: ApiError) => void;
  /** Injected in tests; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** A request with no answer after this long fails with code `network`. */
  timeoutMs?: number;
}

/** The admin API, one method per call the UI makes. */
export interface HubClient {
  /** `GET /admin/api/status`: version, listeners, key store, paths, start time. */
  status(): Promise<HubStatus>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createHubClient(options: HubClientOptions): HubClient {
  const baseUrl = (options.baseUrl ?? window.location.origin).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = options.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        credentials: "omit",
        cache: "no-store",
      });
      text = await response.text();
    } catch (cause) {
      const reason = controller.signal.aborted
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : cause instanceof Error
          ? cause.message
          : String(cause);
      throw new ApiError(0, "network", `Could not reach the hub at ${baseUrl} (${reason}).`);
    } finally {
      clearTimeout(timer);
    }

    if (!response.ok) {
      const error = errorFromResponse(response.status, response.statusText, text);
      if (error.status === 401) options.onUnauthorized?.(error);
      throw error;
    }
    if (response.status === 204 || text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, "bad_response", "The hub's answer is not valid JSON.");
    }
  }

  return {
    async status() {
      const status = await request<HubStatus>("GET", "/admin/api/status");
      if (!isRecord(status) || typeof status.version !== "string" || !isRecord(status.listeners)) {
        throw new ApiError(200, "bad_response", "The hub's status answer has an unexpected shape.");
      }
      return status;
    },
  };
}

// ---------------------------------------------------------------------------
// Context: the app creates one client and pages take it from here.

export const HubContext = createContext<HubClient>();

/** The hub client provided by the app shell. */
export function useHub(): HubClient {
  const hub = useContext(HubContext);
  if (!hub) throw new Error("useHub() called outside <HubContext.Provider>");
  return hub;
}
