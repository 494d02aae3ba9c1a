import { Show, createEffect, createSignal, on } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import type { CredentialsView, Schema, TestResult } from "../api";
import { createAction } from "../async";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { RelativeTime } from "../components/RelativeTime";
import { FormErrorsContext, createFormErrors } from "../forms/errors";
import { FormStatus } from "../forms/FormStatus";
import { SchemaForm } from "../forms/SchemaForm";
import {
  credentialChanges,
  initialCredentialValues,
  schemaFields,
  type RawValue,
  type RawValues,
} from "../forms/schemaForm";
import { t } from "../i18n";
import { TestResultView } from "./TestResultView";

export interface CredentialsPanelProps {
  schema: Schema;
  view: CredentialsView | null | undefined;
  /** PUT with only the changed fields (`null` clears). */
  save: (changes: Record<string, unknown>) => Promise<CredentialsView>;
  /** DELETE every stored value. */
  remove: () => Promise<void>;
  /** Test connection with the typed (unsaved) values over the stored ones; absent for push-only. */
  test?: (credentials: Record<string, unknown>) => Promise<TestResult>;
  onChanged: (view: CredentialsView | null) => void;
  testid?: string;
}

/**
 * The credentials form generated from `credential_schema`. Secrets are password inputs
 * that say whether a value is set, can be replaced or cleared, and are never shown:
 * the hub never returns them, and typed secrets leave the inputs once saved.
 */
export function CredentialsPanel(props: CredentialsPanelProps) {
  const errors = createFormErrors();
  const [values, setValues] = createStore<RawValues>({});
  const [initial, setInitial] = createSignal<RawValues>({});
  const [cleared, setCleared] = createSignal<ReadonlySet<string>>(new Set());
  const [confirming, setConfirming] = createSignal(false);

  // The view shown: the hub's latest answer (a save's, before the page reloads its data).
  const [view, setView] = createSignal<CredentialsView | null | undefined>(props.view);

  function resetFrom(view: CredentialsView | null | undefined): void {
    setView(view);
    const start = initialCredentialValues(props.schema, view);
    setInitial(start);
    setValues(reconcile(start));
    setCleared(new Set<string>());
  }
  createEffect(on(() => [props.view, props.schema] as const, ([view]) => resetFrom(view)));

  const changes = () => credentialChanges(props.schema, initial(), values, cleared());
  const hasChanges = () => Object.keys(changes()).length > 0;

  const save = createAction(async () => {
    const saved = await props.save(changes());
    errors.clear();
    resetFrom(saved);
    props.onChanged(saved);
    return saved;
  });
  const remove = createAction(async () => {
    await props.remove();
    setConfirming(false);
    resetFrom(null);
    props.onChanged(null);
  });
  const test = createAction(async () => {
    const typed = Object.fromEntries(Object.entries(changes()).filter(([, v]) => v !== null));
    return props.test!(typed);
  });

  createEffect(() => errors.setFrom(save.error() ?? test.error()));

  const onChange = (name: string, value: RawValue) => {
    setValues(name, value);
    save.reset();
  };
  const onClear = (name: string, clear: boolean) => {
    const next = new Set(cleared());
    if (clear) next.add(name);
    else next.delete(name);
    setCleared(next);
    if (clear) setValues(name, "");
  };

  const noFields = () => schemaFields(props.schema).length === 0;

  return (
    <FormErrorsContext.Provider value={errors}>
      <div class="credentials" data-testid={props.testid ?? "credentials"}>
        <Show
          when={!noFields()}
          fallback={<p class="muted" data-testid="no-credentials">{t("credentials.none")}</p>}
        >
          <p class="credentials__state" data-testid="credentials-state">
            <Show when={view()?.configured} fallback={<span class="badge badge--muted">{t("credentials.notConfigured")}</span>}>
              <span class={`badge ${view()?.is_valid ? "badge--ok" : "badge--error"}`}>
                {view()?.is_valid ? t("credentials.configured") : t("credentials.refused")}
              </span>{" "}
              <span class="muted">
                {t("credentials.validated")} <RelativeTime value={view()?.validated_at} />
              </span>
            </Show>
          </p>
          <form
            class="form"
            novalidate
            autocomplete="off"
            onSubmit={(e) => {
              e.preventDefault();
              void save.run();
            }}
          >
            <SchemaForm
              schema={props.schema}
              values={values}
              onChange={onChange}
              pathPrefix="credentials"
              credentials={view()}
              cleared={cleared()}
              onClear={onClear}
              disabled={save.pending()}
            />
            <FormStatus error={save.error()} />
            <div aria-live="polite">
              <Show when={save.result() && !save.pending() && !hasChanges()}>
                <p class="notice notice--ok" data-testid="credentials-saved">
                  {t("credentials.saved")}
                </p>
              </Show>
            </div>
            <div class="form-actions">
              <button type="submit" class="button" aria-busy={save.pending()} disabled={save.pending() || !hasChanges()} data-testid="save-credentials">
                {save.pending() ? t("credentials.saving") : t("credentials.save")}
              </button>
              <Show when={props.test}>
                <button
                  type="button"
                  class="button button--quiet"
                  aria-busy={test.pending()}
                  disabled={test.pending()}
                  data-testid="test-connection"
                  onClick={() => void test.run()}
                >
                  {test.pending() ? t("test.running") : hasChanges() ? t("test.withTyped") : t("test.button")}
                </button>
              </Show>
              <Show when={view()?.configured}>
                <button type="button" class="button button--quiet button--danger-text" onClick={() => setConfirming(true)}>
                  {t("credentials.deleteAll")}
                </button>
              </Show>
            </div>
          </form>
        </Show>
        <Show when={noFields() && props.test}>
          <div class="form-actions">
            <button type="button" class="button button--quiet" aria-busy={test.pending()} disabled={test.pending()} data-testid="test-connection" onClick={() => void test.run()}>
              {test.pending() ? t("test.running") : t("test.button")}
            </button>
          </div>
        </Show>
        <div aria-live="polite" data-testid="test-output">
          <Show when={test.error()}>{(error) => <FormStatus error={error()} title={t("test.couldNotRun")} />}</Show>
          <Show when={!test.pending() && !test.error() && test.result()}>{(result) => <TestResultView result={result()} />}</Show>
        </div>
        <ConfirmDialog
          open={confirming()}
          title={t("credentials.deleteTitle")}
          confirmLabel={t("credentials.deleteConfirm")}
          pendingLabel={t("credentials.deleting")}
          pending={remove.pending()}
          error={remove.error()}
          danger
          onConfirm={() => void remove.run()}
          onCancel={() => setConfirming(false)}
        >
          <p>{t("credentials.deleteBody")}</p>
        </ConfirmDialog>
      </div>
    </FormErrorsContext.Provider>
  );
}
