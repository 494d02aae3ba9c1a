import { For, Show, createSignal } from "solid-js";
import { useHub, type Integration } from "../api";
import { createAction, createLoader } from "../async";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { CredentialsPanel } from "../credentials/CredentialsPanel";
import { t } from "../i18n";
import { navigate, queryParam } from "../router";
import { TypeBadge } from "./badges";
import { DeleteIntegrationDialog } from "./DeleteIntegrationDialog";
import { inputFromIntegration, pulls, pushes } from "./draft";
import { IntegrationHealth } from "./IntegrationHealth";
import { dataKeyLabel } from "./IntegrationForm";

/** One integration: what it does, its credentials, its widget configs, and its actions. */
export function IntegrationDetailPage(props: { params: Record<string, string> }) {
  const hub = useHub();
  const id = () => Number(props.params.id);
  const integration = createLoader(() => hub.integration(id()));
  const widgets = createLoader(() => hub.widgetConfigs(id()));
  const [deleting, setDeleting] = createSignal(false);
  const toggle = createAction(async (current: Integration) => {
    const saved = await hub.updateIntegration(current.id, { ...inputFromIntegration(current), is_active: !current.is_active });
    integration.set(saved);
  });

  return (
    <section class="page" data-testid="integration-page">
      <p class="breadcrumb">
        <a href="/integrations">{t("integrations.title")}</a> ›
      </p>
      <Show when={integration.error()}>
        {(error) => <LoadError error={error()} title={t("integration.loadFailed")} onRetry={() => void integration.reload()} retrying={integration.loading()} />}
      </Show>
      <Show when={integration.data()} fallback={<Show when={!integration.error()}><Loading text={t("integration.loading")} /></Show>}>
        {(current) => (
          <>
            <div class="page__header page__header--row">
              <div>
                <h1 data-testid="integration-name">{current().name}</h1>
                <p class="page__intro">
                  <TypeBadge type={current().integration_type} />{" "}
                  <span class={`badge ${current().is_active ? "badge--ok" : "badge--muted"}`} data-testid="integration-state">
                    {current().is_active ? t("state.enabled") : t("state.disabled")}
                  </span>{" "}
                  {current().description}
                </p>
              </div>
              <div class="button-row">
                <a class="button button--quiet" href={`/integrations/${current().id}/edit`} data-testid="edit-integration">
                  {t("action.edit")}
                </a>
                <button type="button" class="button button--quiet" aria-busy={toggle.pending()} disabled={toggle.pending()} data-testid="toggle-integration" onClick={() => void toggle.run(current())}>
                  {toggle.pending() ? t("action.saving") : current().is_active ? t("action.disable") : t("action.enable")}
                </button>
                <button type="button" class="button button--danger" data-testid="delete-integration" onClick={() => setDeleting(true)}>
                  {t("action.delete")}
                </button>
              </div>
            </div>
            <IntegrationHealth id={current().id} />
            <div aria-live="polite">
              <Show when={queryParam("created") === "1"}>
                <p class="notice notice--ok" data-testid="created-notice">
                  {t("integration.created")}
                </p>
              </Show>
              <Show when={toggle.error()}>{(error) => <LoadError error={error()} title={t("integrations.toggleFailed")} />}</Show>
            </div>

            <div class="detail-grid">
              <section class="card" aria-labelledby="int-facts">
                <h2 id="int-facts">{t("integration.details")}</h2>
                <dl class="facts">
                  <div>
                    <dt>{t("integration.field.widget")}</dt>
                    <dd>
                      <code>{current().widget}</code>
                    </dd>
                  </div>
                  <div>
                    <dt>{t("integration.field.scope")}</dt>
                    <dd>{t(`integration.scope.${current().credential_scope}`)}</dd>
                  </div>
                  <div>
                    <dt>{t("integration.field.dataKey")}</dt>
                    <dd>{dataKeyLabel(current().data_key ?? "organization")}</dd>
                  </div>
                  <Show when={pulls(current().integration_type)}>
                    <div>
                      <dt>{t("pull.endpoint")}</dt>
                      <dd>
                        <code>{current().pull_endpoint}</code>
                      </dd>
                    </div>
                    <div>
                      <dt>{t("pull.interval")}</dt>
                      <dd>{t("integration.everySeconds", { n: current().pull_interval_seconds ?? 0 })}</dd>
                    </div>
                  </Show>
                  <Show when={pushes(current().integration_type)}>
                    <div>
                      <dt>{t("push.scheme")}</dt>
                      <dd>
                        {current().push_config ? t(`push.scheme.${current().push_config!.verifier.scheme}`) : "—"}{" "}
                        <a href={`/webhooks?integration=${current().id}`}>{t("integration.openWebhooks")}</a>
                      </dd>
                    </div>
                  </Show>
                </dl>
              </section>

              <section class="card" aria-labelledby="int-creds" data-testid="integration-credentials">
                <h2 id="int-creds">{t("credentials.heading")}</h2>
                <Show
                  when={current().credential_scope === "organization"}
                  fallback={<p class="muted">{t("credentials.widgetScopeNote")}</p>}
                >
                  <CredentialsPanel
                    schema={current().credential_schema}
                    view={current().credentials}
                    save={(changes) => hub.putIntegrationCredentials(current().id, changes)}
                    remove={() => hub.deleteIntegrationCredentials(current().id)}
                    test={pulls(current().integration_type) ? (credentials) => hub.testIntegration(current().id, { credentials }) : undefined}
                    onChanged={() => void integration.reload()}
                  />
                </Show>
              </section>
            </div>

            <section class="card" aria-labelledby="int-widgets" data-testid="integration-widgets">
              <div class="card__head">
                <h2 id="int-widgets">{t("integration.widgets")}</h2>
                <a class="button" href={`/widgets/new?integration=${current().id}`} data-testid="add-widget">
                  {t("integration.addWidget")}
                </a>
              </div>
              <Show when={widgets.error()}>{(error) => <LoadError error={error()} title={t("widgets.loadFailed")} />}</Show>
              <Show when={widgets.data()}>
                {(list) => (
                  <Show when={list().length > 0} fallback={<p class="muted">{t("integration.noWidgets")}</p>}>
                    <ul class="plain-list">
                      <For each={list()}>
                        {(wc) => (
                          <li>
                            <a href={`/widgets/${wc.id}`}>{wc.name}</a>{" "}
                            <Show when={!wc.is_active}>
                              <span class="badge badge--muted">{t("state.disabled")}</span>
                            </Show>
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                )}
              </Show>
            </section>

            <DeleteIntegrationDialog
              integration={deleting() ? current() : undefined}
              onCancel={() => setDeleting(false)}
              onDeleted={() => navigate("/integrations")}
            />
          </>
        )}
      </Show>
    </section>
  );
}
