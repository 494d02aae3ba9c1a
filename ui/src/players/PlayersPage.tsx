import { For, Show } from "solid-js";
import { useHub } from "../api";
import { createLoader } from "../async";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { RelativeTime } from "../components/RelativeTime";
import { t } from "../i18n";

export const PLAYERS_REFRESH_MS = 3_000;

/** The signs seen polling: who, from where, when, and whether each holds the current data. */
export function PlayersPage(props: { refreshMs?: number }) {
  const hub = useHub();
  const players = createLoader(() => hub.players(), { pollMs: props.refreshMs ?? PLAYERS_REFRESH_MS });
  const widgets = createLoader(() => hub.widgetConfigs(), { pollMs: 30_000 });
  const widgetName = (id: string) => widgets.data()?.find((w) => w.id === id)?.name ?? id;

  return (
    <section class="page" data-testid="players-page" aria-labelledby="players-title">
      <div class="page__header">
        <h1 id="players-title">{t("players.title")}</h1>
        <p class="page__intro">{t("players.intro")}</p>
      </div>
      <Show when={players.error()}>
        {(error) => <LoadError error={error()} title={t("players.loadFailed")} onRetry={() => void players.reload()} retrying={players.loading()} />}
      </Show>
      <Show when={players.data()} fallback={<Show when={!players.error()}><Loading text={t("players.loading")} /></Show>}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <div class="card empty-state" data-testid="players-empty">
                <p>{t("players.empty")}</p>
                <a href="/widgets">{t("players.emptyLink")}</a>
              </div>
            }
          >
            <p class="muted" aria-live="polite" data-testid="players-summary">
              {t("players.summary", { total: list().length, current: list().filter((p) => p.up_to_date).length })}
            </p>
            <div class="table-wrap card card--flush">
              <table class="table" data-testid="players-table">
                <caption class="visually-hidden">{t("players.title")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("players.id")}</th>
                    <th scope="col">{t("players.address")}</th>
                    <th scope="col">{t("players.lastSeen")}</th>
                    <th scope="col">{t("players.widgets")}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(player) => (
                      <tr data-testid="player-row">
                        <th scope="row">
                          <code>{player.id}</code>
                          <div class="cell-note ua" title={player.user_agent}>
                            {player.user_agent}
                          </div>
                        </th>
                        <td>
                          <code>{player.address}</code>
                        </td>
                        <td>
                          <RelativeTime value={player.last_seen} />
                          <div class="cell-note">
                            {t("players.firstSeen")} <RelativeTime value={player.first_seen} />
                          </div>
                        </td>
                        <td>
                          <span class={`badge ${player.up_to_date ? "badge--ok" : "badge--warning"}`}>
                            {player.up_to_date ? t("players.upToDate") : t("players.behind")}
                          </span>
                          <ul class="plain-list plain-list--tight">
                            <For each={player.widgets}>
                              {(w) => (
                                <li>
                                  <a href={`/widgets/${w.widget_config_id}`}>{widgetName(w.widget_config_id)}</a>{" "}
                                  <span class="muted">
                                    {w.current
                                      ? t("players.versionCurrent", { version: w.version })
                                      : w.current_version === null
                                        ? t("players.widgetGone")
                                        : t("players.versionBehind", { version: w.version, current: w.current_version })}
                                  </span>
                                </li>
                              )}
                            </For>
                          </ul>
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
    </section>
  );
}
