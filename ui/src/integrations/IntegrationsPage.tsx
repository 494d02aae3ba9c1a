import { For, Show, createSignal } from "solid-js";
import { useHub, type Integration } from "../api";
import { createAction, createLoader } from "../async";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { t } from "../i18n";
import { DeleteIntegrationDialog } from "./DeleteIntegrationDialog";
import { inputFromIntegration } from "./draft";
import { CredentialsSummary, TypeBadge } from "./badges";

/** Every integration: open, enable or disable, delete; and "New integration". */
export function IntegrationsPage() {
  const hub = useHub();
  const list = createLoader(() => hub.integrations());
  const [deleting, setDeleting] = createSignal<Integration>();
  const toggle = createAction(async (integration: Integration) => {
    await hub.updateIntegration(integration.id, { ...inputFromIntegration(integration), is_active: !integration.is_active });
    await list.reload();
  });

  return (
    <section class="page" data-testid="integrations-page" aria-labelledby="integrations-title">
      <div class="page__header page__header--row">
        <div>
          <h1 id="integrations-title">{t("integrations.title")}</h1>
          <p class="page__intro">{t("integrations.intro")}</p>
        </div>
        <a class="button" href="/integrations/new" data-testid="new-integration">
          {t("integrations.new")}
        </a>
      </div>
      <Show when={list.error()}>
        {(error) => <LoadError error={error()} title={t("integrations.loadFailed")} onRetry={() => void list.reload()} retrying={list.loading()} />}
      </Show>
      <div aria-live="polite">
        <Show when={toggle.error()}>
          {(error) => <LoadError error={error()} title={t("integrations.toggleFailed")} />}
        </Show>
      </div>
      <Show when={list.data()} fallback={<Show when={!list.error()}><Loading text={t("integrations.loading")} /></Show>}>
        {(items) => (
          <Show
            when={items().length > 0}
            fallback={
              <div class="card empty-state" data-testid="integrations-empty">
                <p>{t("integrations.empty")}</p>
                <a class="button" href="/integrations/new">
                  {t("integrations.new")}
                </a>
              </div>
            }
          >
            <div class="table-wrap card card--flush">
              <table class="table" data-testid="integrations-table">
                <caption class="visually-hidden">{t("integrations.title")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("integration.field.name")}</th>
                    <th scope="col">{t("integration.field.type")}</th>
                    <th scope="col">{t("integrations.column.widgets")}</th>
                    <th scope="col">{t("integrations.column.credentials")}</th>
                    <th scope="col">{t("integrations.column.state")}</th>
                    <th scope="col">
                      <span class="visually-hidden">{t("integrations.column.actions")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={items()}>
                    {(integration) => (
                      <tr data-testid={`integration-row-${integration.id}`}>
                        <th scope="row">
                          <a href={`/integrations/${integration.id}`}>{integration.name}</a>
                          <div class="cell-note">{integration.widget}</div>
                        </th>
                        <td>
                          <TypeBadge type={integration.integration_type} />
                        </td>
                        <td>
                          <a href={`/widgets?integration=${integration.id}`}>{integration.widget_config_count ?? 0}</a>
                        </td>
                        <td>
                          <CredentialsSummary integration={integration} />
                        </td>
                        <td>
                          <span class={`badge ${integration.is_active ? "badge--ok" : "badge--muted"}`}>
                            {integration.is_active ? t("state.enabled") : t("state.disabled")}
                          </span>
                        </td>
                        <td class="table__actions">
                          <button
                            type="button"
                            class="button button--quiet button--small"
                            disabled={toggle.pending()}
                            aria-label={t(integration.is_active ? "action.disableNamed" : "action.enableNamed", { name: integration.name })}
                            onClick={() => void toggle.run(integration)}
                          >
                            {integration.is_active ? t("action.disable") : t("action.enable")}
                          </button>
                          <button
                            type="button"
                            class="button button--quiet button--small button--danger-text"
                            aria-label={t("action.deleteNamed", { name: integration.name })}
                            onClick={() => setDeleting(integration)}
                          >
                            {t("action.delete")}
                          </button>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
      <DeleteIntegrationDialog
        integration={deleting()}
        onCancel={() => setDeleting(undefined)}
        onDeleted={() => {
          setDeleting(undefined);
          void list.reload();
        }}
      />
    </section>
  );
}
