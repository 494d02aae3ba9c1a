import { For, Show } from "solid-js";
import type { OverviewIntegration } from "../api";
import { HealthBadge } from "../components/HealthBadge";
import { RelativeTime } from "../components/RelativeTime";
import { t } from "../i18n";

/** One integration on the overview: its health in plain words and each widget config's. */
export function IntegrationHealthCard(props: { integration: OverviewIntegration }) {
  const i = () => props.integration;
  return (
    <article class="card health-card" data-testid={`overview-integration-${i().id}`} aria-labelledby={`ov-int-${i().id}`}>
      <header class="health-card__head">
        <h3 id={`ov-int-${i().id}`}>
          <a href={`/integrations/${i().id}`}>{i().name}</a>
        </h3>
        <span class="muted">
          {i().widget} · {t(`integration.type.${i().integration_type}`)}
        </span>
        <HealthBadge health={i().health} />
      </header>
      <Show when={i().message}>
        <p class="health-card__message" data-testid="health-message">
          {i().message}
        </p>
      </Show>
      <dl class="facts facts--inline">
        <div>
          <dt>{t("overview.lastUpdate")}</dt>
          <dd>
            <RelativeTime value={i().last_update} />
          </dd>
        </div>
        <Show when={i().integration_type !== "push"}>
          <div>
            <dt>{t("overview.nextPull")}</dt>
            <dd>
              <RelativeTime value={i().next_pull} never={t("time.notScheduled")} />
            </dd>
          </div>
        </Show>
      </dl>
      <Show
        when={i().widget_configs.length > 0}
        fallback={
          <p class="muted">
            <Show when={!i().message}>{t("overview.noWidgets")} </Show>
            <a href={`/widgets/new?integration=${i().id}`}>{t("overview.addWidget")}</a>
          </p>
        }
      >
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{t("overview.widgetsOf", { name: i().name })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("widget.column.name")}</th>
                <th scope="col">{t("widget.column.health")}</th>
                <th scope="col">{t("widget.column.version")}</th>
                <th scope="col">{t("widget.column.updated")}</th>
                <th scope="col">{t("widget.column.players")}</th>
              </tr>
            </thead>
            <tbody>
              <For each={i().widget_configs}>
                {(wc) => (
                  <tr data-testid={`overview-widget-${wc.id}`}>
                    <th scope="row">
                      <a href={`/widgets/${wc.id}`}>{wc.name}</a>
                    </th>
                    <td>
                      <HealthBadge health={wc.health} />
                      <Show when={wc.message}>
                        <div class="cell-note">{wc.message}</div>
                      </Show>
                    </td>
                    <td>{wc.version ?? "—"}</td>
                    <td>
                      <RelativeTime value={wc.fetched_at} />
                      <Show when={wc.next_pull}>
                        <div class="cell-note">
                          {t("overview.nextPullShort")} <RelativeTime value={wc.next_pull} />
                        </div>
                      </Show>
                    </td>
                    <td>
                      <Show when={wc.players > 0} fallback={<span class="muted">{t("overview.noPlayers")}</span>}>
                        {t("overview.playersCurrent", { current: wc.players_current, total: wc.players })}
                      </Show>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </article>
  );
}
