/**
 * The integration editor's model: an `IntegrationDraft` holds what the inputs show
 * (text for numbers, rows for maps and schemas), made from a template or an existing
 * integration, and turned back into the `IntegrationInput` the hub validates.
 *
 * Conversions are lossless for everything the editor shows. Numbers that do not parse
 * are sent as typed, so the hub's 422 explains the problem at the right path.
 */
import type {
  FieldDef,
  FieldType,
  Integration,
  IntegrationInput,
  IntegrationType,
  PullConfig,
  PushConfig,
  Schema,
  TransformConfig,
  VerifierScheme,
} from "../api";

let nextRowKey = 0;
/** A key for a new editor row (stable across re-renders, never sent). */
export function rowKey(): string {
  nextRowKey += 1;
  return `row${nextRowKey}`;
}

export interface PairRow {
  key: string;
  name: string;
  value: string;
}

export interface SchemaFieldRow {
  key: string;
  name: string;
  type: FieldType;
  required: boolean;
  label: string;
  help: string;
  sensitive: boolean;
  /** Choices, comma-separated ("metric, imperial"). */
  choices: string;
  /** The default as text (checkbox fields: "true"/"false"/""). */
  default: string;
  min: string;
  max: string;
}

export type TransformKind = "passthrough" | "facebook" | "castmill" | "mapping";

export interface IntegrationDraft {
  name: string;
  widget: string;
  description: string;
  integration_type: IntegrationType;
  credential_scope: "organization" | "widget";
  pull_endpoint: string;
  pull_interval_seconds: string;
  /** `organization`, `widget_config` or `widget_option:<field>`. */
  data_key: string;
  is_active: boolean;
  credential_schema: SchemaFieldRow[];
  config_schema: SchemaFieldRow[];
  pull: {
    fetcher: "json" | "rss" | "openweather";
    timeout: string;
    rate_limit: string;
    query: PairRow[];
    headers: PairRow[];
    mapping: PairRow[];
  };
  push: {
    scheme: VerifierScheme;
    secret_field: string;
    tolerance_seconds: string;
    header: string;
    prefix: string;
    encoding: "" | "hex" | "base64";
    transform: TransformKind;
    transform_mapping: PairRow[];
  };
}

const text = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

export function pairRows(map: Record<string, string> | null | undefined): PairRow[] {
  return Object.entries(map ?? {}).map(([name, value]) => ({ key: rowKey(), name, value: text(value) }));
}

export function emptyFieldRow(): SchemaFieldRow {
  return {
    key: rowKey(),
    name: "",
    type: "string",
    required: false,
    label: "",
    help: "",
    sensitive: false,
    choices: "",
    default: "",
    min: "",
    max: "",
  };
}

export function schemaRows(schema: Schema | null | undefined): SchemaFieldRow[] {
  return Object.entries(schema ?? {}).map(([name, def]) => ({
    key: rowKey(),
    name,
    type: def.type,
    required: def.required === true,
    label: text(def.label),
    help: text(def.help),
    sensitive: def.sensitive === true,
    choices: Array.isArray(def.enum) ? def.enum.map((c) => String(c)).join(", ") : "",
    default: def.default === undefined ? "" : typeof def.default === "object" ? JSON.stringify(def.default) : String(def.default),
    min: text(def.min),
    max: text(def.max),
  }));
}

/** A blank integration ("from scratch"): a JSON API pulled every 5 minutes. */
export function emptyDraft(): IntegrationDraft {
  return draftFromInput({
    widget: "",
    name: "",
    integration_type: "pull",
    pull_interval_seconds: 300,
    pull_config: { fetcher: "json", timeout: 5000 },
  });
}

/** The editor's model of a template's `integration` or of an existing integration. */
export function draftFromInput(input: IntegrationInput | Integration): IntegrationDraft {
  const pull: PullConfig = input.pull_config ?? {};
  const push: PushConfig | null | undefined = input.push_config;
  const transform: TransformConfig = push?.transform ?? "passthrough";
  return {
    name: text(input.name),
    widget: text(input.widget),
    description: text(input.description),
    integration_type: input.integration_type ?? "pull",
    credential_scope: input.credential_scope ?? "organization",
    pull_endpoint: text(input.pull_endpoint),
    pull_interval_seconds: text(input.pull_interval_seconds),
    data_key: text(input.data_key),
    is_active: input.is_active !== false,
    credential_schema: schemaRows(input.credential_schema),
    config_schema: schemaRows(input.config_schema),
    pull: {
      fetcher: pull.fetcher ?? "json",
      timeout: text(pull.timeout ?? 5000),
      rate_limit: text(pull.rate_limit),
      query: pairRows(pull.query),
      headers: pairRows(pull.headers),
      mapping: pairRows(pull.mapping),
    },
    push: {
      scheme: push?.verifier.scheme ?? "standard_webhooks",
      secret_field: text(push?.verifier.secret_field ?? "webhook_secret"),
      tolerance_seconds: text(push?.verifier.tolerance_seconds ?? 300),
      header: text(push?.verifier.header),
      prefix: text(push?.verifier.prefix),
      encoding: push?.verifier.encoding ?? "",
      transform: typeof transform === "string" ? transform : "mapping",
      transform_mapping: typeof transform === "string" ? [] : pairRows(transform.mapping),
    },
  };
}

