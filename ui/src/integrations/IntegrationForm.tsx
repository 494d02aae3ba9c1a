import { For, Show, createMemo } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { ApiError, Integration, IntegrationInput } from "../api";
import { Field } from "../forms/Field";
import { FormErrorsContext, createFormErrors } from "../forms/errors";
import { FormStatus } from "../forms/FormStatus";
import { t } from "../i18n";
import {
  dataKeyChoices,
  draftToInput,
  emptyFieldRow,
  pulls,
  pushes,
  type IntegrationDraft,
  type SchemaFieldRow,
} from "./draft";
import { PullSection } from "./PullSection";
import { PushSection } from "./PushSection";
import { SchemaEditor } from "./SchemaEditor";

export interface IntegrationFormProps {
  initial: IntegrationDraft;
  submitLabel: string;
  pendingLabel: string;
  /** Saves; resolves to the saved integration, or throws an `ApiError`. */
  onSubmit: (input: IntegrationInput) => Promise<Integration>;
  onSaved: (integration: Integration) => void;
  cancelHref: string;
}

export type DraftSetter = (fn: (draft: IntegrationDraft) => void) => void;

/**
 * The integration editor: basic fields, the pull and push sections the type uses, and
 * both schemas. Validation is the hub's: a 422 puts each message next to its input and
 * lists the rest in a summary.
 */
