import { Show, createMemo } from "solid-js";
import { useHub } from "../api";
import { createLoader } from "../async";
import { HealthBadge } from "../components/HealthBadge";
import { RelativeTime } from "../components/RelativeTime";
import { t } from "../i18n";
import { OVERVIEW_REFRESH_MS } from "../overview/OverviewPage";

/**
 * One integration's health from the overview, in plain words, kept fresh while visible.
 * Shows nothing on a hub without /overview (the widget previews still tell the state).
 */
export function IntegrationHealth(props: { id: number }) {
  const hub = useHub();
  const overview = createLoader(() => hub.overview(), { pollMs: OVERVIEW_REFRESH_MS });
  const entry = createMemo(() => overview.data()?.integrations.find((i) => i.id === props.id));
  return (
    <Show when={entry()}>
      {(i) => (
        <div class="health-line" data-testid="integration-health" aria-live="polite">
          <HealthBadge health={i().health} />
          <Show when={i().message}>
            <span>{i().message}</span>
          </Show>
          <span class="muted">
            {t("overview.lastUpdate")}: <RelativeTime value={i().last_update} />
          </span>
          <Show when={i().next_pull}>
            <span class="muted">
              {t("overview.nextPull")}: <RelativeTime value={i().next_pull} />
            </span>
          </Show>
        </div>
      )}
    </Show>
  );
}
