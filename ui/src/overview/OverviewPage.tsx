import { For, Show, createEffect, createMemo, on } from "solid-js";
import { useHub, type Integration } from "../api";
import { createLoader } from "../async";
import { HealthBadge } from "../components/HealthBadge";
import { isUnsupported, LoadError, UnsupportedNotice } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { t } from "../i18n";
import { formatTime } from "../i18n/format";
import { CredentialsSummary, TypeBadge } from "../integrations/badges";
import { GetStarted } from "./GetStarted";
import { HubFacts } from "./HubFacts";
import { IntegrationHealthCard } from "./IntegrationHealthCard";

/** How often the overview refreshes while the tab is visible. */
export const OVERVIEW_REFRESH_MS = 3_000;

/**
 * The landing page: the health of every integration and widget config, players, the
 * hub's listeners, key store and tunnel — refreshed every few seconds while visible.
 * An empty hub gets a "Get started" call to action.
 */
export function OverviewPage(props: { refreshMs?: number }) {
  const hub = useHub();
  const pollMs = props.refreshMs ?? OVERVIEW_REFRESH_MS;
  const overview = createLoader(() => hub.overview(), { pollMs });
  const status = createLoader(() => hub.status(), { pollMs: pollMs * 5 });
  // An older hub without /overview: fall back to the integration list (for the empty check).
  const fallbackNeeded = () => isUnsupported(overview.error());
  const integrations = createLoader<Integration[] | undefined>(
    () => (fallbackNeeded() ? hub.integrations() : Promise.resolve(undefined)),
    { pollMs },
  );

  createEffect(on(fallbackNeeded, (needed) => needed && void integrations.reload(), { defer: true }));

  const count = createMemo(() => overview.data()?.integrations.length ?? integrations.data()?.length);
  const empty = () => count() === 0;

  return (
    <section class="page" data-testid="overview-page" aria-labelledby="overview-title">
      <div class="page__header page__header--row">
        <div>
          <h1 id="overview-title">{t("overview.title")}</h1>
          <p class="page__intro">{t("overview.intro")}</p>
        </div>
        <Show when={!empty() && count() !== undefined}>
          <a class="button" href="/integrations/new">
            {t("integrations.new")}
          </a>
        </Show>
      </div>

      <Show when={overview.error() && !fallbackNeeded()}>
        <LoadError
          error={overview.error()!}
          title={overview.data() ? t("overview.staleTitle") : t("overview.errorTitle")}
          onRetry={() => void overview.reload()}
          retrying={overview.loading()}
        />
      </Show>
      <Show when={fallbackNeeded()}>
        <UnsupportedNotice feature={t("feature.overview")} />
      </Show>
      <Show when={count() === undefined && !overview.error()}>
        <Loading text={t("overview.loading")} />
      </Show>

      <Show when={overview.data()}>
        {(data) => (
          <div class="summary-strip" data-testid="overview-summary" aria-live="polite">
            <div class="summary-strip__item">
              <span class="summary-strip__label">{t("overview.worst")}</span>
              <HealthBadge health={data().worst} testid="overview-worst" />
            </div>
            <div class="summary-strip__item">
              <span class="summary-strip__label">{t("overview.players")}</span>
              <span data-testid="overview-players">
                {t("overview.playersSummary", { current: data().players.up_to_date, total: data().players.total })}
              </span>
            </div>
            <div class="summary-strip__item">
              <span class="summary-strip__label">{t("overview.pulls")}</span>
              <span>
                {data().scheduler.paused ? (
                  <span class="badge badge--warning">{t("overview.pullsPaused")}</span>
                ) : (
                  <span class="badge badge--ok">{t("overview.pullsRunning")}</span>
                )}
              </span>
            </div>
          </div>
        )}
      </Show>

      <div class="overview-grid">
        <div class="overview-grid__main">
          <Show when={empty()}>
            <GetStarted />
          </Show>
          <Show when={overview.data() && !empty()}>
            <h2 class="section-title">{t("overview.integrations")}</h2>
            <For each={overview.data()!.integrations}>{(integration) => <IntegrationHealthCard integration={integration} />}</For>
          </Show>
          <Show when={fallbackNeeded() && integrations.data() && !empty()}>
            <h2 class="section-title">{t("overview.integrations")}</h2>
            <For each={integrations.data()!}>
              {(i) => (
                <article class="card health-card" data-testid={`overview-integration-${i.id}`}>
                  <header class="health-card__head">
                    <h3>
                      <a href={`/integrations/${i.id}`}>{i.name}</a>
                    </h3>
                    <span class="muted">{i.widget}</span>
                    <TypeBadge type={i.integration_type} />
                    <span class={`badge ${i.is_active ? "badge--ok" : "badge--muted"}`}>
                      {i.is_active ? t("state.enabled") : t("state.disabled")}
                    </span>
                  </header>
                  <p class="muted">
                    {t("overview.fallbackWidgets", { n: i.widget_config_count ?? 0 })} · {t("integrations.column.credentials")}:{" "}
                    <CredentialsSummary integration={i} />
                  </p>
                </article>
              )}
            </For>
          </Show>
        </div>
        <aside class="overview-grid__side">
          <HubFacts status={status.data()} tunnel={overview.data()?.tunnel ?? status.data()?.tunnel} />
        </aside>
      </div>

      <Show when={overview.updatedAt()}>
        {(at) => <p class="muted page__footnote">{t("overview.updated", { time: formatTime(at()) })}</p>}
      </Show>
    </section>
  );
}
