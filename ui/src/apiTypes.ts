/**
 * The shapes the admin API sends and accepts (DESIGN §8, §11; the hub serves the full
 * OpenAPI document at /admin/api/openapi.json). Only `api.ts` fetches them; everything
 * else imports these types through `api.ts`.
 */

// ---------------------------------------------------------------------------
// Status (GET /admin/api/status)

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
  /** The tunnel's state and settings (newer hubs). */
  tunnel?: TunnelState;
}

// ---------------------------------------------------------------------------
// Schemas and integration definitions

export type FieldType = "string" | "number" | "integer" | "boolean";

/** One field of a `credential_schema` or `config_schema`. */
export interface FieldDef {
  type: FieldType;
  required?: boolean;
  label?: string;
  help?: string;
  /** Secret: stored sealed, never returned (credential schemas only). */
  sensitive?: boolean;
  enum?: unknown[];
  default?: unknown;
  min?: number;
  max?: number;
}

/** Field name → definition. */
export type Schema = Record<string, FieldDef>;

export type Fetcher = "json" | "rss" | "openweather";

export interface PullConfig {
  fetcher?: Fetcher;
  /** Milliseconds. */
  timeout?: number;
  /** Requests per minute across the integration's data keys. */
  rate_limit?: number | null;
  /** Name → template (`{{options.x}}`, `{{credentials.y}}`). */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Output field → JSON pointer. */
  mapping?: Record<string, string> | null;
}

export type VerifierScheme = "standard_webhooks" | "github" | "meta" | "stripe" | "slack" | "hmac";

export interface VerifierConfig {
  scheme: VerifierScheme;
  secret_field?: string;
  tolerance_seconds?: number;
  header?: string | null;
  prefix?: string | null;
  encoding?: "hex" | "base64" | null;
}

export type NamedTransform = "passthrough" | "facebook" | "castmill";
export type TransformConfig = NamedTransform | { mapping: Record<string, string> };

export interface PushConfig {
  verifier: VerifierConfig;
  transform?: TransformConfig;
}

export type IntegrationType = "pull" | "push" | "both";
export type CredentialScope = "organization" | "widget";

/** What the admin sends to create or replace an integration. */
export interface IntegrationInput {
  widget: string;
  name: string;
  description?: string;
  integration_type: IntegrationType;
  credential_scope?: CredentialScope;
  credential_schema?: Schema;
  config_schema?: Schema;
  pull_endpoint?: string | null;
  pull_interval_seconds?: number | null;
  pull_config?: PullConfig | null;
  push_config?: PushConfig | null;
  /** `organization` | `widget_option:<option>` | `widget_config`. */
  data_key?: string | null;
  is_active?: boolean;
}

/** Credentials as the hub shows them: which fields are set, never a secret value. */
export interface CredentialsView {
  configured: boolean;
  fields: Record<string, { set: boolean }>;
  /** Non-sensitive values only. */
  metadata: Record<string, unknown>;
  validated_at: string | null;
  is_valid: boolean;
}

/** An integration as the hub shows it. */
export interface Integration extends IntegrationInput {
  id: number;
  created_at: string;
  updated_at: string;
  description: string;
  credential_scope: CredentialScope;
  credential_schema: Schema;
  config_schema: Schema;
  is_active: boolean;
  /** Organization scope only (null for widget scope: see each widget config). */
  credentials?: CredentialsView | null;
  widget_config_count?: number;
}

export interface Template {
  id: string;
  title: string;
  description: string;
  integration: IntegrationInput;
}

// ---------------------------------------------------------------------------
// Widget configs

export interface WidgetConfigInput {
  integration_id: number;
  name: string;
  options?: Record<string, unknown>;
  is_active?: boolean;
}

export interface WidgetConfig {
  id: string;
  integration_id: number;
  name: string;
  options: Record<string, unknown>;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  /** Widget scope only. */
  credentials?: CredentialsView | null;
  /** Where a sign opens it (with `?token=` when a player token is set). Newer hubs. */
  display_url?: string;
  /** The player data API URL (with `?token=` when a player token is set). Newer hubs. */
  data_url?: string;
  /** Push and both integrations: where senders deliver. Newer hubs. */
  webhook_url?: string;
}

export type DataStatus = "pending" | "ok" | "error" | "auth_failed";

/** What players receive (`GET …/widget-configs/{id}/data`). */
export interface PlayerData {
  version: number;
  data: unknown;
  fetched_at: string | null;
  status: DataStatus;
  stale: boolean;
  error: string | null;
  active?: boolean;
}

export interface TestResult {
  ok: boolean;
  status: number | null;
  sample: string | null;
  data: unknown;
  duration_ms: number;
  target: string | null;
  error: { code: string; message: string } | null;
}

export interface TestInput {
  credentials?: Record<string, unknown>;
  options?: Record<string, unknown>;
  widget_config_id?: string;
}

// ---------------------------------------------------------------------------
// Players and scheduler

