import { For, Match, Show, Switch } from "solid-js";
import type { CredentialsView, FieldDef, Schema } from "../api";
import { t } from "../i18n";
import { Field, type FieldControl } from "./Field";
import { controlFor, isSet, schemaFields, type RawValue, type RawValues } from "./schemaForm";

export interface SchemaFormProps {
  schema: Schema;
  values: RawValues;
  onChange: (name: string, value: RawValue) => void;
  /** The hub's error path prefix of these fields: `options` or `credentials`. */
  pathPrefix: string;
  /** Credentials mode: which sensitive fields are set on the hub. */
  credentials?: CredentialsView | null;
  /** Sensitive fields the admin chose to clear. */
  cleared?: ReadonlySet<string>;
  onClear?: (name: string, clear: boolean) => void;
  disabled?: boolean;
}

/** The inputs for every field of a schema: labels, help, enums as selects, defaults, secrets. */
export function SchemaForm(props: SchemaFormProps) {
  return (
    <div class="schema-form" data-testid={`schema-form-${props.pathPrefix}`}>
      <For each={schemaFields(props.schema)}>
        {([name, def]) => <SchemaField name={name} def={def} form={props} />}
      </For>
    </div>
  );
}

function SchemaField(props: { name: string; def: FieldDef; form: SchemaFormProps }) {
  const kind = () => controlFor(props.def);
  const value = () => props.form.values[props.name] ?? (kind() === "checkbox" ? false : "");
  const text = () => {
    const v = value();
    return typeof v === "string" ? v : "";
  };
  const set = () => isSet(props.form.credentials, props.name);
  const cleared = () => props.form.cleared?.has(props.name) ?? false;
  const label = () => props.def.label || props.name;
  const path = () => `${props.form.pathPrefix}.${props.name}`;
  const emit = (v: RawValue) => props.form.onChange(props.name, v);

  const secretBadge = () => (
    <span
      class={`badge ${set() && !cleared() ? "badge--ok" : "badge--muted"}`}
      data-testid={`secret-state-${props.name}`}
    >
      {set() ? (cleared() ? t("secret.willClear") : t("secret.set")) : t("secret.notSet")}
    </span>
  );

  return (
    <Field
      label={label()}
      help={props.def.help}
      path={path()}
      required={props.def.required}
      inline={kind() === "checkbox"}
      badge={kind() === "password" ? secretBadge() : undefined}
      testid={`field-${props.name}`}
    >
      {(control: FieldControl) => (
        <Switch>
          <Match when={kind() === "password"}>
            <div class="secret-input">
              <input
                {...control}
                type="password"
                name={props.name}
                autocomplete="new-password"
                spellcheck={false}
                value={text()}
                disabled={props.form.disabled || cleared()}
                placeholder={set() ? t("secret.keepPlaceholder") : t("secret.enterPlaceholder")}
                onInput={(e) => emit(e.currentTarget.value)}
              />
              <Show when={set() && props.form.onClear}>
                <button
                  type="button"
                  class="button button--quiet button--small"
                  aria-pressed={cleared()}
                  disabled={props.form.disabled}
                  onClick={() => props.form.onClear?.(props.name, !cleared())}
                >
                  {cleared() ? t("secret.keep") : t("secret.clear")}
                </button>
              </Show>
            </div>
          </Match>
          <Match when={kind() === "select"}>
            <select
              {...control}
              name={props.name}
              disabled={props.form.disabled}
              onChange={(e) => emit(e.currentTarget.value)}
            >
              <Show when={!props.def.required || props.def.default === undefined}>
                <option value="" selected={text() === ""}>
                  {props.def.required ? t("form.choose") : t("form.none")}
                </option>
              </Show>
              <For each={props.def.enum ?? []}>
                {(choice) => (
                  <option value={String(choice)} selected={String(choice) === text()}>
                    {String(choice)}
                  </option>
                )}
              </For>
            </select>
          </Match>
          <Match when={kind() === "checkbox"}>
            <input
              {...control}
              type="checkbox"
              name={props.name}
              checked={value() === true}
              disabled={props.form.disabled}
              onChange={(e) => emit(e.currentTarget.checked)}
            />
          </Match>
          <Match when={kind() === "number"}>
            <input
              {...control}
              type="number"
              inputmode={props.def.type === "integer" ? "numeric" : "decimal"}
              name={props.name}
              step={props.def.type === "integer" ? "1" : "any"}
              min={props.def.min}
              max={props.def.max}
              value={text()}
              disabled={props.form.disabled}
              placeholder={props.def.default !== undefined ? String(props.def.default) : undefined}
              onInput={(e) => emit(e.currentTarget.value)}
            />
          </Match>
          <Match when={kind() === "text"}>
            <input
              {...control}
              type="text"
              name={props.name}
              value={text()}
              disabled={props.form.disabled}
              placeholder={props.def.default !== undefined ? String(props.def.default) : undefined}
              onInput={(e) => emit(e.currentTarget.value)}
            />
          </Match>
        </Switch>
      )}
    </Field>
  );
}
