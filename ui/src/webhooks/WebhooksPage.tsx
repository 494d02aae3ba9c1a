import { For, Show, createMemo } from "solid-js";
import { useHub } from "../api";
import { createLoader } from "../async";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { t } from "../i18n";
import { pushes } from "../integrations/draft";
import { navigate, queryParam } from "../router";
import { DeliveriesInspector } from "./DeliveriesInspector";
import { WebhookCard } from "./WebhookCard";

/** Webhooks of the push and both integrations: URLs, secrets, test deliveries, received deliveries. */
export function WebhooksPage() {
  const hub = useHub();
  const integrations = createLoader(() => hub.integrations());
  const widgets = createLoader(() => hub.widgetConfigs());
  const status = createLoader(() => hub.status());
  const pushing = createMemo(() => (integrations.data() ?? []).filter((i) => pushes(i.integration_type)));
  const selected = createMemo(() => {
    const wanted = Number(queryParam("integration"));
    return pushing().find((i) => i.id === wanted) ?? pushing()[0];
  });

  return (
    <section class="page" data-testid="webhooks-page" aria-labelledby="webhooks-title">
      <div class="page__header">
        <h1 id="webhooks-title">{t("webhooks.title")}</h1>
        <p class="page__intro">{t("webhooks.intro")}</p>
      </div>
      <Show when={integrations.error()}>
        {(error) => <LoadError error={error()} title={t("integrations.loadFailed")} onRetry={() => void integrations.reload()} />}
      </Show>
      <Show when={integrations.data()} fallback={<Show when={!integrations.error()}><Loading text={t("integrations.loading")} /></Show>}>
        <Show
          when={pushing().length > 0}
          fallback={
            <div class="card empty-state" data-testid="webhooks-empty">
              <p>{t("webhooks.empty")}</p>
              <a class="button" href="/integrations/new">
                {t("integrations.new")}
              </a>
            </div>
          }
        >
          <Show when={pushing().length > 1}>
            <div class="toolbar">
              <label for="webhook-integration">{t("webhooks.choose")}</label>
              <select id="webhook-integration" onChange={(e) => navigate(`/webhooks?integration=${e.currentTarget.value}`, { replace: true })}>
                <For each={pushing()}>
                  {(i) => (
                    <option value={i.id} selected={selected()?.id === i.id}>
                      {i.name}
                    </option>
                  )}
                </For>
              </select>
            </div>
          </Show>
          <Show when={selected()} keyed>
            {(integration) => (
              <>
                <WebhookCard
                  integration={integration}
                  widgets={(widgets.data() ?? []).filter((w) => w.integration_id === integration.id)}
                  status={status.data()}
                />
                <DeliveriesInspector integrationId={integration.id} />
              </>
            )}
          </Show>
        </Show>
      </Show>
    </section>
  );
}
