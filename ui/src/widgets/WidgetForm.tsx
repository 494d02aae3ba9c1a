import { For, Show, createMemo, createSignal } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import type { Integration, WidgetConfig, WidgetConfigInput } from "../api";
import { createAction } from "../async";
import { Field } from "../forms/Field";
import { FormErrorsContext, createFormErrors } from "../forms/errors";
import { FormStatus } from "../forms/FormStatus";
import { SchemaForm } from "../forms/SchemaForm";
import { initialValues, schemaFields, valuesToSend, type RawValues } from "../forms/schemaForm";
import { t } from "../i18n";

export interface WidgetFormProps {
  /** The integrations to choose from (create), or the one it belongs to (edit). */
  integrations: Integration[];
  /** Editing this widget config; absent when creating. */
  existing?: WidgetConfig;
  /** Preselected integration when creating. */
  integrationId?: number;
  submit: (input: WidgetConfigInput) => Promise<WidgetConfig>;
  onSaved: (saved: WidgetConfig) => void;
  cancelHref: string;
}

/** A widget config's name, integration, options (generated from the `config_schema`) and state. */
export function WidgetForm(props: WidgetFormProps) {
  const errors = createFormErrors();
  const firstId = () => props.existing?.integration_id ?? props.integrationId ?? props.integrations[0]?.id;
  const [integrationId, setIntegrationId] = createSignal<number | undefined>(firstId());
  const integration = createMemo(() => props.integrations.find((i) => i.id === integrationId()));
  const [name, setName] = createSignal(props.existing?.name ?? "");
  const [active, setActive] = createSignal(props.existing?.is_active ?? true);
  const [options, setOptions] = createStore<RawValues>(
    initialValues(integration()?.config_schema ?? {}, props.existing?.options ?? {}),
  );

  function chooseIntegration(id: number): void {
    setIntegrationId(id);
    setOptions(reconcile(initialValues(integration()?.config_schema ?? {})));
  }

  const save = createAction(async () => {
    const chosen = integration();
    const input: WidgetConfigInput = {
      integration_id: chosen?.id ?? 0,
      name: name().trim(),
      options: valuesToSend(chosen?.config_schema ?? {}, options),
      is_active: active(),
    };
    try {
      const saved = await props.submit(input);
      errors.clear();
      props.onSaved(saved);
      return saved;
    } catch (error) {
      errors.setFrom(error as never);
      throw error;
    }
  });

  return (
    <FormErrorsContext.Provider value={errors}>
      <form
        class="form"
        novalidate
        data-testid="widget-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <section class="card form-section">
          <div class="form-grid">
            <Field label={t("widget.field.name")} path="name" required help={t("widget.help.name")}>
              {(c) => <input {...c} type="text" value={name()} onInput={(e) => setName(e.currentTarget.value)} />}
            </Field>
            <Field label={t("widget.field.integration")} path="integration_id" required>
              {(c) => (
                <select {...c} disabled={!!props.existing} onChange={(e) => chooseIntegration(Number(e.currentTarget.value))}>
                  <For each={props.integrations}>
                    {(i) => (
                      <option value={i.id} selected={i.id === integrationId()}>
                        {i.name} ({i.widget})
                      </option>
                    )}
                  </For>
                </select>
              )}
            </Field>
          </div>
          <Field label={t("widget.field.active")} path="is_active" inline help={t("widget.help.active")}>
            {(c) => <input {...c} type="checkbox" checked={active()} onChange={(e) => setActive(e.currentTarget.checked)} />}
          </Field>
        </section>
        <Show when={integration()}>
          {(chosen) => (
            <section class="card form-section" aria-labelledby="options-heading">
              <h2 id="options-heading">{t("widget.options")}</h2>
              <Show when={schemaFields(chosen().config_schema).length > 0} fallback={<p class="muted">{t("widget.noOptions")}</p>}>
                <SchemaForm
                  schema={chosen().config_schema}
                  values={options}
                  onChange={(field, value) => setOptions(field, value)}
                  pathPrefix="options"
                  disabled={save.pending()}
                />
              </Show>
            </section>
          )}
        </Show>
        <FormStatus error={save.error()} />
        <div class="form-actions">
          <button type="submit" class="button" aria-busy={save.pending()} disabled={save.pending() || !integration()} data-testid="save-widget">
            {save.pending() ? t("form.saving") : props.existing ? t("form.save") : t("widget.create")}
          </button>
          <a class="button button--quiet" href={props.cancelHref}>
            {t("form.cancel")}
          </a>
        </div>
      </form>
    </FormErrorsContext.Provider>
  );
}
