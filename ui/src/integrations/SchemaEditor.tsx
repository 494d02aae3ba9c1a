import { For, Show } from "solid-js";
import type { FieldType } from "../api";
import { Field, PathErrors } from "../forms/Field";
import { t } from "../i18n";
import type { SchemaFieldRow } from "./draft";

export interface SchemaEditorProps {
  /** `credential_schema` or `config_schema`: the hub's error path prefix. */
  path: "credential_schema" | "config_schema";
  legend: string;
  help: string;
  rows: readonly SchemaFieldRow[];
  onEdit: <K extends keyof SchemaFieldRow>(index: number, field: K, value: SchemaFieldRow[K]) => void;
  onAdd: () => void;
  onRemove: (index: number) => void;
  disabled?: boolean;
}

const TYPES: FieldType[] = ["string", "number", "integer", "boolean"];

/**
 * A schema as a list of fields, each with its type, required, label, help, sensitive
 * (credentials only), choices, default, min and max. Each input answers for its
 * path (`config_schema.units.default`), so the hub's messages land next to it.
 */
export function SchemaEditor(props: SchemaEditorProps) {
  return (
    <fieldset class="schema-editor" data-testid={`schema-editor-${props.path}`}>
      <legend>{props.legend}</legend>
      <p class="field__help">{props.help}</p>
      <PathErrors path={props.path} />
      <Show when={props.rows.length > 0} fallback={<p class="muted">{t("schema.noFields")}</p>}>
        <ol class="schema-editor__list">
          <For each={props.rows}>
            {(row, index) => <SchemaFieldEditor row={row} index={index()} editor={props} />}
          </For>
        </ol>
      </Show>
      <button type="button" class="button button--quiet button--small" disabled={props.disabled} onClick={() => props.onAdd()}>
        {t("schema.addField")}
      </button>
    </fieldset>
  );
}

function SchemaFieldEditor(props: { row: SchemaFieldRow; index: number; editor: SchemaEditorProps }) {
  const base = () => `${props.editor.path}.${props.row.name.trim() || "?"}`;
  const at = (sub: string) => (props.row.name.trim() ? `${base()}.${sub}` : undefined);
  const edit = <K extends keyof SchemaFieldRow>(field: K, value: SchemaFieldRow[K]) =>
    props.editor.onEdit(props.index, field, value);
  const numeric = () => props.row.type === "number" || props.row.type === "integer";
  const title = () => props.row.name.trim() || t("schema.unnamed", { n: props.index + 1 });

  return (
    <li class="schema-field" data-testid={`schema-field-${props.row.name || props.index}`}>
      <div class="schema-field__head">
        <h4>{title()}</h4>
        <button
          type="button"
          class="button button--quiet button--small"
          aria-label={t("schema.removeNamed", { name: title() })}
          disabled={props.editor.disabled}
          onClick={() => props.editor.onRemove(props.index)}
        >
          {t("rows.remove")}
        </button>
      </div>
      <div class="form-grid form-grid--3">
        <Field label={t("schema.name")} path={props.row.name.trim() ? base() : undefined} required>
          {(c) => (
            <input
              {...c}
              type="text"
              value={props.row.name}
              spellcheck={false}
              disabled={props.editor.disabled}
              onInput={(e) => edit("name", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label={t("schema.type")} path={at("type")}>
          {(c) => (
            <select {...c} disabled={props.editor.disabled} onChange={(e) => edit("type", e.currentTarget.value as FieldType)}>
              <For each={TYPES}>
                {(type) => (
                  <option value={type} selected={props.row.type === type}>
                    {t(`schema.type.${type}`)}
                  </option>
                )}
              </For>
            </select>
          )}
        </Field>
        <Field label={t("schema.label")} path={at("label")}>
          {(c) => (
            <input {...c} type="text" value={props.row.label} disabled={props.editor.disabled} onInput={(e) => edit("label", e.currentTarget.value)} />
          )}
        </Field>
      </div>
      <Field label={t("schema.help")} path={at("help")}>
        {(c) => (
          <input {...c} type="text" value={props.row.help} disabled={props.editor.disabled} onInput={(e) => edit("help", e.currentTarget.value)} />
        )}
      </Field>
      <div class="form-grid form-grid--4">
        <Field label={t("schema.choices")} path={at("enum")} help={t("schema.choicesHelp")}>
          {(c) => (
            <input {...c} type="text" value={props.row.choices} disabled={props.editor.disabled} onInput={(e) => edit("choices", e.currentTarget.value)} />
          )}
        </Field>
        <Field label={t("schema.default")} path={at("default")}>
          {(c) => (
            <input {...c} type="text" value={props.row.default} disabled={props.editor.disabled} onInput={(e) => edit("default", e.currentTarget.value)} />
          )}
        </Field>
        <Field label={t("schema.min")} path={at("min")}>
          {(c) => (
            <input
              {...c}
              type="text"
              inputmode="decimal"
              value={props.row.min}
              disabled={props.editor.disabled || !numeric()}
              onInput={(e) => edit("min", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label={t("schema.max")} path={at("max")}>
          {(c) => (
            <input
              {...c}
              type="text"
              inputmode="decimal"
              value={props.row.max}
              disabled={props.editor.disabled || !numeric()}
              onInput={(e) => edit("max", e.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <div class="checkbox-row">
        <Field label={t("schema.required")} path={at("required")} inline>
          {(c) => (
            <input {...c} type="checkbox" checked={props.row.required} disabled={props.editor.disabled} onChange={(e) => edit("required", e.currentTarget.checked)} />
          )}
        </Field>
        <Show when={props.editor.path === "credential_schema" || props.row.sensitive}>
          <Field label={t("schema.sensitive")} path={at("sensitive")} inline help={t("schema.sensitiveHelp")}>
            {(c) => (
              <input {...c} type="checkbox" checked={props.row.sensitive} disabled={props.editor.disabled} onChange={(e) => edit("sensitive", e.currentTarget.checked)} />
            )}
          </Field>
        </Show>
      </div>
    </li>
  );
}