export function IntegrationForm(props: IntegrationFormProps) {
  // The initial draft is copied once; later changes of props.initial are ignored.
  const [draft, setDraft] = createStore<IntegrationDraft>(structuredClone(props.initial));
  const update: DraftSetter = (fn) => setDraft(produce(fn));
  const errors = createFormErrors();
  let pending = false;
  const [state, setState] = createStore<{ pending: boolean; error?: ApiError }>({ pending: false });

  const configFieldNames = createMemo(() => draft.config_schema.map((r) => r.name.trim()).filter(Boolean));
  const dataKeys = createMemo(() => {
    const choices = dataKeyChoices(configFieldNames());
    return draft.data_key && !choices.includes(draft.data_key) ? [draft.data_key, ...choices] : choices;
  });

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (pending) return;
    pending = true;
    setState({ pending: true, error: undefined });
    try {
      const saved = await props.onSubmit(draftToInput(draft));
      errors.clear();
      setState({ pending: false });
      props.onSaved(saved);
    } catch (thrown) {
      const error = thrown as ApiError;
      errors.setFrom(error);
      setState({ pending: false, error });
      queueMicrotask(() => {
        const first = document.querySelector<HTMLElement>('[data-testid="integration-form"] [aria-invalid="true"]');
        first?.focus();
      });
    } finally {
      pending = false;
    }
  }

  const schemaHandlers = (key: "credential_schema" | "config_schema") => ({
    onEdit: <K extends keyof SchemaFieldRow>(index: number, field: K, value: SchemaFieldRow[K]) =>
      update((d) => {
        d[key][index]![field] = value;
      }),
    onAdd: () => update((d) => void d[key].push(emptyFieldRow())),
    onRemove: (index: number) => update((d) => void d[key].splice(index, 1)),
  });

  return (
    <FormErrorsContext.Provider value={errors}>
      <form class="form" novalidate data-testid="integration-form" onSubmit={(e) => void submit(e)} aria-busy={state.pending}>
        <section class="card form-section" aria-labelledby="basics-heading">
          <h2 id="basics-heading">{t("integration.form.basics")}</h2>
          <div class="form-grid">
            <Field label={t("integration.field.name")} path="name" required help={t("integration.help.name")}>
              {(c) => <input {...c} type="text" value={draft.name} onInput={(e) => update((d) => void (d.name = e.currentTarget.value))} />}
            </Field>
            <Field label={t("integration.field.widget")} path="widget" required help={t("integration.help.widget")}>
              {(c) => (
                <input
                  {...c}
                  type="text"
                  spellcheck={false}
                  value={draft.widget}
                  onInput={(e) => update((d) => void (d.widget = e.currentTarget.value))}
                />
              )}
            </Field>
          </div>
          <Field label={t("integration.field.description")} path="description">
            {(c) => (
              <textarea {...c} rows="2" value={draft.description} onInput={(e) => update((d) => void (d.description = e.currentTarget.value))} />
            )}
          </Field>
          <div class="form-grid form-grid--3">
            <Field label={t("integration.field.type")} path="integration_type" help={t(`integration.typeHelp.${draft.integration_type}`)}>
              {(c) => (
                <select {...c} onChange={(e) => update((d) => void (d.integration_type = e.currentTarget.value as IntegrationDraft["integration_type"]))}>
                  <For each={["pull", "push", "both"] as const}>
                    {(type) => (
                      <option value={type} selected={draft.integration_type === type}>
                        {t(`integration.type.${type}`)}
                      </option>
                    )}
                  </For>
                </select>
              )}
            </Field>
            <Field label={t("integration.field.scope")} path="credential_scope" help={t(`integration.scopeHelp.${draft.credential_scope}`)}>
              {(c) => (
                <select {...c} onChange={(e) => update((d) => void (d.credential_scope = e.currentTarget.value as IntegrationDraft["credential_scope"]))}>
                  <For each={["organization", "widget"] as const}>
                    {(scope) => (
                      <option value={scope} selected={draft.credential_scope === scope}>
                        {t(`integration.scope.${scope}`)}
                      </option>
                    )}
                  </For>
                </select>
              )}
            </Field>
            <Field label={t("integration.field.dataKey")} path="data_key" help={t("integration.help.dataKey")}>
              {(c) => (
                <select {...c} onChange={(e) => update((d) => void (d.data_key = e.currentTarget.value))}>
                  <option value="" selected={draft.data_key === ""}>
                    {t("integration.dataKey.default")}
                  </option>
                  <For each={dataKeys()}>
                    {(key) => (
                      <option value={key} selected={draft.data_key === key}>
                        {dataKeyLabel(key)}
                      </option>
                    )}
                  </For>
                </select>
              )}
            </Field>
          </div>
          <Field label={t("integration.field.active")} path="is_active" inline help={t("integration.help.active")}>
            {(c) => <input {...c} type="checkbox" checked={draft.is_active} onChange={(e) => update((d) => void (d.is_active = e.currentTarget.checked))} />}
          </Field>
        </section>

        <Show when={pulls(draft.integration_type)}>
          <PullSection draft={draft} update={update} />
        </Show>
        <Show when={pushes(draft.integration_type)}>
          <PushSection draft={draft} update={update} />
        </Show>

        <section class="card form-section" aria-labelledby="schemas-heading">
          <h2 id="schemas-heading">{t("integration.form.schemas")}</h2>
          <SchemaEditor
            path="credential_schema"
            legend={t("integration.credentialSchema")}
            help={t("integration.credentialSchemaHelp")}
            rows={draft.credential_schema}
            {...schemaHandlers("credential_schema")}
          />
          <SchemaEditor
            path="config_schema"
            legend={t("integration.configSchema")}
            help={t("integration.configSchemaHelp")}
            rows={draft.config_schema}
            {...schemaHandlers("config_schema")}
          />
        </section>

        <FormStatus error={state.error} />
        <div class="form-actions">
          <button type="submit" class="button" disabled={state.pending} aria-busy={state.pending} data-testid="save-integration">
            {state.pending ? props.pendingLabel : props.submitLabel}
          </button>
          <a class="button button--quiet" href={props.cancelHref}>
            {t("form.cancel")}
          </a>
        </div>
      </form>
    </FormErrorsContext.Provider>
  );
}

/** A data-key value in words. */
export function dataKeyLabel(key: string): string {
  if (key === "organization") return t("integration.dataKey.organization");
  if (key === "widget_config") return t("integration.dataKey.widget_config");
  if (key.startsWith("widget_option:")) return t("integration.dataKey.option", { option: key.slice("widget_option:".length) });
  return key;
}
