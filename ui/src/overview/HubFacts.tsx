import { Show } from "solid-js";
import type { HubStatus, TunnelState } from "../api";
import { RelativeTime } from "../components/RelativeTime";
import { t } from "../i18n";
import { TunnelStateBadge } from "../settings/TunnelStateBadge";

/** Listeners, key store (with its warning) and tunnel, in one card. */
export function HubFacts(props: { status?: HubStatus; tunnel?: TunnelState }) {
  return (
    <section class="card" aria-labelledby="hub-facts-heading" data-testid="hub-facts">
      <h2 id="hub-facts-heading">{t("overview.hub")}</h2>
      <Show when={props.status?.keystore.warning}>
        {(warning) => (
          <div class="notice notice--warning" role="note" data-testid="keystore-warning">
            <p class="notice__title">{t("keystore.warningTitle")}</p>
            <p>{warning()}</p>
          </div>
        )}
      </Show>
      <dl class="facts facts--stacked">
        <Show when={props.status}>
          {(status) => (
            <>
              <div>
                <dt>{t("listener.player.name")}</dt>
                <dd>
                  <code data-testid="player-url">{status().listeners.player.url}</code>{" "}
                  <span class={`badge ${status().listeners.player.lan ? "badge--lan" : "badge--local"}`}>
                    {status().listeners.player.lan ? t("listener.reach.lan") : t("listener.reach.local")}
                  </span>
                </dd>
              </div>
              <div>
                <dt>{t("listener.hooks.name")}</dt>
                <dd>
                  <code>{status().listeners.hooks.url}</code>
                </dd>
              </div>
              <div>
                <dt>{t("keystore.heading")}</dt>
                <dd data-testid="overview-keystore">{status().keystore.description}</dd>
              </div>
            </>
          )}
        </Show>
        <div>
          <dt>{t("tunnel.heading")}</dt>
          <dd data-testid="overview-tunnel">
            <Show when={props.tunnel} fallback={<span class="muted">{t("tunnel.unknown")}</span>}>
              {(tunnel) => (
                <>
                  <TunnelStateBadge tunnel={tunnel()} />
                  <Show when={tunnel().public_url}>
                    {" "}
                    <code>{tunnel().public_url}</code>
                  </Show>
                  <Show when={tunnel().connected_since}>
                    {" "}
                    <span class="muted">
                      {t("tunnel.since")} <RelativeTime value={tunnel().connected_since} />
                    </span>
                  </Show>
                  <Show when={tunnel().last_error}>
                    <div class="cell-note cell-note--error">{tunnel().last_error}</div>
                  </Show>
                </>
              )}
            </Show>
          </dd>
        </div>
      </dl>
      <p class="muted">
        <a href="/settings">{t("overview.openSettings")}</a> · <a href="/status">{t("overview.openStatus")}</a>
      </p>
    </section>
  );
}