/** Text → number when it is one; otherwise the text (the hub reports it); empty → undefined. */
export function numberOrText(raw: string): number | string | undefined {
  const trimmed = raw.trim();
  if (trimmed === "") return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

/** A value typed as the field's type, from the editor's text. */
function typedValue(type: FieldType, raw: string): unknown {
  const trimmed = raw.trim();
  switch (type) {
    case "number":
    case "integer":
      return numberOrText(trimmed);
    case "boolean":
      return trimmed === "true" ? true : trimmed === "false" ? false : trimmed;
    default:
      return raw;
  }
}

export function rowsToSchema(rows: SchemaFieldRow[]): Schema {
  const schema: Schema = {};
  for (const row of rows) {
    const def: FieldDef = { type: row.type };
    if (row.required) def.required = true;
    if (row.label.trim()) def.label = row.label.trim();
    if (row.help.trim()) def.help = row.help.trim();
    if (row.sensitive) def.sensitive = true;
    const choices = row.choices
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== "");
    if (choices.length > 0) def.enum = choices.map((c) => typedValue(row.type, c));
    if (row.default.trim() !== "") def.default = typedValue(row.type, row.default);
    const min = numberOrText(row.min);
    const max = numberOrText(row.max);
    if (min !== undefined) def.min = min as number;
    if (max !== undefined) def.max = max as number;
    schema[row.name.trim()] = def;
  }
  return schema;
}

export function rowsToMap(rows: PairRow[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const row of rows) {
    if (row.name.trim() === "" && row.value.trim() === "") continue;
    map[row.name.trim()] = row.value;
  }
  return map;
}

export const pulls = (type: IntegrationType) => type === "pull" || type === "both";
export const pushes = (type: IntegrationType) => type === "push" || type === "both";

/** What the hub receives: only the sections the integration type uses. */
export function draftToInput(draft: IntegrationDraft): IntegrationInput {
  const input: IntegrationInput = {
    widget: draft.widget.trim(),
    name: draft.name.trim(),
    description: draft.description,
    integration_type: draft.integration_type,
    credential_scope: draft.credential_scope,
    credential_schema: rowsToSchema(draft.credential_schema),
    config_schema: rowsToSchema(draft.config_schema),
    is_active: draft.is_active,
  };
  if (draft.data_key.trim()) input.data_key = draft.data_key.trim();
  if (pulls(draft.integration_type)) {
    input.pull_endpoint = draft.pull_endpoint.trim();
    const interval = numberOrText(draft.pull_interval_seconds);
    if (interval !== undefined) input.pull_interval_seconds = interval as number;
    const config: PullConfig = { fetcher: draft.pull.fetcher };
    const timeout = numberOrText(draft.pull.timeout);
    if (timeout !== undefined) config.timeout = timeout as number;
    const rate = numberOrText(draft.pull.rate_limit);
    if (rate !== undefined) config.rate_limit = rate as number;
    const query = rowsToMap(draft.pull.query);
    if (Object.keys(query).length) config.query = query;
    const headers = rowsToMap(draft.pull.headers);
    if (Object.keys(headers).length) config.headers = headers;
    const mapping = rowsToMap(draft.pull.mapping);
    if (Object.keys(mapping).length) config.mapping = mapping;
    input.pull_config = config;
  }
  if (pushes(draft.integration_type)) {
    const p = draft.push;
    const verifier: PushConfig["verifier"] = { scheme: p.scheme };
    if (p.secret_field.trim()) verifier.secret_field = p.secret_field.trim();
    const tolerance = numberOrText(p.tolerance_seconds);
    if (tolerance !== undefined) verifier.tolerance_seconds = tolerance as number;
    if (p.scheme === "hmac") {
      if (p.header.trim()) verifier.header = p.header.trim();
      if (p.prefix !== "") verifier.prefix = p.prefix;
      if (p.encoding) verifier.encoding = p.encoding;
    }
    input.push_config = {
      verifier,
      transform: p.transform === "mapping" ? { mapping: rowsToMap(p.transform_mapping) } : p.transform,
    };
  }
  return input;
}

/** The input that replaces an integration with itself (to flip `is_active`, say). */
export function inputFromIntegration(integration: Integration): IntegrationInput {
  const input: IntegrationInput = {
    widget: integration.widget,
    name: integration.name,
    description: integration.description,
    integration_type: integration.integration_type,
    credential_scope: integration.credential_scope,
    credential_schema: integration.credential_schema,
    config_schema: integration.config_schema,
    is_active: integration.is_active,
  };
  if (integration.data_key) input.data_key = integration.data_key;
  if (pulls(integration.integration_type)) {
    if (integration.pull_endpoint != null) input.pull_endpoint = integration.pull_endpoint;
    if (integration.pull_interval_seconds != null) input.pull_interval_seconds = integration.pull_interval_seconds;
    if (integration.pull_config) input.pull_config = integration.pull_config;
  }
  if (pushes(integration.integration_type) && integration.push_config) {
    input.push_config = integration.push_config;
  }
  return input;
}

/** The data-key choices for a config schema: shared, per widget, or per value of one option. */
export function dataKeyChoices(configFields: string[]): string[] {
  return ["organization", "widget_config", ...configFields.filter(Boolean).map((f) => `widget_option:${f}`)];
}
