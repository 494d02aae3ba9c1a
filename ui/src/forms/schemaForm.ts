/**
 * The logic of the forms generated from a `credential_schema` or `config_schema`
 * (kept apart from the components so it is unit-tested on its own):
 *
 * - which control a field gets: enum → select, boolean → checkbox, sensitive →
 *   password, number/integer → number input, anything else → text input;
 * - the starting values: the current value, else the schema default, else empty;
 * - what to send: typed values, with empty inputs left out so the hub applies its
 *   defaults and reports missing required fields itself (its 422 is the single
 *   source of truth; a value that is not a number is sent as typed so the hub's
 *   message explains it);
 * - for credentials, only what changed: sensitive fields are never shown, so an empty
 *   password input means "keep", a cleared one sends `null`.
 */
import type { CredentialsView, FieldDef, Schema } from "../api";

/** What an input holds: text for text, number and select inputs, a flag for checkboxes. */
export type RawValue = string | boolean;
export type RawValues = Record<string, RawValue>;

export type ControlKind = "select" | "checkbox" | "number" | "password" | "text";

/** The input a field is edited with. */
export function controlFor(def: FieldDef): ControlKind {
  if (def.sensitive) return "password";
  if (Array.isArray(def.enum) && def.enum.length > 0) return "select";
  if (def.type === "boolean") return "checkbox";
  if (def.type === "number" || def.type === "integer") return "number";
  return "text";
}

/** The schema's fields in the order the hub sent them. */
export function schemaFields(schema: Schema | null | undefined): [string, FieldDef][] {
  return Object.entries(schema ?? {});
}

/** A value as the text an input shows (objects as JSON). */
export function toRaw(def: FieldDef, value: unknown): RawValue {
  if (value === undefined || value === null) return def.type === "boolean" && controlFor(def) === "checkbox" ? false : "";
  if (controlFor(def) === "checkbox") return value === true;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Starting values for widget options: current, else default, else empty. */
export function initialValues(schema: Schema, current: Record<string, unknown> = {}): RawValues {
  const values: RawValues = {};
  for (const [name, def] of schemaFields(schema)) {
    values[name] = toRaw(def, name in current ? current[name] : def.default);
  }
  return values;
}

/**
 * Converts an input's text to the field's type. `undefined` means "not given".
 * Text that is not a number stays text, so the hub's 422 names the problem.
 */
export function fromRaw(def: FieldDef, raw: RawValue): unknown {
  if (typeof raw === "boolean") return raw;
  if (Array.isArray(def.enum) && def.enum.length > 0) {
    if (raw === "") return undefined;
    const match = def.enum.find((choice) => String(choice) === raw);
    return match === undefined ? raw : match;
  }
  const text = def.type === "string" ? raw : raw.trim();
  if (text === "") return undefined;
  switch (def.type) {
    case "number":
    case "integer": {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    default:
      return text;
  }
}

/** Widget options to send: every given value, typed; empty inputs are left out. */
export function valuesToSend(schema: Schema, values: RawValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of schemaFields(schema)) {
    const value = fromRaw(def, values[name] ?? "");
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Starting values for a credentials form: non-sensitive values from `metadata`, secrets empty. */
export function initialCredentialValues(schema: Schema, view: CredentialsView | null | undefined): RawValues {
  const values: RawValues = {};
  for (const [name, def] of schemaFields(schema)) {
    if (def.sensitive) values[name] = "";
    else if (view?.configured) values[name] = toRaw(def, view.metadata?.[name]);
    else values[name] = toRaw(def, def.default);
  }
  return values;
}

/**
 * The partial update for a credentials form: a typed secret replaces the stored one, a
 * secret marked cleared sends `null`, an untouched secret is not sent; a non-sensitive
 * field is sent when it differs from what was shown (emptied → `null`).
 */
export function credentialChanges(
  schema: Schema,
  initial: RawValues,
  values: RawValues,
  cleared: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of schemaFields(schema)) {
    const raw = values[name] ?? "";
    if (def.sensitive) {
      if (cleared.has(name)) out[name] = null;
      else if (raw !== "") out[name] = raw;
      continue;
    }
    if (raw === (initial[name] ?? "")) continue;
    const value = fromRaw(def, raw);
    out[name] = value === undefined ? null : value;
  }
  return out;
}

/** Whether a credentials field holds a value on the hub. */
export function isSet(view: CredentialsView | null | undefined, name: string): boolean {
  return view?.fields?.[name]?.set === true;
}
