import { For, Show, createSignal } from "solid-js";
import { toApiError, useHub, type ApiError, type ImportReport, type Integration } from "../api";
import { createAction } from "../async";
import { errorText } from "../components/ErrorNotice";
import { t } from "../i18n";

/** Saves `text` as a file download named `name`. */
export function download(name: string, text: string, type = "application/json"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function readJsonFile(file: File): Promise<unknown> {
  const text = await file.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw toApiError(new Error(t("transfer.notJson", { message: (error as Error).message })));
  }
}

/** Export the definitions (never secrets) as JSON; import them back, or a Castmill widget. */
export function DefinitionsTransfer() {
  const hub = useHub();
  const [file, setFile] = createSignal<File>();
  const [castmillFile, setCastmillFile] = createSignal<File>();
  const [onConflict, setOnConflict] = createSignal<"error" | "update">("error");

  const exportAction = createAction(async () => {
    const doc = await hub.exportDefinitions();
    const date = new Date().toISOString().slice(0, 10);
    download(`millrace-definitions-${date}.json`, `${JSON.stringify(doc, null, 2)}\n`);
    return doc.integrations.length;
  });
  const importAction = createAction(async (): Promise<ImportReport> => hub.importDefinitions(await readJsonFile(file()!), onConflict()));
  const castmillAction = createAction(async (): Promise<Integration> => {
    return hub.createIntegrationFromCastmill(await readJsonFile(castmillFile()!));
  });

  return (
    <section class="card" aria-labelledby="transfer-heading" data-testid="definitions-transfer">
      <h2 id="transfer-heading">{t("transfer.heading")}</h2>
      <p class="muted">{t("transfer.intro")}</p>
      <div class="button-row">
        <button type="button" class="button button--quiet" aria-busy={exportAction.pending()} disabled={exportAction.pending()} data-testid="export" onClick={() => void exportAction.run()}>
          {exportAction.pending() ? t("transfer.exporting") : t("transfer.export")}
        </button>
      </div>
      <div aria-live="polite">
        <Show when={exportAction.error()}>{(e) => <p class="notice notice--error">{errorText(e())}</p>}</Show>
        <Show when={exportAction.result() !== undefined && !exportAction.pending()}>
          <p class="notice notice--ok">
            {exportAction.result() === 1 ? t("transfer.exportedOne") : t("transfer.exported", { n: exportAction.result()! })}
          </p>
        </Show>
      </div>

      <h3>{t("transfer.importHeading")}</h3>
      <form
        class="form"
        novalidate
        onSubmit={(e) => {
          e.preventDefault();
          if (file()) void importAction.run();
        }}
      >
        <div class="form-grid">
          <div class="field">
            <label for="import-file" class="field__label">
              {t("transfer.file")}
            </label>
            <input
              id="import-file"
              type="file"
              accept="application/json,.json"
              data-testid="import-file"
              onChange={(e) => {
                setFile(e.currentTarget.files?.[0]);
                importAction.reset();
              }}
            />
          </div>
          <div class="field">
            <label for="import-conflict" class="field__label">
              {t("transfer.onConflict")}
            </label>
            <select id="import-conflict" onChange={(e) => setOnConflict(e.currentTarget.value as "error" | "update")}>
              <option value="error" selected={onConflict() === "error"}>
                {t("transfer.conflict.error")}
              </option>
              <option value="update" selected={onConflict() === "update"}>
                {t("transfer.conflict.update")}
              </option>
            </select>
          </div>
        </div>
        <div class="form-actions">
          <button type="submit" class="button" aria-busy={importAction.pending()} disabled={!file() || importAction.pending()} data-testid="import">
            {importAction.pending() ? t("transfer.importing") : t("transfer.import")}
          </button>
        </div>
      </form>
      <div aria-live="polite" data-testid="import-result">
        <Show when={importAction.error()}>{(e) => <ImportErrors error={e()} />}</Show>
        <Show when={!importAction.pending() && importAction.result()}>
          {(r) => (
            <div class="notice notice--ok" data-testid="import-report">
              <p class="notice__title">{t("transfer.imported")}</p>
              <ul>
                <li>{t("transfer.report.integrations", { created: r().integrations_created, updated: r().integrations_updated })}</li>
                <li>{t("transfer.report.widgets", { created: r().widget_configs_created, updated: r().widget_configs_updated })}</li>
              </ul>
              <p class="muted">{t("transfer.reenterSecrets")}</p>
            </div>
          )}
        </Show>
      </div>

      <h3>{t("transfer.castmillHeading")}</h3>
      <p class="muted">{t("transfer.castmillIntro")}</p>
      <div class="form-grid">
        <div class="field">
          <label for="castmill-file" class="field__label">
            {t("transfer.castmillFile")}
          </label>
          <input
            id="castmill-file"
            type="file"
            accept="application/json,.json"
            onChange={(e) => {
              setCastmillFile(e.currentTarget.files?.[0]);
              castmillAction.reset();
            }}
          />
        </div>
      </div>
      <div class="form-actions">
        <button type="button" class="button button--quiet" aria-busy={castmillAction.pending()} disabled={!castmillFile() || castmillAction.pending()} onClick={() => void castmillAction.run()}>
          {castmillAction.pending() ? t("transfer.importing") : t("transfer.castmillImport")}
        </button>
      </div>
      <div aria-live="polite">
        <Show when={castmillAction.error()}>{(e) => <ImportErrors error={e()} />}</Show>
        <Show when={!castmillAction.pending() && castmillAction.result()}>
          {(created) => (
            <p class="notice notice--ok">
              {t("transfer.castmillCreated")} <a href={`/integrations/${created().id}`}>{created().name}</a>
            </p>
          )}
        </Show>
      </div>
    </section>
  );
}

/** An import failure: the hub's message and every field error with its path. */
function ImportErrors(props: { error: ApiError }) {
  return (
    <div class="notice notice--error" role="alert" data-testid="import-errors">
      <p class="notice__title">{t("transfer.importFailed")}</p>
      <p>{props.error.fieldErrors ? t("transfer.fileProblems") : errorText(props.error)}</p>
      <Show when={props.error.fieldErrors}>
        {(fields) => (
          <ul class="error-summary">
            <For each={Object.entries(fields())}>
              {([path, messages]) => (
                <li>
                  <code>{path}</code>: {messages.join("; ")}
                </li>
              )}
            </For>
          </ul>
        )}
      </Show>
    </div>
  );
}
