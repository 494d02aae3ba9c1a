import type { HubStatus } from "../api";
import { t } from "../i18n";
import { formatDateTime, formatDuration } from "../i18n/format";

/** Version, start time and uptime (measured up to the last successful refresh). */
export function HubSummary(props: { status: HubStatus; updatedAt: Date | undefined }) {
  const uptimeSeconds = () => {
    const started = Date.parse(props.status.started_at);
    if (Number.isNaN(started)) return undefined;
    return ((props.updatedAt ?? new Date()).getTime() - started) / 1000;
  };

  return (
    <section class="card" aria-labelledby="hub-heading" data-testid="hub-summary">
      <h2 id="hub-heading">{t("hub.heading")}</h2>
      <dl class="facts">
        <div>
          <dt>{t("hub.version")}</dt>
          <dd data-testid="hub-version">{props.status.version}</dd>
        </div>
        <div>
          <dt>{t("hub.startedAt")}</dt>
          <dd>
            <time datetime={props.status.started_at} data-testid="hub-started-at">
              {formatDateTime(props.status.started_at)}
            </time>
          </dd>
        </div>
        <div>
          <dt>{t("hub.uptime")}</dt>
          <dd data-testid="hub-uptime">
            {uptimeSeconds() === undefined ? "—" : formatDuration(uptimeSeconds()!)}
          </dd>
        </div>
      </dl>
    </section>
  );
}
