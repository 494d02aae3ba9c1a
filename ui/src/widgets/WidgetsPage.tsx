import { For, Show, createMemo, createSignal } from "solid-js";
import { useHub, type WidgetConfig } from "../api";
import { createAction, createLoader } from "../async";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { HealthBadge } from "../components/HealthBadge";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { t } from "../i18n";
import { navigate, queryParam } from "../router";
import { widgetHealth } from "./widgetHealth";

/** How often the health column refreshes while visible. */
const HEALTH_REFRESH_MS = 5_000;

/** Every widget config, filterable by integration; enable, disable, delete; "New widget". */
export function WidgetsPage() {
  const hub = useHub();
  const filter = () => {
    const raw = queryParam("integration");
    return raw ? Number(raw) : undefined;
  };
  const integrations = createLoader(() => hub.integrations());
  const widgets = createLoader(() => hub.widgetConfigs());
  const health = createLoader(async () => widgetHealth(hub, widgets.data() ?? (await hub.widgetConfigs())), { pollMs: HEALTH_REFRESH_MS });
  const shown = createMemo(() => (widgets.data() ?? []).filter((w) => filter() === undefined || w.integration_id === filter()));
  const integrationName = (id: number) => integrations.data()?.find((i) => i.id === id)?.name ?? `#${id}`;
  const [deleting, setDeleting] = createSignal<WidgetConfig>();

  const toggle = createAction(async (wc: WidgetConfig) => {
    await hub.updateWidgetConfig(wc.id, { integration_id: wc.integration_id, name: wc.name, options: wc.options, is_active: !wc.is_active });
    await widgets.reload();
    void health.reload();
  });
  const remove = createAction(async (wc: WidgetConfig) => {
    await hub.deleteWidgetConfig(wc.id);
    setDeleting(undefined);
    await widgets.reload();
  });

  const newHref = () => (filter() !== undefined ? `/widgets/new?integration=${filter()}` : "/widgets/new");

  return (
    <section class="page" data-testid="widgets-page" aria-labelledby="widgets-title">
      <div class="page__header page__header--row">
        <div>
          <h1 id="widgets-title">{t("widgets.title")}</h1>
          <p class="page__intro">{t("widgets.intro")}</p>
        </div>
        <a class="button" href={newHref()} data-testid="new-widget">
          {t("widgets.new")}
        </a>
      </div>
      <div class="toolbar">
        <label for="widget-filter">{t("widgets.filter")}</label>
        <select
          id="widget-filter"
          onChange={(e) => navigate(e.currentTarget.value ? `/widgets?integration=${e.currentTarget.value}` : "/widgets", { replace: true })}
        >
          <option value="" selected={filter() === undefined}>
            {t("widgets.allIntegrations")}
          </option>
          <For each={integrations.data() ?? []}>
            {(i) => (
              <option value={i.id} selected={filter() === i.id}>
                {i.name}
              </option>
            )}
          </For>
        </select>
      </div>
      <Show when={widgets.error()}>
        {(error) => <LoadError error={error()} title={t("widgets.loadFailed")} onRetry={() => void widgets.reload()} retrying={widgets.loading()} />}
      </Show>
      <div aria-live="polite">
        <Show when={toggle.error()}>{(error) => <LoadError error={error()} title={t("widget.toggleFailed")} />}</Show>
      </div>
      <Show when={widgets.data()} fallback={<Show when={!widgets.error()}><Loading text={t("widgets.loading")} /></Show>}>
        <Show
          when={shown().length > 0}
          fallback={
            <div class="card empty-state" data-testid="widgets-empty">
              <p>{integrations.data()?.length === 0 ? t("widgets.emptyNoIntegrations") : t("widgets.empty")}</p>
              <a class="button" href={integrations.data()?.length === 0 ? "/integrations/new" : newHref()}>
                {integrations.data()?.length === 0 ? t("integrations.new") : t("widgets.new")}
              </a>
            </div>
          }
        >
          <div class="table-wrap card card--flush">
            <table class="table" data-testid="widgets-table">
              <caption class="visually-hidden">{t("widgets.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("widget.column.name")}</th>
                  <th scope="col">{t("widget.field.integration")}</th>
                  <th scope="col">{t("widget.column.health")}</th>
                  <th scope="col">{t("integrations.column.state")}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t("integrations.column.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={shown()}>
                  {(wc) => (
                    <tr data-testid={`widget-row-${wc.id}`}>
                      <th scope="row">
                        <a href={`/widgets/${wc.id}`}>{wc.name}</a>
                      </th>
                      <td>
                        <a href={`/integrations/${wc.integration_id}`}>{integrationName(wc.integration_id)}</a>
                      </td>
                      <td>
                        <Show when={health.data()?.get(wc.id)} fallback={<span class="muted">—</span>}>
                          {(h) => <HealthBadge health={h()} />}
                        </Show>
                      </td>
                      <td>
                        <span class={`badge ${wc.is_active ? "badge--ok" : "badge--muted"}`}>
                          {wc.is_active ? t("state.enabled") : t("state.disabled")}
                        </span>
                      </td>
                      <td class="table__actions">
                        <button
                          type="button"
                          class="button button--quiet button--small"
                          disabled={toggle.pending()}
                          aria-label={t(wc.is_active ? "action.disableNamed" : "action.enableNamed", { name: wc.name })}
                          onClick={() => void toggle.run(wc)}
                        >
                          {wc.is_active ? t("action.disable") : t("action.enable")}
                        </button>
                        <button
                          type="button"
                          class="button button--quiet button--small button--danger-text"
                          aria-label={t("action.deleteNamed", { name: wc.name })}
                          onClick={() => setDeleting(wc)}
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
      </Show>
      <ConfirmDialog
        open={deleting() !== undefined}
        title={t("widgets.delete.title", { name: deleting()?.name ?? "" })}
        confirmLabel={t("widgets.delete.confirm")}
        pendingLabel={t("widgets.delete.deleting")}
        pending={remove.pending()}
        error={remove.error()}
        danger
        onConfirm={() => deleting() && void remove.run(deleting()!)}
        onCancel={() => {
          remove.reset();
          setDeleting(undefined);
        }}
      >
        <p>{t("widgets.delete.body")}</p>
      </ConfirmDialog>
    </section>
  );
}
