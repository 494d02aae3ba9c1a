import { Show, createMemo, createSignal } from "solid-js";
import { useHub, type Integration, type PlayerData, type WidgetConfig } from "../api";
import { createAction, createLoader } from "../async";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { CredentialsPanel } from "../credentials/CredentialsPanel";
import { t } from "../i18n";
import { formatTime } from "../i18n/format";
import { pulls, pushes } from "../integrations/draft";
import { navigate, queryParam } from "../router";
import { DataPreview } from "./DataPreview";
import { SignLinks } from "./SignLinks";

/** How often the preview refreshes while visible. */
export const PREVIEW_REFRESH_MS = 3_000;
/** After Refresh now: look this often, this long, for the new data. */
const REFRESH_CHECK_MS = 500;
const REFRESH_WAIT_MS = 15_000;

/** One widget config: the live preview of what players get, how signs reach it, credentials, actions. */
export function WidgetDetailPage(props: { params: Record<string, string> }) {
  const hub = useHub();
  const id = () => props.params.id!;
  const widget = createLoader(() => hub.widgetConfig(id()));
  const integration = createLoader<Integration | undefined>(async () => {
    const wc = widget.data() ?? (await hub.widgetConfig(id()));
    return hub.integration(wc.integration_id);
  });
  const preview = createLoader(() => hub.widgetData(id()), { pollMs: PREVIEW_REFRESH_MS });
  const status = createLoader(() => hub.status());
  // Older hubs have no /settings; the token hint is then simply not shown.
  const settings = createLoader(() => hub.settings().catch(() => undefined));
  const [deleting, setDeleting] = createSignal(false);

  const refresh = createAction(async () => {
    const before = preview.data();
    await hub.refreshWidget(id());
    const deadline = Date.now() + REFRESH_WAIT_MS;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, REFRESH_CHECK_MS));
      await preview.reload();
      if (changed(before, preview.data())) return "updated" as const;
    }
    return "unchanged" as const;
  });
  const toggle = createAction(async (wc: WidgetConfig) => {
    const saved = await hub.updateWidgetConfig(wc.id, {
      integration_id: wc.integration_id,
      name: wc.name,
      options: wc.options,
      is_active: !wc.is_active,
    });
    widget.set(saved);
    void preview.reload();
  });
  const remove = createAction(async () => {
    await hub.deleteWidgetConfig(id());
    navigate("/widgets");
  });

  const canPull = createMemo(() => {
    const i = integration.data();
    return i ? pulls(i.integration_type) : false;
  });

  return (
    <section class="page" data-testid="widget-page">
      <p class="breadcrumb">
        <a href="/widgets">{t("widgets.title")}</a> ›
      </p>
      <Show when={widget.error()}>
        {(error) => <LoadError error={error()} title={t("widget.loadFailed")} onRetry={() => void widget.reload()} retrying={widget.loading()} />}
      </Show>
      <Show when={widget.data()} fallback={<Show when={!widget.error()}><Loading text={t("widget.loading")} /></Show>}>
        {(wc) => (
          <>
            <div class="page__header page__header--row">
              <div>
                <h1 data-testid="widget-name">{wc().name}</h1>
                <p class="page__intro">
                  <Show when={integration.data()}>
                    {(i) => (
                      <>
                        {t("widget.fedBy")} <a href={`/integrations/${i().id}`}>{i().name}</a>{" "}
                      </>
                    )}
                  </Show>
                  <span class={`badge ${wc().is_active ? "badge--ok" : "badge--muted"}`}>
                    {wc().is_active ? t("state.enabled") : t("state.disabled")}
                  </span>
                </p>
              </div>
              <div class="button-row">
                <a class="button button--quiet" href={`/widgets/${wc().id}/edit`} data-testid="edit-widget">
                  {t("action.edit")}
                </a>
                <button type="button" class="button button--quiet" aria-busy={toggle.pending()} disabled={toggle.pending()} onClick={() => void toggle.run(wc())}>
                  {toggle.pending() ? t("action.saving") : wc().is_active ? t("action.disable") : t("action.enable")}
                </button>
                <button type="button" class="button button--danger" data-testid="delete-widget" onClick={() => setDeleting(true)}>
                  {t("action.delete")}
                </button>
              </div>
            </div>
            <div aria-live="polite">
              <Show when={queryParam("created") === "1"}>
                <p class="notice notice--ok" data-testid="created-notice">
                  {t("widget.created")}
                </p>
              </Show>
              <Show when={toggle.error()}>{(error) => <LoadError error={error()} title={t("widget.toggleFailed")} />}</Show>
            </div>

            <div class="detail-grid detail-grid--wide-first">
              <section class="card" aria-labelledby="preview-heading" data-testid="preview-card">
                <div class="card__head">
                  <h2 id="preview-heading">{t("preview.heading")}</h2>
                  <Show when={canPull()}>
                    <button type="button" class="button" aria-busy={refresh.pending()} disabled={refresh.pending()} data-testid="refresh-now" onClick={() => void refresh.run()}>
                      {refresh.pending() ? t("preview.refreshing") : t("preview.refresh")}
                    </button>
                  </Show>
                </div>
                <p class="muted">{t("preview.intro")}</p>
                <div aria-live="polite" data-testid="refresh-result">
                  <Show when={refresh.error()}>{(error) => <LoadError error={error()} title={t("preview.refreshFailed")} />}</Show>
                  <Show when={!refresh.pending() && refresh.result() === "updated"}>
                    <p class="notice notice--ok">{t("preview.refreshed")}</p>
                  </Show>
                  <Show when={!refresh.pending() && refresh.result() === "unchanged"}>
                    <p class="notice notice--info">{t("preview.refreshUnchanged")}</p>
                  </Show>
                </div>
                <Show when={preview.error()}>
                  {(error) => <LoadError error={error()} title={t("preview.loadFailed")} onRetry={() => void preview.reload()} retrying={preview.loading()} />}
                </Show>
                <Show when={preview.data()} fallback={<Show when={!preview.error()}><Loading text={t("preview.loading")} /></Show>}>
                  {(payload) => <DataPreview payload={payload()} />}
                </Show>
                <Show when={preview.updatedAt()}>
                  {(at) => <p class="muted page__footnote">{t("preview.checked", { time: formatTime(at()) })}</p>}
                </Show>
              </section>

              <section class="card" aria-labelledby="sign-heading">
                <h2 id="sign-heading">{t("sign.heading")}</h2>
                <SignLinks widget={wc()} status={status.data()} playerTokenSet={settings.data()?.player_token_set} />
                <Show when={wc().webhook_url}>
                  <p class="muted">
                    {t("widget.webhookUrl")} <code>{wc().webhook_url}</code>
                  </p>
                </Show>
                <Show when={integration.data() && pushes(integration.data()!.integration_type)}>
                  <p>
                    <a href={`/webhooks?integration=${wc().integration_id}`}>{t("widget.openWebhooks")}</a>
                  </p>
                </Show>
              </section>
            </div>

            <Show when={integration.data()?.credential_scope === "widget"}>
              <section class="card" aria-labelledby="wc-creds" data-testid="widget-credentials">
                <h2 id="wc-creds">{t("credentials.heading")}</h2>
                <p class="muted">{t("credentials.widgetScopeIntro")}</p>
                <CredentialsPanel
                  schema={integration.data()!.credential_schema}
                  view={wc().credentials}
                  save={(changes) => hub.putWidgetCredentials(wc().id, changes)}
                  remove={() => hub.deleteWidgetCredentials(wc().id)}
                  test={canPull() ? (credentials) => hub.testIntegration(wc().integration_id, { credentials, widget_config_id: wc().id }) : undefined}
                  onChanged={() => void widget.reload()}
                />
              </section>
            </Show>

            <ConfirmDialog
              open={deleting()}
              title={t("widgets.delete.title", { name: wc().name })}
              confirmLabel={t("widgets.delete.confirm")}
              pendingLabel={t("widgets.delete.deleting")}
              pending={remove.pending()}
              error={remove.error()}
              danger
              onConfirm={() => void remove.run()}
              onCancel={() => setDeleting(false)}
            >
              <p>{t("widgets.delete.body")}</p>
            </ConfirmDialog>
          </>
        )}
      </Show>
    </section>
  );
}

function changed(before: PlayerData | undefined, after: PlayerData | undefined): boolean {
  if (!after) return false;
  if (!before) return true;
  return after.version !== before.version || after.fetched_at !== before.fetched_at || after.status !== before.status;
}