export interface PlayerWidget {
  widget_config_id: string;
  version: number;
  current_version: number | null;
  current: boolean;
}

export interface Player {
  id: string;
  address: string;
  user_agent: string;
  first_seen: string;
  last_seen: string;
  up_to_date: boolean;
  widgets: PlayerWidget[];
}

export interface SchedulerState {
  paused: boolean;
  keys?: number;
  in_flight?: number;
  blocked?: number;
}

// ---------------------------------------------------------------------------
// Overview (GET /admin/api/overview)

export type Health =
  | "ok"
  | "stale"
  | "error"
  | "auth_failed"
  | "waiting"
  | "no_webhooks"
  | "no_secret"
  | "inactive";

export interface OverviewWidgetConfig {
  id: string;
  name: string;
  is_active: boolean;
  health: Health;
  message: string | null;
  version: number | null;
  fetched_at: string | null;
  next_pull: string | null;
  players: number;
  players_current: number;
}

export interface OverviewIntegration {
  id: number;
  name: string;
  widget: string;
  integration_type: IntegrationType;
  is_active: boolean;
  health: Health;
  message: string | null;
  last_update: string | null;
  next_pull: string | null;
  widget_configs: OverviewWidgetConfig[];
}

export interface TunnelState {
  provider: TunnelProvider;
  /** e.g. off, connecting, online, error. */
  state: string;
  public_url: string | null;
  last_error: string | null;
  connected_since: string | null;
}

export interface Overview {
  integrations: OverviewIntegration[];
  players: { total: number; up_to_date: number };
  scheduler: SchedulerState;
  tunnel: TunnelState;
  worst: Health;
}

// ---------------------------------------------------------------------------
// Webhooks and deliveries

export interface WebhookInfo {
  scheme: VerifierScheme;
  secret_field: string;
  /** Whether the URLs are public (through the tunnel) or local (the hooks listener). */
  public: boolean;
  urls: {
    /** Null when the data is per widget (then only the widget URLs apply). */
    integration: string | null;
    widget_configs: { id: string; name: string; url: string }[];
  };
  secret_set: boolean;
  previous_secret_set: boolean;
  last_delivery_at: string | null;
}

export interface RotatedSecret {
  secret: string;
  previous_kept: boolean;
}

export interface WebhookTestResult {
  /** Null when the webhook URL did not answer (then `response` says why). */
  status: number | null;
  response: unknown;
  url: string;
  public?: boolean;
}

export interface Delivery {
  id: number;
  received_at: string;
  integration_id: number | null;
  widget_config_id: string | null;
  message_id: string | null;
  verification: string;
  outcome: string;
  status_code: number;
  version_after: number | null;
  latency_ms: number | null;
  headers: Record<string, string>;
  body_preview: string | null;
  error: string | null;
}

export interface DeliveryQuery {
  integration_id?: number;
  widget_config_id?: string;
  outcome?: string;
  limit?: number;
  before_id?: number;
}

// ---------------------------------------------------------------------------
// Tunnel and settings

export type TunnelProvider = "off" | "ngrok" | "bore" | "manual";

/** A secret setting as the hub shows it. */
export interface SecretSetting {
  set: boolean;
}

export interface TunnelView extends TunnelState {
  settings: {
    authtoken?: SecretSetting;
    domain?: string | null;
    server?: string | null;
    port?: number | null;
    secret?: SecretSetting;
    remote_port?: number | null;
    public_url?: string | null;
    [key: string]: unknown;
  };
}

export type TunnelInput =
  | { provider: "off" }
  | { provider: "ngrok"; authtoken?: string; domain?: string | null }
  | {
      provider: "bore";
      server: string;
      port?: number | null;
      secret?: string;
      remote_port?: number | null;
      public_url?: string | null;
    }
  | { provider: "manual"; public_url: string };

export interface Settings {
  /** The address the player listener is bound to (it moves at once when changed). */
  player_addr: string;
  player_lan: boolean;
  /** How signs reach the player listener (the LAN address when exposed). */
  player_url?: string;
  /** A new player address that takes effect after a restart (hubs that cannot move it live). */
  player_addr_pending?: string | null;
  player_token_set: boolean;
  notifications: boolean;
  start_at_login: boolean;
  /** Whether the desktop app runs this hub. */
  desktop?: boolean;
  /** The desktop app's first run: the player listener's exposure has not been chosen yet. */
  first_run?: boolean;
}

export type SettingsInput = Partial<Pick<Settings, "player_addr" | "notifications" | "start_at_login">>;

// ---------------------------------------------------------------------------
// Export / import and keys

export interface Definitions {
  format: "millrace.definitions";
  version: 1;
  exported_at?: string;
  millrace_version?: string;
  integrations: unknown[];
}

export interface ImportReport {
  integrations_created: number;
  integrations_updated: number;
  widget_configs_created: number;
  widget_configs_updated: number;
}

export interface KeyRotation {
  rotated: number;
  fingerprint: string;
}
