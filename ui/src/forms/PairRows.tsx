import { For, Show, createUniqueId } from "solid-js";
import { t } from "../i18n";
import { useFieldErrors } from "./errors";
import { PathErrors } from "./Field";

export interface PairRowsProps {
  /** The group's legend, e.g. "Query parameters". */
  legend: string;
  help?: string;
  rows: readonly { key: string; name: string; value: string }[];
  /** Column headings: what a name and a value are here. */
  nameLabel: string;
  valueLabel: string;
  namePlaceholder?: string;
  valuePlaceholder?: string;
  /** The hub's path of the map (e.g. `pull_config.query`); row `n` answers for `<path>.<name>`. */
  path: string;
  onEdit: (index: number, field: "name" | "value", value: string) => void;
  onAdd: () => void;
  onRemove: (index: number) => void;
  addLabel: string;
  testid?: string;
  disabled?: boolean;
}

/** Key–value rows (query parameters, headers, mappings) with add and remove. */
export function PairRows(props: PairRowsProps) {
  const helpId = createUniqueId();
  return (
    <fieldset class="pair-rows" data-testid={props.testid} aria-describedby={props.help ? helpId : undefined}>
      <legend>{props.legend}</legend>
      <Show when={props.help}>
        <p id={helpId} class="field__help">
          {props.help}
        </p>
      </Show>
      <PathErrors path={props.path} />
      <Show when={props.rows.length > 0} fallback={<p class="muted pair-rows__empty">{t("rows.none")}</p>}>
        <div class="pair-rows__grid" role="presentation">
          <span class="pair-rows__head" aria-hidden="true">
            {props.nameLabel}
          </span>
          <span class="pair-rows__head" aria-hidden="true">
            {props.valueLabel}
          </span>
          <span aria-hidden="true" />
          <For each={props.rows}>
            {(row, index) => <PairRow row={row} index={index()} group={props} />}
          </For>
        </div>
      </Show>
      <button type="button" class="button button--quiet button--small" disabled={props.disabled} onClick={() => props.onAdd()}>
        {props.addLabel}
      </button>
    </fieldset>
  );
}

function PairRow(props: { row: { key: string; name: string; value: string }; index: number; group: PairRowsProps }) {
  const id = createUniqueId();
  const errors = useFieldErrors(() => (props.row.name.trim() ? `${props.group.path}.${props.row.name.trim()}` : undefined));
  const n = () => props.index + 1;
  return (
    <>
      <input
        id={`${id}-name`}
        type="text"
        value={props.row.name}
        aria-label={`${props.group.nameLabel} ${n()}`}
        aria-invalid={errors().length ? true : undefined}
        aria-describedby={errors().length ? `${id}-error` : undefined}
        placeholder={props.group.namePlaceholder}
        spellcheck={false}
        disabled={props.group.disabled}
        onInput={(e) => props.group.onEdit(props.index, "name", e.currentTarget.value)}
      />
      <input
        type="text"
        value={props.row.value}
        aria-label={`${props.group.valueLabel} ${n()}`}
        aria-invalid={errors().length ? true : undefined}
        aria-describedby={errors().length ? `${id}-error` : undefined}
        placeholder={props.group.valuePlaceholder}
        spellcheck={false}
        disabled={props.group.disabled}
        onInput={(e) => props.group.onEdit(props.index, "value", e.currentTarget.value)}
      />
      <button
        type="button"
        class="button button--quiet button--small"
        aria-label={t("rows.removeNamed", { name: props.row.name || String(n()) })}
        disabled={props.group.disabled}
        onClick={() => props.group.onRemove(props.index)}
      >
        {t("rows.remove")}
      </button>
      <Show when={errors().length > 0}>
        <ul id={`${id}-error`} class="field__errors pair-rows__errors" data-testid="field-error">
          <For each={errors()}>{(message) => <li>{message}</li>}</For>
        </ul>
      </Show>
    </>
  );
}
