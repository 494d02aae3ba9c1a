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

import type {
  CredentialsView,
  Definitions,
  Delivery,
  DeliveryQuery,
  HubStatus,
  ImportReport,
  Integration,
  IntegrationInput,
  KeyRotation,
  Overview,
  Player,
  PlayerData,
  RotatedSecret,
  SchedulerState,
  Settings,
  SettingsInput,
  Template,
  TestInput,
  TestResult,
  TunnelInput,
  TunnelView,
  WebhookInfo,
  WebhookTestResult,
  WidgetConfig,
  WidgetConfigInput,
} from "./apiTypes";

export type * from "./apiTypes";

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
  /** `GET /admin/api/overview`: every integration's and widget's health in one answer. */
  overview(): Promise<Overview>;
  templates(): Promise<Template[]>;

  integrations(): Promise<Integration[]>;
  integration(id: number): Promise<Integration>;
  /** `input` may be `{template: "<id>", …overrides}`. */
  createIntegration(input: IntegrationInput | ({ template: string } & Partial<IntegrationInput>)): Promise<Integration>;
  updateIntegration(id: number, input: IntegrationInput): Promise<Integration>;
  deleteIntegration(id: number): Promise<void>;
  testIntegration(id: number, input: TestInput): Promise<TestResult>;
  /** Partial update: fields not sent are kept; `null` clears a field. */
  putIntegrationCredentials(id: number, credentials: Record<string, unknown>): Promise<CredentialsView>;
  deleteIntegrationCredentials(id: number): Promise<void>;

  widgetConfigs(integrationId?: number): Promise<WidgetConfig[]>;
  widgetConfig(id: string): Promise<WidgetConfig>;
  createWidgetConfig(input: WidgetConfigInput): Promise<WidgetConfig>;
  updateWidgetConfig(id: string, input: WidgetConfigInput): Promise<WidgetConfig>;
  deleteWidgetConfig(id: string): Promise<void>;
  putWidgetCredentials(id: string, credentials: Record<string, unknown>): Promise<CredentialsView>;
  deleteWidgetCredentials(id: string): Promise<void>;
  /** Exactly what players receive (with `max_items` applied). */
  widgetData(id: string): Promise<PlayerData>;
  refreshWidget(id: string): Promise<void>;

  players(): Promise<Player[]>;
  scheduler(): Promise<SchedulerState>;
  setScheduler(paused: boolean): Promise<SchedulerState>;

  webhook(integrationId: number): Promise<WebhookInfo>;
  rotateWebhookSecret(integrationId: number, widgetConfigId?: string): Promise<RotatedSecret>;
  testWebhook(integrationId: number, body: { widget_config_id?: string; payload?: unknown }): Promise<WebhookTestResult>;
  deliveries(query: DeliveryQuery): Promise<Delivery[]>;

  tunnel(): Promise<TunnelView>;
  setTunnel(input: TunnelInput): Promise<TunnelView>;
  settings(): Promise<Settings>;
  updateSettings(input: SettingsInput): Promise<Settings>;
  playerToken(action: "generate" | "clear"): Promise<{ player_token: string | null }>;

  exportDefinitions(): Promise<Definitions>;
  importDefinitions(doc: unknown, onConflict: "error" | "update"): Promise<ImportReport>;
  /** `POST /admin/api/import/castmill`: an integration from a Castmill widget definition. */
  createIntegrationFromCastmill(widget: unknown): Promise<Integration>;
  rotateKeys(): Promise<KeyRotation>;
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

  const enc = encodeURIComponent;
  const get = <T>(path: string) => request<T>("GET", path);

  return {
    async status() {
      const status = await get<HubStatus>("/admin/api/status");
      if (!isRecord(status) || typeof status.version !== "string" || !isRecord(status.listeners)) {
        throw new ApiError(200, "bad_response", "The hub's status answer has an unexpected shape.");
      }
      return status;
    },
    async overview() {
      const overview = await get<Overview>("/admin/api/overview");
      if (!isRecord(overview) || !Array.isArray(overview.integrations)) {
        throw new ApiError(200, "bad_response", "The hub's overview answer has an unexpected shape.");
      }
      return overview;
    },
    templates: () => get("/admin/api/templates"),

    integrations: () => get("/admin/api/integrations"),
    integration: (id) => get(`/admin/api/integrations/${id}`),
    createIntegration: (input) => request("POST", "/admin/api/integrations", input),
    updateIntegration: (id, input) => request("PUT", `/admin/api/integrations/${id}`, input),
    deleteIntegration: (id) => request("DELETE", `/admin/api/integrations/${id}`),
    testIntegration: (id, input) => request("POST", `/admin/api/integrations/${id}/test`, input),
    putIntegrationCredentials: (id, credentials) =>
      request("PUT", `/admin/api/integrations/${id}/credentials`, { credentials }),
    deleteIntegrationCredentials: (id) => request("DELETE", `/admin/api/integrations/${id}/credentials`),

    widgetConfigs: (integrationId) =>
      get(`/admin/api/widget-configs${integrationId === undefined ? "" : `?integration_id=${integrationId}`}`),
    widgetConfig: (id) => get(`/admin/api/widget-configs/${enc(id)}`),
    createWidgetConfig: (input) => request("POST", "/admin/api/widget-configs", input),
    updateWidgetConfig: (id, input) => request("PUT", `/admin/api/widget-configs/${enc(id)}`, input),
    deleteWidgetConfig: (id) => request("DELETE", `/admin/api/widget-configs/${enc(id)}`),
    putWidgetCredentials: (id, credentials) =>
      request("PUT", `/admin/api/widget-configs/${enc(id)}/credentials`, { credentials }),
    deleteWidgetCredentials: (id) => request("DELETE", `/admin/api/widget-configs/${enc(id)}/credentials`),
    widgetData: (id) => get(`/admin/api/widget-configs/${enc(id)}/data`),
    async refreshWidget(id) {
      await request("POST", `/admin/api/widget-configs/${enc(id)}/refresh`);
    },

    players: () => get("/admin/api/players"),
    scheduler: () => get("/admin/api/scheduler"),
    setScheduler: (paused) => request("PUT", "/admin/api/scheduler", { paused }),

    webhook: (id) => get(`/admin/api/integrations/${id}/webhook`),
    rotateWebhookSecret: (id, widgetConfigId) =>
      request("POST", `/admin/api/integrations/${id}/webhook/secret`, widgetConfigId ? { widget_config_id: widgetConfigId } : {}),
    testWebhook: (id, body) => request("POST", `/admin/api/integrations/${id}/webhook/test`, body),
    deliveries(query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== "") params.set(key, String(value));
      }
      const qs = params.toString();
      return get(`/admin/api/deliveries${qs ? `?${qs}` : ""}`);
    },

    tunnel: () => get("/admin/api/tunnel"),
    setTunnel: (input) => request("PUT", "/admin/api/tunnel", input),
    settings: () => get("/admin/api/settings"),
    updateSettings: (input) => request("PUT", "/admin/api/settings", input),
    playerToken: (action) => request("POST", "/admin/api/settings/player-token", { action }),

    exportDefinitions: () => get("/admin/api/export"),
    importDefinitions: (doc, onConflict) =>
      request("POST", `/admin/api/import?on_conflict=${onConflict}`, doc),
    createIntegrationFromCastmill: (widget) => request("POST", "/admin/api/import/castmill", widget),
    rotateKeys: () => request("POST", "/admin/api/keys/rotate"),
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
